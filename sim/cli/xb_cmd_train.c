/*
 * xb_cmd_train.c — `xbar train CONFIG -o MODEL.h5`: one model of an
 * experiment file, trained with noise injected at one sigma_train (the
 * file's first, or --sigma), checkpointed every epoch into MODEL.h5
 * (crash-safe; --resume continues it). The sweep machinery with one point
 * and no test axis.
 */
#include <stdio.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_config.h"
#include "xb_sweep_run.h"

enum { OPT_RESUME, OPT_FORCE, OPT_SIGMA, OPT_OUTPUT };

static const struct xb_cli_opt train_opts[] = {
    [OPT_RESUME] = {"resume", 0, NULL, NULL, "false", "continue MODEL.h5 from its last epoch"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false",
                   "replace an existing MODEL.h5 (a rerun without it is an error)"},
    [OPT_SIGMA] = {"sigma", 0, "S", NULL, "the first sweep.sigma_train",
                   "noise std injected in training (sweep.noise's kind)"},
    [OPT_OUTPUT] = {"output", 'o', "MODEL.h5", NULL, "required",
                    "the model: parameters, learning curves, optimiser state"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_spec train_spec = {
    .name = "train",
    .args = "CONFIG",
    .summary = "Trains one model of an experiment file with noise injected (paper 001),\n"
               "or hardware-aware (train.hw_aware), and writes it to MODEL.h5.",
    .details = "The parameters are /models/0/params (flat, in layer order), the curves\n"
               "/train/0/loss and /train/0/val_accuracy. 'xbar eval CONFIG --model MODEL.h5'\n"
               "evaluates it. --set GROUP.KEY=VALUE overrides the file's keys; keys that\n"
               "training does not use (sweep.sigma_test, sweep.repeats, sweep.t, sweep.test,\n"
               "sweep.output; sweep.sigma_train with --sigma; device.* and xbar.* and\n"
               "--config without train.hw_aware) are an error (exit 2).\n"
               "An existing MODEL.h5 is never replaced silently: without --resume or\n"
               "--force the run stops before any work (exit 2).\n",
    .opts = train_opts,
    .n_opts = sizeof train_opts / sizeof train_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS,
};

int xb_cmd_train(int argc, char **argv)
{
    struct xb_cli cli;
    struct xb_run_options ro = {.name = "train", .train_only = 1};
    xb_cli_init(&cli, &train_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        if (i == OPT_RESUME)
            ro.resume = 1;
        else if (i == OPT_FORCE)
            ro.force = 1;
        else if (i == OPT_OUTPUT)
            ro.output = cli.arg;
        else if (i == OPT_SIGMA) {
            ro.has_sigma = 1;
            if (xb_config_parse_double(cli.ctx, cli.origin, cli.arg, 0.0, 1e6, &ro.sigma))
                xb_cli_stop(&cli);
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1 || !ro.output) {
        xb_error(cli.ctx, XB_EINVAL, "expected an experiment file and -o MODEL.h5 (--output); "
                 "see 'xbar train --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    ro.config = argv[cli.optind];
    return xb_run_with_settings(&cli, &ro);
}
