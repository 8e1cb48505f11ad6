/*
 * The analog engine and the noise layer against references the test builds
 * itself (issue 14): every expected value is computed here from the
 * documented model — the weights and inputs, the tile views
 * (xb_xbar_tile_view), the device's read-noise function, a quantiser
 * written out below from devices/convert/xb_quant.h's definition, and the stream
 * addresses of noise/xb_rng.h — never by the code path under test.
 *
 *   adc_*               per-tile ADC ranges and per-column weight scaling on
 *                       a matrix that does not divide into tiles;
 *   read_noise_*        the variance of repeated one-hot reads after drift;
 *   per_cell_*          the whole device path (DAC, per-cell read noise,
 *                       per-tile ADC, scale back) read cell by cell in plain
 *                       double arithmetic, compared in distribution;
 *   noise_layer_*       the noise layer on an image-shaped input.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_noise.h"
#include "xb_rng.h"
#include "xb_test_util.h"
#include "xb_xbar.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(reference, .init = setup, .fini = teardown);

static void fill_normal(float *x, size_t n, uint32_t layer, float scale)
{
    xb_test_fill_normal(x, n, 29, layer, scale);
}

/* The signed (bipolar, mid-rise) converter of devices/convert/xb_quant.h, written
 * out: 2^bits levels (k + 1/2) step, step = 2 range / 2^bits, k clamped to
 * -2^(bits-1) .. 2^(bits-1) - 1. */
static double quant_signed(double x, int bits, double range)
{
    const double step = 2.0 * range / ldexp(1.0, bits);
    const double lo = -ldexp(1.0, bits - 1), hi = ldexp(1.0, bits - 1) - 1.0;
    double k = floor(x / step);
    k = k < lo ? lo : (k > hi ? hi : k);
    return (k + 0.5) * step;
}

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

/* ---- ADC per tile, weight scaling per column ------------------------------ */

/* A noiseless device, W[150 × 300] on 128 × 64 tiles (3 × 3 tiles, ragged
 * at both edges: 44 inputs, 22 outputs), a 6-bit ADC calibrated to the max
 * of each tile's ideal outputs, the DAC range calibrated to max |x|. Odd
 * outputs have weights 10× the even ones, so per-column scaling changes
 * every even column's quantisation. The reference: each tile's product in
 * double, quantised at that tile's own range, summed over the input tiles,
 * scaled back by the column's (or the layer's) weight scale and the DAC
 * range. The engine computes the tile products in float, so a product
 * within float rounding of a code boundary may land one code away: the
 * bound is one ADC step of any one tile of the column (two tiles at once
 * would need two such coincidences, each of probability ~1e-5), plus float
 * rounding of the result; and almost every output must be exact to float
 * rounding. */
