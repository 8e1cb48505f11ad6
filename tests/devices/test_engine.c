/*
 * The analog MVM engine against known answers: a plain GEMM for ideal
 * devices at any tiling, bit-identity across batch splits and thread
 * counts, SNR of the abstract noise models, the aggregated read noise
 * against per-cell sampling, and converter calibration.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "xb_test_util.h"
#include "xb_alloc.h"
#include "xb_noise.h"
#include "xb_rng.h"
#include "xb_xbar.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261122, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(engine, .init = setup, .fini = teardown);

static void fill_normal(float *x, size_t n, uint32_t layer, float scale)
{
    xb_test_fill_normal(x, n, 7, layer, scale);
}

/* Reference Y = X Wᵀ + b in double. */
static void ref_gemm(const float *X, const float *W, const float *b, size_t rows, size_t out,
                     size_t in, double *Y)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t o = 0; o < out; o++) {
            double s = b ? (double)b[o] : 0.0;
            for (size_t i = 0; i < in; i++)
                s += (double)X[r * in + i] * (double)W[o * in + i];
            Y[r * out + o] = s;
        }
}

static struct xb_xbar *make(const char *device, const struct xb_xbar_params *base,
                            const float *W, size_t out, size_t in)
{
    struct xb_xbar_params p = *base;
    cr_assert_eq(xb_device_init(ctx, &p.device, device), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, out, in, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    return xb;
}

static struct xb_xbar *make_noiseless_generic(int tr, int tc, const float *W, size_t out,
                                              size_t in)
{
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "generic"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "prog_sigma", "0", "test"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "read_sigma", "0", "test"), XB_OK);
    p.tile_rows = tr;
    p.tile_cols = tc;
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, out, in, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    return xb;
}

static double max_rel_err(const float *y, const double *ref, size_t n)
{
    double scale = 0.0, err = 0.0;
    for (size_t k = 0; k < n; k++)
        scale = fmax(scale, fabs(ref[k]));
    for (size_t k = 0; k < n; k++)
        err = fmax(err, fabs((double)y[k] - ref[k]));
    return err / scale;
}

Test(engine, ideal_equals_gemm_with_bias)
{
    enum { B = 70, O = 33, I = 301 };
    float *X = xb_malloc(B * I, 4), *W = xb_malloc(O * I, 4), *Y = xb_malloc(B * O, 4);
    float b[O];
    double *R = xb_malloc(B * O, 8);
    fill_normal(X, B * I, 1, 1.0f);
    fill_normal(W, O * I, 2, 0.1f);
    fill_normal(b, O, 3, 1.0f);
    ref_gemm(X, W, b, B, O, I, R);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    struct xb_xbar *xb = make("ideal", &p, W, O, I);
    struct xb_rows a = {.batch = B};
    xb_xbar_execute(xb, X, B, b, Y, &a, NULL);
    cr_assert_lt(max_rel_err(Y, R, B * O), 1e-5);
    xb_xbar_free(xb);
    xb_free(X), xb_free(W), xb_free(Y), xb_free(R);
}

/* A noiseless device through the full tiled path equals the GEMM for any
 * tile shape, including ragged edge tiles and a single-cell tile. */
Test(engine, tiling_invariance)
{
    enum { B = 40, O = 70, I = 130 };
    float *X = xb_malloc(B * I, 4), *W = xb_malloc(O * I, 4), *Y = xb_malloc(B * O, 4);
    double *R = xb_malloc(B * O, 8);
    fill_normal(X, B * I, 4, 1.0f);
    fill_normal(W, O * I, 5, 0.3f);
    ref_gemm(X, W, NULL, B, O, I, R);
    int shapes[][2] = {{256, 256}, {64, 64}, {37, 53}, {130, 1}, {1, 70}, {16, 9}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        struct xb_xbar *xb = make_noiseless_generic(shapes[s][0], shapes[s][1], W, O, I);
        struct xb_rows a = {.batch = B};
        xb_xbar_execute(xb, X, B, NULL, Y, &a, NULL);
        double e = max_rel_err(Y, R, B * O);
        cr_assert_lt(e, 1e-5, "tile %dx%d: max relative error %g", shapes[s][0],
                     shapes[s][1], e);
        xb_xbar_free(xb);
    }
    xb_free(X), xb_free(W), xb_free(Y), xb_free(R);
}

