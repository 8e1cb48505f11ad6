/*
 * Likelihood-ratio training (models/train/xb_lr.h, the nit* entries of the
 * training table): the estimator against the exact gradient of a
 * linear-Gaussian model, its variance against 1/C, the sign variant
 * against eq. 5's expectation, the projection of the learned stds, bit
 * identity for 1 and 2 threads, the refusals, and the table's choice.
 *
 * The linear-Gaussian model: one dense layer (F inputs, K outputs) and a
 * noise layer with learned stds s_i, mean squared error against a one-hot
 * target t (models/loss/loss_mse.c: L = Σ_i (v_i − t_i)² / K). With
 * v = μ + s ε, μ = W x + b, ε ~ N(0, I):
 *   E[L] = Σ_i ((μ_i − t_i)² + s_i²) / K,
 *   ∂E[L]/∂W_ij = 2 (μ_i − t_i) x_j / K,  ∂E[L]/∂b_i = 2 (μ_i − t_i) / K,
 *   ∂E[L]/∂s_i = 2 s_i / K.
 * The NIT-S weight score L·sgn(x_j)·sgn(ε_i) has expectation (paper 000
 * eq. 5, here in closed form): the terms of L without ε_i are independent
 * of sgn(ε_i), whose mean is 0, and E[(a + s ε)² sgn ε] = 2 a s E|ε| with
 * E|ε| = √(2/π), so
 *   E = sgn(x_j) · 2 (μ_i − t_i) s_i √(2/π) / K   (0 where x_j = 0).
 *
 * Confidence bounds: M independent estimates (distinct sample indices, so
 * distinct noise streams) of a coordinate with sample mean m̄ and sample
 * variance v: by the central limit theorem (the estimates are polynomials
 * in Gaussians, so every moment is finite) (m̄ − E)/√(v/M) is within ±Z of 0
 * except with probability 2Φ(−Z); Z = 4.5 over the ≤ 12 coordinates of a
 * test leaves a false alarm below 12 · 6.8e−6 < 1e−4 (the seeds are fixed,
 * so the test is deterministic anyway; the bound says it is not tuned).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_lr.h"
#include "xb_net.h"
#include "xb_omp.h"
#include "xb_rng.h"
#include "xb_train.h"

#define F 3
#define K 2
#define Z_BOUND 4.5

static struct xb_ctx *ctx;
static void setup(void) { ctx = xb_ctx_create(NULL); }
static void teardown(void) { xb_ctx_free(ctx); }

static struct xb_layer_config lc(const char *type, int units, int learn)
{
    struct xb_layer_config c = {.units = units, .learn_sigma = learn};
    snprintf(c.type, sizeof c.type, "%s", type);
    return c;
}

static const float X0[F] = {0.8f, -1.5f, 0.0f};
static const float W0[K * F] = {0.5f, -0.3f, 0.9f, 0.2f, 0.4f, -0.7f};
static const float B0[K] = {0.1f, -0.6f};
static const float S0[K] = {0.7f, 1.3f};
static const uint8_t LABEL = 1;

/* dense(F → K) + noise(learn_sigma), mse, the parameters above. */
static struct xb_net *linear_gaussian(size_t rows)
{
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = K, .n_layers = 2,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = lc("dense", K, 0);
    cfg.layers[1] = lc("noise", 0, 1);
    snprintf(cfg.loss, sizeof cfg.loss, "mse");
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 1);
    memcpy(xb_net_layer(net, 0)->params, W0, sizeof W0);
    memcpy(xb_net_layer(net, 0)->params + K * F, B0, sizeof B0);
    memcpy(xb_net_layer(net, 1)->params, S0, sizeof S0);
    return net;
}

/* Coordinates: W (K·F), b (K), s (K). */
enum { D = K * F + K + K };

