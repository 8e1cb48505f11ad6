/*
 * xb_cli.h — what every subcommand shares: option tables, getopt_long, the
 * common options, usage texts and exit codes (CONVENTIONS.md "CLI").
 *
 * A subcommand describes its options in a table; the same table drives
 * getopt_long and the usage text, so every option shows its default.
 * Options that only set a configuration key (`--adc-bits N` is
 * xbar.adc_bits) carry the key and are handled here; the others are handed
 * back to the subcommand one at a time:
 *
 *   struct xb_cli cli;
 *   xb_cli_init(&cli, &spec, argc, argv);
 *   for (int i; (i = xb_cli_next(&cli)) >= 0;)
 *       switch (i) { ... cli.arg is the value ... }
 *   if (cli.state != XB_CLI_DONE)
 *       return xb_cli_exit(&cli);           // --help: 0, an error: 2
 *   ... cli.ctx, cli.settings (config file, then command line) ...
 *   xb_cli_free(&cli);
 *
 * Common options: --seed N, --threads N, --quiet, --config FILE, --set
 * KEY=VALUE (repeatable), --help; a subcommand names those it has no use
 * for (spec->unused), and they are rejected there with the reason.
 *
 * Exit codes: 0 success, 2 usage or bad input (the input named in one line
 * on stderr), 1 a failure while running. This module is part of the
 * front end: xb_cli_usage and xb_cli_exit print, nothing else does.
 */
#ifndef XB_CLI_H
#define XB_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "xb_config.h"
#include "xb_ctx.h"

enum { XB_EXIT_OK = 0, XB_EXIT_FAIL = 1, XB_EXIT_USAGE = 2 };

/* One option of a subcommand. */
struct xb_cli_opt {
    const char *name;  /* long name without "--" */
    int short_name;    /* one-letter alias, or 0 */
    const char *arg;   /* metavariable in usage ("N", "FILE"); NULL for a flag */
    const char *key;   /* configuration key it sets ("xbar.adc_bits"), or NULL; a flag
                          may set a fixed value ("xbar.portable=false") */
    const char *def;   /* default shown in usage; NULL with a key: the key's default */
    const char *help;  /* one line */
};

/* A common option a subcommand has no use for (issue 8: no option is
 * ignored). Using it is a usage error that names the option and gives the
 * reason; the usage text leaves it out. */
struct xb_cli_unused {
    const char *name; /* long name of a common option: "seed", "quiet", "config", ... */
    const char *why;  /* "nothing in it is random" */
};

/* A subcommand, for usage texts. */
/* The key rows a subcommand's usage lists (struct xb_cli_spec.config_keys). */
enum { XB_CLI_ENGINE_KEYS = 1, XB_CLI_EXPERIMENT_KEYS = 2, XB_CLI_ENERGY_KEYS = 4 };

struct xb_cli_spec {
    const char *name;     /* "mvm" */
    const char *args;     /* positional arguments in the synopsis ("[NAME]"), or "" */
    const char *summary;  /* one line */
    const char *details;  /* paragraphs after the options, or NULL */
    const struct xb_cli_opt *opts;
    size_t n_opts;
    int config_keys;      /* XB_CLI_*_KEYS: listed in the usage */
    const struct xb_cli_unused *unused; /* ends with {NULL, NULL}; NULL: none */
};

enum xb_cli_state { XB_CLI_PARSING, XB_CLI_DONE, XB_CLI_HELP, XB_CLI_ERROR };

#define XB_CLI_MAX_OPTS 40

struct xb_cli {
    const struct xb_cli_spec *spec;
    enum xb_cli_state state;
    int argc;
    char **argv;        /* argv[0] is the subcommand name */
    int optind;         /* after XB_CLI_DONE: the first positional argument */
    const char *arg;    /* value of the option xb_cli_next returned */
    char origin[512];   /* "--rows 0": the option and value, for messages */

    /* The context: a default one while parsing (for messages), then one
     * with the parsed seed, threads and log level. */
    struct xb_ctx *ctx;
    uint64_t seed;       /* --seed, default 1, at most 2^63 - 1 */
    int threads;         /* --threads, 0 = the OpenMP runtime's default */
    int quiet;           /* --quiet */
    const char *config;  /* --config FILE, or NULL */
    struct xb_settings settings; /* config file first, then the command line */
    size_t n_config;     /* settings.v[0, n_config) came from the config file */
    char *command_line;  /* "xbar mvm --rows 64 ...", for result files */
};

void xb_cli_init(struct xb_cli *cli, const struct xb_cli_spec *spec, int argc, char **argv);
void xb_cli_free(struct xb_cli *cli);

/* The index of the next option of spec->opts for the subcommand to handle
 * (cli->arg holds its value), or -1 when parsing has stopped: state is then
 * DONE (options consumed, config file read, ctx ready, threads set), HELP
 * or ERROR (message in cli->ctx). */
int xb_cli_next(struct xb_cli *cli);

/* Records an error of the current option, for the subcommand's own checks:
 * "ORIGIN: expected ..." is already the caller's message; this just stops
 * parsing. Returns -1 so that handlers can `return xb_cli_stop(cli)`. */
int xb_cli_stop(struct xb_cli *cli);

/* Parses "RxC" or "N" (--tile) into the keys xbar.tile_rows/tile_cols. */
enum xb_status xb_cli_tile(struct xb_cli *cli, const char *text);

/* The settings of cli as "key=value" texts, as experiment files take them
 * (xb_experiment_read's sets): n = cli->settings.n of them; free with
 * xb_cli_assignments_free. */
char **xb_cli_assignments(const struct xb_cli *cli);
void xb_cli_assignments_free(const struct xb_cli *cli, char **a);

/* Prints the usage of the subcommand to f. */
void xb_cli_usage(const struct xb_cli *cli, FILE *f);

/* Ends the subcommand after parsing stopped: --help prints the usage on
 * stdout and returns 0; an error prints "xbar NAME: message" on stderr and
 * returns 2. Frees cli. */
int xb_cli_exit(struct xb_cli *cli);

/* Prints "xbar NAME: <ctx error>" on stderr, frees cli, returns code. */
int xb_cli_fail(struct xb_cli *cli, int code);

/* For subcommands that read one result file and nothing else (info,
 * plot): the file argument, or NULL after recording a usage error (no
 * file, or extra arguments). */
const char *xb_cli_result_file(struct xb_cli *cli, int argc, char **argv);

/* An existing result file is not replaced unless the user said so
 * (--force; --resume where the file can be continued): XB_EINVAL
 * "ORIGIN: PATH exists; use --resume to continue it or --force to replace
 * it" (without the --resume part if !resumable) if path exists and
 * neither was given; XB_OK otherwise (a directory is left to
 * xb_h5_check_writable). */
enum xb_status xb_cli_check_new(struct xb_ctx *ctx, const char *path, const char *origin,
                                int resumable);

/* The threads OpenMP will use. */
int xb_cli_threads_in_use(void);

#endif