/* Thread counts never change a result: the engine's work items (256 rows ×
 * 128 columns) are fixed by the shapes, and each runs a one-thread sgemm.
 * Batch splits change which rows share an sgemm call, and OpenBLAS's sums
 * depend on the call's shape in the last bits (measured: rows of a 17-row
 * call differ from the same rows computed alone), so other splits agree to
 * float rounding — with every noise draw identical — and splits at 256-row
 * boundaries agree bit for bit. */
static struct xb_xbar *make_noisy_pcm(const float *W, size_t out, size_t in, int tiles)
{
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.tile_rows = tiles;
    p.tile_cols = tiles;
    p.adc_bits = 6;
    p.adc_calib = XB_ADC_FIXED;
    p.adc_value = 8.0;
    p.dac_bits = 8;
    p.dac_range = 3.0;
    p.noise = XB_NOISE_MULT;
    p.sigma = 0.1;
    p.drift_comp = 1;
    struct xb_xbar *xb = make("pcm", &p, W, out, in);
    cr_assert_eq(xb_xbar_age(ctx, xb, 3600.0), XB_OK);
    return xb;
}

Test(engine, batch_split_and_threads_bit_identical)
{
    enum { B = 200, O = 90, I = 300 };
    float *X = xb_malloc(B * I, 4), *W = xb_malloc(O * I, 4);
    float *Y1 = xb_malloc(B * O, 4), *Y2 = xb_malloc(B * O, 4), *Y3 = xb_malloc(B * O, 4);
    fill_normal(X, B * I, 6, 1.0f);
    fill_normal(W, O * I, 7, 0.2f);
    struct xb_xbar *xb = make_noisy_pcm(W, O, I, 128);
    /* 2 votes of a 100-sample batch. */
    struct xb_rows a = {.sample0 = 0, .batch = 100, .vote0 = 0};
    omp_set_num_threads(1);
    xb_xbar_execute(xb, X, B, NULL, Y1, &a, NULL);
    omp_set_num_threads(2);
    xb_xbar_execute(xb, X, B, NULL, Y2, &a, NULL);
    cr_assert(memcmp(Y1, Y2, B * O * 4) == 0, "1 vs 2 threads differ");
    /* The same rows in calls of odd sizes, each addressed alone. */
    size_t cuts[] = {0, 37, 100, 171, 200};
    for (int c = 0; c < 4; c++) {
        for (size_t r = cuts[c]; r < cuts[c + 1]; r++) {
            struct xb_rows one = {.sample0 = (uint32_t)(r % 100), .batch = 1,
                                  .vote0 = (uint32_t)(r / 100)};
            xb_xbar_execute(xb, X + r * I, 1, NULL, Y3 + r * O, &one, NULL);
        }
    }
    /* Within one ADC step everywhere (a rounding difference may move a tile's
     * value across an ADC level; two tiles of one output at once would take
     * two such coincidences) and equal almost everywhere. One step in output
     * units: 2 · 8 / 2^6 (normalised), times the weight scale max |W|, the
     * DAC range 3 and the drift compensation, times the multiplicative noise
     * after it, at most 1 + 0.1 · 5.77 (|N(0,1)| <= 5.77, noise/xb_rng.h). */
    size_t same = 0;
    double wmax = 0.0;
    for (size_t k = 0; k < (size_t)O * I; k++)
        wmax = fmax(wmax, fabs((double)W[k]));
    double lsb = 2.0 * 8.0 / 64.0 * wmax * 3.0 * xb_xbar_drift_scale(xb) * (1.0 + 0.1 * 5.77);
    for (size_t k = 0; k < (size_t)B * O; k++) {
        same += Y1[k] == Y3[k];
        cr_assert(fabs((double)Y1[k] - (double)Y3[k]) <= lsb, "element %zu: %g vs %g", k,
                  (double)Y1[k], (double)Y3[k]);
    }
    /* Outputs differ only where a tile's sum moved across an ADC code: the
     * sums of I_t <= 128 products of magnitude <= 1 (|x|, |w| <= 1 after
     * scaling) differ by at most delta = 2 · I_t · 2^-24 between call
     * shapes, so a code flips with probability <= 2 delta / step per tile
     * output (step 2 · 8 / 2^6); over B · O outputs × 3 tiles the expected
     * count is m, and a Poisson count stays below m + 5 sqrt(m) + 1. */
    const double delta = 2.0 * 128.0 * ldexp(1.0, -24), step = 2.0 * 8.0 / 64.0;
    const double m_flip = (double)B * O * 3.0 * 2.0 * delta / step;
    cr_assert_geq((double)same, (double)B * O - (m_flip + 5.0 * sqrt(m_flip) + 1.0),
                  "only %zu of %d equal (at most %.1f may differ)", same, B * O,
                  m_flip + 5.0 * sqrt(m_flip) + 1.0);
    /* A split at the 256-row work-item boundary is bit-identical. */
    enum { BB = 512 };
    float *XB = xb_malloc((size_t)BB * I, 4), *Z1 = xb_malloc((size_t)BB * O, 4);
    float *Z2 = xb_malloc((size_t)BB * O, 4);
    fill_normal(XB, (size_t)BB * I, 14, 1.0f);
    struct xb_rows all = {.batch = BB};
    xb_xbar_execute(xb, XB, BB, NULL, Z1, &all, NULL);
    struct xb_rows lo = {.sample0 = 0, .batch = BB}, hi = {.sample0 = 256, .batch = BB};
    xb_xbar_execute(xb, XB, 256, NULL, Z2, &lo, NULL);
    xb_xbar_execute(xb, XB + 256 * I, 256, NULL, Z2 + 256 * O, &hi, NULL);
    cr_assert(memcmp(Z1, Z2, (size_t)BB * O * 4) == 0, "split at 256 rows differs");
    xb_free(XB), xb_free(Z1), xb_free(Z2);
    /* Noise really is on: different votes of the same input differ. */
    struct xb_rows v = {.sample0 = 0, .batch = 1, .vote0 = 5};
    xb_xbar_execute(xb, X, 1, NULL, Y3, &v, NULL);
    cr_assert(memcmp(Y1, Y3, O * 4) != 0);
    xb_xbar_free(xb);
    xb_free(X), xb_free(W), xb_free(Y1), xb_free(Y2), xb_free(Y3);
}

