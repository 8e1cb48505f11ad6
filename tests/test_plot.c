/* sim/xb_sweep_layout (the reader), sim/xb_summary (paper 001's tables),
 * sim/xb_plot (gnuplot figures), sim/xb_ci, and `xbar info` / `xbar plot`
 * end to end when make check passes XBAR. Sweep files are synthetic,
 * written here with HDF5 directly, with known numbers. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <hdf5.h>
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
#include "xb_summary.h"
#include "xb_sweep_layout.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-plot.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static char *path_in(const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* ---- a synthetic sweep ---------------------------------------------------- */

/* The grid in sorted order: σ_train {0, 0.5, 1}, σ_test {0, 0.5, 1}. The
 * file stores them permuted (file index -> sorted index) so that the
 * readers must sort. Means without voting, paper-001-like: */
static const double MEAN[3][3] = {
    /* σ_test:  0.0    0.5    1.0 */
    {0.995, 0.935, 0.211}, /* σ_train 0   */
    {0.996, 0.993, 0.777}, /* σ_train 0.5 */
    {0.990, 0.993, 0.860}, /* σ_train 1   (ties 0.5 at σ_test 0.5) */
};
/* Voted accuracy at K_max = 5. */
static const double VOTE[3][3] = {
    {0.995, 0.960, 0.387},
    {0.996, 0.994, 0.950},
    {0.991, 0.997, 0.984},
};
static const double SIGMA[3] = {0.0, 0.5, 1.0};
static const size_t TRAIN_PERM[3] = {1, 0, 2}; /* file σ_train = {0.5, 0, 1} */
static const size_t TEST_PERM[3] = {2, 0, 1};  /* file σ_test  = {1, 0, 0.5} */
#define NT 3
#define NS 3
#define NR 3
#define NK 5

struct synth {
    int n_votes;          /* NK, or 0 for no voting */
    int skip_train0;      /* write σ_train 0.25 instead of 0 */
    const char *omit;     /* a dataset or root attribute to leave out */
    int undone_i, undone_j; /* sorted indices of a point not done, or -1 */
    double poke;          /* if not 0: accuracy[0, 0, 0] = poke */
    int done_nan;         /* a done point holds NaN */
    int bad_vote_shape;   /* accuracy_vote with n_votes + 1 columns */
    int device;           /* device mode: test_axis "t", /sweep/t_test, pcm */
};

/* Device mode's read times [s], in place of SIGMA on the test axis. */
static const double T_READ[3] = {1.0, 3600.0, 86400.0};

static void synth_default(struct synth *s)
{
    memset(s, 0, sizeof *s);
    s->n_votes = NK;
    s->undone_i = s->undone_j = -1;
}

