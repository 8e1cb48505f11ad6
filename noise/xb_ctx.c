#include "xb_ctx.h"

#include <stdio.h>

#include "xb_alloc.h"

struct xb_ctx {
    struct xb_ctx_params params;
    enum xb_status status;
    char message[1024];
};

struct xb_ctx *xb_ctx_create(const struct xb_ctx_params *params)
{
    struct xb_ctx *ctx = xb_calloc(1, sizeof *ctx);
    if (params)
        ctx->params = *params;
    else
        ctx->params = (struct xb_ctx_params){.seed = 1, .threads = 0, .log = XB_LOG_INFO};
    return ctx;
}

void xb_ctx_free(struct xb_ctx *ctx) { xb_free(ctx); }

uint64_t xb_ctx_seed(const struct xb_ctx *ctx) { return ctx->params.seed; }
int xb_ctx_threads(const struct xb_ctx *ctx) { return ctx->params.threads; }
enum xb_log_level xb_ctx_log_level(const struct xb_ctx *ctx) { return ctx->params.log; }

enum xb_status xb_verror(struct xb_ctx *ctx, enum xb_status status,
                         const char *fmt, va_list ap)
{
    if (!ctx)
        return status;
    ctx->status = status;
    /* One line whatever the input quoted in it held (xb_text_escape). */
    char raw[sizeof ctx->message];
    vsnprintf(raw, sizeof raw, fmt, ap);
    xb_text_escape(ctx->message, sizeof ctx->message, raw);
    return status;
}

enum xb_status xb_error(struct xb_ctx *ctx, enum xb_status status,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    xb_verror(ctx, status, fmt, ap);
    va_end(ap);
    return status;
}

const char *xb_ctx_error(const struct xb_ctx *ctx) { return ctx->message; }
enum xb_status xb_ctx_status(const struct xb_ctx *ctx) { return ctx->status; }

void xb_ctx_clear_error(struct xb_ctx *ctx)
{
    ctx->status = XB_OK;
    ctx->message[0] = '\0';
}
