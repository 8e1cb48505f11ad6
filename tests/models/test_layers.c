/*
 * The layer kinds (models/layers/layer_*.c), one at a time outside a net:
 * central-difference gradient checks of every kind (parameters and
 * inputs); known answers (dense by hand, conv2d against a direct
 * convolution, maxpool's argmax); noise and dropout addressing,
 * batchnorm's statistics. The loss, whole nets, threads, the device path
 * and config errors are in test_layers_net.c.
 *
 * Gradient checks: the layer's output y is reduced to L = Σ c_i y_i with
 * fixed random c (in double), so dL/dy = c is what backward receives. A
 * parameter or input v is moved to v ± h (h relative to |v|, at least an
 * absolute floor) and (L+ − L−) / (2h) is compared to the analytic value
 * with |num − ana| <= rtol · max(|num|, |ana|) + atol. The noise and dropout
 * draws are addressed, so both evaluations see the same draw and the check
 * is exact for it.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_test_layers.h"
#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_rng.h"

TestSuite(layers, .init = setup, .fini = teardown);

/* Values of magnitude in [0.2, 1.2] with random sign: away from ReLU's
 * kink by more than any step h used here. */
static void fill_away_from_zero(float *x, size_t n, uint32_t layer)
{
    fill_normal(x, n, layer, 1.0f);
    for (size_t i = 0; i < n; i++)
        x[i] = (x[i] < 0.0f ? -1.0f : 1.0f) * (0.2f + fmodf(fabsf(x[i]), 1.0f));
}

/* ---- a single layer outside a net ---------------------------------------- */

struct lay {
    struct xb_layer l;
};

static void lay_make(struct lay *t, const struct xb_layer_type *type, struct xb_shape in,
                     size_t max_rows, const struct xb_layer_config *cfg, uint32_t id)
{
    memset(t, 0, sizeof *t);
    t->l.type = type;
    t->l.id = id;
    t->l.in = in;
    t->l.max_rows = max_rows;
    cr_assert_eq(type->create(ctx, &t->l, cfg), XB_OK, "%s", xb_ctx_error(ctx));
    size_t n = t->l.n_params ? t->l.n_params : 1;
    t->l.params = xb_aligned(n, sizeof(float));
    t->l.grads = xb_aligned(n, sizeof(float));
    memset(t->l.params, 0, n * sizeof(float));
    memset(t->l.grads, 0, n * sizeof(float));
    if (type->init)
        type->init(&t->l, 5);
}

static void lay_free(struct lay *t)
{
    t->l.type->destroy(&t->l);
    xb_free(t->l.params);
    xb_free(t->l.grads);
}

static double objective(struct lay *t, const struct xb_pass *p, const float *x,
                        const double *c, float *y)
{
    t->l.type->forward(&t->l, p, x, y);
    double L = 0.0;
    for (size_t i = 0; i < p->rows * xb_shape_size(t->l.out); i++)
        L += c[i] * (double)y[i];
    return L;
}

/* Central difference of L with respect to *v, restored afterwards. */
static double num_diff(struct lay *t, const struct xb_pass *p, const float *x, const double *c,
                       float *y, float *v, double h)
{
    const float v0 = *v;
    const double step = h * fmax(1.0, fabs((double)v0));
    const float vp = (float)((double)v0 + step), vm = (float)((double)v0 - step);
    *v = vp;
    const double Lp = objective(t, p, x, c, y);
    *v = vm;
    const double Lm = objective(t, p, x, c, y);
    *v = v0;
    return (Lp - Lm) / ((double)vp - (double)vm);
}

/* Checks dL/dparams (the first n_check of them) and dL/dx of one layer at
 * input x (rows of p). */
