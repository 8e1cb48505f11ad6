/*
 * xb_cmd_info.c — `xbar info FILE.h5`: the provenance of any xbar result
 * file (sim/io/xb_provenance.h) as `key: value` lines and, for a sweep result,
 * the tables of paper 001 (sim/report/xb_summary.c) after it; for an attack
 * result, the robustness table of paper 000 (sim/report/xb_attack_text.h).
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_attack_text.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_export.h"
#include "xb_layout.h"
#include "xb_provenance.h"
#include "xb_study_read.h"
#include "xb_study_text.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"

enum { OPT_SHOW_CONFIG, OPT_DATASETS, OPT_CSV, OPT_JSON };

static const struct xb_cli_opt info_opts[] = {
    [OPT_SHOW_CONFIG] = {"show-config", 0, NULL, NULL, NULL,
                         "also print the resolved config the sweep ran (/config)"},
    [OPT_DATASETS] = {"datasets", 0, NULL, NULL, NULL,
                      "also list every group and dataset of FILE.h5: its type and shape, "
                      "and the units and description of xbar's result layout"},
    [OPT_CSV] = {"csv", 0, NULL, NULL, NULL,
                 "instead, the sweep's or study's tidy rows as CSV: one row per point and "
                 "repeat, a column per axis named KEY [UNITS] (sim/report/xb_export.h)"},
    [OPT_JSON] = {"json", 0, NULL, NULL, NULL,
                  "instead, one JSON document: provenance, config, axes and the same rows"},
};

static const struct xb_cli_unused info_unused[] = {
    {"seed", "nothing in it is random"},
    {"threads", "it computes nothing in parallel"},
    {"quiet", "it prints no notes on stderr"},
    {"config", "it takes its settings from FILE.h5"},
    {"set", "it takes its settings from FILE.h5"},
    {NULL, NULL},
};

static const struct xb_cli_spec info_spec = {
    .name = "info",
    .args = "FILE.h5",
    .summary = "Prints what a result file holds: its provenance as key: value lines (version,\n"
               "commit, seed, threads, command line, BLAS library, version and kernel, CPU,\n"
               "ISA level, compiler, library versions, portable, and the SHA-256 of every\n"
               "data file read) and, for a sweep result (not a model of xbar train), the\n"
               "grid and the tables of paper 001 — accuracy without voting (rows sigma_train\n"
               "= 0, best over sigma_train, the sigma_train that gave it; Tables 2, 3) and\n"
               "with K_max votes (Table 7) — one column per sigma_test, in percent, and for\n"
               "a spiking model the energy per inference at each point's measured activity\n"
               "(nJ; paper 002 eqs. 7-8's digital SNN and ANN beside it); for\n"
               "an attack result (xbar attack -o) the robustness table in the layout of\n"
               "paper 000's Tables 2-3 (Ori., FGSM, BIM, PGD, MIM, NAttack, DIM, TIM),\n"
               "with the 95 % intervals over the chips of a device or the repeats of a\n"
               "transfer's noisy target.",
    .details = "The accuracy of a point is the mean over its repeats; ties for best go to the\n"
               "smaller sigma_train. A sigma_test marked '*' has sigma_train not done yet.\n"
               "Exit status 2 if FILE.h5 is missing or not an xbar result, or a broken sweep\n"
               "result (the file and the dataset are named). --csv and --json write only\n"
               "the export (to stdout; a sweep or study result, not a model of xbar train),\n"
               "and take neither each other nor --show-config or --datasets. Examples:\n"
               "  xbar info results/quickstart.h5\n"
               "  xbar info results/quickstart.h5 --csv > quickstart.csv\n",
    .opts = info_opts,
    .n_opts = sizeof info_opts / sizeof info_opts[0],
    .config_keys = 0,
    .unused = info_unused,
};

/* --csv / --json: the tidy rows of a sweep or study (sim/report/xb_export.h). */
static int export_rows(struct xb_cli *cli, const char *file, int json)
{
    struct xb_provenance prov;
    if (xb_provenance_read(cli->ctx, file, &prov) != XB_OK)
        return xb_cli_fail(cli, XB_EXIT_USAGE);
    if (!xb_layout_exists(file, XB_DS_SWEEP, 0) || xb_sweep_is_model(file)) {
        xb_provenance_free(&prov);
        xb_error(cli->ctx, XB_EINVAL, "%s: %s: not a sweep or study result (a model of xbar "
                 "train, or another command's file); rows are exported for sweeps and studies",
                 json ? "--json" : "--csv", file);
        return xb_cli_fail(cli, XB_EXIT_USAGE);
    }
    struct xb_study_result r;
    char *config = NULL;
    if (xb_study_read(cli->ctx, file, &r) != XB_OK ||
        (json && xb_layout_read_text(cli->ctx, file, XB_DS_CONFIG, &config) != XB_OK)) {
        xb_provenance_free(&prov);
        xb_study_result_free(&r);
        return xb_cli_fail(cli, XB_EXIT_USAGE);
    }
    char *prov_text = xb_provenance_text(&prov, XB_PROVENANCE_FILES_SHOWN);
    enum xb_status st = json ? xb_export_json(cli->ctx, &r, prov_text, config, stdout)
                             : xb_export_csv(cli->ctx, &r, stdout);
    xb_free(prov_text);
    xb_free(config);
    xb_provenance_free(&prov);
    xb_study_result_free(&r);
    if (st != XB_OK)
        return xb_cli_fail(cli, XB_EXIT_FAIL);
    xb_cli_free(cli);
    return XB_EXIT_OK;
}

