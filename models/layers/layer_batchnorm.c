/*
 * batchnorm — batch normalisation (Ioffe & Szegedy 2015) per channel: over
 * rows and the H × W positions of a channel for conv outputs, per feature
 * for dense outputs ({n, 1, 1}: n channels of one position).
 *
 *   TRAIN  y = gamma (x − mean_B) / sqrt(var_B + eps) + beta, with the
 *          batch mean and (biased) variance of the pass, and the running
 *          statistics updated: r ← (1 − m) r + m · batch statistic,
 *          momentum m = 0.1, the running variance from the unbiased batch
 *          variance (PyTorch's convention);
 *   EVAL   the same with the running statistics: one fixed affine map per
 *          channel, so rows (samples, votes) never influence each other.
 *
 * Parameter layout (n_params = 4C, or 2C when fixed):
 *   [gamma C][beta C][running mean C][running var C]    trainable
 *   [running mean C][running var C]                      fixed = 1
 * The running statistics are not trained, but they are part of the model:
 * they sit in the flat parameter array so that checkpoints and saved models
 * carry them, and their gradient is always exactly 0 (an optimiser without
 * weight decay leaves them alone; one with decay must skip them).
 *
 * fixed = 1 (paper 001 §3.1: "batch normalization layers with fixed
 * parameters ... to minimize the signal power variations" under additive
 * noise). Our reading: normalisation without learned scale and shift
 * (gamma = 1, beta = 0 always: Keras's center = scale = False), batch
 * statistics in training and the running statistics accumulated during
 * training at evaluation. Why: what the paper wants fixed is the signal
 * power the additive noise layer that follows sees — it must stay at unit
 * variance per channel so that a given sigma means a given SNR (sigma = 1 is
 * 0 dB); a learned gamma would let training scale the signal up and so
 * out-run the additive noise. Normalising with the running statistics also
 * in training, or freezing them after an epoch, keeps the same inference
 * behaviour but trains worse (no gradient through the statistics, stale
 * early statistics), so we did not choose them.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_clones.h"
#include "xb_layer_impl.h"

#define BN_EPS 1e-5
#define BN_MOMENTUM 0.1

struct bn {
    size_t ch, hw;     /* channels, positions per channel */
    int fixed;
    float *mean, *inv; /* [ch] of the last TRAIN forward: batch mean, 1/sqrt(var + eps) */
};

/* Views into the parameter layout above. */
struct bn_params {
    const float *gamma, *beta; /* NULL when fixed */
    float *rmean, *rvar;
};

static struct bn_params views(const struct xb_layer *l)
{
    const struct bn *b = l->state;
    struct bn_params v = {0};
    float *p = l->params;
    if (!b->fixed) {
        v.gamma = p;
        v.beta = p + b->ch;
        p += 2 * b->ch;
    }
    v.rmean = p;
    v.rvar = p + b->ch;
    return v;
}

static enum xb_status bn_create(struct xb_ctx *ctx, struct xb_layer *l,
                                const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (cfg->fixed != 0 && cfg->fixed != 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "fixed = %d: expected 0 or 1",
                              cfg->fixed);
    struct bn *b = xb_calloc(1, sizeof *b);
    b->ch = (size_t)l->in.c;
    b->hw = (size_t)l->in.h * (size_t)l->in.w;
    b->fixed = cfg->fixed;
    b->mean = xb_calloc(b->ch, sizeof(float));
    b->inv = xb_calloc(b->ch, sizeof(float));
    l->out = l->in;
    l->n_params = (b->fixed ? 2 : 4) * b->ch;
    l->state = b;
    return XB_OK;
}

static void bn_init(struct xb_layer *l, uint64_t seed)
{
    (void)seed;
    const struct bn *b = l->state;
    struct bn_params v = views(l);
    for (size_t c = 0; c < b->ch; c++) {
        if (!b->fixed) {
            l->params[c] = 1.0f;         /* gamma */
            l->params[b->ch + c] = 0.0f; /* beta */
        }
        v.rmean[c] = 0.0f;
        v.rvar[c] = 1.0f;
    }
}

/* Channels are handled BN_GROUP at a time: each channel's sums run in
 * their fixed order, but the group's sums are independent, so their
 * additions overlap instead of each waiting on the one before (the sums in
 * double are latency-bound one channel at a time). */
