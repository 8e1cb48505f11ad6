#include "xb_plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_summary.h"

/* Figure sizes in pixels (SVG: the same in its user units). */
#define PLOT_W 800
#define PLOT_H 560
#define PLOT_W_WIDE 1200

/* gnuplot's output kept for the error message. */
#define GP_OUTPUT_MAX 8192

/* Sequential colours by σ_train: viridis, stopped before its pale yellow
 * end so that every curve shows on white. */
#define PALETTE "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', " \
                "0.75 '#5ec962', 1 '#fde725')\n"
#define CURVE_FRAC_MAX 0.85

static const int point_types[] = {7, 5, 9, 11, 13, 15, 1, 2, 3, 4, 6, 8, 10, 12, 14};
#define N_POINT_TYPES (sizeof point_types / sizeof point_types[0])

static const char *const formats[2] = {"png", "svg"};

struct plotter {
    struct xb_ctx *ctx;
    const struct xb_sweep_result *r;
    char *dir;          /* output directory */
    char *stem;         /* result file name without extension */
    char *tmp_prefix;   /* "DIR/.STEM.PID" */
    char *dat_path;     /* data blocks */
    char *gp_path;      /* the script */
    FILE *dat, *gp;
    int block;          /* index of the next data block */
    size_t *train;      /* σ_train indices, increasing */
    size_t *test;       /* σ_test indices, increasing */
    struct xb_ci *ci;   /* [n_train × n_test] accuracy without voting */
    size_t n_out;
    char *tmp[XB_PLOT_MAX_FILES], *final[XB_PLOT_MAX_FILES];
    struct xb_plot_files *files;
};

/* ---- small things ------------------------------------------------------- */

static char *path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    XB_ASSERT(n >= 0);
    char *s = xb_malloc((size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* s as a gnuplot single-quoted string (no escapes but '' for '). */
static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* s as a POSIX shell single-quoted word. */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* An in-memory FILE; out of memory is not recovered from (xb_alloc.h). */
static FILE *mem_open(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f) {
        fprintf(stderr, "xbar: out of memory opening a memory stream at %s:%d\n", __FILE__,
                __LINE__);
        abort();
    }
    return f;
}

/* The directory part of path ("." if none). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xb_strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *d = xb_malloc(len + 1, 1);
    memcpy(d, path, len);
    d[len] = '\0';
    return d;
}

/* The file name of path without .h5 / .hdf5 / .he5. */
static char *stem_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *s = xb_strdup(slash ? slash + 1 : path);
    static const char *const ext[] = {".h5", ".hdf5", ".he5"};
    size_t len = strlen(s);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t n = strlen(ext[i]);
        if (len > n && !strcmp(s + len - n, ext[i])) {
            s[len - n] = '\0';
            break;
        }
    }
    return s;
}

/* The gnuplot program: name with a '/' as it is, else searched in PATH. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xb_strdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char *dir = xb_malloc(len + 1, 1);
        memcpy(dir, path, len);
        dir[len] = '\0';
        char *p = path_join(len ? dir : ".", name);
        xb_free(dir);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0)
            return p;
        xb_free(p);
        path += len + (path[len] == ':');
    }
    return NULL;
}

enum xb_status xb_plot_check_dir(struct xb_ctx *ctx, const char *result_path,
                                 const struct xb_plot_params *params, const char *origin)
{
    struct stat sb;
    enum xb_status st = XB_OK;
    char *dir = params && params->out_dir ? xb_strdup(params->out_dir) : dir_of(result_path);
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0) {
            st = xb_error(ctx, XB_EIO, "%s: cannot use directory %s: %s", origin, dir,
                          strerror(errno));
            goto done;
        }
    } else if (!S_ISDIR(sb.st_mode)) {
        st = xb_error(ctx, XB_EIO, "%s: %s is not a directory", origin, dir);
        goto done;
    }
    /* Tested by creating a file: access(2) misses read-only mounts. */
    char *probe = str_printf("%s/.xbar-probe.%ld.tmp", dir, (long)getpid());
    FILE *f = fopen(probe, "w");
    int err = errno;
    if (f) {
        fclose(f);
        unlink(probe);
    }
    xb_free(probe);
    if (!f)
        st = xb_error(ctx, XB_EIO, "%s: cannot write to directory %s: %s", origin, dir,
                      strerror(err));
