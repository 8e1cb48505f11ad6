/*
 * xb_cmd_mvm.c — `xbar mvm`: options in, library calls, `key: value` out.
 * The study itself is sim/study/xb_mvm_study.c.
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_mvm_study.h"

enum { OPT_ROWS, OPT_COLS, OPT_BATCH, OPT_CALIB, OPT_TILE, OPT_WEIGHTS, OPT_INPUTS, OPT_WDIST,
       OPT_XDIST, OPT_OUTPUT, OPT_FORCE };

/* Indices up to OPT_FORCE are handled below; the rest set keys. */
static const struct xb_cli_opt mvm_opts[] = {
    [OPT_ROWS] = {"rows", 0, "N", NULL, "256", "outputs: rows of W (crossbar columns)"},
    [OPT_COLS] = {"cols", 0, "N", NULL, "256", "inputs: columns of W (crossbar rows)"},
    [OPT_BATCH] = {"batch", 0, "N", NULL, "64", "input vectors"},
    [OPT_CALIB] = {"calib-rows", 0, "N", NULL, "1024",
                   "converter ranges from a reference read of the first N input vectors; "
                   "0 = all of them (the best case)"},
    [OPT_TILE] = {"tile", 0, "RxC|N", NULL, "256x256",
                  "tile of R inputs x C outputs (xbar.tile_rows, tile_cols)"},
    [OPT_WEIGHTS] = {"weights", 0, "FILE[:/DSET]", NULL, "random",
                     "W from HDF5, dataset /W [out x in]"},
    [OPT_INPUTS] = {"inputs", 0, "FILE[:/DSET]", NULL, "random",
                    "X from HDF5, dataset /X [batch x in]"},
    [OPT_WDIST] = {"weight-dist", 0, "D", NULL, "uniform",
                   "random W: uniform on (-1, 1) | normal"},
    [OPT_XDIST] = {"input-dist", 0, "D", NULL, "uniform",
                   "random X: uniform on (-1, 1) | normal"},
    [OPT_OUTPUT] = {"output", 'o', "FILE.h5", NULL, "none",
                    "write W, X, Y_ideal, Y and the figures (HDF5)"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false", "-o may replace an existing FILE.h5"},
    {"device", 0, "NAME", "device.type", NULL, "device preset (xbar devices)"},
    {"adc-bits", 0, "N", "xbar.adc_bits", NULL, "ADC resolution, 0 = ideal"},
    {"dac-bits", 0, "N", "xbar.dac_bits", NULL, "DAC resolution, 0 = ideal"},
    {"adc-range", 0, "R", "xbar.adc_range", NULL,
     "ADC full scale: max | pNN | a number (normalised units)"},
    {"t", 0, "SECONDS", "xbar.t", NULL, "read time after programming"},
    {"drift-comp", 0, NULL, "xbar.drift_comp", NULL, "global drift compensation"},
    {"noise", 0, "KIND", "xbar.noise", NULL, "abstract output noise: none | add | mult"},
    {"sigma", 0, "S", "xbar.sigma", NULL, "its std (relative for mult)"},
    {"native", 0, NULL, "xbar.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_spec mvm_spec = {
    .name = "mvm",
    .args = "",
    .summary = "Programs a weight matrix onto a simulated crossbar, reads it t seconds later\n"
               "and measures the product against the ideal float32 GEMM. Prints one\n"
               "'key: value' line per figure on stdout.",
    .details = "Random W and X come from the seed (streams WEIGHTS and INPUTS): the same seed\n"
               "gives the same matrices and the same output for any --threads.\n"
               "Precedence: defaults < --config < command line (in order; later wins).\n"
               "A setting that would change nothing is an error (exit 2): --noise add|mult\n"
               "without --sigma > 0, --sigma with --noise none, --adc-range with an ideal\n"
               "ADC (--adc-bits 0), dac_signed = false with --dac-bits 0, --weight-dist with\n"
               "--weights, --input-dist with --inputs, -o onto an existing file without\n"
               "--force, --force without -o. Not errors: a value made moot by a later option\n"
               "(--config reram.cfg --adc-bits 0: an ideal ADC, the file's range goes with\n"
               "it); --t and --drift-comp on a device that neither drifts nor relaxes (ideal,\n"
               "generic with nu = 0) read the same as at t = 0 and print drift_scale;\n"
               "--seed and --instance with nothing random (files for W and X, the ideal\n"
               "device, no noise) change nothing.\n"
               "Examples:\n"
               "  xbar mvm --device pcm --t 3600 --adc-bits 6 --drift-comp\n"
               "  xbar mvm --config configs/devices/pcm_1h.cfg -o results/pcm.h5\n"
               "  xbar mvm --weights results/pcm.h5 --inputs results/pcm.h5 --device reram\n",
    .opts = mvm_opts,
    .n_opts = sizeof mvm_opts / sizeof mvm_opts[0],
    .config_keys = XB_CLI_ENGINE_KEYS,
};

static enum xb_status count_opt(struct xb_cli *cli, long min, size_t *out)
{
    long v;
    enum xb_status st = xb_config_parse_long(cli->ctx, cli->origin, cli->arg, min,
                                             XB_MVM_MAX_DIM, &v);
    if (st == XB_OK)
        *out = (size_t)v;
    return st;
}

static enum xb_status size_opt(struct xb_cli *cli, size_t *out) { return count_opt(cli, 1, out); }

static enum xb_status dist_opt(struct xb_cli *cli, enum xb_mvm_dist *out)
{
    int d = xb_mvm_dist_parse(cli->arg);
    if (d < 0)
        return xb_error(cli->ctx, XB_EINVAL, "%s: expected uniform or normal", cli->origin);
    *out = (enum xb_mvm_dist)d;
    return XB_OK;
}

static enum xb_status calib_unused(struct xb_ctx *ctx, const char *given)
{
    return xb_error(ctx, XB_EINVAL, "%s: not used by xbar mvm with a fixed ADC range and a "
                    "fixed DAC range (nothing is calibrated)", given);
}

int xb_cmd_mvm(int argc, char **argv)
{
    struct xb_cli cli;
    struct xb_mvm_study s = {.calib_rows = XB_MVM_DEFAULT_CALIB_ROWS};
    struct xb_mvm_result r;
    struct xb_figure figs[XB_MVM_MAX_FIGURES];
    const char *out = NULL;
    char origin[sizeof cli.origin], value[128], wdist[sizeof cli.origin] = "",
         xdist[sizeof cli.origin] = "", force[sizeof cli.origin] = "",
         calib[sizeof cli.origin] = "";
    float *W = NULL, *X = NULL;

    xb_cli_init(&cli, &mvm_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        enum xb_status st = XB_OK;
        switch (i) {
        case OPT_ROWS: st = size_opt(&cli, &s.rows); break;
        case OPT_COLS: st = size_opt(&cli, &s.cols); break;
        case OPT_BATCH: st = size_opt(&cli, &s.batch); break;
        case OPT_CALIB:
            st = count_opt(&cli, 0, &s.calib_rows);
            snprintf(calib, sizeof calib, "%s", cli.origin);
            break;
        case OPT_TILE: st = xb_cli_tile(&cli, cli.arg); break;
        case OPT_WEIGHTS: s.weights = cli.arg; break;
        case OPT_INPUTS: s.inputs = cli.arg; break;
        case OPT_WDIST:
            st = dist_opt(&cli, &s.wdist);
            snprintf(wdist, sizeof wdist, "%s", cli.origin);
            break;
        case OPT_XDIST:
            st = dist_opt(&cli, &s.xdist);
            snprintf(xdist, sizeof xdist, "%s", cli.origin);
            break;
        case OPT_OUTPUT: out = cli.arg; snprintf(origin, sizeof origin, "%s", cli.origin); break;
        case OPT_FORCE: snprintf(force, sizeof force, "%s", cli.origin); break;
        }
        if (st != XB_OK)
            xb_cli_stop(&cli);
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind < argc) {
        xb_error(cli.ctx, XB_EINVAL, "%s: unexpected argument; see 'xbar mvm --help'",
                 argv[cli.optind]);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    /* Options the others make pointless (issue 8: none is ignored). */
    const struct { const char *given; int pointless; const char *why; } combos[] = {
        {wdist, s.weights != NULL, "--weights (W comes from the file)"},
        {xdist, s.inputs != NULL, "--inputs (X comes from the file)"},
        {force, out == NULL, "no -o FILE.h5 to replace"},
    };
    for (size_t k = 0; k < sizeof combos / sizeof combos[0]; k++) {
        if (combos[k].given[0] && combos[k].pointless) {
            xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar mvm with %s", combos[k].given,
                     combos[k].why);
            return xb_cli_fail(&cli, XB_EXIT_USAGE);
        }
    }
    /* The prices of the energy model: a --config file may carry them for
     * xbar energy (they go into /config), the command line is this run's. */
    for (size_t i = cli.n_config; i < cli.settings.n; i++)
        if (!strncmp(cli.settings.v[i].key, "energy.", 7)) {
            xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar mvm: a price of the energy model "
                     "(xbar energy costs a model)", cli.settings.v[i].origin);
            return xb_cli_fail(&cli, XB_EXIT_USAGE);
        }

    /* Bad input: everything is checked before any work is done. */
    xb_config_default(&s.cfg);
    if (xb_config_resolve(cli.ctx, &cli.settings, &s.cfg) != XB_OK ||
        xb_config_check_used(cli.ctx, &cli.settings, &s.cfg) != XB_OK ||
        (calib[0] && !xb_mvm_calibrates(&s) && calib_unused(cli.ctx, calib) != XB_OK) ||
        (out && xb_h5_check_writable(cli.ctx, out, origin) != XB_OK) ||
        (out && !force[0] && xb_cli_check_new(cli.ctx, out, origin, 0) != XB_OK) ||
        xb_mvm_load(cli.ctx, &s, &W, &X) != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);

    if (xb_mvm_run(cli.ctx, &s, W, X, &r) != XB_OK)
        goto fail;
    size_t n = xb_mvm_figures(&s, cli.seed, &r, figs);
    for (size_t i = 0; i < n; i++) {
        xb_figure_format(&figs[i], value, sizeof value);
        printf("%s: %s\n", figs[i].name, value);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(cli.ctx, XB_EIO, "cannot write the results to stdout");
        goto fail_result;
    }
    if (out) {
        struct xb_h5_meta meta = {cli.command_line, cli.seed, xb_cli_threads_in_use(),
                                  &s.files, s.cfg.xbar.gemm == XB_GEMM_PORTABLE};
        if (xb_mvm_write(cli.ctx, out, &meta, &s, W, X, &r) != XB_OK)
            goto fail_result;
        if (!cli.quiet)
            fprintf(stderr, "xbar mvm: wrote %s\n", out);
    }
    xb_mvm_result_free(&r);
    xb_free(W);
    xb_free(X);
    xb_data_files_free(&s.files);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
fail_result:
    xb_mvm_result_free(&r);
fail:
    xb_free(W);
    xb_free(X);
    xb_data_files_free(&s.files);
    return xb_cli_fail(&cli, XB_EXIT_FAIL);
}
