/*
 * Device physics through the engine's plan: programming noise, drift,
 * 1/f read noise growth, stuck-at faults and device-to-device variation
 * are drawn as the models say, once per chip instance.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_xbar.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 99, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(program, .init = setup, .fini = teardown);

enum { N = 256 };

/* A 256 × 256 crossbar whose weights are all w (per-layer scale = |w|
 * unless one cell holds 1 to fix the scale). */
static struct xb_xbar *constant(const char *device, float level, const char *set_k,
                                const char *set_v, uint32_t instance)
{
    float *W = xb_malloc(N * N, 4);
    for (int k = 0; k < N * N; k++)
        W[k] = level;
    W[0] = 1.0f; /* the layer scale: level is then g/g_max */
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.instance = instance;
    cr_assert_eq(xb_device_init(ctx, &p.device, device), XB_OK);
    if (set_k)
        cr_assert_eq(xb_device_set(ctx, &p.device, set_k, set_v, "test"), XB_OK,
                     "%s", xb_ctx_error(ctx));
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, N, N, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    xb_free(W);
    return xb;
}

static void mean_std(const float *a, const float *b, size_t n, double *m, double *s)
{
    double s1 = 0, s2 = 0;
    for (size_t k = 1; k < n; k++) { /* cell 0 holds the scale weight */
        double d = (double)a[k] - (b ? (double)b[k] : 0.0);
        s1 += d, s2 += d * d;
    }
    n -= 1;
    *m = s1 / (double)n;
    *s = sqrt(s2 / (double)n - *m * *m);
}

/* PCM programming error: sample std at g/g_max = 0.25, 0.5, 1 equals
 * (c0 + c1 g + c2 g²) uS within a 5-sigma interval (the sample std of n
 * normals has std sigma / sqrt(2n)). */
Test(program, pcm_programming_sigma)
{
    const double c0 = 0.26348, c1 = 1.9650, c2 = -1.1731;
    const float levels[] = {0.25f, 0.5f, 1.0f};
    for (int l = 0; l < 3; l++) {
        double g = levels[l];
        struct xb_xbar *xb = constant("pcm", levels[l], NULL, NULL, 0);
        struct xb_tile_view v;
        xb_xbar_tile_view(xb, 0, &v);
        double m, s, want = c0 + c1 * g + c2 * g * g;
        mean_std(v.g_prog_p, v.g_target_p, v.rows * v.cols, &m, &s);
        double tol = 5 * want / sqrt(2.0 * N * N);
        cr_assert(fabs(s - want) < tol, "g %.2f: sigma %.4f uS, want %.4f +- %.4f", g, s,
                  want, tol);
        cr_assert(fabs(m) < 5 * want / N, "g %.2f: mean error %.4f uS", g, m);
        cr_assert(fabs((double)v.g_target_p[1] - 25.0 * g) < 1e-4);
        xb_xbar_free(xb);
    }
}

/* Drift: every device follows g(t) = g_prog ((t + t0)/t0)^-nu exactly, and
 * the mean factor after 1 h is E[((t + t0)/t0)^-nu] = exp(-mu L + s² L² / 2)
 * for nu ~ N(mu = 0.049, s = 0.008) (g/g_max >= 0.2; folding at 0 is 6σ
 * away), L = ln((t + t0)/t0): 0.775. The weights the engine reports
 * (xb_xbar_effective_weights) are the drifted pairs, cell by cell. Bounds:
 * 5 standard errors of each mean over the n = N² − 1 cells (the sample's
 * own std / sqrt(n) for the factor, s / sqrt(n) for nu, s / sqrt(2 n) for
 * nu's std). */