static void adc_case(enum xb_scaling scaling)
{
    enum { O = 150, I = 300, B = 64, TR = 128, TC = 64, BITS = 6 };
    float *W = xb_malloc(O * I, 4), *X = xb_malloc(B * I, 4), *Y = xb_malloc(B * O, 4);
    double *Yr = xb_malloc(B * O, 8), *P = xb_malloc(B * O, 8), *xn = xb_malloc(B * I, 8);
    fill_normal(W, O * I, 1, 1.0f);
    for (int o = 0; o < O; o += 2)
        for (int i = 0; i < I; i++)
            W[o * I + i] *= 0.1f;
    fill_normal(X, B * I, 2, 1.0f);

    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "generic"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "prog_sigma", "0", "test"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "read_sigma", "0", "test"), XB_OK);
    p.tile_rows = TR;
    p.tile_cols = TC;
    p.scaling = scaling;
    p.adc_bits = BITS;
    p.adc_calib = XB_ADC_MAX;
    p.adc_value = 100.0;
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, O, I, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, X, B), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_rows a = {.batch = B};
    struct xb_xbar_stats st = {0};
    xb_xbar_execute(xb, X, B, NULL, Y, &a, &st);

    /* Reference scales: the DAC range, the weight scale of every column. */
    double D = 0.0, s_layer = 0.0, s[O];
    for (size_t k = 0; k < (size_t)B * I; k++)
        D = fmax(D, fabs((double)X[k]));
    for (int o = 0; o < O; o++) {
        s[o] = 0.0;
        for (int i = 0; i < I; i++)
            s[o] = fmax(s[o], fabs((double)W[o * I + i]));
        s_layer = fmax(s_layer, s[o]);
    }
    for (int o = 0; o < O; o++)
        s[o] = scaling == XB_SCALE_COLUMN ? s[o] : s_layer;
    cr_assert(scaling == XB_SCALE_LAYER || s[1] > 5.0 * s[0], "column maxima %g, %g", s[0],
              s[1]);
    for (size_t k = 0; k < (size_t)B * I; k++)
        xn[k] = (double)X[k] / D;
    cr_assert(fabs(xb_xbar_dac_range(xb) - D) <= 1e-7 * D, "DAC range %g, want %g",
              xb_xbar_dac_range(xb), D);

    const size_t n_ti = ceil_div(I, TR), n_to = ceil_div(O, TC);
    cr_assert_eq(xb_xbar_tiles(xb), n_ti * n_to);
    double max_step[O];
    memset(Yr, 0, (size_t)B * O * sizeof *Yr);
    memset(max_step, 0, sizeof max_step);
    for (size_t to = 0; to < n_to; to++) {
        const size_t o0 = to * TC, o1 = o0 + TC < O ? o0 + TC : O;
        for (size_t ti = 0; ti < n_ti; ti++) {
            const size_t i0 = ti * TR, i1 = i0 + TR < I ? i0 + TR : I;
            double range = 0.0;
            for (int r = 0; r < B; r++)
                for (size_t o = o0; o < o1; o++) {
                    double y = 0.0;
                    for (size_t i = i0; i < i1; i++)
                        y += (double)W[o * I + i] / s[o] * xn[(size_t)r * I + i];
                    P[(size_t)r * O + o] = y;
                    range = fmax(range, fabs(y));
                }
            double got = xb_xbar_adc_range(xb, ti, to);
            cr_assert(fabs(got - range) <= 1e-5 * range, "tile (%zu, %zu): ADC range %g, "
                      "want %g (max |ideal output|)", ti, to, got, range);
            const double step = 2.0 * range / ldexp(1.0, BITS);
            for (size_t o = o0; o < o1; o++)
                max_step[o] = fmax(max_step[o], step * s[o] * D);
            for (int r = 0; r < B; r++)
                for (size_t o = o0; o < o1; o++)
                    Yr[(size_t)r * O + o] += quant_signed(P[(size_t)r * O + o], BITS, range);
        }
    }
    size_t exact = 0;
    for (int r = 0; r < B; r++)
        for (int o = 0; o < O; o++) {
            double want = Yr[(size_t)r * O + o] * s[o] * D, got = Y[(size_t)r * O + o];
            /* float rounding of the engine's sums and scale-back: a few ulp of
             * the sum of |tile outputs| (at most 3 tiles × 32 steps each). */
            double fl = 1e-5 * 3.0 * 32.0 * max_step[o];
            double err = fabs(got - want);
            cr_assert(err <= max_step[o] + fl, "output [%d, %d]: engine %.7g, reference %.7g: "
                      "more than one ADC step (%.4g) apart", r, o, got, want, max_step[o]);
            exact += err <= fl;
        }
    /* Calibrated to the max of the calibration batch, which is the batch read:
     * only the output at the max of each tile can exceed the range, by float
     * rounding between the calibration and the read. */
    cr_assert_leq(st.adc_clipped, n_ti * n_to, "%llu ADC outputs clipped at a "
                  "max-calibrated range", (unsigned long long)st.adc_clipped);
    cr_assert_geq(exact, (size_t)B * O - 5, "only %zu of %d outputs equal the reference",
                  exact, B * O);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X), xb_free(Y), xb_free(Yr), xb_free(P), xb_free(xn);
}

Test(reference, adc_per_tile_column_scaling) { adc_case(XB_SCALE_COLUMN); }
Test(reference, adc_per_tile_layer_scaling) { adc_case(XB_SCALE_LAYER); }

