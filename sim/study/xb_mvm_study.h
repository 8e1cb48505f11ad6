/*
 * xb_mvm_study.h — one matrix-vector product on a simulated crossbar,
 * measured against the ideal product (`xbar mvm`).
 *
 * The architect's first question (issue 2): what SNR does a tile of this
 * device with these converters give, t seconds after programming? The
 * study programs W[rows × cols] (outputs × inputs) onto an xb_xbar, ages it
 * to t, calibrates the converter ranges with one reference read of the
 * first calib_rows inputs of X[batch × cols], executes Y = X Wᵀ on the
 * whole batch and compares it with the float32 GEMM of the same operands.
 *
 * Why a reference read and not the whole batch: a chip sets its ranges once,
 * on a limited calibration set, and then reads inputs it has not seen (those
 * past the set may clip). Calibrating on all of X is the best case
 * (calib_rows 0) and costs a third of the products again: at batch 25,600
 * the default 1,024 rows keep calibration to a few per cent of the run
 * (`make bench`, [calib]).
 *
 * Random operands come from the counter-based streams (ARCHITECTURE.md §6): row r
 * of W is sample r of purpose WEIGHTS, row b of X is sample b of purpose
 * INPUTS, so a matrix depends on the seed and its own shape only, and the
 * first rows of a larger batch equal a smaller batch.
 *
 * Nothing here prints. Errors of xb_mvm_load are bad input (exit 2 in the
 * CLI); errors of xb_mvm_run and xb_mvm_write are failures (exit 1).
 */
#ifndef XB_MVM_STUDY_H
#define XB_MVM_STUDY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_config.h"
#include "xb_ctx.h"
#include "xb_figure.h"
#include "xb_h5.h"
#include "xb_limits.h"

enum xb_mvm_dist {
    XB_MVM_UNIFORM = 0, /* uniform on (-1, 1) */
    XB_MVM_NORMAL = 1   /* N(0, 1) */
};

/* Parses "uniform" / "normal"; -1 if neither. */
int xb_mvm_dist_parse(const char *s);
const char *xb_mvm_dist_name(enum xb_mvm_dist d);

struct xb_mvm_study {
    struct xb_config cfg;       /* device and engine, resolved */
    size_t rows, cols, batch;   /* outputs, inputs, input vectors; 0 = from the file
                                 * or the default (256, 256, 64) */
    size_t calib_rows;          /* the calibration read: the first calib_rows rows of
                                 * X (at most batch); 0 = all of them. The CLI's
                                 * default is XB_MVM_DEFAULT_CALIB_ROWS */
    enum xb_mvm_dist wdist, xdist;
    const char *weights;        /* "file.h5[:/dataset]" (default dataset W), or NULL */
    const char *inputs;         /* "file.h5[:/dataset]" (default dataset X), or NULL */
    struct xb_data_files files; /* the files xb_mvm_load read, hashed (for the result
                                 * file's provenance); the caller frees them with
                                 * xb_data_files_free */
};

#define XB_MVM_DEFAULT_ROWS 256
#define XB_MVM_DEFAULT_COLS 256
#define XB_MVM_DEFAULT_BATCH 64
#define XB_MVM_DEFAULT_CALIB_ROWS 1024
#define XB_MVM_MAX_DIM 1048576 /* rows, cols, batch */
#define XB_MVM_MAX_ELEMENTS XB_MAX_MATRIX_ELEMENTS /* per matrix: 1 GiB of float32 */

/* Fills out[rows × cols] with the random matrix of seed and purpose (row r
 * from sample r). Pure, thread-safe. */
void xb_mvm_random(uint64_t seed, uint32_t purpose, enum xb_mvm_dist dist, size_t rows,
                   size_t cols, float *out);

/* Loads or generates W and X (xb_aligned; the caller frees them with
 * xb_free) and fills in the study's rows, cols and batch, and s->files
 * with the files read (empty again on failure). Sizes given alongside a
 * file must agree with it. Seed from ctx. */
enum xb_status xb_mvm_load(struct xb_ctx *ctx, struct xb_mvm_study *s, float **W, float **X);

struct xb_mvm_result {
    size_t tiles;
    size_t calib_rows;                   /* inputs the calibration read took (0: none ran) */
    double dac_range;                    /* input units, as used */
    double adc_range_min, adc_range_max; /* normalised units, over tiles */
    double drift_scale;                  /* global drift compensation factor (1 if off) */
    double signal_power;                 /* mean square of Y_ideal */
    double snr_db;                       /* measured, Y against Y_ideal */
    double snr_db_model;                 /* the abstract noise model's prediction */
    double tile_snr_db_min, tile_snr_db_max; /* measured at each tile's ADC output
                                              * (xb_xbar_tile_energy), over tiles */
    double rel_error_std;                /* std of (Y - Y_ideal) / rms(Y_ideal) */
    uint64_t adc_values, adc_clipped, dac_values, dac_clipped;
    float *Y_ideal, *Y;                  /* [batch × rows], owned */
};

/* Runs the study on W and X (as xb_mvm_load left them). On success r holds
 * the figures and both products; free them with xb_mvm_result_free. */
/* 1 if the study's settings leave a converter range to calibrate (a
 * percentile or max ADC range, or the DAC's range 0). */
int xb_mvm_calibrates(const struct xb_mvm_study *s);

enum xb_status xb_mvm_run(struct xb_ctx *ctx, const struct xb_mvm_study *s, const float *W,
                          const float *X, struct xb_mvm_result *r);
void xb_mvm_result_free(struct xb_mvm_result *r);

#define XB_MVM_MAX_FIGURES 40

/* The figures of a run in print order: the setup, then the measurements.
 * Text figures point into s, r and static storage. Returns the count. */
size_t xb_mvm_figures(const struct xb_mvm_study *s, uint64_t seed,
                      const struct xb_mvm_result *r, struct xb_figure *figs);

/* Writes a result file at path, crash-safe (xb_h5.h): root attributes from
 * meta, /config (resolved config text), /W, /X, /Y_ideal, /Y, /mvm/<figure>
 * and /device/<parameter>, each with units and description. */
enum xb_status xb_mvm_write(struct xb_ctx *ctx, const char *path,
                            const struct xb_h5_meta *meta, const struct xb_mvm_study *s,
                            const float *W, const float *X, const struct xb_mvm_result *r);

#endif
