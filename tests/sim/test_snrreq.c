/*
 * The SNR requirement (sim/study/xb_snrreq.h) on a model whose accuracy
 * under noise is known in closed form.
 *
 * The model: two inputs, dense 2 -> 2 with W = I and b = 0, then a noise
 * layer, so the logits are the inputs z. Sample i of class y has z_y = a_i
 * > z_o = b_i >= 0. Under multiplicative noise z_c (1 + sigma eps_c) it is
 * classified right iff (a - b) + sigma (a eps_y - b eps_o) > 0, with
 * probability p_i = Phi(d_i / (sigma s_i)), d_i = a_i - b_i,
 * s_i = sqrt(a_i^2 + b_i^2); under additive noise z_c + sigma eps_c,
 * p_i = Phi(d_i / (sigma sqrt 2)). The majority of K (odd) independent
 * votes between two classes is right with B_K(p) = P(Binomial(K, p) > K/2).
 * So the expected accuracy over the noise is
 *   acc(sigma) = (1/n) sum_i B_K(p_i(sigma)),
 * exactly, for this test set, decreasing in sigma (every d_i > 0), and the
 * known answer sigma_true solves acc(sigma_true) = acc0 - loss with
 * acc0 = 1.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_eval.h"
#include "xb_omp.h"
#include "xb_snrreq.h"
#include "xb_test_net.h"

#define N 1000
#define ROWS 600
#define R 5
#define LOSS 0.10

static float X[2 * N];
static uint8_t Y[N];

/* Deterministic, well spread margins: a in [1, 1.5], b in [0, 0.6]. */
static void make_data(void)
{
    for (int i = 0; i < N; i++) {
        double u = fmod(0.5 + i * 0.6180339887498949, 1.0);
        double v = fmod(0.25 + i * 0.4142135623730950, 1.0);
        int y = i % 2;
        Y[i] = (uint8_t)y;
        X[2 * i + y] = (float)(1.0 + 0.5 * u);
        X[2 * i + 1 - y] = (float)(0.6 * v);
    }
}

static struct xb_net *linear_net(struct xb_ctx *ctx, int with_noise)
{
    struct xb_net_config cfg = {.input = {1, 1, 2}, .classes = 2, .gemm = XB_GEMM_PORTABLE};
    cfg.layers[cfg.n_layers++] = xb_test_layer("flatten", 0);
    cfg.layers[cfg.n_layers++] = xb_test_layer("dense", 2);
    if (with_noise)
        cfg.layers[cfg.n_layers++] = xb_test_layer("noise", 0);
    struct xb_net *net = xb_test_net(ctx, &cfg, ROWS);
    float *p = xb_net_params(net);
    memset(p, 0, xb_net_n_params(net) * sizeof *p);
    p[0] = p[3] = 1; /* W = I (row-major 2 x 2), then b = 0 */
    return net;
}

/* P(Binomial(K, p) > K / 2), K odd. */
static double majority(double p, int K)
{
    double s = 0;
    for (int j = K / 2 + 1; j <= K; j++)
        s += gsl_sf_choose((unsigned)K, (unsigned)j) * pow(p, j) * pow(1 - p, K - j);
    return s;
}

/* The closed-form mean accuracy and the variance of one repeat's. */
static void truth(enum xb_noise_kind noise, int K, double sigma, double *acc, double *var)
{
    double s = 0, v = 0;
    for (int i = 0; i < N; i++) {
        double a = X[2 * i + Y[i]], b = X[2 * i + 1 - Y[i]];
        double scale = noise == XB_NOISE_MULT ? sqrt(a * a + b * b) : sqrt(2.0);
        double q = majority(gsl_cdf_ugaussian_P((a - b) / (sigma * scale)), K);
        s += q;
        v += q * (1 - q);
    }
    *acc = s / N;
    *var = v / ((double)N * N);
}

/* sigma_true: bisection in log sigma to 1e-12 relative. */
static double sigma_true(enum xb_noise_kind noise, int K, double target)
{
    double lo = 1e-4, hi = 1e4, acc, var;
    while (hi / lo - 1 > 1e-12) {
        double mid = sqrt(lo * hi);
        truth(noise, K, mid, &acc, &var);
        if (acc >= target)
            lo = mid;
        else
            hi = mid;
    }
    return sqrt(lo * hi);
}

