#include "xb_report.h"

#include "xb_alloc.h"
#include "xb_plot.h"
#include "xb_provenance.h"
#include "xb_study_read.h"
#include "xb_study_text.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"

enum xb_status xb_report_check(struct xb_ctx *ctx, const char *path, const char *out_dir)
{
    struct xb_plot_params pp = {.out_dir = out_dir};
    return xb_plot_check_dir(ctx, path, &pp, "plots");
}

/* The provenance, then the summary text (taken: xb_free'd here). */
static enum xb_status print_summary(struct xb_ctx *ctx, const char *path, FILE *out, char *text)
{
    enum xb_status st = xb_provenance_print(ctx, path, out);
    if (!st) {
        fputs("\n", out);
        fputs(text, out);
    }
    xb_free(text);
    return st;
}

/* A study (xb_study_is_study): its figures and its table of points; the
 * paper-001 tables are of the two-axis sweep, and on a study's flat /sweep
 * they would repeat points under one sigma_train. *is_study is 0 (and
 * nothing is done) for a sweep. */
static enum xb_status report_study(struct xb_ctx *ctx, const char *path,
                                   const struct xb_plot_params *pp, FILE *out,
                                   struct xb_plot_files *files, int *is_study)
{
    *is_study = 0;
    if (!xb_study_exists(path))
        return XB_OK;
    struct xb_study_result s;
    enum xb_status st = xb_study_read(ctx, path, &s);
    if (st || !(*is_study = xb_study_is_study(&s))) {
        if (!st)
            xb_study_result_free(&s);
        return st;
    }
    const struct xb_study_view view = {0};
    st = xb_plot_study(ctx, &s, 1, &view, pp, files);
    if (!st)
        st = print_summary(ctx, path, out, xb_study_text(&s));
    xb_study_result_free(&s);
    return st;
}

enum xb_status xb_report(struct xb_ctx *ctx, const char *path, const char *out_dir, int quiet,
                         FILE *out)
{
    struct xb_plot_params pp = {.out_dir = out_dir};
    struct xb_plot_files files = {0};
    enum xb_status st = xb_report_check(ctx, path, out_dir);
    int is_study = 0;
    if (!st)
        st = report_study(ctx, path, &pp, out, &files, &is_study);
    if (!st && !is_study) {
        struct xb_sweep_result r;
        st = xb_sweep_read(ctx, path, &r);
        if (st)
            return st;
        st = xb_plot_sweep(ctx, &r, &pp, &files);
        if (!st)
            st = print_summary(ctx, path, out, xb_summary_text(&r));
        xb_sweep_result_free(&r);
    }
    if (!st && !quiet)
        for (size_t k = 0; k < files.n; k++)
            fprintf(stderr, "wrote %s\n", files.path[k]);
    xb_plot_files_free(&files);
    return st;
}
