/*
 * xb_mvm_study.c — `xbar mvm`: one crossbar MVM against the ideal GEMM.
 *
 * The ideal product is the layers' exact GEMM (models/layers/xb_gemm.h): the same
 * work items as the engine's ideal path, so an ideal device measures an
 * infinite SNR on every BLAS kernel.
 */
#include "xb_mvm_study.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_gemm.h"
#include "xb_layout.h"
#include "xb_noise.h"
#include "xb_rng.h"
#include "xb_xbar.h"

int xb_mvm_dist_parse(const char *s)
{
    if (!strcmp(s, "uniform"))
        return XB_MVM_UNIFORM;
    if (!strcmp(s, "normal"))
        return XB_MVM_NORMAL;
    return -1;
}

const char *xb_mvm_dist_name(enum xb_mvm_dist d)
{
    return d == XB_MVM_NORMAL ? "normal" : "uniform";
}

void xb_mvm_random(uint64_t seed, uint32_t purpose, enum xb_mvm_dist dist, size_t rows,
                   size_t cols, float *out)
{
    struct xb_addr a = {.purpose = (enum xb_purpose)purpose};
    struct xb_stream s0 = xb_stream_at(seed, &a);
    for (size_t r = 0; r < rows; r++) {
        struct xb_stream s = xb_stream_row(s0, (uint32_t)r, 0);
        float *row = out + r * cols;
        if (dist == XB_MVM_NORMAL) {
            xb_normal_fill(&s, 0, cols, row);
        } else {
            xb_uniform_fill(&s, 0, cols, row);
            for (size_t j = 0; j < cols; j++)
                row[j] = 2.0f * row[j] - 1.0f;
        }
    }
}

/* A size given on the command line must agree with the file's. */
static enum xb_status agree(struct xb_ctx *ctx, size_t given, size_t found, const char *opt,
                            const char *what, const char *spec)
{
    if (given == 0 || given == found)
        return XB_OK;
    return xb_error(ctx, XB_ESHAPE, "%s %zu: %s has %zu %s", opt, given, spec, found, what);
}

/* Refuses sizes whose matrices would not fit in memory, before allocating:
 * a typo in --rows must be a message, not an abort in the allocator. */
static enum xb_status check_size(struct xb_ctx *ctx, const char *what, size_t a, size_t b)
{
    if (a <= XB_MVM_MAX_ELEMENTS / b)
        return XB_OK;
    return xb_error(ctx, XB_ERANGE, "%s: %zu x %zu = %.3g elements; at most 2^28 (1 GiB) per "
                    "matrix", what, a, b, (double)a * (double)b);
}

enum xb_status xb_mvm_load(struct xb_ctx *ctx, struct xb_mvm_study *s, float **W, float **X)
{
    char origin[4200];
    size_t r, c;
    enum xb_status st;
    *W = *X = NULL;

    if (s->weights) {
        snprintf(origin, sizeof origin, "--weights %s", s->weights);
        st = xb_h5_read_matrix(ctx, s->weights, xb_layout_row(XB_DS_W)->path, origin, "[out x in]", &s->files, W,
                               &r, &c);
        if (st == XB_OK)
            st = agree(ctx, s->rows, r, "--rows", "rows (outputs)", s->weights);
        if (st == XB_OK)
            st = agree(ctx, s->cols, c, "--cols", "columns (inputs)", s->weights);
        if (st != XB_OK)
            goto fail;
        s->rows = r;
        s->cols = c;
    } else {
        if (!s->rows)
            s->rows = XB_MVM_DEFAULT_ROWS;
        if (!s->cols)
            s->cols = XB_MVM_DEFAULT_COLS;
        st = check_size(ctx, "--rows x --cols", s->rows, s->cols);
        if (st != XB_OK)
            goto fail;
        *W = xb_aligned(s->rows * s->cols, sizeof(float));
        xb_mvm_random(xb_ctx_seed(ctx), XB_PURPOSE_WEIGHTS, s->wdist, s->rows, s->cols, *W);
    }

