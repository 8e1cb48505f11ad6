/*
 * bench_calib.c — how much of `xbar mvm` converter calibration takes.
 *
 * The study's whole run (programming, ageing, calibration, the crossbar
 * product, the ideal product, the figures) is timed through xb_mvm_run with
 * the CLI's defaults; the calibration alone is the same xb_xbar_calibrate
 * call on an equally programmed crossbar. Both in interleaved rounds, the
 * best round counting (as bench.c times everything).
 */
#include "bench_calib.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "xb_alloc.h"
#include "xb_config.h"
#include "xb_mvm_study.h"
#include "xb_xbar.h"

#define CAL_BATCH 25600
#define CAL_IN 784
#define CAL_OUT 256
#define CAL_ROUNDS 7

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_calib(struct xb_ctx *ctx)
{
    struct xb_mvm_study s = {.rows = CAL_OUT, .cols = CAL_IN, .batch = CAL_BATCH,
                             .calib_rows = XB_MVM_DEFAULT_CALIB_ROWS};
    xb_config_default(&s.cfg);
    s.cfg.xbar.dac_bits = 8;
    s.cfg.xbar.adc_bits = 8;
    s.cfg.xbar.adc_calib = XB_ADC_MAX;
    float *W = NULL, *X = NULL;
    struct xb_xbar_params p;
    struct xb_xbar *xb = NULL;
    double share = NAN;
    if (xb_mvm_load(ctx, &s, &W, &X) != XB_OK)
        goto done;
    xb_config_xbar_params(&s.cfg, &p);
    if (xb_xbar_create(ctx, &p, W, s.rows, s.cols, &xb) != XB_OK ||
        xb_xbar_age(ctx, xb, s.cfg.t) != XB_OK)
        goto done;

    double best_run = INFINITY, best_cal = INFINITY;
    struct xb_mvm_result r = {0};
    for (int k = 0; k < CAL_ROUNDS; k++) {
        double t0 = seconds();
        if (xb_mvm_run(ctx, &s, W, X, &r) != XB_OK)
            goto done;
        double t1 = seconds();
        if (xb_xbar_calibrate(ctx, xb, X, r.calib_rows) != XB_OK)
            goto done;
        double t2 = seconds();
        best_run = fmin(best_run, t1 - t0);
        best_cal = fmin(best_cal, t2 - t1);
        if (k + 1 < CAL_ROUNDS)
            xb_mvm_result_free(&r);
    }
    share = best_cal / best_run;
    printf("\n[calib] xbar mvm: batch %d, %d -> %d, 8-bit DAC and ADC, max range, "
           "calibration read of the first %zu inputs (--calib-rows)\n",
           CAL_BATCH, CAL_IN, CAL_OUT, r.calib_rows);
    printf("calib_mvm_run_ms: %.2f\n", 1e3 * best_run);
    printf("calib_calibration_ms: %.2f\n", 1e3 * best_cal);
    printf("calib_share: %.4f\n", share);
    printf("calib_snr_db: %.3f\n", r.snr_db);
    printf("calib_goal: share < 0.05\n");
    xb_mvm_result_free(&r);
done:
    xb_xbar_free(xb);
    xb_free(W);
    xb_free(X);
    xb_data_files_free(&s.files);
    return share;
}