static void grad_check_n(struct lay *t, const struct xb_pass *p, float *x, const struct tol *tl,
                         size_t n_check)
{
    const size_t n_in = p->rows * xb_shape_size(t->l.in);
    const size_t n_out = p->rows * xb_shape_size(t->l.out);
    double *c = xb_malloc(n_out, sizeof(double));
    float *cf = xb_malloc(n_out, sizeof(float)), *y = xb_malloc(n_out, sizeof(float));
    float *dx = xb_malloc(n_in, sizeof(float));
    fill_normal(cf, n_out, 40, 1.0f);
    for (size_t i = 0; i < n_out; i++)
        c[i] = (double)cf[i];
    objective(t, p, x, c, y);
    memset(t->l.grads, 0, (t->l.n_params ? t->l.n_params : 1) * sizeof(float));
    t->l.type->backward(&t->l, p, x, y, cf, dx);
    float *ana = xb_malloc(t->l.n_params + 1, sizeof(float));
    memcpy(ana, t->l.grads, t->l.n_params * sizeof(float));
    for (size_t j = 0; j < n_check; j++)
        check_close("dparams", j, num_diff(t, p, x, c, y, &t->l.params[j], tl->h),
                    (double)ana[j], tl);
    for (size_t i = 0; i < n_in; i++)
        check_close("dx", i, num_diff(t, p, x, c, y, &x[i], tl->h), (double)dx[i], tl);
    xb_free(c), xb_free(cf), xb_free(y), xb_free(dx), xb_free(ana);
}

static void grad_check(struct lay *t, const struct xb_pass *p, float *x, const struct tol *tl)
{
    grad_check_n(t, p, x, tl, t->l.n_params);
}

static const struct tol linear_tol = {.h = 1e-2, .rtol = 1e-2, .atol = 1e-3};
static const struct tol smooth_tol = {.h = 1e-3, .rtol = 1e-2, .atol = 2e-3};

/* ---- gradient checks, layer by layer ------------------------------------- */

