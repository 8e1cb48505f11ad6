/*
 * xb_plot_out.c — what the figures are written through: their names and
 * formats, registering a figure's output files (a temporary each, renamed by
 * xb_plot.c once gnuplot succeeds) and the small text helpers. Below both
 * xb_plot_figures.c (the figures) and xb_plot.c (the plumbing), so neither
 * depends on the other's file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_outfile.h"
#include "xb_plot_impl.h"

const char *const xb_plot_formats[2] = {"png", "svg"};

/* Every figure name xb_plot_figures.c emits (xb_plot_emit checks), so the
 * output paths can all be checked before the work. */
const char *const xb_plot_figure_names[XB_PLOT_N_FIGURES] = {
    "acc_vs_sigma", "acc_vs_t", "err_vs_sigma", "err_vs_t", "acc_vs_snr", "heatmap", "acc_vs_votes",
    "acc_vs_energy", "acc_vs_latency", "study_acc_vs_axis", "study_heatmap", "study_acc_vs_snr",
    "files_acc_vs_snr", "files_acc_vs_axis", "study_acc_vs_energy", "study_acc_vs_latency",
    "attack_acc_vs_eps",
};

char *xb_plot_stem(const char *path)
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

char *xb_plot_path_join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

char *xb_plot_str_printf(const char *fmt, ...)
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

void xb_plot_gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static const int point_types[] = {7, 5, 9, 11, 13, 15, 1, 2, 3, 4, 6, 8, 10, 12, 14};

void xb_plot_curve_style(FILE *f, size_t t, size_t n)
{
    double frac = n > 1 ? XB_PLOT_CURVE_FRAC_MAX * (double)t / (double)(n - 1) : 0;
    fprintf(f, "lc palette frac %.4f pt %d ps 0.9 lw 1.5", frac,
            point_types[t % (sizeof point_types / sizeof point_types[0])]);
}

FILE *xb_plot_mem_open(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f) {
        fprintf(stderr, "xbar: out of memory opening a memory stream at %s:%d\n", __FILE__,
                __LINE__);
        abort();
    }
    return f;
}

void xb_plot_emit(struct plotter *p, const char *name, const char *body, int width)
{
    size_t known = 0;
    while (known < XB_PLOT_N_FIGURES && strcmp(xb_plot_figure_names[known], name))
        known++;
    XB_ASSERT(known < XB_PLOT_N_FIGURES);
    for (int f = 0; f < 2; f++) {
        XB_ASSERT(p->n_out < XB_PLOT_MAX_FILES);
        char *base = xb_plot_str_printf("%s_%s.%s", p->stem, name, xb_plot_formats[f]);
        char *path = xb_plot_path_join(p->dir, base), *final = NULL, *tmp = NULL;
        xb_free(base);
        /* A symlink to a figure is written through (xb_outfile.h). */
        if (p->st == XB_OK)
            p->st = xb_outfile_target(p->ctx, path, path, &final);
        if (p->st == XB_OK)
            p->st = xb_outfile_temp(p->ctx, final, &tmp);
        if (!final)
            final = xb_strdup(path);
        xb_free(path);
        p->final[p->n_out] = final;
        p->tmp[p->n_out] = tmp;
        fputs("reset\nset encoding utf8\n", p->gp);
        fprintf(p->gp, "set terminal @%s size %d,%d\n", f ? "SVG" : "PNG", width, PLOT_H);
        fputs("set output ", p->gp);
        xb_plot_gp_quote(p->gp, tmp ? tmp : "");
        fprintf(p->gp, "\n%sunset output\n\n", body);
        p->n_out++;
    }
}
