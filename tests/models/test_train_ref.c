/*
 * Noise-injected training (models/train/xb_train) against the same steps done by
 * hand (issue 14): the trainer must hand σ_train and the documented stream
 * address (sample = position in the epoch's order, vote = epoch) to every
 * forward and backward pass, and a model trained with noise must resist
 * that noise better than one trained without.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_net.h"
#include "xb_optim.h"
#include "xb_test_net.h"
#include "xb_test_util.h"
#include "xb_train.h"

static struct xb_ctx *ctx;
static const uint64_t SEED = 20261129;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = SEED, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(train_ref, .init = setup, .fini = teardown);

/* flatten → dense(hidden) → noise → relu → dense(classes) → noise. */
static void mlp(struct xb_net_config *cfg, struct xb_shape in, int hidden, int classes)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = in;
    cfg->classes = classes;
    cfg->n_layers = 6;
    cfg->layers[0] = xb_test_layer("flatten", 0);
    cfg->layers[1] = xb_test_layer("dense", hidden);
    cfg->layers[2] = xb_test_layer("noise", 0);
    cfg->layers[3] = xb_test_layer("relu", 0);
    cfg->layers[4] = xb_test_layer("dense", classes);
    cfg->layers[5] = xb_test_layer("noise", 0);
}

static struct xb_net *make_net(const struct xb_net_config *cfg, size_t max_rows)
{
    struct xb_net *net = xb_test_net(ctx, cfg, max_rows);
    xb_net_init(net, 5);
    return net;
}

/* The toy set of these tests: N × F standard normal features (stream k),
 * labels s mod C. */
static float *toy_set(int N, int F, int C, uint32_t k, uint8_t *y)
{
    float *X = xb_malloc((size_t)N * F, 4);
    xb_test_fill_normal(X, (size_t)N * F, 4, k, 1.0f);
    for (int s = 0; s < N; s++)
        y[s] = (uint8_t)(s % C);
    return X;
}

/* One epoch by hand: the epoch's order, mini-batches of B (the last one
 * partial), each a TRAIN pass addressed (sample = position in the order,
 * vote = epoch) with noise of std sigma, loss, backward, optimiser step.
 * Returns the mean loss. */
static double epoch_by_hand(struct xb_net *net, struct xb_optim *opt, const float *X,
                            const uint8_t *y, size_t n, size_t F, size_t B, uint32_t epoch,
                            double sigma)
{
    uint32_t *perm = xb_malloc(n, sizeof *perm);
    float *xb = xb_malloc(B * F, 4);
    uint8_t *yb = xb_malloc(B, 1);
    xb_epoch_permutation(SEED, epoch, n, perm);
    double sum = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += B) {
        size_t m = n - b0 < B ? n - b0 : B;
        for (size_t r = 0; r < m; r++) {
            memcpy(xb + r * F, X + (size_t)perm[b0 + r] * F, F * 4);
            yb[r] = y[perm[b0 + r]];
        }
        struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = m,
                            .addr = {.sample0 = (uint32_t)b0, .batch = (uint32_t)m,
                                     .vote0 = epoch},
                            .seed = SEED, .noise = XB_NOISE_MULT, .sigma = sigma};
        xb_net_forward(net, &p, xb);
        sum += xb_net_loss(net, yb, m) * (double)m;
        xb_net_backward(net, &p, xb);
        xb_optim_step(opt, xb_net_params(net), xb_net_grads(net));
    }
    xb_free(perm), xb_free(xb), xb_free(yb);
    return sum / (double)n;
}

/* Two epochs with σ_train = 0.5 equal the same steps done by hand, bit for
 * bit: the same calls on the same shapes, so under any BLAS kernel and
 * thread count. The same steps with σ = 0 end elsewhere (the case has
 * power: a trainer that dropped σ_train would match that instead). */