done:
    xb_free(dir);
    return st;
}

/* ---- data blocks -------------------------------------------------------- */

/* Ends a data block; returns its index. */
static int end_block(struct plotter *p)
{
    fputs("\n\n", p->dat);
    return p->block++;
}

static const struct xb_ci *ci_of(const struct plotter *p, size_t i, size_t j)
{
    return &p->ci[i * p->r->n_test + j];
}

/* Mean and interval in percent; an interval of one repeat is the mean. */
static void percent(const struct xb_ci *ci, double *mean, double *lo, double *hi)
{
    double half = isnan(ci->half) ? 0 : ci->half;
    *mean = 100 * ci->mean;
    *lo = 100 * (ci->mean - half);
    *hi = 100 * (ci->mean + half);
}

/* Per σ_train: "σ_test mean lo hi err" over σ_test, in percent; block[t]
 * the index of σ_train train[t], -1 if nothing is done; err_block[t] the
 * same, -1 also if no error rate is above 0 (a log axis cannot show it,
 * and gnuplot fails on a curve with no point it can). */
static void blocks_vs_sigma(struct plotter *p, int *block, int *err_block)
{
    const struct xb_sweep_result *r = p->r;
    for (size_t t = 0; t < r->n_train; t++) {
        size_t i = p->train[t], rows = 0, errors = 0;
        for (size_t c = 0; c < r->n_test; c++) {
            size_t j = p->test[c];
            const struct xb_ci *ci = ci_of(p, i, j);
            if (!ci->n)
                continue;
            double m, lo, hi;
            percent(ci, &m, &lo, &hi);
            fprintf(p->dat, "%.10g %.10g %.10g %.10g %.10g\n", r->sigma_test[j], m, lo, hi,
                    100 * (1 - ci->mean));
            rows++;
            errors += ci->mean < 1;
        }
        block[t] = rows ? end_block(p) : -1;
        err_block[t] = errors ? block[t] : -1;
    }
}

/* Per σ_train: "snr mean lo hi" over the σ_test with a finite SNR, by
 * increasing SNR. */
static void blocks_vs_snr(struct plotter *p, int *block)
{
    const struct xb_sweep_result *r = p->r;
    size_t *by_snr = xb_malloc(r->n_test, sizeof *by_snr);
    xb_summary_order(r->snr_db, r->n_test, by_snr); /* NaN last or anywhere: skipped */
    for (size_t t = 0; t < r->n_train; t++) {
        size_t i = p->train[t], rows = 0;
        for (size_t c = 0; c < r->n_test; c++) {
            size_t j = by_snr[c];
            const struct xb_ci *ci = ci_of(p, i, j);
            if (!ci->n || !isfinite(r->snr_db[j]))
                continue;
            double m, lo, hi;
            percent(ci, &m, &lo, &hi);
            fprintf(p->dat, "%.10g %.10g %.10g %.10g\n", r->snr_db[j], m, lo, hi);
            rows++;
        }
        block[t] = rows ? end_block(p) : -1;
    }
    xb_free(by_snr);
}

/* ---- script ------------------------------------------------------------- */

