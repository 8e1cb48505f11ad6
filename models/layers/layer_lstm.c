/*
 * lstm — a long short-term memory layer (Hochreiter & Schmidhuber 1997,
 * with a forget gate) whose gate products run on one crossbar, with paper
 * 001's noise on each gate's affine output (its Fig. 1, §3.2.3).
 *
 * Input: a sample's C × H × W values are read as T = C·H steps of F = W
 * features (step t = row t of the image), so an MNIST image {1, 28, 28} is
 * 28 steps of 28 pixels. Config: `units` = the hidden size H. Output: the
 * last hidden state h_T, shape {H, 1, 1}.
 *
 * Per step t, with h_0 = c_0 = 0 and K = F + H:
 *
 *   z_t = [x_t, h_{t-1}] Wᵀ + b         one 4H-wide product, W [4H × K]
 *   z_t ← noise(z_t)                     p->noise, p->sigma (paper 001 eqs. 2–4)
 *   i, f, g, o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)   (z's four H-wide blocks)
 *   c_t = f ∘ c_{t-1} + i ∘ g,   h_t = o ∘ tanh(c_t)
 *
 * The product is the same engine call as dense: off the device the exact
 * GEMM of the current weights (models/layers/xb_gemm.h); once programmed and
 * asked for (p->on_device), the crossbar of the chip instance with the
 * rows' addr.step = t, so read noise differs from step to step while the
 * programmed conductances (and their programming error) are shared by all
 * steps, as on a chip that reuses one array.
 *
 * Noise: element j of row r at step t draws element j of the stream
 * (purpose NOISE, this layer's id, chip instance p->instance, the row's
 * sample and vote, step t) — as a noise layer placed after the gate
 * product would at step t. sigma eps is kept per step for backward, and the
 * noisy z is computed from it with the noise layer's own expressions.
 *
 * Parameters: W [4H × K] row-major (columns: the F inputs, then the H
 * recurrent ones; rows: the i, f, g, o blocks), then b [4H]. Initial W is
 * by default Glorot-uniform per gate, U(±sqrt(6 / (K + H))), suited to the
 * saturating gate nonlinearities (the `init` field chooses another,
 * models/layers/xb_init.h); with a zero-bias kind b is 0 except the forget
 * gate's, which starts at 1 (Gers et al. 2000; Jozefowicz et al. 2015) so
 * the cell remembers by default early in training.
 *
 * Backward: backpropagation through all T steps, exact for the noise draw
 * of the forward. dW and db are one reduction over all T × rows products
 * (xb_gemm_dw), dx and dh_{t-1} one xb_gemm_dx per step: every sum has a
 * fixed order, so the results are bit-identical for any thread count.
 *
 * Memory: TRAIN forwards (and EVAL ones a backward follows, p->backward)
 * keep [x_t, h_{t-1}], the gates, c_t and sigma eps for every step
 * (T × rows × (K + 9H) floats), grown on demand; other EVAL forwards run
 * in one step's worth of buffers.
 */
#include <math.h>
#include <string.h>

#include "xb_act.h"
#include "xb_alloc.h"
#include "xb_gemm.h"
#include "xb_layer_impl.h"
#include "xb_net.h"
#include "xb_rng.h"

struct lstm {
    size_t T, F, H, K, G; /* steps, features, hidden, F + H, 4H */
    enum xb_init init;
    /* TRAIN caches, slot t = rows × width, slots contiguous (T × cap rows) */
    float *xh, *z, *c, *tc, *se; /* tc = tanh(c), reused by backward */
    size_t cap;              /* rows the caches hold per step */
    size_t fwd_rows;         /* rows of the last TRAIN forward (0: none) */
    enum xb_noise_kind kind; /* noise of the last TRAIN forward */
    /* one step's buffers (EVAL) and backward scratch, max_rows each */
    float *e_xh, *e_z, *e_c, *e_se;
    float *dc, *dxh;
    float *zeros;             /* H zeros: c_{-1} */
    /* The signal the gate noise meets: Σ z² of the noise-free gate
     * pre-activations of the last forward (all steps, rows, gates), summed
     * per row then over rows in order, so thread counts agree. */
    double *row_power;        /* max_rows */
    double power;
    size_t power_count;
    struct xb_layer_chip chip; /* programmed crossbar, or empty */
};

