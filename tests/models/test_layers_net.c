/*
 * The network (models/layers/xb_net.c) and the loss: central-difference
 * gradient checks of the loss and end to end through a
 * conv-bn-noise-relu-maxpool-flatten-dense net; the loss's known answers;
 * a non-finite parameter named by its layer; bit-identity for 1 and 2
 * threads; the device path (ideal = abstract, pcm differs but
 * correlates); config errors naming the line and the field. The layer
 * kinds one at a time are in test_layers.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_test_layers.h"
#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_net.h"

TestSuite(layers, .init = setup, .fini = teardown);

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
    /* The device keeps the outputs' shape: they must explain at least 81 %
     * of the ideal outputs' variance (correlation 0.9; PCM 1 h after
     * programming, a few % programming error), shown with confidence: the
     * Fisher transform atanh(r) of N = 160 outputs has standard error
     * 1 / sqrt(N - 3) = 0.080, and atanh(r) must exceed atanh(0.9) by 3 of
     * them (r > 0.953). */
    cr_assert_gt(atanh(corr) - 3.0 / sqrt(N - 3.0), atanh(0.9), "correlation %g of %d "
                 "outputs: not above 0.9 by 3 standard errors of atanh(r)", corr, N);
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