/* ---- read noise after drift --------------------------------------------- */

/* PCM read 1 day after programming, ideal converters: a one-hot input e_j
 * reads column j of the crossbar, so output o is the pair (o, j) alone:
 * mean (G+ − G−)(t) / (g_max − g_min) · s and variance
 * (read_sigma(G+_prog, G+(t), t)² + read_sigma(G−_prog, G−(t), t)²) ·
 * (s / (g_max − g_min))², s the layer's weight scale — the read noise at the
 * *drifted* conductance, which after a day is ~0.66 of the programmed one
 * (PCM's ν ≈ 0.05), so a variance taken at the programmed conductance is
 * ~2.3× too large. Bounds, for each of 4 inputs × 32 outputs from n = 2000
 * reads: the mean within 5 standard errors sqrt(var / n); the sample
 * variance of Gaussian reads has relative standard error sqrt(2 / (n − 1))
 * = 0.032, bound 5 of them (0.16). 5σ over 256 checks: a chance failure
 * has probability < 256 · 5.7e-7 = 1.5e-4, and the seeds are fixed. */
Test(reference, read_noise_after_drift_pcm)
{
    enum { O = 32, I = 64, N = 2000, NJ = 4 };
    const int js[NJ] = {0, 17, 40, 63};
    const double t = 86400.0;
    float *W = xb_malloc(O * I, 4), *X = xb_calloc((size_t)NJ * N * I, 4);
    float *Y = xb_malloc((size_t)NJ * N * O, 4);
    fill_normal(W, O * I, 3, 0.5f);
    for (int k = 0; k < NJ; k++)
        for (int r = 0; r < N; r++)
            X[((size_t)k * N + (size_t)r) * I + (size_t)js[k]] = 1.0f;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    p.tile_rows = I;
    p.tile_cols = O;
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, O, I, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_xbar_age(ctx, xb, t), XB_OK);
    struct xb_rows a = {.batch = NJ * N};
    xb_xbar_execute(xb, X, (size_t)NJ * N, NULL, Y, &a, NULL);

    double s = 0.0;
    for (int k = 0; k < O * I; k++)
        s = fmax(s, fabs((double)W[k]));
    const double dg = xb_device_gmax(&p.device) - xb_device_gmin(&p.device);
    const double *dp = p.device.p;
    struct xb_tile_view v;
    xb_xbar_tile_view(xb, 0, &v);
    cr_assert_eq(v.rows, (size_t)I);
    double drift_sum = 0.0;
    size_t drift_n = 0;
    const double rel_se = sqrt(2.0 / (N - 1));
    int noisy_pairs = 0; /* pairs with read noise */
    for (int k = 0; k < NJ; k++)
        for (int o = 0; o < O; o++) {
            size_t c = (size_t)o * I + (size_t)js[k];
            double rp = p.device.type->read_sigma(dp, v.g_prog_p[c], v.g_now_p[c], t);
            double rm = p.device.type->read_sigma(dp, v.g_prog_m[c], v.g_now_m[c], t);
            double var = (rp * rp + rm * rm) * (s / dg) * (s / dg);
            double mean = ((double)v.g_now_p[c] - (double)v.g_now_m[c]) / dg * s;
            if (v.g_prog_p[c] > v.g_prog_m[c]) {
                drift_sum += (double)v.g_now_p[c] / (double)v.g_prog_p[c];
                drift_n++;
            }
            double m = 0.0, q = 0.0;
            for (int r = 0; r < N; r++)
                m += (double)Y[((size_t)k * N + (size_t)r) * O + (size_t)o];
            m /= N;
            for (int r = 0; r < N; r++) {
                double d = (double)Y[((size_t)k * N + (size_t)r) * O + (size_t)o] - m;
                q += d * d;
            }
            q /= N - 1;
            if (var == 0.0) { /* both devices at 0 uS: nothing to read, no noise */
                cr_assert(q == 0.0 && fabs(m - mean) <= 1e-6 * s, "output %d of e_%d: "
                          "mean %.6g, variance %.6g of a pair with no read noise", o, js[k],
                          m, q);
                continue;
            }
            noisy_pairs++;
            cr_assert(fabs(m - mean) < 5.0 * sqrt(var / N) + 1e-6 * fabs(mean),
                      "output %d of e_%d: mean %.6g, want %.6g (G(t) of the pair)", o, js[k],
                      m, mean);
            cr_assert(fabs(q / var - 1.0) < 5.0 * rel_se,
                      "output %d of e_%d: read variance %.6g, want %.6g (read_sigma at the "
                      "drifted conductance), ratio %.3f", o, js[k], q, var, q / var);
        }
    /* The case has power: the devices did drift by more than the bound. */
    cr_assert_geq(noisy_pairs, NJ * O * 3 / 4, "only %d pairs have read noise", noisy_pairs);
    cr_assert(drift_n > 0 && drift_sum / (double)drift_n < 1.0 - 10.0 * rel_se,
              "mean drift factor %.3f", drift_sum / (double)drift_n);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X), xb_free(Y);
}