Test(program, pcm_drift_one_hour)
{
    struct xb_xbar *xb = constant("pcm", 0.6f, NULL, NULL, 0);
    cr_assert_eq(xb_xbar_age(ctx, xb, 3600.0), XB_OK);
    struct xb_tile_view v;
    xb_xbar_tile_view(xb, 0, &v);
    const double L = log((3600.0 + 20.0) / 20.0);
    double sum = 0, sum2 = 0, num = 0, nu2 = 0;
    size_t n = v.rows * v.cols;
    float *We = xb_malloc(n, 4);
    xb_xbar_effective_weights(xb, We);
    const struct xb_device *d = &xb_xbar_params(xb)->device;
    const double dg = xb_device_gmax(d) - xb_device_gmin(d);
    for (size_t k = 1; k < n; k++) {
        double f = exp(-(double)v.nu_p[k] * L);
        cr_assert(fabs((double)v.g_now_p[k] - (double)v.g_prog_p[k] * f) <
                  1e-5 * (double)v.g_prog_p[k] + 1e-6);
        double w = ((double)v.g_now_p[k] - (double)v.g_now_m[k]) / dg; /* scale 1 (W[0]) */
        cr_assert(fabs((double)We[k] - w) <= 1e-6 * fabs(w), "cell %zu: effective weight "
                  "%.7g, drifted pair %.7g", k, (double)We[k], w);
        double r = (double)v.g_now_p[k] / (double)v.g_prog_p[k];
        sum += r, sum2 += r * r;
        num += (double)v.nu_p[k];
        nu2 += (double)v.nu_p[k] * (double)v.nu_p[k];
    }
    const double m = (double)(n - 1);
    double mean_f = sum / m, sd_f = sqrt(sum2 / m - mean_f * mean_f), mnu = num / m;
    double snu = sqrt(nu2 / m - mnu * mnu);
    double want = exp(-0.049 * L + 0.5 * 0.008 * 0.008 * L * L);
    cr_assert(fabs(mean_f - want) < 5 * sd_f / sqrt(m), "mean drift factor %.5f, want %.5f "
              "+- %.5f", mean_f, want, 5 * sd_f / sqrt(m));
    cr_assert(fabs(mnu - 0.049) < 5 * 0.008 / sqrt(m), "nu mean %.5f", mnu);
    cr_assert(fabs(snu - 0.008) < 5 * 0.008 / sqrt(2.0 * m), "nu std %.5f", snu);
    xb_free(We);
    xb_xbar_free(xb);
}

/* 1/f read noise accumulated to t grows like sqrt(ln((t + t0 + t_r)/2t_r))
 * relative to the drifted conductance: the spread of repeated reads of one
 * input grows from 1 min to 1 day by the predicted factor. */
Test(program, pcm_read_noise_grows_with_time)
{
    enum { O = 16, I = 256, REP = 2000 };
    float *W = xb_malloc(O * I, 4), *X = xb_malloc((size_t)REP * I, 4);
    float *Y = xb_malloc((size_t)REP * O, 4);
    for (int k = 0; k < O * I; k++)
        W[k] = (k % 3 == 0) ? 1.0f : -1.0f;
    for (int k = 0; k < REP * I; k++)
        X[k] = 1.0f;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "drift_scale", "0", "test"), XB_OK);
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, O, I, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    const double t[] = {60.0, 86400.0};
    double var[2];
    for (int s = 0; s < 2; s++) {
        cr_assert_eq(xb_xbar_age(ctx, xb, t[s]), XB_OK);
        struct xb_rows a = {.batch = REP};
        xb_xbar_execute(xb, X, REP, NULL, Y, &a, NULL);
        double m = 0, v = 0;
        for (int r = 0; r < REP; r++)
            m += (double)Y[r * O];
        m /= REP;
        for (int r = 0; r < REP; r++)
            v += pow((double)Y[r * O] - m, 2);
        var[s] = v / (REP - 1);
    }
    const double tr = 250e-9, t0 = 20.0;
    double want = log((t[1] + t0 + tr) / (2 * tr)) / log((t[0] + t0 + tr) / (2 * tr));
    double got = var[1] / var[0], sd = sqrt(4.0 / (REP - 1));
    cr_assert_gt(got, 1.0, "read noise must grow with t");
    cr_assert(fabs(log(got / want)) < 5 * sd, "variance ratio %.4f, want %.4f", got, want);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X), xb_free(Y);
}

/* Stuck-at faults: fractions within 5-sigma binomial bounds; stuck devices
 * sit exactly at g_min / g_max and do not drift. */