/* Registers figure NAME in both formats and writes body for each. */
static void emit(struct plotter *p, const char *name, const char *body, int width)
{
    for (int f = 0; f < 2; f++) {
        XB_ASSERT(p->n_out < XB_PLOT_MAX_FILES);
        char *base = str_printf("%s_%s.%s", p->stem, name, formats[f]);
        char *hidden = str_printf(".%s.%ld.tmp", base, (long)getpid());
        p->final[p->n_out] = path_join(p->dir, base);
        p->tmp[p->n_out] = path_join(p->dir, hidden);
        xb_free(base);
        xb_free(hidden);
        fputs("reset\nset encoding utf8\n", p->gp);
        fprintf(p->gp, "set terminal @%s size %d,%d\n", f ? "SVG" : "PNG", width, PLOT_H);
        fputs("set output ", p->gp);
        gp_quote(p->gp, p->tmp[p->n_out]);
        fprintf(p->gp, "\n%sunset output\n\n", body);
        p->n_out++;
    }
}

static void skip(struct plotter *p, const char *why)
{
    p->files->skipped[p->files->n_skipped++] = why;
}

/* The title of every figure. */
static void title(struct plotter *p, FILE *f, const char *what)
{
    const struct xb_sweep_result *r = p->r;
    char *t = str_printf("%s: %s (%s, %s, %s %s)", p->stem, what, r->dataset, r->model,
                         r->noise_model, r->test_is_t ? "device" : "noise");
    fputs("set title ", f);
    gp_quote(f, t);
    fputs(" noenhanced\n", f);
    xb_free(t);
}

/* The colour and point of curve t of n. */
static void curve_style(FILE *f, size_t t, size_t n)
{
    double frac = n > 1 ? CURVE_FRAC_MAX * (double)t / (double)(n - 1) : 0;
    fprintf(f, "lc palette frac %.4f pt %d ps 0.9 lw 1.5", frac,
            point_types[t % N_POINT_TYPES]);
}

/* One curve per σ_train from blocks; `using` names the columns. */
static void plot_per_train(struct plotter *p, FILE *f, const int *block, const char *using,
                           const char *with)
{
    const struct xb_sweep_result *r = p->r;
    const char *sep = "plot ";
    for (size_t t = 0; t < r->n_train; t++) {
        if (block[t] < 0)
            continue;
        char sigma[32];
        xb_summary_format_sigma(r->sigma_train[p->train[t]], sigma, sizeof sigma);
        fprintf(f, "%sDATA index %d using %s with %s ", sep, block[t], using, with);
        curve_style(f, t, r->n_train);
        fprintf(f, " title \"σ_{train} = %s\"", sigma);
        sep = ", \\\n     ";
    }
    fputs("\n", f);
}

/* The x range of the finite values of x, 3 % wider on each side (gnuplot's
 * autoscale would round out to whole tics, -0.2..1.2 for 0..1). */
static void xrange(FILE *f, const double *x, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            lo = fmin(lo, x[i]);
            hi = fmax(hi, x[i]);
        }
    if (lo > hi)
        return;
    double pad = hi > lo ? 0.03 * (hi - lo) : fmax(0.1 * fabs(lo), 0.1);
    fprintf(f, "set xrange [%.10g:%.10g]\n", lo - pad, hi + pad);
}

/* Device mode: the test axis is the read time t, which spans decades. */
static int test_is_t(const struct plotter *p) { return p->r->test_is_t; }

/* The label of a test-axis value: "0.2" (σ_test) or "3600" (t in s). */
static void format_test(const struct plotter *p, double v, char *buf, size_t size)
{
    if (test_is_t(p))
        snprintf(buf, size, "%.6g", v);
    else
        xb_summary_format_sigma(v, buf, size);
}

/* The x axis of the test values: σ_test, or t on a log scale when every t
 * is positive (t = 0, the moment of programming, has no place on one). */
static void test_axis(const struct plotter *p, FILE *f)
{
    const struct xb_sweep_result *r = p->r;
    if (!test_is_t(p)) {
        fputs("set xlabel \"σ_{test}\"\n", f);
        xrange(f, r->sigma_test, r->n_test);
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < r->n_test; j++) {
        lo = fmin(lo, r->sigma_test[j]);
        hi = fmax(hi, r->sigma_test[j]);
    }
    fputs("set xlabel \"read time t (s)\"\n", f);
    if (lo > 0) {
        fputs("set logscale x\nset format x \"%g\"\n", f);
        fprintf(f, "set xrange [%.10g:%.10g]\n", lo / 2, hi * 2);
    } else {
        xrange(f, r->sigma_test, r->n_test);
    }
}

