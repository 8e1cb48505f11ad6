/*
 * xb_plot_figures.c — the figures of xb_plot.h: their data blocks and
 * gnuplot scripts, written into the plotter's files by xb_plot.c, which
 * runs gnuplot on them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xb_alloc.h"
#include "xb_pareto.h"
#include "xb_plot_impl.h"
#include "xb_summary.h"

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

static void skip(struct plotter *p, const char *why)
{
    p->files->skipped[p->files->n_skipped++] = why;
}

/* The title of every figure. */
static void title(struct plotter *p, FILE *f, const char *what)
{
    const struct xb_sweep_result *r = p->r;
    char *t = xb_plot_str_printf("%s: %s (%s, %s, %s %s)", p->stem, what, r->dataset, r->model,
                         r->noise_model, r->test_is_t ? "device" : "noise");
    fputs("set title ", f);
    xb_plot_gp_quote(f, t);
    fputs(" noenhanced\n", f);
    xb_free(t);
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
        xb_plot_curve_style(f, t, r->n_train);
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
    FILE *f = xb_plot_mem_open(&body, &len);
    title(p, f, test_is_t(p) ? "accuracy vs read time" : "accuracy vs inference noise");
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom left\n"
          "set ylabel \"accuracy (%), mean and 95% CI\"\n"
          "set yrange [0<*:*<100]\n", f);
    test_axis(p, f);
    plot_per_train(p, f, block, "1:2:3:4", "yerrorlines");
    fclose(f);
    xb_plot_emit(p, test_is_t(p) ? "acc_vs_t" : "acc_vs_sigma", body, PLOT_W);
    free(body);

    if (!any_block(err_block, p->r->n_train)) {
        skip(p, test_is_t(p) ? "err_vs_t (accuracy 100 % everywhere: no error rate for a log "
                               "axis)"
                             : "err_vs_sigma (accuracy 100 % everywhere: no error rate for a "
                               "log axis)");
        xb_free(block);
        return;
    }
    f = xb_plot_mem_open(&body, &len);
    title(p, f, test_is_t(p) ? "error rate vs read time" : "error rate vs inference noise");
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key top left\nset logscale y\n"
          "set format y \"%g%%\"\n"
          "set ylabel \"error rate 1 - accuracy (%, log scale)\"\nset yrange [*:*<100]\n", f);
    test_axis(p, f);
    plot_per_train(p, f, err_block, "1:($5 > 0 ? $5 : 1/0)", "linespoints");
    fclose(f);
    xb_plot_emit(p, test_is_t(p) ? "err_vs_t" : "err_vs_sigma", body, PLOT_W);
    free(body);
    xb_free(block);
}

