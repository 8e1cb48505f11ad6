/*
 * The lstm layer (models/layers/layer_lstm.c): central-difference gradient checks
 * of its parameters and inputs through T = 5 steps, without noise and with
 * multiplicative / additive gate noise (the draw is addressed, so both
 * evaluations of a difference see the same draw and the check is exact for
 * it); one step by hand; TRAIN and EVAL forwards agree; the gate noise
 * differs by step and by sample; bit-identity for 1 and 2 threads; the
 * ideal device equals the abstract path and pcm reads differ per step; a
 * small lstm -> dense -> noise net learns a fixed batch with Adam; the
 * gate pre-activations count in the net's additive-noise signal power.
 *
 * Gradient checks as in test_layers.c: L = Σ c_i y_i with fixed random c,
 * each parameter or input moved by ± h (relative to |v|, absolute floor),
 * |num − ana| <= rtol · max(|num|, |ana|) + atol.
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
#include "xb_optim.h"
#include "xb_rng.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261122, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(lstm, .init = setup, .fini = teardown);

static void fill_normal(float *x, size_t n, uint32_t layer, float scale)
{
    xb_test_fill_normal(x, n, 11, layer, scale);
}

static void layer_make(struct xb_layer *l, struct xb_shape in, int units, size_t max_rows,
                       uint32_t id)
{
    struct xb_layer_config cfg = {.type = "lstm", .units = units};
    memset(l, 0, sizeof *l);
    l->type = xb_layer_type_find("lstm");
    cr_assert(l->type == &xb_layer_lstm);
    l->id = id;
    l->in = in;
    l->max_rows = max_rows;
    cr_assert_eq(l->type->create(ctx, l, &cfg), XB_OK, "%s", xb_ctx_error(ctx));
    l->params = xb_aligned(l->n_params, sizeof(float));
    l->grads = xb_aligned(l->n_params, sizeof(float));
    memset(l->grads, 0, l->n_params * sizeof(float));
    l->type->init(l, 5);
}

static void layer_free(struct xb_layer *l)
{
    l->type->destroy(l);
    xb_free(l->params);
    xb_free(l->grads);
}

static struct xb_pass pass_of(size_t rows, enum xb_phase phase)
{
    struct xb_pass p = {.phase = phase, .rows = rows, .seed = 99};
    p.addr.batch = (uint32_t)rows;
    return p;
}

static double objective(struct xb_layer *l, const struct xb_pass *p, const float *x,
                        const double *c, float *y)
{
    l->type->forward(l, p, x, y);
    double L = 0.0;
    for (size_t i = 0; i < p->rows * xb_shape_size(l->out); i++)
        L += c[i] * (double)y[i];
    return L;
}

static double num_diff(struct xb_layer *l, const struct xb_pass *p, const float *x,
                       const double *c, float *y, float *v, double h)
{
    const float v0 = *v;
    const double step = h * fmax(1.0, fabs((double)v0));
    const float vp = (float)((double)v0 + step), vm = (float)((double)v0 - step);
    *v = vp;
    const double Lp = objective(l, p, x, c, y);
    *v = vm;
    const double Lm = objective(l, p, x, c, y);
    *v = v0;
    return (Lp - Lm) / ((double)vp - (double)vm);
}

static void check_close(const char *what, size_t k, double num, double ana)
{
    const double rtol = 1e-2, atol = 2e-3;
    double err = fabs(num - ana), lim = rtol * fmax(fabs(num), fabs(ana)) + atol;
    cr_assert_leq(err, lim, "%s[%zu]: numeric %.6g, analytic %.6g", what, k, num, ana);
}

/* T = 5 steps of F = 3 features, H = 4, 3 rows (two votes of a batch of 2
 * would need 4; here one vote of 3). Every parameter and input. */
