#include "xb_cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_layer.h"
#include "xb_omp.h"
#include "xb_params.h"

/* getopt_long values: a subcommand option is XB_OPT_BASE + its index; the
 * common options follow. Short options return their letter. */
enum {
    XB_OPT_BASE = 256,
    XB_OPT_SEED = 512,
    XB_OPT_THREADS,
    XB_OPT_QUIET,
    XB_OPT_CONFIG,
    XB_OPT_SET,
    XB_OPT_HELP
};

static const struct xb_cli_opt common_opts[] = {
    {"seed", 0, "N", NULL, "1", "master seed of every random stream"},
    {"threads", 0, "N", NULL, "OMP_NUM_THREADS, else all cores", "OpenMP threads"},
    {"quiet", 'q', NULL, NULL, NULL, "no notes on stderr (results still go to stdout)"},
    {"config", 0, "FILE", NULL, "none", "device and engine config file (configs/devices/*.cfg)"},
    {"set", 0, "KEY=VALUE", NULL, "none", "set a config key; repeatable, later wins"},
    {"help", 'h', NULL, NULL, NULL, "this text"},
};
#define N_COMMON (sizeof common_opts / sizeof common_opts[0])

#define XB_THREADS_MAX 1024

static char *join_command_line(int argc, char **argv)
{
    size_t len = 5; /* "xbar" */
    for (int i = 0; i < argc; i++)
        len += 3 + 4 * strlen(argv[i]); /* worst case: every char a quote */
    char *s = xb_malloc(len, 1), *p = s;
    p += sprintf(p, "xbar");
    for (int i = 0; i < argc; i++) {
        /* Quote what a shell would split, so the line can be rerun. */
        int plain = argv[i][0] != '\0';
        for (const char *c = argv[i]; *c && plain; c++)
            plain = isalnum((unsigned char)*c) || strchr("-_=./:,+%@", *c);
        *p++ = ' ';
        if (plain) {
            p += sprintf(p, "%s", argv[i]);
            continue;
        }
        *p++ = '\'';
        for (const char *c = argv[i]; *c; c++) {
            if (*c == '\'') { /* ' -> '\'' */
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *c;
            }
        }
        *p++ = '\'';
        *p = '\0';
    }
    return s;
}

void xb_cli_init(struct xb_cli *cli, const struct xb_cli_spec *spec, int argc, char **argv)
{
    XB_ASSERT(spec->n_opts <= XB_CLI_MAX_OPTS);
    memset(cli, 0, sizeof *cli);
    cli->spec = spec;
    cli->state = XB_CLI_PARSING;
    cli->argc = argc;
    cli->argv = argv;
    cli->seed = 1;
    cli->ctx = xb_ctx_create(NULL);
    cli->command_line = join_command_line(argc, argv);
}

void xb_cli_free(struct xb_cli *cli)
{
    xb_ctx_free(cli->ctx);
    cli->ctx = NULL;
    xb_settings_free(&cli->settings);
    xb_free(cli->command_line);
    cli->command_line = NULL;
}

int xb_cli_stop(struct xb_cli *cli)
{
    cli->state = XB_CLI_ERROR;
    return -1;
}

/* The option table entry (spec or common) behind a getopt value. */
static const struct xb_cli_opt *opt_of(const struct xb_cli *cli, int val)
{
    if (val >= XB_OPT_BASE && val < XB_OPT_BASE + (int)cli->spec->n_opts)
        return &cli->spec->opts[val - XB_OPT_BASE];
    if (val >= XB_OPT_SEED && val <= XB_OPT_HELP)
        return &common_opts[val - XB_OPT_SEED];
    for (size_t i = 0; i < cli->spec->n_opts; i++)
        if (cli->spec->opts[i].short_name == val)
            return &cli->spec->opts[i];
    for (size_t i = 0; i < N_COMMON; i++)
        if (common_opts[i].short_name == val)
            return &common_opts[i];
    return NULL;
}

/* Seeds stop at 2^63 - 1 so that every output (stdout figures, HDF5
 * int64 datasets) shows them as the same non-negative integer. */
