/*
 * The SNR at each tile's ADC output (xb_xbar_tile_energy, issue 10)
 * against two known answers: with one input tile every output is one
 * tile's converted output scaled back, so the tiles' pooled SNR is the
 * product's; and the quantisation noise of a b-bit ADC falls 6.02 dB per
 * bit.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "xb_alloc.h"
#include "xb_noise.h"
#include "xb_test_util.h"
#include "xb_xbar.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(tile_snr, .init = setup, .fini = teardown);

static struct xb_xbar *make(const char *device, struct xb_xbar_params *p, const float *W,
                            size_t out, size_t in, const float *X, size_t rows, double t)
{
    cr_assert_eq(xb_device_init(ctx, &p->device, device), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, p, W, out, in, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_xbar_age(ctx, xb, t), XB_OK);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, rows), XB_OK);
    return xb;
}

/* PCM an hour after programming, drift compensated, 8-bit converters; 200
 * inputs (one input tile of 256) and 300 outputs (three output tiles of
 * 128). Output o is tile (0, o / 128)'s converted output times
 * w_scale · dac_range · drift_scale, and the ideal product is that tile's
 * ideal output times w_scale · dac_range (one scale for the layer), so the
 * energies pooled over tiles give the product's SNR. The two differ only
 * by float rounding of the scales and of the ideal GEMM, relative 1e-7 of
 * the signal: at an SNR near 30 dB (error 3 % of the signal) that moves
 * the ratio by ~1e-5, 4e-5 dB; 1e-3 dB holds it. */
Test(tile_snr, one_input_tile_pools_to_the_products_snr)
{
    enum { IN = 200, OUT = 300, ROWS = 96 };
    float *W = xb_aligned(OUT * IN, sizeof(float)), *X = xb_aligned(ROWS * IN, sizeof(float));
    xb_test_fill_normal(W, OUT * IN, 7, 1, 1.0f);
    xb_test_fill_normal(X, ROWS * IN, 7, 2, 1.0f);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.tile_rows = 256;
    p.tile_cols = 128;
    p.dac_bits = 8;
    p.adc_bits = 8;
    p.adc_calib = XB_ADC_MAX;
    p.drift_comp = 1;
    struct xb_xbar *xb = make("pcm", &p, W, OUT, IN, X, ROWS, 3600.0);
    cr_assert_eq(xb_xbar_tiles(xb), 3);
    cr_assert_neq(xb_xbar_drift_scale(xb), 1.0, "the test wants drift compensation at work");
    float *Y = xb_aligned(ROWS * OUT, sizeof(float)), *Yi = xb_aligned(ROWS * OUT, sizeof(float));
    struct xb_rows a = {.sample0 = 0, .batch = ROWS};
    xb_xbar_execute(xb, X, ROWS, NULL, Y, &a, NULL);
    for (size_t r = 0; r < ROWS; r++)
        for (size_t o = 0; o < OUT; o++) {
            double s = 0.0;
            for (size_t i = 0; i < IN; i++)
                s += (double)X[r * IN + i] * (double)W[o * IN + i];
            Yi[r * OUT + o] = (float)s;
        }
    const double want = xb_snr_db_measured(Yi, Y, ROWS * OUT);
    double sig[3] = {0}, err[3] = {0};
    xb_xbar_tile_energy(xb, X, ROWS, &a, sig, err);
    const double got = 10.0 * log10((sig[0] + sig[1] + sig[2]) / (err[0] + err[1] + err[2]));
    cr_expect(isfinite(want) && want > 15.0, "product SNR %g dB", want);
    cr_expect_leq(fabs(got - want), 1e-3, "tiles pooled %.6f dB, product %.6f dB", got, want);
    for (int k = 0; k < 3; k++)
        cr_expect(sig[k] > 0.0 && err[k] > 0.0, "tile %d: %g, %g", k, sig[k], err[k]);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X), xb_free(Y), xb_free(Yi);
}

/* An ideal device behind a b-bit ADC calibrated to the max: the error of a
 * tile output is its quantisation error, uniform on a step
 * D = 2 range / 2^b, of energy D^2 / 12 per value: one bit more quarters
 * it, +6.02 dB. The estimate from N values has relative sd
 * sqrt(1/80 - 1/144) · 12 / sqrt(N) = 0.894 / sqrt(N) (moments of the
 * uniform), 4.34 · 0.894 / sqrt(65,536) = 0.015 dB per tile; a difference
 * of two, 0.021 dB; 5 sd, 0.11 dB. */
Test(tile_snr, six_db_per_adc_bit)
{
    enum { IN = 256, OUT = 256, ROWS = 256 };
    float *W = xb_aligned(OUT * IN, sizeof(float)), *X = xb_aligned(ROWS * IN, sizeof(float));
    xb_test_fill_normal(W, OUT * IN, 9, 1, 1.0f);
    xb_test_fill_normal(X, ROWS * IN, 9, 2, 1.0f);
    double prev = 0.0;
    for (int b = 6; b <= 10; b++) {
        struct xb_xbar_params p;
        xb_xbar_params_default(&p);
        p.adc_bits = b;
        p.adc_calib = XB_ADC_MAX;
        struct xb_xbar *xb = make("ideal", &p, W, OUT, IN, X, ROWS, 0.0);
        struct xb_rows a = {.sample0 = 0, .batch = ROWS};
        double sig = 0.0, err = 0.0;
        xb_xbar_tile_energy(xb, X, ROWS, &a, &sig, &err);
        const double db = 10.0 * log10(sig / err);
        if (b > 6)
            cr_expect_leq(fabs(db - prev - 6.0206), 0.11, "%d bits: %.3f dB, %d bits: %.3f dB",
                          b - 1, prev, b, db);
        prev = db;
        xb_xbar_free(xb);
    }
    xb_free(W), xb_free(X);
}

/* Without converters on the ideal device the plan is one plain GEMM: no
 * tile errs. */
Test(tile_snr, a_plain_plan_has_no_error)
{
    enum { IN = 300, OUT = 40, ROWS = 8 };
    float *W = xb_aligned(OUT * IN, sizeof(float)), *X = xb_aligned(ROWS * IN, sizeof(float));
    xb_test_fill_normal(W, OUT * IN, 3, 1, 1.0f);
    xb_test_fill_normal(X, ROWS * IN, 3, 2, 1.0f);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    struct xb_xbar *xb = make("ideal", &p, W, OUT, IN, X, ROWS, 0.0);
    struct xb_rows a = {.sample0 = 0, .batch = ROWS};
    double sig[2] = {0}, err[2] = {0};
    cr_assert_eq(xb_xbar_tiles(xb), 2);
    xb_xbar_tile_energy(xb, X, ROWS, &a, sig, err);
    cr_expect(sig[0] > 0 && sig[1] > 0 && err[0] == 0 && err[1] == 0);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X);
}
