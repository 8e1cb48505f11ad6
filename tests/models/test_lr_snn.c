/*
 * Likelihood-ratio training of spiking nets (models/train/xb_lr.h over the
 * lif layer's lr_score, models/layers/layer_lif.c): the estimate against a
 * brute-force computation of paper 000 eq. 8 from the forward's own trace
 * (inputs x^t and normals ε^t of every step, xb_lif_trace_of), for NIT and
 * NIT-S, with and without the leave-one-out baseline, direct and
 * rate-coded inputs; the first lif layer's product formed from the copies'
 * scores summed first (its input is the same for every copy), exactly and
 * against the per-row product, the second's per row (check_products);
 * the copies of a sample sharing its input spikes (and nothing else
 * changing its spikes); bit identity of NIT and NIT-S training for 1 and 2
 * threads; the refusal of a lif layer without learned stds.
 *
 * Brute force, per lif layer with learned stds sigma_i, s_i = sigma ·
 * sigma_i, for rows r (copy c of sample b is row c·m + b) with loss L_r and
 * coefficient coef_r = (L_r − β_r) / (C·m), β_r the mean loss of the other
 * copies of the sample (0 without baseline):
 *   dW_ij = Σ_r coef_r Σ_t x^t_rj ε^t_ri / s_i   (NIT-S: sgn(x^t_rj) sgn(ε^t_ri))
 *   db_i  = Σ_r coef_r Σ_t ε^t_ri / s_i           (NIT-S: sgn(ε^t_ri))
 *   dσ_i  = Σ_r coef_r Σ_t ((ε^t_ri)² − 1) / sigma_i
 * summed here in double. Per row, the layer would sum the same N = C·m·T
 * terms in float (each term's factor coef_r ε / s rounded to float once,
 * the sum by the fixed-order GEMM, the result rounded to float), so by the
 * standard bound for a recursive float sum, |got − want| ≤ (N + 2) u
 * Σ|terms| with u = 2^-24 (any order of the additions): that is the
 * tolerance. Where the copies' input is shared it sums m·T terms x · d, d
 * the copies' factors summed (2u each: check_products), within (m·T + 3) u
 * Σ|terms| <= (N + 2) u Σ|terms| for C >= 2: the same tolerance holds. A
 * row or step read from the wrong place changes a coordinate by a whole
 * term, far above it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_gemm.h"
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

/* encode (T steps; direct: the analog input, signs included, at every
 * step; or rate-coded spikes) → lif (H neurons, spikes) → lif (K, membrane
 * sum), both lif layers with learned stds. */
static struct xb_net *snn_coded(int F, int T, int H, int K, size_t rows, int learn,
                                enum xb_encoding enc)
{
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = K, .n_layers = 3,
                                .gemm = XB_GEMM_PORTABLE};
    snprintf(cfg.layers[0].type, sizeof cfg.layers[0].type, "encode");
    cfg.layers[0].steps = T;
    cfg.layers[0].encoding = enc;
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

static struct xb_net *snn(int F, int T, int H, int K, size_t rows, int learn)
{
    return snn_coded(F, T, H, K, rows, learn, XB_ENCODE_DIRECT);
}

static double sgn(double v) { return (double)((v > 0.0) - (v < 0.0)); }

/* What NIT-S multiplies sgn(ε) by for an input x: sgn(x), or with sign 3
 * (train.sign_spikes = "bipolar", a layer reading spikes) −1 for a silent
 * input, +1 for a spike. */
static double sx_of(int sign, double x) { return sign == 3 ? (x > 0.0 ? 1.0 : -1.0) : sgn(x); }

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
                    const double term = sign == 2 && x == 0.0 ? coef[r] /* sgn(0) = +1 */
                                        : sign ? coef[r] * sx_of(sign, x) * sgn(e)
                                               : coef[r] * x * e / s;
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

/* What lif layer k's W and b gradients are made of, as the old path formed
 * them for every layer: row r·T + t of the score dy_full = coef_r ε / s_i
 * (NIT-S: coef_r sgn(ε)) rounded to float as lif_lr_score does, and the
 * fixed-order GEMM over all R·T rows with the inputs x (NIT-S: sgn(x)). */
