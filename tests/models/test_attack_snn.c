/*
 * Spiking targets attacked through several surrogate gradients (issue 12,
 * models/attack/xb_attack.h `surrogate`, models/layers/xb_spike.h
 * xb_lif_swap_surrogate): the surrogate changes the input gradient and
 * nothing of the forward; an attack with surrogate s takes the very steps
 * it takes on the same net built with s in its config; it leaves the net's
 * own surrogates in place; a surrogate on a net without lif layers, or out
 * of range, is refused naming it. That xbar attack reports the lowest
 * accuracy over attack.surrogates and each one's is checked end to end by
 * tests/cli_snn.sh. And EOT over a rate encoder's spikes: a Bernoulli-coded
 * net is a random target without any noise, each gradient the mean over
 * attack.eot draws of the input spikes.
 *
 * Planted bugs that fail here (each tried, then removed): the swap left in
 * place after the step (the net's own surrogate lost); the swap skipped
 * (every surrogate attacks alike); the forward reading the surrogate; a
 * rate encoder not counted as random (one draw whatever eot says).
 *
 * The obfuscated-gradient checklist on a spiking target runs each gradient
 * attack through every surrogate of attack.surrogates and tests the lowest
 * accuracy (xb_attack_checklist.h): a checklist on the first surrogate
 * alone passed a last-step-readout SNN that another surrogate broke.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack.h"
#include "xb_attack_checklist.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_spike.h"
#include "xb_test_net.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(attack_snn, .init = setup, .fini = teardown);

enum { B = 12, F = 36, C = 10, T = 6 };

/* A direct-coded SNN (deterministic at sigma 0, so one draw is the
 * gradient): 6 x 6 pixels at each of T steps, 30 LIF neurons (threshold
 * 0.5, so they fire and the surrogate matters), 10 membrane-sum outputs;
 * surrogate kind in both lif layers, width 1. */
static struct xb_net *snn_net_coded(int kind, size_t rows, enum xb_encoding enc)
{
    struct xb_net_config cfg = {.input = {1, 6, 6}, .classes = C, .n_layers = 3};
    cfg.layers[0] = xb_test_layer("encode", 0);
    cfg.layers[0].steps = T;
    cfg.layers[0].encoding = enc;
    cfg.layers[1] = xb_test_layer("lif", 30);
    cfg.layers[1].leak = 0.5;
    cfg.layers[1].threshold = 0.5;
    cfg.layers[1].surrogate = kind;
    cfg.layers[2] = xb_test_layer("lif", C);
    cfg.layers[2].leak = 0.5;
    cfg.layers[2].readout = XB_READOUT_MEMBRANE_SUM;
    cfg.layers[2].surrogate = kind;
    struct xb_net *net = xb_test_net(ctx, &cfg, rows);
    xb_net_init(net, 5);
    return net;
}

static struct xb_net *snn_net(int kind, size_t rows)
{
    return snn_net_coded(kind, rows, XB_ENCODE_DIRECT);
}

static void pixels(float *x, size_t n)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = 7};
    struct xb_stream s = xb_stream_at(17, &a);
    xb_uniform_fill(&s, 0, n, x);
}

static struct xb_pass eval_pass(void)
{
    return (struct xb_pass){.phase = XB_PHASE_EVAL, .rows = B, .addr = {.batch = B},
                            .seed = 20261129, .backward = 1};
}

/* Logits and dL/dx of net on x, labels y. */
static void forward_grad(struct xb_net *net, const float *x, const uint8_t *y, float *z,
                         float *dx)
{
    struct xb_pass p = eval_pass();
    memcpy(z, xb_net_forward(net, &p, x), B * C * sizeof(float));
    xb_net_loss(net, y, B);
    xb_net_backward_input(net, &p, x, dx);
}

/* The surrogate is the backward's alone: swapping it leaves the logits
 * bit for bit, while the input gradients of the four kinds all differ;
 * each swapped gradient is that of the net built with the kind in its
 * config and the same parameters, bit for bit. */