static int any_block(const int *block, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (block[i] >= 0)
            return 1;
    return 0;
}

/* (a) and (b): accuracy and error rate vs σ_test. */
static void fig_vs_sigma(struct plotter *p)
{
    int *block = xb_malloc(2 * p->r->n_train, sizeof *block), *err_block = block + p->r->n_train;
    blocks_vs_sigma(p, block, err_block);
    if (!any_block(block, p->r->n_train)) {
        skip(p, test_is_t(p) ? "acc_vs_t, err_vs_t (no point done)"
                             : "acc_vs_sigma, err_vs_sigma (no point done)");
        xb_free(block);
        return;
    }
    char *body;
    size_t len;
    FILE *f = mem_open(&body, &len);
    title(p, f, test_is_t(p) ? "accuracy vs read time" : "accuracy vs inference noise");
    fputs(PALETTE "unset colorbox\nset grid\nset key bottom left\n"
          "set ylabel \"accuracy (%), mean and 95% CI\"\n"
          "set yrange [0<*:*<100]\n", f);
    test_axis(p, f);
    plot_per_train(p, f, block, "1:2:3:4", "yerrorlines");
    fclose(f);
    emit(p, test_is_t(p) ? "acc_vs_t" : "acc_vs_sigma", body, PLOT_W);
    free(body);

    if (!any_block(err_block, p->r->n_train)) {
        skip(p, test_is_t(p) ? "err_vs_t (accuracy 100 % everywhere: no error rate for a log "
                               "axis)"
                             : "err_vs_sigma (accuracy 100 % everywhere: no error rate for a "
                               "log axis)");
        xb_free(block);
        return;
    }
    f = mem_open(&body, &len);
    title(p, f, test_is_t(p) ? "error rate vs read time" : "error rate vs inference noise");
    fputs(PALETTE "unset colorbox\nset grid\nset key top left\nset logscale y\n"
          "set format y \"%g%%\"\n"
          "set ylabel \"error rate 1 - accuracy (%, log scale)\"\nset yrange [*:*<100]\n", f);
    test_axis(p, f);
    plot_per_train(p, f, err_block, "1:($5 > 0 ? $5 : 1/0)", "linespoints");
    fclose(f);
    emit(p, test_is_t(p) ? "err_vs_t" : "err_vs_sigma", body, PLOT_W);
    free(body);
    xb_free(block);
}

/* (c): accuracy vs SNR. */
static void fig_vs_snr(struct plotter *p)
{
    if (test_is_t(p)) {
        skip(p, "acc_vs_snr (device mode: no SNR is known for a device read)");
        return;
    }
    int *block = xb_malloc(p->r->n_train, sizeof *block);
    blocks_vs_snr(p, block);
    if (!any_block(block, p->r->n_train)) {
        skip(p, "acc_vs_snr (no done point with a finite SNR)");
        xb_free(block);
        return;
    }
    char *body;
    size_t len;
    FILE *f = mem_open(&body, &len);
    title(p, f, "accuracy vs SNR");
    fputs(PALETTE "unset colorbox\nset grid\nset key bottom right\n"
          "set xlabel \"SNR (dB)\"\nset ylabel \"accuracy (%), mean and 95% CI\"\n"
          "set yrange [0<*:*<100]\n", f);
    xrange(f, p->r->snr_db, p->r->n_test);
    plot_per_train(p, f, block, "1:2:3:4", "yerrorlines");
    fclose(f);
    emit(p, "acc_vs_snr", body, PLOT_W);
    free(body);
    xb_free(block);
}