static void attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0);
    cr_assert(H5Awrite(a, t, &value) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void dataset(hid_t fid, const struct synth *s, const char *name, hid_t ftype, hid_t mtype,
                    int rank, const hsize_t *dims, const void *buf, const char *units)
{
    if (s->omit && !strcmp(s->omit, name))
        return;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(fid, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "create %s", name);
    cr_assert(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    attr_str(d, "units", units);
    attr_str(d, "description", "synthetic");
    H5Dclose(d);
    H5Sclose(sp);
}

/* Repeat r of point [a, b] (sorted indices): the mean ± 0.002, except
 * ties, which are exact. */
static double repeat_value(size_t a, size_t b, size_t r)
{
    static const double delta[NR] = {-0.002, 0.0, 0.002};
    return a >= 1 && b == 1 ? MEAN[a][b] : MEAN[a][b] + delta[r];
}

static void write_sweep(const char *path, const struct synth *s)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(fid >= 0);
    hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
    const char *names[] = {"xbar_version", "git_commit", "created", "command_line"};
    const char *values[] = {"0.1.0", "abcdef123456", "2025-01-02T03:04:05Z",
                            "xbar sweep --config q.cfg"};
    for (int k = 0; k < 4; k++)
        if (!s->omit || strcmp(s->omit, names[k]))
            attr_str(root, names[k], values[k]);
    uint64_t seed = 42;
    int32_t threads = 2;
    hid_t sp = H5Screate(H5S_SCALAR);
    if (!s->omit || strcmp(s->omit, "seed")) {
        hid_t a = H5Acreate2(root, "seed", H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_UINT64, &seed);
        H5Aclose(a);
    }
    hid_t a = H5Acreate2(root, "threads", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, &threads);
    H5Aclose(a);
    H5Gclose(root);

    /* /config as a fixed-length string: the reader takes both kinds. */
    const char *config = "sweep = { sigma_train = [0.0, 0.5, 1.0]; };\n";
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(config));
    hid_t d = H5Dcreate2(fid, "/config", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, config);
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);

    hid_t g = H5Gcreate2(fid, "/sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    attr_str(g, "noise_model", s->device ? "pcm" : "mult");
    if (s->device)
        attr_str(g, "test_axis", "t");
    attr_str(g, "dataset", "mnist");
    attr_str(g, "model", "cnn6");
    H5Gclose(g);

    double st[NT], ss[NS], snr[NS];
    for (size_t i = 0; i < NT; i++)
        st[i] = s->skip_train0 && TRAIN_PERM[i] == 0 ? 0.25 : SIGMA[TRAIN_PERM[i]];
    for (size_t j = 0; j < NS; j++) {
        ss[j] = s->device ? T_READ[TEST_PERM[j]] : SIGMA[TEST_PERM[j]];
        snr[j] = s->device ? (double)NAN : ss[j] > 0 ? -20 * log10(ss[j]) : (double)INFINITY;
    }
    size_t nk = (size_t)s->n_votes, nk_file = nk + (s->bad_vote_shape ? 1 : 0);
    int32_t votes[NK];
    double acc[NT * NS * NR], vote[NT * NS * (NK + 1)];
    uint8_t done[NT * NS];
    for (size_t k = 0; k < nk; k++)
        votes[k] = (int32_t)(k + 1);
    for (size_t i = 0; i < NT; i++)
        for (size_t j = 0; j < NS; j++) {
            size_t a2 = TRAIN_PERM[i], b = TEST_PERM[j];
            int is_done = !((int)a2 == s->undone_i && (int)b == s->undone_j);
            done[i * NS + j] = (uint8_t)is_done;
            for (size_t r = 0; r < NR; r++)
                acc[(i * NS + j) * NR + r] = is_done ? repeat_value(a2, b, r) : (double)NAN;
            /* Voting rises from the single-inference mean to VOTE at K_max. */
            for (size_t k = 0; k < nk_file; k++) {
                double f = nk > 1 ? (double)k / (double)(nk - 1) : 1;
                vote[(i * NS + j) * nk_file + k] =
                    is_done ? MEAN[a2][b] + fmin(f, 1) * (VOTE[a2][b] - MEAN[a2][b]) : (double)NAN;
            }
        }
    if (s->poke != 0)
        acc[0] = s->poke;
    if (s->done_nan)
        acc[1] = NAN;

    hsize_t d1t[1] = {NT}, d1s[1] = {NS}, d1k[1] = {nk};
    hsize_t d2[2] = {NT, NS}, d3r[3] = {NT, NS, NR}, d3k[3] = {NT, NS, nk_file};
    dataset(fid, s, "/sweep/sigma_train", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1t, st, "1");
    dataset(fid, s, s->device ? "/sweep/t_test" : "/sweep/sigma_test", H5T_IEEE_F64LE,
            H5T_NATIVE_DOUBLE, 1, d1s, ss, s->device ? "s" : "1");
    dataset(fid, s, "/sweep/snr_db", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1s, snr, "dB");
    dataset(fid, s, "/sweep/votes", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1k, votes, "1");
    dataset(fid, s, "/sweep/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3r, acc, "1");
    dataset(fid, s, "/sweep/accuracy_vote", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3k, vote,
            "1");
    dataset(fid, s, "/sweep/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, d2, done, "1");
    cr_assert(H5Fclose(fid) >= 0);
}

/* Writes the default sweep as dir/NAME and returns its path. */
static char *default_sweep(const char *name)
{
    struct synth s;
    synth_default(&s);
    char *path = path_in(name);
    write_sweep(path, &s);
    return path;
}

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

/* ---- the summary ----------------------------------------------------------- */

/* Asserts that text holds line as a whole line. */
static void has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return;
    cr_assert_fail("missing line\n[%s]\nin\n%s", line, text);
}

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
    /* Provenance. */
    has_line(text, "xbar          0.1.0 (commit abcdef123456)");
    has_line(text, "created       2025-01-02T03:04:05Z");
    has_line(text, "command line  xbar sweep --config q.cfg");
    has_line(text, "seed          42");
    has_line(text, "threads       2");
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

/* ---- the figures ------------------------------------------------------------ */

static int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

/* Entries of d, hidden ones included. */
static int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    cr_assert(dp, "%s", d);
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dp);
    return n;
}

