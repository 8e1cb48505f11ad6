/* sim/report/xb_plot (gnuplot figures, skipped without gnuplot): the files made,
 * and what they show — axis labels, the curves and the numbers of every
 * data block, read from the script and data gnuplot runs on —, `xbar info` /
 * `xbar plot` end to end when make check passes XBAR, and device mode
 * (read, summarised, plotted), on the synthetic sweep files of
 * xb_test_sweep.h. */
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
#include "xb_plot.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"
#include "xb_test_sweep.h"

/* ---- the figures ------------------------------------------------------------ */

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
    cr_assert_eq(files.n, 14);
    cr_assert_eq(files.n_skipped, 0);
    static const char *const names[] = {"acc_vs_sigma", "err_vs_sigma", "acc_vs_snr",
                                        "heatmap", "acc_vs_votes", "acc_vs_energy",
                                        "acc_vs_latency"};
    for (size_t k = 0; k < 7; k++)
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
    cr_assert_eq(count_entries(out), 14, "only the figures are left in %s", out);
    xb_plot_files_free(&files);

    /* gnuplot failing leaves the figures as they were and no temporary file. */
    char *png = path_in("figs/run_1_heatmap.png");
    struct stat before, after;
    cr_assert_eq(stat(png, &before), 0);
    params.gnuplot = "/bin/false";
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), "gnuplot failed"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 0);
    cr_assert_eq(count_entries(out), 14);
    cr_assert_eq(stat(png, &after), 0);
    cr_assert(before.st_ino == after.st_ino && before.st_size == after.st_size);

    params.gnuplot = "no-such-gnuplot-xbar";
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "no-such-gnuplot-xbar"), "%s", xb_ctx_error(ctx));

    /* Next to the file by default. */
    params.out_dir = NULL;
    params.gnuplot = NULL;
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 14);
    size_t n_dir = strlen(dir);
    for (size_t m = 0; m < files.n; m++)
        cr_assert(!strncmp(files.path[m], dir, n_dir) && files.path[m][n_dir] == '/' &&
                      !strchr(files.path[m] + n_dir + 1, '/'),
                  "%s", files.path[m]);
    xb_plot_files_free(&files);
    cr_assert_eq(count_entries(dir), 16, "the file, figs/, and 14 figures");

    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(png);
    xb_free(out);
    xb_free(path);
}

/* ---- what the figures show ---------------------------------------------------- */

/* The body of figure NAME's PNG in the script: from its `set output` line
 * to its `unset output`, as a new string. */
static char *figure_body(const char *script, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "run_1_%s.png", name);
    const char *a = strstr(script, key);
    cr_assert(a, "no figure %s in the script", name);
    const char *b = strstr(a, "unset output");
    cr_assert(b);
    char *s = xb_malloc((size_t)(b - a) + 1, 1);
    memcpy(s, a, (size_t)(b - a));
    s[b - a] = '\0';
    return s;
}

/* The data blocks a figure's plot commands name, in order ("DATA index N"). */
static size_t curves(const char *body, int *index, size_t max)
{
    size_t n = 0;
    for (const char *p = body; (p = strstr(p, "DATA index ")); p++) {
        cr_assert_lt(n, max);
        index[n++] = atoi(p + strlen("DATA index "));
    }
    return n;
}

/* Numbers are written with 10 significant digits. */
static void near(const char *what, double got, double want)
{
    cr_assert(fabs(got - want) <= 1e-8 * fmax(1.0, fabs(want)), "%s: %.10g, want %.10g", what,
              got, want);
}

/* The 95 % Student-t half interval of NR = 3 repeats M - 0.002, M, M + 0.002
 * (sd 0.002) in percent: t_{0.975, 2} = 0.95 / sqrt(2 · 0.975 · 0.025), the
 * closed form of Student's t quantile for 2 degrees of freedom. Ties are
 * written as three equal repeats: no interval. */
static double half_ci(size_t t, size_t c)
{
    if (t >= 1 && c == 1)
        return 0.0;
    return 100.0 * 0.95 / sqrt(2.0 * 0.975 * 0.025) * 0.002 / sqrt(3.0);
}

