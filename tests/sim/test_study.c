/*
 * Studies of any parameter (sim/study/xb_study_grid.h, issue 10 item 1)
 * through the sweep runner on the synthetic data set: an ADC-bits study
 * of the ideal device gains 6.02 dB per bit at the tile outputs; a 3-axis
 * study trains one model per training value, is bit-identical for 1 and 2
 * threads and after an interruption resumed with --resume; its /study
 * view is the /sweep grid reshaped, with dimension scales named by their
 * keys; a plain sweep's /study view is its 2-D grid.
 */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_h5_impl.h"
#include "xb_study_grid.h"
#include "xb_study_text.h"
#include "xb_sweep.h"
#include "xb_test_synth.h"

static struct xb_ctx *ctx;
static struct xb_dataset *train, *test;
static struct xb_sweep_data data;
static char dir[] = "/tmp/xbar-study-XXXXXX";

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 17, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
    cr_assert_not_null(mkdtemp(dir));
    xb_test_synth_sweep(ctx, 400, 400, 300, &train, &test, &data);
}

static void teardown(void)
{
    xb_test_remove_dir(dir);
    xb_dataset_free(train);
    xb_dataset_free(test);
    xb_ctx_free(ctx);
}

TestSuite(study, .init = setup, .fini = teardown);

/* A small MLP on the 8 x 8 synthetic images: `units` hidden units. */
static void write_config(const char *name, int units, int epochs, const char *rest)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "model = { name = \"tiny\"; input = [1, 8, 8]; classes = 10;\n"
            "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = %d; },\n"
            "    { type = \"relu\"; }, { type = \"dense\"; units = 10; } ); };\n"
            "data = { set = \"synthetic\"; validation = 0.0; };\n"
            "train = { optimizer = \"adam\"; lr = 0.01; batch = 32; epochs = %d; };\n%s",
            units, epochs, rest);
    fclose(f);
}

static void read_exp(const char *name, struct xb_experiment *e)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, e), XB_OK, "%s", xb_ctx_error(ctx));
}

/* Runs to the end (stopping after `stop_after` steps if > 0) with threads. */
static void run(const struct xb_experiment *e, int threads, int resume, int stop_after)
{
    xb_test_sweep_run(ctx, e, &data, threads, resume, stop_after);
}

static double *read_f64(const char *path, const char *name, size_t *n, int *rank,
                        size_t *dims)
{
    void *d;
    cr_assert_eq(xb_h5_read_array(ctx, path, name, XB_H5_F64, &d, rank, dims), XB_OK, "%s",
                 xb_ctx_error(ctx));
    *n = 1;
    for (int k = 0; k < *rank; k++)
        *n *= dims[k];
    return d;
}

/* The ideal device behind a b-bit ADC calibrated to the max of the ideal
 * tile outputs, no DAC: a tile's output error is its quantisation error,
 * uniform on a step D = 2 range / 2^b, so one bit more gains
 * 20 log10 2 = 6.02 dB (tests/devices/test_tile_snr.c). The bound is that
 * test's: the SNR estimated from N values has sd 4.34 · 0.894 / sqrt(N)
 * dB; N = 300 test rows × 256 outputs = 76,800 values of the first
 * layer's tile (one 256 x 64 tile), 0.014 dB; a difference of two, 0.020
 * dB; 5 sd, 0.10 dB < 0.11 dB, the existing tolerance. Each evaluation
 * point must read its own chip: with the experiment's ADC at every point
 * the gain would be 0. */