static void check_png(const char *path)
{
    unsigned char sig[8];
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    cr_assert_eq(fread(sig, 1, 8, f), 8);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    cr_assert(!memcmp(sig, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", path);
    cr_assert_gt(size, 1000, "%s is %ld bytes", path, size);
}

static void check_svg(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_assert(strstr(buf, "<svg") && strstr(buf, "</svg>"), "%s is not an SVG", path);
}

static int ends_with(const char *s, const char *end)
{
    size_t a = strlen(s), b = strlen(end);
    return a >= b && !strcmp(s + a - b, end);
}

Test(plot, figures, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *path = default_sweep("run_1.h5");
    char *out = path_in("figs");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    struct xb_plot_params params = {out, NULL};
    struct xb_plot_files files;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 10);
    cr_assert_eq(files.n_skipped, 0);
    static const char *const names[] = {"acc_vs_sigma", "err_vs_sigma", "acc_vs_snr",
                                        "heatmap", "acc_vs_votes"};
    for (size_t k = 0; k < 5; k++)
        for (int f = 0; f < 2; f++) {
            char want[256];
            snprintf(want, sizeof want, "%s/run_1_%s.%s", out, names[k], f ? "svg" : "png");
            int found = 0;
            for (size_t m = 0; m < files.n; m++)
                found |= !strcmp(files.path[m], want);
            cr_assert(found, "%s not made", want);
            if (f)
                check_svg(want);
            else
                check_png(want);
        }
    cr_assert_eq(count_entries(out), 10, "only the figures are left in %s", out);
    xb_plot_files_free(&files);

    /* gnuplot failing leaves the figures as they were and no temporary file. */
    char *png = path_in("figs/run_1_heatmap.png");
    struct stat before, after;
    cr_assert_eq(stat(png, &before), 0);
    params.gnuplot = "/bin/false";
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), "gnuplot failed"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 0);
    cr_assert_eq(count_entries(out), 10);
    cr_assert_eq(stat(png, &after), 0);
    cr_assert(before.st_ino == after.st_ino && before.st_size == after.st_size);

    params.gnuplot = "no-such-gnuplot-xbar";
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "no-such-gnuplot-xbar"), "%s", xb_ctx_error(ctx));

    /* Next to the file by default. */
    params.out_dir = NULL;
    params.gnuplot = NULL;
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 10);
    size_t n_dir = strlen(dir);
    for (size_t m = 0; m < files.n; m++)
        cr_assert(!strncmp(files.path[m], dir, n_dir) && files.path[m][n_dir] == '/' &&
                      !strchr(files.path[m] + n_dir + 1, '/'),
                  "%s", files.path[m]);
    xb_plot_files_free(&files);
    cr_assert_eq(count_entries(dir), 12, "the file, figs/, and 10 figures");

    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(png);
    xb_free(out);
    xb_free(path);
}