static void exact(int sign, double *g)
{
    for (int i = 0; i < K; i++) {
        double mu = (double)B0[i];
        for (int j = 0; j < F; j++)
            mu += (double)W0[i * F + j] * (double)X0[j];
        const double a = mu - (i == LABEL ? 1.0 : 0.0);
        const double f = sign ? 2.0 * a * (double)S0[i] * sqrt(2.0 / M_PI) / K : 2.0 * a / K;
        for (int j = 0; j < F; j++)
            g[i * F + j] = sign ? f * (double)((X0[j] > 0) - (X0[j] < 0)) : f * (double)X0[j];
        g[K * F + i] = f;
        g[K * F + K + i] = 2.0 * (double)S0[i] / K;
    }
}

struct moments {
    double s1[D], s2[D], s3[D], s4[D];
    size_t n;
};

static void gather(struct xb_net *net, struct moments *mo)
{
    const struct xb_layer *d = xb_net_layer(net, 0), *nz = xb_net_layer(net, 1);
    double g[D];
    for (int k = 0; k < K * F + K; k++)
        g[k] = d->grads[k];
    for (int i = 0; i < K; i++)
        g[K * F + K + i] = nz->grads[i];
    for (int k = 0; k < D; k++) {
        mo->s1[k] += g[k];
        mo->s2[k] += g[k] * g[k];
        mo->s3[k] += g[k] * g[k] * g[k];
        mo->s4[k] += g[k] * g[k] * g[k] * g[k];
    }
    mo->n++;
}

/* M estimates of C copies each; draw d uses sample index d0 + d. */
static void estimates(size_t C, int baseline, int sign, size_t M, uint32_t d0,
                      struct moments *mo)
{
    /* Tiny passes: a thread team costs more than the work (thread counts
     * have their own test below). */
    xb_omp_set_threads(1);
    struct xb_net *net = linear_gaussian(C);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = 1;
    tp.lr.copies = C;
    tp.lr.baseline = baseline;
    struct xb_lr *lr;
    cr_assert_eq(xb_lr_create(ctx, net, &tp, &lr), XB_OK, "%s", xb_ctx_error(ctx));
    memset(mo, 0, sizeof *mo);
    for (size_t d = 0; d < M; d++) {
        struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = 1,
                            .addr = {.sample0 = d0 + (uint32_t)d, .batch = 1, .epoch = 0},
                            .seed = 77, .noise = XB_NOISE_ADD, .sigma = 1.0};
        double loss;
        cr_assert_eq(xb_lr_gradient(ctx, lr, &p, X0, &LABEL, sign, &loss), XB_OK);
        gather(net, mo);
    }
    xb_lr_free(lr);
    xb_net_free(net);
}

static double mean_of(const struct moments *mo, int k) { return mo->s1[k] / (double)mo->n; }
static double var_of(const struct moments *mo, int k)
{
    const double m = mean_of(mo, k), n = (double)mo->n;
    return (mo->s2[k] - n * m * m) / (n - 1.0);
}

/* The central fourth moment from the raw sums. */
static double m4_of(const struct moments *mo, int k)
{
    const double n = (double)mo->n, m = mean_of(mo, k);
    return mo->s4[k] / n - 4.0 * m * mo->s3[k] / n + 6.0 * m * m * mo->s2[k] / n -
           3.0 * m * m * m * m;
}

static void expect_mean(const struct moments *mo, int sign, const char *what)
{
    double g[D];
    exact(sign, g);
    for (int k = 0; k < D; k++) {
        const double se = sqrt(var_of(mo, k) / (double)mo->n);
        if (se == 0.0) { /* sign variant at x_j = 0: every draw is exactly 0 */
            cr_assert_eq(mean_of(mo, k), g[k], "%s: coordinate %d", what, k);
            continue;
        }
        const double z = (mean_of(mo, k) - g[k]) / se;
        cr_assert(fabs(z) < Z_BOUND, "%s: coordinate %d mean %.5g, exact %.5g (z = %.2f)",
                  what, k, mean_of(mo, k), g[k], z);
    }
}

TestSuite(lr, .init = setup, .fini = teardown);

Test(lr, unbiased_on_the_linear_gaussian_model)
{
    struct moments mo;
    estimates(4, 0, 0, 20000, 0, &mo);
    expect_mean(&mo, 0, "C = 4");
}

