/* sim/io/xb_study_read (the reader of /study) and the study figures of
 * sim/report/xb_plot_study.c, on hand-made study files written here with
 * HDF5 and its dimension scales (H5DS, as STUDY_FORMAT's writer makes
 * them): the exact means of the slices in the data gnuplot is given, the
 * heatmap's cells, both files' points in one figure, the errors of bad
 * views, and `xbar plot` end to end when make check passes XBAR. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_plot.h"
#include "xb_study_read.h"
#include "xb_test_sweep.h"

/* ---- hand-made study files -------------------------------------------------- */

/* File A: 3 axes, declared in this order (not sorted, so the figures must
 * sort): sweep.sigma_train {0.5, 0} (trains), xbar.adc_bits {8, 4, 6},
 * device.t {3600, 1, 86400}; 4 repeats, 3 votes. Values are multiples of
 * 2^-8, so every sum and mean below is exact in binary64. */
#define A_N0 2
#define A_N1 3
#define A_N2 3
#define A_POINTS (A_N0 * A_N1 * A_N2)
#define REPEATS 4
#define VOTES 3
static const double A_SIGMA[A_N0] = {0.5, 0.0};
static const double A_BITS[A_N1] = {8, 4, 6};
static const double A_T[A_N2] = {3600, 1, 86400};
/* The point not done, and the done points whose SNR is NaN and +inf. */
#define A_NOT_DONE 7  /* [0, 2, 1] */
#define A_SNR_NAN 4   /* [0, 1, 1] */
#define A_SNR_INF 12  /* [1, 1, 0] */

static double acc_of(size_t p, size_t r) { return (100.0 + 3.0 * (double)p + (double)r) / 256.0; }
static double vote_of(size_t p, size_t k) { return (150.0 + (double)p + 8.0 * (double)k) / 256.0; }
static double snr_of(size_t p) { return 40.0 - 1.5 * (double)p; }

/* Energy (J) and pipelined latency (s) per inference of point p: spread
 * so that some points beat others and some do not. */
static double energy_of(size_t p) { return 1e-9 * (double)(1 + (p * 7) % 11); }
static double latency_of(size_t p) { return 1e-6 * (double)(1 + (p * 5) % 7); }

/* The mean and 95 % interval of point p's repeats, as the figures compute them. */
static struct xb_ci ci_of(size_t p)
{
    double x[REPEATS];
    for (size_t r = 0; r < REPEATS; r++)
        x[r] = acc_of(p, r);
    struct xb_ci ci;
    xb_ci_mean(x, REPEATS, 1, 0.95, &ci);
    return ci;
}

/* The mean (%) of point p's repeats. */
static double mean_of(size_t p)
{
    struct xb_ci ci = ci_of(p);
    /* The exact mean of the four: (100 + 3p + 1.5) / 256. */
    cr_assert_eq(ci.mean, (101.5 + 3.0 * (double)p) / 256.0);
    return 100 * ci.mean;
}

/* An axis dataset: numeric (values) or text (labels), made a dimension
 * scale with its key as name, with the attributes of STUDY_FORMAT. */
static hid_t axis(hid_t fid, size_t k, const char *key, const char *units, int trains,
                  const double *values, const char *const *labels, size_t n)
{
    char name[64];
    snprintf(name, sizeof name, "/study/axis_%zu", k);
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL), d;
    if (values) {
        d = H5Dcreate2(fid, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        cr_assert(d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                     values) >= 0);
    } else {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, 8);
        char buf[8 * 8] = {0};
        for (size_t i = 0; i < n; i++)
            strncpy(buf + 8 * i, labels[i], 8);
        d = H5Dcreate2(fid, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        cr_assert(d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
        H5Tclose(t);
    }
    attr_str(d, "key", key);
    attr_str(d, "units", units);
    hid_t s1 = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(d, "trains", H5T_STD_I32LE, s1, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &trains) >= 0);
    H5Aclose(a);
    H5Sclose(s1);
    cr_assert(H5DSset_scale(d, key) >= 0);
    H5Sclose(sp);
    return d;
}

/* An array over the axes (and a last dimension `extra`, 0: none), its
 * dimensions attached to the axes. */
