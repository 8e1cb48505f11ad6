/* sim/io/xb_sweep_layout (the reader), sim/report/xb_summary (paper 001's tables)
 * and sim/report/xb_ci, on the synthetic sweep files of xb_test_sweep.h. The
 * figures, `xbar info` / `xbar plot` end to end and device mode are in
 * test_plot_figures.c. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_experiment.h"
#include "xb_provenance.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"
#include "xb_test_sweep.h"

/* ---- confidence intervals ------------------------------------------------- */

Test(ci, known_values)
{
    cr_assert_float_eq(xb_ci_t_quantile(0.95, 4), 2.7764451052, 1e-9);
    cr_assert_float_eq(xb_ci_t_quantile(0.95, 1), 12.7062047362, 1e-8);
    double x[] = {0.99, NAN, 0.98, 0.97};
    struct xb_ci ci;
    xb_ci_mean(x, 4, 1, 0.95, &ci);
    cr_assert_eq(ci.n, 3);
    cr_assert_float_eq(ci.mean, 0.98, 1e-15);
    cr_assert_float_eq(ci.sd, 0.01, 1e-14);
    cr_assert_float_eq(ci.half, 4.3026527297 * 0.01 / sqrt(3.0), 1e-10);
    xb_ci_mean(x, 1, 1, 0.95, &ci);
    cr_assert(ci.n == 1 && ci.mean == 0.99 && isnan(ci.half));
    xb_ci_mean(x + 1, 1, 1, 0.95, &ci);
    cr_assert(ci.n == 0 && isnan(ci.mean));
    /* Strided: every other value. */
    double y[] = {1, 100, 3, 100};
    xb_ci_mean(y, 2, 2, 0.95, &ci);
    cr_assert_float_eq(ci.mean, 2.0, 1e-15);
}

/* ---- the reader ------------------------------------------------------------ */

Test(sweep_read, round_trip, .init = make_dir, .fini = remove_dir)
{
    char *path = default_sweep("q.h5");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(r.path, path);
    cr_assert_str_eq(r.xbar_version, "0.1.0");
    cr_assert_str_eq(r.git_commit, "abcdef123456");
    cr_assert_str_eq(r.created, "2025-01-02T03:04:05Z");
    cr_assert_str_eq(r.command_line, "xbar sweep --config q.cfg");
    cr_assert_eq(r.seed, 42);
    cr_assert_eq(r.threads, 2);
    cr_assert_str_eq(r.config, "sweep = { sigma_train = [0.0, 0.5, 1.0]; };\n");
    cr_assert_str_eq(r.noise_model, "mult");
    cr_assert_str_eq(r.dataset, "mnist");
    cr_assert_str_eq(r.model, "cnn6");
    cr_assert_eq(r.n_train, NT);
    cr_assert_eq(r.n_test, NS);
    cr_assert_eq(r.n_repeat, NR);
    cr_assert_eq(r.n_votes, NK);
    for (size_t i = 0; i < NT; i++)
        cr_assert_eq(r.sigma_train[i], SIGMA[TRAIN_PERM[i]]);
    for (size_t j = 0; j < NS; j++) {
        cr_assert_eq(r.sigma_test[j], SIGMA[TEST_PERM[j]]);
        if (r.sigma_test[j] == 0)
            cr_assert(isinf(r.snr_db[j]) && r.snr_db[j] > 0);
    }
    for (size_t k = 0; k < NK; k++)
        cr_assert_eq(r.votes[k], (int32_t)(k + 1));
    for (size_t i = 0; i < NT; i++)
        for (size_t j = 0; j < NS; j++) {
            cr_assert(xb_sweep_result_done(&r, i, j));
            for (size_t rep = 0; rep < NR; rep++)
                cr_assert_eq(xb_sweep_result_acc(&r, i, j, rep),
                             repeat_value(TRAIN_PERM[i], TEST_PERM[j], rep));
            cr_assert_float_eq(xb_sweep_result_acc_vote(&r, i, j, NK - 1),
                               VOTE[TRAIN_PERM[i]][TEST_PERM[j]], 1e-15);
        }
    xb_sweep_result_free(&r);
    cr_assert_null(r.accuracy);
    xb_sweep_result_free(&r); /* twice, and NULL: harmless */
    xb_sweep_result_free(NULL);
    xb_ctx_free(ctx);
    xb_free(path);
}

