/*
 * xb_html.h — one self-contained HTML page of a sweep result (issue 13,
 * item 5; `xbar report`): what a colleague needs to read a study offline,
 * in one file.
 *
 * The page holds, in order:
 *   - the study in one paragraph (model, data set, noise or device, the
 *     grid, points done) and its figures: the SVG figures of `xbar plot`
 *     (xb_plot.h), drawn into a hidden temporary folder and inlined, each
 *     <figure id="fig-NAME"> with its ids prefixed so that the figures'
 *     own definitions (gnuplot names them alike) cannot collide;
 *   - the tables: accuracy without voting (mean over repeats ± the 95 %
 *     Student-t half-width, percent; rows σ_train, columns σ_test or t),
 *     with K_max votes, paper 001's summary (xb_summary.h), and energy and
 *     latency per inference by K votes when the file has them. Every
 *     numeric cell carries the exact value it shows as data-value
 *     (%.17g, a fraction for accuracies), so a reader can check the page
 *     against the file;
 *   - the resolved configuration (/config) and the provenance (xbar info's
 *     key: value lines, xb_provenance.h).
 * An attack result (`xbar attack -o`, sim/io/xb_attack_read.h) gives a page
 * of the same frame: the attacks in one paragraph, the accuracy-vs-eps
 * figure, the robustness tables in paper 000's layout (a row per eps, Ori.,
 * a column per attack; mean ± 95 % interval over a device's chips; a
 * transfer's source and its target at each sigma_test), the configuration
 * and the provenance.
 * No script, no external resource: the page renders the same offline.
 *
 * The page is written as every output is (sim/io/xb_outfile.h): checked
 * before any work, written to a temporary beside it, synced and renamed;
 * the temporary figure folder is removed whatever happens. Nothing prints.
 */
#ifndef XB_HTML_H
#define XB_HTML_H

#include "xb_ctx.h"

/* The page of the sweep or attack result at path into page (origin names the
 * option that gave page, for messages); gnuplot: the program, NULL for
 * "gnuplot" in PATH. XB_EINVAL / XB_EFORMAT / XB_ENOTFOUND for bad input
 * (the file, the page path) before any work; XB_EIO if gnuplot or a write
 * fails. */
enum xb_status xb_html_report(struct xb_ctx *ctx, const char *path, const char *page,
                              const char *origin, const char *gnuplot);

/* Checks the input and output of xb_html_report before any work: the
 * result file is a sweep or attack result, the page can be written. */
enum xb_status xb_html_check(struct xb_ctx *ctx, const char *path, const char *page,
                             const char *origin);

#endif
