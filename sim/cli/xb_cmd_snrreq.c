/*
 * xb_cmd_snrreq.c — `xbar snr-req CONFIG --model MODEL.h5`: the SNR
 * requirement of each model of MODEL.h5 (or of --point N) for K = 1 and
 * the vote counts asked, and the dB that voting and noise-injected
 * training buy (sim/study/xb_snrreq.h). Prints a few `key: value` lines and
 * a table; -o writes them to HDF5.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_layout.h"
#include "xb_snrreq.h"
#include "xb_sweep_run.h"

enum { OPT_MODEL, OPT_POINT, OPT_LOSS, OPT_VOTES, OPT_OUTPUT, OPT_FORCE };

#define MAX_VOTE_COUNTS 16

static const struct xb_cli_opt snrreq_opts[] = {
    [OPT_MODEL] = {"model", 0, "MODEL.h5", NULL, "required",
                   "a file written by xbar train or xbar sweep"},
    [OPT_POINT] = {"point", 0, "N", NULL, "every model",
                   "only model N of the file (sigma_train index)"},
    [OPT_LOSS] = {"loss", 0, "POINTS", NULL, "1",
                  "accuracy loss allowed, in percentage points below the noiseless accuracy"},
    [OPT_VOTES] = {"votes", 0, "K[,K...]", NULL, "sweep.votes",
                   "vote counts to solve for besides K = 1, increasing, each >= 2"},
    [OPT_OUTPUT] = {"output", 'o', "FILE.h5", NULL, "none", "write the answers (HDF5)"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false", "-o may replace an existing FILE.h5"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_unused snrreq_unused[] = {
    {"config", "the SNR requirement is of the abstract noise of sweep.noise, not of a device"},
    {NULL, NULL},
};

static const struct xb_cli_spec snrreq_spec = {
    .name = "snr-req",
    .args = "CONFIG",
    .summary = "The SNR requirement of a trained model: the largest noise std sigma (lowest\n"
               "SNR) at which its mean test accuracy stays within --loss points of its\n"
               "noiseless accuracy, with a confidence interval, for K = 1 and K votes, and\n"
               "the dB that voting and noise-injected training buy.",
    .details = "The experiment file gives the model, the data, sweep.noise (mult: SNR =\n"
               "-20 log10 sigma; add: 10 log10(P / sigma^2), P measured), sweep.repeats\n"
               "(R >= 2: the interval) and sweep.votes; --set overrides them. Every sigma\n"
               "reuses the same noise draws, so accuracy(sigma) is a deterministic step\n"
               "function: the answer is bracketed by doubling sigma, then narrowed by GSL's\n"
               "Brent solver to 0.01 dB, and the 95 % interval comes from solving the\n"
               "interval's lower and upper accuracy curves the same way. Each sigma costs\n"
               "R x K inferences per test sample. 'votes buy' is the SNR at K = 1 minus at\n"
               "K; 'training+votes buy' is that of the sigma_train = 0 model at K = 1\n"
               "minus this one's (when MODEL.h5 holds that model). Noise mode only:\n"
               "--config and device.*, xbar.* are an error, as are keys it does not use\n"
               "(train.*, sweep.sigma_train, sweep.sigma_test, sweep.output, sweep.t,\n"
               "model.init, data.validation), --force without -o and --votes with\n"
               "--set sweep.votes. Examples:\n"
               "  xbar snr-req configs/quickstart.cfg --model results/quickstart.h5\n"
               "  xbar snr-req configs/quickstart.cfg --model results/quickstart.h5 --point 0 \\\n"
               "      --loss 0.5 --votes 5,20 -o results/quickstart_snrreq.h5\n",
    .opts = snrreq_opts,
    .n_opts = sizeof snrreq_opts / sizeof snrreq_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS,
    .unused = snrreq_unused,
};

struct request {
    const char *config, *model, *out;
    long point;           /* -1: every model */
    double loss;          /* fraction */
    int votes[MAX_VOTE_COUNTS];
    size_t n_votes;       /* 0: 1 and sweep.votes */
    char out_origin[512];
    char force[512];      /* the --force given, or "" */
    char votes_origin[512]; /* the --votes given, or "" */
};

