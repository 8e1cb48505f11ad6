/*
 * xb_cmd_eval.c — `xbar eval CONFIG --model MODEL.h5`: a trained model
 * (xbar train, or point N of a sweep file) evaluated on the experiment's
 * test set, without retraining, at each sigma_test with R repeats (mean,
 * standard deviation, 95 % confidence interval) and majority voting over K
 * votes — or, with a device, on R chip instances read at each t with K
 * votes (xb_eval_chips, the device sweep's own evaluation: the same model,
 * seed and settings give the sweep's numbers bit for bit). Prints one block
 * of `key: value` lines per test point, with the measured SNR of the chip
 * and of each analog layer (models/eval/xb_snr.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_config.h"
#include "xb_cost.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_snr.h"
#include "xb_sweep_run.h"
#include "xb_train.h"

enum { OPT_MODEL, OPT_POINT, OPT_OUTPUT, OPT_FORCE };

static const struct xb_cli_opt eval_opts[] = {
    [OPT_MODEL] = {"model", 0, "MODEL.h5", NULL, "required",
                   "a file written by xbar train or xbar sweep"},
    [OPT_POINT] = {"point", 0, "N", NULL, "0", "which model of the file (sigma_train index)"},
    [OPT_OUTPUT] = {"output", 'o', "FILE.h5", NULL, "none",
                    "also write every number printed to HDF5 (sim/README.md, xbar eval -o)"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false", "-o may replace an existing FILE.h5"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_unused eval_unused[] = {
    {"quiet", "it prints no notes on stderr"},
    {NULL, NULL},
};

static const struct xb_cli_spec eval_spec = {
    .name = "eval",
    .args = "CONFIG",
    .summary = "Evaluates a trained model on the experiment's test set, without retraining:\n"
               "at every sigma_test, or on chips of a device at every read time t, with\n"
               "repeats and majority voting.",
    .details = "The experiment file gives the model, the data, sweep.sigma_test,\n"
               "sweep.repeats and sweep.votes (--set overrides them, e.g.\n"
               "--set sweep.sigma_test=0,0.5,1).\n"
               "On a device — the experiment's sweep.test = \"device\", or a device given\n"
               "here with --config FILE (configs/devices/*.cfg) or --set device.* / xbar.* —\n"
               "the model is programmed onto sweep.repeats chip instances, their converters\n"
               "calibrated on training inputs, aged to each read time and read sweep.votes\n"
               "times, as xbar sweep does with sweep.test = \"device\" (same numbers). Read\n"
               "times: xbar.t or sweep.t given here (not both), else the experiment's\n"
               "sweep.t, else xbar.t. Each point prints the measured SNR of the chip\n"
               "(snr_db_measured: every analog layer's output against its ideal output,\n"
               "pooled) and of each analog layer (layer_snr_db, positions in snr_layers).\n"
               "A spiking model also prints, per lif layer, its measured activity\n"
               "(spike_layer_L: spikes per neuron per step, input rows driven per step,\n"
               "and per inference accumulates, multiply-accumulates and the ANN's\n"
               "multiply-accumulates) and spike_energy_j: the energy per inference of that\n"
               "activity on the crossbars (only spiking rows driven), as paper 002 eqs.\n"
               "7-8's digital SNN (energy.ac_energy, energy.mac_energy) and as an ANN.\n"
               "Keys evaluation does not use are an error (exit 2): train.*, model.init,\n"
               "sweep.sigma_train, sweep.output; on a device sweep.sigma_test and\n"
               "sweep.noise; without one sweep.t and data.validation (which chooses the\n"
               "calibration inputs on a device).\n"
               "-o FILE.h5 writes every printed number, per point, into /eval (sim/README.md),\n"
               "crash-safely; an existing FILE.h5 is replaced only with --force. The model\n"
               "file may also be a network trained elsewhere (Keras weights, or xbar's layout\n"
               "written by another program: sim/README.md \"Importing trained networks\").\n",
    .opts = eval_opts,
    .n_opts = sizeof eval_opts / sizeof eval_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS,
    .unused = eval_unused,
};

/* Prints "NAME: v0 v1 ..." of n values with %.4f (inf, nan as such). */
static void print_list(const char *name, const double *v, size_t n)
{
    printf("%s:", name);
    for (size_t i = 0; i < n; i++)
        printf(" %.4f", v[i]);
    printf("\n");
}