    if (s->inputs) {
        snprintf(origin, sizeof origin, "--inputs %s", s->inputs);
        st = xb_h5_read_matrix(ctx, s->inputs, xb_layout_row(XB_DS_X)->path, origin, "[batch x in]", &s->files, X,
                               &r, &c);
        if (st == XB_OK && c != s->cols)
            st = xb_error(ctx, XB_ESHAPE,
                          "--inputs %s: has %zu columns; expected %zu, the inputs of the "
                          "weight matrix [%zu x %zu]",
                          s->inputs, c, s->cols, s->rows, s->cols);
        if (st == XB_OK)
            st = agree(ctx, s->batch, r, "--batch", "rows (input vectors)", s->inputs);
        if (st != XB_OK)
            goto fail;
        s->batch = r;
    } else {
        if (!s->batch)
            s->batch = XB_MVM_DEFAULT_BATCH;
        st = check_size(ctx, "--batch x --cols", s->batch, s->cols);
        if (st != XB_OK)
            goto fail;
        *X = xb_aligned(s->batch * s->cols, sizeof(float));
        xb_mvm_random(xb_ctx_seed(ctx), XB_PURPOSE_INPUTS, s->xdist, s->batch, s->cols, *X);
    }
    /* The outputs Y and Y_ideal are [batch x rows]. */
    st = check_size(ctx, "--batch x --rows", s->batch, s->rows);
    if (st == XB_OK && (s->rows > XB_MVM_MAX_DIM || s->cols > XB_MVM_MAX_DIM ||
                        s->batch > XB_MVM_MAX_DIM))
        st = xb_error(ctx, XB_ESHAPE, "matrices of [%zu x %zu] and batch %zu: at most %d each",
                      s->rows, s->cols, s->batch, XB_MVM_MAX_DIM);
    if (st != XB_OK)
        goto fail;
    return XB_OK;
fail:
    xb_free(*W);
    xb_free(*X);
    *W = *X = NULL;
    xb_data_files_free(&s->files);
    return st;
}

void xb_mvm_result_free(struct xb_mvm_result *r)
{
    xb_free(r->Y_ideal);
    xb_free(r->Y);
    r->Y_ideal = r->Y = NULL;
}

int xb_mvm_calibrates(const struct xb_mvm_study *s)
{
    const struct xb_xbar_params *p = &s->cfg.xbar;
    return p->adc_calib != XB_ADC_FIXED || p->dac_range == 0.0;
}

enum xb_status xb_mvm_run(struct xb_ctx *ctx, const struct xb_mvm_study *s, const float *W,
                          const float *X, struct xb_mvm_result *r)
{
    struct xb_xbar_params p;
    struct xb_xbar *xb = NULL;
    const size_t n = s->batch * s->rows;

    memset(r, 0, sizeof *r);
    xb_config_xbar_params(&s->cfg, &p);
    enum xb_status st = xb_xbar_create(ctx, &p, W, s->rows, s->cols, &xb);
    if (st != XB_OK)
        return st;
    st = xb_xbar_age(ctx, xb, s->cfg.t);
    /* One reference read of the batch's first rows sets the ranges
     * (xb_mvm_study.h); the first rows of a larger batch are a smaller one,
     * so a range here is the range of `--batch calib_rows`. */
    if (st == XB_OK && xb_mvm_calibrates(s)) {
        r->calib_rows = s->calib_rows && s->calib_rows < s->batch ? s->calib_rows : s->batch;
        st = xb_xbar_calibrate(ctx, xb, X, r->calib_rows);
    }
    if (st != XB_OK)
        goto done;

    r->Y = xb_aligned(n, sizeof(float));
    r->Y_ideal = xb_aligned(n, sizeof(float));
    struct xb_rows addr = {.sample0 = 0, .batch = (uint32_t)s->batch, .vote0 = 0, .step = 0};
    struct xb_xbar_stats stats = {0};
    xb_xbar_execute(xb, X, s->batch, NULL, r->Y, &addr, &stats);
    xb_gemm_xwt(p.gemm, X, W, NULL, r->Y_ideal, s->batch, s->rows, s->cols);

    for (size_t i = 0; i < n; i++) {
        if (!isfinite(r->Y[i])) {
            st = xb_error(ctx, XB_ENUMERIC, "crossbar output Y[%zu, %zu] is not finite",
                          i / s->rows, i % s->rows);
            goto done;
        }
    }

    r->tiles = xb_xbar_tiles(xb);
    r->dac_range = xb_xbar_dac_range(xb);
    r->drift_scale = xb_xbar_drift_scale(xb);
    size_t n_ti = (s->cols + (size_t)p.tile_rows - 1) / (size_t)p.tile_rows;
    size_t n_to = (s->rows + (size_t)p.tile_cols - 1) / (size_t)p.tile_cols;
    r->adc_range_min = INFINITY;
    r->adc_range_max = 0.0;
    for (size_t to = 0; to < n_to; to++) {
        for (size_t ti = 0; ti < n_ti; ti++) {
            double a = xb_xbar_adc_range(xb, ti, to);
            r->adc_range_min = fmin(r->adc_range_min, a);
            r->adc_range_max = fmax(r->adc_range_max, a);
        }
    }
    r->signal_power = xb_signal_power(r->Y_ideal, n);
    r->snr_db = xb_snr_db_measured(r->Y_ideal, r->Y, n);
    r->rel_error_std = xb_rel_error_std(r->Y_ideal, r->Y, n);
    /* Each tile's SNR at its ADC output, read as the product above was. */
    double *ts = xb_calloc(r->tiles, sizeof *ts), *te = xb_calloc(r->tiles, sizeof *te);
    xb_xbar_tile_energy(xb, X, s->batch, &addr, ts, te);
    r->tile_snr_db_min = INFINITY;
    r->tile_snr_db_max = -INFINITY;
    for (size_t k = 0; k < r->tiles; k++) {
        double db = 10.0 * log10(ts[k] / te[k]);
        r->tile_snr_db_min = fmin(r->tile_snr_db_min, db);
        r->tile_snr_db_max = fmax(r->tile_snr_db_max, db);
    }
    xb_free(ts), xb_free(te);
    if (p.noise == XB_NOISE_MULT)
        r->snr_db_model = xb_snr_db_mult(p.sigma);
    else if (p.noise == XB_NOISE_ADD)
        r->snr_db_model = xb_snr_db_add(p.sigma, r->signal_power);
    else
        r->snr_db_model = INFINITY;
    r->adc_values = stats.adc_values;
    r->adc_clipped = stats.adc_clipped;
    r->dac_values = stats.dac_values;
    r->dac_clipped = stats.dac_clipped;
done:
    xb_xbar_free(xb);
    if (st != XB_OK)
        xb_mvm_result_free(r);
    return st;
}