/* "5,20" into r->votes after the K = 1 slot: increasing, each in [2, max]. */
static enum xb_status parse_votes(struct xb_cli *cli, struct request *r)
{
    char buf[512], item[600];
    snprintf(buf, sizeof buf, "%s", cli->arg);
    r->votes[0] = 1;
    r->n_votes = 1;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long k;
        snprintf(item, sizeof item, "%s (%s)", cli->origin, t);
        if (xb_config_parse_long(cli->ctx, item, t, 2, XB_EXP_MAX_REPEATS, &k) != XB_OK)
            return XB_EINVAL;
        if (r->n_votes == MAX_VOTE_COUNTS || k <= r->votes[r->n_votes - 1])
            return xb_error(cli->ctx, XB_EINVAL, "%s: expected at most %d increasing vote "
                            "counts >= 2", cli->origin, MAX_VOTE_COUNTS - 1);
        r->votes[r->n_votes++] = (int)k;
    }
    if (r->n_votes == 1)
        return xb_error(cli->ctx, XB_EINVAL, "%s: expected vote counts K >= 2", cli->origin);
    return XB_OK;
}

/* The sigma_train of every model of the model file. */
static enum xb_status model_points(struct xb_ctx *ctx, const char *model, double **sigma,
                                   size_t *n)
{
    int rank;
    size_t dims[8];
    void *data = NULL;
    enum xb_status st = xb_h5_read_array(ctx, model, xb_layout_row(XB_DS_SIGMA_TRAIN)->path,
                                         XB_H5_F64, &data, &rank, dims);
    if (st == XB_ENOTFOUND)
        return xb_error(ctx, st, "--model %s: no %s: not a file of xbar train or xbar sweep",
                        model, xb_layout_row(XB_DS_SIGMA_TRAIN)->path);
    if (st) { /* say which option named the file */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
        return xb_error(ctx, st, "--model: %s", msg);
    }
    if (rank != 1 || dims[0] < 1 || dims[0] > XB_EXP_MAX_GRID) {
        xb_free(data);
        return xb_error(ctx, XB_EFORMAT, "--model %s: %s: expected 1 to %d values", model,
                        xb_layout_row(XB_DS_SIGMA_TRAIN)->path, XB_EXP_MAX_GRID);
    }
    *sigma = data;
    *n = dims[0];
    return XB_OK;
}

static void print_value(double v, const char *fmt, int width)
{
    char buf[64];
    if (isnan(v))
        snprintf(buf, sizeof buf, "-");
    else if (isinf(v))
        snprintf(buf, sizeof buf, "%s", v > 0 ? "inf" : "-inf");
    else
        snprintf(buf, sizeof buf, fmt, v);
    printf("%*s", width, buf);
}

/* "est [low, high]" in a column. */
static void print_interval(const double v[3], const char *fmt)
{
    char a[32], b[32], c[32], cell[112];
    const double *x[3] = {&v[XB_SNRREQ_MEAN], &v[XB_SNRREQ_LOW], &v[XB_SNRREQ_HIGH]};
    char *out[3] = {a, b, c};
    for (int k = 0; k < 3; k++) {
        if (isnan(*x[k]))
            snprintf(out[k], 32, "-");
        else if (isinf(*x[k]))
            snprintf(out[k], 32, "%s", *x[k] > 0 ? "inf" : "-inf");
        else
            snprintf(out[k], 32, fmt, *x[k]);
    }
    snprintf(cell, sizeof cell, "%s [%s, %s]", a, b, c);
    printf("  %-26s", cell);
}

