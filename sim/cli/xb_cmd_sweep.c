/*
 * xb_cmd_sweep.c — `xbar sweep CONFIG`: load the data, train one model per
 * sigma_train, evaluate each at every sigma_test with repeats and votes,
 * write the HDF5 file after every unit of work. `xbar run` is the same
 * followed by the plots and the summary table.
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_data.h"
#include "xb_mpi.h"
#include "xb_progress.h"
#include "xb_sweep.h"
#include "xb_sweep_run.h"

enum { OPT_RESUME, OPT_FORCE };

static const struct xb_cli_opt sweep_opts[] = {
    [OPT_RESUME] = {"resume", 0, NULL, NULL, "false",
                    "continue the result file of this config: finished points are kept"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false",
                   "replace an existing result file (a rerun without it is an error)"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_spec sweep_spec = {
    .name = "sweep",
    .args = "CONFIG",
    .summary = "Trains one model per sigma_train and evaluates it at every sigma_test with\n"
               "repeats and majority voting (paper 001), into one HDF5 file.",
    .details = "CONFIG is an experiment file (configs/quickstart.cfg, configs/paper001/).\n"
               "--set GROUP.KEY=VALUE overrides its data.*, model.init, train.*, sweep.*,\n"
               "device.* and xbar.* keys, e.g.\n"
               "  --set train.epochs=3 --set sweep.sigma_test=0,0.5,1 --set model.init=pytorch\n"
               "(model.init: he-uniform, glorot-uniform or pytorch, the initial weights of\n"
               "every dense, conv2d and lstm layer without its own init; models/README.md).\n"
               "With sweep.test = \"device\" every model is programmed onto `repeats` chip\n"
               "instances of the device group's preset and read at each sweep.t (s)\n"
               "(configs/pcm_mlp_mnist.cfg).\n"
               "The file is rewritten crash-safely after every epoch and every evaluated\n"
               "point; an interrupted sweep continues with --resume and ends with the same\n"
               "numbers (a finished file keeps its results; with no file it starts afresh).\n"
               "An existing sweep.output is never replaced silently: without --resume or\n"
               "--force the run stops before any work (exit 2). Results do not depend on\n"
               "--threads. --config FILE and --set device.* / xbar.* need an experiment\n"
               "that uses a device (sweep.test = \"device\" or train.hw_aware = true), and\n"
               "--set sweep.t / sweep.sigma_test the test axis it runs: else exit 2.\n",
    .opts = sweep_opts,
    .n_opts = sizeof sweep_opts / sizeof sweep_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS | XB_CLI_ENERGY_KEYS,
};

int xb_sweep_command(int argc, char **argv, const struct xb_cli_spec *spec, int then_report)
{
    struct xb_cli cli;
    int resume = 0, force = 0;
    xb_cli_init(&cli, spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        resume |= i == OPT_RESUME;
        force |= i == OPT_FORCE;
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1) {
        xb_error(cli.ctx, XB_EINVAL, "expected one experiment file; see 'xbar %s --help'",
                 spec->name);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    struct xb_run_options ro = {.config = argv[cli.optind], .resume = resume, .force = force,
                                .report = then_report, .name = spec->name};
    /* mpirun -np N / srun -n N: the grid spread over the ranks (xb_mpi.h). */
    if (xb_mpi_launched() > 1 && xb_mpi_begin(cli.ctx) != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    int code = xb_run_with_settings(&cli, &ro);
    xb_mpi_end();
    return code;
}

int xb_cmd_sweep(int argc, char **argv) { return xb_sweep_command(argc, argv, &sweep_spec, 0); }

static const struct xb_cli_spec run_spec = {
    .name = "run",
    .args = "CONFIG",
    .summary = "Runs an experiment file: the sweep (as xbar sweep), then its plots and the\n"
               "summary table (as xbar plot and xbar info).",
    .details = "Same options, keys and rules as xbar sweep (see xbar sweep --help); its\n"
               "figures replace those of an earlier run, as xbar plot's do.\n",
    .opts = sweep_opts,
    .n_opts = sizeof sweep_opts / sizeof sweep_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS | XB_CLI_ENERGY_KEYS,
};

int xb_cmd_run(int argc, char **argv) { return xb_sweep_command(argc, argv, &run_spec, 1); }