Test(attack_snn, swap_changes_the_gradient_not_the_forward)
{
    float x[B * F], z0[B * C], z[B * C], dx[4][B * F], ref[B * F];
    uint8_t y[B];
    pixels(x, B * F);
    for (int s = 0; s < B; s++)
        y[s] = (uint8_t)(s % C);
    struct xb_net *net = snn_net(XB_SURROGATE_RECT, B);
    struct xb_layer *l1 = xb_net_layer(net, 1), *l2 = xb_net_layer(net, 2);
    forward_grad(net, x, y, z0, dx[0]);
    for (int k = 0; k <= XB_SURROGATE_ARCTAN; k++) {
        cr_assert_eq(xb_lif_swap_surrogate(l1, (enum xb_surrogate)k), XB_SURROGATE_RECT);
        cr_assert_eq(xb_lif_swap_surrogate(l2, (enum xb_surrogate)k), XB_SURROGATE_RECT);
        forward_grad(net, x, y, z, dx[k]);
        cr_assert(!memcmp(z, z0, sizeof z), "surrogate %s moved the forward",
                  xb_surrogate_names[k]);
        xb_lif_swap_surrogate(l1, XB_SURROGATE_RECT);
        xb_lif_swap_surrogate(l2, XB_SURROGATE_RECT);
        struct xb_net *own = snn_net(k, B);
        memcpy(xb_net_params(own), xb_net_params(net), xb_net_n_params(net) * sizeof(float));
        forward_grad(own, x, y, z, ref);
        cr_assert(!memcmp(ref, dx[k], sizeof ref), "swapped %s is not the configured one",
                  xb_surrogate_names[k]);
        xb_net_free(own);
    }
    for (int a = 0; a <= XB_SURROGATE_ARCTAN; a++)
        for (int b = a + 1; b <= XB_SURROGATE_ARCTAN; b++)
            cr_assert(memcmp(dx[a], dx[b], sizeof dx[a]), "%s and %s give one gradient",
                      xb_surrogate_names[a], xb_surrogate_names[b]);
    xb_net_free(net);
}

/* PGD with p.surrogate = k on a net trained with rectangular takes, step
 * by step, the iterates PGD takes on the same parameters built with k;
 * afterwards the net's backward is rectangular's again. Different
 * surrogates give different adversarial images. */
Test(attack_snn, attack_uses_the_surrogate_and_restores_the_own)
{
    float x[B * F], z[B * C], before[B * F], after[B * F], adv[4][B * F];
    uint8_t y[B];
    pixels(x, B * F);
    for (int s = 0; s < B; s++)
        y[s] = (uint8_t)((s * 7) % C);
    struct xb_net *net = snn_net(XB_SURROGATE_RECT, B);
    forward_grad(net, x, y, z, before);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.eps = 0.1;
    p.step = 0.02;
    p.steps = 5;
    for (int k = 0; k <= XB_SURROGATE_ARCTAN; k++) {
        p.surrogate = k;
        struct xb_attack_params q = p;
        q.surrogate = -1;
        struct xb_net *own = snn_net(k, B);
        memcpy(xb_net_params(own), xb_net_params(net), xb_net_n_params(net) * sizeof(float));
        struct xb_attack *a, *b;
        cr_assert_eq(xb_attack_create(ctx, net, &xb_attack_pgd, &p, &a), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(xb_attack_create(ctx, own, &xb_attack_pgd, &q, &b), XB_OK);
        xb_attack_begin(a, x, y, B, 0, 0);
        xb_attack_begin(b, x, y, B, 0, 0);
        for (int step = 0; step < p.steps; step++) {
            xb_attack_step(a);
            xb_attack_step(b);
            cr_assert(!memcmp(xb_attack_x(a), xb_attack_x(b), sizeof adv[k]),
                      "%s: step %d differs from the net built with it",
                      xb_surrogate_names[k], step);
        }
        memcpy(adv[k], xb_attack_x(a), sizeof adv[k]);
        xb_attack_free(a), xb_attack_free(b);
        xb_net_free(own);
        forward_grad(net, x, y, z, after);
        cr_assert(!memcmp(before, after, sizeof before), "the attack with %s left it in "
                  "the net", xb_surrogate_names[k]);
    }
    int differ = 0;
    for (int k = 1; k <= XB_SURROGATE_ARCTAN; k++)
        differ += memcmp(adv[0], adv[k], sizeof adv[0]) != 0;
    cr_assert_eq(differ, XB_SURROGATE_ARCTAN, "only %d surrogates moved the attack", differ);
    xb_net_free(net);
}

/* A surrogate needs lif layers to set, and a kind. */
Test(attack_snn, refused_without_lif_or_kind)
{
    struct xb_net_config cfg = {.input = {1, 1, F}, .classes = C, .n_layers = 1};
    cfg.layers[0] = xb_test_layer("dense", C);
    struct xb_net *dense = xb_test_net(ctx, &cfg, B), *snn = snn_net(XB_SURROGATE_RECT, B);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    cr_assert_eq(xb_attack_params_validate(ctx, dense, &xb_attack_pgd, &p), XB_OK);
    p.surrogate = XB_SURROGATE_ARCTAN;
    cr_assert_eq(xb_attack_params_validate(ctx, snn, &xb_attack_pgd, &p), XB_OK);
    cr_assert_eq(xb_attack_params_validate(ctx, dense, &xb_attack_pgd, &p), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "surrogate arctan: the model has no lif layer"),
              "%s", xb_ctx_error(ctx));
    p.surrogate = XB_SURROGATE_ARCTAN + 1;
    cr_assert_eq(xb_attack_params_validate(ctx, snn, &xb_attack_pgd, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "attack surrogate = 4"), "%s", xb_ctx_error(ctx));
    xb_net_free(dense), xb_net_free(snn);
}