/* Reads path, expecting status and every needle in the message. */
static void expect_error(const char *path, enum xb_status want, const char *needle1,
                         const char *needle2)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    enum xb_status st = xb_sweep_read(ctx, path, &r);
    const char *msg = xb_ctx_error(ctx);
    cr_assert_eq(st, want, "status %d, want %d: %s", st, want, msg);
    cr_assert(strstr(msg, path), "message names the file: %s", msg);
    cr_assert(strstr(msg, needle1), "message names '%s': %s", needle1, msg);
    if (needle2)
        cr_assert(strstr(msg, needle2), "message says '%s': %s", needle2, msg);
    cr_assert_null(r.accuracy);
    xb_ctx_free(ctx);
}

static void bad_sweep(const struct synth *s, enum xb_status want, const char *needle1,
                      const char *needle2)
{
    char *path = path_in("bad.h5");
    write_sweep(path, s);
    expect_error(path, want, needle1, needle2);
    unlink(path);
    xb_free(path);
}

Test(sweep_read, missing_accuracy, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    s.omit = "/sweep/accuracy";
    bad_sweep(&s, XB_ENOTFOUND, "no dataset /sweep/accuracy",
              "[n_train x n_test x n_repeat]");
}

/* A grid larger than any experiment makes (found by tests/fuzz/fuzz_h5_result:
 * a 65,536 x 64 x 64 accuracy passed the 2^28-element bound and made
 * `xbar info` allocate and read 2 GiB): refused by its shape, before. */
