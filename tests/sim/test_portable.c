/*
 * Portable mode (devices/engine/xb_sgemm.h): every number xbar writes is the same
 * on any x86-64 machine with AVX2 and FMA, whatever kernel OpenBLAS picks.
 *
 * The digests below were computed once (2026-11-29, AMD EPYC with AVX-512,
 * and checked equal under OPENBLAS_CORETYPE Haswell, Zen, Sandybridge,
 * SkylakeX and Cooperlake and, under valgrind, on the AVX2 path); a machine
 * whose portable numbers differ from them in one bit fails here. The ideal
 * and generic presets share a digest: generic has every error off by
 * default. They cover `xbar mvm` on every
 * device preset (tiles, converters, drift, read noise, programming draws)
 * and a small noise sweep (training, noisy evaluation, voting) — in native
 * mode the same runs agree with these only where OpenBLAS's kernel happens
 * to sum in the same order, which is why they are not checked there.
 *
 * The inputs come from xbar's own streams (noise/xb_rng.h, Philox and its
 * own Box–Muller), which hold the same bits on every ISA level.
 */
#include <criterion/criterion.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_mvm_study.h"
#include "xb_sweep.h"

/* FNV-1a, 64 bits: any changed byte changes the digest. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
#define FNV_OFFSET 0xcbf29ce484222325ull

/* ---- xbar mvm on every preset --------------------------------------------- */

/* A study that exercises every part of the engine: tiles that do not divide
 * the matrix, a 8-bit DAC, a 6-bit ADC at the 99th percentile, drift read
 * an hour after programming with compensation, and the presets' own
 * programming and read noise. */
