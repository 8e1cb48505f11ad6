/*
 * What --resume, xbar eval and the HDF5 readers trust in a result file: a
 * sweep file is made, one dataset is rewritten the way a fault campaign
 * found it (or a corrupt file would hold it), and reading it back must be
 * an error naming the file and the dataset, never an overflow, an abort in
 * the allocator or a file rewritten that xbar info then rejects.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_cmd.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_sweep.h"
#include "xb_test_synth.h"
#include "xb_sweep_layout.h"

static struct xb_ctx *ctx;
static struct xb_dataset *train, *test;
static struct xb_sweep_data data;
static char dir[] = "/tmp/xbar-resume-XXXXXX";
static char out[256];
static struct xb_experiment e;

/* A 1 x 2 sweep of a tiny MLP, 2 epochs, run to the end into dir/s.h5. */
static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 5, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
    cr_assert_not_null(mkdtemp(dir));
    xb_test_synth_sweep(ctx, 200, 200, 100, &train, &test, &data);
    char cfg[256];
    snprintf(cfg, sizeof cfg, "%s/s.cfg", dir);
    snprintf(out, sizeof out, "%s/s.h5", dir);
    FILE *f = fopen(cfg, "w");
    cr_assert_not_null(f);
    fprintf(f, "model = { name = \"tiny\"; input = [1, 8, 8]; classes = 10;\n"
               "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 10; } ); };\n"
               "data = { set = \"synthetic\"; };\n"
               "train = { optimizer = \"adam\"; lr = 0.01; batch = 32; epochs = 2; };\n"
               "sweep = { noise = \"mult\"; sigma_train = [0.0]; sigma_test = [0.0, 0.5];\n"
               "  repeats = 2; votes = 3; eval_rows = 64; output = \"%s\"; };\n", out);
    fclose(f);
    cr_assert_eq(xb_experiment_read(ctx, cfg, NULL, 0, &e), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_sweep *s;
    cr_assert_eq(xb_sweep_create(ctx, &e, &data, "test", 0, &s), XB_OK, "%s",
                 xb_ctx_error(ctx));
    while (xb_sweep_pending(s))
        cr_assert_eq(xb_sweep_step(ctx, s, 1), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_sweep_save(ctx, s), XB_OK, "%s", xb_ctx_error(ctx));
    xb_sweep_free(s);
}

static void teardown(void)
{
    xb_test_remove_dir(dir);
    xb_dataset_free(train);
    xb_dataset_free(test);
    xb_ctx_free(ctx);
}

TestSuite(resume_bounds, .init = setup, .fini = teardown);