static void print_snr(const struct xb_snr *m)
{
    double layer[XB_NET_MAX_LAYERS];
    for (size_t l = 0; l < m->n; l++)
        layer[l] = xb_snr_layer_db(m, l);
    printf("snr_db_measured: %.4f\n", xb_snr_net_db(m));
    print_list("layer_snr_db", layer, m->n);
    if (!m->n_tiles)
        return;
    double tile[XB_SNR_MAX_TILES];
    printf("tile_layers:");
    for (size_t t = 0; t < m->n_tiles; t++) {
        tile[t] = xb_snr_tile_db(m, t);
        printf(" %u", (unsigned)m->tile_layer[t]);
    }
    printf("\n");
    print_list("tile_snr_db", tile, m->n_tiles);
}

/* A spiking net's activity (a->n >= 1) and the energy it costs (models/eval/
 * xb_activity.h): "spike_LAYER: figures" lines, then the energies. */
static void print_activity(const struct xb_activity *a, const double energy[3])
{
    for (size_t i = 0; i < a->n; i++) {
        double f[XB_ACTIVITY_FIGURES];
        xb_activity_figures(a, i, f);
        printf("spike_layer_%zu: rate %.6f in_rate %.6f ac %.6g mac %.6g ann_mac %.6g\n",
               a->layer[i].layer, f[0], f[1], f[2], f[3], f[4]);
    }
    printf("spike_energy_j: crossbar %.6g digital_snn %.6g digital_ann %.6g\n", energy[0],
           energy[1], energy[2]);
}

static void print_accuracy(const double *acc, int repeats, const double *vote, int votes)
{
    struct xb_ci ci;
    xb_ci_mean(acc, (size_t)repeats, 1, 0.95, &ci);
    printf("accuracy_mean: %.6f\naccuracy_sd: %.6f\naccuracy_ci95_half: %.6f\n", ci.mean, ci.sd,
           ci.half);
    printf("accuracy_vote_k%d: %.6f\n", votes, vote[votes - 1]);
}

/* What -o asks for, and the numbers of every point for it. */
struct eval_out {
    const char *path, *origin;
    int force;
    size_t n;                      /* points evaluated so far */
    double *x, *acc, *vote, *snr;  /* [points], [points x R], [points x K], [points] */
    double *layer, *tile;          /* [points x layers], [points x tiles] */
    int32_t layer_at[XB_NET_MAX_LAYERS], tile_at[XB_SNR_MAX_TILES];
    size_t n_layers, n_tiles;
    double *spike, *spike_energy;  /* [points x spiking x 5], [points x 3] */
    int32_t spike_at[XB_NET_MAX_LAYERS];
    size_t n_spiking;
};

static void out_alloc(struct eval_out *o, size_t points, int repeats, int votes)
{
    o->x = xb_malloc(points, sizeof *o->x);
    o->acc = xb_malloc(points * (size_t)repeats, sizeof *o->acc);
    o->vote = xb_malloc(points * (size_t)votes, sizeof *o->vote);
    o->snr = xb_malloc(points, sizeof *o->snr);
    o->layer = xb_malloc(points * XB_NET_MAX_LAYERS, sizeof *o->layer);
    o->tile = xb_malloc(points * XB_SNR_MAX_TILES, sizeof *o->tile);
    o->spike = xb_malloc(points * XB_NET_MAX_LAYERS * XB_ACTIVITY_FIGURES, sizeof *o->spike);
    o->spike_energy = xb_malloc(points * 3, sizeof *o->spike_energy);
}

static void out_free(struct eval_out *o)
{
    xb_free(o->x), xb_free(o->acc), xb_free(o->vote), xb_free(o->snr);
    xb_free(o->layer), xb_free(o->tile);
    xb_free(o->spike), xb_free(o->spike_energy);
}