/* EOT over the input spikes: on a Bernoulli-coded net without noise,
 * eot = 4 draws are averaged per gradient (xb_attack_draws; a direct-coded
 * one stays one draw), so BIM's first step is the signed mean of the four
 * draws' input gradients at the attack's votes XB_ATTACK_VOTE0 .. + 3 (rows
 * d·b + s: draw d of image s, as xb_attack.c stacks them), summed in draw
 * order in double as xb_attack_step does; one draw's step differs. */
Test(attack_snn, eot_over_rate_coded_spikes)
{
    enum { D = 4 };
    static float x[B * F], xr[D * B * F], dx[D * B * F], want[B * F];
    uint8_t y[B], yr[D * B];
    pixels(x, B * F);
    for (int s = 0; s < B; s++)
        y[s] = (uint8_t)((s * 3) % C);
    struct xb_net *net = snn_net_coded(XB_SURROGATE_RECT, D * B, XB_ENCODE_BERNOULLI);
    struct xb_net *direct = snn_net(XB_SURROGATE_RECT, D * B);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.eot = D;
    p.steps = 1;
    p.step = 0.02;
    cr_assert_eq(xb_attack_draws(net, &p), D);
    cr_assert_eq(xb_attack_draws(direct, &p), 1);
    /* The reference: one pass of the D copies at the attack's votes. */
    for (int d = 0; d < D; d++) {
        memcpy(xr + d * B * F, x, sizeof x);
        memcpy(yr + d * B, y, B);
    }
    struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = D * B, .seed = 20261129,
                           .addr = {.batch = B, .vote0 = XB_ATTACK_VOTE0}, .backward = 1};
    xb_net_forward(net, &pass, xr);
    xb_net_loss(net, yr, D * B);
    xb_net_backward_input(net, &pass, xr, dx);
    int differ = 0;
    for (int s = 0; s < B; s++)
        for (int i = 0; i < F; i++) {
            double sum = 0.0;
            for (int d = 0; d < D; d++)
                sum += (1.0 / D) * (double)dx[(d * B + s) * F + i];
            const float g = (float)sum, x0 = x[s * F + i];
            const float v = x0 + (g > 0.0f ? 0.02f : g < 0.0f ? -0.02f : 0.0f);
            want[s * F + i] = fminf(fmaxf(v, fmaxf(x0 - 0.1f, 0.0f)), fminf(x0 + 0.1f, 1.0f));
            differ += dx[s * F + i] != dx[(B + s) * F + i];
        }
    cr_assert_gt(differ, 0, "the draws' gradients are equal: no power");
    struct xb_attack *a;
    cr_assert_eq(xb_attack_create(ctx, net, &xb_attack_bim, &p, &a), XB_OK, "%s",
                 xb_ctx_error(ctx));
    xb_attack_begin(a, x, y, B, 0, 0);
    xb_attack_step(a);
    cr_assert(!memcmp(xb_attack_x(a), want, sizeof want), "the step is not the mean of the "
              "draws' gradients");
    xb_attack_free(a);
    p.eot = 1;
    cr_assert_eq(xb_attack_create(ctx, net, &xb_attack_bim, &p, &a), XB_OK);
    xb_attack_begin(a, x, y, B, 0, 0);
    xb_attack_step(a);
    cr_assert(memcmp(xb_attack_x(a), want, sizeof want), "one draw steps as four do");
    xb_attack_free(a);
    xb_net_free(net), xb_net_free(direct);
}