Test(layers, grad_dense)
{
    struct xb_layer_config cfg = {.type = "dense", .units = 5};
    struct lay t;
    lay_make(&t, &xb_layer_dense, (struct xb_shape){7, 1, 1}, 4, &cfg, 1);
    cr_assert_eq(t.l.n_params, 5 * 7 + 5);
    fill_normal(t.l.params + 35, 5, 41, 0.5f); /* nonzero bias */
    float x[4 * 7];
    fill_normal(x, 4 * 7, 42, 1.0f);
    struct xb_pass p = pass_of(4, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

Test(layers, grad_conv2d_stride2_pad1)
{
    struct xb_layer_config cfg = {.type = "conv2d", .units = 3, .kernel = 3, .stride = 2,
                                  .pad = 1};
    struct lay t;
    lay_make(&t, &xb_layer_conv2d, (struct xb_shape){2, 5, 6}, 3, &cfg, 2);
    cr_assert_eq(t.l.out.c, 3);
    cr_assert_eq(t.l.out.h, 3);
    cr_assert_eq(t.l.out.w, 3);
    fill_normal(t.l.params + 3 * 18, 3, 43, 0.5f);
    float x[3 * 60];
    fill_normal(x, 3 * 60, 44, 1.0f);
    struct xb_pass p = pass_of(3, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

/* More samples than a backward round (16), so the partial sums cross rounds. */
Test(layers, grad_conv2d_many_samples)
{
    struct xb_layer_config cfg = {.type = "conv2d", .units = 2, .kernel = 2};
    struct lay t;
    lay_make(&t, &xb_layer_conv2d, (struct xb_shape){1, 3, 3}, 19, &cfg, 2);
    float x[19 * 9];
    fill_normal(x, 19 * 9, 45, 1.0f);
    struct xb_pass p = pass_of(19, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

static void bn_grad(struct xb_shape in, int fixed, enum xb_phase phase)
{
    struct xb_layer_config cfg = {.type = "batchnorm", .fixed = fixed};
    struct lay t;
    lay_make(&t, &xb_layer_batchnorm, in, 5, &cfg, 3);
    const size_t C = (size_t)in.c, n = 5 * xb_shape_size(in);
    cr_assert_eq(t.l.n_params, (fixed ? 2 : 4) * C);
    float *x = xb_malloc(n, sizeof(float));
    fill_normal(x, n, 46, 2.0f);
    for (size_t i = 0; i < n; i++)
        x[i] += 0.5f; /* nonzero mean */
    if (!fixed) {
        fill_normal(t.l.params, C, 47, 0.3f);
        for (size_t c = 0; c < C; c++)
            t.l.params[c] += 1.0f;             /* gamma */
        fill_normal(t.l.params + C, C, 48, 0.3f); /* beta */
    }
    if (phase == XB_PHASE_EVAL) {
        float *rm = t.l.params + (fixed ? 0 : 2 * C), *rv = rm + C;
        for (size_t c = 0; c < C; c++) {
            rm[c] = 0.1f * (float)c;
            rv[c] = 1.5f + 0.25f * (float)c;
        }
    }
    struct xb_pass p = pass_of(5, phase);
    /* The running statistics are state, not trained: their gradient is 0
     * by contract. In TRAIN the output does not depend on them, so the
     * numeric derivative is 0 too and they are checked; in EVAL it does, so
     * only gamma and beta (and dx) are. */
    grad_check_n(&t, &p, x, &smooth_tol,
                 phase == XB_PHASE_TRAIN ? t.l.n_params : (fixed ? 0 : 2 * C));
    xb_free(x);
    lay_free(&t);
}

Test(layers, grad_batchnorm_train_conv) { bn_grad((struct xb_shape){3, 2, 3}, 0, XB_PHASE_TRAIN); }
Test(layers, grad_batchnorm_train_dense) { bn_grad((struct xb_shape){4, 1, 1}, 0, XB_PHASE_TRAIN); }
Test(layers, grad_batchnorm_train_fixed) { bn_grad((struct xb_shape){3, 2, 2}, 1, XB_PHASE_TRAIN); }
Test(layers, grad_batchnorm_eval) { bn_grad((struct xb_shape){3, 2, 2}, 0, XB_PHASE_EVAL); }

Test(layers, grad_relu)
{
    struct xb_layer_config cfg = {.type = "relu"};
    struct lay t;
    lay_make(&t, &xb_layer_relu, (struct xb_shape){2, 3, 3}, 3, &cfg, 4);
    float x[3 * 18];
    fill_away_from_zero(x, 3 * 18, 49);
    struct xb_pass p = pass_of(3, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

/* Inputs: a shuffled ladder with steps of 0.05, so no two values of a
 * window are within 2h of each other and the argmax never flips. */
static void fill_distinct(float *x, size_t n, uint32_t layer)
{
    float *u = xb_malloc(n, sizeof(float));
    fill_normal(u, n, layer, 1.0f);
    for (size_t i = 0; i < n; i++) {
        size_t rank = 0;
        for (size_t j = 0; j < n; j++)
            rank += u[j] < u[i] || (u[j] == u[i] && j < i);
        x[i] = 0.05f * (float)rank - 1.0f;
    }
    xb_free(u);
}

Test(layers, grad_maxpool_overlapping)
{
    struct xb_layer_config cfg = {.type = "maxpool", .kernel = 3, .stride = 2};
    struct lay t;
    lay_make(&t, &xb_layer_maxpool, (struct xb_shape){2, 5, 5}, 2, &cfg, 5);
    cr_assert_eq(t.l.out.h, 2);
    float x[2 * 50];
    fill_distinct(x, 2 * 50, 50);
    struct xb_pass p = pass_of(2, XB_PHASE_TRAIN);
    struct tol tl = {.h = 1e-3, .rtol = 1e-2, .atol = 1e-3};
    grad_check(&t, &p, x, &tl);
    lay_free(&t);
}

Test(layers, grad_flatten)
{
    struct xb_layer_config cfg = {.type = "flatten"};
    struct lay t;
    lay_make(&t, &xb_layer_flatten, (struct xb_shape){2, 2, 3}, 2, &cfg, 6);
    cr_assert_eq(t.l.out.c, 12);
    float x[24];
    fill_normal(x, 24, 51, 1.0f);
    struct xb_pass p = pass_of(2, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

Test(layers, grad_dropout_fixed_mask)
{
    struct xb_layer_config cfg = {.type = "dropout", .rate = 0.4};
    struct lay t;
    lay_make(&t, &xb_layer_dropout, (struct xb_shape){10, 1, 1}, 4, &cfg, 7);
    float x[40];
    fill_normal(x, 40, 52, 1.0f);
    struct xb_pass p = pass_of(4, XB_PHASE_TRAIN);
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

static void noise_grad(enum xb_noise_kind kind)
{
    struct xb_layer_config cfg = {.type = "noise"};
    struct lay t;
    lay_make(&t, &xb_layer_noise, (struct xb_shape){3, 2, 2}, 4, &cfg, 8);
    float x[48];
    fill_normal(x, 48, 53, 1.0f);
    struct xb_pass p = pass_of(4, XB_PHASE_TRAIN);
    p.noise = kind;
    p.sigma = 0.3;
    p.instance = 2;
    grad_check(&t, &p, x, &linear_tol);
    lay_free(&t);
}

Test(layers, grad_noise_mult) { noise_grad(XB_NOISE_MULT); }
Test(layers, grad_noise_add) { noise_grad(XB_NOISE_ADD); }

/* ---- known answers -------------------------------------------------------- */

Test(layers, dense_known_answer)
{
    struct xb_layer_config cfg = {.type = "dense", .units = 2};
    struct lay t;
    lay_make(&t, &xb_layer_dense, (struct xb_shape){3, 1, 1}, 2, &cfg, 1);
    const float W[] = {1, 0, -1, 2, 1, 0}, b[] = {0.5f, -1};
    memcpy(t.l.params, W, sizeof W);
    memcpy(t.l.params + 6, b, sizeof b);
    const float x[] = {1, 2, 3, -1, 0, 4};
    float y[4];
    struct xb_pass p = pass_of(2, XB_PHASE_EVAL);
    t.l.type->forward(&t.l, &p, x, y);
    const float want[] = {1 - 3 + 0.5f, 2 + 2 - 1, -1 - 4 + 0.5f, -2 - 1};
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(y[i], want[i], 1e-6, "y[%d] = %g, want %g", i, (double)y[i],
                           (double)want[i]);
    /* dW = dyᵀ x, db = Σ dy, dx = dy W for dy = ones. */
    const float dy[] = {1, 1, 1, 1};
    float dx[6];
    memset(t.l.grads, 0, 8 * sizeof(float));
    t.l.type->backward(&t.l, &p, x, y, dy, dx);
    const float dW[] = {0, 2, 7, 0, 2, 7}, dxw[] = {3, 1, -1, 3, 1, -1};
    for (int i = 0; i < 6; i++) {
        cr_assert_float_eq(t.l.grads[i], dW[i], 1e-6);
        cr_assert_float_eq(dx[i], dxw[i], 1e-6);
    }
    cr_assert_float_eq(t.l.grads[6], 2.0f, 1e-6);
    cr_assert_float_eq(t.l.grads[7], 2.0f, 1e-6);
    lay_free(&t);
}

Test(layers, conv2d_equals_direct_convolution)
{
    enum { N = 2, C = 2, H = 7, W = 6, O = 3, K = 3, S = 2, PAD = 1 };
    struct xb_layer_config cfg = {.type = "conv2d", .units = O, .kernel = K, .stride = S,
                                  .pad = PAD};
    struct lay t;
    lay_make(&t, &xb_layer_conv2d, (struct xb_shape){C, H, W}, N, &cfg, 2);
    const int OH = (H + 2 * PAD - K) / S + 1, OW = (W + 2 * PAD - K) / S + 1;
    cr_assert_eq(t.l.out.h, OH);
    cr_assert_eq(t.l.out.w, OW);
    fill_normal(t.l.params, O * C * K * K + O, 56, 0.5f);
    float x[N * C * H * W], y[N * O * 4 * 3];
    fill_normal(x, N * C * H * W, 57, 1.0f);
    struct xb_pass p = pass_of(N, XB_PHASE_EVAL);
    t.l.type->forward(&t.l, &p, x, y);
    const float *Wt = t.l.params, *b = t.l.params + O * C * K * K;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    double s = (double)b[o];
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < K; ky++)
                            for (int kx = 0; kx < K; kx++) {
                                int iy = oy * S - PAD + ky, ix = ox * S - PAD + kx;
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                s += (double)Wt[((o * C + c) * K + ky) * K + kx] *
                                     (double)x[((n * C + c) * H + iy) * W + ix];
                            }
                    float got = y[((n * O + o) * OH + oy) * OW + ox];
                    cr_assert(fabs((double)got - s) < 1e-5, "y[%d,%d,%d,%d] = %g, want %g", n,
                              o, oy, ox, (double)got, s);
                }
    lay_free(&t);
}

Test(layers, maxpool_argmax_known_answer)
{
    struct xb_layer_config cfg = {.type = "maxpool", .kernel = 2};
    struct lay t;
    lay_make(&t, &xb_layer_maxpool, (struct xb_shape){1, 4, 4}, 1, &cfg, 5);
    cr_assert_eq(t.l.out.h, 2);
    /* Window maxima at known places; the bottom-right window is a tie
     * (7 twice): the first in row-major order takes it. */
    const float x[16] = {1, 5, 2, 0,
                         3, 4, 9, 1,
                         0, 0, 7, 6,
                         8, 2, 3, 7};
    float y[4], dx[16];
    struct xb_pass p = pass_of(1, XB_PHASE_TRAIN);
    t.l.type->forward(&t.l, &p, x, y);
    const float want[4] = {5, 9, 8, 7};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(y[i], want[i], "y[%d] = %g", i, (double)y[i]);
    const float dy[4] = {1, 2, 3, 4};
    t.l.type->backward(&t.l, &p, x, y, dy, dx);
    const float dxw[16] = {0, 1, 0, 0,
                           0, 0, 2, 0,
                           0, 0, 4, 0,
                           3, 0, 0, 0};
    for (int i = 0; i < 16; i++)
        cr_assert_eq(dx[i], dxw[i], "dx[%d] = %g, want %g", i, (double)dx[i], (double)dxw[i]);
    lay_free(&t);
}

/* ---- noise, dropout, batchnorm behaviour ---------------------------------- */

Test(layers, noise_matches_kernel_and_phases)
{
    enum { R = 6, F = 40 };
    struct xb_layer_config cfg = {.type = "noise"};
    struct lay t;
    lay_make(&t, &xb_layer_noise, (struct xb_shape){F, 1, 1}, R, &cfg, 9);
    float x[R * F], y[R * F], y2[R * F], ref[R * F], eps[F];
    fill_normal(x, R * F, 58, 1.0f);
    const enum xb_noise_kind kinds[2] = {XB_NOISE_MULT, XB_NOISE_ADD};
    for (int k = 0; k < 2; k++) {
        struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
        p.noise = kinds[k];
        p.sigma = 0.5;
        p.instance = 3;
        p.addr = (struct xb_rows){.sample0 = 100, .batch = 3, .vote0 = 2, .step = 0};
        t.l.type->forward(&t.l, &p, x, y);
        /* The engine's kernel on the same stream, in place on a copy. */
        memcpy(ref, x, sizeof x);
        struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = 9, .instance = 3};
        struct xb_stream s = xb_stream_at(p.seed, &a);
        xb_noise_apply(kinds[k], 0.5f, &s, &p.addr, 0, R, 0, F, ref, F, eps);
        cr_assert(!memcmp(y, ref, sizeof y), "noise layer differs from xb_noise_apply");
        p.phase = XB_PHASE_EVAL;
        t.l.type->forward(&t.l, &p, x, y2);
        cr_assert(!memcmp(y, y2, sizeof y), "TRAIN and EVAL draws differ");
        cr_assert(memcmp(y, x, sizeof y), "no noise applied");
    }
    /* sigma 0 and NONE are the identity. */
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_MULT;
    t.l.type->forward(&t.l, &p, x, y);
    cr_assert(!memcmp(y, x, sizeof y));
    p.noise = XB_NOISE_NONE;
    p.sigma = 1.0;
    t.l.type->forward(&t.l, &p, x, y);
    cr_assert(!memcmp(y, x, sizeof y));
    lay_free(&t);
}

Test(layers, dropout_rate_addressing_and_eval_identity)
{
    enum { R = 8, F = 500 };
    struct xb_layer_config cfg = {.type = "dropout", .rate = 0.3};
    struct lay t;
    lay_make(&t, &xb_layer_dropout, (struct xb_shape){F, 1, 1}, R, &cfg, 10);
    float *x = xb_malloc(R * F, 4), *y = xb_malloc(R * F, 4), *y2 = xb_malloc(R * F, 4);
    for (size_t i = 0; i < R * F; i++)
        x[i] = 1.0f;
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    t.l.type->forward(&t.l, &p, x, y);
    size_t dropped = 0;
    for (size_t i = 0; i < R * F; i++) {
        cr_assert(y[i] == 0.0f || fabsf(y[i] - 1.0f / 0.7f) < 1e-6f);
        dropped += y[i] == 0.0f;
    }
    /* Binomial(4000, 0.3): std 29; 5 sigma. */
    cr_assert(fabs((double)dropped - 1200.0) < 145.0, "dropped %zu of 4000", dropped);
    /* Rows 4.. alone, addressed as samples 4..: the same masks. */
    struct xb_pass q = pass_of(4, XB_PHASE_TRAIN);
    q.addr.sample0 = 4;
    q.addr.batch = 4;
    t.l.type->forward(&t.l, &q, x + 4 * F, y2);
    cr_assert(!memcmp(y + 4 * F, y2, 4 * F * sizeof(float)), "mask depends on the batch split");
    p.phase = XB_PHASE_EVAL;
    t.l.type->forward(&t.l, &p, x, y);
    cr_assert(!memcmp(x, y, R * F * sizeof(float)));
    xb_free(x), xb_free(y), xb_free(y2);
    lay_free(&t);
}

Test(layers, batchnorm_statistics_running_and_fixed)
{
    enum { R = 16, C = 3, HW = 4 };
    struct xb_layer_config cfg = {.type = "batchnorm"};
    struct lay t;
    lay_make(&t, &xb_layer_batchnorm, (struct xb_shape){C, 2, 2}, R, &cfg, 11);
    float x[R * C * HW], y[R * C * HW];
    fill_normal(x, R * C * HW, 59, 3.0f);
    for (size_t i = 0; i < R * C * HW; i++)
        x[i] += 2.0f;
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    t.l.type->forward(&t.l, &p, x, y);
    for (int c = 0; c < C; c++) {
        double m = 0, v = 0, bm = 0, bv = 0;
        for (int r = 0; r < R; r++)
            for (int i = 0; i < HW; i++) {
                m += (double)y[(r * C + c) * HW + i];
                v += (double)y[(r * C + c) * HW + i] * (double)y[(r * C + c) * HW + i];
                bm += (double)x[(r * C + c) * HW + i];
            }
        m /= R * HW, v /= R * HW, bm /= R * HW;
        for (int r = 0; r < R; r++)
            for (int i = 0; i < HW; i++)
                bv += pow((double)x[(r * C + c) * HW + i] - bm, 2);
        cr_assert(fabs(m) < 1e-5 && fabs(v - 1.0) < 1e-3, "channel %d: mean %g var %g", c, m, v);
        /* Running statistics after one step from (0, 1), momentum 0.1. */
        cr_assert(fabs((double)t.l.params[2 * C + c] - 0.1 * bm) < 1e-5);
        cr_assert(fabs((double)t.l.params[3 * C + c] - (0.9 + 0.1 * bv / (R * HW - 1))) < 1e-4);
    }
    /* EVAL: the running statistics, with gamma and beta. */
    for (int c = 0; c < C; c++) {
        t.l.params[c] = 2.0f, t.l.params[C + c] = -1.0f;
        t.l.params[2 * C + c] = 0.5f, t.l.params[3 * C + c] = 4.0f;
    }
    p.phase = XB_PHASE_EVAL;
    t.l.type->forward(&t.l, &p, x, y);
    for (size_t i = 0; i < R * C * HW; i++) {
        double want = 2.0 * ((double)x[i] - 0.5) / sqrt(4.0 + 1e-5) - 1.0;
        cr_assert(fabs((double)y[i] - want) < 1e-5, "y[%zu] = %g, want %g", i, (double)y[i], want);
    }
    lay_free(&t);
    /* Fixed: no gamma/beta, running statistics only. */
    cfg.fixed = 1;
    lay_make(&t, &xb_layer_batchnorm, (struct xb_shape){C, 2, 2}, R, &cfg, 11);
    cr_assert_eq(t.l.n_params, 2 * C);
    cr_assert_eq(t.l.params[0], 0.0f);
    cr_assert_eq(t.l.params[C], 1.0f);
    lay_free(&t);
}
