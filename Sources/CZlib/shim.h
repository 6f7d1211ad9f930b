#ifndef C8S_CZLIB_SHIM_H
#define C8S_CZLIB_SHIM_H

#include <zlib.h>

/// `inflateInit2` is a macro: window bits 15 + 16 inflate a gzip stream (RFC 1952), the format kubelet rotates into.
static inline int c8s_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 16);
}

#endif