/* Replaces dataset name of dir/s.h5 by a rank-1 array of n values. */
static void replace(const char *name, hid_t type, const void *values, hsize_t n)
{
    hid_t fid = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(fid, 0);
    if (H5Lexists(fid, name, H5P_DEFAULT) > 0)
        cr_assert_geq(H5Ldelete(fid, name, H5P_DEFAULT), 0);
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(fid, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(d, 0);
    cr_assert_geq(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
    H5Dclose(d);
    H5Sclose(sp);
    cr_assert_geq(H5Fclose(fid), 0);
}

/* Overwrites element k (C order) of an existing dataset; type is the
 * memory type of value. */
static void poke(const char *name, hid_t type, size_t k, const void *value)
{
    hid_t fid = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
    cr_assert_geq(d, 0);
    hid_t fs = H5Dget_space(d);
    size_t n = (size_t)H5Sget_simple_extent_npoints(fs), size = H5Tget_size(type);
    cr_assert_gt(n, k);
    char *buf = xb_malloc(n, size);
    cr_assert_geq(H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    memcpy(buf + k * size, value, size);
    cr_assert_geq(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    xb_free(buf);
    H5Sclose(fs), H5Dclose(d);
    cr_assert_geq(H5Fclose(fid), 0);
}

/* Resumes dir/s.h5 and expects status, with want in the message. */
static void resume_fails(enum xb_status status, const char *want)
{
    struct xb_sweep *s = NULL;
    enum xb_status st = xb_sweep_create(ctx, &e, &data, "test", 1, &s);
    xb_sweep_free(s);
    cr_assert_eq(st, status, "status %d, want %d: %s", st, status, xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), out) && strstr(xb_ctx_error(ctx), want),
              "message names the file and %s: %s", want, xb_ctx_error(ctx));
}

Test(resume_bounds, the_untouched_file_resumes)
{
    struct xb_sweep *s;
    cr_assert_eq(xb_sweep_create(ctx, &e, &data, "test", 1, &s), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_not(xb_sweep_pending(s));
    xb_sweep_free(s);
}

/* epochs_done beyond train.epochs, with learning curves that long: the
 * curves were read into arrays of train.epochs + 1 (a heap overflow). */
Test(resume_bounds, epochs_done_beyond_train_epochs)
{
    int32_t ep = 40;
    double curve[40] = {0};
    replace("/models/0/epochs_done", H5T_NATIVE_INT32, &ep, 1);
    replace("/train/0/loss", H5T_NATIVE_DOUBLE, curve, 40);
    replace("/train/0/val_accuracy", H5T_NATIVE_DOUBLE, curve, 40);
    resume_fails(XB_ERANGE, "/models/0/epochs_done");
}

Test(resume_bounds, negative_epochs_done)
{
    int32_t ep = -3;
    replace("/models/0/epochs_done", H5T_NATIVE_INT32, &ep, 1);
    resume_fails(XB_ERANGE, "/models/0/epochs_done");
}

/* /config as a 1-D array of strings: HDF5 wrote 4 pointers into one. */
Test(resume_bounds, config_as_a_string_array)
{
    const char *text[4] = {"a", "b", "c", "d"};
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8); /* as xbar writes /config */
    replace("/config", t, text, 4);
    H5Tclose(t);
    resume_fails(XB_EFORMAT, "/config");
}

Test(resume_bounds, done_other_than_0_or_1)
{
    uint8_t v = 255;
    poke("/sweep/done", H5T_NATIVE_UINT8, 1, &v);
    resume_fails(XB_ERANGE, "/sweep/done");
}

Test(resume_bounds, bad_accuracies_at_done_points)
{
    const double values[] = {NAN, INFINITY, -INFINITY, 1e300, -0.5};
    const char *names[] = {"/sweep/accuracy", "/sweep/accuracy_vote"};
    for (int n = 0; n < 2; n++)
        for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
            double old;
            void *a;
            int rank;
            size_t dims[8];
            cr_assert_eq(xb_h5_read_array(ctx, out, names[n], XB_H5_F64, &a, &rank, dims),
                         XB_OK);
            old = ((double *)a)[1];
            xb_free(a);
            poke(names[n], H5T_NATIVE_DOUBLE, 1, &values[k]);
            resume_fails(XB_ERANGE, names[n]);
            poke(names[n], H5T_NATIVE_DOUBLE, 1, &old);
        }
}

/* NaN or infinite parameters: a model that evaluates to chance. */
Test(resume_bounds, nonfinite_parameters)
{
    const float values[] = {NAN, INFINITY};
    const char *names[] = {"/models/0/params", "/models/0/optimizer_m",
                           "/models/0/optimizer_v"};
    for (int n = 0; n < 3; n++)
        for (int k = 0; k < 2; k++) {
            poke(names[n], H5T_NATIVE_FLOAT, 3, &values[k]);
            resume_fails(XB_ENUMERIC, names[n]);
            float zero = 0.0f;
            poke(names[n], H5T_NATIVE_FLOAT, 3, &zero);
        }
}

/* A params dataset declaring 2^62 floats in a small file (chunked, no
 * chunk written): the count is refused before anything is allocated. */
Test(resume_bounds, huge_declared_dataset)
{
    hid_t fid = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(H5Ldelete(fid, "/models/0/params", H5P_DEFAULT), 0);
    hsize_t n = (hsize_t)1 << 62, chunk = 1024;
    hid_t sp = H5Screate_simple(1, &n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    hid_t d = H5Dcreate2(fid, "/models/0/params", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl,
                         H5P_DEFAULT);
    cr_assert_geq(d, 0);
    H5Dclose(d), H5Pclose(dcpl), H5Sclose(sp);
    cr_assert_geq(H5Fclose(fid), 0);
    void *a;
    int rank;
    size_t dims[8];
    cr_assert_eq(xb_h5_read_array(ctx, out, "/models/0/params", XB_H5_F32, &a, &rank, dims),
                 XB_ESHAPE, "%s", xb_ctx_error(ctx));
    cr_assert_null(a);
    resume_fails(XB_ESHAPE, "/models/0/params");
}

/* Integers where floats belong (and the reverse) are refused by class. */
Test(resume_bounds, wrong_type_class)
{
    int32_t ints[2] = {1, 1};
    replace("/sweep/done", H5T_NATIVE_DOUBLE, (double[]){1.0, 1.0}, 2);
    resume_fails(XB_EFORMAT, "/sweep/done");
    replace("/sweep/done", H5T_NATIVE_UINT8, (uint8_t[]){1, 1}, 2);
    replace("/sweep/accuracy", H5T_NATIVE_INT32, ints, 2);
    resume_fails(XB_EFORMAT, "/sweep/accuracy");
}

/* xbar train stores no sigma_test: the resolved text must still be fully
 * defined (it was read from an unset buffer, so --resume compared garbage). */
static void dirty_stack(void)
{
    volatile char junk[1 << 17];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 'Z';
}

Test(resume_bounds, empty_sigma_test_text)
{
    static struct xb_experiment t;
    t = e;
    t.n_test = 0;
    dirty_stack();
    char *text = xb_experiment_text(&t);
    cr_assert(strstr(text, "sigma_test = [];"), "%s", text);
    /* A run of the stack's Z, not one Z: the mkdtemp'd output path may hold one. */
    cr_assert_null(strstr(text, "ZZZZ"), "%s", text);
    xb_free(text);
}

/* ---- matrices of xbar mvm --weights / --inputs ---------------------------- */

/* dir/name with a float32 dataset /W of rows x cols declared, chunked and
 * never written: a small file whatever it declares. */
static void declare_matrix(char *path, size_t size, const char *name, hsize_t rows,
                           hsize_t cols)
{
    snprintf(path, size, "%s/%s", dir, name);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t dims[2] = {rows, cols}, chunk[2] = {64, 64};
    hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    hid_t d = H5Dcreate2(fid, "/W", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert_geq(d, 0);
    H5Dclose(d), H5Pclose(dcpl), H5Sclose(sp);
    cr_assert_geq(H5Fclose(fid), 0);
}

/* Declared shapes beyond XB_MAX_MATRIX_ELEMENTS (2^28) are refused before
 * the read: 65,536 x 32,768 took 131 s and 8.4 GB, 16,385 x 16,384 (one
 * row over the limit) was read whole, 1 GiB of fill values. */
Test(resume_bounds, matrix_shape_is_bounded_before_reading)
{
    const hsize_t shapes[2][2] = {{65536, 32768}, {16385, 16384}};
    for (int k = 0; k < 2; k++) {
        char path[256], want[64];
        declare_matrix(path, sizeof path, "w.h5", shapes[k][0], shapes[k][1]);
        float *W = NULL;
        size_t r, c;
        cr_assert_eq(xb_h5_read_matrix(ctx, path, "/W", "--weights", "[out x in]", NULL, &W, &r, &c),
                     XB_ESHAPE, "%s", xb_ctx_error(ctx));
        cr_assert_null(W);
        snprintf(want, sizeof want, "[%llu x %llu]", (unsigned long long)shapes[k][0],
                 (unsigned long long)shapes[k][1]);
        cr_assert(strstr(xb_ctx_error(ctx), want) && strstr(xb_ctx_error(ctx), "2^28"), "%s",
                  xb_ctx_error(ctx));
    }
}

/* xbar eval on a model file whose parameters hold NaN or inf: an input
 * error (exit 2) naming the dataset, not accuracy 0.100 and exit 0. */
Test(resume_bounds, eval_refuses_nonfinite_parameters)
{
    char cfg[256];
    snprintf(cfg, sizeof cfg, "%s/s.cfg", dir);
    char *argv[] = {"eval", cfg, "--model", out, NULL};
    cr_redirect_stdout(); /* its report is not what is checked */
    cr_assert_eq(xb_cmd_eval(4, argv), 0);
    const float values[] = {NAN, -INFINITY};
    for (int k = 0; k < 2; k++) {
        poke("/models/0/params", H5T_NATIVE_FLOAT, 7, &values[k]);
        cr_assert_eq(xb_cmd_eval(4, argv), 2);
    }
}

/* ---- corrupt bytes ---------------------------------------------------------- */

/* Adds 1 to the byte at file offset `at` of dir/s.h5. */
static void flip(haddr_t at)
{
    FILE *f = fopen(out, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, (long)at, SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    cr_assert_eq(fseek(f, (long)at, SEEK_SET), 0);
    cr_assert_neq(fputc((c + 1) & 0xff, f), EOF);
    cr_assert_eq(fclose(f), 0);
}

/* Where the (single) chunk of dataset name starts in the file. */
static haddr_t chunk_address(const char *name)
{
    hid_t fid = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT), sp = H5Dget_space(d);
    hsize_t off[8];
    unsigned mask;
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    cr_assert_geq(H5Dget_chunk_info(d, sp, 0, off, &mask, &addr, &size), 0,
                  "%s is not chunked", name);
    H5Sclose(sp), H5Dclose(d), H5Fclose(fid);
    return addr;
}

/* The low mantissa byte of accuracy[0] changed: still a fraction in
 * [0, 1], so only a checksum can tell. Both readers must refuse it. */
Test(resume_bounds, a_corrupt_accuracy_is_a_read_error)
{
    flip(chunk_address("/sweep/accuracy"));
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, out, &r), XB_EIO, "%s", xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), "/sweep/accuracy"), "%s", xb_ctx_error(ctx));
    resume_fails(XB_EIO, "/sweep/accuracy");
}

