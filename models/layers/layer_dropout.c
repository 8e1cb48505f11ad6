/*
 * dropout — inverted dropout (Srivastava et al. 2014): in TRAIN each
 * element is kept with probability 1 − rate and scaled by 1 / (1 − rate),
 * so EVAL is the identity. The mask of row r is element j of the DROPOUT
 * stream of (layer, sample, vote, step) of that row — a uniform u, dropped
 * when u < rate — so it does not depend on the batch split or the thread
 * count, and two forwards of the same rows draw the same mask.
 */
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_rng.h"

struct dropout {
    float rate;
    float *mask; /* [max_rows × features]: 0 or 1 / (1 − rate) */
};

static enum xb_status dropout_create(struct xb_ctx *ctx, struct xb_layer *l,
                                     const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (!(cfg->rate >= 0.0 && cfg->rate < 1.0))
        return xb_layer_error(ctx, XB_ERANGE, l, cfg, "rate = %g: expected 0 <= rate < 1",
                              cfg->rate);
    struct dropout *d = xb_calloc(1, sizeof *d);
    d->rate = (float)cfg->rate;
    d->mask = xb_aligned(l->max_rows * xb_shape_size(l->in), sizeof(float));
    l->out = l->in;
    l->n_params = 0;
    l->state = d;
    return XB_OK;
}

static void dropout_forward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                            float *y)
{
    const struct dropout *d = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    if (p->phase != XB_PHASE_TRAIN) {
        memcpy(y, x, rows * f * sizeof(float));
        return;
    }
    struct xb_addr a = {.purpose = XB_PURPOSE_DROPOUT, .layer = l->id, .step = p->addr.step};
    const struct xb_stream base = xb_stream_at(p->seed, &a);
    const struct xb_rows *addr = &p->addr;
    const float rate = d->rate, scale = (float)(1.0 / (1.0 - (double)d->rate));
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(d, x, y, rows, f, base, addr, rate, scale) \
    if (rows * f > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        struct xb_stream s = xb_stream_row(base, xb_rows_sample(addr, r), xb_rows_vote(addr, r));
        float *m = d->mask + r * f;
        xb_uniform_fill(&s, 0, f, m);
#pragma omp simd
        for (size_t j = 0; j < f; j++) {
            m[j] = m[j] < rate ? 0.0f : scale;
            y[r * f + j] = x[r * f + j] * m[j];
        }
    }
}

static void dropout_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                             const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    if (!dx)
        return;
    const struct dropout *d = l->state;
    const size_t n = p->rows * xb_shape_size(l->in);
    if (p->phase != XB_PHASE_TRAIN) {
        memcpy(dx, dy, n * sizeof(float));
        return;
    }
#pragma omp parallel for simd schedule(static) default(none) firstprivate(d, dy, dx, n) \
    if (parallel : n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * d->mask[i];
}

static void dropout_destroy(struct xb_layer *l)
{
    struct dropout *d = l->state;
    if (!d)
        return;
    xb_free(d->mask);
    xb_free(d);
    l->state = NULL;
}

const struct xb_layer_type xb_layer_dropout = {
    .name = "dropout",
    .create = dropout_create,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .destroy = dropout_destroy,
};