static void lstm_free_cache(struct lstm *s)
{
    xb_free(s->xh), xb_free(s->z), xb_free(s->c), xb_free(s->tc), xb_free(s->se);
    s->xh = s->z = s->c = s->tc = s->se = NULL;
    s->cap = 0;
}

static void lstm_ensure_cache(struct lstm *s, size_t rows)
{
    if (rows <= s->cap)
        return;
    lstm_free_cache(s);
    const size_t n = s->T * rows;
    s->xh = xb_aligned(n * s->K, sizeof(float));
    s->z = xb_aligned(n * s->G, sizeof(float));
    s->c = xb_aligned(n * s->H, sizeof(float));
    s->tc = xb_aligned(n * s->H, sizeof(float));
    s->se = xb_aligned(n * s->G, sizeof(float));
    s->cap = rows;
}

static enum xb_status lstm_create(struct xb_ctx *ctx, struct xb_layer *l,
                                  const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (cfg->units < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "units = %d: expected >= 1",
                              cfg->units);
    if (l->in.c < 1 || l->in.h < 1 || l->in.w < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg,
                              "input shape %d x %d x %d: expected T = c*h >= 1 steps of "
                              "w >= 1 features", l->in.c, l->in.h, l->in.w);
    if ((size_t)l->in.c * (size_t)l->in.h - 1 > XB_RNG_MAX_STEP)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "%zu steps (c*h of the input): "
                              "expected <= %u", (size_t)l->in.c * (size_t)l->in.h,
                              XB_RNG_MAX_STEP + 1u);
    /* The sizes below come from the config: bounded before allocating. */
    const size_t G = 4 * (size_t)cfg->units, K = (size_t)l->in.w + (size_t)cfg->units;
    if ((st = xb_layer_check_size(ctx, l, cfg, "4 units x (features + units + 1) "
                                  "(parameters)", G, K + 1, XB_NET_MAX_PARAMS)) ||
        (st = xb_layer_check_size(ctx, l, cfg, "steps x rows x 4 units (gate cache)",
                                  (size_t)l->in.c * (size_t)l->in.h *
                                      (l->max_rows ? l->max_rows : 1),
                                  G, XB_NET_MAX_ACTIVATIONS)))
        return st;
    struct lstm *s = xb_calloc(1, sizeof *s);
    s->T = (size_t)l->in.c * (size_t)l->in.h;
    s->F = (size_t)l->in.w;
    s->H = (size_t)cfg->units;
    s->K = s->F + s->H;
    s->G = 4 * s->H;
    s->init = xb_layer_init_kind(cfg, l->type);
    const size_t m = l->max_rows ? l->max_rows : 1;
    s->e_xh = xb_aligned(m * s->K, sizeof(float));
    s->e_z = xb_aligned(m * s->G, sizeof(float));
    s->e_c = xb_aligned(m * s->H, sizeof(float));
    s->e_se = xb_aligned(m * s->G, sizeof(float));
    s->row_power = xb_malloc(m, sizeof(double));
    s->dc = xb_aligned(m * s->H, sizeof(float));
    s->zeros = xb_calloc(s->H, sizeof(float));
    s->dxh = xb_aligned(m * s->K, sizeof(float));
    l->out = (struct xb_shape){cfg->units, 1, 1};
    l->n_params = s->G * s->K + s->G;
    l->state = s;
    return XB_OK;
}

/* fan_in = K, fan_out = H (per gate), PyTorch's fan H with two bias
 * vectors (models/layers/xb_init.h). */
static void lstm_init(struct xb_layer *l, uint64_t seed)
{
    const struct lstm *s = l->state;
    const struct xb_init_fans f = {.n_w = s->G * s->K, .n_b = s->G, .fan_in = (double)s->K,
                                   .fan_out = (double)s->H, .torch_fan = (double)s->H,
                                   .torch_bias_terms = 2};
    xb_init_fill(s->init, &f, l->params, seed, l->id);
    if (xb_init_type(s->init)->bias_limit(&f) != 0.0)
        return;
    float *b = l->params + s->G * s->K;
    for (size_t j = s->H; j < 2 * s->H; j++)
        b[j] = 1.0f; /* forget gate */
}

/* The forward of all T steps. keep: per-step slots in the caches (TRAIN),
 * else one step's buffers reused. */
