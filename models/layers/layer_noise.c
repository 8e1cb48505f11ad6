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
 *
 * learn_sigma: the layer has one parameter per neuron, sigma_i (1 at
 * init), and neuron i's std is s_i = p->sigma · sigma_i; the layer keeps ε
 * itself (drawn with std 1: the same normals) for its backward pass, which
 * also gives dL/dsigma_i (ADD: Σ_r dy · p->sigma ε; MULT: Σ_r dy · x ·
 * p->sigma ε), and for the likelihood-ratio score (lr_score, xb_layer.h):
 * weights dy = coef_r ε / s_i, sigma_i Σ_r coef_r (ε² − 1) / sigma_i.
 * Sums over rows run in row order per neuron, so they are the same for any
 * thread count.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_rng.h"

struct noise {
    float *se;            /* [max_rows × features]: sigma eps of the last forward
                             (learn_sigma: eps) */
    enum xb_noise_kind kind; /* of the last forward */
    int learn;            /* learn_sigma: l->params are the stds sigma_i */
    float scale;          /* p->sigma of the last forward (learn_sigma) */
};

static enum xb_status noise_create(struct xb_ctx *ctx, struct xb_layer *l,
                                   const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    struct noise *nz = xb_calloc(1, sizeof *nz);
    nz->se = xb_aligned(l->max_rows * xb_shape_size(l->in), sizeof(float));
    nz->learn = cfg->learn_sigma;
    l->out = l->in;
    l->n_params = cfg->learn_sigma ? xb_shape_size(l->in) : 0;
    l->state = nz;
    return XB_OK;
}

static void noise_init(struct xb_layer *l, uint64_t seed)
{
    (void)seed;
    for (size_t i = 0; i < l->n_params; i++)
        l->params[i] = 1.0f;
}

/* learn_sigma: keeps eps, y = x + s_i eps (ADD) or x + x s_i eps (MULT). */
static void learned_forward(struct xb_layer *l, const struct xb_pass *p,
                            const struct xb_stream *base, const float *x, float *y)
{
    struct noise *nz = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    const struct xb_rows *addr = &p->addr;
    const float scale = (float)p->sigma;
    const enum xb_noise_kind kind = nz->kind;
    const float *sig = l->params;
    float *se = nz->se;
    nz->scale = scale;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, y, se, rows, f, base, addr, scale, kind, sig) \
    if (rows * f > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        float *e = se + r * f;
        const float *xr = x + r * f;
        float *yr = y + r * f;
        xb_noise_draw(1.0f, base, addr, r, 0, f, e);
        if (kind == XB_NOISE_ADD)
            for (size_t j = 0; j < f; j++)
                yr[j] = xr[j] + scale * sig[j] * e[j];
        else
            for (size_t j = 0; j < f; j++)
                yr[j] = xr[j] + xr[j] * (scale * sig[j] * e[j]);
    }
}

static void learned_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                             const float *dy, float *dx)
{
    const struct noise *nz = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    const float scale = nz->scale, *sig = l->params, *e = nz->se;
    const int mult = nz->kind == XB_NOISE_MULT;
    float *g = l->grads;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, dy, dx, e, rows, f, scale, sig, mult, g) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t j = 0; j < f; j++) {
        double acc = 0.0;
        for (size_t r = 0; r < rows; r++) {
            const size_t k = r * f + j;
            acc += (double)(dy[k] * (mult ? x[k] : 1.0f) * scale * e[k]);
            if (dx)
                dx[k] = mult ? dy[k] + dy[k] * (scale * sig[j] * e[k]) : dy[k];
        }
        g[j] += (float)acc;
    }
}

static size_t noise_lr_score(struct xb_layer *l, const struct xb_pass *p, const double *coef,
                             int sign, float *dy)
{
    const struct noise *nz = l->state;
    if (!dy)
        return p->rows;
    XB_ASSERT(nz->learn && nz->kind == XB_NOISE_ADD);
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    const float scale = nz->scale, *sig = l->params, *e = nz->se;
    float *g = l->grads;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(coef, sign, dy, e, rows, f, scale, sig, g) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t j = 0; j < f; j++) {
        const double s = (double)scale * (double)sig[j];
        double acc = 0.0;
        for (size_t r = 0; r < rows; r++) {
            const double ek = (double)e[r * f + j];
            dy[r * f + j] = sign ? (float)(ek > 0.0 ? coef[r] : ek < 0.0 ? -coef[r] : 0.0)
                                 : (float)(coef[r] * ek / s);
            acc += coef[r] * (ek * ek - 1.0);
        }
        g[j] += (float)(acc / (double)sig[j]);
    }
    return rows;
}

static float *noise_lr_sigma(struct xb_layer *l, size_t *n)
{
    *n = l->n_params;
    return l->params;
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
    if (nz->learn) {
        learned_forward(l, p, &base, x, y);
        return;
    }
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
    (void)y;
    const struct noise *nz = l->state;
    if (nz->learn && nz->kind != XB_NOISE_NONE) {
        learned_backward(l, p, x, dy, dx);
        return;
    }
    if (!dx)
        return;
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
    .init = noise_init,
    .forward = noise_forward,
    .backward = noise_backward,
    .deterministic = noise_deterministic,
    .lr_score = noise_lr_score,
    .lr_sigma = noise_lr_sigma,
    .destroy = noise_destroy,
};