static void print_table(const struct xb_snrreq_report *r)
{
    printf("\n%11s %5s %9s %8s  %-26s  %-26s  %-26s  %-26s %5s\n", "sigma_train", "K",
           "noiseless", "target", "sigma [interval]", "SNR dB [interval]",
           "votes buy dB", "training+votes buy dB", "evals");
    for (size_t m = 0; m < r->n_models; m++)
        for (size_t k = 0; k < r->n_votes; k++) {
            const struct xb_snrreq_answer *a = &r->answers[m * r->n_votes + k];
            print_value(r->sigma_train[m], "%.4g", 11);
            printf(" %5d", a->votes);
            print_value(100 * r->accuracy0[m], "%.2f%%", 10);
            print_value(100 * r->target[m], "%.2f%%", 9);
            const double sigma[3] = {a->sigma[XB_SNRREQ_MEAN], a->sigma[XB_SNRREQ_LOW],
                                     a->sigma[XB_SNRREQ_HIGH]};
            print_interval(sigma, "%.4g");
            print_interval(a->snr_db, "%.2f");
            print_interval(r->gain_vote + 3 * (m * r->n_votes + k), "%.2f");
            print_interval(r->gain + 3 * (m * r->n_votes + k), "%.2f");
            printf(" %5d\n", a->evaluations);
        }
    if (r->noise == XB_NOISE_ADD) { /* what turns each model's sigma into its SNR */
        printf("\n");
        for (size_t m = 0; m < r->n_models; m++)
            printf("signal_power: %.6g (sigma_train %g)\n", r->signal_power[m],
                   r->sigma_train[m]);
    }
}

/* Solves every model and K into the report's arrays. */
static int solve_all(struct xb_cli *cli, const struct xb_experiment *e, struct xb_net *net,
                     const struct xb_dataset *test, const struct request *q,
                     struct xb_snrreq_report *r, struct xb_snrreq_answer *ans)
{
    struct xb_ctx *ctx = cli->ctx;
    const struct xb_snrreq_params sp = {.noise = e->noise, .loss = q->loss,
                                        .repeats = e->repeats, .level = r->level};
    double *acc0 = (double *)r->accuracy0, *target = (double *)r->target,
           *power = (double *)r->signal_power;
    for (size_t m = 0; m < r->n_models; m++) {
        enum xb_status st = xb_layout_read(ctx, q->model, XB_DS_PARAMS, (size_t)r->point[m],
                                           xb_net_params(net), xb_net_n_params(net), 1,
                                           "the parameters of the experiment file's model");
        struct xb_snrreq *s = NULL;
        if (st == XB_ENOTFOUND)
            xb_error(ctx, st, "--model %s: model %d (sigma_train %g) has no parameters: not "
                     "trained yet (xbar sweep --resume finishes it)", q->model, r->point[m],
                     r->sigma_train[m]);
        if (st)
            return XB_EXIT_USAGE;
        if (xb_snrreq_create(ctx, net, &sp, test->x, test->y, test->n, &s) != XB_OK)
            return XB_EXIT_FAIL;
        acc0[m] = xb_snrreq_accuracy0(s);
        target[m] = xb_snrreq_target(s);
        power[m] = xb_snrreq_signal_power(s);
        for (size_t k = 0; k < r->n_votes; k++) {
            if (xb_snrreq_solve(ctx, s, r->votes[k], &ans[m * r->n_votes + k]) != XB_OK) {
                xb_snrreq_free(s);
                return XB_EXIT_FAIL;
            }
            if (!cli->quiet)
                fprintf(stderr, "xbar snr-req: sigma_train %g, K = %d: %d sigmas evaluated\n",
                        r->sigma_train[m], r->votes[k], ans[m * r->n_votes + k].evaluations);
        }
        xb_snrreq_free(s);
    }
    /* Gains against K = 1 of the same model and of the sigma_train = 0 one. */
    const struct xb_snrreq_answer *base = NULL;
    for (size_t m = 0; m < r->n_models && !base; m++)
        if (r->sigma_train[m] == 0)
            base = &ans[m * r->n_votes];
    double *gv = (double *)r->gain_vote, *g = (double *)r->gain;
    for (size_t m = 0; m < r->n_models; m++)
        for (size_t k = 0; k < r->n_votes; k++) {
            size_t i = m * r->n_votes + k;
            xb_snrreq_gain(&ans[m * r->n_votes], &ans[i], gv + 3 * i);
            if (base)
                xb_snrreq_gain(base, &ans[i], g + 3 * i);
            else
                g[3 * i] = g[3 * i + 1] = g[3 * i + 2] = (double)NAN;
        }
    return XB_EXIT_OK;
}