static void grad_check(enum xb_noise_kind kind, double sigma)
{
    enum { T = 5, F = 3, H = 4, R = 3 };
    struct xb_layer l;
    layer_make(&l, (struct xb_shape){1, T, F}, H, R, 2);
    cr_assert_eq(l.out.c, H);
    cr_assert_eq(l.n_params, 4 * H * (F + H) + 4 * H);
    fill_normal(l.params, l.n_params, 30, 0.6f); /* biases away from 0 and 1 too */
    float x[R * T * F], y[R * H], cf[R * H], dx[R * T * F];
    double c[R * H];
    fill_normal(x, R * T * F, 31, 1.0f);
    fill_normal(cf, R * H, 32, 1.0f);
    for (int i = 0; i < R * H; i++)
        c[i] = (double)cf[i];
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = kind;
    p.sigma = sigma;
    objective(&l, &p, x, c, y);
    memset(l.grads, 0, l.n_params * sizeof(float));
    l.type->backward(&l, &p, x, y, cf, dx);
    float *ana = xb_malloc(l.n_params, sizeof(float));
    memcpy(ana, l.grads, l.n_params * sizeof(float));
    for (size_t j = 0; j < l.n_params; j++)
        check_close("dparams", j, num_diff(&l, &p, x, c, y, &l.params[j], 1e-3), (double)ana[j]);
    for (size_t i = 0; i < R * T * F; i++)
        check_close("dx", i, num_diff(&l, &p, x, c, y, &x[i], 1e-3), (double)dx[i]);
    /* the early steps matter: dx of step 0 is not all zero */
    double s0 = 0.0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++)
            s0 += fabs((double)dx[r * T * F + j]);
    cr_assert_gt(s0, 1e-4);
    xb_free(ana);
    layer_free(&l);
}

Test(lstm, grad_no_noise) { grad_check(XB_NOISE_NONE, 0.0); }
Test(lstm, grad_mult_noise) { grad_check(XB_NOISE_MULT, 0.3); }
Test(lstm, grad_add_noise) { grad_check(XB_NOISE_ADD, 0.3); }

static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }

/* One step, F = 2, H = 1, by hand: h_0 = c_0 = 0, so only the x columns
 * and the biases count. */
Test(lstm, one_step_by_hand)
{
    struct xb_layer l;
    layer_make(&l, (struct xb_shape){1, 1, 2}, 1, 1, 1);
    cr_assert_eq(l.n_params, 4 * 3 + 4);
    /* init: forget bias 1, others 0 */
    cr_assert(l.params[12] == 0.0f && l.params[13] == 1.0f && l.params[14] == 0.0f &&
              l.params[15] == 0.0f);
    /* W rows (i, f, g, o) over columns (x0, x1, h) */
    const float W[12] = {0.5f, -0.25f, 9.0f, 0.1f, 0.2f, 9.0f, -0.3f, 0.7f, 9.0f, 1.0f, 0.0f, 9.0f};
    const float b[4] = {0.1f, 1.0f, -0.2f, 0.05f};
    memcpy(l.params, W, sizeof W);
    memcpy(l.params + 12, b, sizeof b);
    const float x[2] = {0.8f, -1.5f};
    float y;
    struct xb_pass p = pass_of(1, XB_PHASE_EVAL);
    p.measure_power = 1;
    l.type->forward(&l, &p, x, &y);
    const double x0 = 0.8, x1 = -1.5;
    double zi = 0.5 * x0 - 0.25 * x1 + 0.1, zg = -0.3 * x0 + 0.7 * x1 - 0.2;
    double zo = 1.0 * x0 + 0.05;
    double cc = sig(zi) * tanh(zg); /* f * c_0 = 0 */
    double h = sig(zo) * tanh(cc);
    cr_assert(fabs((double)y - h) < 1e-6, "h = %.8g, expected %.8g", (double)y, h);
    /* the signal the gate noise meets: the four noise-free pre-activations */
    double zf = 0.1 * x0 + 0.2 * x1 + 1.0, sum = 0.0;
    double count = 0.0;
    l.type->noise_power(&l, &sum, &count);
    cr_assert_eq(count, 4.0);
    double want = zi * zi + zf * zf + zg * zg + zo * zo;
    cr_assert(fabs(sum - want) < 1e-5 * want, "sum z^2 = %.8g, expected %.8g", sum, want);
    layer_free(&l);
}

