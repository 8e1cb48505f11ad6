/*
 * xb_xbar.h — the analog matrix-vector engine (ARCHITECTURE.md §5).
 *
 * A crossbar holds one weight matrix W[out × in] (row-major, batch-major
 * convention Y = X Wᵀ) on tiles of tile_rows inputs × tile_cols outputs.
 * Plan, then execute (CONVENTIONS.md "Kernels and orchestration"):
 *
 *   xb_xbar_create   the plan: partition W into tiles, map each weight to a
 *                    differential pair G+ − G− (the idle device at g_min),
 *                    scaled per layer or per output column, quantise to the
 *                    device's levels, and program one chip instance:
 *                    device-to-device variation, stuck-at faults,
 *                    programming error and drift exponents, all drawn once
 *                    from the instance's streams. Then ages to t = 0.
 *   xb_xbar_age      sets the read time t (s after programming): drift,
 *                    relaxation and, if enabled, global drift compensation
 *                    (one output scale per layer, as a chip calibrates with a
 *                    reference read). Explicit; execute never changes state.
 *   xb_xbar_calibrate  sets data-dependent converter ranges from a batch:
 *                    the DAC range (if dac_range = 0) as max |x|, the ADC
 *                    range of every tile as the max or a percentile of its
 *                    ideal column outputs.
 *   xb_xbar_execute  DAC -> per-tile GEMM on conductances -> read noise
 *                    (exact aggregated Gaussian: a second GEMM on squares)
 *                    -> ADC per tile -> digital sum over tiles -> scale back
 *                    to weight units -> + bias -> abstract noise (paper 001,
 *                    after the affine output). Read-only on the plan,
 *                    OpenMP-parallel over fixed row chunks, so the result is
 *                    bit-identical for any thread count and batch split.
 *
 * Units. Conductances are microsiemens. The ADC sees each tile's column
 * output in *normalised units*: sum_j (G+ − G−)_ij / (g_max − g_min) ·
 * x_j / dac_range, i.e. weights scaled to |w| <= 1 and inputs to |x| <= 1,
 * so a tile of R rows can produce at most R. A fixed adc_range is given in
 * these units (aihwkit's out_bound convention).
 *
 * An ideal device with both converters off and no abstract noise is a plain
 * GEMM; it is computed as one (untiled) GEMM.
 */
#ifndef XB_XBAR_H
#define XB_XBAR_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_device.h"
#include "xb_noise.h"
#include "xb_quant.h"
#include "xb_sgemm.h"

enum xb_adc_calib {
    XB_ADC_FIXED = 0,      /* adc_value is the range (normalised units) */
    XB_ADC_MAX = 1,        /* range = max |ideal column output| of the calibration batch */
    XB_ADC_PERCENTILE = 2  /* range = the adc_value-th percentile of |ideal outputs| */
};

enum xb_scaling {
    XB_SCALE_LAYER = 0,  /* one weight scale max|W| for the whole matrix */
    XB_SCALE_COLUMN = 1  /* one per output (crossbar column): max_j |W_oj| */
};

struct xb_xbar_params {
    struct xb_device device;
    int tile_rows;               /* inputs per tile (crossbar rows), >= 1 */
    int tile_cols;               /* outputs per tile (crossbar columns), >= 1 */
    enum xb_scaling scaling;
    int dac_bits;                /* 0 = ideal DAC */
    double dac_range;            /* input full scale; 0 = calibrate as max |x| */
    int dac_signed;              /* 1: inputs may be negative */
    int adc_bits;                /* 0 = ideal ADC */
    enum xb_adc_calib adc_calib;
    double adc_value;            /* FIXED: range; PERCENTILE: percentile in (0, 100] */
    int drift_comp;              /* 1: global drift compensation at age() */
    enum xb_noise_kind noise;    /* abstract noise at the layer output */
    double sigma;                /* its std (1 for MULT, output units for ADD) */
    uint32_t layer;              /* layer id in random addresses, <= 4095 */
    uint32_t instance;           /* chip instance, <= 4095 */
    enum xb_gemm_impl gemm;      /* who computes the products (xb_sgemm.h) */
};

/* Defaults: ideal device, 256 × 256 tiles, per-layer scaling, ideal
 * converters (fixed ADC range 0 -> must be set if adc_bits > 0), no drift
 * compensation, no abstract noise, layer 0, instance 0. */
void xb_xbar_params_default(struct xb_xbar_params *p);

/* Checks every field; errors name the field, the value and what is allowed. */
enum xb_status xb_xbar_params_validate(struct xb_ctx *ctx, const struct xb_xbar_params *p);

/* Parses an ADC range option: "max", "pNN" (percentile, e.g. "p99.9"), or a
 * positive number (fixed range in normalised units). */
enum xb_status xb_adc_range_parse(struct xb_ctx *ctx, const char *text, const char *where,
                                  enum xb_adc_calib *calib, double *value);

struct xb_xbar;

/* The plan. W is copied; seed from ctx. Returns XB_OK and *out, or an
 * error (invalid params, non-finite weights) and *out = NULL. */
enum xb_status xb_xbar_create(struct xb_ctx *ctx, const struct xb_xbar_params *params,
                              const float *W, size_t out_dim, size_t in_dim,
                              struct xb_xbar **out);