/* Tic labels "0.0" 0, "0.2" 1, ... for sorted grid values. */
static void tics(FILE *f, const char *axis, const double *sigma, const size_t *order, size_t n,
                 const struct plotter *as_test)
{
    fprintf(f, "set %s (", axis);
    for (size_t c = 0; c < n; c++) {
        char s[32];
        if (as_test)
            format_test(as_test, sigma[order[c]], s, sizeof s);
        else
            xb_summary_format_sigma(sigma[order[c]], s, sizeof s);
        fprintf(f, "%s\"%s\" %zu", c ? ", " : "", s, c);
    }
    fputs(")\n", f);
}

/* (d): the σ_train × σ_test heatmap of mean accuracy. */
static void fig_heatmap(struct plotter *p)
{
    const struct xb_sweep_result *r = p->r;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < r->n_train; t++)
        for (size_t c = 0; c < r->n_test; c++) {
            const struct xb_ci *ci = ci_of(p, p->train[t], p->test[c]);
            if (!ci->n)
                continue;
            fprintf(p->dat, "%zu %zu %.10g\n", c, t, 100 * ci->mean);
            lo = fmin(lo, 100 * ci->mean);
            hi = fmax(hi, 100 * ci->mean);
        }
    if (lo > hi) {
        skip(p, "heatmap (no point done)");
        return;
    }
    int block = end_block(p);
    if (hi - lo < 1e-9) {
        lo -= 0.5;
        hi += 0.5;
    }
    char *body;
    size_t len;
    FILE *f = mem_open(&body, &len);
    title(p, f, "mean accuracy (%)");
    fprintf(f, PALETTE "set cbrange [%.10g:%.10g]\nset cblabel \"mean accuracy (%%)\"\n"
            "set xlabel \"%s\"\nset ylabel \"σ_{train}\"\n"
            "set xrange [-0.5:%g]\nset yrange [-0.5:%g]\nset tics out nomirror\n"
            "set style fill solid 1.0 noborder\nMID = %.10g\n",
            lo, hi, test_is_t(p) ? "read time t (s)" : "σ_{test}", (double)r->n_test - 0.5, (double)r->n_train - 0.5, lo + 0.45 * (hi - lo));
    tics(f, "xtics", r->sigma_test, p->test, r->n_test, p);
    tics(f, "ytics", r->sigma_train, p->train, r->n_train, NULL);
    const char *font = r->n_test > 8 ? " font \",8\"" : "";
    fprintf(f, "plot DATA index %d using 1:2:(0.5):(0.5):3 with boxxyerror lc palette "
            "notitle, \\\n"
            "     DATA index %d using 1:2:($3 < MID ? sprintf(\"%%.1f\", $3) : \"\") with "
            "labels tc rgb \"white\"%s notitle, \\\n"
            "     DATA index %d using 1:2:($3 >= MID ? sprintf(\"%%.1f\", $3) : \"\") with "
            "labels tc rgb \"black\"%s notitle\n",
            block, block, font, block, font);
    fclose(f);
    emit(p, "heatmap", body, PLOT_W);
    free(body);
}

/* The σ_train whose voted accuracy at K_max, averaged over its done
 * σ_test, is highest (ties: the smaller σ_train); -1 if none is done. */
static long best_voting_train(const struct plotter *p)
{
    const struct xb_sweep_result *r = p->r;
    long best = -1;
    double best_mean = 0;
    for (size_t t = 0; t < r->n_train; t++) {
        size_t i = p->train[t], n = 0;
        double sum = 0;
        for (size_t j = 0; j < r->n_test; j++)
            if (xb_sweep_result_done(r, i, j)) {
                sum += xb_sweep_result_acc_vote(r, i, j, r->n_votes - 1);
                n++;
            }
        if (n && (best < 0 || sum / (double)n > best_mean)) {
            best = (long)i;
            best_mean = sum / (double)n;
        }
    }
    return best;
}