static void per_row_product(const struct xb_layer *l, const double *coef, double sigma, int sign,
                            float *dy, float *x, float *g)
{
    struct xb_lif_trace tr;
    cr_assert(xb_lif_trace_of(l, &tr));
    const size_t R = tr.rows, T = tr.steps, in = tr.in, U = tr.units;
    const float *sig = l->params + U * in + U;
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < T * U; i++) {
            const double e = (double)tr.se[r * T * U + i];
            dy[r * T * U + i] = sign ? (float)(e > 0.0 ? coef[r] : e < 0.0 ? -coef[r] : 0.0)
                                     : (float)(coef[r] * e / (sigma * (double)sig[i % U]));
        }
    for (size_t i = 0; i < R * T * in; i++)
        x[i] = sign ? (float)sx_of(sign, (double)tr.x[i]) : tr.x[i];
    memset(g, 0, (U * in + U) * sizeof(float));
    xb_gemm_dw(XB_GEMM_PORTABLE, dy, x, g, g + U * in, R * T, U, in);
}

/* The products of both lif layers against the per-row product. Layer 1's
 * input (the encoder's) is the same for the C copies of a sample: the
 * estimator sums their scores first, d_bt = fl(Σ_c dy_full[(c·m + b)·T +
 * t]) in double, c in order, and runs the GEMM over copy 0's m·T rows —
 * exactly these bits. Against the per-row product over all N = C·m·T rows
 * it agrees to float rounding: the collapsed sum has m·T terms x·d, each d
 * within 2u Σ_c|term| of its exact value (one rounding per copy's term,
 * one of the sum), so it is within (m·T + 3) u Σ|terms| of the exact
 * gradient, the per-row product within (N + 2) u Σ|terms| (check_layer),
 * and the two within the sum of both. Layer 2's input differs per copy
 * (layer 1's noisy spikes): its product stays the per-row one, bit for
 * bit. */
static void check_products(struct xb_net *net, const double *coef, double sigma, int sign,
                           int sign2, size_t C)
{
    struct xb_lif_trace tr;
    const struct xb_layer *l1 = xb_net_layer(net, 1), *l2 = xb_net_layer(net, 2);
    cr_assert(xb_lif_trace_of(l1, &tr));
    const size_t R = tr.rows, T = tr.steps, in = tr.in, U = tr.units, n = R / C * T;
    const size_t big = R * T * (in > U ? in : U);
    float *dy = xb_malloc(big, sizeof(float)), *x = xb_malloc(big, sizeof(float));
    float *old = xb_malloc(U * in + U, sizeof(float)), *col = xb_malloc(U * in + U, sizeof(float));
    per_row_product(l1, coef, sigma, sign, dy, x, old);
    cr_assert(!memcmp(x, x + n * in, (R * T - n) * in * sizeof(float)),
              "the copies' inputs of layer 1 differ: nothing to share");
    for (size_t i = 0; i < n * U; i++) {
        double a = (double)dy[i];
        for (size_t c = 1; c < C; c++)
            a += (double)dy[c * n * U + i];
        dy[i] = (float)a;
    }
    memset(col, 0, (U * in + U) * sizeof(float));
    xb_gemm_dw(XB_GEMM_PORTABLE, dy, x, col, col + U * in, n, U, in);
    cr_assert(!memcmp(l1->grads, col, (U * in + U) * sizeof(float)),
              "layer 1: not the copies' scores summed first (sign %d)", sign);
    /* to float rounding of the per-row product: Σ|terms| by coordinate */
    per_row_product(l1, coef, sigma, sign, dy, x, col);
    const double u = 0x1p-24, N = (double)(R * T), tol = N + (double)n + 5.0;
    for (size_t i = 0; i < U; i++)
        for (size_t j = 0; j <= in; j++) {
            double mag = 0.0;
            for (size_t r = 0; r < R * T; r++)
                mag += fabs((double)dy[r * U + i] * (j < in ? (double)x[r * in + j] : 1.0));
            const size_t k = j < in ? i * in + j : U * in + i;
            cr_assert(fabs((double)l1->grads[k] - (double)old[k]) <= tol * u * mag + 1e-30,
                      "layer 1, parameter %zu: collapsed %.9g, per-row %.9g", k,
                      (double)l1->grads[k], (double)old[k]);
        }
    xb_free(old), xb_free(col);
    struct xb_lif_trace t2;
    cr_assert(xb_lif_trace_of(l2, &t2));
    const size_t np2 = t2.units * t2.in + t2.units;
    float *g2 = xb_malloc(np2, sizeof(float));
    per_row_product(l2, coef, sigma, sign2, dy, x, g2);
    cr_assert(!memcmp(l2->grads, g2, np2 * sizeof(float)),
              "layer 2 (inputs differ per copy): not the per-row product");
    xb_free(g2), xb_free(dy), xb_free(x);
}