Test(train_ref, noisy_epochs_equal_steps_by_hand)
{
    enum { N = 70, F = 12, C = 4, B = 32, HID = 16, EPOCHS = 2 };
    const double sigma = 0.5;
    struct xb_net_config cfg;
    mlp(&cfg, (struct xb_shape){F, 1, 1}, HID, C);
    uint8_t y[N];
    float *X = toy_set(N, F, C, 1, y);
    struct xb_net *a = make_net(&cfg, B), *h = make_net(&cfg, B), *z = make_net(&cfg, B);
    const size_t np = xb_net_n_params(a);
    cr_assert(!memcmp(xb_net_params(a), xb_net_params(h), np * 4));
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.batch = B;
    tp.noise = XB_NOISE_MULT;
    tp.sigma = sigma;
    struct xb_trainer *tr;
    cr_assert_eq(xb_trainer_create(ctx, a, &tp, &tr), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_optim *oh = xb_optim_create(&tp.optim, np), *oz = xb_optim_create(&tp.optim, np);
    for (uint32_t e = 0; e < EPOCHS; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, tr, X, y, N, &loss), XB_OK, "%s",
                     xb_ctx_error(ctx));
        double want = epoch_by_hand(h, oh, X, y, N, F, B, e, sigma);
        epoch_by_hand(z, oz, X, y, N, F, B, e, 0.0);
        cr_assert(loss == want, "epoch %u: trainer loss %.9g, by hand %.9g", e, loss, want);
        size_t k = 0;
        while (k < np && xb_net_params(a)[k] == xb_net_params(h)[k])
            k++;
        cr_assert_eq(k, np, "epoch %u: parameter %zu is %.9g after the trainer's epoch, %.9g "
                     "after the same steps by hand with sigma_train %.2f", e, k,
                     (double)xb_net_params(a)[k], (double)xb_net_params(h)[k], sigma);
        cr_assert(memcmp(xb_net_params(a), xb_net_params(z), np * 4),
                  "epoch %u: sigma_train %.2f trains the same as 0", e, sigma);
    }
    xb_trainer_free(tr);
    xb_optim_free(oh), xb_optim_free(oz);
    xb_net_free(a), xb_net_free(h), xb_net_free(z);
    xb_free(X);
}

/* The step-size schedule (train.lr_decay every lr_decay_every epochs):
 * known step sizes; three epochs at decay 0.5 every 2 equal the same steps
 * by hand with the step halved before epoch 2, bit for bit; a trainer
 * resumed at epoch 2 from the first one's state (parameters, moments,
 * step count) trains that epoch at the halved step too (the schedule is a
 * function of the epoch, not of the trainer's history); and a constant
 * step ends elsewhere (the case has power). */
