/*
 * The measured SNR of an analog layer on a chip (models/eval/xb_snr.h)
 * agrees with `xbar mvm` (sim/study/xb_mvm_study.h) on the same matrix,
 * inputs and settings (issue 10): a net of one dense layer whose weights
 * are mvm's W (bias 0), evaluated on mvm's X as the device sweeps evaluate
 * (xb_eval_chips: programmed as chip instance 0, calibrated on X as mvm
 * calibrates, aged to t, one read). Layer 0 has the engine's layer id 0 as
 * mvm's matrix does, and the rows have the addresses of mvm's batch, so
 * every draw is the same and both sum the same terms in the same order:
 * the two SNRs are equal to the bit, for every preset (those with
 * programming, drift and read noise, with tiles that do not divide the
 * matrix, an 8-bit DAC and a 6-bit ADC); so are the SNRs at each tile's
 * ADC output.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_eval.h"
#include "xb_mvm_study.h"
#include "xb_net.h"
#include "xb_snr.h"
#include "xb_test_net.h"

static void agree(const char *device, enum xb_adc_calib calib, double t)
{
    struct xb_ctx_params cp = {.seed = 7, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    struct xb_mvm_study s = {.rows = 100, .cols = 300, .batch = 70};
    xb_config_default(&s.cfg);
    cr_assert_eq(xb_device_init(ctx, &s.cfg.xbar.device, device), XB_OK, "%s",
                 xb_ctx_error(ctx));
    s.cfg.xbar.tile_rows = 128;
    s.cfg.xbar.tile_cols = 64;
    s.cfg.xbar.dac_bits = 8;
    s.cfg.xbar.adc_bits = 6;
    s.cfg.xbar.adc_calib = calib;
    s.cfg.xbar.adc_value = 99.0;
    s.cfg.t = t;
    s.cfg.xbar.drift_comp = 1;
    s.cfg.xbar.gemm = XB_GEMM_PORTABLE;
    float *W, *X;
    struct xb_mvm_result r;
    cr_assert_eq(xb_mvm_load(ctx, &s, &W, &X), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_mvm_run(ctx, &s, W, X, &r), XB_OK, "%s", xb_ctx_error(ctx));

    struct xb_net_config nc = {.input = {(int)s.cols, 1, 1}, .classes = (int)s.rows,
                               .n_layers = 1, .gemm = XB_GEMM_PORTABLE};
    nc.layers[0] = xb_test_layer("dense", (int)s.rows);
    struct xb_net *net = xb_test_net(ctx, &nc, s.batch);
    float *p = xb_net_params(net);
    memset(p, 0, xb_net_n_params(net) * sizeof(float));
    memcpy(p, W, s.rows * s.cols * sizeof(float));
    struct xb_xbar_params xp;
    xb_config_xbar_params(&s.cfg, &xp);
    struct xb_snr m;
    xb_snr_init(&m, net, 1);
    cr_assert_eq(m.n, 1);
    uint8_t *y = xb_calloc(s.batch, 1);
    double acc, vote;
    const struct xb_chip_eval_params ce = {.xbar = &xp, .t = s.cfg.t, .instances = 1,
                                           .votes = 1, .cal_X = X, .cal_n = s.batch,
                                           .snr = &m};
    cr_assert_eq(xb_eval_chips(ctx, net, &ce, X, y, s.batch, &acc, &vote), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_expect(isfinite(r.snr_db), "%s: mvm measures %g dB", device, r.snr_db);
    cr_expect_eq(m.values[0], (uint64_t)(s.batch * s.rows));
    cr_expect_eq(xb_snr_layer_db(&m, 0), r.snr_db, "%s: layer %.17g dB, mvm %.17g dB", device,
                 xb_snr_layer_db(&m, 0), r.snr_db);
    cr_expect_eq(xb_snr_net_db(&m), r.snr_db, "%s: one layer: the chip is the layer", device);
    /* Each tile's ADC output: the same function on the same reads, so the
     * extremes over tiles are mvm's to the bit too. */
    cr_assert_eq(m.n_tiles, r.tiles);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < m.n_tiles; k++) {
        cr_expect_eq(m.tile_layer[k], 0);
        lo = fmin(lo, xb_snr_tile_db(&m, k));
        hi = fmax(hi, xb_snr_tile_db(&m, k));
    }
    cr_expect(lo == r.tile_snr_db_min && hi == r.tile_snr_db_max, "%s: tiles %.17g .. %.17g "
              "dB, mvm %.17g .. %.17g dB", device, lo, hi, r.tile_snr_db_min,
              r.tile_snr_db_max);
    cr_expect_lt(lo, hi, "%s: %zu tiles that differ", device, r.tiles);
    xb_free(y);
    xb_net_free(net);
    xb_mvm_result_free(&r);
    xb_free(W), xb_free(X);
    xb_ctx_free(ctx);
}

Test(snr_mvm, pcm_an_hour_after_programming) { agree("pcm", XB_ADC_PERCENTILE, 3600.0); }
Test(snr_mvm, reram_at_once) { agree("reram", XB_ADC_MAX, 0.0); }
Test(snr_mvm, flash_after_a_day) { agree("flash", XB_ADC_MAX, 86400.0); }
