/*
 * Optimisers, epoch orders and the voting rule against known answers.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_eval.h"
#include "xb_optim.h"
#include "xb_train.h"

/* Adam's first step moves every parameter by lr against the sign of its
 * gradient (bias correction makes m/sqrt(v) = g/|g|), whatever |g|. */
Test(optim, adam_first_step_is_lr_times_sign)
{
    struct xb_optim_params p;
    xb_optim_params_default(&p);
    float w[4] = {1.0f, -2.0f, 0.5f, 3.0f}, g[4] = {0.3f, -40.0f, 1e-3f, 0.0f};
    struct xb_optim *o = xb_optim_create(&p, 4);
    xb_optim_step(o, w, g);
    float want[4] = {1.0f - 1e-3f, -2.0f + 1e-3f, 0.5f - 1e-3f, 3.0f};
    for (int k = 0; k < 4; k++)
        cr_assert(fabsf(w[k] - want[k]) < 2e-6f, "w[%d] = %.7g, want %.7g", k, (double)w[k],
                  (double)want[k]);
    cr_assert_eq(xb_optim_steps(o), 1);
    xb_optim_free(o);
}

/* Adam minimises a quadratic; a zero gradient never moves a parameter. */
Test(optim, adam_converges_and_ignores_zero_gradients)
{
    struct xb_optim_params p;
    xb_optim_params_default(&p);
    p.lr = 0.05;
    float w[2] = {4.0f, 7.0f}, g[2];
    struct xb_optim *o = xb_optim_create(&p, 2);
    for (int s = 0; s < 2000; s++) {
        g[0] = 2.0f * (w[0] - 1.5f); /* d/dw (w - 1.5)^2 */
        g[1] = 0.0f;
        xb_optim_step(o, w, g);
    }
    cr_assert(fabsf(w[0] - 1.5f) < 1e-3f, "w = %g", (double)w[0]);
    cr_assert_eq(w[1], 7.0f);
    xb_optim_free(o);
}

/* SGD with momentum 0.9: v = 0.9 v + g, w -= lr v, by hand. */
Test(optim, sgd_momentum_known_answer)
{
    struct xb_optim_params p = {.kind = XB_OPTIM_SGD, .lr = 0.1, .beta1 = 0.9};
    float w[1] = {1.0f}, g[1] = {1.0f};
    struct xb_optim *o = xb_optim_create(&p, 1);
    xb_optim_step(o, w, g); /* v = 1, w = 0.9 */
    xb_optim_step(o, w, g); /* v = 1.9, w = 0.71 */
    cr_assert(fabsf(w[0] - 0.71f) < 1e-6f, "w = %.8g", (double)w[0]);
    xb_optim_free(o);
}

Test(optim, bad_params_named)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_optim_params p;
    xb_optim_params_default(&p);
    p.lr = -1;
    cr_assert_eq(xb_optim_params_validate(ctx, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "lr") != NULL);
    xb_optim_params_default(&p);
    p.beta2 = 1.0;
    cr_assert_eq(xb_optim_params_validate(ctx, &p), XB_ERANGE);
    cr_assert_eq(xb_optim_kind_parse("sgd"), XB_OPTIM_SGD);
    cr_assert_eq(xb_optim_kind_parse("rmsprop"), -1);
    xb_ctx_free(ctx);
}

/* An epoch order is a permutation, fixed by (seed, epoch), new each epoch. */
Test(train, epoch_permutation)
{
    enum { N = 1000 };
    uint32_t a[N], b[N], c[N];
    xb_epoch_permutation(5, 3, N, a);
    xb_epoch_permutation(5, 3, N, b);
    xb_epoch_permutation(5, 4, N, c);
    cr_assert(memcmp(a, b, sizeof a) == 0);
    cr_assert(memcmp(a, c, sizeof a) != 0);
    static unsigned char seen[N];
    memset(seen, 0, N);
    for (int k = 0; k < N; k++) {
        cr_assert_lt(a[k], N);
        cr_assert_eq(seen[a[k]], 0);
        seen[a[k]] = 1;
    }
    /* Not the identity, and position 0 is not stuck: over 200 epochs the
     * first element takes many values. */
    int fixed = 0;
    for (int k = 0; k < N; k++)
        fixed += a[k] == (uint32_t)k;
    cr_assert_lt(fixed, 10);
}

/* Majority with the tie rule: the tied class an earlier vote chose wins. */
Test(eval, majority_tie_rule)
{
    int counts[10];
    uint8_t v1[] = {3};
    cr_assert_eq(xb_majority(v1, 1, 10, counts), 3);
    uint8_t v2[] = {7, 2, 2, 7, 5};
    cr_assert_eq(xb_majority(v2, 5, 10, counts), 7); /* 7 and 2 tie; 7 came first */
    uint8_t v3[] = {9, 1, 1, 0, 1};
    cr_assert_eq(xb_majority(v3, 5, 10, counts), 1);
    uint8_t v4[] = {4, 6};
    cr_assert_eq(xb_majority(v4, 2, 10, counts), 4);
    cr_assert_eq(xb_majority(v4 + 1, 1, 10, counts), 6);
}
