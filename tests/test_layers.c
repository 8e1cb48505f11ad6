/*
 * The layers and the network (models/): central-difference gradient checks
 * of every layer kind (parameters and inputs) and of the loss, end to end
 * through a conv-bn-noise-relu-maxpool-flatten-dense net; known answers
 * (dense by hand, conv2d against a direct convolution, maxpool's argmax,
 * the loss); noise and dropout addressing; bit-identity for 1 and 2
 * threads; the device path (ideal = abstract, pcm differs but correlates);
 * config errors naming the line and the field.
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
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_test_util.h"
#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_net.h"
#include "xb_rng.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261122, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(layers, .init = setup, .fini = teardown);

static void fill_normal(float *x, size_t n, uint32_t layer, float scale)
{
    xb_test_fill_normal(x, n, 11, layer, scale);
}

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

static struct xb_pass pass_of(size_t rows, enum xb_phase phase)
{
    struct xb_pass p = {.phase = phase, .rows = rows, .seed = 99};
    p.addr.batch = (uint32_t)rows;
    return p;
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

struct tol {
    double h, rtol, atol;
};

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

static void check_close(const char *what, size_t k, double num, double ana,
                        const struct tol *tl)
{
    double err = fabs(num - ana), lim = tl->rtol * fmax(fabs(num), fabs(ana)) + tl->atol;
    cr_assert_leq(err, lim, "%s[%zu]: numeric %.6g, analytic %.6g", what, k, num, ana);
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

/* ---- the loss and whole nets --------------------------------------------- */

static struct xb_layer_config lc(const char *type, int units, int kernel, int stride, int pad)
{
    struct xb_layer_config c = {.units = units, .kernel = kernel, .stride = stride, .pad = pad};
    snprintf(c.type, sizeof c.type, "%s", type);
    return c;
}

static struct xb_net *net_make(const struct xb_net_config *cfg, size_t max_rows)
{
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, cfg, max_rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 3);
    return net;
}

static double net_loss(struct xb_net *net, const struct xb_pass *p, const float *x,
                       const uint8_t *labels)
{
    xb_net_forward(net, p, x);
    return xb_net_loss(net, labels, p->rows);
}

/* Every parameter of the net: analytic dL/dparams against central
 * differences. A ReLU or max-pool kink crossed by a step spoils a
 * difference, so a mismatch is retried at a quarter of the step, where
 * crossing is four times less likely. */
static void net_grad_check(struct xb_net *net, const struct xb_pass *p, const float *x,
                           const uint8_t *labels, double h)
{
    net_loss(net, p, x, labels);
    xb_net_backward(net, p, x);
    const size_t n = xb_net_n_params(net);
    float *ana = xb_malloc(n, sizeof(float)), *w = xb_net_params(net);
    memcpy(ana, xb_net_grads(net), n * sizeof(float));
    const struct tol tl = {.rtol = 1e-2, .atol = 2e-4};
    size_t nonzero = 0;
    for (size_t j = 0; j < n; j++) {
        double num = 0.0, hh = h;
        for (int attempt = 0; attempt < 3; attempt++, hh /= 4.0) {
            const float v0 = w[j];
            const double step = hh * fmax(1.0, fabs((double)v0));
            const float vp = (float)((double)v0 + step), vm = (float)((double)v0 - step);
            w[j] = vp;
            double Lp = net_loss(net, p, x, labels);
            w[j] = vm;
            double Lm = net_loss(net, p, x, labels);
            w[j] = v0;
            num = (Lp - Lm) / ((double)vp - (double)vm);
            if (fabs(num - (double)ana[j]) <=
                tl.rtol * fmax(fabs(num), fabs((double)ana[j])) + tl.atol)
                break;
        }
        check_close("net dparams", j, num, (double)ana[j], &tl);
        nonzero += ana[j] != 0.0f;
    }
    cr_assert_gt(nonzero, n / 3, "only %zu of %zu gradients are nonzero", nonzero, n);
    xb_free(ana);
}

Test(layers, grad_loss_through_dense)
{
    struct xb_net_config cfg = {.input = {6, 1, 1}, .classes = 4, .n_layers = 1};
    cfg.layers[0] = lc("dense", 4, 0, 0, 0);
    struct xb_net *net = net_make(&cfg, 5);
    float x[30];
    fill_normal(x, 30, 54, 1.5f);
    uint8_t labels[5] = {0, 3, 1, 1, 2};
    struct xb_pass p = pass_of(5, XB_PHASE_TRAIN);
    net_grad_check(net, &p, x, labels, 1e-3);
    xb_net_free(net);
}

