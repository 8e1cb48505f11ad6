#include "xb_report.h"

#include "xb_alloc.h"
#include "xb_plot.h"
#include "xb_provenance.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"

enum xb_status xb_report_check(struct xb_ctx *ctx, const char *path, const char *out_dir)
{
    struct xb_plot_params pp = {.out_dir = out_dir};
    return xb_plot_check_dir(ctx, path, &pp, "plots");
}

enum xb_status xb_report(struct xb_ctx *ctx, const char *path, const char *out_dir, int quiet,
                         FILE *out)
{
    struct xb_sweep_result r;
    enum xb_status st = xb_sweep_read(ctx, path, &r);
    if (st)
        return st;
    struct xb_plot_params pp = {.out_dir = out_dir};
    struct xb_plot_files files = {0};
    st = xb_report_check(ctx, path, out_dir);
    if (!st)
        st = xb_plot_sweep(ctx, &r, &pp, &files);
    if (!st)
        st = xb_provenance_print(ctx, path, out);
    if (!st) {
        char *text = xb_summary_text(&r);
        fputs("\n", out);
        fputs(text, out);
        xb_free(text);
        if (!quiet)
            for (size_t k = 0; k < files.n; k++)
                fprintf(stderr, "wrote %s\n", files.path[k]);
    }
    xb_plot_files_free(&files);
    xb_sweep_result_free(&r);
    return st;
}