Test(train_ref, step_schedule_equals_steps_by_hand)
{
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    cr_assert_eq(xb_train_step_size(&tp, 57), tp.optim.lr, "the default step is constant");
    tp.optim.lr = 1e-3;
    tp.lr_decay = 0.5;
    tp.lr_decay_every = 25;
    const double want[][2] = {{0, 1e-3}, {24, 1e-3}, {25, 5e-4}, {49, 5e-4}, {50, 2.5e-4},
                              {99, 1.25e-4}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(fabs(xb_train_step_size(&tp, (int)want[i][0]) - want[i][1]) < 1e-15,
                  "epoch %g: step %.6g, want %.6g", want[i][0],
                  xb_train_step_size(&tp, (int)want[i][0]), want[i][1]);

    enum { N = 70, F = 12, C = 4, B = 32, HID = 16, EPOCHS = 3 };
    const double sigma = 0.5;
    struct xb_net_config cfg;
    mlp(&cfg, (struct xb_shape){F, 1, 1}, HID, C);
    uint8_t y[N];
    float *X = toy_set(N, F, C, 2, y);
    struct xb_net *a = make_net(&cfg, B), *h = make_net(&cfg, B), *c = make_net(&cfg, B);
    struct xb_net *r = make_net(&cfg, B);
    const size_t np = xb_net_n_params(a);
    xb_train_params_default(&tp);
    tp.batch = B;
    tp.noise = XB_NOISE_MULT;
    tp.sigma = sigma;
    tp.optim.lr = 1e-2;
    struct xb_train_params tc = tp; /* constant step */
    tp.lr_decay = 0.5;
    tp.lr_decay_every = 2;
    struct xb_trainer *ta, *tcst;
    cr_assert_eq(xb_trainer_create(ctx, a, &tp, &ta), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_trainer_create(ctx, c, &tc, &tcst), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_optim *oh = xb_optim_create(&tp.optim, np);
    for (uint32_t e = 0; e < EPOCHS; e++) {
        double loss, lc;
        if (e == 2) { /* the state a checkpoint after epoch 2 holds, resumed */
            struct xb_trainer *tr;
            cr_assert_eq(xb_trainer_create(ctx, r, &tp, &tr), XB_OK, "%s", xb_ctx_error(ctx));
            memcpy(xb_net_params(r), xb_net_params(a), np * 4);
            memcpy(xb_optim_m(xb_trainer_optim(tr)), xb_optim_m(xb_trainer_optim(ta)), np * 4);
            memcpy(xb_optim_v(xb_trainer_optim(tr)), xb_optim_v(xb_trainer_optim(ta)), np * 4);
            xb_optim_set_steps(xb_trainer_optim(tr), xb_optim_steps(xb_trainer_optim(ta)));
            xb_trainer_set_epochs(tr, 2);
            cr_assert_eq(xb_trainer_epoch(ctx, tr, X, y, N, &loss), XB_OK, "%s",
                         xb_ctx_error(ctx));
            xb_trainer_free(tr);
            xb_optim_set_lr(oh, tp.optim.lr * 0.5);
        }
        cr_assert_eq(xb_trainer_epoch(ctx, ta, X, y, N, &loss), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert_eq(xb_trainer_epoch(ctx, tcst, X, y, N, &lc), XB_OK, "%s", xb_ctx_error(ctx));
        epoch_by_hand(h, oh, X, y, N, F, B, e, sigma);
        size_t k = 0;
        while (k < np && xb_net_params(a)[k] == xb_net_params(h)[k])
            k++;
        cr_assert_eq(k, np, "epoch %u: parameter %zu is %.9g after the trainer's epoch, %.9g "
                     "after the same steps by hand", e, k, (double)xb_net_params(a)[k],
                     (double)xb_net_params(h)[k]);
        const int same = !memcmp(xb_net_params(a), xb_net_params(c), np * 4);
        cr_assert(e < 2 ? same : !same, "epoch %u: the schedule %s the constant step", e,
                  same ? "equals" : "differs from");
    }
    cr_assert(!memcmp(xb_net_params(r), xb_net_params(a), np * 4),
              "the resumed epoch 2 differs from the uninterrupted one");
    xb_trainer_free(ta), xb_trainer_free(tcst);
    xb_optim_free(oh);
    xb_net_free(a), xb_net_free(h), xb_net_free(c), xb_net_free(r);
    xb_free(X);
}

/* A small sweep on the synthetic set: σ_train = 0.8 against 0, both
 * evaluated at σ_test = 0.8 (multiplicative noise after both dense layers;
 * Adam 10⁻², 15 epochs of 1,000 images: 0.54 against 0.72 when written).
 * Accuracies are averaged over R repeats of the n test images; the bound
 * treats each model's accuracy as a proportion of n independent images
 * (the repeats only lower its variance), so the difference of two has
 * standard error sqrt(p0 (1 − p0) / n + p8 (1 − p8) / n); the noise-trained
 * model must win by more than 3 of them. */
Test(train_ref, noise_training_helps_at_test_noise, .timeout = 120)
{
    enum { EPOCHS = 15, R = 5, HID = 32 };
    const double s_test = 0.8;
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = 1000;
    sp.n_test = 500;
    struct xb_dataset *train, *test;
    cr_assert_eq(xb_data_synth(ctx, &sp, 3, &train, &test), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_net_config cfg;
    mlp(&cfg, (struct xb_shape){sp.c, sp.h, sp.w}, HID, sp.classes);
    const double sigmas[2] = {0.0, 0.8};
    double acc[2];
    for (int k = 0; k < 2; k++) {
        struct xb_net *net = make_net(&cfg, 32 * R);
        struct xb_train_params tp;
        xb_train_params_default(&tp);
        tp.batch = 32;
        tp.optim.lr = 1e-2;
        tp.noise = XB_NOISE_MULT;
        tp.sigma = sigmas[k];
        struct xb_trainer *tr;
        cr_assert_eq(xb_trainer_create(ctx, net, &tp, &tr), XB_OK, "%s", xb_ctx_error(ctx));
        for (int e = 0; e < EPOCHS; e++) {
            double loss;
            cr_assert_eq(xb_trainer_epoch(ctx, tr, train->x, train->y, train->n, &loss), XB_OK,
                         "%s", xb_ctx_error(ctx));
        }
        struct xb_eval_params ep = {.repeats = R, .votes = 1, .noise = XB_NOISE_MULT,
                                    .sigma = s_test};
        double ar[R], av[1];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, test->x, test->y, test->n, ar, av), XB_OK);
        acc[k] = 0.0;
        for (int r = 0; r < R; r++)
            acc[k] += ar[r] / R;
        xb_trainer_free(tr);
        xb_net_free(net);
    }
    const double n = (double)test->n;
    double se = sqrt(acc[0] * (1 - acc[0]) / n + acc[1] * (1 - acc[1]) / n);
    cr_assert_gt(acc[1] - acc[0], 3.0 * se, "at sigma_test %.1f: sigma_train 0.8 gives %.4f, "
                 "0 gives %.4f; want 0.8 ahead by > 3 standard errors (%.4f, n = %.0f)",
                 s_test, acc[1], acc[0], 3.0 * se, n);
    xb_dataset_free(train), xb_dataset_free(test);
}