void xb_xbar_free(struct xb_xbar *xb);

/* Sets the read time t >= 0 [s]. Not thread-safe against execute. */
enum xb_status xb_xbar_age(struct xb_ctx *ctx, struct xb_xbar *xb, double t);

/* Data-dependent converter ranges from X[batch × in]. */
enum xb_status xb_xbar_calibrate(struct xb_ctx *ctx, struct xb_xbar *xb, const float *X,
                                 size_t batch);

/* Converter statistics of one or more executions (sum them up). */
struct xb_xbar_stats {
    uint64_t dac_values, dac_clipped;
    uint64_t adc_values, adc_clipped;
};

/* Scratch memory of execute for one plan: one slot per OpenMP thread
 * (threads = 0: omp_get_max_threads()); an execute under more threads
 * grows it to them (the numbers never depend on it: devices/engine/xb_items.h).
 * Reusing it saves the allocation and page faults of megabyte buffers on
 * every call. */
struct xb_xbar_ws;
struct xb_xbar_ws *xb_xbar_ws_create(const struct xb_xbar *xb, int threads);
void xb_xbar_ws_free(struct xb_xbar_ws *ws);

/* Y[rows × out] = the crossbar's product of X[rows × in] (+ bias[out] if not
 * NULL), rows addressed by addr (samples, votes, step). stats may be NULL.
 * Parallel inside (OpenMP); read-only on the plan, so concurrent calls on
 * one plan are safe when each brings its own workspace. */
void xb_xbar_execute_ws(const struct xb_xbar *xb, struct xb_xbar_ws *ws, const float *X,
                        size_t rows, const float *bias, float *Y, const struct xb_rows *addr,
                        struct xb_xbar_stats *stats);

/* The same with the plan's own workspace (made on the first call): not to
 * be called concurrently on one plan. */
void xb_xbar_execute(struct xb_xbar *xb, const float *X, size_t rows, const float *bias,
                     float *Y, const struct xb_rows *addr, struct xb_xbar_stats *stats);

/* The same product with read noise drawn per cell and per read (one normal
 * per device per row): slow, single-threaded, and the reference that the
 * aggregated path is tested against. Other noise as execute. */
void xb_xbar_execute_naive(const struct xb_xbar *xb, const float *X, size_t rows,
                           const float *bias, float *Y, const struct xb_rows *addr);

/* The energies behind the SNR of every tile's ADC output (issue 10), for
 * X[rows × in] read as execute reads it (rows addressed by addr): tile
 * k = to · n_ti + ti adds to signal[k] the sum of squares of its ideal
 * outputs — its exact weights W / w_scale times the exact inputs
 * X / dac_range, in normalised units — and to error[k] the sum of squares
 * of (its converted output × the drift compensation − ideal). The
 * converted output is what execute's ADC path gives the tile: the DAC,
 * the conductances now, the read-noise draws of elements ti · out + o and
 * the tile's ADC, bit for bit; with an ideal ADC, execute sums the tiles
 * before any conversion (one draw per output), so these are the tile sums
 * an infinitely fine ADC would see, the same in distribution. The abstract
 * noise after the digital sum is not a tile's. A plain plan (ideal device
 * and converters) computes no tiles: its error is 0. Serial, for
 * measurement (not a hot path); signal and error have xb_xbar_tiles
 * entries. */
void xb_xbar_tile_energy(const struct xb_xbar *xb, const float *X, size_t rows,
                         const struct xb_rows *addr, double *signal, double *error);

size_t xb_xbar_out(const struct xb_xbar *xb);
size_t xb_xbar_in(const struct xb_xbar *xb);
size_t xb_xbar_tiles(const struct xb_xbar *xb);
/* Drift compensation factor in use (1 if off). */
double xb_xbar_drift_scale(const struct xb_xbar *xb);
/* The DAC range in use, and the ADC range of tile (ti, to). */
double xb_xbar_dac_range(const struct xb_xbar *xb);
double xb_xbar_adc_range(const struct xb_xbar *xb, size_t tile_in, size_t tile_out);
const struct xb_xbar_params *xb_xbar_params(const struct xb_xbar *xb);

/* The effective weights the chip realises now (t, drift compensation
 * included, read noise excluded), in weight units, out[out × in]. For
 * inspection and tests. */
void xb_xbar_effective_weights(const struct xb_xbar *xb, float *W_out);

/* Programmed state of tile k for tests: arrays of tile cells (out_t × in_t,
 * row-major), each of which may be NULL. */
struct xb_tile_view {
    size_t rows, cols;        /* inputs, outputs of this tile */
    const float *g_target_p, *g_target_m; /* uS, after quantisation and d2d */
    const float *g_prog_p, *g_prog_m;     /* uS, programmed (t = 0) */
    const float *g_now_p, *g_now_m;       /* uS, at the current age */
    const float *nu_p, *nu_m;             /* drift exponents */
    const unsigned char *stuck_p, *stuck_m; /* 0 ok, 1 at g_min, 2 at g_max */
};
void xb_xbar_tile_view(const struct xb_xbar *xb, size_t k, struct xb_tile_view *v);

#endif