static int parse_seed(const char *text, uint64_t *out)
{
    if (!*text)
        return 0;
    for (const char *c = text; *c; c++)
        if (!isdigit((unsigned char)*c))
            return 0;
    errno = 0;
    unsigned long long v = strtoull(text, NULL, 10);
    if (errno == ERANGE || v > INT64_MAX)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

/* Reports an option getopt rejected. */
static void bad_option(struct xb_cli *cli, int rc)
{
    const char *sub = cli->spec->name;
    if (rc == ':') {
        const struct xb_cli_opt *o = opt_of(cli, optopt);
        if (o && optopt == o->short_name && optopt < 256)
            xb_error(cli->ctx, XB_EINVAL, "-%c: missing value (%s)", optopt, o->arg);
        else
            xb_error(cli->ctx, XB_EINVAL, "--%s: missing value (%s)", o ? o->name : "?",
                     o ? o->arg : "?");
        return;
    }
    if (optopt > 0 && optopt < 256) {
        xb_error(cli->ctx, XB_EINVAL, "-%c: unknown option; see 'xbar %s --help'", optopt, sub);
        return;
    }
    /* A long option: getopt has moved past it. */
    const char *text = cli->argv[optind - 1];
    size_t len = strcspn(text, "=");
    for (size_t i = 0; i < cli->spec->n_opts + N_COMMON; i++) {
        const struct xb_cli_opt *o = i < cli->spec->n_opts ? &cli->spec->opts[i]
                                                           : &common_opts[i - cli->spec->n_opts];
        if (len == strlen(o->name) + 2 && !strncmp(text + 2, o->name, len - 2)) {
            xb_error(cli->ctx, XB_EINVAL, "--%s: takes no value", o->name);
            return;
        }
    }
    xb_error(cli->ctx, XB_EINVAL, "%.*s: unknown or ambiguous option; see 'xbar %s --help'",
             (int)len, text, sub);
}

/* Parsing is over: read the config file and make the real context. */
static void finish(struct xb_cli *cli)
{
    cli->optind = optind;
    if (cli->config) {
        struct xb_settings all = {0};
        if (xb_config_read(cli->ctx, cli->config, &all) != XB_OK) {
            xb_settings_free(&all);
            cli->state = XB_CLI_ERROR;
            return;
        }
        cli->n_config = all.n;
        xb_settings_extend(&all, &cli->settings);
        xb_settings_free(&cli->settings);
        cli->settings = all;
    }
    struct xb_ctx_params p = {
        .seed = cli->seed,
        .threads = cli->threads,
        .log = cli->quiet ? XB_LOG_QUIET : XB_LOG_INFO,
    };
    xb_ctx_free(cli->ctx);
    cli->ctx = xb_ctx_create(&p);
    /* OpenBLAS's OpenMP build follows omp_get_max_threads at every call. */
    if (cli->threads > 0)
        xb_omp_set_threads(cli->threads);
    cli->state = XB_CLI_DONE;
}

/* Handles a common option; 0 when parsing must stop. */
static int common_option(struct xb_cli *cli, int val, const char *arg)
{
    long l;
    switch (val) {
    case XB_OPT_SEED:
        if (!parse_seed(arg, &cli->seed)) {
            xb_error(cli->ctx, XB_EINVAL, "%s: expected an integer in [0, %lld]", cli->origin,
                     (long long)INT64_MAX);
            return 0;
        }
        return 1;
    case XB_OPT_THREADS:
        if (xb_config_parse_long(cli->ctx, cli->origin, arg, 1, XB_THREADS_MAX, &l) != XB_OK)
            return 0;
        cli->threads = (int)l;
        return 1;
    case 'q':
    case XB_OPT_QUIET:
        cli->quiet = 1;
        return 1;
    case XB_OPT_CONFIG:
        cli->config = arg;
        return 1;
    case XB_OPT_SET:
        return xb_settings_add_assignment(cli->ctx, &cli->settings, arg, cli->origin) == XB_OK;
    }
    return 0;
}

#define XB_CLI_AGAIN (-2)

/* Why spec has no use for common option name, or NULL if it has. */
static const char *unused_why(const struct xb_cli_spec *spec, const char *name)
{
    for (const struct xb_cli_unused *u = spec->unused; u && u->name; u++)
        if (!strcmp(u->name, name))
            return u->why;
    return NULL;
}

static int next_option(struct xb_cli *cli, const char *shortopts,
                       const struct option *longopts);

int xb_cli_next(struct xb_cli *cli)
{
    const struct xb_cli_spec *spec = cli->spec;
    struct option longopts[XB_CLI_MAX_OPTS + N_COMMON + 1];
    char shortopts[3 * (XB_CLI_MAX_OPTS + N_COMMON) + 2];
    size_t n = 0, k = 0;

    if (cli->state != XB_CLI_PARSING)
        return -1;
    shortopts[k++] = ':'; /* report a missing value as ':' */
    for (size_t i = 0; i < spec->n_opts + N_COMMON; i++) {
        int common = i >= spec->n_opts;
        const struct xb_cli_opt *o = common ? &common_opts[i - spec->n_opts] : &spec->opts[i];
        longopts[n++] = (struct option){o->name, o->arg ? required_argument : no_argument,
                                        NULL,
                                        common ? XB_OPT_SEED + (int)(i - spec->n_opts)
                                               : XB_OPT_BASE + (int)i};
        if (o->short_name) {
            shortopts[k++] = (char)o->short_name;
            if (o->arg)
                shortopts[k++] = ':';
        }
    }
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    shortopts[k] = '\0';

    if (cli->optind == 0) {
        optind = 0; /* GNU: full reinitialisation */
        opterr = 0; /* our messages, not getopt's */
        cli->optind = 1;
    }
    /* Common options and options that set a key are consumed here. */
    for (;;) {
        int i = next_option(cli, shortopts, longopts);
        if (i != XB_CLI_AGAIN)
            return i;
    }
}

/* One getopt_long step: an option index for the subcommand, -1 when
 * parsing stopped, or XB_CLI_AGAIN after an option handled here. */
static int next_option(struct xb_cli *cli, const char *shortopts,
                       const struct option *longopts)
{
    const struct xb_cli_spec *spec = cli->spec;
    int rc = getopt_long(cli->argc, cli->argv, shortopts, longopts, NULL);
    if (rc == -1) {
        finish(cli);
        return -1;
    }
    if (rc == '?' || rc == ':') {
        bad_option(cli, rc);
        return xb_cli_stop(cli);
    }
    const struct xb_cli_opt *o = opt_of(cli, rc);
    XB_ASSERT(o != NULL);
    cli->arg = optarg;
    if (rc < 256)
        snprintf(cli->origin, sizeof cli->origin, "-%c%s%s", rc, optarg ? " " : "",
                 optarg ? optarg : "");
    else
        snprintf(cli->origin, sizeof cli->origin, "--%s%s%s", o->name, optarg ? " " : "",
                 optarg ? optarg : "");

    int is_common = rc >= XB_OPT_SEED || rc == 'h' || rc == 'q';
    if (is_common && (rc == 'h' || rc == XB_OPT_HELP)) {
        cli->state = XB_CLI_HELP;
        return -1;
    }
    const char *why = is_common ? unused_why(spec, o->name) : NULL;
    if (why) {
        xb_error(cli->ctx, XB_EINVAL, "%s: not used by xbar %s: %s", cli->origin, spec->name,
                 why);
        return xb_cli_stop(cli);
    }
    if (is_common) {
        if (!common_option(cli, rc == 'q' ? XB_OPT_QUIET : rc, optarg))
            return xb_cli_stop(cli);
        return XB_CLI_AGAIN;
    }
    if (o->key) {
        const char *eq = strchr(o->key, '='); /* a flag that sets a fixed value */
        char key[128];
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - o->key) : (int)strlen(o->key), o->key);
        xb_settings_add(&cli->settings, key, eq ? eq + 1 : optarg ? optarg : "true",
                        cli->origin);
        return XB_CLI_AGAIN;
    }
    return (int)(o - spec->opts);
}

