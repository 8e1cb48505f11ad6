/*
 * The helpers the layer kinds share (xb_layer_impl.h): error messages that
 * name the model line, size and unused-field checks, initialisation, and a
 * layer's programmed crossbar. Apart from the kinds' table (xb_layer.c), so
 * that the kinds depend on these and the table on the kinds, never round.
 */
#include "xb_layer_impl.h"

#include <stdarg.h>
#include <stdio.h>

#include "xb_net.h"
#include "xb_rng.h"

enum xb_status xb_layer_error(struct xb_ctx *ctx, enum xb_status status,
                              const struct xb_layer *l, const struct xb_layer_config *cfg,
                              const char *fmt, ...)
{
    char msg[384], where[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cfg->line > 0)
        snprintf(where, sizeof where, "model line %d, layer %u (%s)", cfg->line,
                 (unsigned)l->id, cfg->type);
    else
        snprintf(where, sizeof where, "model layer %u (%s)", (unsigned)l->id, cfg->type);
    return xb_error(ctx, status, "%s: %s", where, msg);
}

enum xb_status xb_layer_check_size(struct xb_ctx *ctx, const struct xb_layer *l,
                                   const struct xb_layer_config *cfg, const char *what,
                                   size_t a, size_t b, size_t limit)
{
    if (b == 0 || a <= limit / b)
        return XB_OK;
    char size[64] = "";
    if (a != 1)
        snprintf(size, sizeof size, "%zu x %zu = ", a, b);
    return xb_layer_error(ctx, XB_ERANGE, l, cfg, "%s: %s%.3g floats; at most 2^%d "
                          "(models/layers/xb_net.h)", what, size, (double)a * (double)b,
                          limit == XB_NET_MAX_PARAMS ? 27 : 28);
}

enum xb_status xb_layer_check_unused(struct xb_ctx *ctx, const struct xb_layer *l,
                                     const struct xb_layer_config *cfg, unsigned used)
{
    const char *field = NULL;
    if (!(used & XB_LCF_UNITS) && cfg->units)
        field = "units";
    else if (!(used & XB_LCF_KERNEL) && cfg->kernel)
        field = "kernel";
    else if (!(used & XB_LCF_STRIDE) && cfg->stride)
        field = "stride";
    else if (!(used & XB_LCF_PAD) && cfg->pad)
        field = "pad";
    else if (!(used & XB_LCF_RATE) && cfg->rate != 0.0)
        field = "rate";
    else if (!(used & XB_LCF_FIXED) && cfg->fixed)
        field = "fixed";
    if (field)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg,
                              "field '%s' is set but a %s layer does not use it", field,
                              cfg->type);
    return XB_OK;
}

void xb_layer_init_uniform(float *w, size_t n, double limit, uint64_t seed, uint32_t layer)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_WEIGHTS, .layer = layer};
    struct xb_stream s = xb_stream_at(seed, &a);
    xb_uniform_fill(&s, 0, n, w);
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((2.0 * (double)w[i] - 1.0) * limit);
}

void xb_layer_chip_drop(struct xb_layer_chip *c)
{
    xb_xbar_ws_free(c->ws);
    xb_xbar_free(c->xb);
    c->ws = NULL;
    c->xb = NULL;
}

enum xb_status xb_layer_chip_program(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                     const struct xb_layer *l,
                                     const struct xb_xbar_params *params, size_t out, size_t in)
{
    xb_layer_chip_drop(c);
    struct xb_xbar_params xp = *params;
    xp.layer = l->id;
    enum xb_status st = xb_xbar_create(ctx, &xp, l->params, out, in, &c->xb);
    if (st)
        return st;
    c->ws = xb_xbar_ws_create(c->xb, 0);
    return XB_OK;
}

enum xb_status xb_layer_chip_ready(struct xb_ctx *ctx, const struct xb_layer_chip *c,
                                   const struct xb_layer *l, const char *what)
{
    if (c->xb)
        return XB_OK;
    return xb_error(ctx, XB_EINVAL, "layer %u (%s): %s before program", (unsigned)l->id,
                    l->type->name, what);
}

enum xb_status xb_layer_chip_age(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                 const struct xb_layer *l, double t)
{
    enum xb_status st = xb_layer_chip_ready(ctx, c, l, "age");
    return st ? st : xb_xbar_age(ctx, c->xb, t);
}