#define BN_GROUP 4
#define XB_INLINE static inline __attribute__((always_inline))

/* Mean and biased variance of channels c0 .. c0 + g − 1 over rows ×
 * positions, two passes in double, each channel in a fixed order. */
XB_INLINE void group_stats(const struct bn *b, const float *x, size_t rows, size_t c0, size_t g,
                           double *mean, double *var)
{
    const size_t f = b->ch * b->hw, hw = b->hw;
    double s[BN_GROUP] = {0}, v[BN_GROUP] = {0};
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * f + c0 * hw;
        for (size_t i = 0; i < hw; i++)
            for (size_t j = 0; j < g; j++)
                s[j] += (double)xr[j * hw + i];
    }
    const double n = (double)(rows * hw);
    for (size_t j = 0; j < g; j++)
        mean[j] = s[j] / n;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * f + c0 * hw;
        for (size_t i = 0; i < hw; i++)
            for (size_t j = 0; j < g; j++) {
                const double d = (double)xr[j * hw + i] - mean[j];
                v[j] += d * d;
            }
    }
    for (size_t j = 0; j < g; j++)
        var[j] = v[j] / n;
}

/* y = scale x + shift over one channel's positions of every row. */
XB_CLONES static void affine(const float *x, float *y, size_t rows, size_t f, size_t hw,
                             float scale, float shift)
{
    for (size_t r = 0; r < rows; r++) {
        const float *restrict xc = x + r * f;
        float *restrict yc = y + r * f;
        for (size_t i = 0; i < hw; i++)
            yc[i] = xc[i] * scale + shift;
    }
}

static void bn_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct bn *b = l->state;
    struct bn_params v = views(l);
    const size_t rows = p->rows, f = b->ch * b->hw, ch = b->ch, hw = b->hw;
    const int train = p->phase == XB_PHASE_TRAIN;
    const size_t groups = (ch + BN_GROUP - 1) / BN_GROUP;
    /* One group of channels per iteration: each statistic is summed by one
     * thread in one order, so the result is the same for any thread count. */
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(b, v, x, y, rows, f, ch, hw, train, groups) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t gi = 0; gi < groups; gi++) {
        const size_t c0 = gi * BN_GROUP, g = ch - c0 < BN_GROUP ? ch - c0 : BN_GROUP;
        double means[BN_GROUP], vars[BN_GROUP];
        if (train && g == BN_GROUP)
            group_stats(b, x, rows, c0, BN_GROUP, means, vars);
        else if (train)
            group_stats(b, x, rows, c0, g, means, vars);
        for (size_t j = 0; j < g; j++) {
            const size_t c = c0 + j;
            double mean, inv;
            if (train) {
                const double var = vars[j];
                mean = means[j];
                inv = 1.0 / sqrt(var + BN_EPS);
                b->mean[c] = (float)mean;
                b->inv[c] = (float)inv;
                const double n = (double)(rows * hw);
                const double unbiased = n > 1.0 ? var * n / (n - 1.0) : var;
                v.rmean[c] = (float)((1.0 - BN_MOMENTUM) * (double)v.rmean[c] +
                                     BN_MOMENTUM * mean);
                v.rvar[c] = (float)((1.0 - BN_MOMENTUM) * (double)v.rvar[c] +
                                    BN_MOMENTUM * unbiased);
            } else {
                mean = (double)v.rmean[c];
                inv = 1.0 / sqrt((double)v.rvar[c] + BN_EPS);
            }
            /* y = scale x + shift, one float affine map per channel. */
            const double gm = v.gamma ? (double)v.gamma[c] : 1.0;
            const float scale = (float)(gm * inv);
            const float shift = (float)((v.beta ? (double)v.beta[c] : 0.0) - mean * gm * inv);
            affine(x + c * hw, y + c * hw, rows, f, hw, scale, shift);
        }
    }
}

/* With xhat = (x − mean) inv and N = rows · positions:
 *   dgamma = Σ dy xhat,  dbeta = Σ dy,
 *   TRAIN  dx = gamma inv / N · (N dy − Σ dy − xhat Σ dy xhat)
 *          (the statistics depend on x),
 *   EVAL   dx = gamma inv dy (they do not: for attacks on a trained net). */