/* sign: 0 NIT, 1 NIT-S, 2 NIT-S with train.sign_zero = "plus" (sgn(0) = +1,
 * paper 000 eq. 3 as written), 3 NIT-S with train.sign_spikes = "bipolar"
 * (a layer that reads spikes scores a silent input as −1: both layers of a
 * rate-coded net, the second alone of a direct one; paper 000 §3.3). */
static void brute_force(int sign, int baseline, enum xb_encoding enc)
{
    enum { F = 5, T = 4, H = 6, K = 3, M = 2, C = 3 };
    xb_omp_set_threads(1);
    struct xb_net *net = snn_coded(F, T, H, K, M * C, 1, enc);
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
    tp.lr.sign_zero_plus = sign == 2;
    tp.lr.sign_bipolar = sign == 3;
    struct xb_lr *lr;
    cr_assert_eq(xb_lr_create(ctx, net, &tp, &lr), XB_OK, "%s", xb_ctx_error(ctx));
    float X[M * F];
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream st = xb_stream_at(21, &a);
    xb_normal_fill(&st, 0, M * F, X);
    X[1] = X[F + 3] = 0.0f; /* black pixels: sgn(0) = 0 where the input is analog */
    const uint8_t y[M] = {2, 0};
    const double sigma = 0.9;
    struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = M,
                        .addr = {.sample0 = 4, .batch = M, .epoch = 1}, .seed = 5,
                        .noise = XB_NOISE_ADD, .sigma = sigma};
    double loss;
    cr_assert_eq(xb_lr_gradient(ctx, lr, &p, X, y, sign != 0, &loss), XB_OK, "%s",
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
    const int sign1 = sign == 3 && enc == XB_ENCODE_DIRECT ? 1 : sign; /* analog: sgn(x) */
    const double total = check_layer(net, 1, coef, s, sign1) + check_layer(net, 2, coef, s, sign);
    cr_assert_gt(total, 1e-3); /* not vacuous */
    if (sign != 2)
        check_products(net, coef, s, sign1, sign, C);
    xb_lr_free(lr);
    xb_net_free(net);
}

Test(lr_snn, nit_matches_brute_force) { brute_force(0, 0, XB_ENCODE_DIRECT); }
Test(lr_snn, nit_baseline_matches_brute_force) { brute_force(0, 1, XB_ENCODE_DIRECT); }
Test(lr_snn, nit_s_matches_brute_force) { brute_force(1, 1, XB_ENCODE_DIRECT); }
/* Rate-coded: the copies share their sample's spikes (xb_pass.copies). */
Test(lr_snn, nit_spikes_matches_brute_force) { brute_force(0, 0, XB_ENCODE_BERNOULLI); }
Test(lr_snn, nit_spikes_baseline_matches_brute_force) { brute_force(0, 1, XB_ENCODE_BERNOULLI); }
Test(lr_snn, nit_s_spikes_matches_brute_force) { brute_force(1, 1, XB_ENCODE_POISSON); }
/* sgn(0) = +1: every silent input (no spike) of both layers scores +1, the
 * first layer's summed over the copies that share its spikes. */
Test(lr_snn, nit_s_sign_zero_plus_matches_brute_force) { brute_force(2, 0, XB_ENCODE_BERNOULLI); }
Test(lr_snn, nit_s_sign_zero_plus_baseline_matches_brute_force)
{
    brute_force(2, 1, XB_ENCODE_POISSON);
}
/* Bipolar spikes: a silent input scores −sgn(ε), on the spikes of both
 * layers of a rate-coded net (the first summed over the copies that share
 * them), on the second layer's alone where the first reads the analog
 * image. */
