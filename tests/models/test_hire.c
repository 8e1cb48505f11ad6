/*
 * HIRE-SNN training (models/train/train_hire.c; Kundu et al. 2021,
 * Algorithm 1, eq. 6) on a small spiking net (direct encoding, two lif
 * layers with learned thresholds and leaks): an epoch equals a reference
 * written here from the algorithm's text — per batch N periods of
 * forward on clip(x + kappa), backward to parameters and input, an
 * optimiser step, kappa = clip(kappa + eps_s sign(dL/dx), ±eps_t), kappa
 * carried to the next batch and the next epoch — parameter for parameter; with eps_s = 0 it
 * is N plain updates per batch; the crafted noise changes the result; the
 * same bits for 1 and 2 threads; bad settings refused.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_test_net.h"
#include "xb_test_util.h"
#include "xb_train.h"

static struct xb_ctx *ctx;
static const uint64_t SEED = 20261131;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = SEED, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(hire, .init = setup, .fini = teardown);

enum { N = 20, F = 16, B = 8, C = 4 };

static struct xb_net *snn(void)
{
    struct xb_net_config cfg = {.input = {1, 4, 4}, .classes = C, .n_layers = 3,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = xb_test_layer("encode", 0);
    cfg.layers[0].steps = 3;
    cfg.layers[0].encoding = XB_ENCODE_DIRECT;
    cfg.layers[1] = xb_test_layer("lif", 12);
    cfg.layers[1].threshold = 0.5;
    cfg.layers[1].leak = 0.3;
    cfg.layers[1].learn_threshold = 1;
    cfg.layers[1].learn_leak = 1;
    cfg.layers[2] = xb_test_layer("lif", C);
    cfg.layers[2].readout = XB_READOUT_MEMBRANE_SUM;
    struct xb_net *net = xb_test_net(ctx, &cfg, B);
    xb_net_init(net, 4);
    return net;
}

static void data(float *X, uint8_t *y)
{
    xb_test_fill_normal(X, N * F, 5, 1, 0.4f);
    for (int i = 0; i < N * F; i++)
        X[i] = fminf(fmaxf(X[i] + 0.5f, 0.0f), 1.0f);
    for (int s = 0; s < N; s++)
        y[s] = (uint8_t)(s % C);
}

static struct xb_train_params params(int periods, double es, double et)
{
    struct xb_train_params p;
    xb_train_params_default(&p);
    p.batch = B;
    p.optim.lr = 0.05;
    p.algorithm = XB_TRAIN_HIRE;
    p.hire = (struct xb_hire_params){.periods = periods, .noise_step = es, .noise_bound = et};
    return p;
}

static void train_epochs(struct xb_net *net, const struct xb_train_params *p, const float *X,
                         const uint8_t *y, int epochs)
{
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, p, &t), XB_OK, "%s", xb_ctx_error(ctx));
    for (int e = 0; e < epochs; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, t, X, y, N, &loss), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert(isfinite(loss));
    }
    xb_trainer_free(t);
}

/* The reference: Algorithm 1 over the epoch's batches, from the text. */
static void reference(struct xb_net *net, const struct xb_train_params *p, const float *X,
                      const uint8_t *y, int epochs)
{
    const size_t np = xb_net_n_params(net);
    struct xb_optim *o = xb_optim_create(&p->optim, np);
    float kappa[B * F], xb[B * F], xp[B * F], dx[B * F];
    uint8_t yb[B];
    uint32_t perm[N];
    memset(kappa, 0, sizeof kappa); /* once: kappa runs on across epochs (line 3) */
    for (int e = 0; e < epochs; e++) {
        xb_epoch_permutation(SEED, (uint32_t)e, N, perm);
        for (size_t b0 = 0; b0 < N; b0 += B) {
            const size_t m = N - b0 < B ? N - b0 : B;
            for (size_t r = 0; r < m; r++) {
                memcpy(xb + r * F, X + (size_t)perm[b0 + r] * F, F * sizeof(float));
                yb[r] = y[perm[b0 + r]];
            }
            struct xb_pass pass = {.phase = XB_PHASE_TRAIN, .rows = m, .seed = SEED,
                                   .addr = {.sample0 = (uint32_t)b0, .batch = (uint32_t)m,
                                            .epoch = (uint32_t)e}};
            for (int k = 0; k < p->hire.periods; k++) {
                for (size_t i = 0; i < m * F; i++) {
                    const float v = xb[i] + kappa[i];
                    xp[i] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
                }
                xb_net_input_grad(net, &pass, xp, yb, dx);
                xb_optim_step(o, xb_net_params(net), xb_net_grads(net));
                for (size_t i = 0; i < m * F; i++) {
                    float v = kappa[i] + (float)p->hire.noise_step *
                                             (dx[i] > 0.0f ? 1.0f : dx[i] < 0.0f ? -1.0f : 0.0f);
                    const float bound = (float)p->hire.noise_bound;
                    kappa[i] = v > bound ? bound : v < -bound ? -bound : v;
                }
            }
        }
    }
    xb_optim_free(o);
}

