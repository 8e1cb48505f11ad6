/*
 * Likelihood-ratio training of spiking nets (models/train/xb_lr.h over the
 * lif layer's lr_score, models/layers/layer_lif.c): the estimate against a
 * brute-force computation of paper 000 eq. 8 from the forward's own trace
 * (inputs x^t and normals ε^t of every step, xb_lif_trace_of), for NIT and
 * NIT-S, with and without the leave-one-out baseline; bit identity of NIT
 * and NIT-S training for 1 and 2 threads; the refusal of a lif layer
 * without learned stds.
 *
 * Brute force, per lif layer with learned stds sigma_i, s_i = sigma ·
 * sigma_i, for rows r (copy c of sample b is row c·m + b) with loss L_r and
 * coefficient coef_r = (L_r − β_r) / (C·m), β_r the mean loss of the other
 * copies of the sample (0 without baseline):
 *   dW_ij = Σ_r coef_r Σ_t x^t_rj ε^t_ri / s_i   (NIT-S: sgn(x^t_rj) sgn(ε^t_ri))
 *   db_i  = Σ_r coef_r Σ_t ε^t_ri / s_i           (NIT-S: sgn(ε^t_ri))
 *   dσ_i  = Σ_r coef_r Σ_t ((ε^t_ri)² − 1) / sigma_i
 * summed here in double. The layer sums the same N = C·m·T terms in float
 * (each term's factor coef_r ε / s rounded to float once, the sum by the
 * fixed-order GEMM, the result rounded to float), so by the standard
 * bound for a recursive float sum, |got − want| ≤ (N + 2) u Σ|terms| with
 * u = 2^-24 (any order of the additions): that is the tolerance. A row or
 * step read from the wrong place changes a coordinate by a whole term,
 * far above it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_loss.h"
#include "xb_lr.h"
#include "xb_net.h"
#include "xb_omp.h"
#include "xb_rng.h"
#include "xb_spike.h"
#include "xb_train.h"

static struct xb_ctx *ctx;
static void setup(void) { ctx = xb_ctx_create(NULL); }
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(lr_snn, .init = setup, .fini = teardown);

/* encode (T steps, direct: the analog input, signs included, at every
 * step) → lif (H neurons, spikes) → lif (K, membrane sum), both lif layers
 * with learned stds. */
static struct xb_net *snn(int F, int T, int H, int K, size_t rows, int learn)
{
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = K, .n_layers = 3,
                                .gemm = XB_GEMM_PORTABLE};
    snprintf(cfg.layers[0].type, sizeof cfg.layers[0].type, "encode");
    cfg.layers[0].steps = T;
    cfg.layers[0].encoding = XB_ENCODE_DIRECT;
    for (int k = 1; k < 3; k++) {
        snprintf(cfg.layers[k].type, sizeof cfg.layers[k].type, "lif");
        cfg.layers[k].leak = 0.5;
        cfg.layers[k].learn_sigma = learn;
    }
    cfg.layers[1].units = H;
    cfg.layers[1].threshold = 0.5;
    cfg.layers[2].units = K;
    cfg.layers[2].readout = XB_READOUT_MEMBRANE_SUM;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 9);
    return net;
}

static double sgn(double v) { return (double)((v > 0.0) - (v < 0.0)); }

/* Checks layer k's gradients against the brute force; returns Σ|want|. */
static double check_layer(struct xb_net *net, size_t k, const double *coef, double sigma,
                          int sign)
{
    const struct xb_layer *l = xb_net_layer(net, k);
    struct xb_lif_trace tr;
    cr_assert(xb_lif_trace_of(l, &tr));
    const size_t R = tr.rows, T = tr.steps, in = tr.in, U = tr.units;
    cr_assert_eq(l->n_params, U * in + 2 * U);
    const float *sig = l->params + U * in + U;
    const double u = 0x1p-24, N = (double)(R * T);
    double total = 0.0;
    for (size_t i = 0; i < U; i++) {
        const double s = sigma * (double)sig[i];
        for (size_t j = 0; j <= in; j++) { /* j = in: the bias (x = 1) */
            double want = 0.0, mag = 0.0;
            for (size_t r = 0; r < R; r++)
                for (size_t t = 0; t < T; t++) {
                    const double e = (double)tr.se[(r * T + t) * U + i];
                    const double x = j < in ? (double)tr.x[(r * T + t) * in + j] : 1.0;
                    const double term = sign ? coef[r] * sgn(x) * sgn(e) : coef[r] * x * e / s;
                    want += term;
                    mag += fabs(term);
                }
            const double got = (double)l->grads[j < in ? i * in + j : U * in + i];
            cr_assert(fabs(got - want) <= (N + 2.0) * u * mag + 1e-30,
                      "layer %zu, %s %zu of neuron %zu: got %.9g, brute force %.9g (sign %d)",
                      k, j < in ? "weight" : "bias", j, i, got, want, sign);
            total += fabs(want);
        }
        double want = 0.0, mag = 0.0;
        for (size_t r = 0; r < R; r++)
            for (size_t t = 0; t < T; t++) {
                const double e = (double)tr.se[(r * T + t) * U + i];
                const double term = coef[r] * (e * e - 1.0) / (double)sig[i];
                want += term;
                mag += fabs(term);
            }
        const double got = (double)l->grads[U * in + U + i];
        cr_assert(fabs(got - want) <= (N + 3.0) * u * mag + 1e-30,
                  "layer %zu, sigma of neuron %zu: got %.9g, brute force %.9g", k, i, got, want);
        total += fabs(want);
    }
    return total;
}