/* ---- the device path read cell by cell ---------------------------------- */

/* One input x read n times on PCM 1 day after programming, an 8-bit DAC of
 * range 3 and an 8-bit ADC calibrated to the max, W[20 × 300] on 128 × 8
 * tiles (3 × 3, ragged). The reference shares nothing with the engine but
 * the programmed state (tile views, xb_xbar_adc_range) and the device's
 * read_sigma: each read draws one normal per device (G+ and G− of every
 * cell) from the test's own stream, sums (G+ − G−)(t) + noise over the
 * tile's inputs in double, quantises DAC and ADC with quant_signed, sums
 * the tiles and scales back. Engine and reference are compared in
 * distribution, per output: the means within 5 standard errors of their
 * difference, sqrt((v_a + v_r) / n); the variances within 5 standard
 * errors of theirs, Var(s²) = (m4 − s⁴) / n for each sample (its fourth
 * central moment m4: the ADC makes the outputs discrete, not Gaussian).
 * 5σ over 40 checks: a chance failure has probability < 40 · 5.7e-7. */
Test(reference, per_cell_reads_match_engine_in_distribution, .timeout = 120)
{
    enum { O = 20, I = 300, N = 3000, TR = 128, TC = 8, CAL = 64, DAC_BITS = 8, ADC_BITS = 8 };
    const double t = 86400.0, dac_range = 3.0;
    float *W = xb_malloc(O * I, 4), *x = xb_malloc(I, 4), *Xc = xb_malloc(CAL * I, 4);
    float *X = xb_malloc((size_t)N * I, 4), *Ya = xb_malloc((size_t)N * O, 4);
    double *Yr = xb_malloc((size_t)N * O, 8);
    float *z = xb_malloc(2 * (size_t)O * I, 4);
    fill_normal(W, O * I, 4, 1.0f);
    fill_normal(Xc, CAL * I, 5, 1.0f);
    memcpy(x, Xc, I * 4); /* one of the calibration inputs */
    for (int r = 0; r < N; r++)
        memcpy(X + (size_t)r * I, x, I * 4);
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    p.tile_rows = TR;
    p.tile_cols = TC;
    p.dac_bits = DAC_BITS;
    p.dac_range = dac_range;
    p.adc_bits = ADC_BITS;
    p.adc_calib = XB_ADC_MAX;
    p.adc_value = 100.0;
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, O, I, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_xbar_age(ctx, xb, t), XB_OK);
    cr_assert_eq(xb_xbar_calibrate(ctx, xb, Xc, CAL), XB_OK);
    struct xb_rows a = {.batch = N};
    xb_xbar_execute(xb, X, N, NULL, Ya, &a, NULL);

    /* The reference. */
    double s = 0.0, xq[I];
    for (int k = 0; k < O * I; k++)
        s = fmax(s, fabs((double)W[k]));
    for (int i = 0; i < I; i++)
        xq[i] = quant_signed(x[i], DAC_BITS, dac_range) / dac_range;
    const double dg = xb_device_gmax(&p.device) - xb_device_gmin(&p.device);
    const size_t n_ti = ceil_div(I, TR), n_to = ceil_div(O, TC);
    struct xb_tile_view tv[9];
    cr_assert_eq(n_ti * n_to, 9);
    double *sd_p = xb_malloc((size_t)O * I, 8), *sd_m = xb_malloc((size_t)O * I, 8);
    for (size_t to = 0; to < n_to; to++)
        for (size_t ti = 0; ti < n_ti; ti++) {
            struct xb_tile_view *v = &tv[to * n_ti + ti];
            xb_xbar_tile_view(xb, to * n_ti + ti, v);
            for (size_t o = 0; o < v->cols; o++)
                for (size_t i = 0; i < v->rows; i++) {
                    size_t c = o * v->rows + i, g = (to * TC + o) * I + ti * TR + i;
                    sd_p[g] = p.device.type->read_sigma(p.device.p, v->g_prog_p[c],
                                                        v->g_now_p[c], t);
                    sd_m[g] = p.device.type->read_sigma(p.device.p, v->g_prog_m[c],
                                                        v->g_now_m[c], t);
                }
        }
    struct xb_addr za = {.purpose = XB_PURPOSE_TEST, .layer = 77};
    const struct xb_stream zs = xb_stream_at(2026, &za);
    for (int r = 0; r < N; r++) {
        struct xb_stream sr = xb_stream_row(zs, (uint32_t)r, 0);
        xb_normal_fill(&sr, 0, 2 * (size_t)O * I, z);
        for (int o = 0; o < O; o++)
            Yr[(size_t)r * O + o] = 0.0;
        for (size_t to = 0; to < n_to; to++)
            for (size_t ti = 0; ti < n_ti; ti++) {
                const struct xb_tile_view *v = &tv[to * n_ti + ti];
                double range = xb_xbar_adc_range(xb, ti, to);
                for (size_t o = 0; o < v->cols; o++) {
                    double y = 0.0;
                    for (size_t i = 0; i < v->rows; i++) {
                        size_t c = o * v->rows + i, g = (to * TC + o) * I + ti * TR + i;
                        double gp = (double)v->g_now_p[c] + sd_p[g] * (double)z[2 * g];
                        double gm = (double)v->g_now_m[c] + sd_m[g] * (double)z[2 * g + 1];
                        y += (gp - gm) / dg * xq[ti * TR + i];
                    }
                    Yr[(size_t)r * O + to * TC + o] += quant_signed(y, ADC_BITS, range);
                }
            }
        for (int o = 0; o < O; o++)
            Yr[(size_t)r * O + o] *= s * dac_range;
    }

    for (int o = 0; o < O; o++) {
        double ma = 0, mr = 0, va = 0, vr = 0, qa = 0, qr = 0;
        for (int r = 0; r < N; r++) {
            ma += (double)Ya[(size_t)r * O + o];
            mr += Yr[(size_t)r * O + o];
        }
        ma /= N, mr /= N;
        for (int r = 0; r < N; r++) {
            double da = (double)Ya[(size_t)r * O + o] - ma, dr = Yr[(size_t)r * O + o] - mr;
            va += da * da, vr += dr * dr;
            qa += da * da * da * da, qr += dr * dr * dr * dr;
        }
        va /= N - 1, vr /= N - 1, qa /= N, qr /= N;
        /* The case has power: reads spread over several ADC codes. */
        cr_assert_gt(vr, 0.0, "output %d: the reference reads never vary", o);
        double se_m = sqrt((va + vr) / N);
        cr_assert(fabs(ma - mr) < 5.0 * se_m, "output %d: mean %.6g (engine) vs %.6g "
                  "(per-cell reference), 5 standard errors = %.3g", o, ma, mr, 5.0 * se_m);
        double se_v = sqrt((qa - va * va) / N + (qr - vr * vr) / N);
        cr_assert(fabs(va - vr) < 5.0 * se_v, "output %d: variance %.6g (engine) vs %.6g "
                  "(per-cell reference), 5 standard errors = %.3g", o, va, vr, 5.0 * se_v);
    }
    xb_xbar_free(xb);
    xb_free(W), xb_free(x), xb_free(Xc), xb_free(X), xb_free(Ya), xb_free(Yr), xb_free(z);
    xb_free(sd_p), xb_free(sd_m);
}