static void grid(hid_t fid, const char *name, hid_t ftype, hid_t mtype, const hid_t *axes,
                 const size_t *n, size_t n_axes, size_t extra, const void *buf)
{
    hsize_t dims[9];
    for (size_t k = 0; k < n_axes; k++)
        dims[k] = n[k];
    if (extra)
        dims[n_axes] = extra;
    hid_t sp = H5Screate_simple((int)(n_axes + (extra > 0)), dims, NULL);
    hid_t d = H5Dcreate2(fid, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "%s", name);
    cr_assert(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    for (size_t k = 0; k < n_axes; k++)
        cr_assert(H5DSattach_scale(d, axes[k], (unsigned)k) >= 0);
    attr_str(d, "units", "1");
    attr_str(d, "description", "synthetic");
    H5Dclose(d);
    H5Sclose(sp);
}

/* Changes to file A for the readers' error tests. */
struct study_fault {
    int bad_shape;   /* accuracy [2 x 3 x 2 x 4] */
    int no_key;      /* axis_1 without its key */
    double poke;     /* accuracy[0, 0] := poke when not 0 */
};

static void write_a(const char *path, const struct study_fault *fault)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(fid >= 0);
    H5Gclose(H5Gcreate2(fid, "/study", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    hid_t ax[3];
    ax[0] = axis(fid, 0, "sweep.sigma_train", "1", 1, A_SIGMA, NULL, A_N0);
    ax[1] = axis(fid, 1, "xbar.adc_bits", "bit", 0, A_BITS, NULL, A_N1);
    ax[2] = axis(fid, 2, "device.t", "s", 0, A_T, NULL, A_N2);
    if (fault && fault->no_key)
        cr_assert(H5Adelete(ax[1], "key") >= 0);
    size_t n[3] = {A_N0, A_N1, A_N2};
    double acc[A_POINTS * REPEATS], vote[A_POINTS * VOTES], snr[A_POINTS];
    double energy[A_POINTS], latency[A_POINTS];
    uint8_t done[A_POINTS];
    for (size_t p = 0; p < A_POINTS; p++) {
        done[p] = p != A_NOT_DONE;
        energy[p] = energy_of(p);
        latency[p] = latency_of(p);
        for (size_t r = 0; r < REPEATS; r++)
            acc[p * REPEATS + r] = done[p] ? acc_of(p, r) : (double)NAN;
        for (size_t k = 0; k < VOTES; k++)
            vote[p * VOTES + k] = done[p] ? vote_of(p, k) : (double)NAN;
        snr[p] = p == A_SNR_NAN ? (double)NAN : p == A_SNR_INF ? (double)INFINITY : snr_of(p);
    }
    if (fault && fault->poke != 0)
        acc[0] = fault->poke;
    if (fault && fault->bad_shape) {
        size_t m[3] = {A_N0, A_N1, 2};
        grid(fid, "/study/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, m, 2, 0, acc);
        (void)m;
    } else {
        grid(fid, "/study/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 3, REPEATS, acc);
    }
    grid(fid, "/study/accuracy_vote", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 3, VOTES, vote);
    grid(fid, "/study/snr_db_measured", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 3, 0, snr);
    grid(fid, "/study/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, ax, n, 3, 0, done);
    grid(fid, "/study/energy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 3, 0, energy);
    grid(fid, "/study/latency_pipelined", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 3, 0,
         latency);
    for (int k = 0; k < 3; k++)
        H5Dclose(ax[k]);
    H5Fclose(fid);
}

/* File B: 2 axes, device.type {"pcm", "reram"} (text) x xbar.adc_bits {4, 8};
 * one repeat; every point done; SNR 10 + p. It shares xbar.adc_bits with A. */
#define B_POINTS 4
static double b_acc(size_t p) { return (200.0 + (double)p) / 256.0; }

static void write_b(const char *path)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(fid >= 0);
    H5Gclose(H5Gcreate2(fid, "/study", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    static const char *const types[] = {"pcm", "reram"};
    static const double bits[] = {4, 8};
    hid_t ax[2] = {axis(fid, 0, "device.type", "", 0, NULL, types, 2),
                   axis(fid, 1, "xbar.adc_bits", "bit", 0, bits, NULL, 2)};
    size_t n[2] = {2, 2};
    double acc[B_POINTS], snr[B_POINTS];
    uint8_t done[B_POINTS];
    for (size_t p = 0; p < B_POINTS; p++) {
        acc[p] = b_acc(p);
        snr[p] = 10.0 + (double)p;
        done[p] = 1;
    }
    grid(fid, "/study/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 2, 1, acc);
    grid(fid, "/study/snr_db_measured", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, ax, n, 2, 0, snr);
    grid(fid, "/study/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, ax, n, 2, 0, done);
    H5Dclose(ax[0]);
    H5Dclose(ax[1]);
    H5Fclose(fid);
}

static char *file_a(const char *name)
{
    char *p = path_in(name);
    write_a(p, NULL);
    return p;
}

static char *file_b(const char *name)
{
    char *p = path_in(name);
    write_b(p);
    return p;
}

/* Point index of A from its axis indices. */
static size_t a_point(size_t i, size_t j, size_t k) { return (i * A_N1 + j) * A_N2 + k; }

/* ---- the reader ------------------------------------------------------------- */

Test(study_read, round_trip, .init = make_dir, .fini = remove_dir)
{
    char *path = file_a("a.h5");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result r;
    cr_assert(xb_study_exists(path));
    cr_assert_eq(xb_study_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(r.n_axes, 3);
    cr_assert_str_eq(r.axis[0].key, "sweep.sigma_train");
    cr_assert_str_eq(r.axis[1].key, "xbar.adc_bits");
    cr_assert_str_eq(r.axis[1].units, "bit");
    cr_assert_str_eq(r.axis[2].key, "device.t");
    cr_assert(r.axis[0].trains && !r.axis[1].trains && !r.axis[2].trains);
    cr_assert_eq(r.axis[2].n, A_N2);
    for (size_t i = 0; i < A_N2; i++)
        cr_assert_eq(r.axis[2].value[i], A_T[i]);
    cr_assert_str_eq(r.axis[2].label[2], "86400");
    cr_assert_eq(r.n_points, A_POINTS);
    cr_assert_eq(r.n_repeat, REPEATS);
    cr_assert_eq(r.n_votes, VOTES);
    size_t idx[3] = {1, 2, 0};
    cr_assert_eq(xb_study_point(&r, idx), a_point(1, 2, 0));
    cr_assert_eq(r.accuracy[a_point(1, 2, 0) * REPEATS + 3], acc_of(a_point(1, 2, 0), 3));
    cr_assert(!r.done[A_NOT_DONE] && isnan(r.accuracy[A_NOT_DONE * REPEATS]));
    cr_assert_eq(xb_study_axis_of(&r, "device.t"), 2);
    cr_assert_eq(xb_study_axis_of(&r, "device.d2d"), -1);
    xb_study_result_free(&r);

    char *pb = file_b("b.h5");
    cr_assert_eq(xb_study_read(ctx, pb, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(r.axis[0].is_text);
    cr_assert_str_eq(r.axis[0].label[1], "reram");
    cr_assert_null(r.accuracy_vote);
    xb_study_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(pb);
    xb_free(path);
}

static void expect_read_error(const struct study_fault *fault, enum xb_status want,
                              const char *needle1, const char *needle2)
{
    char *path = path_in("bad.h5");
    write_a(path, fault);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result r;
    enum xb_status st = xb_study_read(ctx, path, &r);
    const char *msg = xb_ctx_error(ctx);
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, msg);
    cr_assert(strstr(msg, path), "names the file: %s", msg);
    cr_assert(strstr(msg, needle1), "says '%s': %s", needle1, msg);
    cr_assert(strstr(msg, needle2), "says '%s': %s", needle2, msg);
    cr_assert_null(r.accuracy);
    xb_ctx_free(ctx);
    unlink(path);
    xb_free(path);
}

Test(study_read, bad_files, .init = make_dir, .fini = remove_dir)
{
    expect_read_error(&(struct study_fault){.bad_shape = 1}, XB_ESHAPE, "/study/accuracy",
                      "expected [2 x 3 x 3 x n]");
    expect_read_error(&(struct study_fault){.no_key = 1}, XB_ENOTFOUND, "/study/axis_1",
                      "'key'");
    expect_read_error(&(struct study_fault){.poke = 1.5}, XB_ERANGE, "/study/accuracy",
                      "is 1.5");
    /* An HDF5 file that is no result. */
    char *path = path_in("other.h5");
    H5Fclose(H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result r;
    cr_assert_eq(xb_study_read(ctx, path, &r), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "other.h5: no group /study or /sweep"), "%s",
              xb_ctx_error(ctx));
    xb_ctx_free(ctx);
    xb_free(path);
}

/* A sweep file made before /study is the two-axis study it is. */
Test(study_read, a_sweep_without_study, .init = make_dir, .fini = remove_dir)
{
    char *path = default_sweep("old.h5");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result r;
    cr_assert(!xb_study_exists(path));
    cr_assert_eq(xb_study_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(r.n_axes, 2);
    cr_assert_str_eq(r.axis[0].key, "sweep.sigma_train");
    cr_assert_str_eq(r.axis[1].key, "sweep.sigma_test");
    cr_assert(r.axis[0].trains && !r.axis[1].trains);
    cr_assert(r.n_repeat == NR && r.n_votes == NK && r.n_points == NT * NS);
    for (size_t i = 0; i < NT; i++)
        for (size_t j = 0; j < NS; j++) {
            size_t idx[2] = {i, j}, p = xb_study_point(&r, idx);
            cr_assert_eq(r.axis[0].value[i], SIGMA[TRAIN_PERM[i]]);
            cr_assert_eq(r.axis[1].value[j], SIGMA[TEST_PERM[j]]);
            for (size_t rep = 0; rep < NR; rep++)
                cr_assert_eq(r.accuracy[p * NR + rep],
                             repeat_value(TRAIN_PERM[i], TEST_PERM[j], rep));
            cr_assert_float_eq(r.accuracy_vote[p * NK + NK - 1],
                               VOTE[TRAIN_PERM[i]][TEST_PERM[j]], 1e-15);
            /* No snr_db_measured in this file: the test point's snr_db. */
            double want = SIGMA[TEST_PERM[j]] == 0 ? (double)INFINITY
                                                   : -20 * log10(SIGMA[TEST_PERM[j]]);
            cr_assert(r.snr_db[p] == want || fabs(r.snr_db[p] - want) < 1e-9, "point %zu,%zu",
                      i, j);
        }
    xb_study_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path);
}

/* ---- views that do not fit the files ------------------------------------------ */

/* xb_plot_study_check on files[n] and view: XB_EINVAL with every needle. */
static void expect_view_error(const struct xb_study_result *files, size_t n,
                              const struct xb_study_view *v, const char *n1, const char *n2,
                              const char *n3)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    enum xb_status st = xb_plot_study_check(ctx, files, n, v, NULL);
    const char *msg = xb_ctx_error(ctx);
    cr_assert_eq(st, XB_EINVAL, "status %d: %s", st, msg);
    const char *needles[] = {n1, n2, n3};
    for (int k = 0; k < 3; k++)
        if (needles[k])
            cr_assert(strstr(msg, needles[k]), "says '%s': %s", needles[k], msg);
    cr_assert_null(strchr(msg, '\n'), "one line: %s", msg);
    xb_ctx_free(ctx);
}

Test(plot_study, bad_views, .init = make_dir, .fini = remove_dir)
{
    char *pa = file_a("a.h5"), *pb = file_b("b.h5");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result f[3];
    cr_assert_eq(xb_study_read(ctx, pa, &f[0]), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_study_read(ctx, pb, &f[1]), XB_OK, "%s", xb_ctx_error(ctx));

    /* The defaults resolve: x = device.t, curves = sigma_train, the rest first. */
    struct xb_study_sel sel;
    cr_assert_eq(xb_plot_study_check(ctx, f, 1, NULL, &sel), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(sel.x == 2 && sel.curves == 0 && sel.hx == 2 && sel.hy == 0);
    cr_assert_eq(sel.fixed[1], 0);
    const char *at_ok[] = {"xbar.adc_bits=6"};
    struct xb_study_view v = {.at = at_ok, .n_at = 1};
    cr_assert_eq(xb_plot_study_check(ctx, f, 1, &v, &sel), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(sel.fixed[1], 2);
    const char *at_index[] = {"xbar.adc_bits=#1"};
    v.at = at_index;
    cr_assert_eq(xb_plot_study_check(ctx, f, 1, &v, &sel), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(sel.fixed[1], 1);

    expect_view_error(f, 1, &(struct xb_study_view){.x = "xbar.dac_bits"}, pa,
                      "--x xbar.dac_bits: no such axis",
                      "sweep.sigma_train, xbar.adc_bits, device.t");
    expect_view_error(f, 1, &(struct xb_study_view){.curves = "device.t"}, pa,
                      "--curves device.t is the x axis", NULL);
    expect_view_error(f, 1, &(struct xb_study_view){.heatmap = "device.t,device.t"},
                      "--heatmap device.t,device.t", "two different axes", NULL);
    expect_view_error(f, 1, &(struct xb_study_view){.heatmap = "device.t"},
                      "--heatmap device.t", "KEY,KEY", NULL);
    const char *at_value[] = {"xbar.adc_bits=5"};
    expect_view_error(f, 1, &(struct xb_study_view){.at = at_value, .n_at = 1}, pa,
                      "5 is not on the axis xbar.adc_bits", "8, 4, 6 or #0 .. #2");
    const char *at_text[] = {"device.type=flash"};
    expect_view_error(f + 1, 1, &(struct xb_study_view){.at = at_text, .n_at = 1}, pb,
                      "flash is not on the axis device.type", "pcm, reram or #0 .. #1");
    const char *at_text_ok[] = {"device.type=reram"};
    v = (struct xb_study_view){.at = at_text_ok, .n_at = 1};
    cr_assert_eq(xb_plot_study_check(ctx, f + 1, 1, &v, &sel), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(sel.x == 1 && sel.curves == -1 && sel.fixed[0] == 1);
    const char *at_key[] = {"device.d2d=0"};
    expect_view_error(f, 1, &(struct xb_study_view){.at = at_key, .n_at = 1}, pa,
                      "--at device.d2d=0: no such axis", NULL);
    /* An axis held is no default: x moves to the last other, the curves
     * to the first other; held where it is drawn, it is an error. */
    const char *at_x[] = {"device.t=1"};
    v = (struct xb_study_view){.at = at_x, .n_at = 1};
    cr_assert_eq(xb_plot_study_check(ctx, f, 1, &v, &sel), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(sel.x == 1 && sel.curves == 0 && sel.fixed[2] == 1);
    expect_view_error(f, 1, &(struct xb_study_view){.x = "device.t", .at = at_x, .n_at = 1},
                      "device.t=1", "an axis the figures draw", NULL);
    expect_view_error(f, 1, &(struct xb_study_view){.curves = "device.t", .x = "xbar.adc_bits",
                                                    .at = at_x, .n_at = 1},
                      "device.t=1", "an axis the figures draw", NULL);
    const char *at_bare[] = {"device.t"};
    expect_view_error(f, 1, &(struct xb_study_view){.at = at_bare, .n_at = 1},
                      "--at device.t: expected KEY=VALUE", NULL, NULL);
    expect_view_error(f, 1, &(struct xb_study_view){.votes = 4}, pa, "--votes 4",
                      "K = 1 .. 3");
    expect_view_error(f, 2, &(struct xb_study_view){.votes = 1}, pb, "--votes 1",
                      "K = 1 .. 0");
    expect_view_error(f, 2, &(struct xb_study_view){.curves = "device.t"}, "--curves device.t",
                      "one file only", NULL);
    expect_view_error(f, 2, &(struct xb_study_view){.x = "device.t"}, pb,
                      "--x device.t: no such axis", "every file must have the x axis");

    /* Two files: the shared axis is found; a third without it has none in common. */
    cr_assert_eq(xb_plot_study_check(ctx, f, 2, NULL, (struct xb_study_sel[2]){0}), XB_OK, "%s",
                 xb_ctx_error(ctx));
    struct xb_study_sel two[2];
    cr_assert_eq(xb_plot_study_check(ctx, f, 2, NULL, two), XB_OK);
    cr_assert(two[0].x == 1 && two[1].x == 1, "x = xbar.adc_bits in both");
    char *pc = path_in("c.h5");
    {
        hid_t fid = H5Fcreate(pc, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(H5Gcreate2(fid, "/study", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        static const double tile[] = {64, 128};
        hid_t ax = axis(fid, 0, "xbar.tile_rows", "1", 0, tile, NULL, 2);
        size_t n = 2;
        double acc[2] = {0.5, 0.75}, snr[2] = {3, 4};
        uint8_t done[2] = {1, 1};
        grid(fid, "/study/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &ax, &n, 1, 1, acc);
        grid(fid, "/study/snr_db_measured", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &ax, &n, 1, 0,
             snr);
        grid(fid, "/study/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &ax, &n, 1, 0, done);
        H5Dclose(ax);
        H5Fclose(fid);
    }
    cr_assert_eq(xb_study_read(ctx, pc, &f[2]), XB_OK, "%s", xb_ctx_error(ctx));
    expect_view_error(f, 3, NULL, "have no axis in common", pc, "xbar.tile_rows");

    for (int k = 0; k < 3; k++)
        xb_study_result_free(&f[k]);
    xb_ctx_free(ctx);
    xb_free(pa);
    xb_free(pb);
    xb_free(pc);
}

/* ---- what the figures hold ------------------------------------------------------ */

/* The plot command of figure NAME (its PNG) in script: the data block
 * indices it names, in order. */
static size_t figure_blocks(const char *script, const char *stem, const char *name, int *index,
                            size_t max)
{
    char key[160];
    snprintf(key, sizeof key, "%s_%s.png", stem, name);
    const char *a = strstr(script, key);
    cr_assert(a, "no figure %s in the script", key);
    const char *b = strstr(a, "unset output");
    size_t n = 0;
    for (const char *p = a; (p = strstr(p, "DATA index ")) && p < b; p++) {
        cr_assert_lt(n, max);
        int k = atoi(p + strlen("DATA index "));
        if (n == 0 || index[n - 1] != k) /* the heatmap names one block thrice */
            index[n++] = k;
    }
    return n;
}

/* The 95 % interval's half width (%) of point p's repeats. */
static double half_of(size_t p) { return 100 * ci_of(p).half; }

/* Draws files[n] with view through the keeping gnuplot; *script and *dat
 * are what gnuplot ran on. */
static void draw(const char *const *paths, size_t n, const struct xb_study_view *v,
                 struct xb_plot_files *files, char **script, char **dat)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_study_result r[2];
    for (size_t f = 0; f < n; f++)
        cr_assert_eq(xb_study_read(ctx, paths[f], &r[f]), XB_OK, "%s", xb_ctx_error(ctx));
    char *out = path_in("figs"), *wrapper = keeping_gnuplot();
    struct xb_plot_params params = {out, wrapper};
    cr_assert_eq(xb_plot_check_dir(ctx, paths[0], &params, "-o figs"), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_study(ctx, r, n, v, &params, files), XB_OK, "%s", xb_ctx_error(ctx));
    char *gp = path_in("kept.gp"), *d = path_in("kept.dat");
    *script = slurp(gp);
    *dat = slurp(d);
    for (size_t f = 0; f < n; f++)
        xb_study_result_free(&r[f]);
    xb_free(gp), xb_free(d), xb_free(out), xb_free(wrapper);
    xb_ctx_free(ctx);
}

Test(plot_study, slices_hold_the_exact_means, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *pa = file_a("a.h5"), *script, *dat;
    const char *paths[] = {pa};
    const char *at[] = {"xbar.adc_bits=6"};
    struct xb_study_view v = {.at = at, .n_at = 1};
    struct xb_plot_files files;
    draw(paths, 1, &v, &files, &script, &dat);
    cr_assert_eq(files.n, 10, "five figures, PNG and SVG");
    cr_assert_eq(files.n_skipped, 0);
    xb_plot_files_free(&files);

    /* Accuracy vs device.t (sorted: 1, 3600, 86400), one curve per
     * sigma_train in file order (0.5, 0), adc_bits held at 6 (index 2). */
    int block[8];
    cr_assert_eq(figure_blocks(script, "a", "study_acc_vs_axis", block, 8), 2);
    static const size_t t_sorted[] = {1, 0, 2};
    for (size_t c = 0; c < A_N0; c++) {
        double row[4 * 3];
        size_t want = 0, rows = block_rows(dat, block[c], 4, row, 3);
        for (size_t i = 0; i < A_N2; i++) {
            size_t p = a_point(c, 2, t_sorted[i]);
            if (p == A_NOT_DONE)
                continue; /* left out */
            cr_assert_lt(want, rows);
            double *got = row + 4 * want++;
            cr_assert_eq(got[0], A_T[t_sorted[i]]);
            cr_assert_eq(got[1], mean_of(p), "curve %zu t %g: %.17g, want %.17g", c, got[0],
                         got[1], mean_of(p));
            cr_assert_float_eq(got[2], mean_of(p) - half_of(p), 1e-12);
            cr_assert_float_eq(got[3], mean_of(p) + half_of(p), 1e-12);
        }
        cr_assert_eq(rows, want, "curve %zu: %zu rows, want %zu", c, rows, want);
    }
    cr_assert(strstr(script, "'sweep.sigma_train = 0.5'"), "curves are titled by value");
    cr_assert(strstr(script, " at xbar.adc_bits = 6'"), "the title says where the rest is held");
    cr_assert(strstr(script, "set logscale x"), "t spans decades: a log axis");

    /* The heatmap: device.t (x) x sigma_train (y) at adc_bits 6, cells
     * "i j mean" by increasing value on both axes. */
    cr_assert_eq(figure_blocks(script, "a", "study_heatmap", block, 8), 1);
    double cell[3 * 9];
    size_t cells = block_rows(dat, block[0], 3, cell, 9);
    cr_assert_eq(cells, 5, "6 cells, one not done");
    static const size_t sigma_sorted[] = {1, 0};
    for (size_t q = 0, j = 0; j < A_N0; j++)
        for (size_t i = 0; i < A_N2; i++) {
            size_t p = a_point(sigma_sorted[j], 2, t_sorted[i]);
            if (p == A_NOT_DONE)
                continue;
            cr_assert(cell[3 * q] == (double)i && cell[3 * q + 1] == (double)j);
            cr_assert_eq(cell[3 * q + 2], mean_of(p), "cell %zu,%zu", i, j);
            q++;
        }
    cr_assert(strstr(script, "set ytics ('0' 0, '0.5' 1)"), "the y tics are the values");
    cr_assert(strstr(script, "set xtics ('1' 0, '3600' 1, '86400' 2)"), "sorted");

    /* Accuracy vs measured SNR: every done point with a finite SNR (not
     * only adc_bits 6), per sigma_train, by increasing SNR. */
    cr_assert_eq(figure_blocks(script, "a", "study_acc_vs_snr", block, 8), 2);
    for (size_t c = 0; c < A_N0; c++) {
        double row[4 * 9];
        size_t rows = block_rows(dat, block[c], 4, row, 9), want = 0;
        for (size_t p = A_POINTS; p-- > 0;) { /* SNR falls with p */
            if (p / (A_N1 * A_N2) != c || p == A_NOT_DONE || p == A_SNR_NAN || p == A_SNR_INF)
                continue;
            cr_assert_lt(want, rows);
            cr_assert_eq(row[4 * want], snr_of(p));
            cr_assert_eq(row[4 * want + 1], mean_of(p), "point %zu", p);
            want++;
        }
        cr_assert_eq(rows, want, "curve %zu: %zu rows, want %zu", c, rows, want);
    }
    /* Accuracy vs energy and vs latency: every done point in point order,
     * then the front -- each done point that no other done point beats
     * (no more cost, at least as accurate, better in one), found here by
     * brute force -- by increasing cost. */
    for (int which = 0; which < 2; which++) {
        double (*cost)(size_t) = which ? latency_of : energy_of;
        cr_assert_eq(figure_blocks(script, "a", which ? "study_acc_vs_latency"
                                                      : "study_acc_vs_energy", block, 8), 2);
        double all[2 * A_POINTS], front[2 * A_POINTS];
        size_t n_all = block_rows(dat, block[0], 2, all, A_POINTS), k = 0;
        for (size_t p = 0; p < A_POINTS; p++) {
            if (p == A_NOT_DONE)
                continue;
            cr_assert_lt(k, n_all);
            cr_assert(all[2 * k] == cost(p) && all[2 * k + 1] == mean_of(p), "point %zu", p);
            k++;
        }
        cr_assert_eq(n_all, k);
        size_t n_front = block_rows(dat, block[1], 2, front, A_POINTS), want = 0;
        double last = 0;
        for (size_t i = 0; i < n_front; i++) {
            cr_assert_geq(front[2 * i], last, "the front is sorted by cost");
            last = front[2 * i];
        }
        for (size_t p = 0; p < A_POINTS; p++) {
            if (p == A_NOT_DONE)
                continue;
            int beaten = 0;
            for (size_t o = 0; o < A_POINTS && !beaten; o++)
                beaten = o != A_NOT_DONE && o != p && cost(o) <= cost(p) &&
                         mean_of(o) >= mean_of(p) &&
                         (cost(o) < cost(p) || mean_of(o) > mean_of(p));
            if (beaten)
                continue;
            want++;
            int found = 0;
            for (size_t i = 0; i < n_front && !found; i++)
                found = front[2 * i] == cost(p) && front[2 * i + 1] == mean_of(p);
            cr_assert(found, "point %zu (cost %g) is beaten by none but not on the front", p,
                      cost(p));
        }
        cr_assert_eq(n_front, want, "%zu points on the front, want %zu", n_front, want);
        cr_assert_gt(want, 1, "the test data make a front of several points");
        cr_assert_lt(want, n_all, "and some points off it");
    }
    xb_free(script), xb_free(dat);

    /* With votes: the accuracy of the majority of K = 2 votes, no interval;
     * the heatmap of adc_bits x device.t at sigma_train 0 (its index 1). */
    const char *at0[] = {"sweep.sigma_train=0"};
    struct xb_study_view vv = {.votes = 2, .heatmap = "xbar.adc_bits,device.t", .at = at0,
                               .n_at = 1};
    draw(paths, 1, &vv, &files, &script, &dat);
    xb_plot_files_free(&files);
    /* sigma_train held: the curves are adc_bits (8, 4, 6), x still t. */
    cr_assert_eq(figure_blocks(script, "a", "study_acc_vs_axis", block, 8), 3);
    double row[4 * 3];
    cr_assert_eq(block_rows(dat, block[0], 4, row, 3), 3);
    size_t p0 = a_point(1, 0, 1); /* sigma 0 (held), 8 bits, t = 1 */
    cr_assert_eq(row[1], 100 * vote_of(p0, 1));
    cr_assert(row[2] == row[1] && row[3] == row[1]);
    cr_assert_eq(figure_blocks(script, "a", "study_heatmap", block, 8), 1);
    cr_assert_eq(block_rows(dat, block[0], 3, cell, 9), 9);
    static const size_t bits_sorted[] = {1, 2, 0};
    for (size_t q = 0, j = 0; j < A_N2; j++)
        for (size_t i = 0; i < A_N1; i++, q++) {
            cr_assert(cell[3 * q] == (double)i && cell[3 * q + 1] == (double)j);
            cr_assert_eq(cell[3 * q + 2],
                         100 * vote_of(a_point(1, bits_sorted[i], t_sorted[j]), 1));
        }
    xb_free(script), xb_free(dat);
    xb_free(pa);
}

Test(plot_study, several_files_in_one_figure, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *pa = file_a("noise.h5"), *pb = file_b("pcm.h5"), *script, *dat;
    const char *paths[] = {pa, pb};
    struct xb_plot_files files;
    draw(paths, 2, NULL, &files, &script, &dat);
    cr_assert_eq(files.n, 4, "two figures, PNG and SVG");
    cr_assert(strstr(files.path[0], "/figs/noise_files_acc_vs_snr.png"), "%s", files.path[0]);
    xb_plot_files_free(&files);

    /* SNR: one curve per file, labelled by its name, each holding all its
     * done points with a finite SNR. */
    int block[4];
    cr_assert_eq(figure_blocks(script, "noise", "files_acc_vs_snr", block, 4), 2);
    double row[4 * A_POINTS];
    cr_assert_eq(block_rows(dat, block[0], 4, row, A_POINTS), A_POINTS - 3);
    cr_assert_eq(block_rows(dat, block[1], 4, row, A_POINTS), B_POINTS);
    for (size_t p = 0; p < B_POINTS; p++) {
        cr_assert_eq(row[4 * p], 10.0 + (double)p);
        cr_assert_eq(row[4 * p + 1], 100 * b_acc(p));
    }
    cr_assert(strstr(script, "title 'noise'") && strstr(script, "title 'pcm"), "%s", script);

    /* The shared axis xbar.adc_bits, sorted (4, 6, 8 and 4, 8), the other
     * axes at their first values. */
    cr_assert_eq(figure_blocks(script, "noise", "files_acc_vs_axis", block, 4), 2);
    cr_assert_eq(block_rows(dat, block[0], 4, row, 3), 3);
    static const size_t bits_sorted[] = {1, 2, 0};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(row[4 * i], A_BITS[bits_sorted[i]]);
        cr_assert_eq(row[4 * i + 1], mean_of(a_point(0, bits_sorted[i], 0)));
    }
    cr_assert_eq(block_rows(dat, block[1], 4, row, 3), 2);
    cr_assert(row[0] == 4 && row[1] == 100 * b_acc(0) && row[4] == 8 && row[5] == 100 * b_acc(1));
    cr_assert(strstr(script, "title 'pcm at device.type = pcm'"), "%s", script);
    xb_free(script), xb_free(dat);
    xb_free(pa), xb_free(pb);
}

/* ---- the binary ---------------------------------------------------------------- */

/* "$XBAR args": the exit status; stderr into err[size]. */
static int run_xbar(const char *args, char *err, size_t size)
{
    char *e = path_in("stderr");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s >/dev/null 2>'%s'", getenv("XBAR"), args, e);
    int status = system(cmd);
    FILE *f = fopen(e, "r");
    cr_assert(f);
    size_t n = fread(err, 1, size - 1, f);
    err[n] = '\0';
    fclose(f);
    unlink(e);
    xb_free(e);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Test(cli, plot_study_errors_and_figures, .init = make_dir, .fini = remove_dir)
{
    if (!getenv("XBAR"))
        cr_skip_test("XBAR is not set (make check sets it to build/xbar)");
    char *pa = file_a("a.h5"), *pb = file_b("b.h5"), *out = path_in("f"), err[4096],
         args[1024];
    cr_assert_eq(mkdir(out, 0777), 0);
    static const struct {
        const char *opts, *needle;
    } bad[] = {
        {"--x nosuch.key", "--x nosuch.key: no such axis; expected one of sweep.sigma_train, "
                           "xbar.adc_bits, device.t"},
        {"--curves nosuch.key", "--curves nosuch.key: no such axis"},
        {"--at xbar.adc_bits=7", "7 is not on the axis xbar.adc_bits; expected one of 8, 4, 6"},
        {"--at nosuch.key=1", "--at nosuch.key=1: no such axis"},
        {"--votes 0", "--votes 0: expected a number of votes K >= 1"},
        {"--heatmap device.t", "--heatmap device.t: expected KEY,KEY"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(args, sizeof args, "plot '%s' -o '%s' %s", pa, out, bad[k].opts);
        cr_assert_eq(run_xbar(args, err, sizeof err), 2, "%s: %s", bad[k].opts, err);
        cr_assert(strstr(err, bad[k].needle), "%s: %s", bad[k].opts, err);
        cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "one line: %s", err);
    }
    /* Files with no common axis: b.h5 and a third with only tile rows. */
    char *pc = path_in("c.h5");
    {
        hid_t fid = H5Fcreate(pc, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        H5Gclose(H5Gcreate2(fid, "/study", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        static const double tile[] = {64};
        hid_t ax = axis(fid, 0, "xbar.tile_rows", "1", 0, tile, NULL, 1);
        size_t n = 1;
        double acc = 0.5, snr = 3;
        uint8_t done = 1;
        grid(fid, "/study/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &ax, &n, 1, 1, &acc);
        grid(fid, "/study/snr_db_measured", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &ax, &n, 1, 0,
             &snr);
        grid(fid, "/study/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, &ax, &n, 1, 0, &done);
        H5Dclose(ax);
        H5Fclose(fid);
    }
    snprintf(args, sizeof args, "plot '%s' '%s' -o '%s'", pb, pc, out);
    cr_assert_eq(run_xbar(args, err, sizeof err), 2, "%s", err);
    cr_assert(strstr(err, "have no axis in common"), "%s", err);
    /* An HDF5 file that is no result cannot be compared. */
    char *old = path_in("other.h5");
    H5Fclose(H5Fcreate(old, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    snprintf(args, sizeof args, "plot '%s' '%s' -o '%s'", pa, old, out);
    cr_assert_eq(run_xbar(args, err, sizeof err), 2, "%s", err);
    cr_assert(strstr(err, "other.h5: no group /study or /sweep"), "%s", err);
    cr_assert_eq(count_entries(out), 0, "no output after bad input");

    if (have_gnuplot()) {
        /* A study file alone gives the study figures by default. */
        snprintf(args, sizeof args, "plot '%s' -o '%s'", pa, out);
        cr_assert_eq(run_xbar(args, err, sizeof err), 0, "%s", err);
        cr_assert_eq(count_entries(out), 10, "five study figures (energy and latency included)");
        snprintf(args, sizeof args, "plot '%s' '%s' -o '%s'", pa, pb, out);
        cr_assert_eq(run_xbar(args, err, sizeof err), 0, "%s", err);
        cr_assert_eq(count_entries(out), 14, "and two comparison figures");
        /* A sweep file made before /study: its seven figures as always;
         * with --x, the study figures of its two axes. */
        char *sweep = default_sweep("old.h5");
        snprintf(args, sizeof args, "plot '%s' -o '%s'", sweep, out);
        cr_assert_eq(run_xbar(args, err, sizeof err), 0, "%s", err);
        cr_assert_eq(count_entries(out), 28, "and the sweep's seven");
        snprintf(args, sizeof args, "plot '%s' -o '%s' --x sweep.sigma_test --votes 5", sweep,
                 out);
        cr_assert_eq(run_xbar(args, err, sizeof err), 0, "%s", err);
        cr_assert_eq(count_entries(out), 34, "and its three study figures (no energy in /sweep's view)");
        xb_free(sweep);
    }
    xb_free(pa), xb_free(pb), xb_free(pc), xb_free(old), xb_free(out);
}