static void lstm_run(struct lstm *s, uint32_t layer, const float *W, const float *b,
                     const struct xb_pass *p, enum xb_noise_kind kind, int on_device, int keep,
                     const float *x, float *y)
{
    const size_t rows = p->rows, T = s->T, F = s->F, H = s->H, K = s->K, G = s->G;
    const float sigma = (float)p->sigma;
    float *xh0 = keep ? s->xh : s->e_xh, *z0 = keep ? s->z : s->e_z;
    float *c0 = keep ? s->c : s->e_c, *se0 = keep ? s->se : s->e_se;
    const size_t sl = keep ? 1 : 0; /* slot multiplier */
    float *tc0 = keep ? s->tc : NULL;
    double *row_power = s->row_power;
    const int measure = p->measure_power;
    s->power = 0.0;
    s->power_count = measure ? T * rows * G : 0;
    /* [x_0, h_0 = 0]; later steps get x_t from the element-wise pass of
     * step t - 1, which writes h_{t-1} beside it */
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(xh0, x, rows, T, F, H, K) if (rows * K > XB_LAYER_PAR_MIN)
    for (size_t r = 0; r < rows; r++) {
        memcpy(xh0 + r * K, x + r * T * F, F * sizeof(float));
        memset(xh0 + r * K + F, 0, H * sizeof(float));
    }
    for (size_t t = 0; t < T; t++) {
        float *xh = xh0 + sl * t * rows * K, *z = z0 + sl * t * rows * G;
        float *se = se0 + sl * t * rows * G, *c = c0 + sl * t * rows * H;
        const float *cp = t == 0 ? NULL : c0 + sl * (t - 1) * rows * H;
        float *tc = keep ? tc0 + t * rows * H : NULL;
        float *hn, *xn = NULL; /* where h_t goes, row stride hs; x_{t+1} */
        size_t hs;
        if (t + 1 == T) {
            hn = y, hs = H;
        } else {
            xn = xh0 + sl * (t + 1) * rows * K;
            hn = xn + F, hs = K;
        }
        if (on_device) {
            XB_ASSERT(s->chip.xb != NULL); /* xb_net_program first */
            struct xb_rows a = p->addr;
            a.step = (uint32_t)t;
            xb_xbar_execute_ws(s->chip.xb, s->chip.ws, xh, rows, b, z, &a, NULL);
        } else {
            xb_gemm_xwt(p->gemm, xh, W, b, z, rows, G, K);
        }
        struct xb_addr aa = {.purpose = XB_PURPOSE_NOISE, .layer = layer,
                             .instance = p->instance, .step = (uint32_t)t};
        const struct xb_stream base = xb_stream_at(p->seed, &aa);
        struct xb_rows ra = p->addr;
        ra.step = (uint32_t)t;
        const struct xb_rows *addr = &ra;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(z, se, c, cp, tc, hn, hs, xn, x, rows, t, T, F, H, K, G, kind, sigma, base, \
                 addr, row_power, measure) if (rows * G > XB_LAYER_PAR_MIN / 8)
        for (size_t r = 0; r < rows; r++) {
            float *zr = z + r * G, *sr = se + r * G, *cr = c + r * H, *hr = hn + r * hs;
            float *tcr = tc ? tc + r * H : hr; /* EVAL: tanh(c) in h's row, then h */
            const float *cpr = cp ? cp + r * H : NULL;
            if (measure) {
                double pw = 0.0;
                for (size_t j = 0; j < G; j++)
                    pw += (double)zr[j] * (double)zr[j];
                row_power[r] = pw;
            }
            if (kind != XB_NOISE_NONE) { /* as the noise layer: sigma eps kept for BPTT */
                xb_noise_draw(sigma, &base, addr, r, 0, G, sr);
                xb_noise_mix(kind, zr, sr, zr, G);
            }
            xb_sigmoid(zr, zr, 2 * H); /* i, f */
            xb_tanh(zr + 2 * H, zr + 2 * H, H); /* g */
            xb_sigmoid(zr + 3 * H, zr + 3 * H, H); /* o */
            const float *ir = zr, *fr = zr + H, *gr = zr + 2 * H, *or = zr + 3 * H;
            /* omp simd: the rows of z, c, tanh c and h never overlap */
            if (cpr) {
#pragma omp simd
                for (size_t j = 0; j < H; j++)
                    cr[j] = fr[j] * cpr[j] + ir[j] * gr[j];
            } else {
#pragma omp simd
                for (size_t j = 0; j < H; j++)
                    cr[j] = ir[j] * gr[j];
            }
            xb_tanh(cr, tcr, H);
            if (tcr == hr) {
#pragma omp simd
                for (size_t j = 0; j < H; j++)
                    hr[j] = or[j] * hr[j];
            } else {
#pragma omp simd
                for (size_t j = 0; j < H; j++)
                    hr[j] = or[j] * tcr[j];
            }
            if (xn)
                memcpy(xn + r * K, x + (r * T + t + 1) * F, F * sizeof(float));
        }
        for (size_t r = 0; measure && r < rows; r++)
            s->power += row_power[r];
    }
}