/* Σ dy and Σ dy xhat of channels c0 .. c0 + g − 1 (BN_GROUP at a time, as
 * group_stats), each in its fixed order. */
XB_INLINE void group_grad_sums(const float *x, const float *dy, size_t rows, size_t f, size_t hw,
                               size_t c0, size_t g, const double *mean, const double *inv,
                               double *sdy, double *sdyx)
{
    double s1[BN_GROUP] = {0}, s2[BN_GROUP] = {0};
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * f + c0 * hw, *dyr = dy + r * f + c0 * hw;
        for (size_t i = 0; i < hw; i++)
            for (size_t j = 0; j < g; j++) {
                const double d = (double)dyr[j * hw + i];
                s1[j] += d;
                s2[j] += d * ((double)xr[j * hw + i] - mean[j]) * inv[j];
            }
    }
    for (size_t j = 0; j < g; j++)
        sdy[j] = s1[j], sdyx[j] = s2[j];
}

/* dx of one channel's positions of every row (the formula above). */
XB_CLONES static void input_grad(const float *x, const float *dy, float *dx, size_t rows,
                                 size_t f, size_t hw, double mean, double inv, double k,
                                 double a, double bb)
{
    for (size_t r = 0; r < rows; r++) {
        const float *restrict xc = x + r * f, *restrict dyc = dy + r * f;
        float *restrict dxc = dx + r * f;
        for (size_t i = 0; i < hw; i++) {
            const double xh = ((double)xc[i] - mean) * inv;
            dxc[i] = (float)(k * ((double)dyc[i] - a - xh * bb));
        }
    }
}

static void bn_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                        const float *y, const float *dy, float *dx)
{
    (void)y;
    struct bn *b = l->state;
    struct bn_params v = views(l);
    const size_t rows = p->rows, f = b->ch * b->hw, ch = b->ch, hw = b->hw;
    const int train = p->phase == XB_PHASE_TRAIN;
    float *g = l->grads;
    const size_t groups = (ch + BN_GROUP - 1) / BN_GROUP;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(b, v, x, dy, dx, g, rows, f, ch, hw, train, groups) \
    if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t gi = 0; gi < groups; gi++) {
        const size_t c0 = gi * BN_GROUP, n_c = ch - c0 < BN_GROUP ? ch - c0 : BN_GROUP;
        double mean[BN_GROUP], inv[BN_GROUP], sdy[BN_GROUP], sdyx[BN_GROUP];
        for (size_t j = 0; j < n_c; j++) {
            const size_t c = c0 + j;
            mean[j] = train ? (double)b->mean[c] : (double)v.rmean[c];
            inv[j] = train ? (double)b->inv[c] : 1.0 / sqrt((double)v.rvar[c] + BN_EPS);
        }
        if (n_c == BN_GROUP)
            group_grad_sums(x, dy, rows, f, hw, c0, BN_GROUP, mean, inv, sdy, sdyx);
        else
            group_grad_sums(x, dy, rows, f, hw, c0, n_c, mean, inv, sdy, sdyx);
        for (size_t j = 0; j < n_c; j++) {
            const size_t c = c0 + j;
            if (v.gamma) {
                g[c] += (float)sdyx[j];
                g[ch + c] += (float)sdy[j];
            }
            if (!dx)
                continue;
            const double gm = v.gamma ? (double)v.gamma[c] : 1.0;
            const double n = (double)(rows * hw);
            const double k = gm * inv[j];
            const double a = train ? sdy[j] / n : 0.0, bb = train ? sdyx[j] / n : 0.0;
            input_grad(x + c * hw, dy + c * hw, dx + c * hw, rows, f, hw, mean[j], inv[j], k, a,
                       bb);
        }
    }
}

static void bn_destroy(struct xb_layer *l)
{
    struct bn *b = l->state;
    if (!b)
        return;
    xb_free(b->mean);
    xb_free(b->inv);
    xb_free(b);
    l->state = NULL;
}

const struct xb_layer_type xb_layer_batchnorm = {
    .name = "batchnorm",
    .create = bn_create,
    .init = bn_init,
    .forward = bn_forward,
    .backward = bn_backward,
    .destroy = bn_destroy,
};
