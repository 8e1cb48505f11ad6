/*
 * lif — a layer of leaky integrate-and-fire neurons (paper 000 eq. 7) fed
 * by a weighted product, trained by STBP. The discrete-time convention,
 * the readouts, the surrogates and the noise addresses are xb_spike.h's.
 *
 * The product is a dense layer's (layer_dense.c, held inside as `sub` on
 * the same parameters; conv_lif's is a conv2d layer's, layer_conv_lif.c): the next layer's inputs of all T steps are known
 * once the layer below has run, so the T steps of a pass are one product
 * of rows·T rows, [rows × T × in] read as [rows·T × in]; off the device
 * the exact GEMM, on it the crossbar, input t of sample s read as sample
 * s·T + t so every step has its own read noise (as conv2d reads its
 * patches). Binary spikes meet an unsigned DAC's exact end codes 0 and its
 * calibrated range 1: a 1-bit DAC passes them unchanged. Then the membrane
 * recursion runs element-wise over t, rows in parallel.
 *
 * Parameters: the dense layer's W [units × in] and b [units], then, when
 * trained, V_th [units] (learn_threshold) and k [units] (learn_leak),
 * initialised from the config's threshold and leak.
 *
 * Backward: the recursion backwards through the T steps per row (the
 * surrogate's h for ds/du), dL/dI_t written over the membrane cache, then
 * the dense layer's backward over the rows·T rows (dW, db, dx in fixed
 * order); V_th and k gradients are per-row partials summed in row order.
 * Bit-identical for any thread count.
 *
 * For a likelihood-ratio estimator (xb_lif_trace_of): the forward keeps
 * the pointer to its input x and sigma eps of every neuron and step.
 *
 * learn_sigma: one more parameter per neuron, sigma_i (1 at init, after V_th
 * and k), and neuron i's noise is p->sigma · sigma_i · eps (ADD) or
 * I · p->sigma · sigma_i · eps (MULT); the layer then keeps eps itself (std
 * 1, the same normals) and, for MULT, the noise-free current, so backward
 * also gives dL/dsigma_i = Σ dL/dI_t · (ADD: 1, MULT: I_t) · p->sigma ·
 * eps_t. Likelihood-ratio training (models/train/xb_lr.h): the product
 * inside is the affine layer whose output the noise perturbs (lr_product),
 * and lr_score writes row r·T + t of its output gradient from step t's
 * eps, so the product's parameter backward over the rows·T rows sums
 * x^t eps^t over the steps (paper 000 eq. 8).
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_lif_impl.h"
#include "xb_spike.h"

struct lif {
    struct xb_layer sub; /* the weighted product: a dense layer on W, b */
    size_t T, in, units;
    float vth, k, width; /* config values (k = 1 - leak) */
    enum xb_lif_reset reset;
    enum xb_surrogate surrogate;
    enum xb_lif_readout readout;
    int fire;            /* 0 for the membrane readouts: integrate only */
    int learn_vth, learn_k, learn_sigma;
    size_t off_vth, off_k, off_sig; /* in l->params, when learned */
    int relaxed;
    float *vth_c, *k_c;  /* [units]: the config values, when not learned */
    /* [max_rows·T × units] each: I then u (forward), dL/dI (backward); s; sigma eps */
    float *u, *s, *se;
    int *amax;           /* [max_rows × units]: membrane-max's step */
    float *dv, *dk;      /* [max_rows × units]: per-row partial gradients */
    double *dsg;         /* learn_sigma: [max_rows × units], the same for sigma_i */
    float *ic;           /* learn_sigma: [max_rows·T × units], the noise-free I (MULT) */
    struct xb_stream *base; /* [T]: the NOISE stream of each step */
    uint64_t *row_count; /* [max_rows]: spikes per row */
    double *row_power;   /* [max_rows]: Σ I² per row (measure_power) */
    /* the last forward */
    size_t fwd_rows;     /* rows whose caches hold (0: none) */
    size_t last_rows;    /* rows of the last forward, kept by a backward (xb_lif_trace_of) */
    enum xb_noise_kind kind;
    float sigma;
    const float *x;
    struct xb_spike_activity act;
    double power;
    double power_units; /* Σ (std / sigma)² over the currents noise met */
};