/* (c): accuracy vs SNR. */
static void fig_vs_snr(struct plotter *p)
{
    /* Device mode too: snr_db is then the measured SNR of the chip at each
     * t (models/eval/xb_snr.h), on the same axis as the noise sweeps'. */
    int *block = xb_malloc(p->r->n_train, sizeof *block);
    blocks_vs_snr(p, block);
    if (!any_block(block, p->r->n_train)) {
        skip(p, "acc_vs_snr (no done point with a finite SNR)");
        xb_free(block);
        return;
    }
    char *body;
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    title(p, f, "accuracy vs SNR");
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom right\n"
          "set xlabel \"SNR (dB)\"\nset ylabel \"accuracy (%), mean and 95% CI\"\n"
          "set yrange [0<*:*<100]\n", f);
    xrange(f, p->r->snr_db, p->r->n_test);
    plot_per_train(p, f, block, "1:2:3:4", "yerrorlines");
    fclose(f);
    xb_plot_emit(p, "acc_vs_snr", body, PLOT_W);
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
    FILE *f = xb_plot_mem_open(&body, &len);
    title(p, f, "mean accuracy (%)");
    fprintf(f, XB_PLOT_PALETTE "set cbrange [%.10g:%.10g]\nset cblabel \"mean accuracy (%%)\"\n"
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
    xb_plot_emit(p, "heatmap", body, PLOT_W);
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
        xb_plot_curve_style(f, c, r->n_test);
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
    FILE *f = xb_plot_mem_open(&body, &len);
    fprintf(f, XB_PLOT_PALETTE "unset colorbox\nset grid\nset key outside right top\n"
            "set xlabel \"votes K\"\nset ylabel \"accuracy (%%), majority of K\"\n"
            "set yrange [%.10g:%.10g]\nset xrange [%g:%g]\n",
            fmax(lo - pad, 0), fmin(hi + pad, 100), (double)r->votes[0] - 0.5,
            (double)r->votes[r->n_votes - 1] + 0.5);
    if (two) {
        char *t = xb_plot_str_printf("%s: accuracy vs votes (%s, %s, %s %s)", p->stem, r->dataset,
                             r->model, r->noise_model, r->test_is_t ? "device" : "noise");
        fputs("set multiplot layout 1,2 title ", f);
        xb_plot_gp_quote(f, t);
        fputs(" noenhanced\n", f);
        xb_free(t);
        plot_votes(p, f, (size_t)best, block, 1, 1);
        plot_votes(p, f, (size_t)zero, block + r->n_test, 1, 0);
        fputs("unset multiplot\n", f);
    } else {
        char sigma[32];
        xb_summary_format_sigma(r->sigma_train[best], sigma, sizeof sigma);
        char *t = xb_plot_str_printf("%s: accuracy vs votes, best sigma_train = %s (%s, %s, %s %s)",
                             p->stem, sigma, r->dataset, r->model, r->noise_model,
                             r->test_is_t ? "device" : "noise");
        fputs("set title ", f);
        xb_plot_gp_quote(f, t);
        fputs(" noenhanced\n", f);
        xb_free(t);
        plot_votes(p, f, (size_t)best, block, 0, 1);
    }
    fclose(f);
    xb_plot_emit(p, "acc_vs_votes", body, two ? PLOT_W_WIDE : PLOT_W);
    free(body);
    xb_free(block);
}

/* ---- (f), (g): accuracy vs the cost of K votes -------------------------- */

/* A figure of accuracy against a cost of the votes, and why it may have
 * nothing to draw (static texts, as skipped[] holds them). */
struct cost_figure {
    const char *name, *xlabel, *what;
    const char *no_votes, *no_cost, *none_done;
    const char *xlabel_measured; /* with a spiking model's measured cost */
};

static const struct cost_figure cost_figures[2] = {
    {"acc_vs_energy", "energy per inference (J)", "accuracy vs energy",
     "acc_vs_energy (no voting in this sweep)",
     "acc_vs_energy (no /sweep/energy: a file made before energy was recorded)",
     "acc_vs_energy (no point done)",
     "energy per inference at the measured spiking activity (J)"},
    {"acc_vs_latency", "latency per inference, pipelined (s)", "accuracy vs latency",
     "acc_vs_latency (no voting in this sweep)",
     "acc_vs_latency (no /sweep/latency_pipelined: a file made before it was recorded)",
     "acc_vs_latency (no point done)", NULL},
};

/* What K = votes[k] votes cost at point (i, j): per_k[k], the same at every
 * point, or — for a spiking model's energy — K times the point's measured
 * energy per inference (point, stride 3: /sweep/spike_energy), since a
 * point's activity, and so what its reads cost, is its own. */
struct cost_of {
    const double *per_k, *point;
};

static double cost_at(const struct xb_sweep_result *r, const struct cost_of *c, size_t i,
                      size_t j, size_t k)
{
    if (c->point)
        return (double)r->votes[k] * c->point[(i * r->n_test + j) * 3];
    return c->per_k[k];
}

/* Per test point (sorted): block all[c] of every done (σ_train, K) as "cost
 * accuracy%", and front[c] of those no other beats (xb_pareto.h), by
 * increasing cost; -1 when nothing is done. */
