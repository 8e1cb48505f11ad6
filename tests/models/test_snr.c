/*
 * The measured SNR of a net's analog layers (models/eval/xb_snr.h) against
 * what paper 001's noise models promise.
 *
 * Multiplicative noise of std sigma gives each value x the error
 * x sigma eps, eps ~ N(0, 1) independent, so the measured ratio
 *   R = sum (x sigma eps)^2 / sum x^2
 * has mean sigma^2 (E eps^2 = 1): the SNR is -10 log10 sigma^2 =
 * -20 log10 sigma. Its spread: Var(eps^2) = 2, so
 *   sd(R / sigma^2) = sqrt(2 sum x^4) / sum x^2,
 * and 10 log10 moves by (10 / ln 10) times a small relative change, so the
 * measured dB has sd (10 / ln 10) sqrt(2 sum x^4) / sum x^2. The tests
 * compute that from the very values measured and require it to be below
 * 0.1 dB / 5: the 0.1 dB is then more than 5 standard deviations
 * (a false failure below 1e-6). Additive noise: error sigma eps per value,
 * so R = sigma^2 sum eps^2 / sum x^2 with mean N sigma^2 / sum x^2 (the
 * SNR is 10 log10(P / sigma^2), P the mean square) and relative sd
 * sqrt(2 / N).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_eval.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_snr.h"
#include "xb_test_net.h"

static struct xb_ctx *ctx;
static const uint64_t SEED = 20261129;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = SEED, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(snr, .init = setup, .fini = teardown);

#define IN 256
#define HID 1024
#define ROWS 512

/* dense HID → noise → relu → dense 10 → noise, on IN inputs. */
static struct xb_net *make_net(void)
{
    struct xb_net_config cfg = {.input = {IN, 1, 1}, .classes = 10, .n_layers = 5};
    cfg.layers[0] = xb_test_layer("dense", HID);
    cfg.layers[1] = xb_test_layer("noise", 0);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("dense", 10);
    cfg.layers[4] = xb_test_layer("noise", 0);
    struct xb_net *net = xb_test_net(ctx, &cfg, ROWS);
    xb_net_init(net, SEED);
    return net;
}

/* ROWS inputs N(0, 1) from the TEST stream, and labels 0. */
static float *inputs(uint8_t **y)
{
    float *X = xb_aligned((size_t)ROWS * IN, sizeof(float));
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST};
    struct xb_stream s = xb_stream_at(SEED, &a);
    xb_normal_fill(&s, 0, (size_t)ROWS * IN, X);
    *y = xb_calloc(ROWS, 1);
    return X;
}

/* sum x^2 and sum x^4 of the n values. */
static void moments(const float *x, size_t n, double *s2, double *s4)
{
    for (size_t i = 0; i < n; i++) {
        double v = (double)x[i] * (double)x[i];
        *s2 += v;
        *s4 += v * v;
    }
}

static const double DB = 10.0 / 2.302585092994046; /* dB per unit relative change */

Test(snr, analog_layers_are_the_noise_layers_or_the_weighted_ones)
{
    struct xb_net *net = make_net();
    struct xb_snr s;
    xb_snr_init(&s, net, 0);
    cr_assert_eq(s.n, 2);
    cr_expect(s.layer[0] == 1 && s.layer[1] == 4, "noise layers at 1 and 4, got %u %u",
              s.layer[0], s.layer[1]);
    xb_snr_init(&s, net, 1);
    cr_assert_eq(s.n, 2);
    cr_expect(s.layer[0] == 0 && s.layer[1] == 3, "dense layers at 0 and 3, got %u %u",
              s.layer[0], s.layer[1]);
    cr_expect(isnan(xb_snr_net_db(&s)), "nothing summed yet: NaN");
    xb_net_free(net);
}