static void compare(int periods, double es, double et, int epochs)
{
    float X[N * F];
    uint8_t y[N];
    data(X, y);
    const struct xb_train_params p = params(periods, es, et);
    struct xb_net *a = snn(), *b = snn();
    train_epochs(a, &p, X, y, epochs);
    reference(b, &p, X, y, epochs);
    const size_t np = xb_net_n_params(a);
    const float *pa = xb_net_params(a), *pb = xb_net_params(b);
    for (size_t j = 0; j < np; j++)
        cr_assert(pa[j] == pb[j], "N = %d, eps_s %g: parameter %zu is %.9g, the reference "
                  "%.9g", periods, es, j, (double)pa[j], (double)pb[j]);
    xb_net_free(a), xb_net_free(b);
}

Test(hire, epoch_equals_algorithm_1)
{
    compare(3, 0.02, 0.05, 2); /* 3 batches (the last partial), kappa hits its bound */
}

Test(hire, no_noise_is_n_plain_updates) { compare(2, 0.0, 0.0, 1); }

/* The crafted noise is not a no-op, and its bound matters. */
Test(hire, crafted_noise_changes_training)
{
    float X[N * F];
    uint8_t y[N];
    data(X, y);
    struct xb_net *a = snn(), *b = snn(), *c = snn();
    struct xb_train_params p = params(3, 0.0, 0.0);
    train_epochs(a, &p, X, y, 1);
    p = params(3, 0.02, 0.05);
    train_epochs(b, &p, X, y, 1);
    p = params(3, 0.02, 0.02);
    train_epochs(c, &p, X, y, 1);
    const size_t bytes = xb_net_n_params(a) * sizeof(float);
    cr_assert(memcmp(xb_net_params(a), xb_net_params(b), bytes), "eps_s 0.02 = eps_s 0");
    cr_assert(memcmp(xb_net_params(b), xb_net_params(c), bytes), "eps_t 0.05 = eps_t 0.02");
    xb_net_free(a), xb_net_free(b), xb_net_free(c);
}

Test(hire, bit_identical_1_and_2_threads)
{
    float X[N * F];
    uint8_t y[N];
    data(X, y);
    const struct xb_train_params p = params(3, 0.02, 0.05);
    struct xb_net *net[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        net[t] = snn();
        train_epochs(net[t], &p, X, y, 2);
    }
    cr_assert(!memcmp(xb_net_params(net[0]), xb_net_params(net[1]),
                      xb_net_n_params(net[0]) * sizeof(float)));
    xb_net_free(net[0]), xb_net_free(net[1]);
}

Test(hire, bad_settings_refused)
{
    struct xb_net *net = snn();
    struct xb_trainer *t = NULL;
    struct xb_train_params p = params(0, 0.0, 0.0);
    cr_assert_eq(xb_trainer_create(ctx, net, &p, &t), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "periods"), "%s", xb_ctx_error(ctx));
    p = params(2, 0.0, 1.5);
    cr_assert_eq(xb_trainer_create(ctx, net, &p, &t), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "noise_bound"), "%s", xb_ctx_error(ctx));
    xb_net_free(net);
}