/* Blocks "K accuracy%" per σ_test of σ_train i; block[c] by sorted σ_test. */
static void blocks_votes(struct plotter *p, size_t i, int *block, double *lo, double *hi)
{
    const struct xb_sweep_result *r = p->r;
    for (size_t c = 0; c < r->n_test; c++) {
        size_t j = p->test[c];
        block[c] = -1;
        if (!xb_sweep_result_done(r, i, j))
            continue;
        for (size_t k = 0; k < r->n_votes; k++) {
            double v = 100 * xb_sweep_result_acc_vote(r, i, j, k);
            fprintf(p->dat, "%d %.10g\n", (int)r->votes[k], v);
            *lo = fmin(*lo, v);
            *hi = fmax(*hi, v);
        }
        block[c] = end_block(p);
    }
}

/* The curves of σ_train i; a panel title when in a multiplot. */
static void plot_votes(struct plotter *p, FILE *f, size_t i, const int *block, int panel,
                       int best)
{
    const struct xb_sweep_result *r = p->r;
    char sigma[32];
    xb_summary_format_sigma(r->sigma_train[i], sigma, sizeof sigma);
    if (panel)
        fprintf(f, "set title \"%sσ_{train} = %s\"\n", best ? "best: " : "", sigma);
    const char *sep = "plot ";
    for (size_t c = 0; c < r->n_test; c++) {
        if (block[c] < 0)
            continue;
        char s[32];
        format_test(p, r->sigma_test[p->test[c]], s, sizeof s);
        fprintf(f, "%sDATA index %d using 1:2 with linespoints ", sep, block[c]);
        curve_style(f, c, r->n_test);
        if (test_is_t(p))
            fprintf(f, " title \"t = %s s\"", s);
        else
            fprintf(f, " title \"σ_{test} = %s\"", s);
        sep = ", \\\n     ";
    }
    fputs("\n", f);
}

/* (e): voted accuracy vs K for the best σ_train and for σ_train = 0. */
static void fig_votes(struct plotter *p)
{
    const struct xb_sweep_result *r = p->r;
    if (!r->n_votes) {
        skip(p, "acc_vs_votes (no voting in this sweep)");
        return;
    }
    long best = best_voting_train(p), zero = -1;
    if (best < 0) {
        skip(p, "acc_vs_votes (no point done)");
        return;
    }
    for (size_t t = 0; t < r->n_train && zero < 0; t++)
        if (r->sigma_train[p->train[t]] == 0)
            zero = (long)p->train[t];
    int two = zero >= 0 && zero != best;
    int *block = xb_malloc(2 * r->n_test, sizeof *block);
    double lo = INFINITY, hi = -INFINITY;
    blocks_votes(p, (size_t)best, block, &lo, &hi);
    if (two)
        blocks_votes(p, (size_t)zero, block + r->n_test, &lo, &hi);
    double pad = fmax(0.05 * (hi - lo), 0.5);
    char *body;
    size_t len;
    FILE *f = mem_open(&body, &len);
    fprintf(f, PALETTE "unset colorbox\nset grid\nset key outside right top\n"
            "set xlabel \"votes K\"\nset ylabel \"accuracy (%%), majority of K\"\n"
            "set yrange [%.10g:%.10g]\nset xrange [%g:%g]\n",
            fmax(lo - pad, 0), fmin(hi + pad, 100), (double)r->votes[0] - 0.5,
            (double)r->votes[r->n_votes - 1] + 0.5);
    if (two) {
        char *t = str_printf("%s: accuracy vs votes (%s, %s, %s %s)", p->stem, r->dataset,
                             r->model, r->noise_model, r->test_is_t ? "device" : "noise");
        fputs("set multiplot layout 1,2 title ", f);
        gp_quote(f, t);
        fputs(" noenhanced\n", f);
        xb_free(t);
        plot_votes(p, f, (size_t)best, block, 1, 1);
        plot_votes(p, f, (size_t)zero, block + r->n_test, 1, 0);
        fputs("unset multiplot\n", f);
    } else {
        char sigma[32];
        xb_summary_format_sigma(r->sigma_train[best], sigma, sizeof sigma);
        char *t = str_printf("%s: accuracy vs votes, best sigma_train = %s (%s, %s, %s %s)",
                             p->stem, sigma, r->dataset, r->model, r->noise_model,
                             r->test_is_t ? "device" : "noise");
        fputs("set title ", f);
        gp_quote(f, t);
        fputs(" noenhanced\n", f);
        xb_free(t);
        plot_votes(p, f, (size_t)best, block, 0, 1);
    }
    fclose(f);
    emit(p, "acc_vs_votes", body, two ? PLOT_W_WIDE : PLOT_W);
    free(body);
    xb_free(block);
}

