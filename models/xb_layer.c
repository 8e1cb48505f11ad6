/*
 * The table of layer kinds and the helpers they share (xb_layer_impl.h).
 */
#include "xb_layer.h"

#include <stdio.h>
#include <string.h>

#include "xb_layer_impl.h"
#include "xb_net.h"

/* Every kind, in the order the documentation lists them. Adding a kind is
 * one file and one line here. */
static const struct xb_layer_type *const layer_types[] = {
    &xb_layer_dense,   &xb_layer_conv2d,  &xb_layer_batchnorm, &xb_layer_relu,
    &xb_layer_maxpool, &xb_layer_flatten, &xb_layer_dropout,   &xb_layer_noise,
    &xb_layer_lstm,
};

const struct xb_layer_type *xb_layer_type_find(const char *name)
{
    for (size_t k = 0; k < sizeof layer_types / sizeof *layer_types; k++)
        if (!strcmp(layer_types[k]->name, name))
            return layer_types[k];
    return NULL;
}

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
                          "(models/xb_net.h)", what, size, (double)a * (double)b,
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
    else if (!(used & XB_LCF_INIT) && cfg->init != XB_INIT_AUTO)
        field = "init";
    if (field)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg,
                              "field '%s' is set but a %s layer does not use it", field,
                              cfg->type);
    if (cfg->init != XB_INIT_AUTO && !xb_init_type(cfg->init)) {
        char names[128];
        xb_init_names(names, sizeof names);
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "init = %d: expected %s", (int)cfg->init,
                              names);
    }
    return XB_OK;
}

enum xb_init xb_layer_config_init(const struct xb_layer_config *lc, enum xb_init model)
{
    if (lc->init != XB_INIT_AUTO)
        return lc->init;
    const struct xb_layer_type *t = xb_layer_type_find(lc->type);
    if (!t || t->init_default == XB_INIT_AUTO)
        return XB_INIT_AUTO;
    return model != XB_INIT_AUTO ? model : t->init_default;
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
