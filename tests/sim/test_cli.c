/* sim/cli/xb_cli and sim/study/xb_mvm_study: option tables, common options, and the
 * study's reproducibility, without spawning the binary (tests/cli.sh does
 * that). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_mvm_study.h"
#include "xb_rng.h"

enum { OPT_ROWS, OPT_OUT };
static const struct xb_cli_opt opts[] = {
    [OPT_ROWS] = {"rows", 0, "N", NULL, "4", "rows"},
    [OPT_OUT] = {"output", 'o', "FILE", NULL, "none", "output"},
    {"adc-bits", 0, "N", "xbar.adc_bits", NULL, "bits"},
    {"drift-comp", 0, NULL, "xbar.drift_comp", NULL, "flag"},
};
static const struct xb_cli_spec spec = {"test", "[ARG]", "a test", NULL, opts, 4, 1, NULL};

/* Parses a NULL-terminated argv copy; returns the options handed back. */
static int parse(struct xb_cli *cli, char **argv, int *seen)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    xb_cli_init(cli, &spec, argc, argv);
    int n = 0;
    for (int i; (i = xb_cli_next(cli)) >= 0;)
        seen[n++] = i;
    return n;
}

Test(cli, options_keys_and_common)
{
    char a0[] = "test", a1[] = "--rows", a2[] = "7", a3[] = "pos", a4[] = "--adc-bits=6",
         a5[] = "--seed", a6[] = "42", a7[] = "--set", a8[] = "t=3600", a9[] = "-o",
         a10[] = "f.h5", a11[] = "--drift-comp", a12[] = "-q";
    char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, NULL};
    struct xb_cli cli;
    int seen[8];
    int n = parse(&cli, argv, seen);
    cr_assert_eq(cli.state, XB_CLI_DONE, "%s", xb_ctx_error(cli.ctx));
    cr_assert_eq(n, 2);
    cr_assert_eq(seen[0], OPT_ROWS);
    cr_assert_eq(seen[1], OPT_OUT);
    cr_assert_eq(cli.seed, 42);
    cr_assert_eq(xb_ctx_seed(cli.ctx), 42);
    cr_assert_eq(cli.quiet, 1);
    cr_assert_eq(cli.settings.n, 3);
    cr_assert_str_eq(cli.settings.v[0].key, "xbar.adc_bits");
    cr_assert_str_eq(cli.settings.v[0].origin, "--adc-bits 6");
    cr_assert_str_eq(cli.settings.v[1].key, "t");
    cr_assert_str_eq(cli.settings.v[1].origin, "--set t=3600");
    cr_assert_str_eq(cli.settings.v[2].value, "true");
    /* getopt moved the positional argument to the end. */
    cr_assert_eq(cli.optind, 12);
    cr_assert_str_eq(argv[cli.optind], "pos");
    cr_assert(strstr(cli.command_line, "xbar test --rows 7"));
    xb_cli_free(&cli);
}