/* TRAIN (per-step caches) and EVAL (one step's buffers) forwards give the
 * same numbers, with and without noise; the noise depends on the pass's
 * seed, instance and sample, and on the step. */
Test(lstm, train_eval_agree_and_noise_addressing)
{
    enum { T = 6, F = 4, H = 5, R = 4 };
    struct xb_layer l;
    layer_make(&l, (struct xb_shape){2, 3, F}, H, R, 3);
    float x[R * T * F], ya[R * H], yb[R * H], yc[R * H];
    fill_normal(x, R * T * F, 33, 1.0f);
    memcpy(x + T * F, x, T * F * sizeof(float)); /* samples 0 and 1 equal */
    for (int k = 0; k < 3; k++) {
        struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
        p.noise = (enum xb_noise_kind)k;
        p.sigma = 0.4;
        l.type->forward(&l, &p, x, ya);
        p.phase = XB_PHASE_EVAL;
        l.type->forward(&l, &p, x, yb);
        cr_assert(!memcmp(ya, yb, sizeof ya), "TRAIN and EVAL differ (noise %d)", k);
        cr_assert_eq(l.type->deterministic(&l, &p), k == 0);
        if (k == 0) {
            cr_assert(!memcmp(ya, ya + H, H * sizeof(float)));
            continue;
        }
        cr_assert(memcmp(ya, ya + H, H * sizeof(float)), "noise not per sample");
        p.instance = 1;
        l.type->forward(&l, &p, x, yc);
        cr_assert(memcmp(ya, yc, sizeof ya), "noise not per instance");
    }
    /* Per step: a one-step sequence repeated gives different h after step
     * 1 than a fresh sequence would if the steps shared the draw; checked
     * directly: with constant input and zero recurrent weights, every
     * step's gate values would be equal without noise and differ with it. */
    struct xb_layer m;
    layer_make(&m, (struct xb_shape){1, 2, 1}, 1, 1, 4);
    for (size_t k = 0; k < 4; k++)
        m.params[k * 2 + 1] = 0.0f; /* recurrent weights 0 */
    m.params[2] = 0.0f;             /* forget gate W_x = 0 and bias very negative: */
    m.params[9] = -30.0f;           /* c_t ~ i g, no memory */
    const float xs[2] = {0.7f, 0.7f};
    float h1, h2;
    struct xb_pass p = pass_of(1, XB_PHASE_EVAL);
    p.noise = XB_NOISE_MULT;
    p.sigma = 0.5;
    struct xb_layer_config one = {.type = "lstm", .units = 1};
    struct xb_layer m1;
    memset(&m1, 0, sizeof m1);
    m1.type = &xb_layer_lstm, m1.id = 4, m1.in = (struct xb_shape){1, 1, 1}, m1.max_rows = 1;
    cr_assert_eq(m1.type->create(ctx, &m1, &one), XB_OK);
    m1.params = m.params; /* same parameters, one step */
    m.type->forward(&m, &p, xs, &h2);
    m1.type->forward(&m1, &p, xs, &h1);
    cr_assert(h1 != h2, "steps 0 and 1 drew the same noise");
    p.sigma = 0.0;
    m.type->forward(&m, &p, xs, &h2);
    m1.type->forward(&m1, &p, xs, &h1);
    cr_assert(fabsf(h1 - h2) < 1e-6f, "%g vs %g", (double)h1, (double)h2);
    m1.type->destroy(&m1);
    layer_free(&m);
    layer_free(&l);
}