Test(plot, figure_content, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *path = default_sweep("run_1.h5");
    char *out = path_in("figs"), *wrapper = keeping_gnuplot();
    char *gp = path_in("kept.gp"), *dat = path_in("kept.dat");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    struct xb_plot_params params = {out, wrapper};
    struct xb_plot_files files;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 14);
    char *script = slurp(gp), *data = slurp(dat);
    int idx[16];
    double v[64];
    static const char *const train_title[NT] = {"σ_{train} = 0.0", "σ_{train} = 0.5",
                                                "σ_{train} = 1.0"};

    /* Accuracy vs σ_test: a curve per σ_train, "σ_test mean lo hi error" in %. */
    char *body = figure_body(script, "acc_vs_sigma");
    has_line(body, "set xlabel \"σ_{test}\"");
    has_line(body, "set ylabel \"accuracy (%), mean and 95% CI\"");
    cr_assert_eq(curves(body, idx, 16), NT, "acc_vs_sigma: want one curve per sigma_train");
    for (size_t t = 0; t < NT; t++) {
        cr_assert(strstr(body, train_title[t]), "acc_vs_sigma: no curve %s", train_title[t]);
        cr_assert_eq(block_rows(data, idx[t], 5, v, 12), NS);
        for (size_t c = 0; c < NS; c++) {
            double m = 100 * MEAN[t][c], h = half_ci(t, c);
            near("sigma_test", v[c * 5], SIGMA[c]);
            near("mean accuracy", v[c * 5 + 1], m);
            near("lower 95% limit", v[c * 5 + 2], m - h);
            near("upper 95% limit", v[c * 5 + 3], m + h);
            near("error rate", v[c * 5 + 4], 100 - m);
        }
    }
    int acc_blocks[NT] = {idx[0], idx[1], idx[2]};
    xb_free(body);

    /* Error rate: the same blocks, on a log axis. */
    body = figure_body(script, "err_vs_sigma");
    has_line(body, "set ylabel \"error rate 1 - accuracy (%, log scale)\"");
    has_line(body, "set logscale y");
    cr_assert_eq(curves(body, idx, 16), NT);
    for (size_t t = 0; t < NT; t++)
        cr_assert_eq(idx[t], acc_blocks[t]);
    xb_free(body);

    /* Accuracy vs SNR: σ_test 1 (0 dB) then 0.5 (6.02 dB); σ_test 0 has none. */
    body = figure_body(script, "acc_vs_snr");
    has_line(body, "set xlabel \"SNR (dB)\"");
    cr_assert_eq(curves(body, idx, 16), NT);
    for (size_t t = 0; t < NT; t++) {
        cr_assert_eq(block_rows(data, idx[t], 4, v, 12), 2, "acc_vs_snr: two finite SNRs");
        const size_t by_snr[2] = {2, 1};
        for (size_t k = 0; k < 2; k++) {
            size_t c = by_snr[k];
            near("SNR", v[k * 4], -20 * log10(SIGMA[c]));
            near("mean accuracy", v[k * 4 + 1], 100 * MEAN[t][c]);
            near("upper 95% limit", v[k * 4 + 3], 100 * MEAN[t][c] + half_ci(t, c));
        }
    }
    xb_free(body);

    /* Heatmap: one block "σ_test index, σ_train index, mean %" of all points. */
    body = figure_body(script, "heatmap");
    has_line(body, "set xlabel \"σ_{test}\"");
    has_line(body, "set ylabel \"σ_{train}\"");
    has_line(body, "set cblabel \"mean accuracy (%)\"");
    cr_assert_eq(curves(body, idx, 16), 3, "boxes and two label layers");
    cr_assert(idx[0] == idx[1] && idx[1] == idx[2]);
    cr_assert_eq(block_rows(data, idx[0], 3, v, 12), NT * NS);
    for (size_t k = 0; k < NT * NS; k++) {
        size_t c = (size_t)v[k * 3], t = (size_t)v[k * 3 + 1];
        cr_assert(c < NS && t < NT && v[k * 3] == (double)c && v[k * 3 + 1] == (double)t);
        near("heatmap cell", v[k * 3 + 2], 100 * MEAN[t][c]);
    }
    xb_free(body);

    /* Votes: best σ_train (1: highest mean at K = 5) beside σ_train 0, a
     * curve per σ_test of "K accuracy%", rising linearly from the single
     * mean to VOTE at K = 5 (xb_test_sweep.h). */
    body = figure_body(script, "acc_vs_votes");
    has_line(body, "set xlabel \"votes K\"");
    has_line(body, "set ylabel \"accuracy (%), majority of K\"");
    has_line(body, "set title \"best: σ_{train} = 1.0\"");
    has_line(body, "set title \"σ_{train} = 0.0\"");
    cr_assert_eq(curves(body, idx, 16), 2 * NS, "two panels of one curve per sigma_test");
    const size_t panel_train[2] = {2, 0};
    for (size_t q = 0; q < 2; q++)
        for (size_t c = 0; c < NS; c++) {
            size_t t = panel_train[q];
            cr_assert_eq(block_rows(data, idx[q * NS + c], 2, v, 12), NK);
            for (size_t k = 0; k < NK; k++) {
                double f = (double)k / (NK - 1);
                near("K", v[k * 2], (double)(k + 1));
                near("voted accuracy", v[k * 2 + 1],
                     100 * (MEAN[t][c] + f * (VOTE[t][c] - MEAN[t][c])));
            }
        }
    xb_free(body);

    /* Accuracy vs energy, per σ_test: a block of every (σ_train, K) at K ·
     * SYNTH_ENERGY, then the front — at each K the best voted accuracy over
     * σ_train where it beats that of every cheaper K (every σ_train that
     * has it: equal points do not beat each other), by increasing energy. */
    body = figure_body(script, "acc_vs_energy");
    has_line(body, "set xlabel \"energy per inference (J)\"");
    has_line(body, "set logscale x");
    cr_assert_eq(curves(body, idx, 16), 2 * NS, "per sigma_test: all points, the front");
    for (size_t c = 0; c < NS; c++) {
        cr_assert_eq(block_rows(data, idx[2 * c], 2, v, 32), NT * NK);
        size_t rows = block_rows(data, idx[2 * c + 1], 2, v, 32), m = 0;
        double top = -1;
        for (size_t k = 0; k < NK; k++) {
            double f = (double)k / (NK - 1), acc[NT], best = -1;
            for (size_t t = 0; t < NT; t++) {
                acc[t] = 100 * (MEAN[t][c] + f * (VOTE[t][c] - MEAN[t][c]));
                best = fmax(best, acc[t]);
            }
            if (best <= top)
                continue;
            top = best;
            for (size_t t = 0; t < NT; t++)
                if (acc[t] == best) {
                    cr_assert_lt(m, rows, "sigma_test %zu: the front lacks K = %zu", c, k + 1);
                    double e = (double)(k + 1) * SYNTH_ENERGY;
                    cr_assert(fabs(v[2 * m] - e) <= 1e-9 * e, "front energy %g, want %g",
                              v[2 * m], e);
                    near("front accuracy", v[2 * m + 1], best);
                    m++;
                }
        }
        cr_assert_eq(m, rows, "sigma_test %zu: %zu front points, want %zu", c, rows, m);
    }
    xb_free(body);
    body = figure_body(script, "acc_vs_latency");
    has_line(body, "set xlabel \"latency per inference, pipelined (s)\"");
    cr_assert_eq(curves(body, idx, 16), 2 * NS);
    cr_assert_eq(block_rows(data, idx[0], 2, v, 32), NT * NK);
    for (size_t m = 0; m < NT * NK; m++) {
        double want = (double)(m % NK + 2) * SYNTH_TAU;
        cr_assert(fabs(v[2 * m] - want) <= 1e-9 * want, "latency %g, want %g", v[2 * m], want);
    }
    xb_free(body);

    /* Each figure in both formats. */
    cr_assert(strstr(script, "set terminal @SVG"), "no SVG terminal in the script");
    xb_free(script), xb_free(data);
    xb_plot_files_free(&files);
    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path), xb_free(out), xb_free(wrapper), xb_free(gp), xb_free(dat);
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
    cr_assert_eq(files.n_skipped, 3);
    cr_assert(strstr(files.skipped[0], "acc_vs_votes"));
    cr_assert(strstr(files.skipped[1], "acc_vs_energy (no voting"));
    cr_assert(strstr(files.skipped[2], "acc_vs_latency (no voting"));
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