/* Keeps point j's numbers (x its sigma_test or t) for the file. */
static void out_keep(struct eval_out *o, const struct xb_snr *m, const struct xb_activity *a,
                     const double energy[3], double x, const double *acc, int repeats,
                     const double *vote, int votes)
{
    size_t j = o->n;
    o->n_spiking = a->n;
    for (size_t i = 0; i < a->n; i++) {
        xb_activity_figures(a, i, o->spike + (j * a->n + i) * XB_ACTIVITY_FIGURES);
        o->spike_at[i] = (int32_t)a->layer[i].layer;
    }
    memcpy(o->spike_energy + j * 3, energy, 3 * sizeof *energy);
    o->n++;
    o->x[j] = x;
    memcpy(o->acc + j * (size_t)repeats, acc, (size_t)repeats * sizeof *acc);
    memcpy(o->vote + j * (size_t)votes, vote, (size_t)votes * sizeof *vote);
    o->snr[j] = xb_snr_net_db(m);
    o->n_layers = m->n;
    o->n_tiles = m->n_tiles;
    for (size_t l = 0; l < m->n; l++) {
        o->layer[j * m->n + l] = xb_snr_layer_db(m, l);
        o->layer_at[l] = (int32_t)m->layer[l];
    }
    for (size_t t = 0; t < m->n_tiles; t++) {
        o->tile[j * m->n_tiles + t] = xb_snr_tile_db(m, t);
        o->tile_at[t] = (int32_t)m->tile_layer[t];
    }
}

static enum xb_status out_write(struct xb_ctx *ctx, struct xb_cli *cli, const struct eval_out *o,
                                const struct xb_experiment *e, const struct xb_dataset *test,
                                const char *model, long point)
{
    struct xb_h5_file *f;
    enum xb_status st = xb_run_result_open(ctx, cli, o->path, e, &test->files, XB_DS_EVAL,
                                           model, point, &f);
    if (st)
        return st;
    const int add = !e->test_device && e->noise == XB_NOISE_ADD;
    const size_t n1[1] = {o->n}, nr[2] = {o->n, (size_t)e->repeats},
                 nk[2] = {o->n, (size_t)e->votes}, nl1[1] = {o->n_layers},
                 nl[2] = {o->n, o->n_layers}, nt1[1] = {o->n_tiles}, nt[2] = {o->n, o->n_tiles};
    st = xb_layout_write(ctx, f, e->test_device ? XB_DS_EVAL_T : XB_DS_EVAL_SIGMA, 0, o->x, n1,
                         add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_ACCURACY, 0, o->acc, nr, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_ACCURACY_VOTE, 0, o->vote, nk, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_SNR, 0, o->snr, n1, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_SNR_LAYERS, 0, o->layer_at, nl1, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_LAYER_SNR, 0, o->layer, nl, 0);
    if (!st && o->n_tiles)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_TILE_LAYERS, 0, o->tile_at, nt1, 0);
    if (!st && o->n_tiles)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_TILE_SNR, 0, o->tile, nt, 0);
    const size_t ns1[1] = {o->n_spiking}, ns[3] = {o->n, o->n_spiking, XB_ACTIVITY_FIGURES},
                 ne[2] = {o->n, 3};
    if (!st && o->n_spiking)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_SPIKE_LAYERS, 0, o->spike_at, ns1, 0);
    if (!st && o->n_spiking)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_SPIKE_ACTIVITY, 0, o->spike, ns, 0);
    if (!st && o->n_spiking)
        st = xb_layout_write(ctx, f, XB_DS_EVAL_SPIKE_ENERGY, 0, o->spike_energy, ne, 0);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_EVAL, 0, "mode",
                                  e->test_device ? e->device.xbar.device.type->name
                                                 : xb_noise_kind_name(e->noise));
    return xb_run_result_close(ctx, f, st);
}