enum xb_status xb_lif_create_on(struct xb_ctx *ctx, struct xb_layer *l,
                                const struct xb_layer_config *cfg,
                                const struct xb_layer_type *product, size_t T,
                                struct xb_shape step)
{
    if (cfg->reset < 0 || cfg->reset > XB_LIF_RESET_SUBTRACT)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "reset = %d: expected zero or subtract",
                              cfg->reset);
    if (cfg->surrogate < 0 || cfg->surrogate > XB_SURROGATE_ARCTAN)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "surrogate = %d: expected rectangular, "
                              "triangle, fast-sigmoid or arctan", cfg->surrogate);
    if (cfg->readout < 0 || cfg->readout > XB_READOUT_MEMBRANE_MAX)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "readout = %d: expected spikes, last, "
                              "count, membrane-sum or membrane-max", cfg->readout);
    if (!(cfg->threshold >= 0.0 && cfg->threshold <= 1e6))
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "threshold = %g: expected 0 (unset: 1) "
                              "to 1e6", cfg->threshold);
    if (!(cfg->leak >= 0.0 && cfg->leak <= 1.0))
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "leak = %g: expected 0 to 1",
                              cfg->leak);
    if (!(cfg->surrogate_width >= 0.0 && cfg->surrogate_width <= 1e6))
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "surrogate_width = %g: expected 0 "
                              "(unset: 1) to 1e6", cfg->surrogate_width);
    const size_t m = l->max_rows ? l->max_rows : 1;
    enum xb_status st;
    if (cfg->units >= 1 && product == &xb_layer_dense &&
        (st = xb_layer_check_size(ctx, l, cfg, "rows x steps x units (membrane cache)", m,
                                  T * (size_t)cfg->units, XB_NET_MAX_ACTIVATIONS)))
        return st;
    struct lif *s = xb_calloc(1, sizeof *s);
    s->sub.type = product;
    s->sub.id = l->id;
    s->sub.in = step;
    s->sub.max_rows = m * T;
    if ((st = product->create(ctx, &s->sub, cfg))) { /* checks the fields and units */
        xb_free(s);
        return st;
    }
    /* the neurons of a step: the product's outputs (conv: units x OH x OW) */
    const size_t U = xb_shape_size(s->sub.out);
    if ((st = xb_layer_check_size(ctx, l, cfg, "rows x steps x neurons (membrane cache)", m,
                                  T * U, XB_NET_MAX_ACTIVATIONS))) {
        product->destroy(&s->sub);
        xb_free(s);
        return st;
    }
    s->T = T;
    s->in = xb_shape_size(step);
    s->units = U;
    s->vth = cfg->threshold == 0.0 ? 1.0f : (float)cfg->threshold;
    s->k = (float)(1.0 - cfg->leak);
    s->width = cfg->surrogate_width == 0.0 ? 1.0f : (float)cfg->surrogate_width;
    s->reset = (enum xb_lif_reset)cfg->reset;
    s->surrogate = (enum xb_surrogate)cfg->surrogate;
    s->readout = (enum xb_lif_readout)cfg->readout;
    s->fire = s->readout <= XB_READOUT_COUNT;
    s->learn_vth = cfg->learn_threshold != 0;
    s->learn_k = cfg->learn_leak != 0;
    s->learn_sigma = cfg->learn_sigma != 0;
    size_t n = s->sub.n_params;
    s->off_vth = n;
    n += s->learn_vth ? U : 0;
    s->off_k = n;
    n += s->learn_k ? U : 0;
    s->off_sig = n;
    n += s->learn_sigma ? U : 0;
    s->vth_c = xb_malloc(U, sizeof(float));
    s->k_c = xb_malloc(U, sizeof(float));
    for (size_t j = 0; j < U; j++)
        s->vth_c[j] = s->vth, s->k_c[j] = s->k;
    s->u = xb_aligned(m * T * U, sizeof(float));
    s->s = xb_aligned(m * T * U, sizeof(float));
    s->se = xb_aligned(m * T * U, sizeof(float));
    if (s->readout == XB_READOUT_MEMBRANE_MAX)
        s->amax = xb_malloc(m * U, sizeof(int));
    if (s->learn_vth || s->learn_k) {
        s->dv = xb_aligned(m * U, sizeof(float));
        s->dk = xb_aligned(m * U, sizeof(float));
    }
    if (s->learn_sigma) {
        s->dsg = xb_aligned(m * U, sizeof(double));
        s->ic = xb_aligned(m * T * U, sizeof(float));
    }
    s->base = xb_malloc(T, sizeof *s->base);
    s->row_count = xb_malloc(m, sizeof(uint64_t));
    s->row_power = xb_malloc(m, sizeof(double));
    /* spikes: T steps of the product's output shape, one after the other */
    const struct xb_shape o = s->sub.out;
    l->out = s->readout != XB_READOUT_SPIKES ? (struct xb_shape){(int)U, 1, 1}
             : product == &xb_layer_dense   ? (struct xb_shape){(int)T, 1, (int)U}
                                            : (struct xb_shape){(int)T * o.c, o.h, o.w};
    l->n_params = n;
    l->state = s;
    return XB_OK;
}