static enum xb_noise_kind pass_noise(const struct xb_pass *p)
{
    return p->sigma == 0.0 ? XB_NOISE_NONE : p->noise;
}

static void lstm_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct lstm *s = l->state;
    const float *W = l->params, *b = l->params + s->G * s->K;
    const enum xb_noise_kind kind = pass_noise(p);
    const int keep = p->phase == XB_PHASE_TRAIN || p->backward;
    if (keep) {
        lstm_ensure_cache(s, p->rows);
        s->kind = kind;
        s->fwd_rows = p->rows;
    }
    lstm_run(s, l->id, W, b, p, kind, p->on_device, keep, x, y);
}

static void lstm_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    struct lstm *s = l->state;
    XB_ASSERT(s->fwd_rows == p->rows); /* after a keeping forward of these rows */
    const size_t rows = p->rows, T = s->T, F = s->F, H = s->H, K = s->K, G = s->G;
    const float *W = l->params;
    const int mult = s->kind == XB_NOISE_MULT;
    float *dc = s->dc, *dxh = s->dxh;
    memset(dc, 0, rows * H * sizeof(float));
    /* dL/dh_t comes from dy (t = T - 1), then from the columns F.. of the
     * dL/d[x, h] product of step t + 1, read in place; its columns 0..F
     * are dL/dx_{t+1}, copied out in the same pass. */
    for (size_t t = T; t-- > 0;) {
        /* the gates of step t become dL/dz_t in place */
        float *gz = s->z + t * rows * G;
        const float *se = s->se + t * rows * G, *tc = s->tc + t * rows * H;
        const float *cp = t == 0 ? NULL : s->c + (t - 1) * rows * H;
        const float *dh = t + 1 == T ? dy : dxh + F;
        const size_t dhs = t + 1 == T ? H : K;
        const int copy_dx = dx && t + 1 < T;
        const float *zeros = s->zeros;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(gz, se, tc, cp, dh, dhs, dc, dx, dxh, copy_dx, zeros, rows, t, T, F, H, K, G, \
                 mult) \
    if (rows * G > XB_LAYER_PAR_MIN / 8)
        for (size_t r = 0; r < rows; r++) {
            float *zr = gz + r * G, *dcr = dc + r * H;
            const float *dhr = dh + r * dhs, *tcr = tc + r * H, *sr = se + r * G;
            const float *cpr = cp ? cp + r * H : NULL;
            if (copy_dx)
                memcpy(dx + (r * T + t + 1) * F, dxh + r * K, F * sizeof(float));
            const float *cpv_row = cpr ? cpr : zeros; /* c_{-1} = 0 */
#pragma omp simd
            for (size_t j = 0; j < H; j++) {
                const float i = zr[j], f = zr[H + j], g = zr[2 * H + j], o = zr[3 * H + j];
                const float tcv = tcr[j];
                const float dcv = dcr[j] + dhr[j] * o * (1.0f - tcv * tcv);
                const float dov = dhr[j] * tcv;
                const float cpv = cpv_row[j];
                zr[j] = dcv * g * i * (1.0f - i);
                zr[H + j] = dcv * cpv * f * (1.0f - f);
                zr[2 * H + j] = dcv * i * (1.0f - g * g);
                zr[3 * H + j] = dov * o * (1.0f - o);
                dcr[j] = dcv * f;
            }
            if (mult) {
#pragma omp simd
                for (size_t j = 0; j < G; j++)
                    zr[j] = zr[j] + zr[j] * sr[j];
            }
        }
        if (t == 0 && !dx)
            break;
        xb_gemm_dx(p->gemm, gz, W, dxh, rows, G, K);
    }
    if (dx)
