/*
 * xb_plot_attack.c — the attack figure of xb_plot.h (accuracy vs eps):
 * its data blocks and gnuplot script, written into the plotter's files by
 * xb_plot.c, which runs gnuplot on them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_plot_impl.h"

/* One curve: its data block and label. */
struct curve {
    int block;
    char label[160];
};

/* Ends a data block; returns its index. */
static int end_block(struct plotter *p)
{
    fputs("\n\n", p->dat);
    return p->block++;
}

/* "eps mean lo hi" in percent over the eps of f, the value of kind k at
 * eps j being the mean (and 95 % interval) of x[(k·J + j)·stride +
 * i·step], i < n (n = 1: the value, no interval). */
static int block_of(struct plotter *p, const struct xb_attack_file *f, size_t k,
                    const double *x, size_t n, size_t stride, size_t step)
{
    for (size_t j = 0; j < f->J; j++) {
        struct xb_ci ci;
        xb_ci_mean(x + (k * f->J + j) * stride, n, step, 0.95, &ci);
        const double half = isnan(ci.half) ? 0.0 : ci.half;
        fprintf(p->dat, "%.17g %.17g %.17g %.17g\n", f->eps[j], 100.0 * ci.mean,
                100.0 * (ci.mean - half), 100.0 * (ci.mean + half));
    }
    return end_block(p);
}

/* Every curve of file f into c (prefix: the file's name with several). */
static size_t curves_of(struct plotter *p, const struct xb_attack_file *f, const char *prefix,
                        struct curve *c)
{
    size_t n = 0;
    const size_t KJ = f->K * f->J;
    for (size_t k = 0; k < f->K; k++) {
        if (f->R) /* on a device: over the chips, chip-major */
            c[n].block = block_of(p, f, k, f->acc_chip, f->R, 1, KJ);
        else
            c[n].block = block_of(p, f, k, f->acc, 1, 1, 1);
        snprintf(c[n++].label, sizeof c->label, "%s%s%s", prefix, f->label[k],
                 f->noisy ? " (noiseless target)" : "");
        for (size_t s = 0; f->noisy && s < f->S; s++) {
            c[n].block = block_of(p, f, k, f->noisy + s * f->N, f->N, f->S * f->N, 1);
            snprintf(c[n++].label, sizeof c->label, f->test_is_t ? "%s%s (chips, t = %g s)"
                                                                  : "%s%s (σ_test = %g)",
                     prefix, f->label[k], f->sigma_test[s]);
        }
    }
    return n;
}

void xb_plot_write_attack(struct plotter *p)
{
    size_t total = 0;
    for (size_t i = 0; i < p->n_attack; i++)
        total += p->attack[i].K * (1 + p->attack[i].S);
    struct curve *c = xb_malloc(total, sizeof *c);
    int *ori = xb_malloc(p->n_attack, sizeof *ori);
    size_t n = 0;
    int intervals = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < p->n_attack; i++) {
        const struct xb_attack_file *f = &p->attack[i];
        char *stem = xb_plot_stem(f->path);
        char *prefix = p->n_attack > 1 ? xb_plot_str_printf("%s: ", stem) : xb_strdup("");
        n += curves_of(p, f, prefix, c + n);
        intervals |= f->R > 1 || f->N > 1;
        for (size_t j = 0; j < f->J; j++)
            lo = fmin(lo, f->eps[j]), hi = fmax(hi, f->eps[j]);
        /* Ori.: the clean accuracy across the file's eps. */
        fprintf(p->dat, "%.17g %.17g\n%.17g %.17g\n", f->eps[0], 100.0 * f->clean,
                f->eps[f->J - 1], 100.0 * f->clean);
        ori[i] = end_block(p);
        xb_free(prefix);
        xb_free(stem);
    }
    char *body;
    size_t len;
    FILE *g = xb_plot_mem_open(&body, &len);
    char *t = xb_plot_str_printf("%s: accuracy vs attack budget", p->stem);
    fputs("set title ", g);
    xb_plot_gp_quote(g, t);
    xb_free(t);
    fprintf(g, " noenhanced\n" XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom left\n"
            "set xlabel \"ε (L∞, pixels in [0, 1])\" noenhanced\n"
            "set ylabel \"accuracy (%%)%s\"\nset yrange [0:100]\n",
            intervals ? ", mean and 95% CI" : "");
    const double pad = hi > lo ? 0.03 * (hi - lo) : 0.01;
    fprintf(g, "set xrange [%.10g:%.10g]\n", lo - pad, hi + pad);
    const char *sep = "plot ";
    for (size_t i = 0; i < n; i++) {
        fprintf(g, "%sDATA index %d using 1:2:3:4 with yerrorlines ", sep, c[i].block);
        xb_plot_curve_style(g, i, n);
        fputs(" title ", g);
        xb_plot_gp_quote(g, c[i].label);
        fputs(" noenhanced", g);
        sep = ", \\\n     ";
    }
    for (size_t i = 0; i < p->n_attack; i++) {
        char *stem = xb_plot_stem(p->attack[i].path);
        char *label = p->n_attack > 1 ? xb_plot_str_printf("%s: Ori. (clean)", stem)
                                      : xb_strdup("Ori. (clean)");
        fprintf(g, "%sDATA index %d using 1:2 with lines dt 2 lc rgb 'gray%d' lw 1.5 title ",
                sep, ori[i], 30 + (int)(40 * i / p->n_attack));
        xb_plot_gp_quote(g, label);
        fputs(" noenhanced", g);
        xb_free(label);
        xb_free(stem);
    }
    fputs("\n", g);
    fclose(g);
    xb_plot_emit(p, "attack_acc_vs_eps", body, PLOT_W);
    free(body);
    xb_free(ori);
    xb_free(c);
}