Test(study, adc_bits_study_gains_six_db_per_bit_at_the_tiles, .timeout = 300)
{
    write_config("adc.cfg", 256, 1,
                 "sweep = { noise = \"mult\"; sigma_train = [0.0]; test = \"device\";\n"
                 "  t = [1.0]; repeats = 1; votes = 1; eval_rows = 640;\n"
                 "  output = \"adc.h5\"; };\n"
                 "device = { type = \"ideal\"; };\n"
                 "xbar = { dac_bits = 0; adc_bits = 8; adc_range = \"max\"; };\n"
                 "study = { axes = ( { key = \"xbar.adc_bits\"; from = 6.0; to = 10.0;\n"
                 "  points = 5; } ); };\n");
    static struct xb_experiment e;
    read_exp("adc.cfg", &e);
    snprintf(e.output, sizeof e.output, "%s/adc.h5", dir);
    run(&e, 2, 0, 0);
    size_t n, nl;
    int rank;
    size_t dims[8];
    double *tile = read_f64(e.output, "/sweep/tile_snr_db", &n, &rank, dims);
    void *layers;
    size_t ldims[8];
    cr_assert_eq(xb_h5_read_array(ctx, e.output, "/sweep/snr_tile_layers", XB_H5_I32, &layers,
                                  &rank, ldims), XB_OK, "%s", xb_ctx_error(ctx));
    nl = ldims[0];
    /* [1 training point][5 evaluation points][tiles]; tile 0 is the first
     * dense layer's (position 1 in the layer list). */
    cr_assert(dims[0] == 1 && dims[1] == 5 && dims[2] == nl && nl >= 1, "%zu x %zu x %zu",
              dims[0], dims[1], dims[2]);
    cr_assert_eq(((int32_t *)layers)[0], 1);
    for (size_t j = 1; j < 5; j++) {
        double prev = tile[(j - 1) * nl], db = tile[j * nl];
        cr_log_info("%zu bits: %.3f dB, %zu bits: %.3f dB", j + 5, prev, j + 6, db);
        cr_assert_leq(fabs(db - prev - 6.0206), 0.11, "%zu bits: %.3f dB, %zu bits: %.3f dB",
                      j + 5, prev, j + 6, db);
    }
    /* The one model the study trained (the ADC does not train). */
    hid_t fid = H5Fopen(e.output, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5G_info_t gi;
    cr_assert_geq(H5Gget_info_by_name(fid, "/models", &gi, H5P_DEFAULT), 0);
    cr_assert_eq(gi.nlinks, 1);
    H5Fclose(fid);
    xb_free(tile), xb_free(layers);
}

/* Three declared axes, interleaved: an evaluation axis, a training axis,
 * another evaluation axis; then sweep.t's two read times. PCM, 2 chip
 * instances, 3 votes. */
#define STUDY3                                                                              \
    "sweep = { noise = \"mult\"; sigma_train = [0.0]; test = \"device\";\n"                 \
    "  t = [1.0, 86400.0]; repeats = 2; votes = 3; eval_rows = 160;\n"                      \
    "  output = \"s3.h5\"; };\n"                                                              \
    "device = { type = \"pcm\"; };\n"                                                         \
    "xbar = { dac_bits = 8; adc_bits = 8; adc_range = \"max\"; drift_comp = true; };\n"     \
    "study = { axes = ( { key = \"xbar.adc_bits\"; values = [5, 8]; },\n"                   \
    "  { key = \"train.lr\"; values = [0.01, 0.003]; },\n"                                  \
    "  { key = \"device.read_scale\"; values = [0.0, 2.0]; } ); };\n"

static void study3(struct xb_experiment *e, const char *out)
{
    read_exp("s3.cfg", e);
    snprintf(e->output, sizeof e->output, "%s/%s", dir, out);
}

Test(study, three_axes_resumed_and_threaded_are_bit_identical, .timeout = 600)
{
    write_config("s3.cfg", 32, 3, STUDY3);
    static struct xb_experiment e1, e2, e3;
    study3(&e1, "one.h5");
    study3(&e2, "two.h5");
    study3(&e3, "resumed.h5");
    run(&e1, 1, 0, 0);
    run(&e2, 2, 0, 0);
    /* 2 training points x (3 epochs + 8 evaluation points): with 2 threads
     * a step advances both; 6 steps end inside the evaluations. */
    run(&e3, 2, 0, 6);
    size_t n;
    int rank;
    size_t dims[8];
    double *done = read_f64(e3.output, "/study/snr_db_measured", &n, &rank, dims);
    size_t nan = 0;
    for (size_t k = 0; k < n; k++)
        nan += isnan(done[k]) != 0;
    cr_assert(nan > 0 && nan < n, "interrupted with %zu of %zu points left", nan, n);
    xb_free(done);
    run(&e3, 1, 1, 0);
    const char *names[] = {"/study/accuracy", "/study/accuracy_vote", "/study/snr_db_measured",
                           "/study/energy", "/sweep/tile_snr_db", "/models/1/params"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t n1, n2, n3;
        double *a = read_f64(e1.output, names[k], &n1, &rank, dims);
        double *b = read_f64(e2.output, names[k], &n2, &rank, dims);
        double *c = read_f64(e3.output, names[k], &n3, &rank, dims);
        cr_assert(n1 == n2 && n1 == n3 && n1 > 0);
        cr_assert(memcmp(a, b, n1 * 8) == 0, "%s: 1 vs 2 threads differ", names[k]);
        cr_assert(memcmp(a, c, n1 * 8) == 0, "%s: resumed run differs", names[k]);
        for (size_t i = 0; i < n1; i++)
            cr_assert(!isnan(a[i]), "%s[%zu] not done", names[k], i);
        xb_free(a), xb_free(b), xb_free(c);
    }
    /* Each training point trained with its own train.lr. */
    size_t n0, n1;
    double *p0 = read_f64(e1.output, "/models/0/params", &n0, &rank, dims);
    double *p1 = read_f64(e1.output, "/models/1/params", &n1, &rank, dims);
    cr_assert(n0 == n1 && memcmp(p0, p1, n0 * 8) != 0, "lr 0.01 and 0.003 trained the same");
    xb_free(p0), xb_free(p1);
    /* One model per training value: train.lr's two, not one per point. */
    hid_t fid = H5Fopen(e1.output, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5G_info_t gi;
    cr_assert_geq(H5Gget_info_by_name(fid, "/models", &gi, H5P_DEFAULT), 0);
    cr_assert_eq(gi.nlinks, 2);
    H5Fclose(fid);
}

/* The units of work as a runner over MPI ranks moves them
 * (sim/cli/xb_sweep_mpi.c), in one process: a coordinating sweep hands the
 * state of each unit it picks to a second sweep of the same experiment,
 * which runs it and hands back what it computed. Picked two at a time from
 * the end of the ready list (a training point's later evaluations before
 * its earlier ones, as ranks may finish them), every number of the file is
 * the step-by-step run's, bit for bit. */
Test(study, units_moved_to_another_sweep_give_the_same_numbers, .timeout = 600)
{
    write_config("s3.cfg", 32, 2, STUDY3);
    static struct xb_experiment e1, e2;
    study3(&e1, "stepped.h5");
    study3(&e2, "moved.h5");
    run(&e1, 1, 0, 0);
    struct xb_sweep *a, *b;
    cr_assert_eq(xb_sweep_create(ctx, &e2, &data, "test", 0, &a), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_sweep_create(ctx, &e2, &data, "test", 0, &b), XB_OK, "%s", xb_ctx_error(ctx));
    uint8_t *busy = xb_calloc(xb_sweep_unit_slots(a), 1);
    struct xb_sweep_unit ready[XB_SWEEP_MAX_UNITS], u[2];
    size_t units = 0, out_of_order = 0;
    while (xb_sweep_pending(a)) {
        size_t n = xb_sweep_ready(a, busy, ready, XB_SWEEP_MAX_UNITS);
        cr_assert(n > 0, "work pending but none ready");
        int m = 0;
        for (size_t k = n; k-- > 0 && m < 2;)
            u[m++] = ready[k];
        out_of_order += m == 2 && u[0].point == u[1].point && u[0].test > u[1].test;
        for (int k = 0; k < m; k++) {
            void *buf = xb_malloc(xb_sweep_unit_bytes(a, &u[k], 0), 1);
            xb_sweep_unit_pack(a, &u[k], 0, buf);
            xb_sweep_unit_unpack(b, &u[k], 0, buf);
            xb_free(buf);
        }
        cr_assert_eq(xb_sweep_run_units(ctx, b, u, m), XB_OK, "%s", xb_ctx_error(ctx));
        for (int k = 0; k < m; k++) {
            void *buf = xb_malloc(xb_sweep_unit_bytes(b, &u[k], 1), 1);
            xb_sweep_unit_pack(b, &u[k], 1, buf);
            xb_sweep_unit_unpack(a, &u[k], 1, buf);
            xb_free(buf);
        }
        units += (size_t)m;
    }
    /* 2 training points x (2 epochs + 8 evaluation points), each once. */
    cr_assert_eq(units, 20);
    cr_assert(out_of_order > 0);
    cr_assert_eq(xb_sweep_save(ctx, a), XB_OK, "%s", xb_ctx_error(ctx));
    xb_sweep_free(a);
    xb_sweep_free(b);
    xb_free(busy);
    const char *names[] = {"/study/accuracy", "/study/accuracy_vote", "/study/snr_db_measured",
                           "/sweep/layer_snr_db", "/sweep/tile_snr_db", "/models/0/params",
                           "/models/1/params", "/models/1/optimizer_v", "/train/1/loss"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t n1, n2, dims[8];
        int rank;
        void *x, *y;
        enum xb_h5_type type = strstr(names[k], "params") || strstr(names[k], "optimizer")
                                   ? XB_H5_F32 : XB_H5_F64;
        cr_assert_eq(xb_h5_read_array(ctx, e1.output, names[k], type, &x, &rank, dims), XB_OK,
                     "%s", xb_ctx_error(ctx));
        n1 = 1;
        for (int d = 0; d < rank; d++)
            n1 *= dims[d];
        cr_assert_eq(xb_h5_read_array(ctx, e2.output, names[k], type, &y, &rank, dims), XB_OK,
                     "%s", xb_ctx_error(ctx));
        n2 = 1;
        for (int d = 0; d < rank; d++)
            n2 *= dims[d];
        cr_assert(n1 == n2 && n1 > 0, "%s: %zu vs %zu values", names[k], n1, n2);
        cr_assert(memcmp(x, y, n1 * xb_h5_type_size(type)) == 0, "%s differs", names[k]);
        xb_free(x), xb_free(y);
    }
}

/* The /study view is /sweep's [training point x evaluation point] grid
 * reshaped: dims (adc_bits, lr, read_scale, t); training point i = lr's
 * index, evaluation point j = (adc_bits index · 2 + read_scale index) · 2
 * + t index (xb_study_grid.h). Each axis is a dimension scale named by its
 * key with its units and whether it trains; every array is attached. */
Test(study, the_nd_view_is_the_sweep_grid_reshaped_with_scales, .timeout = 600)
{
    write_config("s3.cfg", 32, 2, STUDY3);
    static struct xb_experiment e;
    study3(&e, "nd.h5");
    run(&e, 2, 0, 0);
    size_t n, m;
    int rank;
    size_t dims[8], fdims[8];
    double *nd = read_f64(e.output, "/study/accuracy_vote", &n, &rank, dims);
    double *flat = read_f64(e.output, "/sweep/accuracy_vote", &m, &rank, fdims);
    cr_assert_eq(n, m);
    cr_assert(dims[0] == 2 && dims[1] == 2 && dims[2] == 2 && dims[3] == 2 && dims[4] == 3);
    cr_assert(fdims[0] == 2 && fdims[1] == 8 && fdims[2] == 3);
    for (size_t a = 0; a < 2; a++)
        for (size_t l = 0; l < 2; l++)
            for (size_t r = 0; r < 2; r++)
                for (size_t t = 0; t < 2; t++)
                    for (size_t k = 0; k < 3; k++) {
                        size_t at = (((a * 2 + l) * 2 + r) * 2 + t) * 3 + k;
                        size_t j = (a * 2 + r) * 2 + t;
                        cr_assert(memcmp(&nd[at], &flat[(l * 8 + j) * 3 + k], 8) == 0,
                                  "[%zu %zu %zu %zu %zu]", a, l, r, t, k);
                    }
    /* Different ADCs and read noise give different chips: the view is not
     * constant along the evaluation axes. */
    cr_assert(nd[0] != nd[(1 * 2 * 2 * 2) * 3] || nd[0] != nd[(2 * 2) * 3]);
    xb_free(nd), xb_free(flat);

    static const char *const keys[] = {"xbar.adc_bits", "train.lr", "device.read_scale",
                                       "sweep.t"};
    static const int trains[] = {0, 1, 0, 0};
    static const char *const units[] = {"bits", "1", "1", "s"};
    hid_t fid = H5Fopen(e.output, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(fid, 0);
    const char *arrays[] = {"/study/accuracy", "/study/accuracy_vote", "/study/snr_db_measured",
                            "/study/energy", "/study/latency_pipelined",
                            "/study/latency_sequential", "/study/done"};
    for (unsigned k = 0; k < 4; k++) {
        char name[64], buf[64];
        snprintf(name, sizeof name, "/study/axis_%u", k);
        hid_t ax = H5Dopen2(fid, name, H5P_DEFAULT);
        cr_assert_geq(ax, 0, "%s", name);
        cr_assert_gt(H5DSis_scale(ax), 0, "%s is no dimension scale", name);
        cr_assert_gt(H5DSget_scale_name(ax, buf, sizeof buf), 0);
        cr_assert_str_eq(buf, keys[k]);
        char *text;
        cr_assert_eq(xb_h5_read_attr_string(ctx, e.output, fid, name, "key", &text), XB_OK);
        cr_assert_str_eq(text, keys[k]);
        xb_free(text);
        cr_assert_eq(xb_h5_read_attr_string(ctx, e.output, fid, name, "units", &text), XB_OK);
        cr_assert_str_eq(text, units[k], "%s units %s", keys[k], text);
        xb_free(text);
        int tr = -1;
        hid_t at = H5Aopen(ax, "trains", H5P_DEFAULT);
        cr_assert_geq(H5Aread(at, H5T_NATIVE_INT, &tr), 0);
        H5Aclose(at);
        cr_assert_eq(tr, trains[k], "%s trains %d", keys[k], tr);
        for (size_t d = 0; d < sizeof arrays / sizeof *arrays; d++) {
            hid_t ds = H5Dopen2(fid, arrays[d], H5P_DEFAULT);
            cr_assert_gt(H5DSis_attached(ds, ax, k), 0, "%s dim %u not attached to %s",
                         arrays[d], k, name);
            H5Dclose(ds);
        }
        H5Dclose(ax);
    }
    H5Fclose(fid);
    /* The axes' values. */
    double *v = read_f64(e.output, "/study/axis_2", &n, &rank, dims);
    cr_assert(n == 2 && v[0] == 0.0 && v[1] == 2.0);
    xb_free(v);
    /* What xbar info reads back and prints: the axes with key, units,
     * role and values, and one row per point. */
    struct xb_study_result view;
    cr_assert_eq(xb_study_read(ctx, e.output, &view), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(view.n_axes == 4 && view.n_points == 16 && view.n_repeat == 2 &&
              view.n_votes == 3 && view.energy);
    cr_assert(xb_study_is_study(&view));
    char *text = xb_study_text(&view);
    cr_assert(strstr(text, "xbar.adc_bits [bits], evaluated: 5, 8\n") &&
                  strstr(text, "train.lr [1], trains: 0.01, 0.003\n") &&
                  strstr(text, "sweep.t [s], evaluated: 1, 86400\n") &&
                  strstr(text, "16 points, 16 done"),
              "%s", text);
    size_t rows = 0;
    const char *header = strstr(text, "energy (J)\n");
    cr_assert_not_null(header);
    for (const char *c = strchr(header, '\n'); (c = strchr(c + 1, '\n'));)
        rows++;
    cr_assert_eq(rows, 16 + 1, "one row per point and the footnote:\n%s", text);
    xb_free(text);
    xb_study_result_free(&view);
}

/* Without a study group the view is the sweep's two axes: sigma_train,
 * then sigma_test, and /study/accuracy is /sweep/accuracy. */
Test(study, a_plain_sweep_is_a_two_axis_study, .timeout = 300)
{
    write_config("plain.cfg", 32, 2,
                 "sweep = { noise = \"mult\"; sigma_train = [0.0, 0.5];\n"
                 "  sigma_test = [0.0, 0.3, 0.6]; repeats = 2; votes = 2; eval_rows = 160;\n"
                 "  output = \"plain.h5\"; };\n");
    static struct xb_experiment e;
    read_exp("plain.cfg", &e);
    snprintf(e.output, sizeof e.output, "%s/plain.h5", dir);
    struct xb_study_grid g;
    cr_assert_eq(xb_study_grid_make(ctx, &e, &g), XB_OK);
    cr_assert(g.rank == 2 && g.NT == 2 && g.NS == 3);
    run(&e, 2, 0, 0);
    size_t n, m;
    int rank;
    size_t dims[8];
    double *nd = read_f64(e.output, "/study/accuracy", &n, &rank, dims);
    cr_assert(rank == 3 && dims[0] == 2 && dims[1] == 3 && dims[2] == 2);
    double *flat = read_f64(e.output, "/sweep/accuracy", &m, &rank, dims);
    cr_assert(n == m && memcmp(nd, flat, n * 8) == 0);
    double *ax = read_f64(e.output, "/study/axis_1", &n, &rank, dims);
    cr_assert(n == 3 && ax[0] == 0.0 && ax[1] == 0.3 && ax[2] == 0.6);
    xb_free(nd), xb_free(flat), xb_free(ax);
}

/* An axis that would change nothing is refused, naming its line. */
Test(study, axes_that_change_nothing_are_refused)
{
    write_config("noise.cfg", 32, 1,
                 "sweep = { noise = \"mult\"; sigma_train = [0.0]; sigma_test = [0.0];\n"
                 "  repeats = 1; votes = 1; output = \"n.h5\"; };\n"
                 "xbar = { adc_bits = 8; };\n"
                 "study = { axes = ( { key = \"xbar.adc_bits\"; values = [4, 8]; } ); };\n");
    static struct xb_experiment e;
    read_exp("noise.cfg", &e);
    struct xb_study_grid g;
    cr_assert_eq(xb_study_grid_make(ctx, &e, &g), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "noise.cfg:9: study axis xbar.adc_bits") &&
                  strstr(xb_ctx_error(ctx), "changes nothing"),
              "%s", xb_ctx_error(ctx));
    struct xb_sweep *s = NULL;
    cr_assert_eq(xb_sweep_create(ctx, &e, &data, "test", 0, &s), XB_EINVAL);
    cr_assert_null(s);
}

/* The shipped studies (configs/studies/) read, every point checked, and
 * their axes run: 5 ADC bits x 4 read-noise values evaluated on one model
 * at 3 read times; the tile-size study's 4 tile heights at one. */
Test(study, shipped_studies_read_and_make_their_grids)
{
    static const struct { const char *file; size_t NT, NS, rank; } want[] = {
        {"configs/studies/pcm_mlp_adc_read_t.cfg", 1, 60, 3},
        {"configs/studies/reram_mlp_adc_read_t.cfg", 1, 60, 3},
        {"configs/studies/flash_mlp_adc_read_t.cfg", 1, 60, 3},
        {"configs/studies/pcm_mlp_tile_size.cfg", 1, 4, 1},
    };
    static struct xb_experiment e;
    for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
        cr_assert_eq(xb_experiment_read(ctx, want[k].file, NULL, 0, &e), XB_OK,
                     "%s (run from the repository root)", xb_ctx_error(ctx));
        struct xb_study_grid g;
        cr_assert_eq(xb_study_grid_make(ctx, &e, &g), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert(g.NT == want[k].NT && g.NS == want[k].NS && g.rank == want[k].rank,
                  "%s: %zu x %zu points, %zu dims", want[k].file, g.NT, g.NS, g.rank);
    }
}