/* Each noise layer, and the pool of both, at -20 log10 sigma. */
Test(snr, mult_noise_measures_minus_20_log10_sigma)
{
    struct xb_net *net = make_net();
    uint8_t *y;
    float *X = inputs(&y);
    const double sigmas[] = {0.1, 0.5, 1.0};
    for (size_t c = 0; c < 3; c++) {
        struct xb_snr s;
        xb_snr_init(&s, net, 0);
        struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_MULT,
                                    .sigma = sigmas[c], .snr = &s};
        double acc, vote;
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, ROWS, &acc, &vote), XB_OK);
        const double want = -20.0 * log10(sigmas[c]);
        /* One pass of ROWS rows: the noise layers' inputs are the outputs of
         * layers 0 and 3 of that pass. */
        double all2 = 0.0, all4 = 0.0;
        for (size_t l = 0; l < 2; l++) {
            double s2 = 0.0, s4 = 0.0;
            const size_t k = s.layer[l], n = (size_t)ROWS * xb_shape_size(xb_net_layer(net, k)->in);
            moments(xb_net_output(net, k - 1), n, &s2, &s4);
            all2 += s2, all4 += s4;
            const double sd = DB * sqrt(2.0 * s4) / s2, got = xb_snr_layer_db(&s, l);
            cr_expect_eq(s.values[l], n);
            if (l == 0) /* 524,288 Gaussian values (kurtosis 3): sd ~ 0.015 dB */
                cr_assert_lt(5.0 * sd, 0.1, "bound %.3f dB too wide for the test", 5.0 * sd);
            cr_expect_leq(fabs(got - want), fmax(5.0 * sd, 0.0),
                          "sigma %g, layer %zu: %.4f dB, want %.4f within %.4f", sigmas[c],
                          k, got, want, 5.0 * sd);
            if (l == 0)
                cr_expect_leq(fabs(got - want), 0.1);
        }
        const double sd = DB * sqrt(2.0 * all4) / all2, got = xb_snr_net_db(&s);
        cr_expect_leq(fabs(got - want), 5.0 * sd, "sigma %g: chip %.4f dB, want %.4f within "
                      "%.4f", sigmas[c], got, want, 5.0 * sd);
        cr_expect_leq(fabs(got - want), 0.1);
    }
    xb_free(X), xb_free(y);
    xb_net_free(net);
}

/* Additive noise: the pool is 10 log10(P / sigma^2), P the mean square the
 * sweeps' additive SNR uses (xb_net_noise_input_power). */
Test(snr, add_noise_measures_the_power_over_sigma_squared)
{
    struct xb_net *net = make_net();
    uint8_t *y;
    float *X = inputs(&y);
    struct xb_pass clean = {.phase = XB_PHASE_EVAL, .rows = ROWS, .addr = {.batch = ROWS},
                            .seed = SEED, .noise = XB_NOISE_NONE, .measure_power = 1};
    xb_net_forward(net, &clean, X);
    const double P = xb_net_noise_input_power(net), sigma = 0.7;
    struct xb_snr s;
    xb_snr_init(&s, net, 0);
    struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_ADD,
                                .sigma = sigma, .snr = &s};
    double acc, vote;
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, ROWS, &acc, &vote), XB_OK);
    const double N = (double)(s.values[0] + s.values[1]), sd = DB * sqrt(2.0 / N);
    const double got = xb_snr_net_db(&s), want = xb_snr_db_add(sigma, P);
    cr_expect_leq(fabs(got - want), 5.0 * sd, "%.4f dB, want %.4f within %.4f", got, want,
                  5.0 * sd);
    xb_free(X), xb_free(y);
    xb_net_free(net);
}

/* On a chip of the ideal device with the engine's multiplicative noise
 * (xbar.noise = mult), each dense layer's output (product + bias, then the
 * noise) against its ideal output: -20 log10 sigma as above, the moments
 * those of the ideal outputs. */
Test(snr, device_mult_noise_measures_minus_20_log10_sigma)
{
    struct xb_net *net = make_net();
    uint8_t *y;
    float *X = inputs(&y);
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    xp.noise = XB_NOISE_MULT;
    xp.sigma = 0.3;
    struct xb_snr s;
    xb_snr_init(&s, net, 1);
    const struct xb_chip_eval_params cp = {.xbar = &xp, .t = 0.0, .instances = 1, .votes = 1,
                                           .cal_X = X, .cal_n = ROWS, .snr = &s};
    double acc, vote;
    cr_assert_eq(xb_eval_chips(ctx, net, &cp, X, y, ROWS, &acc, &vote), XB_OK, "%s",
                 xb_ctx_error(ctx));
    /* The ideal output of layer 0 is the clean net's. */
    struct xb_pass clean = {.phase = XB_PHASE_EVAL, .rows = ROWS, .addr = {.batch = ROWS},
                            .seed = SEED, .noise = XB_NOISE_NONE};
    xb_net_forward(net, &clean, X);
    double s2 = 0.0, s4 = 0.0;
    moments(xb_net_output(net, 0), (size_t)ROWS * HID, &s2, &s4);
    const double sd = DB * sqrt(2.0 * s4) / s2, want = -20.0 * log10(0.3);
    cr_assert_lt(5.0 * sd, 0.1);
    const double got = xb_snr_layer_db(&s, 0);
    cr_expect_leq(fabs(got - want), 5.0 * sd, "%.4f dB, want %.4f within %.4f", got, want,
                  5.0 * sd);
    xb_free(X), xb_free(y);
    xb_net_free(net);
}