Test(lr_snn, nit_s_bipolar_matches_brute_force) { brute_force(3, 1, XB_ENCODE_BERNOULLI); }
Test(lr_snn, nit_s_bipolar_no_baseline_matches_brute_force)
{
    brute_force(3, 0, XB_ENCODE_POISSON);
}
Test(lr_snn, nit_s_bipolar_direct_matches_brute_force) { brute_force(3, 1, XB_ENCODE_DIRECT); }

/* The input spikes of a likelihood-ratio pass (the encoder's output, C
 * copies of M samples, every sample the same image): equal for the copies
 * of a sample; those of a plain training pass of the M samples at the same
 * epoch (the sample and the epoch address them, not the copy); different
 * for different samples and epochs. A pass that is not likelihood-ratio
 * (copies unset) keeps a draw per vote. */
Test(lr_snn, copies_share_their_sample_input_spikes)
{
    enum { F = 24, T = 5, H = 4, K = 3, M = 3, C = 4 };
    const size_t n = M * T * F; /* one copy's spikes */
    struct xb_net *net = snn_coded(F, T, H, K, M * C, 1, XB_ENCODE_BERNOULLI);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = M;
    tp.lr.copies = C;
    struct xb_lr *lr;
    cr_assert_eq(xb_lr_create(ctx, net, &tp, &lr), XB_OK, "%s", xb_ctx_error(ctx));
    float X[M * F];
    for (size_t i = 0; i < M * F; i++)
        X[i] = 0.5f;
    const uint8_t y[M] = {0, 1, 2};
    float *ep[2] = {xb_malloc(n, sizeof(float)), xb_malloc(n, sizeof(float))};
    for (uint32_t e = 0; e < 2; e++) {
        struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = M,
                            .addr = {.sample0 = 7, .batch = M, .epoch = 2 + e}, .seed = 3,
                            .noise = XB_NOISE_ADD, .sigma = 1.0};
        double loss;
        cr_assert_eq(xb_lr_gradient(ctx, lr, &p, X, y, 0, &loss), XB_OK, "%s",
                     xb_ctx_error(ctx));
        const float *s = xb_net_output(net, 0);
        for (size_t c = 1; c < C; c++)
            cr_assert(!memcmp(s, s + c * n, n * sizeof(float)),
                      "epoch %u: copy %zu's input spikes are not copy 0's", 2 + e, c);
        double ones = 0.0;
        for (size_t i = 0; i < n; i++)
            ones += (double)s[i];
        cr_assert(ones > 0.0 && ones < (double)n, "no spikes to compare");
        for (size_t b = 1; b < M; b++)
            cr_assert(memcmp(s, s + b * T * F, T * F * sizeof(float)),
                      "samples 0 and %zu drew the same spikes", b);
        memcpy(ep[e], s, n * sizeof(float));
        /* a plain training pass of the same samples and epoch: the same spikes */
        xb_net_forward(net, &p, X);
        cr_assert(!memcmp(xb_net_output(net, 0), ep[e], n * sizeof(float)),
                  "epoch %u: not the spikes a training pass draws for these samples", 2 + e);
    }
    cr_assert(memcmp(ep[0], ep[1], n * sizeof(float)), "epochs 2 and 3 drew the same spikes");
    float X2[2 * M * F];
    for (size_t i = 0; i < 2 * M * F; i++)
        X2[i] = 0.5f;
    struct xb_pass v = {.phase = XB_PHASE_TRAIN, .rows = 2 * M,
                        .addr = {.sample0 = 7, .batch = M, .vote0 = 2}, .seed = 3};
    xb_net_forward(net, &v, X2);
    const float *s = xb_net_output(net, 0);
    cr_assert(!memcmp(s, ep[0], n * sizeof(float)), "vote 2's spikes changed");
    cr_assert(memcmp(s, s + n, n * sizeof(float)), "without copies, votes 2 and 3 share spikes");
    cr_assert(!memcmp(s + n, ep[1], n * sizeof(float)), "vote 3's spikes changed");
    xb_free(ep[0]), xb_free(ep[1]);
    xb_lr_free(lr);
    xb_net_free(net);
}