static struct xb_snrreq *solver(struct xb_ctx *ctx, struct xb_net *net,
                                enum xb_noise_kind noise, double loss)
{
    struct xb_snrreq_params p = {.noise = noise, .loss = loss, .repeats = R, .level = 0.95};
    struct xb_snrreq *s;
    cr_assert_eq(xb_snrreq_create(ctx, net, &p, X, Y, N, &s), XB_OK, "%s", xb_ctx_error(ctx));
    return s;
}

/* The answers are the same for any thread count (the last test proves
 * it); one thread keeps thousands of tiny passes clear of OpenMP's
 * barriers on a busy machine. */
static void one_thread(void)
{
    xb_omp_set_threads(1);
}

TestSuite(snrreq, .init = one_thread);

static struct xb_ctx *context(uint64_t seed)
{
    struct xb_ctx_params cp = {.seed = seed, .log = XB_LOG_QUIET};
    return xb_ctx_create(&cp);
}

/* A context of seed, the linear net (with or without its noise layer) and
 * a solver of noise kind on the data. */
struct fix {
    struct xb_ctx *ctx;
    struct xb_net *net;
    struct xb_snrreq *s;
};

static struct fix fix_open(uint64_t seed, int with_noise, enum xb_noise_kind noise)
{
    make_data();
    struct fix f = {.ctx = context(seed)};
    f.net = linear_net(f.ctx, with_noise);
    f.s = solver(f.ctx, f.net, noise, LOSS);
    return f;
}

static void fix_close(struct fix *f)
{
    xb_snrreq_free(f->s);
    xb_net_free(f->net);
    xb_ctx_free(f->ctx);
}

/* Over S seeds: how often [sigma_low, sigma_high] holds sigma_true, and
 * the mean of its width over the width the true spread predicts. */
static void coverage(enum xb_noise_kind noise, int K, int seeds, int *covered,
                     double *width_ratio)
{
    make_data();
    const double target = 1.0 - LOSS, st = sigma_true(noise, K, target);
    /* Predicted width: the interval's half-width on the accuracy,
     * t_{0.975, R-1} sd / sqrt(R) with the true sd, over the slope. */
    double acc, var, up, dn, v2;
    truth(noise, K, st, &acc, &var);
    truth(noise, K, st * 1.001, &up, &v2);
    truth(noise, K, st / 1.001, &dn, &v2);
    const double slope = (up - dn) / (st * 1.001 - st / 1.001);
    const double predicted = 2 * xb_ci_t_quantile(0.95, R - 1) * sqrt(var / R) / fabs(slope);
    *covered = 0;
    *width_ratio = 0;
    for (int k = 0; k < seeds; k++) {
        struct fix f = fix_open(100 + (uint64_t)k, 1, noise);
        cr_assert_eq(xb_snrreq_accuracy0(f.s), 1.0);
        struct xb_snrreq_answer a;
        cr_assert_eq(xb_snrreq_solve(f.ctx, f.s, K, &a), XB_OK, "%s", xb_ctx_error(f.ctx));
        const double *sg = a.sigma;
        cr_assert(sg[XB_SNRREQ_LOW] <= sg[XB_SNRREQ_MEAN] &&
                  sg[XB_SNRREQ_MEAN] <= sg[XB_SNRREQ_HIGH], "%g %g %g", sg[1], sg[0], sg[2]);
        *covered += sg[XB_SNRREQ_LOW] <= st && st <= sg[XB_SNRREQ_HIGH];
        *width_ratio += (sg[XB_SNRREQ_HIGH] - sg[XB_SNRREQ_LOW]) / predicted / seeds;
        fix_close(&f);
    }
}

/* Each seed's interval is a 95 % one: with the true curve known, it holds
 * sigma_true with probability 0.95 (the t interval of R normal repeat
 * accuracies, inverted through a monotone curve). Over 20 independent
 * seeds, P(Binomial(20, 0.95) <= 14) = 3.3e-4: at least 15 must cover.
 * Its width over the predicted one is the sample sd over the true sd of R
 * = 5 repeats: mean c4(5) = 0.940, sd sqrt(1 - c4^2) = 0.341, so the mean
 * of 20 lies within 0.940 +- 5 x 0.341 / sqrt(20) = [0.56, 1.32]. An
 * interval from the sd instead of the standard error (sqrt 5 wider) or
 * none at all fails. */