/* ---- the noise layer on image shapes ------------------------------------ */

/* A noise layer on {3, 4, 5} inputs equals the engine's kernel
 * (xb_noise_apply) on the flattened rows, and, written out: element j of
 * row r (CHW order) draws element j of the row's stream (purpose NOISE, the layer's id, the pass's
 * instance, the row's sample and vote; noise/xb_rng.h), so
 * y = x + x · (σ ε_j) (MULT) or x + σ ε_j (ADD), bit for bit, computed
 * here in the same float operations; and the draws within every channel
 * are all different (a draw per channel would repeat one value H·W times). */
Test(reference, noise_layer_conv_shape)
{
    enum { C = 3, H = 4, WD = 5, F = C * H * WD, R = 6 };
    struct xb_layer l = {.type = &xb_layer_noise, .id = 7, .in = {C, H, WD}, .max_rows = R};
    struct xb_layer_config cfg = {.type = "noise"};
    cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(l.out.c == C && l.out.h == H && l.out.w == WD);
    float x[R * F], y[R * F], eps[F];
    fill_normal(x, R * F, 6, 1.0f);
    const enum xb_noise_kind kinds[2] = {XB_NOISE_MULT, XB_NOISE_ADD};
    for (int k = 0; k < 2; k++) {
        struct xb_pass ps = {.phase = XB_PHASE_TRAIN, .rows = R, .seed = 4242,
                             .noise = kinds[k], .sigma = 0.5, .instance = 2,
                             .addr = {.sample0 = 50, .batch = 3, .vote0 = 4}};
        l.type->forward(&l, &ps, x, y);
        /* The engine's kernel on the flattened rows gives the same bits. */
        float ref[R * F];
        memcpy(ref, x, sizeof ref);
        struct xb_addr ka = {.purpose = XB_PURPOSE_NOISE, .layer = 7, .instance = 2};
        struct xb_stream ks = xb_stream_at(4242, &ka);
        xb_noise_apply(kinds[k], 0.5f, &ks, &ps.addr, 0, R, 0, F, ref, F, eps);
        cr_assert(!memcmp(ref, y, sizeof ref), "%s: the layer on {%d, %d, %d} differs from "
                  "xb_noise_apply on its flattened rows", xb_noise_kind_name(kinds[k]), C, H, WD);
        struct xb_addr na = {.purpose = XB_PURPOSE_NOISE, .layer = 7, .instance = 2};
        for (int r = 0; r < R; r++) {
            struct xb_addr ra = na;
            ra.sample = 50u + (uint32_t)(r % 3);
            ra.vote = 4u + (uint32_t)(r / 3);
            struct xb_stream st = xb_stream_at(4242, &ra);
            xb_normal_fill(&st, 0, F, eps);
            for (int j = 0; j < F; j++) {
                float se = 0.5f * eps[j], xv = x[r * F + j];
                float want = kinds[k] == XB_NOISE_MULT ? xv + xv * se : xv + se;
                cr_assert(!memcmp(&want, &y[r * F + j], sizeof want),
                          "%s row %d element %d (channel %d): %.9g, want %.9g",
                          xb_noise_kind_name(kinds[k]), r, j, j / (H * WD),
                          (double)y[r * F + j], (double)want);
            }
            for (int c = 0; c < C; c++)
                for (int u = 0; u < H * WD; u++)
                    for (int w = u + 1; w < H * WD; w++) {
                        size_t a = (size_t)r * F + (size_t)c * H * WD;
                        float du = y[a + (size_t)u] - x[a + (size_t)u];
                        float dw = y[a + (size_t)w] - x[a + (size_t)w];
                        if (kinds[k] == XB_NOISE_MULT)
                            du /= x[a + (size_t)u], dw /= x[a + (size_t)w];
                        cr_assert(du != dw, "row %d channel %d: elements %d and %d drew "
                                  "the same noise", r, c, u, w);
                    }
        }
    }
    l.type->destroy(&l);
}