static enum xb_status lif_create(struct xb_ctx *ctx, struct xb_layer *l,
                                 const struct xb_layer_config *cfg)
{
    const size_t T = (size_t)l->in.c * (size_t)l->in.h, in = (size_t)l->in.w;
    if (T < 1 || in < 1 || T - 1 > XB_RNG_MAX_STEP)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "input shape %d x %d x %d: expected T = "
                              "c*h of 1 to %u steps of w features (an encode layer gives "
                              "{T, 1, F})", l->in.c, l->in.h, l->in.w, XB_RNG_MAX_STEP + 1u);
    return xb_lif_create_on(ctx, l, cfg, &xb_layer_dense, T, (struct xb_shape){(int)in, 1, 1});
}

/* The product's kind: dense (lif) or conv2d (conv_lif). */
static const struct xb_layer_type *lif_kind(const struct xb_layer *l)
{
    const struct lif *s = l->state;
    return s->sub.type;
}

/* The sub-layer works on the net's views of W and b. */
static struct xb_layer *lif_sub(struct xb_layer *l)
{
    struct lif *s = l->state;
    s->sub.params = l->params;
    s->sub.grads = l->grads;
    return &s->sub;
}

void xb_lif_init(struct xb_layer *l, uint64_t seed)
{
    struct lif *s = l->state;
    lif_kind(l)->init(lif_sub(l), seed);
    for (size_t j = 0; j < s->units; j++) {
        if (s->learn_vth)
            l->params[s->off_vth + j] = s->vth;
        if (s->learn_k)
            l->params[s->off_k + j] = s->k;
        if (s->learn_sigma)
            l->params[s->off_sig + j] = 1.0f;
    }
}

static const float *lif_vth(const struct xb_layer *l)
{
    const struct lif *s = l->state;
    return s->learn_vth ? l->params + s->off_vth : s->vth_c;
}

static const float *lif_k(const struct xb_layer *l)
{
    const struct lif *s = l->state;
    return s->learn_k ? l->params + s->off_k : s->k_c;
}

static const float *lif_sig(const struct xb_layer *l)
{
    const struct lif *s = l->state;
    return s->learn_sigma ? l->params + s->off_sig : NULL;
}

static float clamp01(float v) { return xb_clamp01(v); }

/* The rows·T-row pass of the product: step t of row r is row r·T + t,
 * addressed on a device as sample s·T + t. */
static struct xb_pass steps_pass(const struct xb_pass *p, size_t T)
{
    struct xb_pass q = *p;
    q.rows = p->rows * T;
    if (p->on_device) {
        XB_ASSERT(((uint64_t)p->addr.sample0 + p->addr.batch) * T <= UINT32_MAX);
        q.addr.sample0 = p->addr.sample0 * (uint32_t)T;
        q.addr.batch = p->addr.batch * (uint32_t)T;
    }
    return q;
}

static enum xb_noise_kind pass_noise(const struct xb_pass *p)
{
    return p->sigma == 0.0 ? XB_NOISE_NONE : p->noise;
}