/* ---- running gnuplot ---------------------------------------------------- */

/* The script's head: the data file and the terminals. */
static void script_head(struct plotter *p)
{
    fputs("# xbar plot: generated, run once, removed\nDATA = ", p->gp);
    gp_quote(p->gp, p->dat_path);
    fputs("\nif (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
          "    PNG = \"pngcairo enhanced font 'Sans,11' background rgb 'white'\"\n"
          "} else {\n"
          "    PNG = \"png enhanced background rgb 'white'\"\n"
          "}\n"
          "SVG = \"svg dynamic enhanced font 'Sans,11' background rgb 'white'\"\n\n",
          p->gp);
}

/* The last non-empty line of gnuplot's output: its error message. */
static void last_line(char *out, char *msg, size_t msg_size)
{
    size_t len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    char *nl = strrchr(out, '\n');
    snprintf(msg, msg_size, "%s", nl ? nl + 1 : out);
}

static enum xb_status run_gnuplot(struct plotter *p, const char *program)
{
    char *cmd;
    size_t len;
    FILE *c = mem_open(&cmd, &len);
    sh_quote(c, program);
    fputc(' ', c);
    sh_quote(c, p->gp_path);
    fputs(" 2>&1 </dev/null", c);
    fclose(c);

    FILE *pipe = popen(cmd, "r");
    free(cmd);
    if (!pipe)
        return xb_error(p->ctx, XB_EIO, "cannot run %s: %s", program, strerror(errno));
    /* Read everything (a full pipe would block gnuplot); keep the start. */
    char *out = xb_malloc(GP_OUTPUT_MAX, 1);
    size_t n = 0;
    char chunk[1024];
    for (size_t got; (got = fread(chunk, 1, sizeof chunk, pipe)) > 0;) {
        size_t keep = got < GP_OUTPUT_MAX - 1 - n ? got : GP_OUTPUT_MAX - 1 - n;
        memcpy(out + n, chunk, keep);
        n += keep;
    }
    out[n] = '\0';
    int status = pclose(pipe);
    enum xb_status st = XB_OK;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[512];
        last_line(out, msg, sizeof msg);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            st = xb_error(p->ctx, XB_ENOTFOUND, "cannot run %s: %s", program, msg);
        else
            st = xb_error(p->ctx, XB_EIO, "gnuplot failed (%s %d) on the figures of %s: %s",
                          WIFEXITED(status) ? "exit status" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                          p->r->path, msg[0] ? msg : "no message");
    }
    xb_free(out);
    return st;
}

/* Every figure exists and is not empty: rename them all onto their names. */
static enum xb_status commit(struct plotter *p)
{
    for (size_t k = 0; k < p->n_out; k++) {
        struct stat sb;
        if (stat(p->tmp[k], &sb) != 0 || sb.st_size == 0)
            return xb_error(p->ctx, XB_EIO, "gnuplot exited normally but did not write %s",
                            p->final[k]);
    }
    for (size_t k = 0; k < p->n_out; k++) {
        if (rename(p->tmp[k], p->final[k]) != 0)
            return xb_error(p->ctx, XB_EIO, "cannot rename %s onto %s: %s", p->tmp[k],
                            p->final[k], strerror(errno));
        p->files->path[p->files->n++] = p->final[k];
        p->final[k] = NULL;
    }
    return XB_OK;
}