/* A pass whose rows are equal blocks shares what is equal (xb_pass
 * replicas): the encoder's spikes and the first lif's product once, the
 * neurons' noise per copy. Same bits as computing every copy: the
 * outputs, and each lif layer's trace (membranes, spikes, inputs, noise),
 * for a likelihood-ratio TRAIN pass (copies, Bernoulli spikes) and for the
 * EVAL votes of a direct-coded net. In portable mode: OpenBLAS may round
 * a product of fewer rows otherwise (native mode promises no bits). */
static void check_shared(enum xb_phase phase, enum xb_encoding enc)
{
    enum { F = 24, T = 5, H = 40, K = 3, M = 6, C = 8, R = M * C };
    struct xb_net *nets[2];
    for (int k = 0; k < 2; k++)
        nets[k] = snn_coded(F, T, H, K, R, 1, enc);
    float X[R * F];
    for (size_t b = 0; b < M; b++)
        for (size_t f = 0; f < F; f++)
            X[b * F + f] = (float)((b * 7 + f * 3) % 11) / 10.0f;
    for (size_t c = 1; c < C; c++)
        memcpy(X + c * M * F, X, M * F * sizeof(float));
    for (int k = 0; k < 2; k++) {
        struct xb_pass p = {.phase = phase, .rows = R,
                            .addr = {.sample0 = 5, .batch = M, .vote0 = 16}, .seed = 3,
                            .noise = XB_NOISE_ADD, .sigma = 0.7,
                            .copies = phase == XB_PHASE_TRAIN ? C : 0,
                            .replicas = k ? C : 0};
        xb_net_forward(nets[k], &p, X);
    }
    const size_t no = (size_t)R * K;
    cr_assert(!memcmp(xb_net_output(nets[0], 2), xb_net_output(nets[1], 2), no * sizeof(float)),
              "phase %d: the shared pass's outputs differ", phase);
    for (size_t l = 1; l < 3; l++) {
        struct xb_lif_trace a, b;
        cr_assert(xb_lif_trace_of(xb_net_layer(nets[0], l), &a));
        cr_assert(xb_lif_trace_of(xb_net_layer(nets[1], l), &b));
        const size_t nu = a.rows * a.steps * a.units, nx = a.rows * a.steps * a.in;
        cr_assert(a.rows == R && b.rows == R);
        cr_assert(!memcmp(a.u, b.u, nu * sizeof(float)), "phase %d, layer %zu: membranes differ",
                  phase, l);
        cr_assert(!memcmp(a.s, b.s, nu * sizeof(float)), "layer %zu: spikes differ", l);
        cr_assert(!memcmp(a.se, b.se, nu * sizeof(float)), "layer %zu: noise differs", l);
        cr_assert(!memcmp(a.x, b.x, nx * sizeof(float)), "layer %zu: inputs differ", l);
    }
    /* power: the copies differ (their own noise), so nothing was merely copied */
    const float *o = xb_net_output(nets[1], 2);
    cr_assert(memcmp(o, o + (size_t)M * K, (size_t)M * K * sizeof(float)),
              "copies 0 and 1 read the same: the noise was shared too");
    xb_net_free(nets[0]), xb_net_free(nets[1]);
}

Test(lr_snn, shared_copies_are_the_same_bits)
{
    check_shared(XB_PHASE_TRAIN, XB_ENCODE_BERNOULLI);
    check_shared(XB_PHASE_EVAL, XB_ENCODE_DIRECT);
}

/* 2 epochs of NIT and NIT-S on 64 random samples; sizes past the layers'
 * parallel thresholds (16·8 rows × 8 steps × 40 neurons). */