enum xb_status xb_cli_tile(struct xb_cli *cli, const char *text)
{
    char rows[64], cols[64];
    const char *x = strchr(text, 'x');
    size_t len = x ? (size_t)(x - text) : strlen(text);
    if (len >= sizeof rows || (x && strlen(x + 1) >= sizeof cols))
        return xb_error(cli->ctx, XB_EINVAL, "%s: expected RxC or N, e.g. 256x256", cli->origin);
    memcpy(rows, text, len);
    rows[len] = '\0';
    snprintf(cols, sizeof cols, "%s", x ? x + 1 : rows);
    long l;
    if (!xb_parse_long(rows, &l) || !xb_parse_long(cols, &l))
        return xb_error(cli->ctx, XB_EINVAL, "%s: expected RxC or N, e.g. 256x256", cli->origin);
    /* Range checks happen with the other keys; the origin names --tile. */
    xb_settings_add(&cli->settings, "xbar.tile_rows", rows, cli->origin);
    xb_settings_add(&cli->settings, "xbar.tile_cols", cols, cli->origin);
    return XB_OK;
}

/* The default of an option, as usage shows it. */
static void option_default(const struct xb_cli_opt *o, const struct xb_config *def, char *buf,
                           size_t size)
{
    buf[0] = '\0';
    if (o->def) {
        snprintf(buf, size, "%s", o->def);
        return;
    }
    if (!o->key)
        return;
    const char *key = o->key;
    if (!strcmp(key, "device.type")) {
        snprintf(buf, size, "%s", def->xbar.device.type->name);
        return;
    }
    if (!strncmp(key, "xbar.", 5))
        key += 5;
    const struct xb_key *k = xb_config_key_find(key);
    if (k)
        xb_key_get(k, def, buf, size);
}