/* Measuring reads the pass and changes no accuracy; without noise the SNR
 * is infinite. */
Test(snr, measuring_changes_no_accuracy)
{
    struct xb_net *net = make_net();
    uint8_t *y;
    float *X = inputs(&y);
    for (size_t k = 0; k < ROWS; k++)
        y[k] = (uint8_t)(k % 10);
    double a[2][3], v[2][4];
    struct xb_snr s;
    for (int m = 0; m < 2; m++) {
        xb_snr_init(&s, net, 0);
        struct xb_eval_params ep = {.repeats = 3, .votes = 4, .noise = XB_NOISE_MULT,
                                    .sigma = 0.8, .snr = m ? &s : NULL};
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, ROWS, a[m], v[m]), XB_OK);
    }
    cr_expect_eq(memcmp(a[0], a[1], sizeof a[0]), 0);
    cr_expect_eq(memcmp(v[0], v[1], sizeof v[0]), 0);
    xb_snr_init(&s, net, 0);
    struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_MULT, .sigma = 0.0,
                                .snr = &s};
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, ROWS, a[0], v[0]), XB_OK);
    cr_expect(isinf(xb_snr_net_db(&s)) && xb_snr_net_db(&s) > 0, "sigma 0: +inf, got %g",
              xb_snr_net_db(&s));
    xb_free(X), xb_free(y);
    xb_net_free(net);
}

/* Known answers of the two figures: a layer's energies' ratio, and the
 * chip's pool of every layer's energies (not the last layer's, not a mean
 * of dB). */
Test(snr, the_chip_pools_the_energies_of_every_layer)
{
    struct xb_snr s = {.n = 3, .layer = {1, 4, 6}, .signal = {100.0, 1.0, 3.0},
                       .error = {1.0, 1.0, 0.0}, .values = {10, 10, 10}};
    cr_expect_float_eq(xb_snr_layer_db(&s, 0), 20.0, 1e-12);
    cr_expect_float_eq(xb_snr_layer_db(&s, 1), 0.0, 1e-12);
    cr_expect(isinf(xb_snr_layer_db(&s, 2)) && xb_snr_layer_db(&s, 2) > 0);
    cr_expect_float_eq(xb_snr_net_db(&s), 10.0 * log10(104.0 / 2.0), 1e-12, "%.17g",
                       xb_snr_net_db(&s));
    s.values[1] = 0;
    s.signal[1] = s.error[1] = 0.0;
    cr_expect_float_eq(xb_snr_net_db(&s), 10.0 * log10(103.0), 1e-12);
}

/* Chip instance r is its own chip (programming draws of instance r): the
 * sums of two instances are not twice the first's, as they would be were
 * both the same chip. */
Test(snr, each_chip_instance_is_its_own_chip)
{
    struct xb_net *net = make_net();
    uint8_t *y;
    float *X = inputs(&y);
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    cr_assert_eq(xb_device_init(ctx, &xp.device, "pcm"), XB_OK);
    xp.adc_bits = 8;
    xp.adc_calib = XB_ADC_MAX;
    double err[2], acc[2], vote;
    for (int r = 1; r <= 2; r++) {
        struct xb_snr s;
        xb_snr_init(&s, net, 1);
        const struct xb_chip_eval_params cp = {.xbar = &xp, .t = 60.0, .instances = r,
                                               .votes = 1, .cal_X = X, .cal_n = 64, .snr = &s};
        cr_assert_eq(xb_eval_chips(ctx, net, &cp, X, y, 64, acc, &vote), XB_OK, "%s",
                     xb_ctx_error(ctx));
        err[r - 1] = s.error[0];
        cr_expect_eq(s.values[0], (uint64_t)r * 64 * HID, "the first pass of each instance");
    }
    cr_expect_neq(err[1], 2.0 * err[0], "instance 1 read as instance 0");
    xb_free(X), xb_free(y);
    xb_net_free(net);
}