int xb_cmd_info(int argc, char **argv)
{
    struct xb_cli cli;
    struct xb_sweep_result r;
    int show_config = 0, datasets = 0, csv = 0, json = 0;
    char *listing = NULL;
    char export_origin[sizeof cli.origin] = "", other_origin[sizeof cli.origin] = "";

    xb_cli_init(&cli, &info_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        if (i == OPT_SHOW_CONFIG || i == OPT_DATASETS) {
            show_config |= i == OPT_SHOW_CONFIG;
            datasets |= i == OPT_DATASETS;
            snprintf(other_origin, sizeof other_origin, "%s", cli.origin);
        } else if (i == OPT_CSV || i == OPT_JSON) {
            if (export_origin[0]) {
                xb_error(cli.ctx, XB_EINVAL, "%s: contradicts %s: one export at a time",
                         cli.origin, export_origin);
                xb_cli_stop(&cli);
            }
            csv |= i == OPT_CSV;
            json |= i == OPT_JSON;
            snprintf(export_origin, sizeof export_origin, "%s", cli.origin);
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (export_origin[0] && other_origin[0]) {
        xb_error(cli.ctx, XB_EINVAL, "%s: not used with %s, which writes only the export",
                 other_origin, export_origin);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    const char *file = xb_cli_result_file(&cli, argc, argv);
    if (!file)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    if (csv || json)
        return export_rows(&cli, file, json);
    /* Everything is read before anything is printed. */
    struct xb_provenance prov;
    if (xb_provenance_read(cli.ctx, file, &prov) != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    /* Tables for a sweep; a model of `xbar train` has none. */
    int sweep = xb_layout_exists(file, XB_DS_SWEEP, 0) && !xb_sweep_is_model(file);
    /* A study's axes and points (files made before studies have none). */
    struct xb_study_result study;
    int have_study = sweep && xb_layout_exists(file, XB_DS_STUDY, 0);
    if (have_study && xb_study_read(cli.ctx, file, &study) != XB_OK) {
        xb_provenance_free(&prov);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    /* An attack result: its robustness table (sim/report/xb_attack_text.h). */
    struct xb_attack_file att = {0};
    const int attack = xb_layout_kind_of_file(file) == XB_LAYOUT_ATTACK;
    if (attack && xb_attack_file_read(cli.ctx, file, &att) != XB_OK) {
        xb_attack_file_free(&att);
        if (have_study)
            xb_study_result_free(&study);
        xb_provenance_free(&prov);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if ((sweep && xb_sweep_read(cli.ctx, file, &r) != XB_OK) ||
        (datasets && xb_layout_list(cli.ctx, file, &listing) != XB_OK)) {
        if (sweep)
            xb_sweep_result_free(&r);
        if (have_study)
            xb_study_result_free(&study);
        xb_attack_file_free(&att);
        xb_provenance_free(&prov);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }

    char *text = xb_provenance_text(&prov, XB_PROVENANCE_FILES_SHOWN);
    fputs(text, stdout);
    xb_free(text);
    xb_provenance_free(&prov);
    if (sweep) {
        /* The paper-001 tables are of the two-axis sweep; a study's flat
         * /sweep would repeat its points under one sigma_train. */
        text = have_study && xb_study_is_study(&study) ? xb_study_text(&study)
                                                       : xb_summary_text(&r);
        printf("\n%s", text);
        xb_free(text);
        if (show_config)
            printf("\nconfig (%s)\n%s%s", xb_layout_row(XB_DS_CONFIG)->path, r.config,
                   r.config[0] && r.config[strlen(r.config) - 1] != '\n' ? "\n" : "");
        xb_sweep_result_free(&r);
        if (have_study)
            xb_study_result_free(&study);
    }
    if (attack) {
        text = xb_attack_text(&att);
        fputs(text, stdout);
        xb_free(text);
        xb_attack_file_free(&att);
    }
    if (listing) {
        printf("\ndatasets (path: type [shape]; units; description)\n%s", listing);
        xb_free(listing);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(cli.ctx, XB_EIO, "cannot write the summary to stdout");
        return xb_cli_fail(&cli, XB_EXIT_FAIL);
    }
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
