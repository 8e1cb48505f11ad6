/*
 * xb_cmd_energy.c — `xbar energy CONFIG [--votes K]`: the energy and
 * latency of one inference of the experiment's model on the crossbars of
 * its device and engine groups, per layer (models/eval/xb_cost.h), then
 * per inference with K votes, pipelined and sequential (paper 001 §2).
 * Nothing is trained, read or drawn: the cost is a function of the shapes,
 * the tiles, the converters and the prices (the energy group).
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_cost.h"
#include "xb_experiment.h"
#include "xb_sweep_run.h"

enum { OPT_VOTES };

static const struct xb_cli_opt energy_opts[] = {
    [OPT_VOTES] = {"votes", 0, "K", NULL, "sweep.votes", "votes per inference"},
};

static const struct xb_cli_unused energy_unused[] = {
    {"seed", "nothing in it is random"},
    {"threads", "it computes nothing in parallel"},
    {"quiet", "it prints no notes on stderr"},
    {NULL, NULL},
};

static const struct xb_cli_spec energy_spec = {
    .name = "energy",
    .args = "CONFIG",
    .summary = "Energy and latency of one inference of the experiment's model on crossbars:\n"
               "per analog layer, then per inference with K votes.",
    .details =
        "Per weighted layer (dense, conv2d, lstm) and read of its matrix: DAC conversions\n"
        "(in x tiles across; b bits cost b x energy.dac_energy), device reads (2 per\n"
        "weight x energy.cell_energy), ADC conversions (out x tiles down; energy.adc_fom x\n"
        "2^bits each, Walden), partial-sum additions across tiles (energy.add_energy);\n"
        "conv2d reads once per output position, lstm once per step. A read takes\n"
        "tau = t_read + ceil(columns / adcs_per_tile) / adc_rate. An ideal converter\n"
        "(xbar.*_bits = 0) is costed at energy.ideal_*_bits. Digital layers are not costed.\n"
        "tiles: tiles down the inputs x across the outputs; dac, adc: the bits costed.\n"
        "K votes cost K inferences; latency pipelined sum(tau_i) + (K-1) max(tau_i),\n"
        "sequential K sum(tau_i): (L + K - 1) tau and K L tau for L equal stages.\n"
        "A spiking layer (lif, conv_lif) reads once per time step, every row driven:\n"
        "its cost at full activity. What it costs at the activity a model really has\n"
        "(only spiking rows driven, 1-bit pulses) needs a run: xbar eval prints it\n"
        "(spike_energy_j) and sweeps record it per point (/sweep/spike_energy).\n"
        "The device and engine come from the file's device and xbar groups, --config and\n"
        "--set xbar.*; the prices from its energy group and --set energy.*. Keys of\n"
        "data, train and sweep (but sweep.votes) are not used: an error (exit 2).\n",
    .opts = energy_opts,
    .n_opts = sizeof energy_opts / sizeof energy_opts[0],
    .config_keys = XB_CLI_ENGINE_KEYS | XB_CLI_ENERGY_KEYS,
    .unused = energy_unused,
};

/* The keys of an experiment file that the cost does not depend on. */
static enum xb_status check_given(struct xb_ctx *ctx, const struct xb_settings *s)
{
    static const char *const unused[] = {"data.", "train.", "sweep.", "model.init"};
    for (size_t i = 0; i < s->n; i++)
        for (size_t u = 0; u < sizeof unused / sizeof *unused; u++)
            if (!strncmp(s->v[i].key, unused[u], strlen(unused[u])) &&
                strcmp(s->v[i].key, "sweep.votes"))
                return xb_error(ctx, XB_EINVAL, "%s: not used by xbar energy: the cost depends "
                                "on the model, the device and engine groups, the energy group "
                                "and the votes only", s->v[i].origin);
    return XB_OK;
}