#pragma omp parallel for schedule(static) default(none) firstprivate(dx, dxh, rows, T, F, K) \
    if (rows * K > XB_LAYER_PAR_MIN)
        for (size_t r = 0; r < rows; r++)
            memcpy(dx + r * T * F, dxh + r * K, F * sizeof(float));
    /* dW += Σ_t dz_tᵀ [x_t, h_{t-1}], db += Σ_t dz_t: one reduction over
     * the T × rows rows of the contiguous slots */
    if (!p->input_only)
        xb_gemm_dw(p->gemm, s->z, s->xh, l->grads, l->grads + G * K, T * rows, G, K);
    s->fwd_rows = 0; /* the gates were overwritten */
}

static void lstm_unprogram(struct xb_layer *l)
{
    struct lstm *s = l->state;
    xb_layer_chip_drop(&s->chip);
}

/* The four gates of a step are one read of one array. */
static void lstm_mvm(const struct xb_layer *l, struct xb_layer_mvm *m)
{
    const struct lstm *s = l->state;
    *m = (struct xb_layer_mvm){.out = s->G, .in = s->K, .reads = s->T};
}

static enum xb_status lstm_program(struct xb_ctx *ctx, struct xb_layer *l,
                                   const struct xb_xbar_params *params)
{
    struct lstm *s = l->state;
    return xb_layer_chip_program(ctx, &s->chip, l, params, s->G, s->K);
}

static enum xb_status lstm_age(struct xb_ctx *ctx, struct xb_layer *l, double t)
{
    struct lstm *s = l->state;
    return xb_layer_chip_age(ctx, &s->chip, l, t);
}

/* The crossbar sees [x_t, h_{t-1}] at every step: an ideal, noiseless
 * forward collects them for all T steps (in the TRAIN caches, which this
 * invalidates) and the converters are calibrated on all T × rows of them. */
static enum xb_status lstm_calibrate(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                     size_t rows)
{
    struct lstm *s = l->state;
    enum xb_status cst = xb_layer_chip_ready(ctx, &s->chip, l, "calibrate");
    if (cst)
        return cst;
    if (rows == 0)
        return xb_xbar_calibrate(ctx, s->chip.xb, s->e_xh, 0);
    struct xb_pass q = {.phase = XB_PHASE_TRAIN, .rows = rows, .noise = XB_NOISE_NONE,
                        .gemm = xb_xbar_params(s->chip.xb)->gemm};
    q.addr.batch = (uint32_t)rows;
    lstm_ensure_cache(s, rows);
    float *y = xb_aligned(rows * s->H, sizeof(float));
    lstm_run(s, l->id, l->params, l->params + s->G * s->K, &q, XB_NOISE_NONE, 0, 1, x, y);
    xb_free(y);
    s->fwd_rows = 0;
    return xb_xbar_calibrate(ctx, s->chip.xb, s->xh, s->T * rows);
}

static int lstm_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return !p->on_device && pass_noise(p) == XB_NOISE_NONE;
}

static void lstm_destroy(struct xb_layer *l)
{
    struct lstm *s = l->state;
    if (!s)
        return;
    lstm_unprogram(l);
    lstm_free_cache(s);
    xb_free(s->e_xh), xb_free(s->e_z), xb_free(s->e_c), xb_free(s->e_se);
    xb_free(s->row_power);
    xb_free(s->zeros), xb_free(s->dc), xb_free(s->dxh);
    xb_free(s);
    l->state = NULL;
}

static void lstm_noise_power(const struct xb_layer *l, double *sum, double *units)
{
    const struct lstm *s = l->state;
    *sum += s->power;
    *units += (double)s->power_count;
}

const struct xb_layer_type xb_layer_lstm = {
    .name = "lstm",
    .init_default = XB_INIT_GLOROT_UNIFORM,
    .create = lstm_create,
    .init = lstm_init,
    .forward = lstm_forward,
    .backward = lstm_backward,
    .program = lstm_program,
    .age = lstm_age,
    .calibrate = lstm_calibrate,
    .unprogram = lstm_unprogram,
    .mvm = lstm_mvm,
    .deterministic = lstm_deterministic,
    .noise_power = lstm_noise_power,
    .destroy = lstm_destroy,
};