static enum xb_status close_file(struct xb_ctx *ctx, FILE **f, const char *path)
{
    int bad = ferror(*f);
    bad |= fclose(*f) != 0;
    *f = NULL;
    if (bad)
        return xb_error(ctx, XB_EIO, "cannot write %s: %s", path, strerror(errno));
    return XB_OK;
}

enum xb_status xb_plot_sweep(struct xb_ctx *ctx, const struct xb_sweep_result *r,
                             const struct xb_plot_params *params, struct xb_plot_files *out)
{
    enum xb_status st = XB_OK;
    struct plotter p = {.ctx = ctx, .r = r, .files = out};
    memset(out, 0, sizeof *out);

    const char *name = params && params->gnuplot ? params->gnuplot : "gnuplot";
    char *program = find_program(name);
    if (!program)
        return xb_error(ctx, XB_ENOTFOUND, "%s: no program '%s'%s; the figures need gnuplot "
                        "(Debian gnuplot-nox, installed by 'make deps')", r->path, name,
                        strchr(name, '/') ? "" : " in PATH");

    p.dir = params && params->out_dir ? xb_strdup(params->out_dir) : dir_of(r->path);
    p.stem = stem_of(r->path);
    p.tmp_prefix = str_printf("%s/.%s.%ld", p.dir, p.stem, (long)getpid());
    p.dat_path = str_printf("%s.dat.tmp", p.tmp_prefix);
    p.gp_path = str_printf("%s.gp.tmp", p.tmp_prefix);
    p.train = xb_malloc(r->n_train, sizeof *p.train);
    p.test = xb_malloc(r->n_test, sizeof *p.test);
    xb_summary_order(r->sigma_train, r->n_train, p.train);
    xb_summary_order(r->sigma_test, r->n_test, p.test);
    p.ci = xb_malloc(r->n_train * r->n_test, sizeof *p.ci);
    for (size_t i = 0; i < r->n_train; i++)
        for (size_t j = 0; j < r->n_test; j++)
            xb_summary_point(r, i, j, &p.ci[i * r->n_test + j]);

    p.dat = fopen(p.dat_path, "w");
    p.gp = p.dat ? fopen(p.gp_path, "w") : NULL;
    if (!p.gp) {
        st = xb_error(ctx, XB_EIO, "cannot create %s: %s", p.dat ? p.gp_path : p.dat_path,
                      strerror(errno));
        goto done;
    }
    script_head(&p);
    fig_vs_sigma(&p);
    fig_vs_snr(&p);
    fig_heatmap(&p);
    fig_votes(&p);
    if ((st = close_file(ctx, &p.dat, p.dat_path)) != XB_OK ||
        (st = close_file(ctx, &p.gp, p.gp_path)) != XB_OK)
        goto done;
    if (p.n_out == 0)
        goto done; /* nothing done yet: nothing to draw */
    if ((st = run_gnuplot(&p, program)) == XB_OK)
        st = commit(&p);
done:
    if (p.dat)
        fclose(p.dat);
    if (p.gp)
        fclose(p.gp);
    unlink(p.dat_path);
    unlink(p.gp_path);
    for (size_t k = 0; k < p.n_out; k++) {
        if (p.final[k])
            unlink(p.tmp[k]); /* not renamed: remove what gnuplot left */
        xb_free(p.tmp[k]);
        xb_free(p.final[k]);
    }
    if (st != XB_OK)
        xb_plot_files_free(out);
    xb_free(p.ci);
    xb_free(p.train);
    xb_free(p.test);
    xb_free(p.gp_path);
    xb_free(p.dat_path);
    xb_free(p.tmp_prefix);
    xb_free(p.stem);
    xb_free(p.dir);
    xb_free(program);
    return st;
}

void xb_plot_files_free(struct xb_plot_files *f)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->n; k++)
        xb_free(f->path[k]);
    memset(f, 0, sizeof *f);
}