static void print_cost(const struct xb_experiment *e, const struct xb_cost *c, int votes)
{
    const struct xb_xbar_params *x = &e->device.xbar;
    printf("model: %s\ndevice: %s\ntile: %d x %d\n", e->model_name, x->device.type->name,
           x->tile_rows, x->tile_cols);
    printf("\n%-5s %-8s %13s %6s %7s %4s %4s %12s %12s %12s %12s %12s %11s\n", "layer",
           "kind", "out x in", "reads", "tiles", "dac", "adc", "E_dac/pJ", "E_array/pJ",
           "E_adc/pJ", "E_sum/pJ", "E/pJ", "tau/ns");
    for (size_t i = 0; i < c->n_layers; i++) {
        const struct xb_cost_layer *l = &c->layer[i];
        if (!l->analog) {
            printf("%-5zu %-8s %13s\n", i, l->kind, "digital");
            continue;
        }
        char shape[32] = "-", tiles[24] = "-";
        const double r = (double)l->mvm.reads;
        if (l->analog) {
            snprintf(shape, sizeof shape, "%zu x %zu", l->mvm.out, l->mvm.in);
            snprintf(tiles, sizeof tiles, "%zux%zu", l->read.tiles_in, l->read.tiles_out);
        }
        printf("%-5zu %-8s %13s %6zu %7s %4d %4d %12.6g %12.6g %12.6g %12.6g %12.6g %11.6g\n",
               i, l->kind, shape, l->mvm.reads, tiles, l->read.dac_bits, l->read.adc_bits,
               r * l->read.e_dac * 1e12, r * l->read.e_array * 1e12, r * l->read.e_adc * 1e12,
               r * l->read.e_add * 1e12, l->energy * 1e12, l->tau * 1e9);
    }
    printf("\nanalog_layers: %zu\nenergy_per_inference_j: %.6g\nvotes: %d\n"
           "energy_votes_j: %.6g\nlatency_inference_s: %.6g\nlatency_pipelined_s: %.6g\n"
           "latency_sequential_s: %.6g\n",
           c->stages, xb_cost_energy(c, 1), votes, xb_cost_energy(c, votes),
           xb_cost_latency(c, 1, 1), xb_cost_latency(c, votes, 1),
           xb_cost_latency(c, votes, 0));
    for (size_t i = 0; i < c->n_layers; i++)
        if (c->layer[i].spiking) {
            printf("spiking_layers_at_full_activity: every row driven at every step; the "
                   "measured: xbar eval (spike_energy_j)\n");
            break;
        }
}

static int run_energy(struct xb_cli *cli, const char *config, long votes)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_net *net = NULL;
    int code = XB_EXIT_USAGE;
    char **sets = xb_cli_assignments(cli);
    if (check_given(ctx, &cli->settings) != XB_OK ||
        xb_experiment_read(ctx, config, (const char *const *)sets, cli->settings.n, e) !=
            XB_OK ||
        xb_run_check_study(ctx, e, "energy") != XB_OK ||
        (e->have_device && xb_config_check_used(ctx, &cli->settings, &e->device) != XB_OK) ||
        xb_net_create(ctx, &e->model, 1, &net) != XB_OK)
        goto done;
    struct xb_cost *c = xb_malloc(1, sizeof *c);
    xb_cost_net(c, &e->device.energy, &e->device.xbar, net);
    print_cost(e, c, votes ? (int)votes : e->votes);
    xb_free(c);
    code = fflush(stdout) == 0 ? XB_EXIT_OK : XB_EXIT_FAIL;
    if (code != XB_EXIT_OK)
        xb_error(ctx, XB_EIO, "cannot write to stdout");
done:
    xb_cli_assignments_free(cli, sets);
    xb_net_free(net);
    xb_free(e);
    return code;
}

int xb_cmd_energy(int argc, char **argv)
{
    struct xb_cli cli;
    long votes = 0;
    xb_cli_init(&cli, &energy_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;)
        if (i == OPT_VOTES && xb_config_parse_long(cli.ctx, cli.origin, cli.arg, 1,
                                                   XB_EXP_MAX_REPEATS, &votes) != XB_OK)
            xb_cli_stop(&cli);
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1) {
        xb_error(cli.ctx, XB_EINVAL, "expected one experiment file; see 'xbar energy --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    int code = run_energy(&cli, argv[cli.optind], votes);
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