static uint64_t mvm_digest(const char *device, int threads)
{
    struct xb_ctx_params cp = {.seed = 5, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    struct xb_mvm_study s = {.rows = 100, .cols = 300, .batch = 70};
    xb_config_default(&s.cfg);
    cr_assert_eq(xb_device_init(ctx, &s.cfg.xbar.device, device), XB_OK, "%s", xb_ctx_error(ctx));
    s.cfg.xbar.tile_rows = 128;
    s.cfg.xbar.tile_cols = 64;
    s.cfg.xbar.dac_bits = 8;
    s.cfg.xbar.adc_bits = 6;
    s.cfg.xbar.adc_calib = XB_ADC_PERCENTILE;
    s.cfg.xbar.adc_value = 99.0;
    s.cfg.t = 3600.0;
    s.cfg.xbar.drift_comp = 1;
    s.cfg.xbar.gemm = XB_GEMM_PORTABLE;
    float *W, *X;
    struct xb_mvm_result r;
    omp_set_num_threads(threads);
    cr_assert_eq(xb_mvm_load(ctx, &s, &W, &X), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_mvm_run(ctx, &s, W, X, &r), XB_OK, "%s", xb_ctx_error(ctx));
    uint64_t h = fnv1a(FNV_OFFSET, r.Y, s.batch * s.rows * sizeof(float));
    h = fnv1a(h, r.Y_ideal, s.batch * s.rows * sizeof(float));
    h = fnv1a(h, &r.snr_db, sizeof r.snr_db);
    xb_mvm_result_free(&r);
    xb_free(W), xb_free(X);
    xb_ctx_free(ctx);
    return h;
}

static const struct {
    const char *device;
    uint64_t digest;
} MVM_GOLDEN[] = {
    {"ideal", 0x060bc6d3965f824full},
    {"generic", 0x060bc6d3965f824full},
    {"pcm", 0xc4946c3005444eacull},
    {"reram", 0x178f09437350fb9bull},
    {"flash", 0xee712c85e26bde16ull},
};

Test(portable, mvm_of_every_preset_matches_its_golden_digest)
{
    for (size_t i = 0; i < sizeof MVM_GOLDEN / sizeof *MVM_GOLDEN; i++) {
        uint64_t one = mvm_digest(MVM_GOLDEN[i].device, 1);
        uint64_t two = mvm_digest(MVM_GOLDEN[i].device, 2);
        cr_expect_eq(one, two, "%s: 1 and 2 threads differ", MVM_GOLDEN[i].device);
        cr_expect_eq(one, MVM_GOLDEN[i].digest,
                     "%s: portable xbar mvm digest 0x%016llxull, golden 0x%016llxull",
                     MVM_GOLDEN[i].device, (unsigned long long)one,
                     (unsigned long long)MVM_GOLDEN[i].digest);
    }
}

/* ---- a small sweep --------------------------------------------------------- */

static char dir[] = "/tmp/xbar-portable-XXXXXX";

static uint64_t sweep_digest(int threads)
{
    struct xb_ctx_params cp = {.seed = 11, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&cp);
    struct xb_dataset *train, *test;
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = 400;
    sp.n_test = 200;
    cr_assert_eq(xb_data_synth(ctx, &sp, 3, &train, &test), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_sweep_data data = {.train = {train->x, train->y, 340},
                                 .val = {train->x + 340 * train->dim, train->y + 340, 60},
                                 .test = {test->x, test->y, test->n}};
    char path[256], out[256];
    snprintf(path, sizeof path, "%s/p.cfg", dir);
    snprintf(out, sizeof out, "%s/p%d.h5", dir, threads);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "model = { name = \"tiny\"; input = [1, 8, 8]; classes = 10;\n"
            "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 48; },\n"
            "    { type = \"noise\"; }, { type = \"relu\"; }, { type = \"dense\"; units = 10; },\n"
            "    { type = \"noise\"; } ); };\n"
            "data = { set = \"synthetic\"; };\n"
            "train = { optimizer = \"adam\"; lr = 0.01; batch = 32; epochs = 3; };\n"
            "sweep = { noise = \"mult\"; sigma_train = [0.0, 0.6]; sigma_test = [0.0, 0.6];\n"
            "  repeats = 2; votes = 3; eval_rows = 120; portable = true; output = \"%s\"; };\n",
            out);
    fclose(f);
    static struct xb_experiment e;
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.model.gemm, XB_GEMM_PORTABLE);
    omp_set_num_threads(threads);
    struct xb_sweep *s;
    cr_assert_eq(xb_sweep_create(ctx, &e, &data, "test", 0, &s), XB_OK, "%s", xb_ctx_error(ctx));
    while (xb_sweep_pending(s))
        cr_assert_eq(xb_sweep_step(ctx, s, 0), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_sweep_save(ctx, s), XB_OK, "%s", xb_ctx_error(ctx));
    xb_sweep_free(s);
    uint64_t h = FNV_OFFSET;
    const char *names[] = {"/models/0/params", "/models/1/params", "/sweep/accuracy",
                           "/sweep/accuracy_vote"};
    for (size_t k = 0; k < 4; k++) {
        void *d;
        int rank;
        size_t dims[8], n = 1;
        cr_assert_eq(xb_h5_read_array(ctx, out, names[k], XB_H5_F64, &d, &rank, dims), XB_OK,
                     "%s", xb_ctx_error(ctx));
        for (int j = 0; j < rank; j++)
            n *= dims[j];
        h = fnv1a(h, d, n * sizeof(double));
        xb_free(d);
    }
    xb_dataset_free(train);
    xb_dataset_free(test);
    xb_ctx_free(ctx);
    return h;
}

static const uint64_t SWEEP_GOLDEN = 0xcb305f300328fb78ull;

Test(portable, small_sweep_matches_its_golden_digest, .timeout = 300)
{
    cr_assert_not_null(mkdtemp(dir));
    uint64_t one = sweep_digest(1), two = sweep_digest(2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    cr_expect_eq(one, two, "1 and 2 threads differ");
    cr_expect_eq(one, SWEEP_GOLDEN, "portable sweep digest 0x%016llxull, golden 0x%016llxull",
                 (unsigned long long)one, (unsigned long long)SWEEP_GOLDEN);
}