/* A spiking sweep (/sweep/spike_energy): accuracy vs energy puts each done
 * (σ_train, K) at K times its own point's measured energy, not at
 * /sweep/energy's full-activity price; `xbar info`'s energy table shows the
 * same numbers; a negative energy at a done point is refused by name. */
Test(plot, spiking_energy_is_each_points_measured, .init = make_dir, .fini = remove_dir)
{
    struct synth s;
    synth_default(&s);
    s.spiking = 1;
    s.undone_i = 2;
    s.undone_j = 1;
    char *path = path_in("run_1.h5"); /* figure_body's stem */
    write_sweep(path, &s);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_sweep_result r;
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(r.spike_energy);

    /* (1 + a + 3b) · 0.01 nJ at sorted point [a, b]; [2, 1] not done. */
    char *text = xb_summary_text(&r);
    has_line(text, "Energy per inference (one vote) at the measured spiking activity, on the "
                   "crossbars, nJ");
    has_line(text, "σ_train = 0.0     0.01    0.04    0.07");
    has_line(text, "σ_train = 0.5     0.02    0.05    0.08");
    has_line(text, "σ_train = 1.0     0.03       -    0.09");
    has_line(text, "digital SNN   0.2..1.8 nJ, the same net as an ANN 1 nJ (paper 002 eqs. 7-8, "
                   "over the done points)");
    has_line(text, "full activity 0.25 nJ on the crossbars (/sweep/energy, K = 1)");
    xb_free(text);

    if (have_gnuplot()) {
        char *out = path_in("figs"), *wrapper = keeping_gnuplot(), *gp = path_in("kept.gp"),
             *dat = path_in("kept.dat");
        struct xb_plot_params params = {out, wrapper};
        struct xb_plot_files files;
        cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
        char *script = slurp(gp), *data = slurp(dat), *body = figure_body(script,
                                                                           "acc_vs_energy");
        has_line(body, "set xlabel \"energy per inference at the measured spiking activity (J)\"");
        int idx[16];
        double v[64];
        cr_assert_eq(curves(body, idx, 16), 2 * NS);
        for (size_t c = 0; c < NS; c++) {
            size_t rows = block_rows(data, idx[2 * c], 2, v, 32), want = 0;
            for (size_t t = 0; t < NT; t++)
                for (size_t k = 0; k < NK && !(t == 2 && c == 1); k++, want++) {
                    double f = (double)k / (NK - 1), e = (double)(k + 1) *
                                                         synth_spike_energy(t, c, 0);
                    double acc = 100 * (MEAN[t][c] + f * (VOTE[t][c] - MEAN[t][c]));
                    int found = 0;
                    for (size_t m = 0; m < rows && !found; m++)
                        found = fabs(v[2 * m] - e) <= 1e-9 * e && fabs(v[2 * m + 1] - acc) <= 1e-6;
                    cr_assert(found, "sigma_test %zu: no point (%g J, %g %%) for sigma_train "
                              "%zu, K = %zu", c, e, acc, t, k + 1);
                }
            cr_assert_eq(rows, want, "sigma_test %zu: %zu points, want %zu", c, rows, want);
        }
        xb_free(body);
        /* Latency does not depend on the activity: still by K alone. */
        body = figure_body(script, "acc_vs_latency");
        has_line(body, "set xlabel \"latency per inference, pipelined (s)\"");
        xb_free(body), xb_free(script), xb_free(data);
        xb_plot_files_free(&files);
        xb_free(out), xb_free(wrapper), xb_free(gp), xb_free(dat);
    }
    xb_sweep_result_free(&r);

    s.spiking = 2;
    write_sweep(path, &s);
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "/sweep/spike_energy[0, 0, 0] is -1 at a done point") &&
                  strstr(xb_ctx_error(ctx), path),
              "%s", xb_ctx_error(ctx));

    /* Other models: no spike_energy, no table. */
    xb_free(path);
    path = default_sweep("dense.h5");
    cr_assert_eq(xb_sweep_read(ctx, path, &r), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_null(r.spike_energy);
    text = xb_summary_text(&r);
    cr_assert_null(strstr(text, "spiking"), "%s", text);
    xb_free(text);
    xb_sweep_result_free(&r);
    xb_ctx_free(ctx);
    xb_free(path);
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
    /* acc_vs_sigma, heatmap, acc_vs_votes; no error rate, no finite SNR,
     * and no cost of the votes in a file written without it. */
    cr_assert_eq(files.n, 6);
    cr_assert_eq(files.n_skipped, 4);
    cr_assert(strstr(files.skipped[0], "err_vs_sigma"));
    cr_assert(strstr(files.skipped[1], "acc_vs_snr"));
    cr_assert(strstr(files.skipped[2], "acc_vs_energy (no /sweep/energy"));
    cr_assert(strstr(files.skipped[3], "acc_vs_latency (no /sweep/latency_pipelined"));
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
        cr_assert_eq(count_lines(out), 14, "one path per figure:\n%s", out);
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
    /* This file's snr_db is NaN, as in device files made before the SNR
     * was measured (models/eval/xb_snr.h): the row shows "-". */
    has_line(text, "SNR (dB)               -         -         -");
    xb_free(text);

    if (have_gnuplot()) {
        char *out = path_in("figs");
        struct xb_plot_params params = {out, NULL};
        struct xb_plot_files files;
        cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(xb_plot_sweep(ctx, &r, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
        /* acc and err vs t, heatmap, votes, energy, latency; no SNR figure
         * without a finite SNR. */
        cr_assert_eq(files.n, 12);
        cr_assert_eq(files.n_skipped, 1);
        cr_assert(strstr(files.skipped[0], "acc_vs_snr (no done point with a finite SNR)"),
                  "%s", files.skipped[0]);
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
