/*
 * A spiking net started from a trained ANN (models/train/xb_threshold.h):
 * the threshold of a layer whose input currents are known (1,000 values
 * i/1000) is their 99.7th percentile (times the scale), by hand; the next
 * layer's is the max over steps of the percentile of its currents under
 * the thresholds already set below it (layer by layer, in order), against
 * the test's own GSL percentile of W·s + b; the ANN's weights land in the
 * SNN's products and nothing else; refusals name the layer or setting.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_test_net.h"
#include "xb_threshold.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 5, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(threshold, .init = setup, .fini = teardown);

enum { N = 1000, T = 3, H = 6 };

/* encode (direct, T steps) of one pixel - lif 1 (W = 1, b = 0: the current
 * is the pixel) - lif H - lif 2 membrane-sum; passes of 64 rows, so the
 * 1,000 images take 16 passes. */
static struct xb_net *chain(int learn)
{
    struct xb_net_config cfg = {.input = {1, 1, 1}, .classes = 2, .n_layers = 4};
    cfg.layers[0] = xb_test_layer("encode", 0);
    cfg.layers[0].steps = T;
    cfg.layers[0].encoding = XB_ENCODE_DIRECT;
    cfg.layers[1] = xb_test_layer("lif", 1);
    cfg.layers[1].leak = 0.5;
    cfg.layers[1].learn_threshold = learn;
    cfg.layers[2] = xb_test_layer("lif", H);
    cfg.layers[2].leak = 0.2;
    cfg.layers[2].learn_threshold = 1;
    cfg.layers[3] = xb_test_layer("lif", 2);
    cfg.layers[3].readout = XB_READOUT_MEMBRANE_SUM;
    struct xb_net *net = xb_test_net(ctx, &cfg, 64);
    xb_net_init(net, 3);
    float *p = xb_net_layer(net, 1)->params;
    p[0] = 1.0f, p[1] = 0.0f;
    return net;
}

/* pixel i of the shuffled 1,000 is (perm(i) + 1) / 1000 */
static void pixels(float *X)
{
    for (int i = 0; i < N; i++)
        X[i] = (float)((i * 367) % N + 1) / 1000.0f;
}

Test(threshold, known_percentile_then_layer_by_layer)
{
    struct xb_net *net = chain(1);
    float X[N];
    pixels(X);
    double th[4];
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, X, N, 99.7, 1.0, 11, th), XB_OK, "%s",
                 xb_ctx_error(ctx));
    /* layer 1: the currents are the pixels at every step; sorted v_j =
     * (j + 1)/1000, h = 999 * 0.997 = 996.003: v_996 + 0.003 (v_997 - v_996).
     * So 3 pixels of 1,000 fire at step 0, and at step 1 (u_1 = 1.5 x) a
     * third: layer 2's percentile differs between steps. */
    const double want = 0.997 + 0.003 * (0.998 - 0.997);
    cr_assert(fabs(th[1] - want) < 1e-6, "layer 1: %.9g, want %.9g", th[1], want);
    cr_assert(xb_net_layer(net, 1)->params[2] == (float)th[1]);
    cr_assert(isnan(th[0]) && isnan(th[3]), "encode and the membrane readout keep theirs");
    /* layer 2: by hand from layer 1's spikes under its new threshold */
    struct xb_layer *l2 = xb_net_layer(net, 2);
    const float *w = l2->params, *b = l2->params + H;
    float *vals = xb_malloc(N * H, sizeof(float));
    double best = -INFINITY, q0 = 0.0;
    for (int t = 0; t < T; t++) {
        for (int c = 0; c < N; c += 64) {
            const int m = N - c < 64 ? N - c : 64;
            struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = (size_t)m, .seed = 11,
                                .addr = {.sample0 = (uint32_t)c, .batch = (uint32_t)m}};
            xb_net_forward(net, &p, X + c);
            struct xb_lif_trace tr;
            cr_assert(xb_lif_trace_of(xb_net_layer(net, 1), &tr));
            for (int r = 0; r < m; r++)
                for (int j = 0; j < H; j++)
                    vals[(c + r) * H + j] = w[j] * tr.s[r * T + t] + b[j];
        }
        gsl_sort_float(vals, 1, N * H);
        const double q = gsl_stats_float_quantile_from_sorted_data(vals, 1, N * H, 0.997);
        best = q > best ? q : best;
        q0 = t == 0 ? q : q0;
    }
    cr_assert(q0 != best, "step 0 gives the max: the max over steps goes untested");
    cr_assert(th[2] == (double)(float)best, "layer 2: %.9g, by hand %.9g", th[2], best);
    for (int j = 0; j < H; j++)
        cr_assert(l2->params[2 * H + j] == (float)th[2]);
    xb_free(vals);
    xb_net_free(net);
}

/* The scale multiplies the percentile. */
Test(threshold, scale)
{
    struct xb_net *net = chain(1);
    float X[N];
    pixels(X);
    double th[4];
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, X, N, 99.7, 0.7, 11, th), XB_OK, "%s",
                 xb_ctx_error(ctx));
    const double want = 0.7 * (0.997 + 0.003 * (0.998 - 0.997));
    cr_assert(fabs(th[1] - want) < 1e-6, "layer 1: %.9g, want %.9g", th[1], want);
    xb_net_free(net);
}

