/* Attack results (xbar attack -o): the reader (sim/io/xb_attack_read.h) on
 * a file written here through the layout's rows, with known values on 3
 * chips of a device; `xbar info`'s robustness table (sim/report/
 * xb_attack_text.h) against hand-formatted lines, its 95 % half-widths
 * from Student's t in closed form; the accuracy-vs-eps figure (xb_plot.h,
 * skipped without gnuplot): its files, its curves and the numbers of their
 * data blocks as gnuplot reads them, one file and two; shapes and values
 * the layout refuses.
 *
 * Planted bugs that fail here (each tried, then removed): the chips'
 * stride taken as 1 in the figure (chip-major data read kind-major); the
 * half-width over the chips computed over the kinds; a file's curves
 * labelled without its name when two are compared. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_attack_text.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_plot.h"
#include "xb_test_sweep.h"

enum { K = 2, J = 3, R = 3 };

static const double eps[J] = {0.0, 0.1, 0.3};
/* The mean over the chips [kind, eps]; chip r reads base + (r - 1) · 0.002
 * (sd 0.002). */
static const double base[K][J] = {{0.9, 0.5, 0.2}, {0.9, 0.4, 0.05}};

/* The 95 % Student-t half-width of 3 values with sd 0.002, in percent:
 * t_{0.975, 2} = (2p - 1) / sqrt(2 p (1 - p)) at p = 0.975, the closed
 * form of Student's t quantile for 2 degrees of freedom. */
static double half3(void) { return 100.0 * 0.95 / sqrt(2.0 * 0.975 * 0.025) * 0.002 / sqrt(3.0); }

/* An attack file of fgsm and pgd on 3 chips; bad = 1: accuracy of 3 kinds,
 * bad = 2: a chip's accuracy of 1.5. */