/* The leave-one-out baseline is independent of each copy's own noise, so
 * it leaves the mean where it was (and shrinks the spread: checked too,
 * as the reason to have it). */
Test(lr, baseline_stays_unbiased_and_helps)
{
    struct moments a, b;
    estimates(4, 1, 0, 20000, 0, &a);
    expect_mean(&a, 0, "C = 4, baseline");
    estimates(4, 0, 0, 20000, 0, &b);
    for (int k = 0; k < K * F + K; k++)
        if (var_of(&b, k) > 0.0)
            cr_assert(var_of(&a, k) < var_of(&b, k), "coordinate %d: variance %.4g with the "
                      "baseline, %.4g without", k, var_of(&a, k), var_of(&b, k));
}

/* C copies average C independent estimates: Var_C = Var_1 / C exactly.
 * The ratio R = v_1 / v_8 of two sample variances from M draws each has,
 * by the delta method, relative std √((κ_1 − 1)/M + (κ_8 − 1)/M) with κ
 * the sample kurtosis m4/v² of each set; |R − 8| must be within Z_BOUND of
 * those. */
Test(lr, variance_falls_as_one_over_copies)
{
    enum { M = 20000 };
    struct moments one, eight;
    estimates(1, 0, 0, M, 0, &one);
    estimates(8, 0, 0, M, 100000, &eight);
    for (int k = 0; k < D; k++) {
        const double v1 = var_of(&one, k), v8 = var_of(&eight, k);
        if (v1 == 0.0)
            continue;
        const double k1 = m4_of(&one, k) / (v1 * v1), k8 = m4_of(&eight, k) / (v8 * v8);
        const double R = v1 / v8, rel = sqrt((k1 - 1.0) / M + (k8 - 1.0) / M);
        cr_assert(fabs(R - 8.0) < Z_BOUND * rel * R, "coordinate %d: Var_1 / Var_8 = %.3f, "
                  "expected 8 within %.3f", k, R, Z_BOUND * rel * R);
    }
}

/* NIT-S: the mean of L·sgn(x_j)·sgn(ε_i) is eq. 5's direction in the
 * closed form above (the sigma score is the unsigned one). */
Test(lr, sign_variant_matches_equation_5)
{
    struct moments mo;
    estimates(4, 0, 1, 20000, 0, &mo);
    expect_mean(&mo, 1, "NIT-S");
}

/* The sweep's SNR of additive noise, P / sigma², stays the pooled SNR when
 * the stds are learned: P = Σ a² / Σ s_i² over the values noise meets
 * (here one row, so Σ over the K neurons). */
Test(lr, noise_input_power_in_units_of_the_learned_stds)
{
    struct xb_net *net = linear_gaussian(1);
    struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = 1, .addr = {.batch = 1},
                        .noise = XB_NOISE_NONE};
    xb_net_forward(net, &p, X0);
    const float *a = xb_net_layer_input(net, 1, X0);
    double num = 0.0, den = 0.0;
    for (int i = 0; i < K; i++)
        num += (double)a[i] * (double)a[i], den += (double)S0[i] * (double)S0[i];
    const double P = xb_net_noise_input_power(net);
    cr_assert(fabs(P - num / den) <= 1e-12 * (num / den), "P = %.17g, want %.17g", P, num / den);
    xb_net_free(net);
}

/* ---- the learned stds under backpropagation --------------------------- */

/* A net with learn_sigma noise layers trained by backprop: every gradient,
 * the stds' included, against central differences of the loss at the
 * same noise draw (the draw is fixed by its address, so the loss is a
 * smooth function of the parameters; no ReLU, so no kinks). Tolerance as
 * the layer tests': |num − ana| <= 1e-2 max(|num|, |ana|) + 2e-4, float
 * losses differenced over a step of 1e-3. */
