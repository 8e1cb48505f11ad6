/*
 * xb_plot.h — the figures of a sweep result (ARCHITECTURE.md §8, paper 001
 * Figs. 2, 8), drawn by gnuplot as PNG (pngcairo if gnuplot has it, else
 * png) and SVG:
 *
 *   STEM_acc_vs_sigma   accuracy (%) vs σ_test, one curve per σ_train,
 *                       mean over repeats with 95 % Student-t intervals
 *   STEM_err_vs_sigma   error rate 1 − accuracy (%) on a log axis vs
 *                       σ_test (paper 001 Fig. 2); exact zeros are left out,
 *                       and the figure is skipped if every point is 100 %
 *   STEM_acc_vs_snr     accuracy (%) vs SNR (dB), one curve per σ_train;
 *                       σ_test with an infinite or unknown SNR are left out
 *   STEM_heatmap        mean accuracy over σ_train × σ_test, cells labelled
 *   STEM_acc_vs_votes   voted accuracy vs K, one curve per σ_test, for the
 *                       best σ_train (highest mean accuracy at K_max over
 *                       σ_test; ties to the smaller σ_train) and, beside
 *                       it, for σ_train = 0 when the sweep has it
 *   STEM_acc_vs_energy  voted accuracy (%) vs the energy of an inference by
 *                       K votes (/sweep/energy, log axis): every (σ_train,
 *                       K) of a test point as a dot, and the front of the
 *                       points no other beats (less energy and at least
 *                       as accurate, xb_pareto.h) as a line, one colour per
 *                       test point
 *   STEM_acc_vs_latency the same against the pipelined latency
 *
 * STEM is the result file's name without .h5/.hdf5. A figure with nothing
 * to draw (no point done, no finite SNR, no voting) is skipped and named
 * in `skipped`. Only done points are drawn.
 *
 * How: the data go to a temporary file and the script to another, both
 * hidden in the output directory (named by xb_outfile.h); gnuplot runs once
 * through popen; every figure is written under a temporary name and
 * renamed onto its final name only once gnuplot has exited with status 0,
 * so a failed or killed run leaves the old figures untouched. The
 * temporary files are removed whatever happens. Nothing prints: gnuplot's
 * messages are captured and a failure's message is in the context.
 * Not thread-safe with itself in one directory and process.
 */
#ifndef XB_PLOT_H
#define XB_PLOT_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_study_read.h"
#include "xb_sweep_layout.h"

/* Seven figures in two formats. */
#define XB_PLOT_MAX_FILES 14 /* the most figures one call draws, PNG and SVG */

struct xb_plot_params {
    const char *out_dir; /* where the figures go; NULL: the result file's directory */
    const char *gnuplot; /* the program; NULL: "gnuplot" found in PATH */
};

/* What xb_plot_sweep made. */
struct xb_plot_files {
    size_t n;
    char *path[XB_PLOT_MAX_FILES];      /* final paths, PNG before SVG */
    size_t n_skipped;
    const char *skipped[XB_PLOT_MAX_FILES]; /* static text: "acc_vs_snr (no finite SNR)" */
};

/* Checks, before any work, that figures of the result file result_path
 * can be written where params puts them (creating params->out_dir, one
 * level, if it does not exist): every figure's path passes
 * xb_outfile_check (its name fits, nothing but a regular file is there).
 * XB_EIO or XB_EINVAL naming origin (e.g. "-o out") and the path
 * otherwise. */
enum xb_status xb_plot_check_dir(struct xb_ctx *ctx, const char *result_path,
                                 const struct xb_plot_params *params, const char *origin);

/* Draws every figure of r. XB_ENOTFOUND if gnuplot is not found, XB_EIO
 * with gnuplot's first error line if it fails. *out is filled on success
 * and zeroed on failure; free it with xb_plot_files_free. */
enum xb_status xb_plot_sweep(struct xb_ctx *ctx, const struct xb_sweep_result *r,
                             const struct xb_plot_params *params, struct xb_plot_files *out);

