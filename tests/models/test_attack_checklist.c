/*
 * The obfuscated-gradient checklist (models/attack/xb_attack_checklist.h):
 * a trained MLP passes all five tests; the same MLP with its gradients
 * masked fails. The mask: every weight and bias × 30, so the logits' gaps
 * exceed float's exp range (e^-104 underflows) and the softmax is exactly
 * one-hot — the cross-entropy gradient is exactly 0 on every image the
 * model gets right, sign(0) = 0, and the gradient attacks stand still
 * while random points of the ball, which need no gradient, still fool
 * it. Its checklist must then fail `unbounded` (PGD at eps 1 leaves the
 * images PGD cannot move) and `random` (random sampling beats PGD). Every
 * verdict is checked against the numbers it reports.
 *
 * Planted bugs that fail here (each tried, then removed): `random`
 * comparing the other way round; `unbounded` run at the budget eps instead
 * of 1; the monotone test reading the grid backwards.
 */
#include <criterion/criterion.h>

#include "xb_alloc.h"
#include "xb_attack_checklist.h"
#include "xb_data.h"
#include "xb_net.h"
#include "xb_test_net.h"
#include "xb_train.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(checklist, .init = setup, .fini = teardown);

/* 8 × 8 synthetic digits, 64-32-10 MLP, 4 epochs of Adam (as
 * test_attack.c's model, without noise layers). */
static struct xb_net *trained(struct xb_dataset **test)
{
    struct xb_dataset *train;
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = 1000, sp.n_test = 60, sp.sigma = 0.35;
    cr_assert_eq(xb_data_synth(ctx, &sp, 7, &train, test), XB_OK);
    struct xb_net_config cfg = {.input = {1, 8, 8}, .classes = 10, .n_layers = 4};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("dense", 32);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("dense", 10);
    struct xb_net *net = xb_test_net(ctx, &cfg, 256);
    xb_net_init(net, 11);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.optim.lr = 0.01;
    struct xb_trainer *tr;
    cr_assert_eq(xb_trainer_create(ctx, net, &tp, &tr), XB_OK);
    for (int e = 0; e < 4; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, tr, train->x, train->y, train->n, &loss), XB_OK);
    }
    xb_trainer_free(tr);
    xb_dataset_free(train);
    return net;
}

static struct xb_attack_params params(void)
{
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.step = 0.02, p.steps = 15, p.nattack_pop = 20, p.nattack_iters = 20;
    return p;
}

/* Each verdict is its rule applied to the reported numbers. */
static void verdicts_follow_the_numbers(const struct xb_checklist *c)
{
    const double it = c->bim < c->pgd ? c->bim : c->pgd, wb = c->fgsm < it ? c->fgsm : it;
    cr_assert_eq(c->pass[XB_CHECK_ONE_STEP], c->fgsm >= it);
    cr_assert_eq(c->pass[XB_CHECK_BLACK_BOX], c->nattack >= wb);
    cr_assert_eq(c->pass[XB_CHECK_UNBOUNDED], c->unbounded <= 0.01);
    int mono = 1;
    for (int k = 1; k < XB_CHECKLIST_GRID; k++)
        mono &= c->curve[k] <= c->curve[k - 1];
    cr_assert_eq(c->pass[XB_CHECK_MONOTONE], mono);
    cr_assert_eq(c->pass[XB_CHECK_RANDOM], c->random >= c->pgd);
    cr_assert(c->grid[0] == 0.0 && c->grid[XB_CHECKLIST_GRID - 1] == c->eps);
    cr_assert(c->curve[0] == c->clean, "PGD at eps 0 moved: %.3f, clean %.3f", c->curve[0],
              c->clean);
}

static void log_checklist(const char *what, const struct xb_checklist *c)
{
    cr_log_info("%s: clean %.3f fgsm %.3f bim %.3f pgd %.3f nattack %.3f random %.3f "
                "unbounded %.3f curve %.3f %.3f %.3f %.3f %.3f", what, c->clean, c->fgsm, c->bim,
                c->pgd, c->nattack, c->random, c->unbounded, c->curve[0], c->curve[1],
                c->curve[2], c->curve[3], c->curve[4]);
}

Test(checklist, a_trained_mlp_passes_and_its_masked_copy_fails)
{
    struct xb_dataset *test;
    struct xb_net *net = trained(&test);
    const struct xb_attack_params p = params();
    struct xb_checklist c;
    cr_assert_eq(xb_checklist_run(ctx, net, &p, NULL, 0, 0.2, test->x, test->y, test->n, &c), XB_OK,
                 "%s", xb_ctx_error(ctx));
    log_checklist("trained", &c);
    verdicts_follow_the_numbers(&c);
    cr_assert_gt(c.clean, 0.8, "the model did not train: %.3f", c.clean);
    for (int k = 0; k < XB_CHECK_COUNT; k++)
        cr_assert(c.pass[k], "the trained MLP fails %s", xb_checklist_name(k));
    cr_assert(xb_checklist_passed(&c));
    /* Masked: every parameter × 30; eps 0.5, where random points of the
     * ball fool the confident model now and then (at 0.2 they never do). */
    float *w = xb_net_params(net);
    for (size_t i = 0; i < xb_net_n_params(net); i++)
        w[i] *= 30.0f;
    cr_assert_eq(xb_checklist_run(ctx, net, &p, NULL, 0, 0.5, test->x, test->y, test->n, &c), XB_OK);
    log_checklist("masked", &c);
    verdicts_follow_the_numbers(&c);
    cr_assert(!c.pass[XB_CHECK_UNBOUNDED], "PGD at eps 1 on the masked model: %.3f",
              c.unbounded);
    cr_assert(!c.pass[XB_CHECK_RANDOM], "random %.3f, PGD %.3f", c.random, c.pgd);
    cr_assert(!xb_checklist_passed(&c));
    xb_dataset_free(test);
    xb_net_free(net);
}

Test(checklist, bad_parameters_are_named)
{
    struct xb_dataset *test;
    struct xb_net *net = trained(&test);
    struct xb_attack_params p = params();
    p.nattack_pop = 1000;
    struct xb_checklist c;
    cr_assert_eq(xb_checklist_run(ctx, net, &p, NULL, 0, 0.2, test->x, test->y, test->n, &c), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "nattack_pop = 1000"), "%s", xb_ctx_error(ctx));
    xb_dataset_free(test);
    xb_net_free(net);
}