static void print_opt(FILE *f, const struct xb_cli_opt *o, const struct xb_config *def)
{
    char left[64], dflt[128];
    int len;
    if (o->short_name)
        len = snprintf(left, sizeof left, "-%c, --%s", o->short_name, o->name);
    else
        len = snprintf(left, sizeof left, "    --%s", o->name);
    if (o->arg && len > 0 && (size_t)len < sizeof left)
        snprintf(left + len, sizeof left - (size_t)len, " %s", o->arg);
    option_default(o, def, dflt, sizeof dflt);
    fprintf(f, "  %-26s %s", left, o->help);
    if (dflt[0])
        fprintf(f, " (default: %s)", dflt);
    fputc('\n', f);
}

/* One line per row of keys: NAME=DEFAULT (GROUP.NAME when grouped; NAME
 * alone without def), the help, what it takes and its unit; a layer field
 * names the kinds that use it. */
static void print_keys(FILE *f, const struct xb_key *keys, size_t n, const void *def,
                       int grouped)
{
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &keys[i];
        char value[64], expected[160], left[96];
        int unit = k->unit && k->unit[0] && strcmp(k->unit, "1");
        value[0] = '\0';
        if (k->flags & XB_KEY_ALIAS)
            snprintf(value, sizeof value, "=...");
        else if (def) {
            value[0] = '=';
            xb_key_get(k, def, value + 1, sizeof value - 1);
        }
        xb_key_expected(k, expected, sizeof expected);
        snprintf(left, sizeof left, "%s%s%s%s", grouped ? k->group : "", grouped ? "." : "",
                 k->name, value);
        fprintf(f, "  %-26s %s%s%s%s; %s%s%s%s\n", left, !grouped && k->group ? "(" : "",
                !grouped && k->group ? k->group : "", !grouped && k->group ? ") " : "", k->help,
                expected, unit ? " [" : "", unit ? k->unit : "", unit ? "]" : "");
    }
}

char **xb_cli_assignments(const struct xb_cli *cli)
{
    const size_t n = cli->settings.n;
    char **a = xb_malloc(n + 1, sizeof *a);
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(cli->settings.v[k].key) + strlen(cli->settings.v[k].value) + 2;
        a[k] = xb_malloc(len, 1);
        snprintf(a[k], len, "%s=%s", cli->settings.v[k].key, cli->settings.v[k].value);
    }
    return a;
}

void xb_cli_assignments_free(const struct xb_cli *cli, char **a)
{
    for (size_t k = 0; k < cli->settings.n; k++)
        xb_free(a[k]);
    xb_free(a);
}