static char *write_attack(const char *name, int bad)
{
    char *path = path_in(name);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_h5_file *f;
    double chip[R * K * J], clean[R], mean[3 * J], one = 0.9;
    for (size_t r = 0; r < R; r++) {
        clean[r] = 0.9 + ((double)r - 1.0) * 0.002;
        for (size_t k = 0; k < K; k++)
            for (size_t j = 0; j < J; j++)
                chip[(r * K + k) * J + j] = base[k][j] + ((double)r - 1.0) * 0.002;
    }
    for (size_t i = 0; i < 3 * J; i++)
        mean[i] = i < K * J ? base[i / J][i % J] : 0.5;
    if (bad == 2)
        chip[4] = 1.5;
    const size_t nj[1] = {J}, n1[1] = {1}, nkj[2] = {bad == 1 ? 3 : K, J}, nr[1] = {R},
                 nrkj[3] = {R, K, J};
    cr_assert_eq(xb_h5_create(ctx, path, &f), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_layout_write_attr(ctx, f, XB_DS_ATTACK, 0, "model", "m.h5"), XB_OK);
    cr_assert_eq(xb_layout_write_text(ctx, f, XB_DS_ATTACK_KINDS, "fgsm,pgd"), XB_OK);
    cr_assert_eq(xb_layout_write(ctx, f, XB_DS_ATTACK_EPS, 0, eps, nj, 0), XB_OK);
    cr_assert_eq(xb_layout_write(ctx, f, XB_DS_ATTACK_CLEAN, 0, &one, n1, 0), XB_OK);
    cr_assert_eq(xb_layout_write(ctx, f, XB_DS_ATTACK_ACCURACY, 0, mean, nkj, 0), XB_OK);
    cr_assert_eq(xb_layout_write(ctx, f, XB_DS_ATTACK_CHIP_CLEAN, 0, clean, nr, 0), XB_OK);
    cr_assert_eq(xb_layout_write(ctx, f, XB_DS_ATTACK_CHIP_ACCURACY, 0, chip, nrkj, 0), XB_OK);
    cr_assert_eq(xb_h5_commit(ctx, f), XB_OK, "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
    return path;
}

Test(attack_file, reads_and_prints_paper_000s_table, .init = make_dir, .fini = remove_dir)
{
    char *path = write_attack("dev.h5", 0);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_attack_file f;
    cr_assert_eq(xb_attack_file_read(ctx, path, &f), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(f.K, K);
    cr_assert_eq(f.J, J);
    cr_assert_eq(f.R, R);
    cr_assert_eq(f.S, 0);
    cr_assert_str_eq(f.label[0], "FGSM");
    cr_assert_str_eq(f.label[1], "PGD");
    cr_assert_eq(f.acc[1 * J + 2], 0.05);
    cr_assert_eq(f.acc_chip[(2 * K + 1) * J + 1], 0.4 + 0.002);
    char *text = xb_attack_text(&f);
    has_line(text, "attacks: fgsm,pgd");
    has_line(text, "chips: 3");
    has_line(text, "robustness (paper 000 Tables 2-3): accuracy (%), the mean over the chips");
    has_line(text, "eps          Ori.     FGSM      PGD");
    has_line(text, "0           90.00    90.00    90.00");
    has_line(text, "0.1         90.00    50.00    40.00");
    has_line(text, "0.3         90.00    20.00     5.00");
    has_line(text, "95 % interval half-width over 3 chips (%)");
    char want[128];
    const double h = half3();
    cr_assert(fabs(h - 0.4968) < 1e-4, "%g", h);
    snprintf(want, sizeof want, "0.3      %8.2f %8.2f %8.2f", h, h, h);
    has_line(text, want);
    xb_free(text);
    xb_attack_file_free(&f);
    xb_ctx_free(ctx);
    xb_free(path);
}

Test(attack_file, refuses_what_the_layout_does_not_hold, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_attack_file f;
    char *p1 = write_attack("shape.h5", 1), *p2 = write_attack("range.h5", 2);
    cr_assert_eq(xb_attack_file_read(ctx, p1, &f), XB_ESHAPE);
    cr_assert(strstr(xb_ctx_error(ctx), "/attack/accuracy") &&
                  strstr(xb_ctx_error(ctx), "shape.h5"),
              "%s", xb_ctx_error(ctx));
    xb_attack_file_free(&f);
    cr_assert_eq(xb_attack_file_read(ctx, p2, &f), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "/attack/accuracy_chip[4] = 1.5"), "%s",
              xb_ctx_error(ctx));
    xb_attack_file_free(&f);
    char *sweep = default_sweep("sweep.h5");
    cr_assert_eq(xb_attack_file_read(ctx, sweep, &f), XB_EFORMAT);
    cr_assert(strstr(xb_ctx_error(ctx), "not an attack result"), "%s", xb_ctx_error(ctx));
    xb_attack_file_free(&f);
    xb_free(p1), xb_free(p2), xb_free(sweep);
    xb_ctx_free(ctx);
}

/* The data blocks the figure's plot command names, in order (its PNG: the
 * script draws the same for the SVG after it). */
static size_t plotted(const char *script, int *index, size_t max)
{
    size_t n = 0;
    const char *end = strstr(script, "unset output");
    cr_assert(end);
    for (const char *p = script; (p = strstr(p, "DATA index ")) && p < end; p++) {
        cr_assert_lt(n, max);
        index[n++] = atoi(p + strlen("DATA index "));
    }
    return n;
}

Test(attack_plot, accuracy_vs_eps, .init = make_dir, .fini = remove_dir)
{
    if (!have_gnuplot())
        cr_skip_test("gnuplot is not installed (make deps installs gnuplot-nox)");
    char *path = write_attack("dev.h5", 0), *other = write_attack("other.h5", 0);
    char *out = path_in("figs"), *wrapper = keeping_gnuplot();
    char *gp = path_in("kept.gp"), *dat = path_in("kept.dat");
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_attack_file f[2];
    cr_assert_eq(xb_attack_file_read(ctx, path, &f[0]), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_attack_file_read(ctx, other, &f[1]), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_plot_params params = {out, wrapper};
    struct xb_plot_files files;
    cr_assert_eq(xb_plot_check_dir(ctx, path, &params, "-o figs"), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_plot_attack(ctx, f, 1, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 2);
    cr_assert(strstr(files.path[0], "figs/dev_attack_acc_vs_eps.png"), "%s", files.path[0]);
    cr_assert(strstr(files.path[1], "figs/dev_attack_acc_vs_eps.svg"), "%s", files.path[1]);
    xb_plot_files_free(&files);

    /* A curve per kind (yerrorlines: eps, mean, lo, hi in %), then Ori. */
    char *script = slurp(gp), *data = slurp(dat);
    int idx[8];
    cr_assert_eq(plotted(script, idx, 8), K + 1);
    cr_assert(strstr(script, "title 'FGSM' noenhanced") && strstr(script, "title 'PGD'"),
              "%s", script);
    cr_assert(strstr(script, "mean and 95% CI"), "%s", script);
    const double h = half3();
    double v[4 * J];
    for (size_t k = 0; k < K; k++) {
        cr_assert_eq(block_rows(data, idx[k], 4, v, J), J);
        for (size_t j = 0; j < J; j++) {
            cr_assert_eq(v[4 * j], eps[j]);
            cr_assert(fabs(v[4 * j + 1] - 100.0 * base[k][j]) < 1e-9, "kind %zu eps %zu: %g",
                      k, j, v[4 * j + 1]);
            cr_assert(fabs(v[4 * j + 2] - (100.0 * base[k][j] - h)) < 1e-9, "lo %g",
                      v[4 * j + 2]);
            cr_assert(fabs(v[4 * j + 3] - (100.0 * base[k][j] + h)) < 1e-9, "hi %g",
                      v[4 * j + 3]);
        }
    }
    cr_assert_eq(block_rows(data, idx[K], 2, v, 2), 2);
    cr_assert(v[0] == 0.0 && v[1] == 90.0 && v[2] == 0.3 && v[3] == 90.0);
    xb_free(script), xb_free(data);

    /* Two files: each kind of each, labelled by the file, and each Ori. */
    cr_assert_eq(xb_plot_attack(ctx, f, 2, &params, &files), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(files.n, 2);
    xb_plot_files_free(&files);
    script = slurp(gp);
    cr_assert_eq(plotted(script, idx, 8), 2 * K + 2);
    cr_assert(strstr(script, "title 'dev: FGSM'") && strstr(script, "title 'other: PGD'") &&
                  strstr(script, "title 'other: Ori. (clean)'"),
              "%s", script);
    xb_free(script);
    xb_attack_file_free(&f[0]), xb_attack_file_free(&f[1]);
    xb_ctx_free(ctx);
    xb_free(path), xb_free(other), xb_free(out), xb_free(wrapper), xb_free(gp), xb_free(dat);
}