static void e2e_config(struct xb_net_config *cfg, int fixed_bn)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = (struct xb_shape){2, 6, 6};
    cfg->classes = 3;
    cfg->layers[0] = lc("conv2d", 4, 3, 1, 1);
    cfg->layers[1] = lc("batchnorm", 0, 0, 0, 0);
    cfg->layers[1].fixed = fixed_bn;
    cfg->layers[2] = lc("noise", 0, 0, 0, 0);
    cfg->layers[3] = lc("relu", 0, 0, 0, 0);
    cfg->layers[4] = lc("maxpool", 0, 2, 0, 0);
    cfg->layers[5] = lc("flatten", 0, 0, 0, 0);
    cfg->layers[6] = lc("dense", 3, 0, 0, 0);
    cfg->n_layers = 7;
}

static void e2e_grad(enum xb_noise_kind kind, int fixed_bn)
{
    struct xb_net_config cfg;
    e2e_config(&cfg, fixed_bn);
    struct xb_net *net = net_make(&cfg, 4);
    float x[4 * 72];
    fill_normal(x, 4 * 72, 55, 1.0f);
    uint8_t labels[4] = {2, 0, 1, 2};
    struct xb_pass p = pass_of(4, XB_PHASE_TRAIN);
    p.noise = kind;
    p.sigma = 0.3;
    net_grad_check(net, &p, x, labels, 1e-3);
    xb_net_free(net);
}

Test(layers, grad_net_conv_bn_noise_relu_pool_dense_mult) { e2e_grad(XB_NOISE_MULT, 0); }
Test(layers, grad_net_conv_fixedbn_noise_relu_pool_dense_add) { e2e_grad(XB_NOISE_ADD, 1); }

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