/* Ones among the inputs, and whether every input is 0 or 1. */
static void input_spikes(const float *x, size_t n, uint64_t *ones, int *binary)
{
    uint64_t c = 0;
    int other = 0;
#pragma omp parallel for simd schedule(static) default(none) firstprivate(x, n) \
    reduction(+ : c) reduction(| : other) if (parallel : n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        c += x[i] == 1.0f;
        other |= x[i] != 0.0f && x[i] != 1.0f;
    }
    *ones = c;
    *binary = !other;
}

/* What a forward of rows rows (inputs x) did, summed in row order. */
static void activity(const struct xb_layer *l, size_t rows, const float *x,
                     struct xb_spike_activity *a)
{
    const struct lif *s = l->state;
    const size_t T = s->T, U = s->units, n = rows * T;
    *a = (struct xb_spike_activity){.rows = rows, .steps = T, .in = s->in, .units = U};
    input_spikes(x, n * s->in, &a->in_spikes, &a->in_binary);
    for (size_t r = 0; r < rows; r++)
        a->out_spikes += s->row_count[r];
    a->rate = (double)a->out_spikes / ((double)n * (double)U);
    /* the product's multiply-accumulates per sample and step (dense: in ·
     * units; conv2d: units · C·k·k per output position); an input spike
     * accumulates its share of them (dense: a weight column, units) */
    struct xb_layer_mvm mv;
    lif_kind(l)->mvm(&s->sub, &mv);
    const double macs = (double)mv.out * (double)mv.in * (double)mv.reads;
    a->ann_mac = (double)rows * macs;
    if (a->in_binary)
        a->ac = (double)a->in_spikes * (macs / (double)s->in);
    else
        a->mac = (double)n * macs;
}

/* The product's currents of every step into s->u (q: the steps' pass).
 * With q->shared = S equal blocks of input rows (xb_pass; copy c's rows
 * r·T + t one block after the other) and a deterministic product, the
 * first block's currents are computed and copied to the others: the
 * product of one copy instead of S (likelihood-ratio copies, votes of a
 * direct-coded net). */
static void currents(struct xb_layer *l, const struct xb_pass *q, const float *x)
{
    struct lif *s = l->state;
    const struct xb_layer_type *k = lif_kind(l);
    struct xb_layer *sub = lif_sub(l);
    const size_t S = q->shared;
    if (S < 2 || !k->deterministic || !k->deterministic(sub, q)) {
        k->forward(sub, q, x, s->u);
        return;
    }
    XB_ASSERT(q->rows % S == 0);
    struct xb_pass q1 = *q;
    q1.rows = q->rows / S;
    k->forward(sub, &q1, x, s->u);
    const size_t n = q1.rows * s->units;
    for (size_t c = 1; c < S; c++)
        memcpy(s->u + c * n, s->u, n * sizeof(float));
}

