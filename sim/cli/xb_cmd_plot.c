/*
 * xb_cmd_plot.c — `xbar plot FILE.h5 [FILE.h5 ...]`: the figures of a sweep
 * result (sim/report/xb_plot.c) or of a study's N-dimensional view, or of
 * several results in one figure (sim/report/xb_plot_study.c), as PNG and
 * SVG; their paths on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_cli.h"
#include "xb_layout.h"
#include "xb_cmd.h"
#include "xb_plot.h"
#include "xb_study_text.h"
#include "xb_sweep_layout.h"

enum { OPT_OUTPUT, OPT_GNUPLOT, OPT_X, OPT_CURVES, OPT_AT, OPT_HEATMAP, OPT_VOTES };

static const struct xb_cli_opt plot_opts[] = {
    [OPT_OUTPUT] = {"output", 'o', "DIR", NULL, "the directory of FILE.h5",
                    "where the figures go (made if missing, one level)"},
    [OPT_GNUPLOT] = {"gnuplot", 0, "PROGRAM", NULL, "gnuplot", "the gnuplot to run"},
    [OPT_X] = {"x", 0, "KEY", NULL, "the last axis that trains no model",
               "study figures: the axis along x"},
    [OPT_CURVES] = {"curves", 0, "KEY", NULL, "the first other axis",
                    "study figures, one file: one curve per value of this axis"},
    [OPT_AT] = {"at", 0, "KEY=VALUE", NULL, "each axis at its first value",
                "study figures: hold axis KEY at VALUE (or KEY=#I, index I); repeatable"},
    [OPT_HEATMAP] = {"heatmap", 0, "KEY,KEY", NULL, "the --x and --curves axes",
                     "study figures, one file: the axes of the heatmap (x, then y)"},
    [OPT_VOTES] = {"votes", 0, "K", NULL, "none: the mean over repeats",
                   "study figures: the accuracy of the majority of K votes"},
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
    .args = "FILE.h5 [FILE.h5 ...]",
    .summary = "Draws the figures of a sweep result file through gnuplot, each as PNG and SVG\n"
               "named after FILE (results/q.h5 gives results/q_acc_vs_sigma.png, ...):\n"
               "  _acc_vs_sigma  accuracy vs sigma_test per sigma_train, 95% CI over repeats\n"
               "  _err_vs_sigma  error rate on a log axis vs sigma_test (paper 001 Fig. 2)\n"
               "  _acc_vs_snr    accuracy vs SNR (dB) per sigma_train\n"
               "  _heatmap       mean accuracy over sigma_train x sigma_test\n"
               "  _acc_vs_votes  accuracy vs votes K per sigma_test, best sigma_train and 0\n"
               "  _acc_vs_energy, _acc_vs_latency  accuracy vs the energy (pipelined latency)\n"
               "                 per inference of K votes, and the front no (sigma_train, K)\n"
               "                 beats; a spiking model's energy is each point's measured\n"
               "                 activity (/sweep/spike_energy)\n"
               "A study (a file whose /study axes are other than sigma_train x sigma_test or\n"
               "t), any of --x, --curves, --at, --heatmap, --votes, or several files give the\n"
               "study figures instead:\n"
               "  _study_acc_vs_axis  accuracy vs --x, one curve per value of --curves\n"
               "  _study_heatmap      accuracy over the two --heatmap axes\n"
               "  _study_acc_vs_snr   accuracy vs measured SNR of every point, per --curves\n"
               "  _study_acc_vs_energy, _study_acc_vs_latency  every point's accuracy vs its\n"
               "                      energy (pipelined latency) per inference, and the front\n"
               "                      of the points no other point beats\n"
               "  _files_acc_vs_snr   several files: accuracy vs measured SNR, a curve each\n"
               "  _files_acc_vs_axis  several files: accuracy vs --x (an axis all have)\n"
               "An attack result (xbar attack -o; several compare models) gives instead:\n"
               "  _attack_acc_vs_eps  accuracy vs eps, a curve per attack, the clean\n"
               "                      accuracy dashed; 95% CI over a device's chips or a\n"
               "                      transfer's repeats at each sigma_test\n"
               "Prints the path of each figure written on stdout.",
    .details = "Figures are written under temporary names and renamed once gnuplot succeeded,\n"
               "so a failed run leaves earlier figures as they were and a successful one\n"
               "replaces them (they are drawn from FILE.h5 and can be drawn again, so no\n"
               "--force is needed, unlike for result files). A figure with nothing to\n"
               "draw yet (no point done, no finite SNR, no voting) is skipped with a note.\n"
               "Axes the study figures do not draw are held at their first value or --at's\n"
               "(an axis held by --at is not taken as the default --x or --curves);\n"
               "with several files --at applies to those that have the key, and figures\n"
               "are named after the first file. Exit status 2 if a FILE.h5 is not a sweep\n"
               "result, a key is no axis, a value is not on its axis, the files share no\n"
               "axis, or DIR cannot be written; 1 if gnuplot is missing or fails. Examples:\n"
               "  xbar plot results/quickstart.h5 -o figures\n"
               "  xbar plot study.h5 --x xbar.adc_bits --curves device.read_noise_scale \\\n"
               "      --at device.t=3600\n"
               "  xbar plot noise.h5 pcm.h5 -o figures\n",
    .opts = plot_opts,
    .n_opts = sizeof plot_opts / sizeof plot_opts[0],
    .config_keys = 0,
    .unused = plot_unused,
};

/* The figures made, on stdout; those skipped, on stderr. */
static int report(struct xb_cli *cli, struct xb_plot_files *files)
{
    for (size_t k = 0; k < files->n; k++)
        printf("%s\n", files->path[k]);
    if (!cli->quiet)
        for (size_t k = 0; k < files->n_skipped; k++)
            fprintf(stderr, "xbar plot: skipped %s\n", files->skipped[k]);
    xb_plot_files_free(files);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(cli->ctx, XB_EIO, "cannot write to stdout");
        return xb_cli_fail(cli, XB_EXIT_FAIL);
    }
    xb_cli_free(cli);
    return XB_EXIT_OK;
}