static void learned_sigma_grad_check(enum xb_noise_kind kind)
{
    enum { R = 5, IN = 6 };
    struct xb_net_config cfg = {.input = {IN, 1, 1}, .classes = 3, .n_layers = 4,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = lc("dense", 4, 0);
    cfg.layers[1] = lc("noise", 0, 1);
    cfg.layers[2] = lc("dense", 3, 0);
    cfg.layers[3] = lc("noise", 0, 1);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 4);
    for (size_t k = 1; k < 4; k += 2) { /* stds away from 1, each its own */
        struct xb_layer *l = xb_net_layer(net, k);
        for (size_t i = 0; i < l->n_params; i++)
            l->params[i] = 0.4f + 0.15f * (float)i;
    }
    float x[R * IN];
    for (int i = 0; i < R * IN; i++)
        x[i] = (float)sin(1.7 * i);
    const uint8_t labels[R] = {0, 2, 1, 1, 0};
    struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = R, .addr = {.batch = R}, .seed = 9,
                        .noise = kind, .sigma = 0.8};
    xb_net_forward(net, &p, x);
    xb_net_loss(net, labels, R);
    xb_net_backward(net, &p, x);
    const size_t n = xb_net_n_params(net);
    float *ana = xb_malloc(n, sizeof(float)), *w = xb_net_params(net);
    memcpy(ana, xb_net_grads(net), n * sizeof(float));
    size_t sigma_checked = 0;
    for (size_t k = 0; k < 4; k++) {
        const struct xb_layer *l = xb_net_layer(net, k);
        for (size_t i = 0; i < l->n_params; i++) {
            const size_t j = (size_t)(l->params - w) + i;
            const float v0 = w[j];
            w[j] = v0 + 1e-3f;
            xb_net_forward(net, &p, x);
            const double Lp = xb_net_loss(net, labels, R);
            w[j] = v0 - 1e-3f;
            xb_net_forward(net, &p, x);
            const double Lm = xb_net_loss(net, labels, R);
            w[j] = v0;
            const double num = (Lp - Lm) / ((double)(v0 + 1e-3f) - (double)(v0 - 1e-3f));
            const double a = (double)ana[j];
            cr_assert(fabs(num - a) <= 1e-2 * fmax(fabs(num), fabs(a)) + 2e-4,
                      "%s noise, layer %zu parameter %zu: analytic %.6g, numeric %.6g",
                      xb_noise_kind_name(kind), k, i, a, num);
            sigma_checked += (k & 1) && a != 0.0;
        }
    }
    cr_assert_eq(sigma_checked, 4u + 3u, "a learned std got no gradient");
    xb_free(ana);
    xb_net_free(net);
}

Test(lr, learned_sigma_backprop_gradients_add) { learned_sigma_grad_check(XB_NOISE_ADD); }
Test(lr, learned_sigma_backprop_gradients_mult) { learned_sigma_grad_check(XB_NOISE_MULT); }

/* ---- training: the projection, threads, refusals, the table ----------- */

#define FEAT 100
#define N_TRAIN 64
/* copies x batch x HIDDEN = 8 · 16 · 160 > XB_LAYER_PAR_MIN: the score loops run in parallel. */
#define HIDDEN 160

static void synth(float *X, uint8_t *y)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream s = xb_stream_at(11, &a);
    xb_normal_fill(&s, 0, N_TRAIN * FEAT, X);
    for (int n = 0; n < N_TRAIN; n++) {
        y[n] = (uint8_t)(n % 10);
        X[n * FEAT + y[n]] += 2.0f; /* a learnable class signal */
    }
}

static struct xb_net *mlp(size_t rows, const char *between)
{
    struct xb_net_config cfg = {.input = {FEAT, 1, 1}, .classes = 10,
                                .gemm = XB_GEMM_PORTABLE};
    size_t n = 0;
    cfg.layers[n++] = lc("dense", HIDDEN, 0);
    if (between)
        cfg.layers[n++] = lc(between, 0, 0);
    cfg.layers[n++] = lc("noise", 0, 1);
    cfg.layers[n++] = lc("relu", 0, 0);
    cfg.layers[n++] = lc("dense", 10, 0);
    cfg.layers[n++] = lc("noise", 0, 1);
    cfg.n_layers = n;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 5);
    return net;
}

