/*
 * xb_report.h — what `xbar run` adds after its sweep: the figures of the
 * result file (xb_plot.h) and the summary tables (xb_summary.h, or a
 * study's, xb_study_text.h).
 */
#ifndef XB_REPORT_H
#define XB_REPORT_H

#include <stdio.h>

#include "xb_ctx.h"

/* Reads the sweep at path, draws its figures into out_dir (NULL: beside
 * the file), prints the summary to out and the figure paths to stderr
 * unless quiet. A study (axes other than sigma_train x sigma_test or t):
 * the study figures of its default view and its table of points instead
 * of the paper-001 tables (sim/report/xb_study_text.h). */
enum xb_status xb_report(struct xb_ctx *ctx, const char *path, const char *out_dir, int quiet,
                         FILE *out);

/* Checks, before the sweep starts, that xb_report can write the figures
 * of a result at path into out_dir (xb_plot_check_dir). */
enum xb_status xb_report_check(struct xb_ctx *ctx, const char *path, const char *out_dir);

#endif