/* The attack figure of files[n], all attack results (xbar attack -o). */
static int plot_attack(struct xb_cli *cli, char **paths, size_t n,
                       const struct xb_plot_params *params, const char *origin)
{
    struct xb_attack_file *f = xb_calloc(n, sizeof *f);
    struct xb_plot_files files;
    int code = XB_EXIT_USAGE;
    size_t read = 0;
    for (; read < n; read++) {
        if (xb_layout_kind_of_file(paths[read]) != XB_LAYOUT_ATTACK) {
            xb_error(cli->ctx, XB_EINVAL, "%s: not an attack result, but %s is: one figure "
                     "draws attack results (xbar attack -o) alone", paths[read], paths[0]);
            goto done;
        }
        if (xb_attack_file_read(cli->ctx, paths[read], &f[read]) != XB_OK) {
            read++; /* freed below */
            goto done;
        }
    }
    if (xb_plot_check_dir(cli->ctx, paths[0], params, origin) != XB_OK)
        goto done;
    code = XB_EXIT_FAIL;
    if (xb_plot_attack(cli->ctx, f, n, params, &files) != XB_OK)
        goto done;
    code = XB_EXIT_OK;
done:
    for (size_t k = 0; k < read; k++)
        xb_attack_file_free(&f[k]);
    xb_free(f);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(cli, code);
    return report(cli, &files);
}

/* The study figures of files[n]. */
static int plot_study(struct xb_cli *cli, char **paths, size_t n,
                      const struct xb_study_view *view, const struct xb_plot_params *params,
                      const char *origin)
{
    struct xb_study_result *r = xb_calloc(n, sizeof *r);
    struct xb_plot_files files;
    int code = XB_EXIT_USAGE;
    size_t read = 0;
    for (; read < n; read++)
        if (xb_study_read(cli->ctx, paths[read], &r[read]) != XB_OK)
            goto done;
    if (xb_plot_study_check(cli->ctx, r, n, view, NULL) != XB_OK ||
        xb_plot_check_dir(cli->ctx, paths[0], params, origin) != XB_OK)
        goto done;
    code = XB_EXIT_FAIL;
    if (xb_plot_study(cli->ctx, r, n, view, params, &files) != XB_OK)
        goto done;
    code = XB_EXIT_OK;
done:
    for (size_t k = 0; k < read; k++)
        xb_study_result_free(&r[k]);
    xb_free(r);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(cli, code);
    return report(cli, &files);
}

