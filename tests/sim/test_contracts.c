/*
 * Contracts a user reads off xbar's outputs that no other test held to
 * account: each test here kills a mutant of tests/mutate/catalogue that
 * survived the rest of the suite (named in the test's comment).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_test_util.h"
#include "xb_alloc.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_net.h"
#include "xb_train.h"
#include "xb_xbar.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 314159, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(engine_counts, .init = setup, .fini = teardown);
TestSuite(engine_drift, .init = setup, .fini = teardown);
TestSuite(eval_repeats, .init = setup, .fini = teardown);
TestSuite(shuffle);
TestSuite(config_ranges, .init = setup, .fini = teardown);

/* The DAC converts each input value once per read, however many output
 * columns (and so column blocks of the engine) the layer has: 300 outputs
 * span two tiles and three blocks, and the counts are those of the inputs
 * alone, counted here by hand (|x| > range clips). Mutant:
 * dac-clipped-per-column-block. */
Test(engine_counts, dac_counts_each_input_once)
{
    enum { B = 4, O = 300, I = 8 };
    float X[B * I], *W = xb_malloc(O * I, 4), *Y = xb_malloc(B * O, 4);
    xb_test_fill_normal(W, O * I, 5, 1, 1.0f);
    uint64_t clip = 0;
    for (int k = 0; k < B * I; k++) {
        X[k] = 0.6f * (float)(k % 5 - 2); /* -1.2, -0.6, 0, 0.6, 1.2 */
        clip += fabsf(X[k]) > 1.0f;
    }
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.dac_bits = 6;
    p.dac_range = 1.0;
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, O, I, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_xbar_stats st = {0};
    struct xb_rows a = {.batch = B};
    xb_xbar_execute(xb, X, B, NULL, Y, &a, &st);
    cr_assert_eq(st.dac_values, (uint64_t)B * I);
    cr_assert_eq(st.dac_clipped, clip, "dac_clipped %llu, want %llu",
                 (unsigned long long)st.dac_clipped, (unsigned long long)clip);
    xb_xbar_free(xb);
    xb_free(W), xb_free(Y);
}

/* Drift compensation as a chip does it: the reference read (one-hot
 * inputs) after 30 days gives the same mean |output| as right after
 * programming. Read noise off, so both reads are exact; the sums agree to
 * float rounding (1e-4 relative is ~1000 ulp of a sum of 4096 terms), while
 * uncompensated PCM has lost ~20 % by then (drift_scale > 1.2). Mutant:
 * drift-scale-not-applied. */
Test(engine_drift, compensated_reference_read_is_restored)
{
    enum { N = 64 };
    float *W = xb_malloc(N * N, 4), *X = xb_calloc(N * N, 4), *Y = xb_malloc(N * N, 4);
    xb_test_fill_normal(W, N * N, 5, 2, 1.0f);
    for (int i = 0; i < N; i++)
        X[i * N + i] = 1.0f;
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    p.drift_comp = 1;
    cr_assert_eq(xb_device_init(ctx, &p.device, "pcm"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &p.device, "read_scale", "0", "test"), XB_OK);
    struct xb_xbar *xb;
    cr_assert_eq(xb_xbar_create(ctx, &p, W, N, N, &xb), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_rows a = {.batch = N};
    double s[2] = {0.0, 0.0};
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(xb_xbar_age(ctx, xb, k ? 86400.0 * 30 : 0.0), XB_OK);
        xb_xbar_execute(xb, X, N, NULL, Y, &a, NULL);
        for (int j = 0; j < N * N; j++)
            s[k] += fabs((double)Y[j]);
    }
    cr_assert_gt(xb_xbar_drift_scale(xb), 1.2);
    cr_assert(fabs(s[1] / s[0] - 1.0) < 1e-4, "after 30 days the reference read is %.6f of "
              "the one at programming", s[1] / s[0]);
    xb_xbar_free(xb);
    xb_free(W), xb_free(X), xb_free(Y);
}

static struct xb_layer_config layer(const char *type, int units)
{
    struct xb_layer_config c = {.units = units};
    snprintf(c.type, sizeof c.type, "%s", type);
    return c;
}

/* Repeat r of an evaluation is the inference drawn with vote vote0 + r: the
 * repeats of a run from vote0 = 1 are those of a run from vote0 = 0 moved
 * by one (the same rows of the same products, so exactly equal), and the
 * noise (multiplicative, sigma 0.5, on a random net) makes the repeats'
 * accuracies differ. Mutant: eval-repeats-all-repeat-0. */
