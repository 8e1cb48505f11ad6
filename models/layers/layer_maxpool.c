/*
 * maxpool — the maximum of each k × k window at stride s (default s = k),
 * per channel, no padding: OH = (H − k) / s + 1. Forward records which
 * input each output took (the first maximum in row-major window order on
 * ties), and backward routes dL/dy there; with overlapping windows
 * (s < k) an input collects the gradient of every window it won.
 *
 * Forward runs tap by tap over a channel's windows at once, so it
 * vectorises: window (oy, ox) starts at input s·(oy·W + ox), linear in
 * the "virtual" index oy·W + ox, so a tap is one strided pass over
 * (OH − 1)·W + OW virtual windows (the ox >= OW ones are computed and
 * dropped: they still read inside the channel), the running maximum and its
 * index kept per window by selects. Each window still sees its taps in
 * row-major order with the rule above, so the outputs and indices are those
 * of a scalar scan, window by window (about 6x faster on cnn6's pools).
 */
#include <stdint.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_clones.h"
#include "xb_layer_impl.h"

#define XB_INLINE static inline __attribute__((always_inline))

struct pool {
    int c, h, w, k, stride, oh, ow;
    int32_t *arg; /* [max_rows × out]: input index (within its sample) of each max */
    size_t nv;    /* virtual windows of a channel: (OH − 1)·W + OW */
    int slots;    /* per-thread scratch made for this many threads */
    float **vmax; /* [slots][nv]: running maxima of the virtual windows */
    int32_t **varg; /* [slots][nv]: their input indices */
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
    pl->nv = (size_t)(pl->oh - 1) * (size_t)pl->w + (size_t)pl->ow;
    pl->slots = xb_omp_max_threads();
    pl->vmax = xb_calloc((size_t)pl->slots, sizeof *pl->vmax);
    pl->varg = xb_calloc((size_t)pl->slots, sizeof *pl->varg);
    for (int t = 0; t < pl->slots; t++) {
        pl->vmax[t] = xb_aligned(pl->nv, sizeof(float));
        pl->varg[t] = xb_aligned(pl->nv, sizeof(int32_t));
    }
    l->n_params = 0;
    l->state = pl;
    return XB_OK;
}

/* The first tap of every virtual window of one channel xc (input index
 * base + s·o for window o) ... */
XB_INLINE void first_tap(const float *restrict xc, float *restrict m, int32_t *restrict b,
                         size_t nv, int32_t base, size_t s)
{
    for (size_t o = 0; o < nv; o++) {
        m[o] = xc[s * o];
        b[o] = base + (int32_t)(s * o);
    }
}

/* ... and a later one, at offset off = ky·W + kx. Strictly greater: the
 * first maximum wins ties; a NaN is taken, so it propagates. */
XB_INLINE void next_tap(const float *restrict xc, float *restrict m, int32_t *restrict b,
                        size_t nv, int32_t base, int32_t off, size_t s)
{
    for (size_t o = 0; o < nv; o++) {
        const float v = xc[s * o + (size_t)off];
        const int take = (v > m[o]) | ((v != v) & (m[o] == m[o]));
        m[o] = take ? v : m[o];
        b[o] = take ? base + (int32_t)(s * o) + off : b[o];
    }
}

/* One sample; m, b: the slot's virtual windows. Stride 2 (the usual) as a
 * constant, so its loads are shuffles rather than gathers. */
XB_CLONES static void pool_sample(const struct pool *pl, const float *xs, float *ys,
                                  int32_t *as, float *m, int32_t *b)
{
    const size_t w = (size_t)pl->w, ow = (size_t)pl->ow, oh = (size_t)pl->oh;
    const size_t k = (size_t)pl->k, s = (size_t)pl->stride, nv = pl->nv;
    const size_t hw = (size_t)pl->h * w;
    for (size_t c = 0; c < (size_t)pl->c; c++) {
        const float *xc = xs + c * hw;
        const int32_t base = (int32_t)(c * hw);
        if (s == 2)
            first_tap(xc, m, b, nv, base, 2);
        else
            first_tap(xc, m, b, nv, base, s);
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = ky ? 0 : 1; kx < k; kx++) { /* tap (0, 0) is the start */
                const int32_t off = (int32_t)(ky * w + kx);
                if (s == 2)
                    next_tap(xc, m, b, nv, base, off, 2);
                else
                    next_tap(xc, m, b, nv, base, off, s);
            }
        float *yc = ys + c * oh * ow;
        int32_t *ac = as + c * oh * ow;
        for (size_t oy = 0; oy < oh; oy++)
            for (size_t ox = 0; ox < ow; ox++) {
                yc[oy * ow + ox] = m[oy * w + ox];
                ac[oy * ow + ox] = b[oy * w + ox];
            }
    }
}

static void pool_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    const struct pool *pl = l->state;
    const size_t rows = p->rows, in_sz = xb_shape_size(l->in), out_sz = xb_shape_size(l->out);
    const int nt = xb_omp_threads_for(pl->slots);
    (void)nt; /* unused without OpenMP */
#pragma omp parallel for schedule(static) num_threads(nt) default(none) \
    firstprivate(pl, x, y, rows, in_sz, out_sz) if (rows * in_sz > XB_LAYER_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        const int t = xb_omp_thread_num();
        pool_sample(pl, x + r * in_sz, y + r * out_sz, pl->arg + r * out_sz, pl->vmax[t],
                    pl->varg[t]);
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
    for (int t = 0; t < pl->slots; t++) {
        xb_free(pl->vmax[t]);
        xb_free(pl->varg[t]);
    }
    xb_free(pl->vmax);
    xb_free(pl->varg);
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