void xb_lif_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct lif *s = l->state;
    const size_t rows = p->rows, T = s->T, U = s->units, n = rows * T;
    const struct xb_pass q = steps_pass(p, T);
    currents(l, &q, x);

    const enum xb_noise_kind kind = pass_noise(p);
    const float sigma = (float)p->sigma;
    for (size_t t = 0; kind != XB_NOISE_NONE && t < T; t++) {
        struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = l->id,
                            .instance = p->instance, .step = (uint32_t)t};
        s->base[t] = xb_stream_at(p->seed, &a);
    }
    const float *vth = lif_vth(l), *kk = lif_k(l), *sig = lif_sig(l);
    float *u = s->u, *sp = s->s, *se = s->se, *ic = s->ic;
    int *amax = s->amax;
    const struct xb_stream *base = s->base;
    const struct xb_rows *addr = &p->addr;
    uint64_t *row_count = s->row_count;
    double *row_power = s->row_power;
    const int measure = p->measure_power, fire = s->fire, relaxed = s->relaxed;
    const enum xb_lif_reset reset = s->reset;
    const enum xb_lif_readout readout = s->readout;
    const enum xb_surrogate sur = s->surrogate;
    const float width = s->width;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(u, sp, se, ic, y, amax, base, addr, row_count, row_power, vth, kk, sig, rows, \
                 T, U, kind, sigma, measure, fire, relaxed, reset, readout, sur, width) \
    if (n * U > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        double pw = 0.0;
        uint64_t count = 0;
        for (size_t t = 0; t < T; t++) {
            float *I = u + (r * T + t) * U, *st = sp + (r * T + t) * U;
            if (measure)
                for (size_t j = 0; j < U; j++)
                    pw += (double)I[j] * (double)I[j];
            if (kind != XB_NOISE_NONE && sig) { /* learned stds: keep eps */
                float *er = se + (r * T + t) * U;
                xb_noise_draw(1.0f, &base[t], addr, r, 0, U, er);
                if (kind == XB_NOISE_MULT)
                    memcpy(ic + (r * T + t) * U, I, U * sizeof(float));
                for (size_t j = 0; j < U; j++) {
                    const float nz = sigma * sig[j] * er[j];
                    I[j] = kind == XB_NOISE_ADD ? I[j] + nz : I[j] + I[j] * nz;
                }
            } else if (kind != XB_NOISE_NONE) {
                float *sr = se + (r * T + t) * U;
                xb_noise_draw(sigma, &base[t], addr, r, 0, U, sr);
                xb_noise_mix(kind, I, sr, I, U);
            }
            const float *up = I - U, *sprev = st - U;
            for (size_t j = 0; j < U; j++) {
                float carried = 0.0f; /* r_{t-1}: the membrane after its reset */
                if (t > 0)
                    carried = reset == XB_LIF_RESET_ZERO ? up[j] * (1.0f - sprev[j])
                                                         : up[j] - vth[j] * sprev[j];
                const float v = clamp01(kk[j]) * carried + I[j];
                I[j] = v;
                float sv = 0.0f;
                if (fire)
                    sv = relaxed ? xb_surrogate_step(sur, width, v - vth[j])
                                 : (v > vth[j] ? 1.0f : 0.0f);
                st[j] = sv;
                count += sv == 1.0f;
            }
        }
        row_count[r] = count;
        if (measure)
            row_power[r] = pw;
        /* the readout */
        const float *ur = u + r * T * U, *sr = sp + r * T * U;
        if (readout == XB_READOUT_SPIKES) {
            memcpy(y + r * T * U, sr, T * U * sizeof(float));
            continue;
        }
        float *yr = y + r * U;
        if (readout == XB_READOUT_LAST) {
            memcpy(yr, sr + (T - 1) * U, U * sizeof(float));
            continue;
        }
        const float *src = readout == XB_READOUT_COUNT ? sr : ur;
        memcpy(yr, src, U * sizeof(float));
        if (readout == XB_READOUT_MEMBRANE_MAX)
            for (size_t j = 0; j < U; j++)
                amax[r * U + j] = 0;
        for (size_t t = 1; t < T; t++) {
            const float *v = src + t * U;
            if (readout == XB_READOUT_MEMBRANE_MAX) {
                for (size_t j = 0; j < U; j++)
                    if (v[j] > yr[j])
                        yr[j] = v[j], amax[r * U + j] = (int)t;
            } else {
                for (size_t j = 0; j < U; j++)
                    yr[j] += v[j];
            }
        }
    }
    /* what the forward did, summed in row order */
    s->fwd_rows = s->last_rows = rows;
    s->kind = kind;
    s->sigma = kind == XB_NOISE_NONE ? 0.0f : sigma;
    s->x = x;
    struct xb_spike_activity *a = &s->act;
    *a = (struct xb_spike_activity){0};
    if (p->measure_activity)
        activity(l, rows, x, a);
    s->power = 0.0;
    s->power_units = 0.0;
    for (size_t r = 0; measure && r < rows; r++)
        s->power += row_power[r];
    if (measure) { /* neuron j's noise is sigma · sigma_j with learned stds */
        double s2 = (double)U;
        if (sig) {
            s2 = 0.0;
            for (size_t j = 0; j < U; j++)
                s2 += (double)sig[j] * (double)sig[j];
        }
        s->power_units = (double)n * s2;
    }
}