Test(eval_repeats, repeat_r_is_the_inference_of_vote_r)
{
    enum { S = 64, F = 16, R = 6, C = 10 };
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = C, .n_layers = 4};
    cfg.layers[0] = layer("dense", 32);
    cfg.layers[1] = layer("noise", 0);
    cfg.layers[2] = layer("relu", 0);
    cfg.layers[3] = layer("dense", C);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, S * R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 7);
    float *X = xb_malloc(S * F, 4);
    uint8_t y[S];
    xb_test_fill_normal(X, S * F, 5, 3, 1.0f);
    for (int s = 0; s < S; s++)
        y[s] = (uint8_t)(s % C);
    double a0[R], a1[R], vote;
    struct xb_eval_params ep = {.repeats = R, .votes = 1, .noise = XB_NOISE_MULT, .sigma = 0.5};
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, S, a0, &vote), XB_OK, "%s", xb_ctx_error(ctx));
    ep.vote0 = 1;
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, S, a1, &vote), XB_OK, "%s", xb_ctx_error(ctx));
    int differ = 0;
    for (int r = 0; r + 1 < R; r++) {
        cr_assert(a1[r] == a0[r + 1], "repeat %d from vote 1: %.4f; repeat %d from vote 0: %.4f",
                  r, a1[r], r + 1, a0[r + 1]);
        differ |= a0[r + 1] != a0[0];
    }
    cr_assert(differ, "the noise changed no accuracy: the test has no power");
    xb_net_free(net);
    xb_free(X);
}

/* Epoch orders are uniform permutations (Fisher–Yates): over 6000 epochs
 * each of the 6 orders of 3 items comes up ~1000 times. Pearson's X² has 5
 * degrees of freedom; P(X² > 36) = 9.5e-7 (Q(x) = erfc(sqrt(x/2)) +
 * sqrt(2x/pi) e^(-x/2) (1 + x/3)), so the bound fails a correct shuffle
 * about once in a million seeds. Sattolo's shuffle (no item stays put)
 * reaches only the 2 cyclic orders. Mutant: epoch-permutation-sattolo. */
Test(shuffle, epoch_orders_are_uniform)
{
    enum { E = 6000 };
    int count[6] = {0};
    for (uint32_t e = 0; e < E; e++) {
        uint32_t p[3];
        xb_epoch_permutation(2026, e, 3, p);
        /* Lehmer code of the order: 2 p0 + (p1 > p2) indexes 0..5. */
        count[2 * p[0] + (p[1] > p[2])]++;
    }
    double x2 = 0.0, want = E / 6.0;
    for (int k = 0; k < 6; k++)
        x2 += ((double)count[k] - want) * ((double)count[k] - want) / want;
    cr_assert_lt(x2, 36.0, "X² = %.1f over the 6 orders (counts %d %d %d %d %d %d)", x2,
                 count[0], count[1], count[2], count[3], count[4], count[5]);
}

/* Reads a one-model experiment with one --set; returns the status. */
static enum xb_status read_with(const char *set)
{
    char path[] = "/tmp/xbar-contracts-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("model = { name = \"t\"; input = [1, 4, 4]; classes = 2;\n"
          "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 2; } ); };\n", f);
    fclose(f);
    static struct xb_experiment e;
    const char *sets[] = {set};
    enum xb_status st = xb_experiment_read(ctx, path, sets, 1, &e);
    unlink(path);
    return st;
}

static void rejected(const char *set, const char *key, const char *range)
{
    cr_assert_neq(read_with(set), XB_OK, "--set %s was accepted", set);
    const char *m = xb_ctx_error(ctx);
    cr_assert(strstr(m, key) && strstr(m, range), "--set %s: message '%s' lacks %s or %s", set,
              m, key, range);
}

/* The ends of documented ranges (sim/README.md): the end itself is
 * accepted, one step beyond it is refused naming the key and the range.
 * Mutants: config-real-max-unchecked (and config-int-min-off-by-one). */
Test(config_ranges, ends_are_inclusive_and_beyond_is_refused)
{
    cr_assert_eq(read_with("data.validation=0.5"), XB_OK, "%s", xb_ctx_error(ctx));
    rejected("data.validation=0.6", "data.validation", "[0, 0.5]");
    cr_assert_eq(read_with("train.lr=10"), XB_OK, "%s", xb_ctx_error(ctx));
    rejected("train.lr=10.5", "train.lr", "10]");
    cr_assert_eq(read_with("sweep.repeats=1"), XB_OK, "%s", xb_ctx_error(ctx));
    rejected("sweep.repeats=0", "sweep.repeats", "[1, 10000]");
    cr_assert_eq(read_with("train.epochs=100000"), XB_OK, "%s", xb_ctx_error(ctx));
    rejected("train.epochs=100001", "train.epochs", "[0, 100000]");
}
