/*
 * noise — the abstract noise of paper 001 (eqs. 2–4) as a layer, placed
 * after the affine output (after batchnorm when present), before the
 * activation (Table 1). What it injects is the pass's: p->noise with std
 * p->sigma, NONE or sigma 0 being the identity.
 *
 *   ADD   y = x + sigma eps          dL/dx = dL/dy
 *   MULT  y = x + x (sigma eps)      dL/dx = dL/dy (1 + sigma eps)
 *
 * eps ~ N(0, 1) is element j of row r's stream (purpose NOISE, this
 * layer's id, chip instance p->instance, the (sample, vote) of the row and
 * the step of p->addr). The layer draws and mixes with the two halves of
 * the engine's kernel (xb_noise_draw, xb_noise_mix) and keeps sigma eps per
 * element, so the backward pass uses the very draw of its forward
 * (noise-injected training, ARCHITECTURE.md §4) and y is bit-identical to
 * applying xb_noise_apply to x in place.
 */
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_rng.h"

struct noise {
    float *se;            /* [max_rows × features]: sigma eps of the last forward */
    enum xb_noise_kind kind; /* of the last forward */
};

static enum xb_status noise_create(struct xb_ctx *ctx, struct xb_layer *l,
                                   const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    struct noise *nz = xb_calloc(1, sizeof *nz);
    nz->se = xb_aligned(l->max_rows * xb_shape_size(l->in), sizeof(float));
    l->out = l->in;
    l->n_params = 0;
    l->state = nz;
    return XB_OK;
}

static void noise_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct noise *nz = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    const enum xb_noise_kind kind = p->sigma == 0.0 ? XB_NOISE_NONE : p->noise;
    nz->kind = kind;
    if (kind == XB_NOISE_NONE) {
        memcpy(y, x, rows * f * sizeof(float));
        return;
    }
    struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = l->id, .instance = p->instance,
                        .step = p->addr.step};
    const struct xb_stream base = xb_stream_at(p->seed, &a);
    const struct xb_rows *addr = &p->addr;
    const float sigma = (float)p->sigma;
    float *se = nz->se;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, y, se, rows, f, base, addr, sigma, kind) \
    if (rows * f > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        float *s = se + r * f;
        xb_noise_draw(sigma, &base, addr, r, 0, f, s);
        xb_noise_mix(kind, x + r * f, s, y + r * f, f);
    }
}

static void noise_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                           const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    if (!dx)
        return;
    const struct noise *nz = l->state;
    const size_t n = p->rows * xb_shape_size(l->in);
    if (nz->kind != XB_NOISE_MULT) {
        memcpy(dx, dy, n * sizeof(float));
        return;
    }
    const float *se = nz->se;
#pragma omp parallel for simd schedule(static) default(none) firstprivate(se, dy, dx, n) \
    if (parallel : n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] + dy[i] * se[i];
}

static void noise_destroy(struct xb_layer *l)
{
    struct noise *nz = l->state;
    if (!nz)
        return;
    xb_free(nz->se);
    xb_free(nz);
    l->state = NULL;
}

static int noise_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return p->noise == XB_NOISE_NONE || p->sigma == 0.0;
}

const struct xb_layer_type xb_layer_noise = {
    .name = "noise",
    .create = noise_create,
    .forward = noise_forward,
    .backward = noise_backward,
    .deterministic = noise_deterministic,
    .destroy = noise_destroy,
};
