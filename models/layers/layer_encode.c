/*
 * encode — the input of a spiking network: T steps of the F = c·h·w input
 * values, {T, 1, F}, directly (the analog value at every step) or as
 * rate-coded spikes (bernoulli, poisson); with `image`, the same values
 * as {T·c, h, w}, T images for conv_lif. The convention, the random
 * addresses and the backward are xb_spike.h's.
 *
 * The random encoders compute p = P(spike) once per row (in a [max_rows ×
 * F] buffer), then fill each step's slot with uniforms of its stream and
 * compare in place: one pass over the output per step.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_spike.h"

struct encode {
    size_t T, F;
    enum xb_encoding kind;
    float gain;
    float *p; /* [max_rows × F]: spike probabilities of the last forward */
};

static enum xb_status encode_create(struct xb_ctx *ctx, struct xb_layer *l,
                                    const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (cfg->steps < 1 || (unsigned)cfg->steps > XB_RNG_MAX_STEP + 1u)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "steps = %d: expected the number of "
                              "time steps, 1 to %u", cfg->steps, XB_RNG_MAX_STEP + 1u);
    if (cfg->encoding < XB_ENCODE_DIRECT || cfg->encoding > XB_ENCODE_BERNOULLI)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "encoding = %d: expected direct, "
                              "poisson or bernoulli", cfg->encoding);
    if (!(cfg->gain >= 0.0 && cfg->gain <= 1e6))
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "gain = %g: expected 0 (unset: 1) to 1e6",
                              cfg->gain);
    const size_t F = xb_shape_size(l->in), T = (size_t)cfg->steps;
    if ((st = xb_layer_check_size(ctx, l, cfg, "rows x steps x inputs (the spike trains)",
                                  l->max_rows ? l->max_rows : 1, T * F,
                                  XB_NET_MAX_ACTIVATIONS)))
        return st;
    struct encode *e = xb_calloc(1, sizeof *e);
    e->T = T;
    e->F = F;
    e->kind = (enum xb_encoding)cfg->encoding;
    e->gain = cfg->gain == 0.0 ? 1.0f : (float)cfg->gain;
    if (e->kind != XB_ENCODE_DIRECT)
        e->p = xb_aligned((l->max_rows ? l->max_rows : 1) * F, sizeof(float));
    /* image: the same memory (step t's copy after step t-1's) read as T
     * images one after the other, the input conv_lif convolves */
    l->out = cfg->image ? (struct xb_shape){(int)T * l->in.c, l->in.h, l->in.w}
                        : (struct xb_shape){(int)T, 1, (int)F};
    l->n_params = 0;
    l->state = e;
    return XB_OK;
}

static void encode_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    const struct encode *e = l->state;
    const size_t rows = p->rows, T = e->T, F = e->F;
    if (e->kind == XB_ENCODE_DIRECT) {
#pragma omp parallel for schedule(static) default(none) firstprivate(x, y, rows, T, F) \
    if (rows * T * F > XB_LAYER_PAR_MIN)
        for (size_t r = 0; r < rows; r++)
            for (size_t t = 0; t < T; t++)
                memcpy(y + (r * T + t) * F, x + r * F, F * sizeof(float));
        return;
    }
    const int poisson = e->kind == XB_ENCODE_POISSON;
    const float g = e->gain;
    float *pb = e->p;
    const struct xb_rows *addr = &p->addr;
    const uint64_t seed = p->seed;
    const uint32_t layer = l->id;
    /* likelihood-ratio copies share their sample's spikes (xb_pass.copies) */
    const uint32_t copies = p->copies > 1 ? p->copies : 1;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, y, pb, rows, T, F, poisson, g, addr, seed, layer, copies) \
    if (rows * T * F > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        float *pr = pb + r * F;
        const float *xr = x + r * F;
        for (size_t j = 0; j < F; j++)
            pr[j] = poisson ? 1.0f - expf(-g * xb_max0(xr[j])) : xb_clamp01(g * xr[j]);
        for (size_t t = 0; t < T; t++) {
            struct xb_addr a = {.purpose = XB_PURPOSE_SPIKES, .layer = layer,
                                .sample = xb_rows_sample(addr, r),
                                .vote = xb_rows_vote(addr, r) / copies,
                                .step = (uint32_t)t};
            const struct xb_stream s = xb_stream_at(seed, &a);
            float *yr = y + (r * T + t) * F;
            xb_uniform_fill(&s, 0, F, yr);
#pragma omp simd
            for (size_t j = 0; j < F; j++)
                yr[j] = yr[j] < pr[j] ? 1.0f : 0.0f;
        }
    }
}

/* dL/dx = dp/dx · Σ_t dL/ds_t (direct: dp/dx = 1). dp/dx from x: the
 * buffer p may have been overwritten by a forward of another pass. */
static void encode_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                            const float *y, const float *dy, float *dx)
{
    (void)y;
    if (!dx)
        return;
    const struct encode *e = l->state;
    const size_t rows = p->rows, T = e->T, F = e->F;
    const enum xb_encoding kind = e->kind;
    const float g = e->gain;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, dy, dx, rows, T, F, kind, g) if (rows * T * F > XB_LAYER_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        float *d = dx + r * F;
        const float *xr = x + r * F;
        memcpy(d, dy + r * T * F, F * sizeof(float));
        for (size_t t = 1; t < T; t++) {
            const float *dt = dy + (r * T + t) * F;
            for (size_t j = 0; j < F; j++)
                d[j] += dt[j];
        }
        /* At p's kinks (g·x = 0, and 1 for Bernoulli) the derivative taken
         * is the one-sided one pointing into the pixel range [0, 1]: an
         * attack can only move a 0 pixel up and a 1 pixel down, and most
         * MNIST pixels sit exactly there, so a zero would mask the input
         * gradient (xb_spike.h). */
        if (kind == XB_ENCODE_BERNOULLI) {
            for (size_t j = 0; j < F; j++) {
                const float v = g * xr[j];
                d[j] *= v >= 0.0f && v <= 1.0f ? g : 0.0f;
            }
        } else if (kind == XB_ENCODE_POISSON) {
            for (size_t j = 0; j < F; j++)
                d[j] *= xr[j] >= 0.0f ? g * expf(-g * xr[j]) : 0.0f;
        }
    }
}

/* With copies > 1 the draws are the sample's: its copies get equal spikes
 * (what likelihood-ratio training reads to sum their scores first). */
static int encode_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    const struct encode *e = l->state;
    return e->kind == XB_ENCODE_DIRECT || p->copies > 1;
}

static int encode_spikes(const struct xb_layer *l)
{
    return ((const struct encode *)l->state)->kind != XB_ENCODE_DIRECT;
}

static void encode_destroy(struct xb_layer *l)
{
    struct encode *e = l->state;
    if (!e)
        return;
    xb_free(e->p);
    xb_free(e);
    l->state = NULL;
}

const struct xb_layer_type xb_layer_encode = {
    .name = "encode",
    .create = encode_create,
    .forward = encode_forward,
    .backward = encode_backward,
    .deterministic = encode_deterministic,
    .spikes = encode_spikes,
    .destroy = encode_destroy,
};
