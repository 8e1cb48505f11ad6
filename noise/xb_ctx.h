/*
 * xb_ctx.h — the context every stateful xbar call receives.
 *
 * It carries the master seed, the thread count, the log level and the last
 * error message; xbar has no other mutable state outside objects. A context
 * is not shared between threads that report errors concurrently; the hot
 * kernels that run inside OpenMP regions never touch it.
 */
#ifndef XB_CTX_H
#define XB_CTX_H

#include <stdarg.h>
#include <stdint.h>

#include "xb_error.h"

enum xb_log_level { XB_LOG_QUIET = 0, XB_LOG_INFO = 1, XB_LOG_DEBUG = 2 };

struct xb_ctx_params {
    uint64_t seed;          /* master seed of every random stream */
    int threads;            /* OpenMP threads; 0 = leave the runtime default */
    enum xb_log_level log;  /* how chatty the front end may be */
};

struct xb_ctx;

/* Creates a context; the defaults are seed 1, runtime threads, INFO. */
struct xb_ctx *xb_ctx_create(const struct xb_ctx_params *params);
void xb_ctx_free(struct xb_ctx *ctx);

uint64_t xb_ctx_seed(const struct xb_ctx *ctx);
int xb_ctx_threads(const struct xb_ctx *ctx);
enum xb_log_level xb_ctx_log_level(const struct xb_ctx *ctx);

/* Records a message for status and returns status, so that errors are
 * raised as `return xb_error(ctx, XB_EINVAL, "...", ...)`. The message
 * should name the input and what was expected. */
enum xb_status xb_error(struct xb_ctx *ctx, enum xb_status status,
                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum xb_status xb_verror(struct xb_ctx *ctx, enum xb_status status,
                         const char *fmt, va_list ap);

/* The last error message ("" if none) and its status. */
const char *xb_ctx_error(const struct xb_ctx *ctx);
enum xb_status xb_ctx_status(const struct xb_ctx *ctx);
void xb_ctx_clear_error(struct xb_ctx *ctx);

#endif