/* The measured SNR of n = 256 · 256 outputs, and its standard error in dB:
 * the noise power is the mean of n values d² (d = noisy − ideal), whose
 * standard error is sd(d²) / sqrt(n); in dB, 10 / ln 10 times the relative
 * error (the signal power is fixed). */
static void snr_case(enum xb_noise_kind kind, double sigma, double *measured, double *power,
                     double *se_db)
{
    enum { B = 256, N = 256 };
    float *X = xb_malloc(B * N, 4), *W = xb_malloc(N * N, 4);
    float *Y0 = xb_malloc(B * N, 4), *Y = xb_malloc(B * N, 4);
    fill_normal(X, B * N, 8, 1.0f);
    fill_normal(W, N * N, 9, 0.0625f);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    struct xb_xbar *x0 = make("ideal", &p, W, N, N);
    p.noise = kind;
    p.sigma = sigma;
    struct xb_xbar *x1 = make("ideal", &p, W, N, N);
    struct xb_rows a = {.batch = B};
    xb_xbar_execute(x0, X, B, NULL, Y0, &a, NULL);
    xb_xbar_execute(x1, X, B, NULL, Y, &a, NULL);
    *measured = xb_snr_db_measured(Y0, Y, B * N);
    *power = xb_signal_power(Y0, B * N);
    double m1 = 0.0, m2 = 0.0;
    for (size_t k = 0; k < (size_t)B * N; k++) {
        double d2 = pow((double)Y[k] - (double)Y0[k], 2);
        m1 += d2, m2 += d2 * d2;
    }
    m1 /= (double)B * N, m2 /= (double)B * N;
    *se_db = 10.0 / log(10.0) * sqrt((m2 - m1 * m1) / ((double)B * N)) / m1;
    xb_xbar_free(x0), xb_xbar_free(x1);
    xb_free(X), xb_free(W), xb_free(Y0), xb_free(Y);
}

Test(engine, multiplicative_snr_6db)
{
    double snr, power, se;
    snr_case(XB_NOISE_MULT, 0.5, &snr, &power, &se);
    cr_assert(fabs(snr - 6.0206) < 5 * se, "sigma 0.5: %.4f dB, want 6.02 +- %.3f (5 se)", snr,
              5 * se);
    cr_assert(fabs(xb_snr_db_mult(0.5) - 6.0206) < 1e-3);
}

Test(engine, additive_snr_as_predicted)
{
    double snr, power, se;
    snr_case(XB_NOISE_ADD, 0.3, &snr, &power, &se);
    double want = xb_snr_db_add(0.3, power);
    cr_assert(fabs(snr - want) < 5 * se, "additive: %.4f dB, predicted %.4f +- %.3f (5 se)", snr,
              want, 5 * se);
}

