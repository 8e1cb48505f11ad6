/*
 * The loss kinds (models/loss/xb_loss.h, models/loss/loss_*.c): hand-computed
 * values and gradients, extreme logits, NaN propagation, the gradient
 * against central differences of the value, the table, and the net
 * calling its configured kind (the default one bit for bit).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_loss.h"
#include "xb_net.h"
#include "xb_test_net.h"
#include "xb_test_util.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(loss, .init = setup, .fini = teardown);

/* The value is computed in double from float inputs: a sum of a few terms
 * of size <= S is exact to a few ulps of S, 2^-52 S each. */
static void near(double got, double want, double scale, const char *what)
{
    const double tol = 8.0 * ldexp(fmax(scale, 1.0), -52);
    cr_assert(fabs(got - want) <= tol, "%s: %.17g, expected %.17g (tol %.3g)", what, got, want,
              tol);
}

/* A float gradient is the double value rounded once: within 2^-24 of it,
 * relatively (and exactly 0 where the double is 0). */
static void grad_near(const float *g, const double *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs((double)g[i] - want[i]) <= ldexp(fabs(want[i]), -24), "%s[%zu]: %.9g, "
                  "expected %.9g", what, i, (double)g[i], want[i]);
}

Test(loss, cross_entropy_known_answers)
{
    /* Row 0: log(e + e^2 + e^3) - 3 = 0.40760596444438013, softmax
     * (0.0900305731703805, 0.244728471054798, 0.665240955774822); row 1,
     * equal logits: log 3 and softmax 1/3 each. Mean of the two; gradient
     * (softmax - onehot) / 2. */
    const float z[6] = {1, 2, 3, 0, 0, 0};
    const uint8_t y[2] = {2, 0};
    float g[6];
    double L = xb_loss_cross_entropy.eval(z, y, 2, 3, g);
    near(L, (0.40760596444438013 + 1.0986122886681098) / 2.0, 3.0, "loss");
    const double want[6] = {0.09003057317038046 / 2, 0.24472847105479767 / 2,
                            (0.6652409557748219 - 1.0) / 2, (1.0 / 3 - 1.0) / 2, 1.0 / 6,
                            1.0 / 6};
    grad_near(g, want, 6, "grad");
    /* The value alone (grad NULL) is the same number. */
    cr_assert(xb_loss_cross_entropy.eval(z, y, 2, 3, NULL) == L);
}

/* Logits far beyond exp's range: the max shift keeps every exponential in
 * (0, 1], so values and gradients are finite and exact where the answer
 * is. A naive log Σ exp overflows to Inf at z = 89 in float, 710 in double. */
Test(loss, cross_entropy_extreme_logits)
{
    const float z[9] = {1e38f, -1e38f, 0.0f, /* right class far ahead: loss 0 */
                        1e38f, -1e38f, 0.0f, /* wrong class: loss 2e38, finite */
                        1000.0f, 1000.0f, -1000.0f}; /* a tie at 1000: log 2 */
    const uint8_t y[3] = {0, 1, 0};
    float g[9];
    double L0 = xb_loss_cross_entropy.eval(z, y, 1, 3, g);
    cr_assert(L0 == 0.0, "loss %.17g", L0);
    cr_assert(g[0] == 0.0f && g[1] == 0.0f && g[2] == 0.0f);
    double L1 = xb_loss_cross_entropy.eval(z + 3, y + 1, 1, 3, g);
    /* m + log 1 - z_1 = 1e38f - (-1e38f), exactly ((double)1e38f is not 1e38) */
    cr_assert(L1 == (double)1e38f - (double)-1e38f, "loss %.17g", L1);
    cr_assert(g[0] == 1.0f && g[1] == -1.0f && g[2] == 0.0f);
    double L2 = xb_loss_cross_entropy.eval(z + 6, y + 2, 1, 3, g);
    near(L2, log(2.0), 1000.0, "tie at 1000");
    cr_assert(g[0] == -0.5f && g[1] == 0.5f && g[2] == 0.0f, "%g %g %g", (double)g[0],
              (double)g[1], (double)g[2]);
    /* All rows together: the mean, the gradient divided by 3. */
    double L = xb_loss_cross_entropy.eval(z, y, 3, 3, g);
    cr_assert(isfinite(L));
    cr_assert(g[3] == (float)(1.0 / 3.0) && g[4] == (float)(-1.0 / 3.0));
}

/* A NaN logit gives a NaN loss: the trainer's non-finite guard
 * (models/train/xb_train.c) stops on it instead of training on garbage. */
Test(loss, nan_logit_gives_nan_loss)
{
    const float z[3] = {0.5f, NAN, -1.0f};
    const uint8_t y[1] = {0};
    cr_assert(isnan(xb_loss_cross_entropy.eval(z, y, 1, 3, NULL)));
    cr_assert(isnan(xb_loss_mse.eval(z, y, 1, 3, NULL)));
}