/* The checklist through {rectangular, arctan}: every gradient attack's
 * number (FGSM, BIM, PGD, the unbounded PGD, the eps grid) is exactly the
 * lower of the two one-surrogate checklists', PGD's per-surrogate numbers
 * are theirs, and the gradient-free ones (NAttack, random) are the same in
 * all three. The two surrogates must disagree somewhere on these images,
 * or taking the lower would be untested (they do: the case has power). */
Test(attack_snn, checklist_takes_the_lowest_over_surrogates)
{
    enum { N = 48 };
    struct xb_net *net = snn_net(XB_SURROGATE_RECT, N);
    float *x = xb_malloc(N * F, sizeof(float));
    uint8_t y[N];
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = 8};
    struct xb_stream st = xb_stream_at(19, &a);
    xb_uniform_fill(&st, 0, N * F, x);
    struct xb_pass p0 = {.phase = XB_PHASE_EVAL, .rows = N, .addr = {.batch = N},
                         .seed = 20261129};
    const float *z = xb_net_forward(net, &p0, x);
    for (int i = 0; i < N; i++) { /* the net's own answers: 100 % clean */
        int best = 0;
        for (int k = 1; k < C; k++)
            best = z[i * C + k] > z[i * C + best] ? k : best;
        y[i] = (uint8_t)best;
    }
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.step = 0.02, p.steps = 6, p.nattack_pop = 8, p.nattack_iters = 4;
    const int rect = XB_SURROGATE_RECT, atan_ = XB_SURROGATE_ARCTAN, both[] = {rect, atan_};
    struct xb_checklist cr, ca, cb;
    cr_assert_eq(xb_checklist_run(ctx, net, &p, &rect, 1, 0.08, x, y, N, &cr), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_checklist_run(ctx, net, &p, &atan_, 1, 0.08, x, y, N, &ca), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_checklist_run(ctx, net, &p, both, 2, 0.08, x, y, N, &cb), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(cb.clean, 1.0);
    const double *r[] = {&cr.fgsm, &cr.bim, &cr.pgd, &cr.unbounded, &cr.curve[1], &cr.curve[2],
                         &cr.curve[3]};
    const double *t[] = {&ca.fgsm, &ca.bim, &ca.pgd, &ca.unbounded, &ca.curve[1], &ca.curve[2],
                         &ca.curve[3]};
    const double *b[] = {&cb.fgsm, &cb.bim, &cb.pgd, &cb.unbounded, &cb.curve[1], &cb.curve[2],
                         &cb.curve[3]};
    int differ = 0;
    for (size_t k = 0; k < sizeof r / sizeof *r; k++) {
        cr_assert_eq(*b[k], fmin(*r[k], *t[k]), "gradient number %zu: %.4f with both "
                     "surrogates, %.4f rectangular, %.4f arctan", k, *b[k], *r[k], *t[k]);
        differ += *r[k] != *t[k];
    }
    cr_assert(differ > 0, "rectangular and arctan give the same accuracies: no power");
    cr_assert_eq(cb.pgd_by_surrogate[0], cr.pgd);
    cr_assert_eq(cb.pgd_by_surrogate[1], ca.pgd);
    cr_assert_eq(cb.n_surrogates, 2);
    cr_assert(cb.nattack == cr.nattack && cb.nattack == ca.nattack);
    cr_assert(cb.random == cr.random && cb.random == ca.random);
    xb_free(x);
    xb_net_free(net);
}