Test(sweep_read, grid_beyond_an_experiment, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    char *path = path_in("big.h5");
    write_sweep(path, &s);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(fid >= 0);
    cr_assert(H5Ldelete(fid, "/sweep/sigma_train", H5P_DEFAULT) >= 0);
    hsize_t n = XB_EXP_MAX_GRID + 1;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(fid, "/sweep/sigma_train", H5T_IEEE_F64LE, sp, H5P_DEFAULT,
                         H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Fclose(fid);
    expect_error(path, XB_ESHAPE, "/sweep/sigma_train has shape [65]", "at most 64");
    unlink(path);
    xb_free(path);
}

Test(sweep_read, bad_files, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    s.omit = "/sweep/done";
    bad_sweep(&s, XB_ENOTFOUND, "/sweep/done", "uint8 [n_train x n_test]");
    s.omit = "seed";
    bad_sweep(&s, XB_ENOTFOUND, "'seed'", NULL);
    s.omit = NULL;
    s.bad_vote_shape = 1;
    bad_sweep(&s, XB_ESHAPE, "/sweep/accuracy_vote", "[3 x 3 x 6]");
    synth_default(&s);
    s.poke = 1.5;
    bad_sweep(&s, XB_ERANGE, "/sweep/accuracy[0, 0, 0] is 1.5", "[0, 1]");
    synth_default(&s);
    s.done_nan = 1;
    bad_sweep(&s, XB_ENUMERIC, "/sweep/accuracy[0, 0, 1] is NaN", "/sweep/done[0, 0] = 1");

    char *path = path_in("nosuch.h5");
    expect_error(path, XB_EIO, "cannot open", "No such file");
    xb_free(path);
    path = path_in("text.h5");
    FILE *f = fopen(path, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    expect_error(path, XB_EFORMAT, "not an HDF5 file", NULL);
    xb_free(path);

    /* An HDF5 file without the layout: an mvm result, say. */
    path = path_in("other.h5");
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(fid);
    expect_error(path, XB_ENOTFOUND, "attribute 'xbar_version'", NULL);
    xb_free(path);
}

/* ---- the provenance block of a file written before the rest was recorded -- */

Test(summary, provenance_of_an_older_file, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    char *path = path_in("s.h5");
    write_sweep(path, &s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_provenance p;
    cr_assert_eq(xb_provenance_read(ctx, path, &p), XB_OK, "%s", xb_ctx_error(ctx));
    char *text = xb_provenance_text(&p, XB_PROVENANCE_FILES_SHOWN);
    has_line(text, "xbar_version: 0.1.0");
    has_line(text, "git_commit: abcdef123456");
    has_line(text, "created: 2025-01-02T03:04:05Z");
    has_line(text, "command_line: xbar sweep --config q.cfg");
    has_line(text, "seed: 42");
    has_line(text, "threads: 2");
    has_line(text, "blas_kernel: not recorded");
    has_line(text, "data_files: not recorded");
    xb_free(text);
    xb_provenance_free(&p);
    xb_ctx_free(ctx);
    xb_free(path);
}

/* ---- the summary ----------------------------------------------------------- */

static char *summary_of(const struct synth *s)
{
    char *path = path_in("s.h5");
    write_sweep(path, s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    char *text = xb_summary_text(&r);
    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path);
    return text;
}

Test(summary, paper_tables, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    char *text = summary_of(&s);
    /* Table 2 layout: columns by increasing σ_test whatever the file's order. */
    has_line(text, "σ_test             0.0     0.5     1.0");
    has_line(text, "SNR (dB)           inf    6.02    0.00");
    has_line(text, "σ_train = 0      99.5%   93.5%   21.1%");
    has_line(text, "best             99.6%   99.3%   86.0%");
    /* σ_test 0.5: σ_train 0.5 and 1 tie at 99.3%; the smaller wins. */
    has_line(text, "by σ_train         0.5     0.5     1.0");
    /* Table 7 layout. */
    has_line(text, "no voting        99.6%   99.3%   86.0%");
    has_line(text, "best voting      99.6%   99.7%   98.4%");
    has_line(text, "by σ_train         0.5     1.0     1.0");
    has_line(text, "Accuracy with voting, majority of K = 5 (paper 001 Table 7)");
    /* What the sweep is; the provenance is xb_provenance_text's block. */
    cr_assert_null(strstr(text, "seed"), "no provenance in the summary\n%s", text);
    has_line(text, "sweep         data set mnist, model cnn6, noise mult");
    has_line(text, "grid          3 sigma_train x 3 sigma_test, 3 repeats, votes K = 1..5");
    has_line(text, "done          9 of 9 points");
    cr_assert_null(strstr(text, "*"), "complete: no marks\n%s", text);
    xb_free(text);
}

Test(summary, incomplete_and_no_zero, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    s.undone_i = 2; /* σ_train 1 at σ_test 1: not done */
    s.undone_j = 2;
    char *text = summary_of(&s);
    has_line(text, "σ_test             0.0     0.5    1.0*");
    has_line(text, "best             99.6%   99.3%   77.7%");
    has_line(text, "by σ_train         0.5     0.5     0.5");
    has_line(text, "best voting      99.6%   99.7%   95.0%");
    has_line(text, "done          8 of 9 points");
    cr_assert(strstr(text, "* not every sigma_train is done"));
    xb_free(text);

    synth_default(&s);
    s.skip_train0 = 1;
    s.n_votes = 0;
    text = summary_of(&s);
    cr_assert_null(strstr(text, "σ_train = 0 "), "%s", text);
    cr_assert(strstr(text, "(no sigma_train = 0 in this sweep"), "%s", text);
    cr_assert(strstr(text, "(no voting in this sweep"), "%s", text);
    has_line(text, "grid          3 sigma_train x 3 sigma_test, 3 repeats, no voting");
    xb_free(text);
}

Test(summary, numbers)
{
    char buf[32];
    xb_summary_format_sigma(0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.0");
    xb_summary_format_sigma(1, buf, sizeof buf);
    cr_assert_str_eq(buf, "1.0");
    xb_summary_format_sigma(0.05, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.05");
    xb_summary_format_sigma(1e-5, buf, sizeof buf);
    cr_assert_str_eq(buf, "1e-05");
    double x[] = {0.5, 0.0, 1.0, 0.5};
    size_t idx[4];
    xb_summary_order(x, 4, idx);
    cr_assert(idx[0] == 1 && idx[1] == 0 && idx[2] == 3 && idx[3] == 2, "stable sort");
}
