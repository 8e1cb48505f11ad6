/*
 * maxpool — the maximum of each k × k window at stride s (default s = k),
 * per channel, no padding: OH = (H − k) / s + 1. Forward records which
 * input each output took (the first maximum in row-major window order on
 * ties), and backward routes dL/dy there; with overlapping windows
 * (s < k) an input collects the gradient of every window it won.
 */
#include <stdint.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"

struct pool {
    int c, h, w, k, stride, oh, ow;
    int32_t *arg; /* [max_rows × out]: input index (within its sample) of each max */
};

static enum xb_status pool_create(struct xb_ctx *ctx, struct xb_layer *l,
                                  const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (cfg->kernel < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "kernel = %d: expected >= 1",
                              cfg->kernel);
    if (cfg->stride < 0)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "stride = %d: expected >= 1 (or 0 "
                              "for the kernel size)", cfg->stride);
    if (cfg->kernel > l->in.h || cfg->kernel > l->in.w)
        return xb_layer_error(ctx, XB_ESHAPE, l, cfg, "kernel = %d: larger than the input "
                              "%d × %d", cfg->kernel, l->in.h, l->in.w);
    if (xb_shape_size(l->in) > (size_t)INT32_MAX)
        return xb_layer_error(ctx, XB_ESHAPE, l, cfg, "input too large");
    struct pool *pl = xb_calloc(1, sizeof *pl);
    pl->c = l->in.c, pl->h = l->in.h, pl->w = l->in.w;
    pl->k = cfg->kernel;
    pl->stride = cfg->stride ? cfg->stride : cfg->kernel;
    pl->oh = (pl->h - pl->k) / pl->stride + 1;
    pl->ow = (pl->w - pl->k) / pl->stride + 1;
    l->out = (struct xb_shape){pl->c, pl->oh, pl->ow};
    pl->arg = xb_aligned(l->max_rows * xb_shape_size(l->out), sizeof(int32_t));
    l->n_params = 0;
    l->state = pl;
    return XB_OK;
}

static void pool_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    const struct pool *pl = l->state;
    const size_t rows = p->rows, in_sz = xb_shape_size(l->in), out_sz = xb_shape_size(l->out);
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(pl, x, y, rows, in_sz, out_sz) if (rows * in_sz > XB_LAYER_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        const float *xs = x + r * in_sz;
        float *ys = y + r * out_sz;
        int32_t *as = pl->arg + r * out_sz;
        size_t o = 0;
        for (int c = 0; c < pl->c; c++)
            for (int oy = 0; oy < pl->oh; oy++)
                for (int ox = 0; ox < pl->ow; ox++, o++) {
                    int32_t best = (c * pl->h + oy * pl->stride) * pl->w + ox * pl->stride;
                    float m = xs[best];
                    for (int ky = 0; ky < pl->k; ky++)
                        for (int kx = 0; kx < pl->k; kx++) {
                            int32_t i = (c * pl->h + oy * pl->stride + ky) * pl->w +
                                        ox * pl->stride + kx;
                            /* Strictly greater: the first maximum wins ties;
                             * a NaN is taken, so it propagates. */
                            if (xs[i] > m || (xs[i] != xs[i] && m == m)) {
                                m = xs[i];
                                best = i;
                            }
                        }
                    ys[o] = m;
                    as[o] = best;
                }
    }
}

static void pool_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    if (!dx)
        return;
    const struct pool *pl = l->state;
    const size_t rows = p->rows, in_sz = xb_shape_size(l->in), out_sz = xb_shape_size(l->out);
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(pl, dy, dx, rows, in_sz, out_sz) if (rows * in_sz > XB_LAYER_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        float *dxs = dx + r * in_sz;
        const float *dys = dy + r * out_sz;
        const int32_t *as = pl->arg + r * out_sz;
        memset(dxs, 0, in_sz * sizeof(float));
        for (size_t o = 0; o < out_sz; o++)
            dxs[as[o]] += dys[o];
    }
}

static void pool_destroy(struct xb_layer *l)
{
    struct pool *pl = l->state;
    if (!pl)
        return;
    xb_free(pl->arg);
    xb_free(pl);
    l->state = NULL;
}

const struct xb_layer_type xb_layer_maxpool = {
    .name = "maxpool",
    .create = pool_create,
    .forward = pool_forward,
    .backward = pool_backward,
    .destroy = pool_destroy,
};