Test(loss, mse_known_answers)
{
    /* Row 0 (label 0): differences (-0.5, -1, 2), squares 5.25; row 1
     * (label 2): (0, 0, -1), 1. Mean over 2 x 3: 6.25 / 6; gradient
     * 2 d / 6. */
    const float z[6] = {0.5f, -1.0f, 2.0f, 0.0f, 0.0f, 0.0f};
    const uint8_t y[2] = {0, 2};
    float g[6];
    double L = xb_loss_mse.eval(z, y, 2, 3, g);
    near(L, 6.25 / 6.0, 4.0, "loss");
    const double want[6] = {-1.0 / 6, -2.0 / 6, 4.0 / 6, 0.0, 0.0, -2.0 / 6};
    grad_near(g, want, 6, "grad");
    cr_assert(xb_loss_mse.eval(z, y, 2, 3, NULL) == L);
}

/* The gradient of every kind against central differences of its own
 * value. The value is double from float logits: with a step h = 2^-10 and
 * logits |z| < 8, z ± h are exact floats, so the difference quotient's
 * errors are (i) truncation h^2/6 |d^3L/dz^3|, at most h^2/6 · 0.0962 / rows
 * for cross-entropy (p(1-p)(1-2p) peaks at 0.0962) and 0 for mse
 * (quadratic), (ii) the value's rounding, 8 · 2^-52 · 8 / h, and (iii) the
 * float gradient's own rounding, 2^-24 |g|. */
static void check_fd(const struct xb_loss_type *t, double third)
{
    enum { R = 4, C = 10 };
    float z[R * C], g[R * C];
    uint8_t y[R] = {3, 0, 9, 3};
    xb_test_fill_normal(z, R * C, 7, 1, 2.0f);
    for (size_t i = 0; i < R * C; i++)
        z[i] = fmaxf(-7.9f, fminf(7.9f, z[i]));
    t->eval(z, y, R, C, g);
    const double h = ldexp(1.0, -10);
    for (size_t i = 0; i < R * C; i++) {
        const float z0 = z[i];
        z[i] = (float)((double)z0 + h);
        const double Lp = t->eval(z, y, R, C, NULL);
        z[i] = (float)((double)z0 - h);
        const double Lm = t->eval(z, y, R, C, NULL);
        z[i] = z0;
        const double num = (Lp - Lm) / (2.0 * h);
        const double tol = h * h / 6.0 * third / R + 8.0 * ldexp(8.0, -52) / h +
                           ldexp(fabs((double)g[i]), -24);
        cr_assert(fabs(num - (double)g[i]) <= tol, "%s: dL/dz[%zu] = %.12g, differences %.12g "
                  "(tol %.3g)", t->name, i, (double)g[i], num, tol);
    }
}

Test(loss, gradients_match_central_differences)
{
    check_fd(&xb_loss_cross_entropy, 0.0962);
    check_fd(&xb_loss_mse, 0.0);
}

Test(loss, table_finds_every_kind)
{
    cr_assert_eq(xb_loss_type_find("cross_entropy"), &xb_loss_cross_entropy);
    cr_assert_eq(xb_loss_type_find("mse"), &xb_loss_mse);
    cr_assert_null(xb_loss_type_find("hinge"));
    cr_assert_eq(xb_loss_default, &xb_loss_cross_entropy);
    size_t n = 0;
    for (; xb_loss_type_at(n); n++)
        cr_assert_eq(xb_loss_type_find(xb_loss_type_at(n)->name), xb_loss_type_at(n));
    cr_assert_eq(n, 2);
}

/* A net of one flatten (every layer a view): its logits are its input and
 * dL/d(input) is dL/dlogits, so the net's loss and gradient can be read
 * against the kind's own. The default is cross_entropy, bit for bit. */
static void net_uses(const char *name, const struct xb_loss_type *t)
{
    struct xb_net_config cfg = {.input = {5, 1, 1}, .classes = 5, .n_layers = 1};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    snprintf(cfg.loss, sizeof cfg.loss, "%s", name);
    struct xb_net *net = xb_test_net(ctx, &cfg, 3);
    cr_assert_eq(xb_net_loss_type(net), t);
    float x[15], dx[15], g[15];
    xb_test_fill_normal(x, 15, 8, 1, 3.0f);
    const uint8_t y[3] = {4, 0, 2};
    struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = 3, .addr = {.batch = 3}};
    double L = xb_net_input_grad(net, &p, x, y, dx);
    double want = t->eval(x, y, 3, 5, g);
    cr_assert(L == want, "%s: net loss %.17g, kind %.17g", name, L, want);
    cr_assert(!memcmp(dx, g, sizeof g), "%s: dL/dx is not the kind's gradient", name);
    xb_net_free(net);
}

Test(loss, net_calls_its_kind)
{
    net_uses("", &xb_loss_cross_entropy);
    net_uses("cross_entropy", &xb_loss_cross_entropy);
    net_uses("mse", &xb_loss_mse);
}

Test(loss, unknown_kind_is_an_error_naming_it)
{
    struct xb_net_config cfg = {.input = {5, 1, 1}, .classes = 5, .n_layers = 1};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    snprintf(cfg.loss, sizeof cfg.loss, "hinge");
    struct xb_net *net = (struct xb_net *)1;
    cr_assert_eq(xb_net_create(ctx, &cfg, 3, &net), XB_ENOTFOUND);
    cr_assert_null(net);
    const char *m = xb_ctx_error(ctx);
    cr_assert(strstr(m, "loss = \"hinge\"") && strstr(m, "cross_entropy, mse"), "%s", m);
}