void xb_cli_usage(const struct xb_cli *cli, FILE *f)
{
    const struct xb_cli_spec *spec = cli->spec;
    struct xb_config def;
    xb_config_default(&def);

    fprintf(f, "usage: xbar %s [options]%s%s\n\n%s\n", spec->name, spec->args[0] ? " " : "",
            spec->args, spec->summary);
    if (spec->n_opts) {
        fprintf(f, "\noptions:\n");
        for (size_t i = 0; i < spec->n_opts; i++)
            print_opt(f, &spec->opts[i], &def);
    }
    fprintf(f, "\ncommon options:\n");
    for (size_t i = 0; i < N_COMMON; i++)
        if (!unused_why(spec, common_opts[i].name))
            print_opt(f, &common_opts[i], &def);
    if (spec->config_keys & XB_CLI_ENGINE_KEYS) {
        size_t n;
        const struct xb_key *keys = xb_config_keys(&n);
        fprintf(f, "\nengine keys (--set KEY=VALUE or xbar.KEY; config group xbar):\n");
        print_keys(f, keys, n, &def, 0);
        fprintf(f, "device keys (--set KEY=VALUE or device.KEY; config group device):\n"
                   "  the parameters 'xbar devices NAME' lists, for the device in use\n");
    }
    if (spec->config_keys & XB_CLI_EXPERIMENT_KEYS) {
        size_t n;
        static struct xb_experiment e; /* the defaults the rows give */
        const struct xb_key *keys = xb_experiment_keys(&n);
        memset(&e, 0, sizeof e);
        xb_key_defaults(keys, n, &e);
        fprintf(f, "\nexperiment keys (--set GROUP.KEY=VALUE; config groups data, model, train, "
                   "sweep):\n");
        print_keys(f, keys, n, &e, 1);
        keys = xb_layer_keys(&n);
        fprintf(f, "layer fields (model.layers = ( { type = \"dense\"; units = 256; }, ... ); "
                   "in brackets the kinds that use a field):\n");
        print_keys(f, keys, n, NULL, 0);
        fprintf(f, "device and engine keys (device.*, xbar.*): see xbar mvm --help\n");
    }
    if (spec->config_keys & XB_CLI_ENERGY_KEYS) {
        size_t n;
        const struct xb_key *keys = xb_energy_keys(&n);
        fprintf(f, "\nenergy keys (--set energy.KEY=VALUE; config group energy):\n");
        print_keys(f, keys, n, &def.energy, 1);
    }
    if (spec->details)
        fprintf(f, "\n%s", spec->details);
}

int xb_cli_exit(struct xb_cli *cli)
{
    if (cli->state == XB_CLI_HELP) {
        xb_cli_usage(cli, stdout);
        xb_cli_free(cli);
        return XB_EXIT_OK;
    }
    return xb_cli_fail(cli, XB_EXIT_USAGE);
}

int xb_cli_fail(struct xb_cli *cli, int code)
{
    const char *msg = xb_ctx_error(cli->ctx);
    fprintf(stderr, "xbar %s: %s\n", cli->spec->name, msg[0] ? msg : "failed");
    xb_cli_free(cli);
    return code;
}

int xb_cli_threads_in_use(void) { return xb_omp_max_threads(); }

const char *xb_cli_result_file(struct xb_cli *cli, int argc, char **argv)
{
    const char *name = cli->spec->name;
    if (cli->optind >= argc) {
        xb_error(cli->ctx, XB_EINVAL, "expected a sweep result FILE.h5; see 'xbar %s --help'",
                 name);
        return NULL;
    }
    if (argc - cli->optind > 1) {
        xb_error(cli->ctx, XB_EINVAL, "%s: unexpected argument; expected one FILE.h5",
                 argv[cli->optind + 1]);
        return NULL;
    }
    return argv[cli->optind];
}

enum xb_status xb_cli_check_new(struct xb_ctx *ctx, const char *path, const char *origin,
                                int resumable)
{
    struct stat sb;
    /* Only a regular file (or a link to one) is a result a rerun would
     * lose; anything else at the path — a directory, a FIFO, a device, a
     * dangling link — is refused by the output check, which names it. */
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return XB_OK;
    return xb_error(ctx, XB_EINVAL, "%s: %s exists; use %s--force to replace it", origin, path,
                    resumable ? "--resume to continue it or " : "");
}
