/*
 * xb_cmd_eval.c — `xbar eval CONFIG --model MODEL.h5`: a trained model
 * (xbar train, or point N of a sweep file) evaluated on the experiment's
 * test set at each sigma_test, with R repeats (mean, standard deviation,
 * 95 % confidence interval) and majority voting over K votes. Prints one
 * block of `key: value` lines per sigma_test.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_config.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_layout.h"
#include "xb_sweep_run.h"

enum { OPT_MODEL, OPT_POINT };

static const struct xb_cli_opt eval_opts[] = {
    [OPT_MODEL] = {"model", 0, "MODEL.h5", NULL, "required",
                   "a file written by xbar train or xbar sweep"},
    [OPT_POINT] = {"point", 0, "N", NULL, "0", "which model of the file (sigma_train index)"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_unused eval_unused[] = {
    {"quiet", "it prints no notes on stderr"},
    {"config", XB_RUN_EVAL_NO_DEVICE},
    {NULL, NULL},
};

static const struct xb_cli_spec eval_spec = {
    .name = "eval",
    .args = "CONFIG",
    .summary = "Evaluates a trained model on the experiment's test set at every sigma_test\n"
               "with repeats and majority voting.",
    .details = "The experiment file gives the model, the data, sweep.sigma_test,\n"
               "sweep.repeats and sweep.votes (--set overrides them, e.g.\n"
               "--set sweep.sigma_test=0,0.5,1). Noise mode only: evaluating a model on a\n"
               "device is not supported yet (xbar sweep does it with sweep.test = \"device\"),\n"
               "so --config and --set device.* / xbar.* are an error (exit 2), as are keys\n"
               "evaluation does not use (train.*, model.init, data.validation,\n"
               "sweep.sigma_train, sweep.output, sweep.t).\n",
    .opts = eval_opts,
    .n_opts = sizeof eval_opts / sizeof eval_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS,
    .unused = eval_unused,
};

static int run_eval(struct xb_cli *cli, const char *config, const char *model, long point)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_net *net = NULL;
    double *acc = NULL, *vote = NULL;
    int code = XB_EXIT_USAGE;
    char **sets = xb_run_sets(&cli->settings);
    if (xb_experiment_read(ctx, config, (const char *const *)sets, cli->settings.n, e) != XB_OK ||
        xb_run_check_given(ctx, e, XB_RUN_EVAL, "eval", 0, &cli->settings) != XB_OK)
        goto done;
    if (e->test_device) {
        xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\": evaluation on programmed chips "
                 "runs in xbar sweep", config);
        goto done;
    }
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK ||
        xb_net_create(ctx, &e->model, e->eval_rows, &net) != XB_OK)
        goto done;
    if (xb_run_load_model(ctx, model, point, net) != XB_OK)
        goto done;
    code = XB_EXIT_FAIL;
    acc = xb_malloc((size_t)e->repeats, sizeof *acc);
    vote = xb_malloc((size_t)e->votes, sizeof *vote);
    printf("model: %s\npoint: %ld\ndataset: %s\ntest_samples: %zu\nrepeats: %d\nvotes: %d\n"
           "noise: %s\ngemm: %s\n", model, point, e->dataset, test->n, e->repeats, e->votes,
           xb_noise_kind_name(e->noise), xb_gemm_impl_name(e->model.gemm));
    for (size_t j = 0; j < e->n_test; j++) {
        struct xb_eval_params ep = {.repeats = e->repeats, .votes = e->votes,
                                    .noise = e->noise, .sigma = e->sigma_test[j]};
        if (xb_eval_run(ctx, net, &ep, test->x, test->y, test->n, acc, vote) != XB_OK)
            goto done;
        struct xb_ci ci;
        xb_ci_mean(acc, (size_t)e->repeats, 1, 0.95, &ci);
        printf("\nsigma_test: %.17g\n", e->sigma_test[j]);
        if (e->noise == XB_NOISE_MULT)
            printf("snr_db: %.4f\n", xb_snr_db_mult(e->sigma_test[j]));
        printf("accuracy_mean: %.6f\naccuracy_sd: %.6f\naccuracy_ci95_half: %.6f\n", ci.mean,
               ci.sd, ci.half);
        printf("accuracy_vote_k%d: %.6f\n", e->votes, vote[e->votes - 1]);
    }
    code = fflush(stdout) == 0 ? XB_EXIT_OK : XB_EXIT_FAIL;
done:
    xb_run_sets_free(sets, cli->settings.n);
    xb_free(acc), xb_free(vote);
    xb_net_free(net);
    xb_dataset_free(train), xb_dataset_free(val), xb_dataset_free(test);
    xb_free(e);
    return code;
}

int xb_cmd_eval(int argc, char **argv)
{
    struct xb_cli cli;
    const char *model = NULL;
    long point = 0;
    xb_cli_init(&cli, &eval_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        if (i == OPT_MODEL)
            model = cli.arg;
        else if (i == OPT_POINT &&
                 xb_config_parse_long(cli.ctx, cli.origin, cli.arg, 0, 63, &point) != XB_OK)
            xb_cli_stop(&cli);
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1 || !model) {
        xb_error(cli.ctx, XB_EINVAL, "expected an experiment file and --model MODEL.h5; see "
                 "'xbar eval --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    int code = run_eval(&cli, argv[cli.optind], model, point);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