static void lr_params(struct xb_train_params *tp, enum xb_train_algorithm a)
{
    xb_train_params_default(tp);
    tp->algorithm = a;
    tp->batch = 16;
    tp->lr.copies = 8;
    tp->noise = XB_NOISE_ADD;
    tp->sigma = 1.0;
    tp->optim.lr = 0.01;
}

/* Trains `epochs` epochs of algorithm a on the synthetic set; the
 * parameters into out (n_params floats). */
static void train(enum xb_train_algorithm a, int switch_epoch, int epochs, float *out,
                  size_t *n)
{
    float *X = xb_malloc(N_TRAIN * FEAT, sizeof(float));
    uint8_t y[N_TRAIN];
    synth(X, y);
    struct xb_train_params tp;
    lr_params(&tp, a);
    tp.lr.switch_epoch = switch_epoch;
    struct xb_net *net = mlp(xb_train_rows(&tp), NULL);
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(xb_trainer_algorithm(t), xb_train_algorithm_names[a]);
    for (int e = 0; e < epochs; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, t, X, y, N_TRAIN, &loss), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert(isfinite(loss));
    }
    *n = xb_net_n_params(net);
    memcpy(out, xb_net_params(net), *n * sizeof(float));
    xb_trainer_free(t);
    xb_net_free(net);
    xb_free(X);
}

#define MAX_P 32768

Test(lr, bit_identical_for_1_and_2_threads)
{
    static float p[2][MAX_P];
    size_t n[2];
    const enum xb_train_algorithm algs[] = {XB_TRAIN_NIT, XB_TRAIN_NIT_S};
    for (int a = 0; a < 2; a++) {
        for (int th = 0; th < 2; th++) {
            xb_omp_set_threads(th + 1);
            train(algs[a], 0, 2, p[th], &n[th]);
        }
        xb_omp_set_threads(2);
        cr_assert_eq(n[0], n[1]);
        cr_assert(!memcmp(p[0], p[1], n[0] * sizeof(float)), "%s: parameters differ between "
                  "1 and 2 threads", xb_train_algorithm_names[algs[a]]);
    }
}

/* The learned stds stay in [sigma_min, sigma_max]: a step large enough to
 * push them out lands them on the bounds; xb_lr_project clamps by hand-set
 * values. */
Test(lr, sigma_projection)
{
    struct xb_train_params tp;
    lr_params(&tp, XB_TRAIN_NIT);
    tp.lr.sigma_min = 0.9;
    tp.lr.sigma_max = 1.05;
    tp.optim.kind = XB_OPTIM_SGD;
    tp.optim.lr = 5.0; /* far outside in one step */
    tp.optim.beta1 = 0.0;
    float *X = xb_malloc(N_TRAIN * FEAT, sizeof(float));
    uint8_t y[N_TRAIN];
    synth(X, y);
    struct xb_net *net = mlp(xb_train_rows(&tp), NULL);
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK, "%s", xb_ctx_error(ctx));
    double loss;
    cr_assert_eq(xb_trainer_epoch(ctx, t, X, y, N_TRAIN, &loss), XB_OK, "%s", xb_ctx_error(ctx));
    size_t at_bound = 0, total = 0;
    for (size_t k = 1; k < xb_net_n_layers(net); k += 3) {
        const struct xb_layer *l = xb_net_layer(net, k);
        for (size_t i = 0; i < l->n_params; i++, total++) {
            cr_assert(l->params[i] >= 0.9f && l->params[i] <= 1.05f, "layer %zu sigma %zu = %g",
                      k, i, (double)l->params[i]);
            at_bound += l->params[i] == 0.9f || l->params[i] == 1.05f;
        }
    }
    cr_assert(total == HIDDEN + 10 && at_bound > total / 2, "%zu of %zu stds on a bound", at_bound,
              total);
    xb_trainer_free(t);

    struct xb_lr *lr;
    cr_assert_eq(xb_lr_create(ctx, net, &tp, &lr), XB_OK);
    float *s = xb_net_layer(net, 1)->params;
    s[0] = 0.001f, s[1] = 50.0f, s[2] = 1.0f;
    xb_lr_project(lr);
    cr_assert(s[0] == 0.9f && s[1] == 1.05f && s[2] == 1.0f);
    xb_lr_free(lr);
    xb_net_free(net);
    xb_free(X);
}