Test(program, stuck_fractions_binomial)
{
    float *W = xb_malloc(N * N, 4);
    for (int k = 0; k < N * N; k++)
        W[k] = 0.5f;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "stuck_min", "0.05", "t"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "stuck_max", "0.02", "t"), XB_OK);
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, N, N, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_xbar_age(ctx, xb, 3600.0), XB_OK);
    struct xb_tile_view v;
    xb_xbar_tile_view(xb, 0, &v);
    size_t n = v.rows * v.cols, c1 = 0, c2 = 0;
    const unsigned char *st[2] = {v.stuck_p, v.stuck_m};
    const float *gn[2] = {v.g_now_p, v.g_now_m};
    for (int s = 0; s < 2; s++)
        for (size_t k = 0; k < n; k++) {
            if (st[s][k] == 1) {
                c1++;
                cr_assert_eq(gn[s][k], 0.0f);
            } else if (st[s][k] == 2) {
                c2++;
                cr_assert_eq(gn[s][k], 25.0f);
            }
        }
    double tot = 2.0 * (double)n;
    cr_assert(fabs((double)c1 - 0.05 * tot) < 5 * sqrt(tot * 0.05 * 0.95), "stuck_min %zu", c1);
    cr_assert(fabs((double)c2 - 0.02 * tot) < 5 * sqrt(tot * 0.02 * 0.98), "stuck_max %zu", c2);
    xb_xbar_free(xb);
    xb_free(W);
}

/* A chip instance is fixed by (seed, instance): the same instance
 * reprograms identically whatever the inference noise, another differs. */
Test(program, chip_instances)
{
    struct xb_xbar *a = constant("pcm", 0.5f, "d2d", "0.05", 3);
    struct xb_xbar *b = constant("pcm", 0.5f, "d2d", "0.05", 3);
    struct xb_xbar *c = constant("pcm", 0.5f, "d2d", "0.05", 4);
    struct xb_tile_view va, vb, vc;
    xb_xbar_tile_view(a, 0, &va);
    xb_xbar_tile_view(b, 0, &vb);
    xb_xbar_tile_view(c, 0, &vc);
    size_t bytes = va.rows * va.cols * sizeof(float);
    cr_assert(memcmp(va.g_prog_p, vb.g_prog_p, bytes) == 0);
    cr_assert(memcmp(va.nu_m, vb.nu_m, bytes) == 0);
    cr_assert(memcmp(va.g_prog_p, vc.g_prog_p, bytes) != 0);
    /* d2d widens the spread of targets: relative std 0.05 of the window. */
    double m, s;
    mean_std(va.g_target_p, NULL, va.rows * va.cols, &m, &s);
    cr_assert(fabs(s / 12.5 - 0.05) < 5 * 0.05 / sqrt(2.0 * N * N), "d2d spread %.4f", s / 12.5);
    xb_xbar_free(a), xb_xbar_free(b), xb_xbar_free(c);
}

/* Global drift compensation restores the mean |weight| of programming. */
Test(program, drift_compensation)
{
    float *W = xb_malloc(N * N, 4), *E0 = xb_malloc(N * N, 4), *E1 = xb_malloc(N * N, 4);
    for (int k = 0; k < N * N; k++)
        W[k] = (float)((k * 7919) % 201 - 100) / 100.0f;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.drift_comp = 1;
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, N, N, &xb), XB_OK);
    xb_xbar_effective_weights(xb, E0);
    cr_assert_eq(xb_xbar_age(ctx, xb, 86400.0 * 30), XB_OK);
    xb_xbar_effective_weights(xb, E1);
    double s0 = 0, s1 = 0;
    for (int k = 0; k < N * N; k++)
        s0 += fabs((double)E0[k]), s1 += fabs((double)E1[k]);
    cr_assert(fabs(s1 / s0 - 1.0) < 1e-4, "compensated ratio %.6f", s1 / s0);
    cr_assert_gt(xb_xbar_drift_scale(xb), 1.2);
    xb_xbar_free(xb);
    xb_free(W), xb_free(E0), xb_free(E1);
}

/* Levels: a 5-level device realises only 5 targets per side. */
Test(program, level_quantisation)
{
    float W[8] = {0.1f, 0.3f, 0.49f, 0.51f, -0.9f, 1.0f, 0.0f, -0.2f};
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    cr_assert_eq(xb_device_init(ctx, &p.device, "generic"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "levels", "5", "t"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "prog_sigma", "0", "t"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "read_sigma", "0", "t"), XB_OK);
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, 1, 8, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    float E[8];
    xb_xbar_effective_weights(xb, E);
    float want[8] = {0.0f, 0.25f, 0.5f, 0.5f, -1.0f, 1.0f, 0.0f, -0.25f};
    for (int k = 0; k < 8; k++)
        cr_assert(fabsf(E[k] - want[k]) < 1e-5f, "w %g -> %g, want %g", (double)W[k],
                  (double)E[k], (double)want[k]);
    xb_xbar_free(xb);
}
