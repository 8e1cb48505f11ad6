/*
 * Adversarial training (train.algorithm = "adversarial",
 * models/train/train_adversarial.c, its attack models/attack/xb_advtrain.h):
 * a step trains on exactly the batch whose first half is natural and whose
 * second half is what xb_attack_run gives for those images at their
 * documented random addresses (position in the epoch's order, the epoch);
 * bit-identical for 1 and 2 threads and across a resume between epochs; a
 * small model trained with it is more robust under PGD than the same model
 * trained by plain backprop; without an attack it is refused.
 *
 * Planted bugs that fail here (each tried, then removed): the adversarial
 * half's random starts addressed from position 0 instead of m/2; the epoch
 * not passed to the attack (step 0 for every epoch); the adversarial rows
 * left natural (the copy back skipped); the attack's examples written over
 * the natural half.
 */
#include <criterion/criterion.h>
#include <omp.h>
#include <string.h>

#include "xb_advtrain.h"
#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_net.h"
#include "xb_optim.h"
#include "xb_test_net.h"
#include "xb_train.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(advtrain, .init = setup, .fini = teardown);

/* 8 × 8 synthetic digits (sim/data/xb_data_synth.c). */
static void synth(size_t n_train, size_t n_test, struct xb_dataset **train,
                  struct xb_dataset **test)
{
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = n_train, sp.n_test = n_test, sp.sigma = 0.35;
    cr_assert_eq(xb_data_synth(ctx, &sp, 7, train, test), XB_OK, "%s", xb_ctx_error(ctx));
}

/* 64-32-10 MLP, initial weights from seed 11. */
static struct xb_net *mlp(size_t rows)
{
    struct xb_net_config cfg = {.input = {1, 8, 8}, .classes = 10, .n_layers = 4};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("dense", 32);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("dense", 10);
    struct xb_net *net = xb_test_net(ctx, &cfg, rows);
    xb_net_init(net, 11);
    return net;
}

static struct xb_advtrain pgd_adv(double eps, double step, int steps)
{
    struct xb_advtrain a = {.type = &xb_attack_pgd};
    xb_attack_params_default(&a.p);
    a.p.eps = eps, a.p.step = step, a.p.steps = steps;
    return a;
}

static struct xb_trainer *trainer(struct xb_net *net, enum xb_train_algorithm alg,
                                  const struct xb_advtrain *a, size_t batch)
{
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = batch, tp.optim.lr = 0.01, tp.algorithm = alg;
    if (a)
        tp.adversary = xb_advtrain_hook(a);
    struct xb_trainer *t;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_OK, "%s", xb_ctx_error(ctx));
    return t;
}

static void epoch(struct xb_trainer *t, const struct xb_dataset *d, size_t n)
{
    double loss;
    cr_assert_eq(xb_trainer_epoch(ctx, t, d->x, d->y, n, &loss), XB_OK, "%s",
                 xb_ctx_error(ctx));
}

/* ---- the batch ------------------------------------------------------------ */

/* One step of the adversarial trainer (batch m = n = 12, epoch 3) against
 * backprop's step on the batch built by hand: the epoch's order, rows 0..5
 * natural, rows 6..11 xb_attack_run's examples for those images with
 * random starts at positions 6..11 of epoch 3. Backprop shuffles by the
 * same order, so it is handed the mixed batch at the unshuffled indices.
 * Same parameters after the step, bit for bit. */