static int run(struct xb_cli *cli, struct request *q)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_net *net = NULL;
    struct xb_data_files files = {0};
    double *sigma_file = NULL, *buf = NULL;
    int *point = NULL;
    struct xb_snrreq_answer *ans = NULL;
    char *config = NULL;
    int code = XB_EXIT_USAGE;
    size_t n_file = 0;
    char **sets = xb_cli_assignments(cli);
    if (xb_experiment_read(ctx, q->config, (const char *const *)sets, cli->settings.n, e) !=
            XB_OK ||
        xb_run_check_given(ctx, e, XB_RUN_SNRREQ, "snr-req", 0, &cli->settings) != XB_OK)
        goto done;
    if (e->test_device) {
        xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\": the SNR requirement is of the "
                 "abstract noise of sweep.noise", q->config);
        goto done;
    }
    if (e->repeats < 2) {
        const char *origin = q->config; /* the file, unless --set gave it */
        for (size_t k = 0; k < cli->settings.n; k++)
            if (!strcmp(cli->settings.v[k].key, "sweep.repeats"))
                origin = cli->settings.v[k].origin;
        xb_error(ctx, XB_EINVAL, "%s: sweep.repeats = %d: the interval on the answer needs at "
                 "least 2 repeats", origin, e->repeats);
        goto done;
    }
    if (!q->n_votes) {
        q->votes[0] = 1, q->votes[1] = e->votes;
        q->n_votes = e->votes > 1 ? 2 : 1;
    }
    for (size_t k = 0; k < q->n_votes; k++)
        if ((size_t)q->votes[k] > e->eval_rows) {
            xb_error(ctx, XB_EINVAL, "%s: K = %d votes do not fit sweep.eval_rows = %zu rows "
                     "per pass (%s)", q->votes_origin[0] ? q->votes_origin : "sweep.votes",
                     q->votes[k], e->eval_rows, q->config);
            goto done;
        }
    if (q->out && (xb_h5_check_writable(ctx, q->out, q->out_origin) != XB_OK ||
                   (!q->force[0] && xb_cli_check_new(ctx, q->out, q->out_origin, 0))))
        goto done;
    if (model_points(ctx, q->model, &sigma_file, &n_file) != XB_OK)
        goto done;
    if (q->point >= (long)n_file) {
        xb_error(ctx, XB_EINVAL, "--point %ld: %s holds models 0 .. %zu", q->point, q->model,
                 n_file - 1);
        goto done;
    }
    const size_t NM = q->point >= 0 ? 1 : n_file, NK = q->n_votes;
    point = xb_malloc(NM, sizeof *point);
    buf = xb_malloc(4 * NM + 6 * NM * NK, sizeof *buf);
    ans = xb_calloc(NM * NK, sizeof *ans);
    struct xb_snrreq_report r = {
        .model = q->model, .dataset = e->dataset, .noise = e->noise, .loss = q->loss,
        .level = 0.95, .n_models = NM, .n_votes = NK, .point = point, .sigma_train = buf,
        .accuracy0 = buf + NM, .target = buf + 2 * NM, .signal_power = buf + 3 * NM,
        .votes = q->votes, .answers = ans, .gain_vote = buf + 4 * NM,
        .gain = buf + 4 * NM + 3 * NM * NK};
    for (size_t m = 0; m < NM; m++) {
        point[m] = q->point >= 0 ? (int)q->point : (int)m;
        buf[m] = sigma_file[point[m]];
    }
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK ||
        xb_net_create(ctx, &e->model, e->eval_rows, &net) != XB_OK)
        goto done;
    printf("model: %s\ndataset: %s\ntest_samples: %zu\nnoise: %s\nloss: %g (percentage "
           "points below the noiseless accuracy)\nrepeats: %d (%g %% intervals)\ngemm: %s\n", q->model,
           e->dataset, test->n, xb_noise_kind_name(e->noise), 100 * q->loss, e->repeats,
           100 * r.level, xb_gemm_impl_name(e->model.gemm));
    code = solve_all(cli, e, net, test, q, &r, ans);
    if (code != XB_EXIT_OK)
        goto done;
    code = XB_EXIT_FAIL;
    print_table(&r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(ctx, XB_EIO, "cannot write the table to stdout");
        goto done;
    }
    if (q->out) {
        xb_data_files_merge(&files, &train->files);
        xb_data_files_merge(&files, &val->files);
        xb_data_files_merge(&files, &test->files);
        config = xb_experiment_text(e);
        r.config = config;
        struct xb_h5_meta meta = {cli->command_line, cli->seed, xb_cli_threads_in_use(),
                                  &files, e->portable};
        if (xb_snrreq_write(ctx, q->out, &meta, &r) != XB_OK)
            goto done;
        if (!cli->quiet)
            fprintf(stderr, "xbar snr-req: wrote %s\n", q->out);
    }
    code = XB_EXIT_OK;