/* Big enough for the parallel regions; noise on; forward and backward. */
Test(lstm, bit_identical_1_and_2_threads)
{
    enum { T = 7, F = 9, H = 24, R = 300 };
    struct xb_layer l;
    omp_set_num_threads(2);
    layer_make(&l, (struct xb_shape){1, T, F}, H, R, 1);
    float *x = xb_malloc(R * T * F, 4), *dy = xb_malloc(R * H, 4), *y[2], *dx[2], *g[2];
    fill_normal(x, R * T * F, 34, 1.0f);
    fill_normal(dy, R * H, 35, 1.0f);
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_MULT;
    p.sigma = 0.5;
    p.addr.batch = 100; /* three votes */
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        y[t] = xb_malloc(R * H, 4), dx[t] = xb_malloc(R * T * F, 4);
        g[t] = xb_malloc(l.n_params, 4);
        memset(l.grads, 0, l.n_params * sizeof(float));
        l.type->forward(&l, &p, x, y[t]);
        l.type->backward(&l, &p, x, y[t], dy, dx[t]);
        memcpy(g[t], l.grads, l.n_params * sizeof(float));
    }
    omp_set_num_threads(2);
    cr_assert(!memcmp(y[0], y[1], R * H * sizeof(float)), "outputs differ");
    cr_assert(!memcmp(dx[0], dx[1], R * T * F * sizeof(float)), "dx differ");
    cr_assert(!memcmp(g[0], g[1], l.n_params * sizeof(float)), "gradients differ");
    for (int t = 0; t < 2; t++)
        xb_free(y[t]), xb_free(dx[t]), xb_free(g[t]);
    xb_free(x), xb_free(dy);
    layer_free(&l);
}

static void lc(struct xb_layer_config *c, const char *type, int units)
{
    memset(c, 0, sizeof *c);
    snprintf(c->type, sizeof c->type, "%s", type);
    c->units = units;
}

static void small_config(struct xb_net_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = (struct xb_shape){1, 6, 4};
    cfg->classes = 10;
    lc(&cfg->layers[0], "lstm", 8);
    lc(&cfg->layers[1], "dense", 10);
    lc(&cfg->layers[2], "noise", 0);
    cfg->n_layers = 3;
}

/* The additive-noise SNR of a net counts the gate pre-activations of an
 * lstm beside the inputs of its noise layers, pooled over all values. */
Test(lstm, noise_input_power_counts_the_gates)
{
    enum { R = 5 };
    struct xb_net_config cfg;
    small_config(&cfg);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 3);
    float x[R * 6 * 4];
    fill_normal(x, R * 6 * 4, 41, 1.0f);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    const float *out = xb_net_forward(net, &p, x);
    double s_none = 0.0;
    double n_none = 0.0;
    xb_net_layer(net, 0)->type->noise_power(xb_net_layer(net, 0), &s_none, &n_none);
    cr_assert_eq(n_none, 0.0, "nothing measured unless asked");
    p.measure_power = 1;
    out = xb_net_forward(net, &p, x);
    double s_out = 0.0;
    for (size_t i = 0; i < R * 10; i++)
        s_out += (double)out[i] * (double)out[i];
    double s_gates = 0.0;
    double n_gates = 0.0;
    const struct xb_layer *l = xb_net_layer(net, 0);
    l->type->noise_power(l, &s_gates, &n_gates);
    cr_assert_eq(n_gates, (double)(R * 6 * 4 * 8), "steps x rows x 4H");
    cr_assert_gt(s_gates, 0.0);
    double want = (s_gates + s_out) / (n_gates + R * 10);
    double got = xb_net_noise_input_power(net);
    cr_assert(fabs(got - want) <= 1e-12 * want, "power %.15g, expected %.15g", got, want);
    xb_net_free(net);
}

/* The ideal device runs the same product as the abstract path; a pcm chip
 * differs, reads the same at the same addresses and correlates. */