static int run_eval(struct xb_cli *cli, const char *config, const char *model, long point,
                    struct eval_out *out)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_net *net = NULL;
    double *acc = NULL, *vote = NULL;
    int code = XB_EXIT_USAGE;
    char **sets = xb_cli_assignments(cli);
    if (xb_experiment_read(ctx, config, (const char *const *)sets, cli->settings.n, e) != XB_OK ||
        xb_run_choose_device(ctx, &cli->settings, e, "eval", "evaluates on chips") != XB_OK ||
        xb_run_check_given(ctx, e, XB_RUN_EVAL, "eval", 0, &cli->settings) != XB_OK)
        goto done;
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK ||
        xb_net_create(ctx, &e->model, e->eval_rows, &net) != XB_OK)
        goto done;
    if (xb_run_load_model(ctx, model, point, &e->model, net) != XB_OK)
        goto done;
    if (out->path && (xb_h5_check_writable(ctx, out->path, out->origin) != XB_OK ||
                      (!out->force && xb_cli_check_new(ctx, out->path, out->origin, 0))))
        goto done;
    code = XB_EXIT_FAIL;
    if (out->path)
        out_alloc(out, e->test_device ? e->n_t : e->n_test, e->repeats, e->votes);
    acc = xb_malloc((size_t)e->repeats, sizeof *acc);
    vote = xb_malloc((size_t)e->votes, sizeof *vote);
    printf("model: %s\npoint: %ld\ndataset: %s\ntest_samples: %zu\nrepeats: %d\nvotes: %d\n",
           model, point, e->dataset, test->n, e->repeats, e->votes);
    if (e->test_device)
        printf("device: %s\n", e->device.xbar.device.type->name);
    else
        printf("noise: %s\n", xb_noise_kind_name(e->noise));
    printf("gemm: %s\n", xb_gemm_impl_name(e->model.gemm));
    struct xb_snr snr;
    xb_snr_init(&snr, net, e->test_device);
    printf("snr_layers:");
    for (size_t l = 0; l < snr.n; l++)
        printf(" %u", (unsigned)snr.layer[l]);
    printf("\n");
    struct xb_xbar_params xp;
    if (e->test_device)
        xb_config_xbar_params(&e->device, &xp);
    struct xb_activity act;
    for (size_t j = 0; j < (e->test_device ? e->n_t : e->n_test); j++) {
        xb_snr_init(&snr, net, e->test_device);
        xb_activity_init(&act, net);
        if (e->test_device) {
            /* The device sweep's evaluation (sim/study/xb_sweep.c): calibrated on
             * the training split, which data.validation carves as there. */
            const struct xb_chip_eval_params cp = {.xbar = &xp, .t = e->t_test[j],
                                                   .instances = e->repeats,
                                                   .votes = e->votes, .cal_X = train->x,
                                                   .cal_n = train->n, .snr = &snr,
                                                   .activity = &act};
            if (xb_eval_chips(ctx, net, &cp, test->x, test->y, test->n, acc, vote) != XB_OK)
                goto done;
            printf("\nt: %.17g\n", e->t_test[j]);
        } else {
            struct xb_eval_params ep = {.repeats = e->repeats, .votes = e->votes,
                                        .noise = e->noise, .sigma = e->sigma_test[j],
                                        .snr = &snr, .activity = &act};
            if (xb_eval_run(ctx, net, &ep, test->x, test->y, test->n, acc, vote) != XB_OK)
                goto done;
            printf("\nsigma_test: %.17g\n", e->sigma_test[j]);
            if (e->noise == XB_NOISE_MULT)
                printf("snr_db: %.4f\n", xb_snr_db_mult(e->sigma_test[j]));
        }
        print_snr(&snr);
        print_accuracy(acc, e->repeats, vote, e->votes);
        double energy[3] = {NAN, NAN, NAN};
        if (act.n) {
            xb_cost_spiking(&e->device.energy, &e->device.xbar, net, &act, energy);
            print_activity(&act, energy);
        }
        if (out->path)
            out_keep(out, &snr, &act, energy, e->test_device ? e->t_test[j] : e->sigma_test[j],
                     acc, e->repeats, vote, e->votes);
    }
    if (out->path && out_write(ctx, cli, out, e, test, model, point) != XB_OK)
        goto done;
    code = fflush(stdout) == 0 ? XB_EXIT_OK : XB_EXIT_FAIL;
done:
    xb_cli_assignments_free(cli, sets);
    xb_free(acc), xb_free(vote);
    out_free(out);
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
    struct eval_out out = {0};
    char origin[sizeof cli.origin] = "", force[sizeof cli.origin] = "";
    xb_cli_init(&cli, &eval_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        if (i == OPT_MODEL) {
            model = cli.arg;
        } else if (i == OPT_POINT) {
            if (xb_config_parse_long(cli.ctx, cli.origin, cli.arg, 0, 63, &point) != XB_OK)
                xb_cli_stop(&cli);
        } else if (i == OPT_OUTPUT) {
            out.path = cli.arg;
            snprintf(origin, sizeof origin, "%s", cli.origin);
        } else if (i == OPT_FORCE) {
            out.force = 1;
            snprintf(force, sizeof force, "%s", cli.origin);
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1 || !model) {
        xb_error(cli.ctx, XB_EINVAL, "expected an experiment file and --model MODEL.h5; see "
                 "'xbar eval --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if (out.force && !out.path) {
        xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar eval with no -o FILE.h5 to replace",
                 force);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    out.origin = origin;
    int code = run_eval(&cli, argv[cli.optind], model, point, &out);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
