#ifndef C8S_CZSTD_SHIM_H
#define C8S_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>

/// ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are macros Swift cannot import as typed constants.
static inline unsigned long long c8s_zstd_contentsize_unknown(void) { return ZSTD_CONTENTSIZE_UNKNOWN; }
static inline unsigned long long c8s_zstd_contentsize_error(void) { return ZSTD_CONTENTSIZE_ERROR; }
#endif