void xb_lif_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                     const float *y, const float *dy, float *dx)
{
    (void)y;
    struct lif *s = l->state;
    XB_ASSERT(s->fwd_rows == p->rows); /* after a forward of these rows */
    const size_t rows = p->rows, T = s->T, U = s->units;
    const float *vth = lif_vth(l), *kk = lif_k(l), *sig = lif_sig(l);
    float *u = s->u, *dv = s->dv, *dk = s->dk;
    double *dsg = s->dsg;
    const float *sp = s->s, *se = s->se, *ic = s->ic;
    const int *amax = s->amax;
    const int fire = s->fire, learn_vth = s->learn_vth, learn_k = s->learn_k;
    const int mult = s->kind == XB_NOISE_MULT, noisy = s->kind != XB_NOISE_NONE;
    const float scale = s->sigma;
    const enum xb_lif_reset reset = s->reset;
    const enum xb_lif_readout readout = s->readout;
    const enum xb_surrogate sur = s->surrogate;
    const float width = s->width;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(u, dv, dk, dsg, sp, se, ic, amax, dy, vth, kk, sig, rows, T, U, fire, \
                 learn_vth, learn_k, mult, noisy, scale, reset, readout, sur, width) \
    if (rows * T * U > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        float *gv = dv ? dv + r * U : NULL, *gk = dk ? dk + r * U : NULL;
        if (gv)
            memset(gv, 0, U * sizeof(float)), memset(gk, 0, U * sizeof(float));
        for (size_t t = T; t-- > 0;) {
            float *ut = u + (r * T + t) * U; /* u_t in, dL/du_t out */
            const float *st = sp + (r * T + t) * U;
            const float *dnext = t + 1 < T ? ut + U : NULL; /* dL/du_{t+1} */
            const float *up = ut - U, *sprev = st - U;
            for (size_t j = 0; j < U; j++) {
                const float kj = clamp01(kk[j]);
                const float dr = dnext ? kj * dnext[j] : 0.0f; /* dL/dr_t */
                float d;
                if (fire) {
                    float ds = 0.0f; /* dL/ds_t */
                    if (readout == XB_READOUT_SPIKES)
                        ds = dy[(r * T + t) * U + j];
                    else if (readout == XB_READOUT_COUNT || t + 1 == T)
                        ds = dy[r * U + j];
                    if (reset == XB_LIF_RESET_ZERO) {
                        ds -= dr * ut[j];
                        d = dr * (1.0f - st[j]);
                    } else {
                        ds -= dr * vth[j];
                        d = dr;
                    }
                    const float h = xb_surrogate_grad(sur, width, ut[j] - vth[j]);
                    d += ds * h;
                    if (learn_vth)
                        gv[j] -= ds * h + (reset == XB_LIF_RESET_SUBTRACT ? dr * st[j] : 0.0f);
                } else {
                    d = dr;
                    if (readout == XB_READOUT_MEMBRANE_SUM ||
                        amax[r * U + j] == (int)t)
                        d += dy[r * U + j];
                }
                if (learn_k && t > 0 && kk[j] >= 0.0f && kk[j] <= 1.0f) {
                    const float carried = reset == XB_LIF_RESET_ZERO
                                              ? up[j] * (1.0f - sprev[j])
                                              : up[j] - vth[j] * sprev[j];
                    gk[j] += d * carried;
                }
                ut[j] = d;
            }
        }
        if (sig) { /* dL/dsigma_i = Σ_t dL/du_t (ADD: 1, MULT: I_t) p->sigma eps_t */
            double *gs = dsg + r * U;
            for (size_t j = 0; j < U; j++)
                gs[j] = 0.0;
            for (size_t i = 0; noisy && i < T * U; i++) {
                const size_t k = r * T * U + i;
                gs[i % U] += (double)(u[k] * (mult ? ic[k] : 1.0f) * scale * se[k]);
            }
        }
        if (mult) { /* dL/dI = dL/du (1 + sigma eps) */
            float *ur = u + r * T * U;
            const float *sr = se + r * T * U;
            if (sig)
                for (size_t i = 0; i < T * U; i++)
                    ur[i] = ur[i] + ur[i] * (scale * sig[i % U] * sr[i]);
            else
                for (size_t i = 0; i < T * U; i++)
                    ur[i] = ur[i] + ur[i] * sr[i];
        }
    }
    const struct xb_pass q = steps_pass(p, T);
    lif_kind(l)->backward(lif_sub(l), &q, x, NULL, u, dx); /* dx alone if input_only */
    const int params = !p->input_only;
    for (size_t j = 0; params && (learn_vth || learn_k) && j < U; j++) {
        double av = 0.0, ak = 0.0;
        for (size_t r = 0; r < rows; r++)
            av += (double)dv[r * U + j], ak += (double)dk[r * U + j];
        if (learn_vth)
            l->grads[s->off_vth + j] += (float)av;
        if (learn_k)
            l->grads[s->off_k + j] += (float)ak;
    }
    for (size_t j = 0; params && sig && j < U; j++) {
        double a = 0.0;
        for (size_t r = 0; r < rows; r++)
            a += dsg[r * U + j];
        l->grads[s->off_sig + j] += (float)a;
    }
    s->fwd_rows = 0; /* the membrane cache now holds dL/dI */
}