static void expect_coverage(enum xb_noise_kind noise, int K)
{
    int covered;
    double ratio;
    coverage(noise, K, 20, &covered, &ratio);
    cr_assert_geq(covered, 15, "%s, K = %d: %d of 20 intervals hold the known sigma",
                  xb_noise_kind_name(noise), K, covered);
    cr_assert(ratio > 0.56 && ratio < 1.32, "%s, K = %d: width %.3f of the predicted",
              xb_noise_kind_name(noise), K, ratio);
}

Test(snrreq, the_known_sigma_lies_in_the_interval_mult_k1, .timeout = 120)
{
    expect_coverage(XB_NOISE_MULT, 1);
}

Test(snrreq, the_known_sigma_lies_in_the_interval_mult_k3, .timeout = 120)
{
    expect_coverage(XB_NOISE_MULT, 3);
}

Test(snrreq, the_known_sigma_lies_in_the_interval_add_k1, .timeout = 120)
{
    expect_coverage(XB_NOISE_ADD, 1);
}

/* The answer of one seed, against the definitions: each curve passes at
 * its sigma and fails at sigma_fail, the two within 0.01 dB; the SNR is
 * -20 log10 sigma (mult); voting needs less SNR than K = 1 here (every
 * sample is right more often than not, so the majority is right more
 * often still: B_K(p) > p for p > 1/2). */
Test(snrreq, the_answer_is_the_crossing_within_the_tolerance)
{
    struct fix f = fix_open(7, 1, XB_NOISE_MULT);
    struct xb_ctx *ctx = f.ctx;
    struct xb_snrreq *s = f.s;
    const double target = xb_snrreq_target(s), tol = pow(10, XB_SNRREQ_TOL_DB / 20);
    cr_assert_float_eq(target, 0.9, 1e-15);
    struct xb_snrreq_answer a1, a5;
    cr_assert_eq(xb_snrreq_solve(ctx, s, 1, &a1), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_snrreq_solve(ctx, s, 5, &a5), XB_OK, "%s", xb_ctx_error(ctx));
    const double side[3] = {[XB_SNRREQ_MEAN] = 0, [XB_SNRREQ_LOW] = -1, [XB_SNRREQ_HIGH] = 1};
    const struct xb_snrreq_answer *as[2] = {&a1, &a5};
    for (int j = 0; j < 2; j++)
        for (int c = 0; c < 3; c++) {
            const struct xb_snrreq_answer *a = as[j];
            double m, h;
            cr_assert(a->sigma[c] > 0 && a->sigma_fail[c] > a->sigma[c]);
            cr_assert_leq(a->sigma_fail[c], a->sigma[c] * tol, "K = %d, curve %d", a->votes, c);
            cr_assert_eq(xb_snrreq_accuracy(ctx, s, a->votes, a->sigma[c], &m, &h), XB_OK);
            cr_assert_geq(m + side[c] * h, target, "K = %d, curve %d passes", a->votes, c);
            cr_assert_eq(xb_snrreq_accuracy(ctx, s, a->votes, a->sigma_fail[c], &m, &h), XB_OK);
            cr_assert_lt(m + side[c] * h, target, "K = %d, curve %d fails above", a->votes, c);
        }
    cr_assert_float_eq(a1.snr_db[XB_SNRREQ_MEAN], -20 * log10(a1.sigma[XB_SNRREQ_MEAN]), 1e-12);
    cr_assert_float_eq(a1.snr_db[XB_SNRREQ_LOW], -20 * log10(a1.sigma[XB_SNRREQ_HIGH]), 1e-12);
    cr_assert_float_eq(a1.snr_db[XB_SNRREQ_HIGH], -20 * log10(a1.sigma[XB_SNRREQ_LOW]), 1e-12);
    cr_assert_gt(a5.sigma[XB_SNRREQ_MEAN], a1.sigma[XB_SNRREQ_MEAN]);
    cr_assert_eq(a1.votes, 1);
    cr_assert_eq(a5.votes, 5);
    /* What the 5 votes buy, against the closed form: the dB between the
     * two known sigmas, inside the conservative range. */
    double gain[3];
    xb_snrreq_gain(&a1, &a5, gain);
    const double known = 20 * log10(sigma_true(XB_NOISE_MULT, 5, target) /
                                    sigma_true(XB_NOISE_MULT, 1, target));
    cr_assert(gain[XB_SNRREQ_LOW] <= known && known <= gain[XB_SNRREQ_HIGH],
              "5 votes buy %.3f dB; the range is [%.3f, %.3f]", known, gain[1], gain[2]);
    fix_close(&f);
}

