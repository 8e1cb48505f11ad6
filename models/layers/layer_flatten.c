/*
 * flatten — C × H × W to a vector of C·H·W features. The memory layout of
 * a sample does not change: a view (the net passes the memory through; the
 * copies below serve callers of a lone layer). The layer exists so a model
 * config says where images become vectors. With `steps` = T, the input is
 * T images one after the other (conv_lif's spikes, xb_spike.h) and the
 * output T vectors, {T, 1, C·H·W}: a lif layer's steps.
 */
#include <string.h>

#include "xb_layer_impl.h"

static enum xb_status flatten_create(struct xb_ctx *ctx, struct xb_layer *l,
                                     const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    size_t n = xb_shape_size(l->in);
    if (n > (size_t)0x7fffffff)
        return xb_layer_error(ctx, XB_ESHAPE, l, cfg, "%zu features: too many", n);
    if (cfg->steps > 0) {
        if (l->in.c % cfg->steps != 0)
            return xb_layer_error(ctx, XB_ESHAPE, l, cfg, "steps = %d: expected a divisor of "
                                  "the input's %d channels (T images {T*C, H, W})",
                                  cfg->steps, l->in.c);
        /* T images {T·C, H, W} to T vectors: the {T, 1, C·H·W} of lif */
        l->out = (struct xb_shape){cfg->steps, 1, (int)(n / (size_t)cfg->steps)};
    } else {
        l->out = (struct xb_shape){(int)n, 1, 1};
    }
    l->n_params = 0;
    return XB_OK;
}

static void flatten_forward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                            float *y)
{
    memcpy(y, x, p->rows * xb_shape_size(l->in) * sizeof(float));
}

static void flatten_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                             const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    if (dx)
        memcpy(dx, dy, p->rows * xb_shape_size(l->in) * sizeof(float));
}

static void flatten_destroy(struct xb_layer *l) { (void)l; }

const struct xb_layer_type xb_layer_flatten = {
    .name = "flatten",
    .view = 1,
    .create = flatten_create,
    .forward = flatten_forward,
    .backward = flatten_backward,
    .destroy = flatten_destroy,
};