Test(threshold, refusals_name_the_setting_or_layer)
{
    float X[N];
    pixels(X);
    struct xb_net *net = chain(0);
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, X, N, 99.7, 1.0, 1, NULL), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "layer 1 (lif)") &&
              strstr(xb_ctx_error(ctx), "learn_threshold"), "%s", xb_ctx_error(ctx));
    xb_net_free(net);
    net = chain(1);
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, X, N, 0.0, 1.0, 1, NULL), XB_ERANGE);
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, X, N, 99.7, 0.0, 1, NULL), XB_ERANGE);
    /* no positive current: all pixels 0 and a zero bias */
    float Z[N] = {0};
    cr_assert_eq(xb_snn_init_thresholds(ctx, net, Z, N, 99.7, 1.0, 1, NULL), XB_ENUMERIC);
    cr_assert(strstr(xb_ctx_error(ctx), "layer 1 (lif)"), "%s", xb_ctx_error(ctx));
    xb_net_free(net);
}

/* conv_lif - maxpool - flatten - lif - lif (membrane) against conv2d -
 * relu - maxpool - flatten - dense - relu - dense: every product gets its
 * ANN layer's weights, the thresholds and leaks stay. */
static struct xb_net *conv_snn(int units)
{
    struct xb_net_config cfg = {.input = {1, 6, 6}, .classes = 3, .n_layers = 6};
    cfg.layers[0] = xb_test_layer("encode", 0);
    cfg.layers[0].steps = 2, cfg.layers[0].image = 1;
    cfg.layers[1] = xb_test_layer("conv_lif", units);
    cfg.layers[1].steps = 2, cfg.layers[1].kernel = 3, cfg.layers[1].learn_threshold = 1;
    cfg.layers[1].learn_leak = 1;
    cfg.layers[2] = xb_test_layer("maxpool", 0);
    cfg.layers[2].kernel = 2;
    cfg.layers[3] = xb_test_layer("flatten", 0);
    cfg.layers[3].steps = 2;
    cfg.layers[4] = xb_test_layer("lif", 5);
    cfg.layers[4].learn_threshold = 1;
    cfg.layers[5] = xb_test_layer("lif", 3);
    cfg.layers[5].readout = XB_READOUT_MEMBRANE_SUM;
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    xb_net_init(net, 1);
    return net;
}

static struct xb_net *conv_ann(void)
{
    struct xb_net_config cfg = {.input = {1, 6, 6}, .classes = 3, .n_layers = 7};
    cfg.layers[0] = xb_test_layer("conv2d", 4);
    cfg.layers[0].kernel = 3;
    cfg.layers[1] = xb_test_layer("relu", 0);
    cfg.layers[2] = xb_test_layer("maxpool", 0);
    cfg.layers[2].kernel = 2;
    cfg.layers[3] = xb_test_layer("flatten", 0);
    cfg.layers[4] = xb_test_layer("dense", 5);
    cfg.layers[5] = xb_test_layer("relu", 0);
    cfg.layers[6] = xb_test_layer("dense", 3);
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    xb_net_init(net, 2);
    return net;
}

Test(threshold, ann_weights_into_the_products)
{
    struct xb_net *snn = conv_snn(4), *ann = conv_ann();
    const size_t pairs[3][2] = {{1, 0}, {4, 4}, {5, 6}};
    float *rest[3];
    size_t nrest[3];
    for (int k = 0; k < 3; k++) { /* what must stay: thresholds and leaks */
        struct xb_layer *s = xb_net_layer(snn, pairs[k][0]);
        const size_t np = xb_lif_product_params(s);
        nrest[k] = s->n_params - np;
        rest[k] = xb_malloc(nrest[k] + 1, sizeof(float));
        memcpy(rest[k], s->params + np, nrest[k] * sizeof(float));
    }
    cr_assert_eq(xb_snn_copy_ann(ctx, snn, ann), XB_OK, "%s", xb_ctx_error(ctx));
    for (int k = 0; k < 3; k++) {
        struct xb_layer *s = xb_net_layer(snn, pairs[k][0]), *a = xb_net_layer(ann, pairs[k][1]);
        const size_t np = xb_lif_product_params(s);
        cr_assert_eq(np, a->n_params);
        cr_assert(!memcmp(s->params, a->params, np * sizeof(float)), "layer %zu", pairs[k][0]);
        cr_assert(!memcmp(s->params + np, rest[k], nrest[k] * sizeof(float)));
        xb_free(rest[k]);
    }
    cr_assert_gt(nrest[0], 0);
    /* another width does not pair up, and nothing is copied */
    struct xb_net *other = conv_snn(2);
    const size_t bytes = xb_net_n_params(other) * sizeof(float);
    float *before = xb_malloc(bytes, 1);
    memcpy(before, xb_net_params(other), bytes);
    cr_assert_eq(xb_snn_copy_ann(ctx, other, ann), XB_ESHAPE);
    cr_assert(strstr(xb_ctx_error(ctx), "SNN layer 1 (conv_lif") &&
              strstr(xb_ctx_error(ctx), "ANN layer 0 (conv2d"), "%s", xb_ctx_error(ctx));
    cr_assert(!memcmp(before, xb_net_params(other), bytes));
    xb_free(before);
    xb_net_free(other), xb_net_free(snn), xb_net_free(ann);
}
