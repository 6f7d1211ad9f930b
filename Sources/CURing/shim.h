#ifndef C8S_CURING_SHIM_H
#define C8S_CURING_SHIM_H
/*
 * liburing.h defines _GNU_SOURCE and _XOPEN_SOURCE when they are not set, which changes the layout names of
 * glibc types (fd_set) and clashes with the Glibc, Dispatch and CCurl modules. Include the system headers first,
 * with the same feature macros as those modules, then take cpu_set_t (GNU-only in <sched.h>) from its own header.
 */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <signal.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <inttypes.h>
#include <time.h>
#include <sched.h>
#include <bits/cpu-set.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
/*
 * liburing ships its own copy of the kernel's io_uring.h under the same include guard. Other modules in the
 * build (swift-system's CSystem) include the kernel's <linux/io_uring.h>; two different definitions of
 * struct io_uring_sqe cannot be merged. Including the kernel's header first makes liburing use it too.
 */
#include <linux/io_uring.h>
#include <liburing.h>

/// liburing's helpers are static inline; these prefixed wrappers give Swift stable, non-macro entry points.
static inline struct io_uring_sqe *c8s_uring_get_sqe(struct io_uring *ring) { return io_uring_get_sqe(ring); }
static inline void c8s_uring_prep_read(struct io_uring_sqe *sqe, int fd, void *buf, unsigned nbytes, __u64 offset) {
    io_uring_prep_read(sqe, fd, buf, nbytes, offset);
}
static inline void c8s_uring_sqe_set_data64(struct io_uring_sqe *sqe, __u64 data) { io_uring_sqe_set_data64(sqe, data); }
static inline __u64 c8s_uring_cqe_get_data64(const struct io_uring_cqe *cqe) { return io_uring_cqe_get_data64(cqe); }
static inline int c8s_uring_wait_cqe(struct io_uring *ring, struct io_uring_cqe **cqe) { return io_uring_wait_cqe(ring, cqe); }
static inline int c8s_uring_peek_cqe(struct io_uring *ring, struct io_uring_cqe **cqe) { return io_uring_peek_cqe(ring, cqe); }
static inline void c8s_uring_cqe_seen(struct io_uring *ring, struct io_uring_cqe *cqe) { io_uring_cqe_seen(ring, cqe); }
#endif
