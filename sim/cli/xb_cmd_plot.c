/*
 * xb_cmd_plot.c — `xbar plot FILE.h5`: the figures of a sweep result
 * (sim/report/xb_plot.c) as PNG and SVG; their paths on stdout.
 */
#include <stdio.h>

#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_plot.h"
#include "xb_sweep_layout.h"

enum { OPT_OUTPUT, OPT_GNUPLOT };

static const struct xb_cli_opt plot_opts[] = {
    [OPT_OUTPUT] = {"output", 'o', "DIR", NULL, "the directory of FILE.h5",
                    "where the figures go (made if missing, one level)"},
    [OPT_GNUPLOT] = {"gnuplot", 0, "PROGRAM", NULL, "gnuplot", "the gnuplot to run"},
};

static const struct xb_cli_unused plot_unused[] = {
    {"seed", "nothing in it is random"},
    {"threads", "gnuplot draws the figures; xbar computes nothing in parallel"},
    {"config", "it takes its settings from FILE.h5"},
    {"set", "it takes its settings from FILE.h5"},
    {NULL, NULL},
};

static const struct xb_cli_spec plot_spec = {
    .name = "plot",
    .args = "FILE.h5",
    .summary = "Draws the figures of a sweep result file through gnuplot, each as PNG and SVG\n"
               "named after FILE (results/q.h5 gives results/q_acc_vs_sigma.png, ...):\n"
               "  _acc_vs_sigma  accuracy vs sigma_test per sigma_train, 95% CI over repeats\n"
               "  _err_vs_sigma  error rate on a log axis vs sigma_test (paper 001 Fig. 2)\n"
               "  _acc_vs_snr    accuracy vs SNR (dB) per sigma_train\n"
               "  _heatmap       mean accuracy over sigma_train x sigma_test\n"
               "  _acc_vs_votes  accuracy vs votes K per sigma_test, best sigma_train and 0\n"
               "Prints the path of each figure written on stdout.",
    .details = "Figures are written under temporary names and renamed once gnuplot succeeded,\n"
               "so a failed run leaves earlier figures as they were and a successful one\n"
               "replaces them (they are drawn from FILE.h5 and can be drawn again, so no\n"
               "--force is needed, unlike for result files). A figure with nothing to\n"
               "draw yet (no point done, no finite SNR, no voting) is skipped with a note.\n"
               "Exit status 2 if FILE.h5 is not a sweep result or DIR cannot be written; 1 if\n"
               "gnuplot is missing or fails. Example:\n"
               "  xbar plot results/quickstart.h5 -o figures\n",
    .opts = plot_opts,
    .n_opts = sizeof plot_opts / sizeof plot_opts[0],
    .config_keys = 0,
    .unused = plot_unused,
};

int xb_cmd_plot(int argc, char **argv)
{
    struct xb_cli cli;
    struct xb_sweep_result r;
    struct xb_plot_params params = {NULL, NULL};
    struct xb_plot_files files;
    char origin[sizeof cli.origin] = "";

    xb_cli_init(&cli, &plot_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        switch (i) {
        case OPT_OUTPUT:
            params.out_dir = cli.arg;
            snprintf(origin, sizeof origin, "%s", cli.origin);
            break;
        case OPT_GNUPLOT: params.gnuplot = cli.arg; break;
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    const char *file = xb_cli_result_file(&cli, argc, argv);
    if (!file)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    const char *path = file;
    if (!origin[0])
        snprintf(origin, sizeof origin, "%s", path);

    /* Bad input: the file and the output directory, before any work. */
    if (xb_sweep_read(cli.ctx, path, &r) != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    if (xb_plot_check_dir(cli.ctx, path, &params, origin) != XB_OK) {
        xb_sweep_result_free(&r);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    enum xb_status st = xb_plot_sweep(cli.ctx, &r, &params, &files);
    xb_sweep_result_free(&r);
    if (st != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_FAIL);

    for (size_t k = 0; k < files.n; k++)
        printf("%s\n", files.path[k]);
    if (!cli.quiet)
        for (size_t k = 0; k < files.n_skipped; k++)
            fprintf(stderr, "xbar plot: skipped %s\n", files.skipped[k]);
    xb_plot_files_free(&files);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(cli.ctx, XB_EIO, "cannot write to stdout");
        return xb_cli_fail(&cli, XB_EXIT_FAIL);
    }
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