Test(lstm, device_paths)
{
    enum { R = 8 };
    struct xb_net_config cfg;
    small_config(&cfg);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 3);
    float x[R * 24], ref[R * 10], dev[R * 10];
    fill_normal(x, R * 24, 36, 1.0f);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    memcpy(ref, xb_net_forward(net, &p, x), sizeof ref);
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    p.on_device = 1;
    cr_assert_eq(xb_layer_lstm.deterministic(xb_net_layer(net, 0), &p), 0);
    const float *y = xb_net_forward(net, &p, x);
    for (int i = 0; i < R * 10; i++)
        cr_assert(fabs((double)y[i] - (double)ref[i]) <= 1e-5, "logit %d: %g vs %g", i,
                  (double)y[i], (double)ref[i]);
    cr_assert_eq(xb_net_calibrate(ctx, net, x, R), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_device_init(ctx, &xp.device, "pcm"), XB_OK);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_net_age(ctx, net, 3600.0), XB_OK, "%s", xb_ctx_error(ctx));
    memcpy(dev, xb_net_forward(net, &p, x), sizeof dev);
    cr_assert(!memcmp(dev, xb_net_forward(net, &p, x), sizeof dev));
    double maxd = 0.0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < R * 10; i++) {
        maxd = fmax(maxd, fabs((double)dev[i] - (double)ref[i]));
        sxy += (double)dev[i] * (double)ref[i];
        sxx += (double)ref[i] * (double)ref[i];
        syy += (double)dev[i] * (double)dev[i];
    }
    cr_assert_gt(maxd, 1e-4, "pcm equals ideal");
    cr_assert_gt(sxy / sqrt(sxx * syy), 0.8, "cosine %g", sxy / sqrt(sxx * syy));
    xb_net_free(net);
}

/* input {1, 6, 4} -> lstm(8) -> dense(10) -> noise: 20 Adam steps on a
 * fixed batch whose label is readable from the sequence (the step at which
 * a spike sits, mod 10 via two features), with noise-injected training. */
Test(lstm, net_learns_fixed_batch)
{
    enum { R = 32, T = 6, F = 4 };
    struct xb_net_config cfg;
    small_config(&cfg);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 3);
    float x[R * T * F];
    uint8_t labels[R];
    fill_normal(x, R * T * F, 37, 0.1f);
    for (int r = 0; r < R; r++) {
        labels[r] = (uint8_t)(r % 10);
        const int step = labels[r] % T, feat = labels[r] / T; /* 0..5, 0..1 */
        x[(r * T + step) * F + feat] += 2.0f;
    }
    struct xb_optim_params op;
    xb_optim_params_default(&op);
    op.lr = 0.02;
    struct xb_optim *o = xb_optim_create(&op, xb_net_n_params(net));
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_MULT;
    p.sigma = 0.1;
    double first = 0.0, last = 0.0;
    for (int it = 0; it < 20; it++) {
        p.seed = 100 + (uint64_t)it;
        xb_net_forward(net, &p, x);
        double L = xb_net_loss(net, labels, R);
        cr_assert(isfinite(L));
        if (it == 0)
            first = L;
        last = L;
        xb_net_backward(net, &p, x);
        xb_optim_step(o, xb_net_params(net), xb_net_grads(net));
    }
    cr_assert_lt(last, 0.8 * first, "loss %g -> %g", first, last);
    xb_optim_free(o);
    xb_net_free(net);
}

Test(lstm, config_errors)
{
    struct xb_layer l;
    memset(&l, 0, sizeof l);
    l.type = &xb_layer_lstm;
    l.in = (struct xb_shape){1, 4, 3};
    l.max_rows = 2;
    struct xb_layer_config cfg = {.type = "lstm", .units = 0, .line = 9};
    cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "line 9") && strstr(xb_ctx_error(ctx), "units"));
    cfg.units = 4;
    cfg.kernel = 3;
    cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "kernel"));
}