Test(layers, loss_known_answers_and_stability)
{
    struct xb_net_config cfg = {.input = {4, 1, 1}, .classes = 4, .n_layers = 1};
    cfg.layers[0] = lc("flatten", 0, 0, 0, 0);
    struct xb_net *net = net_make(&cfg, 3);
    /* Equal logits: log C. Huge logits: no overflow; the right class at
     * +1000 costs 0, the wrong one 1000. */
    const float x[12] = {0, 0, 0, 0, 1000, 0, 0, 0, 1000, -1000, 0, 0};
    const uint8_t labels[3] = {2, 0, 1};
    struct xb_pass p = pass_of(3, XB_PHASE_EVAL);
    xb_net_forward(net, &p, x);
    double L = xb_net_loss(net, labels, 3);
    cr_assert(fabs(L - (log(4.0) + 0.0 + 2000.0) / 3.0) < 1e-9, "loss %.12g", L);
    uint8_t pred[3];
    xb_net_predict(xb_net_forward(net, &p, x), 3, 4, pred);
    cr_assert_eq(pred[0], 0); /* ties: the lowest index */
    cr_assert_eq(pred[1], 0);
    cr_assert_eq(pred[2], 0);
    xb_net_free(net);
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

Test(layers, find_nonfinite_names_the_layer)
{
    struct xb_net_config cfg = {.input = {5, 1, 1}, .classes = 2, .n_layers = 3};
    cfg.layers[0] = lc("dense", 4, 0, 0, 0);
    cfg.layers[1] = lc("relu", 0, 0, 0, 0);
    cfg.layers[2] = lc("dense", 2, 0, 0, 0);
    struct xb_net *net = net_make(&cfg, 2);
    float x[10];
    fill_normal(x, 10, 60, 1.0f);
    struct xb_pass p = pass_of(2, XB_PHASE_TRAIN);
    size_t k = 99;
    xb_net_forward(net, &p, x);
    cr_assert_eq(xb_net_find_nonfinite(net, &k), 0);
    xb_net_layer(net, 2)->params[0] = NAN;
    xb_net_forward(net, &p, x);
    cr_assert_eq(xb_net_find_nonfinite(net, &k), 1);
    cr_assert_eq(k, 2);
    xb_net_free(net);
}

/* ---- threads and the device path ------------------------------------------ */

static void big_config(struct xb_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = (struct xb_shape){3, 16, 16};
    cfg->classes = 10;
    cfg->layers[0] = lc("conv2d", 8, 3, 1, 1);
    cfg->layers[1] = lc("batchnorm", 0, 0, 0, 0);
    cfg->layers[2] = lc("noise", 0, 0, 0, 0);
    cfg->layers[3] = lc("relu", 0, 0, 0, 0);
    cfg->layers[4] = lc("maxpool", 0, 2, 0, 0);
    cfg->layers[5] = lc("flatten", 0, 0, 0, 0);
    cfg->layers[6] = lc("dense", 300, 0, 0, 0);
    cfg->layers[7] = lc("noise", 0, 0, 0, 0);
    cfg->layers[8] = lc("relu", 0, 0, 0, 0);
    cfg->layers[9] = lc("dropout", 0, 0, 0, 0);
    cfg->layers[9].rate = 0.2;
    cfg->layers[10] = lc("dense", 10, 0, 0, 0);
    cfg->n_layers = 11;
}

Test(layers, forward_backward_bit_identical_1_and_2_threads)
{
    enum { R = 300 };
    struct xb_net_config cfg;
    big_config(&cfg);
    omp_set_num_threads(2);
    struct xb_net *net = net_make(&cfg, R);
    const size_t in = 3 * 16 * 16, np = xb_net_n_params(net);
    float *x = xb_malloc(R * in, 4), *out[2], *g[2];
    uint8_t labels[R];
    fill_normal(x, R * in, 61, 1.0f);
    for (int r = 0; r < R; r++)
        labels[r] = (uint8_t)(r % 10);
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_MULT;
    p.sigma = 0.5;
    p.addr.batch = 100; /* three votes of 100 */
    double L[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        out[t] = xb_malloc(R * 10, 4);
        g[t] = xb_malloc(np, 4);
        memcpy(out[t], xb_net_forward(net, &p, x), R * 10 * sizeof(float));
        L[t] = xb_net_loss(net, labels, R);
        xb_net_backward(net, &p, x);
        memcpy(g[t], xb_net_grads(net), np * sizeof(float));
    }
    cr_assert(!memcmp(out[0], out[1], R * 10 * sizeof(float)), "logits differ");
    cr_assert(L[0] == L[1]);
    cr_assert(!memcmp(g[0], g[1], np * sizeof(float)), "gradients differ");
    for (int t = 0; t < 2; t++)
        xb_free(out[t]), xb_free(g[t]);
    xb_free(x);
    xb_net_free(net);
}

static void small_device_config(struct xb_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = (struct xb_shape){2, 9, 9};
    cfg->classes = 10;
    cfg->layers[0] = lc("conv2d", 6, 3, 2, 1);
    cfg->layers[1] = lc("relu", 0, 0, 0, 0);
    cfg->layers[2] = lc("flatten", 0, 0, 0, 0);
    cfg->layers[3] = lc("dense", 10, 0, 0, 0);
    cfg->n_layers = 4;
}

static double max_abs(const float *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs((double)a[i]));
    return m;
}

Test(layers, ideal_device_equals_abstract_path)
{
    enum { R = 12 };
    struct xb_net_config cfg;
    small_device_config(&cfg);
    struct xb_net *net = net_make(&cfg, R);
    float x[R * 162], ref[R * 10];
    fill_normal(x, R * 162, 62, 1.0f);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    p.addr.batch = 4; /* three votes: device chunks stop at vote boundaries */
    memcpy(ref, xb_net_forward(net, &p, x), sizeof ref);
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    p.on_device = 1;
    const float *y = xb_net_forward(net, &p, x);
    const double scale = max_abs(ref, R * 10);
    for (size_t i = 0; i < R * 10; i++)
        cr_assert(fabs((double)y[i] - (double)ref[i]) <= 1e-5 * scale, "logit %zu: %g vs %g", i,
                  (double)y[i], (double)ref[i]);
    xb_net_unprogram(net);
    xb_net_free(net);

    /* A dense layer alone runs the very same sgemm calls: bit-identical. */
    struct xb_net_config dcfg = {.input = {300, 1, 1}, .classes = 200, .n_layers = 1};
    dcfg.layers[0] = lc("dense", 200, 0, 0, 0);
    net = net_make(&dcfg, 260);
    float *xd = xb_malloc(260 * 300, 4), *a = xb_malloc(260 * 200, 4);
    fill_normal(xd, 260 * 300, 63, 1.0f);
    fill_normal(xb_net_layer(net, 0)->params + 200 * 300, 200, 64, 1.0f);
    p = pass_of(260, XB_PHASE_EVAL);
    memcpy(a, xb_net_forward(net, &p, xd), 260 * 200 * sizeof(float));
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK);
    p.on_device = 1;
    cr_assert(!memcmp(a, xb_net_forward(net, &p, xd), 260 * 200 * sizeof(float)));
    xb_free(xd), xb_free(a);
    xb_net_free(net); /* frees the programmed crossbar too */
}