/* Aggregated read noise (a GEMM on squares + one normal per output) and
 * per-cell draws agree in mean and variance of every output: with an ideal
 * ADC (the variances of all tiles summed, one GEMM over the full width) and
 * with a 12-bit ADC (per tile, each tile's output quantised). This checks
 * the aggregation alone: xb_xbar_execute_naive shares the DAC, the ADC, the
 * scale-back and the tiles' variances with the fast path. The whole path
 * against a reference that shares none of them (per-cell reads from the
 * tile views and the device's read_sigma, converters written out) is
 * tests/devices/test_reference.c, per_cell_reads_match_engine_in_distribution. */
static void aggregated_vs_naive(int adc_bits)
{
    enum { O = 12, I = 300, REP = 3000 };
    float *W = xb_malloc(O * I, 4), *x = xb_malloc(I, 4);
    float *X = xb_malloc((size_t)REP * I, 4);
    float *Ya = xb_malloc((size_t)REP * O, 4), *Yn = xb_malloc((size_t)REP * O, 4);
    fill_normal(W, O * I, 10, 1.0f);
    fill_normal(x, I, 11, 1.0f);
    for (int r = 0; r < REP; r++)
        memcpy(X + (size_t)r * I, x, I * 4);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.tile_rows = 128;
    p.tile_cols = 8;
    p.adc_bits = adc_bits;
    p.adc_calib = XB_ADC_FIXED;
    p.adc_value = 64.0;
    struct xb_xbar *xb = make("pcm", &p, W, O, I);
    cr_assert_eq(xb_xbar_age(ctx, xb, 86400.0), XB_OK);
    struct xb_rows a = {.batch = REP};
    xb_xbar_execute(xb, X, REP, NULL, Ya, &a, NULL);
    xb_xbar_execute_naive(xb, X, REP, NULL, Yn, &a);
    for (int o = 0; o < O; o++) {
        double ma = 0, mn = 0, va = 0, vn = 0;
        for (int r = 0; r < REP; r++) {
            ma += (double)Ya[r * O + o];
            mn += (double)Yn[r * O + o];
        }
        ma /= REP, mn /= REP;
        for (int r = 0; r < REP; r++) {
            va += pow((double)Ya[r * O + o] - ma, 2);
            vn += pow((double)Yn[r * O + o] - mn, 2);
        }
        va /= REP - 1, vn /= REP - 1;
        cr_assert_gt(va, 0.0);
        /* Means: difference of two sample means of n = 3000, 5 standard
         * errors. */
        double se = sqrt((va + vn) / REP);
        cr_assert(fabs(ma - mn) < 5 * se, "output %d: means %g vs %g (se %g)", o, ma, mn, se);
        /* Variances: the log of a Gaussian sample variance of n = 3000 has
         * standard error sqrt(2 / (n - 1)), the log ratio of two sqrt(4 /
         * (n - 1)); 5 of them. */
        double lr = log(va / vn), sd = sqrt(4.0 / (REP - 1));
        cr_assert(fabs(lr) < 5 * sd, "output %d: variances %g vs %g", o, va, vn);
    }
    xb_xbar_free(xb);
    xb_free(W), xb_free(x), xb_free(X), xb_free(Ya), xb_free(Yn);
}

Test(engine, aggregated_read_noise_matches_naive) { aggregated_vs_naive(0); }
Test(engine, aggregated_read_noise_matches_naive_with_adc) { aggregated_vs_naive(12); }

/* ADC ranges calibrated as the max of the ideal outputs clip nothing on
 * the calibration batch; the 90th percentile clips about 10 %. */