/* Common random numbers: every sigma scales the same draws, and this
 * model's decision is linear in sigma, so each repeat's accuracy — and
 * their mean — can only fall as sigma grows: exactly non-increasing on a
 * fine grid. A new solver gives the same bits. Draws that changed with
 * sigma would make the curve jitter by about its standard error. */
Test(snrreq, common_random_numbers_make_the_curve_a_monotone_step_function)
{
    struct fix f = fix_open(11, 1, XB_NOISE_MULT);
    struct xb_ctx *ctx = f.ctx;
    struct xb_net *net = f.net;
    struct xb_snrreq *s = f.s;
    struct xb_snrreq *t = solver(ctx, net, XB_NOISE_MULT, LOSS);
    double prev = 1.0;
    for (int k = 1; k <= 80; k++) {
        double sigma = 0.02 * k, m, h, m2, h2;
        cr_assert_eq(xb_snrreq_accuracy(ctx, s, 1, sigma, &m, &h), XB_OK);
        cr_assert_leq(m, prev, "sigma %g: %.6f after %.6f", sigma, m, prev);
        cr_assert_eq(xb_snrreq_accuracy(ctx, t, 1, sigma, &m2, &h2), XB_OK);
        cr_assert(m == m2 && h == h2);
        prev = m;
    }
    cr_assert_lt(prev, 0.9, "the grid reaches the failing side");
    xb_snrreq_free(t);
    fix_close(&f);
}

/* For K = 1, repeat r is inference r, as in a sweep's /sweep/accuracy:
 * the mean equals that of xb_eval_run's repeats at the same sigma, to the
 * bit; and the half-width is the t interval of those repeats. */
Test(snrreq, the_repeats_are_the_sweep_s_inferences)
{
    struct fix f = fix_open(3, 1, XB_NOISE_MULT);
    struct xb_ctx *ctx = f.ctx;
    struct xb_net *net = f.net;
    struct xb_snrreq *s = f.s;
    double acc[R], vote, m, h;
    struct xb_eval_params ep = {.repeats = R, .votes = 1, .noise = XB_NOISE_MULT,
                                .sigma = 0.7};
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, Y, N, acc, &vote), XB_OK);
    struct xb_ci ci;
    xb_ci_mean(acc, R, 1, 0.95, &ci);
    cr_assert_eq(xb_snrreq_accuracy(ctx, s, 1, 0.7, &m, &h), XB_OK);
    cr_assert(m == ci.mean && h == ci.half, "%.17g %.17g vs %.17g %.17g", m, h, ci.mean,
              ci.half);
    cr_assert_gt(h, 0);
    fix_close(&f);
}

/* Additive noise: SNR = 10 log10(P / sigma^2) with P the mean square of
 * the logits of the first ROWS samples without noise — here the inputs. */
Test(snrreq, additive_snr_uses_the_measured_signal_power)
{
    struct fix f = fix_open(5, 1, XB_NOISE_ADD);
    struct xb_ctx *ctx = f.ctx;
    struct xb_snrreq *s = f.s;
    double P = 0;
    for (int i = 0; i < 2 * ROWS; i++)
        P += (double)X[i] * (double)X[i];
    P /= 2 * ROWS;
    cr_assert_float_eq(xb_snrreq_signal_power(s), P, 1e-6 * P);
    struct xb_snrreq_answer a;
    cr_assert_eq(xb_snrreq_solve(ctx, s, 1, &a), XB_OK, "%s", xb_ctx_error(ctx));
    const double sg = a.sigma[XB_SNRREQ_MEAN];
    cr_assert_float_eq(a.snr_db[XB_SNRREQ_MEAN], 10 * log10(xb_snrreq_signal_power(s) / (sg * sg)),
                       1e-12);
    cr_assert_float_eq(xb_snrreq_snr_db(s, 1.0), 10 * log10(xb_snrreq_signal_power(s)), 1e-12);
    fix_close(&f);
}

/* Without a noise layer nothing is ever lost: no sigma up to the top of
 * the range fails, the answer is unbounded and so are its gains (NaN). */