Test(plot, partial_and_no_votes, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    struct synth s;
    synth_default(&s);
    s.n_votes = 0;
    s.undone_i = 0;
    s.undone_j = 0;
    char *path = path_in("nv.h5");
    write_sweep(path, &s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    struct xb_plot_files files;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_sweep(ctx, &r, NULL, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 8);
    cr_assert_eq(files.n_skipped, 1);
    cr_assert(strstr(files.skipped[0], "acc_vs_votes"));
    for (size_t m = 0; m < files.n; m++)
        if (ends_with(files.path[m], ".png"))
            check_png(files.path[m]);
        else
            check_svg(files.path[m]);
    xb_plot_files_free(&files);
    xb_sweep_result_free(&r);

    cr_assert_eq(count_entries(dir), 9, "the file and 8 figures");
    xb_ctx_free(ctx);
    xb_free(path);
}

/* One σ_train and one σ_test, both 0, one repeat, one vote, 100 %: the
 * degenerate ranges gnuplot must survive. */
static void write_tiny(const char *path)
{
    struct synth s;
    synth_default(&s);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
    attr_str(root, "xbar_version", "0.1.0");
    attr_str(root, "git_commit", "unknown");
    attr_str(root, "created", "2025-01-02T03:04:05Z");
    attr_str(root, "command_line", "xbar sweep");
    uint64_t seed = 1;
    int32_t threads = 1;
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(root, "seed", H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_UINT64, &seed);
    H5Aclose(a);
    a = H5Acreate2(root, "threads", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, &threads);
    H5Aclose(a);
    H5Gclose(root);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const char *config = "";
    hid_t d = H5Dcreate2(fid, "/config", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &config);
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
    hid_t g = H5Gcreate2(fid, "/sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    attr_str(g, "noise_model", "pcm");
    attr_str(g, "dataset", "synthetic");
    attr_str(g, "model", "mlp");
    H5Gclose(g);
    double zero = 0, one = 1, inf = INFINITY;
    int32_t k = 1;
    uint8_t done = 1;
    hsize_t d1[1] = {1}, d2[2] = {1, 1}, d3[3] = {1, 1, 1};
    dataset(fid, &s, "/sweep/sigma_train", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, &zero, "1");
    dataset(fid, &s, "/sweep/sigma_test", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, &zero, "1");
    dataset(fid, &s, "/sweep/snr_db", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, &inf, "dB");
    dataset(fid, &s, "/sweep/votes", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, &k, "1");
    dataset(fid, &s, "/sweep/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, &one, "1");
    dataset(fid, &s, "/sweep/accuracy_vote", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3, &one,
            "1");
    dataset(fid, &s, "/sweep/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, d2, &done, "1");
    H5Fclose(fid);
}

Test(plot, tiny_grid, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *path = path_in("tiny.h5");
    write_tiny(path);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    struct xb_plot_files files;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    char *text = xb_summary_text(&r);
    has_line(text, "σ_test             0.0");
    has_line(text, "SNR (dB)           inf");
    has_line(text, "σ_train = 0     100.0%");
    has_line(text, "best voting     100.0%");
    xb_free(text);
    cr_assert_eq(xb_plot_sweep(ctx, &r, NULL, &files), XB_OK, "%s", xb_ctx_error(ctx));
    /* acc_vs_sigma, heatmap, acc_vs_votes; no error rate, no finite SNR. */
    cr_assert_eq(files.n, 6);
    cr_assert_eq(files.n_skipped, 2);
    cr_assert(strstr(files.skipped[0], "err_vs_sigma"));
    cr_assert(strstr(files.skipped[1], "acc_vs_snr"));
    for (size_t m = 0; m < files.n; m++)
        if (ends_with(files.path[m], ".png"))
            check_png(files.path[m]);
        else
            check_svg(files.path[m]);
    xb_plot_files_free(&files);
    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path);
}

Test(plot, check_dir, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *sub = path_in("new");
    struct xb_plot_params params = {sub, NULL};
    cr_assert_eq(xb_plot_check_dir(ctx, "x.h5", &params, "-o new"), XB_OK);
    struct stat sb;
    cr_assert(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode), "made");
    cr_assert_eq(count_entries(sub), 0, "the probe is removed");
    params.out_dir = "/nonexistent/a/b";
    cr_assert_eq(xb_plot_check_dir(ctx, "x.h5", &params, "-o /nonexistent/a/b"), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), "-o /nonexistent/a/b"), "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
    xb_free(sub);
}

/* ---- the binary, when make check says where it is --------------------------- */

/* Runs "$XBAR args" with stdout and stderr to files in dir; the exit status. */
static int run_xbar(const char *args, char **out, char **err)
{
    const char *xbar = getenv("XBAR");
    char *o = path_in("stdout"), *e = path_in("stderr");
    size_t len = strlen(xbar) + strlen(args) + strlen(o) + strlen(e) + 32;
    char *cmd = xb_malloc(len, 1);
    snprintf(cmd, len, "'%s' %s >'%s' 2>'%s'", xbar, args, o, e);
    int status = system(cmd);
    xb_free(cmd);
    char *files[2] = {o, e}, **bufs[2] = {out, err};
    for (int k = 0; k < 2; k++) {
        FILE *f = fopen(files[k], "r");
        cr_assert(f);
        char *b = xb_calloc(1 << 16, 1);
        size_t n = fread(b, 1, (1 << 16) - 1, f);
        b[n] = '\0';
        fclose(f);
        unlink(files[k]);
        *bufs[k] = b;
        xb_free(files[k]);
    }
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(cli, info_and_plot, .init = make_dir, .fini = remove_dir)
{
    if (!getenv("XBAR"))
        cr_skip_test("XBAR is not set (make check sets it to build/xbar)");
    char *path = default_sweep("e2e.h5"), *out, *err, args[512];

    snprintf(args, sizeof args, "info '%s'", path);
    cr_assert_eq(run_xbar(args, &out, &err), 0, "%s", err);
    has_line(out, "best voting      99.6%   99.7%   98.4%");
    has_line(out, "by σ_train         0.5     0.5     1.0");
    cr_assert_str_empty(err);
    xb_free(out);
    xb_free(err);

    snprintf(args, sizeof args, "info --show-config '%s'", path);
    cr_assert_eq(run_xbar(args, &out, &err), 0, "%s", err);
    has_line(out, "sweep = { sigma_train = [0.0, 0.5, 1.0]; };");
    xb_free(out);
    xb_free(err);

    if (have_gnuplot()) {
        snprintf(args, sizeof args, "plot '%s' -o '%s/f'", path, dir);
        cr_assert_eq(run_xbar(args, &out, &err), 0, "%s", err);
        cr_assert_eq(count_lines(out), 10, "one path per figure:\n%s", out);
        cr_assert(strstr(out, "/f/e2e_heatmap.png\n"), "%s", out);
        xb_free(out);
        xb_free(err);
    }

    /* Bad files: exit 2, one line on stderr naming the file and dataset. */
    struct synth s;
    synth_default(&s);
    s.omit = "/sweep/accuracy";
    char *bad = path_in("bad.h5");
    write_sweep(bad, &s);
    const char *cmds[] = {"info", "plot"};
    for (int k = 0; k < 2; k++) {
        snprintf(args, sizeof args, "%s '%s'", cmds[k], bad);
        cr_assert_eq(run_xbar(args, &out, &err), 2, "%s", err);
        cr_assert_str_empty(out);
        cr_assert_eq(count_lines(err), 1, "%s", err);
        cr_assert(strstr(err, bad) && strstr(err, "/sweep/accuracy"), "%s", err);
        xb_free(out);
        xb_free(err);
    }
    snprintf(args, sizeof args, "info '%s/nosuch.h5'", dir);
    cr_assert_eq(run_xbar(args, &out, &err), 2, "%s", err);
    cr_assert(strstr(err, "nosuch.h5: cannot open"), "%s", err);
    xb_free(out);
    xb_free(err);
    xb_free(bad);
    xb_free(path);
}

/* ---- device mode ---------------------------------------------------------- */

Test(device_mode, reads_summarises_and_plots, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    s.device = 1;
    char *path = path_in("pcm.h5");
    write_sweep(path, &s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(r.test_is_t);
    cr_assert_str_eq(r.test_axis, "t");
    cr_assert_str_eq(r.noise_model, "pcm");
    for (size_t j = 0; j < NS; j++)
        cr_assert_eq(r.sigma_test[j], T_READ[TEST_PERM[j]]);

    char *text = xb_summary_text(&r);
    has_line(text, "t (s)                  1      3600     86400");
    has_line(text, "σ_train = 0        99.5%     93.5%     21.1%");
    has_line(text, "grid          3 sigma_train x 3 read times t, 3 chip instances, votes K = "
                   "1..5");
    cr_assert(!strstr(text, "SNR (dB)"), "%s", text);
    xb_free(text);

    if (have_gnuplot()) {
        char *out = path_in("figs");
        struct xb_plot_params params = {out, NULL};
        struct xb_plot_files files;
        cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
        /* acc and err vs t, heatmap, votes; no SNR figure. */
        cr_assert_eq(files.n, 8);
        cr_assert_eq(files.n_skipped, 1);
        cr_assert(strstr(files.skipped[0], "acc_vs_snr"), "%s", files.skipped[0]);
        static const char *const names[] = {"acc_vs_t", "err_vs_t", "heatmap", "acc_vs_votes"};
        for (size_t k = 0; k < 4; k++) {
            char want[256];
            snprintf(want, sizeof want, "%s/pcm_%s.png", out, names[k]);
            check_png(want);
            snprintf(want, sizeof want, "%s/pcm_%s.svg", out, names[k]);
            check_svg(want);
        }
        /* The x axis is the read time on a log scale. */
        char svg[256];
        snprintf(svg, sizeof svg, "%s/pcm_acc_vs_t.svg", out);
        FILE *f = fopen(svg, "r");
        cr_assert_not_null(f);
        char *body = xb_calloc(1 << 20, 1);
        size_t got = fread(body, 1, (1 << 20) - 1, f);
        fclose(f);
        body[got] = '\0';
        cr_assert(strstr(body, "read time t (s)"), "no x label in %s", svg);
        xb_free(body);
        xb_plot_files_free(&files);
        xb_free(out);
    }
    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path);
}

Test(device_mode, missing_t_test, .init = make_dir, .fini = remove_dir)
{
    /* A device-mode file must hold /sweep/t_test, not sigma_test. */
    struct synth s;
    synth_default(&s);
    s.device = 1;
    s.omit = "/sweep/t_test";
    char *path = path_in("bad.h5");
    write_sweep(path, &s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "/sweep/t_test"), "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
    xb_free(path);
}