done:
    xb_cli_assignments_free(cli, sets);
    xb_free(sigma_file), xb_free(buf), xb_free(point);
    xb_free(ans), xb_free(config);
    xb_data_files_free(&files);
    xb_net_free(net);
    xb_dataset_free(train), xb_dataset_free(val), xb_dataset_free(test);
    xb_free(e);
    return code;
}

int xb_cmd_snrreq(int argc, char **argv)
{
    struct xb_cli cli;
    struct request q = {.point = -1, .loss = 0.01};
    xb_cli_init(&cli, &snrreq_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        enum xb_status st = XB_OK;
        double pp;
        switch (i) {
        case OPT_MODEL: q.model = cli.arg; break;
        case OPT_POINT:
            st = xb_config_parse_long(cli.ctx, cli.origin, cli.arg, 0, XB_EXP_MAX_GRID - 1,
                                      &q.point);
            break;
        case OPT_LOSS:
            st = xb_config_parse_double(cli.ctx, cli.origin, cli.arg, 0, 100, &pp);
            if (!st && !(pp > 0 && pp < 100))
                st = xb_error(cli.ctx, XB_ERANGE, "%s: expected points in (0, 100)",
                              cli.origin);
            q.loss = pp / 100;
            break;
        case OPT_VOTES:
            st = parse_votes(&cli, &q);
            snprintf(q.votes_origin, sizeof q.votes_origin, "%s", cli.origin);
            break;
        case OPT_OUTPUT:
            q.out = cli.arg;
            snprintf(q.out_origin, sizeof q.out_origin, "%s", cli.origin);
            break;
        case OPT_FORCE: snprintf(q.force, sizeof q.force, "%s", cli.origin); break;
        }
        if (st != XB_OK)
            xb_cli_stop(&cli);
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1 || !q.model) {
        xb_error(cli.ctx, XB_EINVAL, "expected an experiment file and --model MODEL.h5; see "
                 "'xbar snr-req --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if (q.force[0] && !q.out) {
        xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar snr-req with no -o FILE.h5 to "
                 "replace", q.force);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    for (size_t k = 0; q.n_votes && k < cli.settings.n; k++)
        if (!strcmp(cli.settings.v[k].key, "sweep.votes")) {
            xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar snr-req: --votes names the "
                     "vote counts", cli.settings.v[k].origin);
            return xb_cli_fail(&cli, XB_EXIT_USAGE);
        }
    q.config = argv[cli.optind];
    int code = run(&cli, &q);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