/* ---- studies: the N-dimensional view /study (xb_study_read.h) ------------
 *
 * One file (STEM is its name without .h5):
 *   STEM_study_acc_vs_axis  accuracy (%) vs axis x, one curve per value of
 *                           axis `curves`, every other axis at one value
 *                           (`at`, else its first); mean over the repeats
 *                           with 95 % Student-t intervals, or with `votes`
 *                           K the accuracy of the majority of K votes
 *   STEM_study_heatmap      mean accuracy over two axes, the others fixed
 *                           as above; skipped with one axis
 *   STEM_study_acc_vs_snr   accuracy vs the measured SNR of every done
 *                           point (/study/snr_db_measured; NaN and inf
 *                           left out), one curve per value of `curves`
 *   STEM_study_acc_vs_energy   accuracy vs the energy per inference
 *                           (/study/energy, log axis) of every done point,
 *                           and the front of the points no other point
 *                           beats (xb_pareto.h) as a line; skipped when
 *                           the file has no energy
 *   STEM_study_acc_vs_latency  the same against the pipelined latency
 * Several files (STEM that of the first):
 *   STEM_files_acc_vs_snr   the same, one curve per file
 *   STEM_files_acc_vs_axis  accuracy vs axis x, which every file has,
 *                           one curve per file, the other axes fixed
 * Curves are labelled by the file's name without .h5. Numbers go to the
 * data file with 17 significant digits (the exact doubles). */

/* The most files one figure compares. */
#define XB_PLOT_MAX_INPUTS 16

/* What to draw of a study; NULL or 0 members take the defaults. */
struct xb_study_view {
    const char *x;          /* axis key; default: the last axis that trains no model
                               (the last axis if every axis trains); axes held by `at`
                               are no defaults */
    const char *curves;     /* axis key, one file only; default: the first axis that is
                               neither x nor held (none with one axis) */
    const char *heatmap;    /* "KEY,KEY" (x of the map, then y), one file only; default:
                               x and curves */
    const char *const *at;  /* "KEY=VALUE" or "KEY=#I" (index from 0): where the axes
                               not drawn are held */
    size_t n_at;
    int votes;              /* K >= 1: accuracy_vote of K votes; 0: accuracy */
};

/* Axis indices of one file, resolved from a view (xb_plot_study_check). */
struct xb_study_sel {
    int x, curves, hx, hy;                /* axes drawn; -1: none */
    size_t fixed[XB_STUDY_MAX_AXES];      /* the index of every axis not drawn */
};

/* Checks the view against the files before any work: every key names an
 * axis (of every file for x; of some file for at), every value is on its
 * axis, votes K has an accuracy_vote column, curves and heatmap are for
 * one file, several files share an axis. XB_EINVAL naming the file, the
 * key or value and what was expected. sel[n] (may be NULL) is filled. */
enum xb_status xb_plot_study_check(struct xb_ctx *ctx, const struct xb_study_result *files,
                                   size_t n, const struct xb_study_view *view,
                                   struct xb_study_sel *sel);

/* Draws the study figures of files[n] (n = 1: of one file; 2 ..
 * XB_PLOT_MAX_INPUTS: the comparison) as xb_plot_sweep draws its own: the
 * same temporaries, errors and `out`. */
enum xb_status xb_plot_study(struct xb_ctx *ctx, const struct xb_study_result *files, size_t n,
                             const struct xb_study_view *view,
                             const struct xb_plot_params *params, struct xb_plot_files *out);

/* ---- attack results (sim/io/xb_attack_read.h) -----------------------------
 *
 *   STEM_attack_acc_vs_eps  accuracy (%) vs eps, one curve per attack kind
 *                           (per file and kind with several files: paper
 *                           000's models side by side), the clean accuracy
 *                           (Ori.) as a dashed line; on a device the mean
 *                           over the chips with 95 % Student-t intervals;
 *                           a transfer file's target noiseless and at each
 *                           sigma_test (mean and 95 % interval over the
 *                           repeats)
 * STEM is the first file's. */

/* Draws the attack figure of files[n] (1 .. XB_PLOT_MAX_INPUTS) as
 * xb_plot_sweep draws its own. */
struct xb_attack_file;
enum xb_status xb_plot_attack(struct xb_ctx *ctx, const struct xb_attack_file *files, size_t n,
                              const struct xb_plot_params *params, struct xb_plot_files *out);

/* Accepts NULL and a zeroed struct. */
void xb_plot_files_free(struct xb_plot_files *f);

#endif
