/*
 * xb_cmd_report.c — `xbar report FILE.h5 -o PAGE.html`: the study on one
 * self-contained page (sim/report/xb_html.h).
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_html.h"

enum { OPT_OUTPUT, OPT_GNUPLOT };

static const struct xb_cli_opt report_opts[] = {
    [OPT_OUTPUT] = {"output", 'o', "PAGE.html", NULL, "FILE with .html for .h5",
                    "the page to write (replaced if it exists: it is drawn from FILE.h5)"},
    [OPT_GNUPLOT] = {"gnuplot", 0, "PROGRAM", NULL, "gnuplot", "the gnuplot to run"},
};

static const struct xb_cli_unused report_unused[] = {
    {"seed", "nothing in it is random"},
    {"threads", "gnuplot draws the figures; xbar computes nothing in parallel"},
    {"config", "it takes its settings from FILE.h5"},
    {"set", "it takes its settings from FILE.h5"},
    {NULL, NULL},
};

static const struct xb_cli_spec report_spec = {
    .name = "report",
    .args = "FILE.h5",
    .summary = "Writes one self-contained HTML page of a sweep result: the study in a\n"
               "paragraph, every figure of xbar plot as inline SVG, the accuracy tables\n"
               "(mean +/- 95% interval over repeats, and with K_max votes), paper 001's\n"
               "summary, energy and latency by votes, the resolved configuration and the\n"
               "provenance. A study (axes other than sigma_train x sigma_test or t): its\n"
               "axes, the study figures of xbar plot's default view and one table row per\n"
               "point instead of the two-axis tables. An attack result (xbar attack -o):\n"
               "the accuracy-vs-eps figure and the robustness tables in paper 000's layout\n"
               "(Ori., FGSM, BIM, PGD, MIM, NAttack, DIM, TIM), with the 95% intervals over\n"
               "a device's chips. No script and no outside resource: it reads the same\n"
               "offline. Every number in a table carries its exact value as data-value.",
    .details = "The page is written to a temporary beside it and renamed, so a failed run\n"
               "leaves an earlier page as it was. Exit status 2 if FILE.h5 is not a sweep\n"
               "or attack result or the page cannot be written there; 1 if gnuplot is\n"
               "missing or fails. Examples:\n"
               "  xbar report results/quickstart.h5 -o quickstart.html\n"
               "  xbar report results/attack.h5\n",
    .opts = report_opts,
    .n_opts = sizeof report_opts / sizeof report_opts[0],
    .config_keys = 0,
    .unused = report_unused,
};

/* FILE.h5 -> FILE.html (and FILE -> FILE.html). */
static char *default_page(const char *file)
{
    size_t n = strlen(file);
    if (n > 3 && !strcmp(file + n - 3, ".h5"))
        n -= 3;
    else if (n > 5 && !strcmp(file + n - 5, ".hdf5"))
        n -= 5;
    char *p = xb_malloc(n + 6, 1);
    memcpy(p, file, n);
    memcpy(p + n, ".html", 6);
    return p;
}

int xb_cmd_report(int argc, char **argv)
{
    struct xb_cli cli;
    const char *page = NULL, *gnuplot = NULL;
    char origin[sizeof cli.origin] = "";

    xb_cli_init(&cli, &report_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        switch (i) {
        case OPT_OUTPUT:
            page = cli.arg;
            snprintf(origin, sizeof origin, "%s", cli.origin);
            break;
        case OPT_GNUPLOT: gnuplot = cli.arg; break;
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    const char *file = xb_cli_result_file(&cli, argc, argv);
    if (!file)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    char *made = page ? NULL : default_page(file);
    if (!page) {
        page = made;
        snprintf(origin, sizeof origin, "%s", page);
    }
    int code = XB_EXIT_OK;
    if (xb_html_check(cli.ctx, file, page, origin) != XB_OK)
        code = XB_EXIT_USAGE;
    else if (xb_html_report(cli.ctx, file, page, origin, gnuplot) != XB_OK)
        code = XB_EXIT_FAIL;
    if (code == XB_EXIT_OK && !cli.quiet)
        fprintf(stderr, "xbar report: wrote %s\n", page);
    xb_free(made);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
