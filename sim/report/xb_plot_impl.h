/*
 * xb_plot_impl.h — what sim/report/xb_plot.c (files, running gnuplot) and
 * sim/report/xb_plot_figures.c (the figures' data and scripts) share. Internal to
 * sim/report/xb_plot*: not part of the public API, which is xb_plot.h.
 */
#ifndef XB_PLOT_IMPL_H
#define XB_PLOT_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "xb_ci.h"
#include "xb_plot.h"

/* Sequential colours by curve: viridis, stopped before its pale yellow
 * end so that every curve shows on white. */
#define XB_PLOT_PALETTE "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', " \
                        "0.75 '#5ec962', 1 '#fde725')\n"
#define XB_PLOT_CURVE_FRAC_MAX 0.85

/* Figure sizes in pixels (SVG: the same in its user units). */
#define PLOT_W 800
#define PLOT_H 560
#define PLOT_W_WIDE 1200

struct plotter {
    struct xb_ctx *ctx;
    const struct xb_sweep_result *r;   /* a sweep's figures, or NULL */
    const struct xb_study_result *study; /* a study's figures: study[n_study] */
    size_t n_study;
    const struct xb_study_view *view;
    const struct xb_attack_file *attack; /* an attack figure's files: attack[n_attack] */
    size_t n_attack;
    struct xb_study_sel *sel;          /* [n_study] */
    const char *source; /* the file named in messages */
    char *dir;          /* output directory */
    char *stem;         /* result file name without extension */
    char *dat_path;     /* data blocks (a temporary, xb_outfile.h) */
    char *gp_path;      /* the script (a temporary) */
    FILE *dat, *gp;
    int block;          /* index of the next data block */
    size_t *train;      /* σ_train indices, increasing */
    size_t *test;       /* σ_test indices, increasing */
    struct xb_ci *ci;   /* [n_train × n_test] accuracy without voting */
    size_t n_out;
    char *tmp[XB_PLOT_MAX_FILES], *final[XB_PLOT_MAX_FILES];
    struct xb_plot_files *files;
    enum xb_status st;  /* the first failure to make a figure's temporary */
};

/* ---- xb_plot_out.c ------------------------------------------------------ */

/* The output formats, and every figure name xb_plot_figures.c emits
 * (xb_plot_emit checks), so the output paths can be checked before work. */
#define XB_PLOT_N_FIGURES 17
extern const char *const xb_plot_formats[2];
extern const char *const xb_plot_figure_names[XB_PLOT_N_FIGURES];

/* The file name of path without .h5 / .hdf5 / .he5 (xb_free). */
char *xb_plot_stem(const char *path);

/* dir/name, to free with xb_free. */
char *xb_plot_path_join(const char *dir, const char *name);

/* A formatted string to free with xb_free. */
char *xb_plot_str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* s as a gnuplot single-quoted string (no escapes but '' for '). */
void xb_plot_gp_quote(FILE *f, const char *s);

/* The colour and point of curve t of n. */
void xb_plot_curve_style(FILE *f, size_t t, size_t n);

/* An in-memory FILE; out of memory is not recovered from (xb_alloc.h). */
FILE *xb_plot_mem_open(char **buf, size_t *len);

/* Registers figure NAME in both formats and writes body for each. */
void xb_plot_emit(struct plotter *p, const char *name, const char *body, int width);

/* ---- xb_plot_figures.c -------------------------------------------------- */

/* Writes the data and script of every figure of xb_plot.h that has
 * something to draw, in its order there, and names the others in
 * p->files->skipped. */
void xb_plot_write_figures(struct plotter *p);

/* ---- xb_plot_study.c ---------------------------------------------------- */

/* The same for the study figures of xb_plot.h (p->sel resolved). */
void xb_plot_write_study(struct plotter *p);

/* ---- xb_plot_attack.c --------------------------------------------------- */

/* The same for the attack figure of xb_plot.h. */
void xb_plot_write_attack(struct plotter *p);

#endif