enum xb_status xb_lif_program(struct xb_ctx *ctx, struct xb_layer *l,
                              const struct xb_xbar_params *params)
{
    return lif_kind(l)->program(ctx, lif_sub(l), params);
}

enum xb_status xb_lif_age(struct xb_ctx *ctx, struct xb_layer *l, double t)
{
    return lif_kind(l)->age(ctx, lif_sub(l), t);
}

/* The crossbar sees the inputs of every step: rows·T rows of x. */
enum xb_status xb_lif_calibrate(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                size_t rows)
{
    const struct lif *s = l->state;
    return lif_kind(l)->calibrate(ctx, lif_sub(l), x, rows * s->T);
}

void xb_lif_unprogram(struct xb_layer *l)
{
    lif_kind(l)->unprogram(lif_sub(l));
}

int xb_lif_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return !p->on_device && pass_noise(p) == XB_NOISE_NONE;
}

void xb_lif_noise_power(const struct xb_layer *l, double *sum, double *units)
{
    const struct lif *s = l->state;
    *sum += s->power;
    *units += s->power_units;
}

/* The dense product inside, read once per time step (models/eval/xb_cost.h). */
void xb_lif_mvm(const struct xb_layer *l, struct xb_layer_mvm *m)
{
    const struct lif *s = l->state;
    lif_kind(l)->mvm(&s->sub, m);
    m->reads *= (size_t)s->T;
}

void xb_lif_activity(const struct xb_layer *l, struct xb_spike_activity *a)
{
    const struct lif *s = l->state;
    *a = s->act;
}

/* The spike trains of every step; a readout's values are not spikes. */
int xb_lif_spikes(const struct xb_layer *l)
{
    const struct lif *s = l->state;
    return s->readout == XB_READOUT_SPIKES;
}

void xb_lif_destroy(struct xb_layer *l)
{
    struct lif *s = l->state;
    if (!s)
        return;
    lif_kind(l)->destroy(&s->sub);
    xb_free(s->vth_c), xb_free(s->k_c);
    xb_free(s->u), xb_free(s->s), xb_free(s->se);
    xb_free(s->amax), xb_free(s->dv), xb_free(s->dk), xb_free(s->dsg), xb_free(s->ic);
    xb_free(s->base), xb_free(s->row_count), xb_free(s->row_power);
    xb_free(s);
    l->state = NULL;
}

/* Row r·T + t of the product's output gradient: coef_r eps_t / s_i (sign:
 * coef_r sgn(eps_t)); sigma_i's score per row, then summed in row order. */
static size_t lif_lr_score(struct xb_layer *l, const struct xb_pass *p, const double *coef,
                           int sign, float *dy)
{
    struct lif *s = l->state;
    const size_t rows = p->rows, T = s->T, U = s->units;
    if (!dy)
        return rows * T;
    XB_ASSERT(s->learn_sigma && s->kind == XB_NOISE_ADD && s->fwd_rows == rows);
    const float *sig = lif_sig(l), *e = s->se;
    const double scale = (double)s->sigma;
    double *part = s->dsg;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(coef, sign, dy, e, rows, T, U, scale, sig, part) \
    if (rows * T * U > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        double *pr = part + r * U;
        for (size_t j = 0; j < U; j++)
            pr[j] = 0.0;
        for (size_t i = 0; i < T * U; i++) {
            const size_t k = r * T * U + i, j = i % U;
            const double ek = (double)e[k];
            dy[k] = sign ? (float)(ek > 0.0 ? coef[r] : ek < 0.0 ? -coef[r] : 0.0)
                         : (float)(coef[r] * ek / (scale * (double)sig[j]));
            pr[j] += ek * ek - 1.0;
        }
        for (size_t j = 0; j < U; j++)
            pr[j] *= coef[r];
    }
    for (size_t j = 0; j < U; j++) {
        double a = 0.0;
        for (size_t r = 0; r < rows; r++)
            a += part[r * U + j];
        l->grads[s->off_sig + j] += (float)(a / (double)sig[j]);
    }
    return rows * T;
}