static void brute_force(int sign, int baseline)
{
    enum { F = 5, T = 4, H = 6, K = 3, M = 2, C = 3 };
    xb_omp_set_threads(1);
    struct xb_net *net = snn(F, T, H, K, M * C, 1);
    for (size_t k = 1; k < 3; k++) { /* stds away from their init, per neuron */
        struct xb_layer *l = xb_net_layer(net, k);
        size_t n;
        float *sig = l->type->lr_sigma(l, &n);
        for (size_t i = 0; i < n; i++)
            sig[i] = 0.6f + 0.15f * (float)i + 0.1f * (float)k;
    }
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = M;
    tp.lr.copies = C;
    tp.lr.baseline = baseline;
    struct xb_lr *lr;
    cr_assert_eq(xb_lr_create(ctx, net, &tp, &lr), XB_OK, "%s", xb_ctx_error(ctx));
    float X[M * F];
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream st = xb_stream_at(21, &a);
    xb_normal_fill(&st, 0, M * F, X);
    const uint8_t y[M] = {2, 0};
    const double sigma = 0.9;
    struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = M,
                        .addr = {.sample0 = 4, .batch = M, .epoch = 1}, .seed = 5,
                        .noise = XB_NOISE_ADD, .sigma = sigma};
    double loss;
    cr_assert_eq(xb_lr_gradient(ctx, lr, &p, X, y, sign, &loss), XB_OK, "%s",
                 xb_ctx_error(ctx));
    /* each row's loss from the output the estimate saw, then coef */
    const float *out = xb_net_output(net, 2);
    const struct xb_loss_type *lt = xb_net_loss_type(net);
    double L[M * C], coef[M * C];
    for (size_t r = 0; r < M * C; r++)
        L[r] = lt->eval(out + r * K, &y[r % M], 1, K, NULL);
    for (size_t r = 0; r < M * C; r++) {
        double others = 0.0;
        for (size_t c = 0; c < C; c++)
            if (c * M + r % M != r)
                others += L[c * M + r % M];
        coef[r] = (L[r] - (baseline ? others / (C - 1) : 0.0)) / (double)(M * C);
    }
    /* the noise of each copy is its own (vote epoch·C + c) */
    struct xb_lif_trace t1;
    cr_assert(xb_lif_trace_of(xb_net_layer(net, 1), &t1));
    cr_assert(memcmp(t1.se, t1.se + M * T * H, M * T * H * sizeof(float)));
    const double s = (double)(float)sigma;
    const double total = check_layer(net, 1, coef, s, sign) + check_layer(net, 2, coef, s, sign);
    cr_assert_gt(total, 1e-3); /* not vacuous */
    xb_lr_free(lr);
    xb_net_free(net);
}

Test(lr_snn, nit_matches_brute_force) { brute_force(0, 0); }
Test(lr_snn, nit_baseline_matches_brute_force) { brute_force(0, 1); }
Test(lr_snn, nit_s_matches_brute_force) { brute_force(1, 1); }

/* 2 epochs of NIT and NIT-S on 64 random samples; sizes past the layers'
 * parallel thresholds (16·8 rows × 8 steps × 40 neurons). */
