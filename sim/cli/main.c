/*
 * main.c — `xbar <subcommand> [options]`: the dispatch table and nothing
 * else. Each subcommand parses its own options (xb_cli.h).
 */
#include <stdio.h>
#include <string.h>

#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_mpi.h"
#include "xb_version.h"

struct xb_subcommand {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    int ranks; /* spreads its work over MPI ranks (xb_mpi.h) */
};

static const struct xb_subcommand subcommands[] = {
    {"run", xb_cmd_run, "an experiment file: the sweep, then its plots and summary", 1},
    {"train", xb_cmd_train, "train one model of an experiment file, checkpointed each epoch", 0},
    {"eval", xb_cmd_eval, "evaluate a trained model with votes, per sigma_test or on device chips per t", 0},
    {"snr-req", xb_cmd_snrreq, "the lowest SNR a trained model tolerates for a given accuracy loss", 0},
    {"attack", xb_cmd_attack, "white-box, transfer and query attacks on a trained model: accuracy per eps", 0},
    {"sweep", xb_cmd_sweep, "train per sigma_train, evaluate per sigma_test with votes, to HDF5", 1},
    {"devices", xb_cmd_devices, "list the device presets, or every parameter of one", 0},
    {"mvm", xb_cmd_mvm, "one crossbar matrix-vector product against the ideal GEMM", 0},
    {"energy", xb_cmd_energy, "energy and latency per inference of a model on crossbars", 0},
    {"plot", xb_cmd_plot, "PNG and SVG figures of a sweep, study or attack result (gnuplot)", 0},
    {"report", xb_cmd_report, "one self-contained HTML page of a result: figures, tables, provenance", 0},
    {"info", xb_cmd_info, "provenance of a result file; paper-001 tables of a sweep", 0},
};
#define N_SUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: xbar <subcommand> [options]\n"
               "       xbar help <subcommand> | xbar <subcommand> --help\n"
               "       xbar --version\n\n"
               "xbar simulates analog in-memory computing on memory-cell crossbars.\n\n"
               "subcommands:\n");
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(f, "\nexit status: 0 success, 1 failure while running, 2 usage or bad input\n");
}

static const struct xb_subcommand *find(const char *name)
{
    for (size_t i = 0; i < N_SUBCOMMANDS; i++)
        if (!strcmp(subcommands[i].name, name))
            return &subcommands[i];
    return NULL;
}

static int unknown(const char *name)
{
    char shown[256];
    fprintf(stderr, "xbar: '%s' is not a subcommand; see 'xbar --help'\n",
            xb_text_escape(shown, sizeof shown, name));
    return XB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return XB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return XB_EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        printf("xbar %s (commit %s)\n", xb_version(), xb_git_commit());
        return XB_EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc == 2) {
            usage(stdout);
            return XB_EXIT_OK;
        }
        const struct xb_subcommand *s = find(argv[2]);
        if (!s)
            return unknown(argv[2]);
        char help[] = "--help"; /* getopt may permute argv: writable */
        char *help_argv[] = {argv[2], help, NULL};
        return s->fn(2, help_argv);
    }
    const struct xb_subcommand *s = find(cmd);
    if (!s)
        return unknown(cmd);
    /* N copies of one command would compute the same thing N times and
     * race for its output file. */
    if (xb_mpi_launched() > 1 && !s->ranks) {
        fprintf(stderr, "xbar %s: started as %d ranks by %s, but only xbar sweep and xbar run "
                "spread their work over MPI ranks; run it as one process\n", s->name,
                xb_mpi_launched(), xb_mpi_launcher());
        return XB_EXIT_USAGE;
    }
    return s->fn(argc - 1, argv + 1);
}