static double fraction(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

size_t xb_mvm_figures(const struct xb_mvm_study *s, uint64_t seed,
                      const struct xb_mvm_result *r, struct xb_figure *f)
{
    const struct xb_xbar_params *c = &s->cfg.xbar;
    /* Text figures point into these const tables, the device type and the
     * study, all of which outlive the array. */
    static const char *const scaling[] = {"layer", "column"};
    static const char *const adc_mode[] = {"fixed", "max", "percentile"};
    size_t n = 0;

    f[n++] = xb_figure_text("device", c->device.type->name, "device preset");
    f[n++] = xb_figure_int("rows", (long long)s->rows, "1", "outputs (rows of W, crossbar columns)");
    f[n++] = xb_figure_int("cols", (long long)s->cols, "1", "inputs (columns of W, crossbar rows)");
    f[n++] = xb_figure_int("batch", (long long)s->batch, "1", "input vectors");
    f[n++] = xb_figure_text("weights", s->weights ? s->weights : xb_mvm_dist_name(s->wdist),
                            "source of W: a file, or the distribution of the random matrix");
    f[n++] = xb_figure_text("inputs", s->inputs ? s->inputs : xb_mvm_dist_name(s->xdist),
                            "source of X: a file, or the distribution of the random batch");
    f[n++] = xb_figure_int("tile_rows", c->tile_rows, "1", "inputs per tile (crossbar rows)");
    f[n++] = xb_figure_int("tile_cols", c->tile_cols, "1", "outputs per tile (crossbar columns)");
    f[n++] = xb_figure_int("tiles", (long long)r->tiles, "1", "tiles the matrix occupies");
    f[n++] = xb_figure_text("scaling", scaling[c->scaling], "weight-to-conductance scaling");
    f[n++] = xb_figure_int("dac_bits", c->dac_bits, "bits", "DAC resolution (0 = ideal)");
    f[n++] = xb_figure_real("dac_range", r->dac_range, "input units", "DAC full scale in use");
    f[n++] = xb_figure_int("adc_bits", c->adc_bits, "bits", "ADC resolution (0 = ideal)");
    f[n++] = xb_figure_text("adc_range", adc_mode[c->adc_calib],
                            "how the ADC range was set: fixed, max or percentile of the ideal "
                            "tile outputs");
    double adc_value = c->adc_calib == XB_ADC_MAX ? 100.0 : c->adc_value;
    f[n++] = xb_figure_real("adc_range_value", adc_value, "1",
                            "fixed range (normalised units) or percentile (%)");
    f[n++] = xb_figure_int("calib_rows", (long long)r->calib_rows, "1",
                           "inputs of the calibration read: the first rows of X (0: the "
                           "ranges are fixed, nothing was calibrated)");
    f[n++] = xb_figure_real("adc_range_min", r->adc_range_min, "normalised",
                            "smallest ADC full scale over tiles (weights |w| <= 1, inputs "
                            "|x| <= 1)");
    f[n++] = xb_figure_real("adc_range_max", r->adc_range_max, "normalised",
                            "largest ADC full scale over tiles");
    f[n++] = xb_figure_real("t", s->cfg.t, "s", "read time after programming");
    f[n++] = xb_figure_int("drift_comp", c->drift_comp, "1", "global drift compensation on (1)");
    f[n++] = xb_figure_real("drift_scale", r->drift_scale, "1",
                            "output scale of the drift compensation (1 if off)");
    f[n++] = xb_figure_text("noise", xb_noise_kind_name((enum xb_noise_kind)c->noise),
                            "abstract noise at the MVM output (paper 001)");
    f[n++] = xb_figure_real("sigma", c->sigma, "1",
                            "std of the abstract noise: relative (mult) or output units (add)");
    f[n++] = xb_figure_int("instance", c->instance, "1", "chip instance (programming draws)");
    f[n++] = xb_figure_int("seed", (long long)seed, "1", "master seed");
    f[n++] = xb_figure_text("gemm", c->gemm == XB_GEMM_PORTABLE ? "portable" : "native",
                            "products by xbar's fixed-order GEMM (portable: the same bits on "
                            "every AVX2+FMA machine) or by OpenBLAS (native)");
    f[n++] = xb_figure_real("signal_power", r->signal_power, "output units^2",
                            "mean square of the ideal product Y_ideal");
    f[n++] = xb_figure_real("snr_db", r->snr_db, "dB",
                            "measured SNR: 10 log10(sum Y_ideal^2 / sum (Y - Y_ideal)^2)");
    f[n++] = xb_figure_real("snr_db_model", r->snr_db_model, "dB",
                            "SNR the abstract noise model predicts (inf without it)");
    f[n++] = xb_figure_real("tile_snr_db_min", r->tile_snr_db_min, "dB",
                            "lowest SNR over tiles at a tile's ADC output: the converted "
                            "output x drift compensation against the tile's exact weights x "
                            "exact inputs (normalised units), 10 log10(sum ideal^2 / sum "
                            "error^2)");
    f[n++] = xb_figure_real("tile_snr_db_max", r->tile_snr_db_max, "dB",
                            "highest SNR over tiles at a tile's ADC output");
    f[n++] = xb_figure_real("rel_error_std", r->rel_error_std, "1",
                            "std of (Y - Y_ideal) / rms(Y_ideal)");
    f[n++] = xb_figure_real("adc_saturation", fraction(r->adc_clipped, r->adc_values), "1",
                            "fraction of ADC conversions clipped at full scale");
    f[n++] = xb_figure_real("dac_saturation", fraction(r->dac_clipped, r->dac_values), "1",
                            "fraction of DAC conversions clipped at full scale");
    XB_ASSERT(n <= XB_MVM_MAX_FIGURES);
    return n;
}

enum xb_status xb_mvm_write(struct xb_ctx *ctx, const char *path,
                            const struct xb_h5_meta *meta, const struct xb_mvm_study *s,
                            const float *W, const float *X, const struct xb_mvm_result *r)
{
    struct xb_figure figs[XB_MVM_MAX_FIGURES + XB_DEVICE_MAX_PARAMS];
    struct xb_h5_file *f = NULL;
    const struct xb_device *d = &s->cfg.xbar.device;

    enum xb_status st = xb_h5_create(ctx, path, &f);
    if (st != XB_OK)
        return st;
    char *config = xb_config_text(&s->cfg);
    st = xb_h5_write_meta(ctx, f, meta);
    if (st == XB_OK)
        st = xb_layout_write_text(ctx, f, XB_DS_MVM_CONFIG, config);
    const size_t wd[2] = {s->rows, s->cols}, xd[2] = {s->batch, s->cols},
                 yd[2] = {s->batch, s->rows};
    if (st == XB_OK)
        st = xb_layout_write(ctx, f, XB_DS_W, 0, W, wd, 0);
    if (st == XB_OK)
        st = xb_layout_write(ctx, f, XB_DS_X, 0, X, xd, 0);
    if (st == XB_OK)
        st = xb_layout_write(ctx, f, XB_DS_Y_IDEAL, 0, r->Y_ideal, yd, 0);
    if (st == XB_OK)
        st = xb_layout_write(ctx, f, XB_DS_Y, 0, r->Y, yd, 0);
    if (st == XB_OK) {
        size_t n = xb_mvm_figures(s, meta->seed, r, figs);
        st = xb_layout_write_figures(ctx, f, XB_DS_MVM_FIGURE, figs, n);
    }
    if (st == XB_OK) {
        size_t n = 0;
        for (size_t i = 0; i < d->type->n_params; i++) {
            const struct xb_key *p = &d->type->params[i];
            figs[n++] = xb_figure_real(p->name, d->p[i], p->unit, p->help);
        }
        st = xb_layout_write_figures(ctx, f, XB_DS_DEVICE_PARAM, figs, n);
    }
    xb_free(config);
    if (st != XB_OK) {
        xb_h5_discard(f);
        return st;
    }
    return xb_h5_commit(ctx, f);
}