Test(advtrain, the_adversarial_half_is_xb_attack_run)
{
    const size_t n = 12, h = n / 2, F = 64;
    const uint32_t ep = 3;
    struct xb_dataset *train, *test;
    synth(n, 10, &train, &test);
    const struct xb_advtrain adv = pgd_adv(0.2, 0.05, 4);
    struct xb_net *na = mlp(n), *nb = mlp(n);
    struct xb_trainer *ta = trainer(na, XB_TRAIN_ADVERSARIAL, &adv, n);
    struct xb_trainer *tb = trainer(nb, XB_TRAIN_BACKPROP, NULL, n);
    xb_trainer_set_epochs(ta, (int)ep), xb_trainer_set_epochs(tb, (int)ep);

    uint32_t perm[12];
    xb_epoch_permutation(xb_ctx_seed(ctx), ep, n, perm);
    float *batch = xb_aligned(n * F, sizeof(float)), *mixed = xb_aligned(n * F, sizeof(float));
    uint8_t yb[12];
    for (size_t r = 0; r < n; r++) {
        memcpy(batch + r * F, train->x + (size_t)perm[r] * F, F * sizeof(float));
        yb[r] = train->y[perm[r]];
    }
    const struct xb_attack_params p = xb_advtrain_params(&adv, (uint32_t)h, ep);
    float *half = xb_aligned(h * F, sizeof(float));
    cr_assert_eq(xb_attack_run(ctx, nb, &xb_attack_pgd, &p, batch + h * F, yb + h, n - h,
                               half), XB_OK, "%s", xb_ctx_error(ctx));
    size_t moved = 0;
    for (size_t i = 0; i < h * F; i++)
        moved += half[i] != batch[h * F + i];
    cr_assert_gt(moved, h * F / 2, "the attack moved only %zu pixels", moved);
    memcpy(batch + h * F, half, h * F * sizeof(float));
    for (size_t r = 0; r < n; r++)
        memcpy(mixed + (size_t)perm[r] * F, batch + r * F, F * sizeof(float));

    double la, lb;
    cr_assert_eq(xb_trainer_epoch(ctx, ta, train->x, train->y, n, &la), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_trainer_epoch(ctx, tb, mixed, train->y, n, &lb), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert(la == lb, "loss %.9g, by hand %.9g", la, lb);
    cr_assert(!memcmp(xb_net_params(na), xb_net_params(nb),
                      xb_net_n_params(na) * sizeof(float)), "parameters differ");
    cr_assert_str_eq(xb_trainer_algorithm(ta), "adversarial");
    xb_free(batch), xb_free(mixed), xb_free(half);
    xb_trainer_free(ta), xb_trainer_free(tb);
    xb_net_free(na), xb_net_free(nb);
    xb_dataset_free(train), xb_dataset_free(test);
}

/* ---- reproducibility -------------------------------------------------------- */

/* Three epochs of 100 images in batches of 16 (the last partial: 2
 * natural, 2 adversarial) with 1 and with 2 threads, and with 2 threads
 * stopped after epoch 1 and resumed as xbar does (parameters, Adam's
 * moments and step count, epochs copied into a new net and trainer). */
Test(advtrain, bit_identical_for_1_and_2_threads_and_after_a_resume)
{
    const size_t n = 100, B = 16;
    struct xb_dataset *train, *test;
    synth(n, 10, &train, &test);
    const struct xb_advtrain adv = pgd_adv(0.1, 0.03, 3);
    float *params[3];
    for (int k = 0; k < 3; k++) {
        omp_set_num_threads(k == 0 ? 1 : 2);
        struct xb_net *net = mlp(B);
        struct xb_trainer *t = trainer(net, XB_TRAIN_ADVERSARIAL, &adv, B);
        for (int e = 0; e < 3; e++) {
            epoch(t, train, n);
            if (k == 2 && e == 0) {
                /* Resume: a fresh net and trainer from the state after epoch 1. */
                struct xb_net *net2 = mlp(B);
                struct xb_trainer *t2 = trainer(net2, XB_TRAIN_ADVERSARIAL, &adv, B);
                const size_t P = xb_net_n_params(net);
                struct xb_optim *o = xb_trainer_optim(t), *o2 = xb_trainer_optim(t2);
                memcpy(xb_net_params(net2), xb_net_params(net), P * sizeof(float));
                memcpy(xb_optim_m(o2), xb_optim_m(o), P * sizeof(float));
                memcpy(xb_optim_v(o2), xb_optim_v(o), P * sizeof(float));
                xb_optim_set_steps(o2, xb_optim_steps(o));
                xb_trainer_set_epochs(t2, xb_trainer_epochs(t));
                xb_trainer_free(t), xb_net_free(net);
                t = t2, net = net2;
            }
        }
        params[k] = xb_malloc(xb_net_n_params(net), sizeof(float));
        memcpy(params[k], xb_net_params(net), xb_net_n_params(net) * sizeof(float));
        const size_t P = xb_net_n_params(net);
        xb_trainer_free(t), xb_net_free(net);
        if (k > 0)
            cr_assert(!memcmp(params[0], params[k], P * sizeof(float)), "%s differs",
                      k == 1 ? "2 threads" : "2 threads, resumed after epoch 1");
    }
    omp_set_num_threads(2);
    for (int k = 0; k < 3; k++)
        xb_free(params[k]);
    xb_dataset_free(train), xb_dataset_free(test);
}

/* ---- robustness ------------------------------------------------------------- */

/* Accuracy on X[n] of the noiseless net. */
static double accuracy(struct xb_net *net, const float *X, const uint8_t *y, size_t n)
{
    struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_NONE};
    double acc, vote;
    cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, n, &acc, &vote), XB_OK, "%s",
                 xb_ctx_error(ctx));
    return acc;
}