static float *lif_lr_sigma(struct xb_layer *l, size_t *n)
{
    struct lif *s = l->state;
    *n = s->learn_sigma ? s->units : 0;
    return s->learn_sigma ? l->params + s->off_sig : NULL;
}

static struct xb_layer *lif_lr_product(struct xb_layer *l) { return lif_sub(l); }

/* The lif family (lif, conv_lif) is the kinds whose forward is this one. */
int xb_layer_is_lif(const struct xb_layer *l)
{
    return l->type && l->type->forward == xb_lif_forward;
}

int xb_lif_trace_of(const struct xb_layer *l, struct xb_lif_trace *tr)
{
    if (!xb_layer_is_lif(l))
        return 0;
    const struct lif *s = l->state;
    *tr = (struct xb_lif_trace){.rows = s->last_rows, .steps = s->T, .in = s->in,
                                .units = s->units, .x = s->x, .se = s->se, .u = s->u, .s = s->s,
                                .kind = s->kind,
                                .sigma = s->sigma};
    return s->last_rows > 0;
}

void xb_lif_set_relaxed(struct xb_layer *l, int on)
{
    XB_ASSERT(xb_layer_is_lif(l));
    struct lif *s = l->state;
    s->relaxed = on != 0;
}

int xb_lif_fires(const struct xb_layer *l)
{
    XB_ASSERT(xb_layer_is_lif(l));
    const struct lif *s = l->state;
    return s->fire;
}

int xb_lif_learns_threshold(const struct xb_layer *l)
{
    XB_ASSERT(xb_layer_is_lif(l));
    const struct lif *s = l->state;
    return s->learn_vth;
}

size_t xb_lif_product_params(const struct xb_layer *l)
{
    XB_ASSERT(xb_layer_is_lif(l));
    const struct lif *s = l->state;
    return s->sub.n_params;
}

void xb_lif_currents(struct xb_layer *l, const struct xb_pass *p, const float *x, float *I)
{
    XB_ASSERT(xb_layer_is_lif(l));
    struct lif *s = l->state;
    const struct xb_pass q = steps_pass(p, s->T);
    lif_kind(l)->forward(lif_sub(l), &q, x, I);
}

void xb_lif_set_threshold(struct xb_layer *l, float v)
{
    XB_ASSERT(xb_layer_is_lif(l));
    struct lif *s = l->state;
    s->vth = v;
    for (size_t j = 0; j < s->units; j++) {
        s->vth_c[j] = v;
        if (s->learn_vth)
            l->params[s->off_vth + j] = v;
    }
}

enum xb_surrogate xb_lif_swap_surrogate(struct xb_layer *l, enum xb_surrogate kind)
{
    XB_ASSERT(xb_layer_is_lif(l));
    XB_ASSERT(kind >= XB_SURROGATE_RECT && kind <= XB_SURROGATE_ARCTAN);
    struct lif *s = l->state;
    const enum xb_surrogate old = s->surrogate;
    s->surrogate = kind;
    return old;
}

const struct xb_layer_type xb_layer_lif = {
    .name = "lif",
    .init_default = XB_INIT_HE_UNIFORM,
    .create = lif_create,
    .init = xb_lif_init,
    .forward = xb_lif_forward,
    .backward = xb_lif_backward,
    .program = xb_lif_program,
    .age = xb_lif_age,
    .calibrate = xb_lif_calibrate,
    .unprogram = xb_lif_unprogram,
    .deterministic = xb_lif_deterministic,
    .noise_power = xb_lif_noise_power,
    .mvm = xb_lif_mvm,
    .activity = xb_lif_activity,
    .spikes = xb_lif_spikes,
    .lr_score = lif_lr_score,
    .lr_sigma = lif_lr_sigma,
    .lr_product = lif_lr_product,
    .destroy = xb_lif_destroy,
};