Test(layers, pcm_device_differs_but_correlates)
{
    enum { R = 16, N = R * 10 };
    struct xb_net_config cfg;
    small_device_config(&cfg);
    struct xb_net *net = net_make(&cfg, R);
    float x[R * 162], ref[N], dev[N], dev2[N];
    fill_normal(x, R * 162, 65, 1.0f);
    memcpy(x + 162, x, 162 * sizeof(float)); /* samples 0 and 1 equal */
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    memcpy(ref, xb_net_forward(net, &p, x), sizeof ref);
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    cr_assert_eq(xb_device_init(ctx, &xp.device, "pcm"), XB_OK);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_net_age(ctx, net, 3600.0), XB_OK, "%s", xb_ctx_error(ctx));
    p.on_device = 1;
    memcpy(dev, xb_net_forward(net, &p, x), sizeof dev);
    memcpy(dev2, xb_net_forward(net, &p, x), sizeof dev2);
    cr_assert(!memcmp(dev, dev2, sizeof dev), "the same addresses must read the same");
    /* Equal inputs at different sample indices read different noise. */
    cr_assert(memcmp(dev, dev + 10, 10 * sizeof(float)), "read noise not per sample");
    double sxy = 0, sxx = 0, syy = 0, mx = 0, my = 0, maxd = 0;
    for (int i = 0; i < N; i++)
        mx += (double)ref[i] / N, my += (double)dev[i] / N;
    for (int i = 0; i < N; i++) {
        double a = (double)ref[i] - mx, b = (double)dev[i] - my;
        sxy += a * b, sxx += a * a, syy += b * b;
        maxd = fmax(maxd, fabs((double)ref[i] - (double)dev[i]));
    }
    double corr = sxy / sqrt(sxx * syy);
    cr_assert_gt(maxd, 1e-3 * max_abs(ref, N), "pcm forward equals the ideal one");
    cr_assert_gt(corr, 0.9, "correlation %g", corr);
    xb_net_free(net);
}

/* ---- configuration errors ------------------------------------------------- */

static void expect_error(const struct xb_net_config *cfg, const char *a, const char *b)
{
    struct xb_net *net = (struct xb_net *)1;
    cr_assert_neq(xb_net_create(ctx, cfg, 4, &net), XB_OK);
    cr_assert_null(net);
    const char *msg = xb_ctx_error(ctx);
    cr_assert(strstr(msg, a) && strstr(msg, b), "message \"%s\" lacks \"%s\" or \"%s\"", msg,
              a, b);
}

Test(layers, config_errors_name_line_and_field)
{
    struct xb_net_config cfg = {.input = {1, 8, 8}, .classes = 10, .n_layers = 3};
    cfg.layers[0] = lc("conv2d", 4, 3, 0, 0);
    cfg.layers[0].line = 5;
    cfg.layers[1] = lc("flatten", 0, 0, 0, 0);
    cfg.layers[1].line = 6;
    cfg.layers[2] = lc("dense", 7, 0, 0, 0);
    cfg.layers[2].line = 7;
    expect_error(&cfg, "line 7", "classes"); /* 7 outputs, 10 classes */
    cfg.layers[2].units = 10;
    snprintf(cfg.layers[1].type, sizeof cfg.layers[1].type, "flaten");
    expect_error(&cfg, "line 6", "flaten");
    snprintf(cfg.layers[1].type, sizeof cfg.layers[1].type, "flatten");
    cfg.layers[0].kernel = 9;
    expect_error(&cfg, "line 5", "kernel = 9");
    cfg.layers[0].kernel = 3;
    cfg.layers[1].units = 3;
    expect_error(&cfg, "line 6", "'units'");
    cfg.layers[1].units = 0;
    cfg.layers[0].pad = -1;
    expect_error(&cfg, "line 5", "pad");
    cfg.layers[0].pad = 0;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, 4, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_free(net);
}
