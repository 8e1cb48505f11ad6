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
#include "xb_sweep_layout.h"

/* Seven figures in two formats. */
#define XB_PLOT_MAX_FILES 14

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

/* Accepts NULL and a zeroed struct. */
void xb_plot_files_free(struct xb_plot_files *f);

#endif