Test(cli, errors_stop_parsing)
{
    const char *cases[][3] = {
        {"--nosuch", NULL, "--nosuch: unknown"},
        {"--rows", NULL, "--rows: missing value"},
        {"--seed", "x", "--seed x: expected an integer"},
        {"--threads", "0", "--threads 0: expected an integer in [1, 1024]"},
        {"--set", "novalue", "--set novalue: expected key=value"},
        {"--drift-comp=1", NULL, "--drift-comp: takes no value"},
        {"-z", NULL, "-z: unknown option"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char a0[] = "test", a1[64], a2[64];
        snprintf(a1, sizeof a1, "%s", cases[k][0]);
        snprintf(a2, sizeof a2, "%s", cases[k][1] ? cases[k][1] : "");
        char *argv[] = {a0, a1, cases[k][1] ? a2 : NULL, NULL};
        struct xb_cli cli;
        int seen[4];
        parse(&cli, argv, seen);
        cr_assert_eq(cli.state, XB_CLI_ERROR, "case %zu", k);
        cr_assert(strstr(xb_ctx_error(cli.ctx), cases[k][2]), "case %zu: '%s'", k,
                  xb_ctx_error(cli.ctx));
        xb_cli_free(&cli);
    }
}

Test(cli, help)
{
    char a0[] = "test", a1[] = "--rows", a2[] = "3", a3[] = "-h";
    char *argv[] = {a0, a1, a2, a3, NULL};
    struct xb_cli cli;
    int seen[4];
    parse(&cli, argv, seen);
    cr_assert_eq(cli.state, XB_CLI_HELP);
    xb_cli_free(&cli);
}

Test(cli, tile)
{
    char a0[] = "test";
    char *argv[] = {a0, NULL};
    struct xb_cli cli;
    int seen[1];
    parse(&cli, argv, seen);
    cr_assert_eq(xb_cli_tile(&cli, "128x64"), XB_OK);
    cr_assert_eq(xb_cli_tile(&cli, "32"), XB_OK);
    cr_assert_eq(cli.settings.n, 4);
    cr_assert_str_eq(cli.settings.v[1].value, "64");
    cr_assert_str_eq(cli.settings.v[3].value, "32");
    cr_assert_eq(xb_cli_tile(&cli, "axb"), XB_EINVAL);
    cr_assert_eq(xb_cli_tile(&cli, "4x"), XB_EINVAL);
    xb_cli_free(&cli);
}

/* A random matrix depends on the seed and its own rows only. */
Test(mvm, random_matrices_are_addressed)
{
    float a[6 * 5], b[3 * 5], c[6 * 5];
    xb_mvm_random(9, XB_PURPOSE_WEIGHTS, XB_MVM_UNIFORM, 6, 5, a);
    xb_mvm_random(9, XB_PURPOSE_WEIGHTS, XB_MVM_UNIFORM, 3, 5, b);
    cr_assert_arr_eq(a, b, sizeof b, "the first rows of a larger matrix are the smaller");
    for (size_t i = 0; i < 30; i++)
        cr_assert(a[i] > -1.0f && a[i] < 1.0f);
    xb_mvm_random(9, XB_PURPOSE_INPUTS, XB_MVM_UNIFORM, 6, 5, c);
    cr_assert(memcmp(a, c, sizeof a), "purposes give different streams");
    xb_mvm_random(10, XB_PURPOSE_WEIGHTS, XB_MVM_UNIFORM, 6, 5, c);
    cr_assert(memcmp(a, c, sizeof a), "seeds give different streams");
}

static void run_study(struct xb_mvm_study *s, struct xb_mvm_result *r, float **W, float **X)
{
    struct xb_ctx_params p = {.seed = 3, .threads = 0, .log = XB_LOG_QUIET};
    struct xb_ctx *ctx = xb_ctx_create(&p);
    cr_assert_eq(xb_mvm_load(ctx, s, W, X), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_mvm_run(ctx, s, *W, *X, r), XB_OK, "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

Test(mvm, ideal_is_exact_and_mult_noise_matches_model)
{
    struct xb_mvm_study s = {.rows = 200, .cols = 300, .batch = 256};
    struct xb_mvm_result r;
    float *W, *X;
    xb_config_default(&s.cfg);
    run_study(&s, &r, &W, &X);
    cr_assert(isinf(r.snr_db) && r.snr_db > 0, "ideal device: snr %g", r.snr_db);
    cr_assert_eq(r.rel_error_std, 0.0);
    cr_assert_eq(r.tiles, 2);
    xb_mvm_result_free(&r);
    xb_free(W);
    xb_free(X);

    s.cfg.xbar.noise = XB_NOISE_MULT;
    s.cfg.xbar.sigma = 0.5;
    run_study(&s, &r, &W, &X);
    cr_assert(fabs(r.snr_db - 6.02) < 0.15, "mult 0.5: %g dB", r.snr_db);
    cr_assert(fabs(r.snr_db_model - 6.0206) < 1e-3);
    struct xb_figure figs[XB_MVM_MAX_FIGURES];
    size_t n = xb_mvm_figures(&s, 3, &r, figs);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        found += !strcmp(figs[i].name, "snr_db") && figs[i].real == r.snr_db &&
                 !strcmp(figs[i].units, "dB");
    cr_assert_eq(found, 1);
    xb_mvm_result_free(&r);
    xb_free(W);
    xb_free(X);
}

Test(mvm, load_checks_shapes)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_mvm_study s = {.rows = 4, .cols = 4, .batch = 2, .weights = "/nonexistent.h5"};
    float *W = (float *)1, *X = (float *)1;
    xb_config_default(&s.cfg);
    cr_assert_eq(xb_mvm_load(ctx, &s, &W, &X), XB_EIO);
    cr_assert_null(W);
    cr_assert_null(X);
    cr_assert(strstr(xb_ctx_error(ctx), "--weights /nonexistent.h5"));
    xb_ctx_free(ctx);
}