/* read: 1 sign_zero = "plus", 2 sign_spikes = "bipolar" (else neither) */
static void train(enum xb_train_algorithm alg, enum xb_encoding enc, int read, int threads,
                  float *out, size_t *n)
{
    enum { F = 64, T = 8, H = 40, K = 10, N = 64 };
    xb_omp_set_threads(threads);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.algorithm = alg;
    tp.batch = 16;
    tp.lr.copies = 8;
    tp.lr.baseline = read != 1; /* plus: its drift whole, as the paper has no baseline */
    tp.lr.sign_zero_plus = read == 1;
    tp.lr.sign_bipolar = read == 2;
    tp.noise = XB_NOISE_ADD;
    tp.sigma = 1.0;
    tp.optim.lr = 0.01;
    struct xb_net *net = snn_coded(F, T, H, K, xb_train_rows(&tp), 1, enc);
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
    /* direct, then Bernoulli spikes (shared by the copies), then NIT-S with
     * sgn(0) = +1 and with bipolar spikes */
    for (int a = 0; a < 6; a++) {
        const enum xb_encoding enc = a < 2 ? XB_ENCODE_DIRECT : XB_ENCODE_BERNOULLI;
        const enum xb_train_algorithm alg = a >= 4 ? XB_TRAIN_NIT_S : algs[a % 2];
        const int read = a >= 4 ? a - 3 : 0;
        for (int th = 0; th < 2; th++)
            train(alg, enc, read, th + 1, p[th], &n[th]);
        cr_assert_eq(n[0], n[1]);
        cr_assert(!memcmp(p[0], p[1], n[0] * sizeof(float)), "%s, %s%s: parameters differ "
                  "between 1 and 2 threads", xb_train_algorithm_names[alg],
                  xb_encoding_names[enc],
                  read == 1 ? ", sign_zero plus" : read == 2 ? ", bipolar spikes" : "");
    }
    xb_omp_set_threads(2);
}

/* Likelihood-ratio training of alg on 2 samples × 2 copies. */
static struct xb_train_params small_params(enum xb_train_algorithm alg)
{
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.algorithm = alg;
    tp.batch = 2;
    tp.lr.copies = 2;
    return tp;
}

/* The trainer refuses net under tp with XB_EINVAL, no trainer, and an
 * error that says what. */
static void check_refused(struct xb_net *net, const struct xb_train_params *tp, const char *what)
{
    struct xb_trainer *t = NULL;
    cr_assert_eq(xb_trainer_create(ctx, net, tp, &t), XB_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(xb_ctx_error(ctx), what), "%s", xb_ctx_error(ctx));
}

Test(lr_snn, refuses_lif_without_learned_stds)
{
    const struct xb_train_params tp = small_params(XB_TRAIN_NIT);
    struct xb_net *net = snn(4, 2, 3, 2, xb_train_rows(&tp), 0);
    check_refused(net, &tp, "layer 1 (lif) needs learn_sigma = true");
    xb_net_free(net);
}

/* train.sign_spikes = "bipolar" with nothing to read as −1/+1 (one lif
 * layer on the analog image), and beside sign_zero = "plus" (no input of a
 * bipolar site is 0): refused, naming the key, rather than ignored. */
Test(lr_snn, refuses_bipolar_spikes_it_cannot_apply)
{
    struct xb_train_params tp = small_params(XB_TRAIN_NIT_S);
    tp.lr.sign_bipolar = 1;
    struct xb_net_config cfg = {.input = {4, 1, 1}, .classes = 3, .n_layers = 2};
    snprintf(cfg.layers[0].type, sizeof cfg.layers[0].type, "encode");
    cfg.layers[0].steps = 3;
    snprintf(cfg.layers[1].type, sizeof cfg.layers[1].type, "lif");
    cfg.layers[1].units = 3;
    cfg.layers[1].learn_sigma = 1;
    cfg.layers[1].readout = XB_READOUT_MEMBRANE_SUM;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, xb_train_rows(&tp), &net), XB_OK, "%s",
                 xb_ctx_error(ctx));
    check_refused(net, &tp, "train.sign_spikes = \"bipolar\" but no noisy layer reads spikes");
    xb_net_free(net);
    net = snn_coded(4, 3, 5, 3, xb_train_rows(&tp), 1, XB_ENCODE_BERNOULLI);
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK, "%s", xb_ctx_error(ctx));
    xb_trainer_free(t);
    tp.lr.sign_zero_plus = 1;
    check_refused(net, &tp, "with sign_zero = \"plus\"");
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