int xb_cmd_plot(int argc, char **argv)
{
    struct xb_cli cli;
    struct xb_sweep_result r;
    struct xb_plot_params params = {NULL, NULL};
    struct xb_plot_files files;
    struct xb_study_view view = {0};
    char origin[sizeof cli.origin] = "";
    const char **at = xb_calloc((size_t)argc + 1, sizeof *at);

    xb_cli_init(&cli, &plot_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        switch (i) {
        case OPT_OUTPUT:
            params.out_dir = cli.arg;
            snprintf(origin, sizeof origin, "%s", cli.origin);
            break;
        case OPT_GNUPLOT: params.gnuplot = cli.arg; break;
        case OPT_X: view.x = cli.arg; break;
        case OPT_CURVES: view.curves = cli.arg; break;
        case OPT_AT: at[view.n_at++] = cli.arg; break;
        case OPT_HEATMAP: view.heatmap = cli.arg; break;
        case OPT_VOTES: {
            char *end;
            errno = 0;
            long k = strtol(cli.arg, &end, 10);
            if (end == cli.arg || *end || errno || k < 1 || k > 1000000) {
                xb_error(cli.ctx, XB_EINVAL, "%s: expected a number of votes K >= 1",
                         cli.origin);
                xb_cli_stop(&cli);
                break;
            }
            view.votes = (int)k;
            break;
        }
        }
    }
    view.at = at;
    int code;
    if (cli.state != XB_CLI_DONE) {
        code = xb_cli_exit(&cli);
        goto out;
    }
    size_t n = argc > cli.optind ? (size_t)(argc - cli.optind) : 0;
    if (n > XB_PLOT_MAX_INPUTS) {
        xb_error(cli.ctx, XB_EINVAL, "%zu result files; expected at most %d in one figure", n,
                 XB_PLOT_MAX_INPUTS);
        code = xb_cli_fail(&cli, XB_EXIT_USAGE);
        goto out;
    }
    int study_opts = view.x || view.curves || view.heatmap || view.n_at || view.votes;
    const char *path = n > 1 ? argv[cli.optind] : xb_cli_result_file(&cli, argc, argv);
    if (!path) {
        code = xb_cli_fail(&cli, XB_EXIT_USAGE);
        goto out;
    }
    if (!origin[0])
        snprintf(origin, sizeof origin, "%s", path);
    if (xb_layout_kind_of_file(path) == XB_LAYOUT_ATTACK) {
        if (study_opts) {
            xb_error(cli.ctx, XB_EINVAL, "%s: an attack result: --x, --curves, --at, "
                     "--heatmap and --votes are for sweeps and studies", path);
            code = xb_cli_fail(&cli, XB_EXIT_USAGE);
        } else {
            char *one[1] = {(char *)path};
            code = plot_attack(&cli, n > 1 ? argv + cli.optind : one, n > 1 ? n : 1, &params,
                               origin);
        }
        goto out;
    }
    if (n == 1 && !study_opts && xb_study_exists(path)) {
        struct xb_study_result s;
        if (xb_study_read(cli.ctx, path, &s) != XB_OK) {
            code = xb_cli_fail(&cli, XB_EXIT_USAGE);
            goto out;
        }
        study_opts = xb_study_is_study(&s);
        xb_study_result_free(&s);
    }
    if (n > 1 || study_opts) {
        code = plot_study(&cli, argv + cli.optind, n, &view, &params, origin);
        goto out;
    }

    /* Bad input: the file and the output directory, before any work. */
    if (xb_sweep_read(cli.ctx, path, &r) != XB_OK) {
        code = xb_cli_fail(&cli, XB_EXIT_USAGE);
        goto out;
    }
    if (xb_plot_check_dir(cli.ctx, path, &params, origin) != XB_OK) {
        xb_sweep_result_free(&r);
        code = xb_cli_fail(&cli, XB_EXIT_USAGE);
        goto out;
    }
    enum xb_status st = xb_plot_sweep(cli.ctx, &r, &params, &files);
    xb_sweep_result_free(&r);
    code = st != XB_OK ? xb_cli_fail(&cli, XB_EXIT_FAIL) : report(&cli, &files);
out:
    xb_free(at);
    return code;
}