static void blocks_cost(struct plotter *p, const struct cost_of *cost, int *all, int *front)
{
    const struct xb_sweep_result *r = p->r;
    const size_t n = r->n_train * r->n_votes;
    double *x = xb_malloc(n, sizeof *x), *y = xb_malloc(n, sizeof *y);
    unsigned char *on = xb_malloc(n, 1);
    for (size_t c = 0; c < r->n_test; c++) {
        size_t j = p->test[c], m = 0;
        for (size_t i = 0; i < r->n_train; i++)
            for (size_t k = 0; k < r->n_votes; k++, m++) {
                int done = xb_sweep_result_done(r, i, j);
                x[m] = done ? cost_at(r, cost, i, j, k) : (double)NAN;
                y[m] = done ? 100 * xb_sweep_result_acc_vote(r, i, j, k) : (double)NAN;
                if (done)
                    fprintf(p->dat, "%.10g %.10g\n", x[m], y[m]);
            }
        all[c] = front[c] = -1;
        if (!xb_pareto_front(x, y, n, on))
            continue;
        all[c] = end_block(p);
        /* The front by increasing cost (then accuracy), drawn as a line. */
        for (size_t done = 0;; done++) {
            long best = -1;
            for (size_t q = 0; q < n; q++)
                if (on[q] && (best < 0 || x[q] < x[best] || (x[q] == x[best] && y[q] < y[best])))
                    best = (long)q;
            if (best < 0)
                break;
            fprintf(p->dat, "%.10g %.10g\n", x[best], y[best]);
            on[best] = 0;
        }
        front[c] = end_block(p);
    }
    xb_free(x), xb_free(y), xb_free(on);
}

static void fig_vs_cost(struct plotter *p, const struct cost_figure *fig, const double *per_k,
                        const double *point)
{
    const struct xb_sweep_result *r = p->r;
    if (!r->n_votes) {
        skip(p, fig->no_votes);
        return;
    }
    if (!per_k) {
        skip(p, fig->no_cost);
        return;
    }
    const struct cost_of cost = {per_k, point};
    int *all = xb_malloc(2 * r->n_test, sizeof *all), *front = all + r->n_test;
    blocks_cost(p, &cost, all, front);
    if (!any_block(all, r->n_test)) {
        skip(p, fig->none_done);
        xb_free(all);
        return;
    }
    int positive = 1;
    for (size_t i = 0; i < r->n_train; i++)
        for (size_t j = 0; j < r->n_test; j++)
            for (size_t k = 0; k < r->n_votes && xb_sweep_result_done(r, i, j); k++)
                positive &= cost_at(r, &cost, i, j, k) > 0;
    char *body;
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    fprintf(f, XB_PLOT_PALETTE "unset colorbox\nset grid\nset key outside right top\n"
            "set xlabel \"%s\"\nset ylabel \"accuracy (%%), majority of K votes\"\n%s",
            point ? fig->xlabel_measured : fig->xlabel,
            positive ? "set logscale x\nset format x \"%g\"\n" : "");
    title(p, f, fig->what);
    const char *sep = "plot ";
    for (size_t c = 0; c < r->n_test; c++) {
        if (all[c] < 0)
            continue;
        char s[32];
        format_test(p, r->sigma_test[p->test[c]], s, sizeof s);
        double frac = r->n_test > 1 ? XB_PLOT_CURVE_FRAC_MAX * (double)c / (double)(r->n_test - 1) : 0;
        fprintf(f, "%sDATA index %d using 1:2 with points lc palette frac %.4f pt 6 ps 0.6 "
                "notitle, \\\n     DATA index %d using 1:2 with linespoints ", sep, all[c],
                frac, front[c]);
        xb_plot_curve_style(f, c, r->n_test);
        fprintf(f, test_is_t(p) ? " title \"front, t = %s s\"" : " title \"front, σ_{test} = "
                "%s\"", s);
        sep = ", \\\n     ";
    }
    fputs("\n", f);
    fclose(f);
    xb_plot_emit(p, fig->name, body, PLOT_W);
    free(body);
    xb_free(all);
}

void xb_plot_write_figures(struct plotter *p)
{
    fig_vs_sigma(p);
    fig_vs_snr(p);
    fig_heatmap(p);
    fig_votes(p);
    fig_vs_cost(p, &cost_figures[0], p->r->energy, p->r->spike_energy);
    fig_vs_cost(p, &cost_figures[1], p->r->latency, NULL);
}