/* The MLP trained 6 epochs on 1,000 synthetic digits by backprop and by
 * adversarial training (PGD eps 0.15, 5 steps of 0.05), then attacked by a
 * stronger PGD (eps 0.15, 10 steps of 0.03, 2 restarts) on 300 test
 * images. Measured (seed 20261129): both 100 % clean; under PGD 37.67 %
 * (backprop) and 60.67 % (adversarial). The margin asserted, 15 points, is
 * 3.7 standard errors of the difference of two accuracies on 300 images
 * (√(2 · 0.5 · 0.5 / 300) = 4.1 points at most): not a gap the choice of
 * test images makes; adversarial rows left natural (a planted bug) give
 * backprop's number. */
#define ROBUST_MARGIN 0.15
Test(advtrain, more_robust_under_pgd_than_backprop, .timeout = 120)
{
    const size_t B = 32;
    struct xb_dataset *train, *test;
    synth(1000, 300, &train, &test);
    const struct xb_advtrain adv = pgd_adv(0.15, 0.05, 5);
    struct xb_attack_params eval;
    xb_attack_params_default(&eval);
    eval.eps = 0.15, eval.step = 0.03, eval.steps = 10, eval.restarts = 2;
    double clean[2], robust[2];
    float *xadv = xb_aligned(test->n * test->dim, sizeof(float));
    for (int k = 0; k < 2; k++) {
        struct xb_net *net = mlp(B);
        struct xb_trainer *t = trainer(net, k ? XB_TRAIN_ADVERSARIAL : XB_TRAIN_BACKPROP,
                                       k ? &adv : NULL, B);
        for (int e = 0; e < 6; e++)
            epoch(t, train, train->n);
        xb_trainer_free(t);
        clean[k] = accuracy(net, test->x, test->y, test->n);
        cr_assert_eq(xb_attack_run(ctx, net, &xb_attack_pgd, &eval, test->x, test->y, test->n,
                                   xadv), XB_OK, "%s", xb_ctx_error(ctx));
        robust[k] = accuracy(net, xadv, test->y, test->n);
        cr_log_info("%s: clean %.4f, PGD %.4f", k ? "adversarial" : "backprop", clean[k],
                    robust[k]);
        xb_net_free(net);
    }
    cr_assert_gt(clean[1], 0.8, "adversarial training did not learn: %.4f", clean[1]);
    cr_assert_gt(robust[1], robust[0] + ROBUST_MARGIN, "PGD accuracy %.4f (adversarial) vs "
                 "%.4f (backprop)", robust[1], robust[0]);
    xb_free(xadv);
    xb_dataset_free(train), xb_dataset_free(test);
}

/* ---- errors ----------------------------------------------------------------- */

Test(advtrain, without_an_attack_it_is_refused)
{
    struct xb_net *net = mlp(8);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = 8, tp.algorithm = XB_TRAIN_ADVERSARIAL;
    struct xb_trainer *t = (struct xb_trainer *)1;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &t), XB_EINVAL);
    cr_assert_null(t);
    cr_assert(strstr(xb_ctx_error(ctx), "adversarial"), "%s", xb_ctx_error(ctx));
    xb_net_free(net);
}
