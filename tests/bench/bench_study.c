/*
 * bench_study.c — what one point of a device study costs (issue 10,
 * Performance): the steady state, the MVM of a PCM chip (256 x 256 tiles,
 * aged to 1 h, per-cell read noise, 8-bit DAC and ADC with max-calibrated
 * ranges) on batch 256, 784 -> 256, against cblas_sgemm of the same shape,
 * one thread; and the per-point overhead xb_eval_chips pays for each chip
 * instance before it reads (models/eval/xb_eval.c): programming the mlp's
 * three weighted layers (784 -> 256 -> 256 -> 10), calibrating their
 * converters on 640 inputs, ageing to t. Best of 5 rounds, as bench.c.
 */
#include "bench_study.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <time.h>

#include "xb_alloc.h"
#include "xb_device.h"
#include "xb_rng.h"
#include "xb_xbar.h"

#define B 256
#define CAL 640

static double clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fill(float *x, size_t n, uint32_t which)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = which};
    struct xb_stream s = xb_stream_at(7, &a);
    xb_uniform_fill(&s, 0, n, x);
    for (size_t i = 0; i < n; i++)
        x[i] = 2.0f * x[i] - 1.0f;
}

static void params(struct xb_ctx *ctx, struct xb_xbar_params *p, int *ok)
{
    xb_xbar_params_default(p);
    *ok = xb_device_init(ctx, &p->device, "pcm") == XB_OK;
    p->tile_rows = p->tile_cols = 256;
    p->dac_bits = p->adc_bits = 8;
    p->adc_calib = XB_ADC_MAX;
    p->drift_comp = 1;
}

/* One point's overhead for one chip instance: program, calibrate, age;
 * part[3] their seconds. */
static double overhead_s(struct xb_ctx *ctx, const struct xb_xbar_params *p, float *const *W,
                         const size_t *dims, const float *X, double *part, int *ok)
{
    part[0] = part[1] = part[2] = 0.0;
    for (int l = 0; l < 3 && *ok; l++) {
        struct xb_xbar *xb = NULL;
        double t0 = clock_s();
        *ok = xb_xbar_create(ctx, p, W[l], dims[l + 1], dims[l], &xb) == XB_OK;
        double t1 = clock_s();
        /* The cost does not depend on the inputs' values: X's first
         * CAL x dims[l] values serve as every layer's inputs. */
        *ok = *ok && xb_xbar_calibrate(ctx, xb, X, CAL) == XB_OK;
        double t2 = clock_s();
        *ok = *ok && xb_xbar_age(ctx, xb, 3600.0) == XB_OK;
        double t3 = clock_s();
        part[0] += t1 - t0, part[1] += t2 - t1, part[2] += t3 - t2;
        xb_xbar_free(xb);
    }
    return part[0] + part[1] + part[2];
}

double bench_study(struct xb_ctx *ctx)
{
    const size_t dims[4] = {784, 256, 256, 10};
    float *W[3];
    for (int l = 0; l < 3; l++) {
        W[l] = xb_aligned(dims[l] * dims[l + 1], sizeof(float));
        fill(W[l], dims[l] * dims[l + 1], (uint32_t)l + 1);
    }
    float *X = xb_aligned((size_t)CAL * 784, sizeof(float));
    float *Y = xb_aligned((size_t)B * 256, sizeof(float));
    fill(X, (size_t)CAL * 784, 9);
    struct xb_xbar_params p;
    int ok;
    params(ctx, &p, &ok);
    struct xb_xbar *xb = NULL;
    ok = ok && xb_xbar_create(ctx, &p, W[0], 256, 784, &xb) == XB_OK &&
         xb_xbar_calibrate(ctx, xb, X, CAL) == XB_OK && xb_xbar_age(ctx, xb, 3600.0) == XB_OK;
    if (!ok) {
        fprintf(stderr, "bench: study: %s\n", xb_ctx_error(ctx));
        xb_xbar_free(xb);
        return NAN;
    }
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    double t_sg = INFINITY, t_xb = INFINITY, t_over = INFINITY;
    struct xb_rows rows = {.batch = B};
    for (int round = 0; round < 5; round++) {
        double t0 = clock_s();
        int n = 0;
        do {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, 256, 784, 1.0f, X, 784,
                        W[0], 784, 0.0f, Y, 256);
            n++;
        } while (clock_s() - t0 < 0.05);
        t_sg = fmin(t_sg, (clock_s() - t0) / n);
        t0 = clock_s(), n = 0;
        do {
            xb_xbar_execute(xb, X, B, NULL, Y, &rows, NULL);
            n++;
        } while (clock_s() - t0 < 0.05);
        t_xb = fmin(t_xb, (clock_s() - t0) / n);
    }
    omp_set_num_threads(threads);
    double part[3], best[3] = {0};
    for (int round = 0; round < 5 && ok; round++) {
        double t = overhead_s(ctx, &p, W, dims, X, part, &ok);
        if (t < t_over)
            t_over = t, best[0] = part[0], best[1] = part[1], best[2] = part[2];
    }
    printf("\n[study] a device study point: pcm at t = 1 h, 256 x 256 tiles, per-cell read "
           "noise, 8-bit DAC and ADC (max), batch %d, 784 -> 256\n", B);
    printf("study_sgemm_1t_ms: %.4f\n", 1e3 * t_sg);
    printf("study_device_mvm_1t_ms: %.4f\n", 1e3 * t_xb);
    printf("study_device_mvm_1t_ratio: %.3f\n", t_sg / t_xb);
    printf("study_point_overhead_ms: %.3f (per chip instance: program + calibrate on %d "
           "inputs + age, mlp 784-256-256-10, %d threads)\n", 1e3 * t_over, CAL, threads);
    printf("study_point_program_ms: %.3f\nstudy_point_calibrate_ms: %.3f\n"
           "study_point_age_ms: %.3f\n", 1e3 * best[0], 1e3 * best[1], 1e3 * best[2]);
    fflush(stdout);
    xb_xbar_free(xb);
    for (int l = 0; l < 3; l++)
        xb_free(W[l]);
    xb_free(X), xb_free(Y);
    return ok ? t_sg / t_xb : (double)NAN;
}