static void train(enum xb_train_algorithm alg, int threads, float *out, size_t *n)
{
    enum { F = 64, T = 8, H = 40, K = 10, N = 64 };
    xb_omp_set_threads(threads);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.algorithm = alg;
    tp.batch = 16;
    tp.lr.copies = 8;
    tp.lr.baseline = 1;
    tp.noise = XB_NOISE_ADD;
    tp.sigma = 1.0;
    tp.optim.lr = 0.01;
    struct xb_net *net = snn(F, T, H, K, xb_train_rows(&tp), 1);
    float *X = xb_malloc(N * F, sizeof(float));
    uint8_t y[N];
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream st = xb_stream_at(31, &a);
    xb_normal_fill(&st, 0, N * F, X);
    for (int i = 0; i < N; i++) {
        y[i] = (uint8_t)(i % K);
        X[i * F + y[i]] += 2.0f;
    }
    float *init = xb_malloc(xb_net_n_params(net), sizeof(float));
    memcpy(init, xb_net_params(net), xb_net_n_params(net) * sizeof(float));
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK, "%s", xb_ctx_error(ctx));
    for (int e = 0; e < 2; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, t, X, y, N, &loss), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert(isfinite(loss));
    }
    *n = xb_net_n_params(net);
    memcpy(out, xb_net_params(net), *n * sizeof(float));
    cr_assert(memcmp(out, init, *n * sizeof(float)), "training left the parameters alone");
    xb_trainer_free(t);
    xb_net_free(net);
    xb_free(init);
    xb_free(X);
}

Test(lr_snn, bit_identical_for_1_and_2_threads)
{
    static float p[2][8192];
    size_t n[2];
    const enum xb_train_algorithm algs[] = {XB_TRAIN_NIT, XB_TRAIN_NIT_S};
    for (int a = 0; a < 2; a++) {
        for (int th = 0; th < 2; th++)
            train(algs[a], th + 1, p[th], &n[th]);
        cr_assert_eq(n[0], n[1]);
        cr_assert(!memcmp(p[0], p[1], n[0] * sizeof(float)), "%s: parameters differ between 1 "
                  "and 2 threads", xb_train_algorithm_names[algs[a]]);
    }
    xb_omp_set_threads(2);
}

Test(lr_snn, refuses_lif_without_learned_stds)
{
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.algorithm = XB_TRAIN_NIT;
    tp.batch = 2;
    tp.lr.copies = 2;
    struct xb_net *net = snn(4, 2, 3, 2, xb_train_rows(&tp), 0);
    struct xb_trainer *t = NULL;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(xb_ctx_error(ctx), "layer 1 (lif) needs learn_sigma = true"), "%s",
              xb_ctx_error(ctx));
    xb_net_free(net);
}

/* The SNR of a sweep over a lif net with learned stds is the pooled one,
 * as for the noise layer's (test_lr.c): P = Σ I² / Σ s_j² over the currents
 * noise meets. Read without noise (the currents do not depend on the
 * stds), P with every std 1 gives Σ I² = P₁·rows·T·(H + K); with the hidden
 * stds 2 and the output stds 0.5 the units are rows·T·(4H + K/4). A layer
 * that counted its currents without their stds would give P₁ again. */
Test(lr_snn, noise_input_power_in_units_of_the_learned_stds)
{
    enum { F = 6, T = 5, H = 7, K = 3, ROWS = 4 };
    struct xb_net *net = snn(F, T, H, K, ROWS, 1);
    float X[ROWS * F];
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream st = xb_stream_at(5, &a);
    xb_normal_fill(&st, 0, ROWS * F, X);
    struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = ROWS, .addr = {.batch = ROWS},
                       .noise = XB_NOISE_NONE, .measure_power = 1};
    xb_net_forward(net, &p, X);
    const double p1 = xb_net_noise_input_power(net);
    cr_assert(p1 > 0.0);
    const double sum = p1 * ROWS * T * (H + K);
    const float std[3] = {0.0f, 2.0f, 0.5f};
    for (size_t k = 1; k < 3; k++) {
        const struct xb_layer *l = xb_net_layer(net, k);
        const size_t U = k == 1 ? H : K, in = k == 1 ? F : H;
        float *sig = (float *)l->params + U * in + U;
        for (size_t j = 0; j < U; j++)
            sig[j] = std[k];
    }
    xb_net_forward(net, &p, X);
    const double want = sum / (ROWS * T * (4.0 * H + K / 4.0));
    const double got = xb_net_noise_input_power(net);
    cr_assert(fabs(got - want) <= 1e-12 * want, "P = %.17g, want %.17g (P with unit stds %.17g)",
              got, want, p1);
    xb_net_free(net);
}
