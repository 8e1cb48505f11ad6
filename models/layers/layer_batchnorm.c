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

/* Mean and biased variance of channel c over rows × positions, two passes
 * in double in a fixed order. */
static void channel_stats(const struct bn *b, const float *x, size_t rows, size_t c,
                          double *mean, double *var)
{
    const size_t f = b->ch * b->hw;
    double s = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *xc = x + r * f + c * b->hw;
        for (size_t i = 0; i < b->hw; i++)
            s += (double)xc[i];
    }
    const double n = (double)(rows * b->hw), m = s / n;
    double v = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *xc = x + r * f + c * b->hw;
        for (size_t i = 0; i < b->hw; i++) {
            const double d = (double)xc[i] - m;
            v += d * d;
        }
    }
    *mean = m;
    *var = v / n;
}

static void bn_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct bn *b = l->state;
    struct bn_params v = views(l);
    const size_t rows = p->rows, f = b->ch * b->hw, ch = b->ch, hw = b->hw;
    const int train = p->phase == XB_PHASE_TRAIN;
    /* One channel per iteration: each statistic is summed by one thread in
     * one order, so the result is the same for any thread count. */
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(b, v, x, y, rows, f, ch, hw, train) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t c = 0; c < ch; c++) {
        double mean, inv;
        if (train) {
            double var;
            channel_stats(b, x, rows, c, &mean, &var);
            inv = 1.0 / sqrt(var + BN_EPS);
            b->mean[c] = (float)mean;
            b->inv[c] = (float)inv;
            const double n = (double)(rows * hw);
            const double unbiased = n > 1.0 ? var * n / (n - 1.0) : var;
            v.rmean[c] = (float)((1.0 - BN_MOMENTUM) * (double)v.rmean[c] + BN_MOMENTUM * mean);
            v.rvar[c] = (float)((1.0 - BN_MOMENTUM) * (double)v.rvar[c] +
                                BN_MOMENTUM * unbiased);
        } else {
            mean = (double)v.rmean[c];
            inv = 1.0 / sqrt((double)v.rvar[c] + BN_EPS);
        }
        /* y = scale x + shift, one float affine map per channel. */
        const double g = v.gamma ? (double)v.gamma[c] : 1.0;
        const float scale = (float)(g * inv);
        const float shift = (float)((v.beta ? (double)v.beta[c] : 0.0) - mean * g * inv);
        for (size_t r = 0; r < rows; r++) {
            const float *xc = x + r * f + c * hw;
            float *yc = y + r * f + c * hw;
#pragma omp simd
            for (size_t i = 0; i < hw; i++)
                yc[i] = xc[i] * scale + shift;
        }
    }
}

/* With xhat = (x − mean) inv and N = rows · positions:
 *   dgamma = Σ dy xhat,  dbeta = Σ dy,
 *   TRAIN  dx = gamma inv / N · (N dy − Σ dy − xhat Σ dy xhat)
 *          (the statistics depend on x),
 *   EVAL   dx = gamma inv dy (they do not: for attacks on a trained net). */
static void bn_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                        const float *y, const float *dy, float *dx)
{
    (void)y;
    struct bn *b = l->state;
    struct bn_params v = views(l);
    const size_t rows = p->rows, f = b->ch * b->hw, ch = b->ch, hw = b->hw;
    const int train = p->phase == XB_PHASE_TRAIN;
    float *g = l->grads;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(b, v, x, dy, dx, g, rows, f, ch, hw, train) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t c = 0; c < ch; c++) {
        const double mean = train ? (double)b->mean[c] : (double)v.rmean[c];
        const double inv = train ? (double)b->inv[c] : 1.0 / sqrt((double)v.rvar[c] + BN_EPS);
        double sdy = 0.0, sdyx = 0.0;
        for (size_t r = 0; r < rows; r++) {
            const float *xc = x + r * f + c * hw, *dyc = dy + r * f + c * hw;
            for (size_t i = 0; i < hw; i++) {
                sdy += (double)dyc[i];
                sdyx += (double)dyc[i] * ((double)xc[i] - mean) * inv;
            }
        }
        if (v.gamma) {
            g[c] += (float)sdyx;
            g[ch + c] += (float)sdy;
        }
        if (!dx)
            continue;
        const double gm = v.gamma ? (double)v.gamma[c] : 1.0;
        const double n = (double)(rows * hw);
        const double k = gm * inv;
        const double a = train ? sdy / n : 0.0, bb = train ? sdyx / n : 0.0;
        for (size_t r = 0; r < rows; r++) {
            const float *xc = x + r * f + c * hw, *dyc = dy + r * f + c * hw;
            float *dxc = dx + r * f + c * hw;
            for (size_t i = 0; i < hw; i++) {
                const double xh = ((double)xc[i] - mean) * inv;
                dxc[i] = (float)(k * ((double)dyc[i] - a - xh * bb));
            }
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