Test(engine, adc_calibration)
{
    enum { B = 128, O = 64, I = 200 };
    float *X = xb_malloc(B * I, 4), *W = xb_malloc(O * I, 4), *Y = xb_malloc(B * O, 4);
    fill_normal(X, B * I, 12, 1.0f);
    fill_normal(W, O * I, 13, 1.0f);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.adc_bits = 8;
    p.adc_calib = XB_ADC_MAX;
    p.tile_rows = 100;
    p.tile_cols = 64;
    struct xb_xbar *xb = make("ideal", &p, W, O, I);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, B), XB_OK);
    struct xb_xbar_stats st = {0};
    struct xb_rows a = {.batch = B};
    xb_xbar_execute(xb, X, B, NULL, Y, &a, &st);
    cr_assert_eq(st.adc_values, (uint64_t)B * O * 2);
    cr_assert_eq(st.adc_clipped, 0);
    xb_xbar_free(xb);
    p.adc_calib = XB_ADC_PERCENTILE;
    p.adc_value = 90.0;
    xb = make("ideal", &p, W, O, I);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, B), XB_OK);
    memset(&st, 0, sizeof st);
    xb_xbar_execute(xb, X, B, NULL, Y, &a, &st);
    /* Not a statistic: on the calibration batch itself the count is fixed by
     * the percentile's definition (GSL's linear interpolation between order
     * statistics): of a tile's n = 128 · 64 sorted |outputs| v, the 90th
     * percentile lies in [v_i, v_i+1], i = floor(0.9 (n - 1)), so exactly
     * n - 1 - i values exceed it. The read computes the outputs from the
     * conductances in other float sums than the calibration did, which may
     * move only v_i and v_i+1 across the range: +-2 per tile. */
    const uint64_t n_t = (uint64_t)B * O;
    const uint64_t above = n_t - 1 - (uint64_t)floor(0.9 * (double)(n_t - 1));
    const uint64_t want = 2 * above; /* 2 input tiles */
    cr_assert(st.adc_clipped + 4 >= want && st.adc_clipped <= want + 4,
              "p90 clipped %llu of %llu, want %llu +- 4", (unsigned long long)st.adc_clipped,
              (unsigned long long)st.adc_values, (unsigned long long)want);
    xb_xbar_free(xb);
    xb_free(X), xb_free(W), xb_free(Y);
}

/* A non-finite calibration input is an error naming its [row, column] —
 * the first one in row-major order, whatever follows it — and leaves the
 * DAC range unset; the max over finite inputs is the largest |x|. */
Test(engine, dac_calibration_max_and_non_finite)
{
    enum { B = 3, O = 4, I = 5 };
    float W[O * I], X[B * I];
    fill_normal(W, O * I, 21, 1.0f);
    for (int k = 0; k < B * I; k++)
        X[k] = 0.25f * (float)(k % 7) - 0.5f;
    X[7] = -2.75f; /* the largest |x| */
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.dac_bits = 6;
    struct xb_xbar *xb = make("ideal", &p, W, O, I);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, B), XB_OK);
    cr_assert_eq(xb_xbar_dac_range(xb), 2.75);
    xb_xbar_free(xb);
    X[13] = INFINITY;
    X[9] = NAN;
    xb = make("ideal", &p, W, O, I);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, B), XB_ENUMERIC);
    cr_assert(strstr(xb_ctx_error(ctx), "[1, 4] = nan") != NULL, "%s", xb_ctx_error(ctx));
    xb_xbar_free(xb);
}

Test(engine, bad_params_are_named)
{
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.adc_bits = 40;
    cr_assert_eq(xb_xbar_params_validate(ctx, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "adc_bits") != NULL);
    xb_xbar_params_default(&p);
    p.sigma = -1;
    cr_assert_eq(xb_xbar_params_validate(ctx, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "sigma") != NULL);
    xb_xbar_params_default(&p);
    p.adc_bits = 6; /* fixed range 0 */
    cr_assert_eq(xb_xbar_params_validate(ctx, &p), XB_ERANGE);
    enum xb_adc_calib c;
    double v;
    cr_assert_eq(xb_adc_range_parse(ctx, "p99.9", "--adc-range", &c, &v), XB_OK);
    cr_assert(c == XB_ADC_PERCENTILE && v == 99.9);
    cr_assert_eq(xb_adc_range_parse(ctx, "max", "--adc-range", &c, &v), XB_OK);
    cr_assert_eq(c, XB_ADC_MAX);
    cr_assert_eq(xb_adc_range_parse(ctx, "12.5", "--adc-range", &c, &v), XB_OK);
    cr_assert(c == XB_ADC_FIXED && v == 12.5);
    cr_assert_neq(xb_adc_range_parse(ctx, "p0", "--adc-range", &c, &v), XB_OK);
    cr_assert_neq(xb_adc_range_parse(ctx, "-3", "--adc-range", &c, &v), XB_OK);
    cr_assert_neq(xb_adc_range_parse(ctx, "big", "--adc-range", &c, &v), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "big") != NULL);
    float W[4] = {1, NAN, 0, 0};
    struct xb_xbar *xb;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_xbar_create(ctx, &p, W, 2, 2, &xb), XB_ENUMERIC);
    cr_assert_null(xb);
}