/* The table picks the trainer the key names: nit-s and nit differ after
 * one epoch; nit-s+ is nit-s before its switch epoch and nit from it. */
Test(lr, algorithm_table_selects_the_trainer)
{
    static float nit[MAX_P], nits[MAX_P], plus0[MAX_P], plus1[MAX_P], bp[MAX_P];
    size_t n;
    train(XB_TRAIN_NIT, 0, 1, nit, &n);
    train(XB_TRAIN_NIT_S, 0, 1, nits, &n);
    train(XB_TRAIN_NIT_S_PLUS, 1, 1, plus1, &n);
    train(XB_TRAIN_NIT_S_PLUS, 0, 1, plus0, &n);
    train(XB_TRAIN_BACKPROP, 0, 1, bp, &n);
    const size_t bytes = n * sizeof(float);
    cr_assert(memcmp(nit, nits, bytes), "nit and nit-s trained alike");
    cr_assert(memcmp(nit, bp, bytes) && memcmp(nits, bp, bytes), "an LR trainer ran backprop");
    cr_assert(!memcmp(plus1, nits, bytes), "nit-s+ before its switch epoch is not nit-s");
    cr_assert(!memcmp(plus0, nit, bytes), "nit-s+ after its switch epoch is not nit");

    struct xb_train_params tp;
    xb_train_params_default(&tp);
    cr_assert_eq(xb_train_algorithm_of(&tp), XB_TRAIN_BACKPROP);
    tp.hw_aware = 1; /* the flag from before the table */
    cr_assert_eq(xb_train_algorithm_of(&tp), XB_TRAIN_HW_AWARE);
    lr_params(&tp, XB_TRAIN_NIT);
    cr_assert_eq(xb_train_rows(&tp), 16u * 8u);
}

static void expect_refusal(const char *between, int learn, const char *want)
{
    struct xb_train_params tp;
    lr_params(&tp, XB_TRAIN_NIT);
    struct xb_net *net = mlp(xb_train_rows(&tp), between);
    if (!learn) { /* the same net with a fixed-std noise layer */
        xb_net_free(net);
        struct xb_net_config cfg = {.input = {FEAT, 1, 1}, .classes = 10, .n_layers = 2};
        cfg.layers[0] = lc("dense", 10, 0);
        cfg.layers[1] = lc("noise", 0, 0);
        cr_assert_eq(xb_net_create(ctx, &cfg, xb_train_rows(&tp), &net), XB_OK);
    }
    struct xb_trainer *t = NULL;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(xb_ctx_error(ctx), want), "message: %s", xb_ctx_error(ctx));
    xb_net_free(net);
}

Test(lr, refuses_what_it_cannot_train)
{
    expect_refusal("batchnorm", 1, "layer 2 (noise) follows layer 1 (batchnorm), which is not "
                   "affine");
    expect_refusal(NULL, 0, "layer 1 (noise) needs learn_sigma = true");

    /* Multiplicative noise: the score is that of additive noise. */
    struct xb_train_params tp;
    lr_params(&tp, XB_TRAIN_NIT);
    tp.noise = XB_NOISE_MULT;
    struct xb_net *net = mlp(xb_train_rows(&tp), NULL);
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK);
    float X[N_TRAIN * FEAT] = {0};
    uint8_t y[N_TRAIN] = {0};
    double loss;
    cr_assert_eq(xb_trainer_epoch(ctx, t, X, y, N_TRAIN, &loss), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "additive noise"), "%s", xb_ctx_error(ctx));
    xb_trainer_free(t);
    xb_net_free(net);

    /* A baseline needs a second copy. */
    lr_params(&tp, XB_TRAIN_NIT);
    tp.lr.copies = 1;
    tp.lr.baseline = 1;
    net = mlp(xb_train_rows(&tp), NULL);
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "copies >= 2"), "%s", xb_ctx_error(ctx));
    xb_net_free(net);
}