Test(snrreq, a_model_noise_cannot_reach_is_unbounded)
{
    struct fix f = fix_open(5, 0, XB_NOISE_MULT);
    struct xb_ctx *ctx = f.ctx;
    struct xb_snrreq *s = f.s;
    struct xb_snrreq_answer a, b;
    cr_assert_eq(xb_snrreq_solve(ctx, s, 1, &a), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_snrreq_solve(ctx, s, 3, &b), XB_OK, "%s", xb_ctx_error(ctx));
    for (int c = 0; c < 3; c++) {
        cr_assert(isinf(a.sigma[c]) && a.sigma[c] > 0);
        cr_assert(isinf(a.snr_db[c]) && a.snr_db[c] < 0);
    }
    /* Doubling from 2^-3 to 2^7: eleven sigmas. */
    cr_assert_eq(a.evaluations, 11);
    double g[3];
    xb_snrreq_gain(&a, &b, g);
    cr_assert(isnan(g[0]) && isnan(g[1]) && isnan(g[2]));
    fix_close(&f);
}

/* Gains by hand: base 10 dB [9, 11], answer 4 dB [3, 5]: 6 dB, at least
 * 9 - 5 = 4 and at most 11 - 3 = 8; against itself exactly 0. */
Test(snrreq, gains_by_hand)
{
    struct xb_snrreq_answer base = {.snr_db = {[XB_SNRREQ_MEAN] = 10, [XB_SNRREQ_LOW] = 9,
                                               [XB_SNRREQ_HIGH] = 11}};
    struct xb_snrreq_answer a = {.snr_db = {[XB_SNRREQ_MEAN] = 4, [XB_SNRREQ_LOW] = 3,
                                            [XB_SNRREQ_HIGH] = 5}};
    double g[3];
    xb_snrreq_gain(&base, &a, g);
    cr_assert(g[XB_SNRREQ_MEAN] == 6 && g[XB_SNRREQ_LOW] == 4 && g[XB_SNRREQ_HIGH] == 8);
    xb_snrreq_gain(&base, &base, g);
    cr_assert(g[0] == 0 && g[1] == 0 && g[2] == 0);
}

/* The answers are the same bits with 1 and 2 threads. */
Test(snrreq, bit_identical_for_any_thread_count)
{
    struct xb_snrreq_answer a[2];
    for (int t = 0; t < 2; t++) {
        xb_omp_set_threads(t + 1);
        struct fix f = fix_open(9, 1, XB_NOISE_MULT);
        cr_assert_eq(xb_snrreq_solve(f.ctx, f.s, 3, &a[t]), XB_OK, "%s", xb_ctx_error(f.ctx));
        fix_close(&f);
    }
    cr_assert_eq(a[0].evaluations, a[1].evaluations);
    for (int c = 0; c < 3; c++)
        cr_assert(a[0].sigma[c] == a[1].sigma[c] && a[0].sigma_fail[c] == a[1].sigma_fail[c] &&
                  a[0].snr_db[c] == a[1].snr_db[c], "curve %d", c);
}

Test(snrreq, bad_parameters_are_errors)
{
    make_data();
    struct xb_ctx *ctx = context(1);
    struct xb_net *net = linear_net(ctx, 1);
    struct xb_snrreq *s;
    const struct xb_snrreq_params bad[] = {
        {.noise = XB_NOISE_NONE, .loss = 0.01, .repeats = 5, .level = 0.95},
        {.noise = XB_NOISE_MULT, .loss = 0, .repeats = 5, .level = 0.95},
        {.noise = XB_NOISE_MULT, .loss = 1, .repeats = 5, .level = 0.95},
        {.noise = XB_NOISE_MULT, .loss = 0.01, .repeats = 1, .level = 0.95},
        {.noise = XB_NOISE_MULT, .loss = 0.01, .repeats = 5, .level = 1},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cr_assert_neq(xb_snrreq_create(ctx, net, &bad[k], X, Y, N, &s), XB_OK, "case %zu", k);
        cr_assert_null(s);
    }
    /* 5 repeats of 13108 votes need vote 65539 > 65535. */
    s = solver(ctx, net, XB_NOISE_MULT, LOSS);
    struct xb_snrreq_answer a;
    cr_assert_eq(xb_snrreq_solve(ctx, s, 13108, &a), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "addressable"), "%s", xb_ctx_error(ctx));
    xb_snrreq_free(s);
    xb_net_free(net);
    xb_ctx_free(ctx);
}