Test(resume_bounds, corrupt_parameters_are_a_read_error)
{
    flip(chunk_address("/models/0/params") + 4 * 5);
    resume_fails(XB_EIO, "/models/0/params");
}

/* Variable-length strings live in HDF5's global heap, which has no
 * checksum; one corrupt byte there crashed libhdf5 1.10 (H5HG_read) in
 * xbar info. xbar's own files hold only fixed-length strings. */
Test(resume_bounds, no_variable_length_strings)
{
    hid_t fid = H5Fopen(out, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(fid, "/config", H5P_DEFAULT), t = H5Dget_type(d);
    cr_assert_eq(H5Tget_class(t), H5T_STRING);
    cr_assert_eq(H5Tis_variable_str(t), 0, "/config is a variable-length string");
    H5Tclose(t), H5Dclose(d);
    const char *attrs[][2] = {{"/", "command_line"}, {"/sweep", "noise_model"},
                              {"/sweep/accuracy", "units"}};
    for (int k = 0; k < 3; k++) {
        hid_t a = H5Aopen_by_name(fid, attrs[k][0], attrs[k][1], H5P_DEFAULT, H5P_DEFAULT);
        cr_assert_geq(a, 0);
        t = H5Aget_type(a);
        cr_assert_eq(H5Tis_variable_str(t), 0, "%s of %s is variable-length", attrs[k][1],
                     attrs[k][0]);
        H5Tclose(t), H5Aclose(a);
    }
    H5Fclose(fid);
}
