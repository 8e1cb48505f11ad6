

/*
 * The spiking conv layer (models/layers/layer_conv_lif.c) and the shapes
 * that carry its spikes (encode with image, maxpool, flatten with steps;
 * xb_spike.h): its membranes and spikes equal a conv2d layer's outputs of
 * every step run through the LIF recursion by hand (bit for bit, both
 * resets); central-difference checks of its STBP backward on the relaxed
 * forward for weights, biases, learned thresholds and leaks and inputs;
 * the input gradient of a whole conv SNN (encode - conv_lif - maxpool -
 * conv_lif - maxpool - flatten - lif) against central differences; its
 * operation counts; the same bits for 1 and 2 threads; every step its own crossbar read; and
 * the errors of a bad `steps`.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_device.h"
#include "xb_layer.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_test_layers.h"

TestSuite(conv_lif, .init = setup, .fini = teardown);

static void conv_lif_config(struct xb_layer_config *c, int steps, int units, int kernel, int pad)
{
    memset(c, 0, sizeof *c);
    snprintf(c->type, sizeof c->type, "conv_lif");
    c->steps = steps;
    c->units = units;
    c->kernel = kernel;
    c->pad = pad;
}

/* ---- the recursion on a conv2d's outputs, by hand ------------------------ */

/* T = 5 steps of 2 × 6 × 6 images, 3 units of 3 × 3 (pad 1): 108 neurons.
 * The conv2d layer on the same W, b gives I_t of every step (rows·T
 * images, the very product conv_lif runs); the recursion of xb_spike.h
 * then gives u_t and s_t, compared for equality. */
static void check_by_hand(enum xb_lif_reset reset)
{
    enum { T = 5, C = 2, H = 6, U = 3, R = 2, N = U * H * H };
    struct xb_layer_config c;
    conv_lif_config(&c, T, U, 3, 1);
    c.threshold = 0.6;
    c.leak = 0.25;
    c.reset = reset;
    struct xb_layer l, cv;
    layer_make(&l, &c, (struct xb_shape){T * C, H, H}, R);
    cr_assert(l.out.c == T * U && l.out.h == H && l.out.w == H);
    cr_assert_eq(l.n_params, (size_t)U * C * 9 + U);
    struct xb_layer_config cc;
    memset(&cc, 0, sizeof cc);
    snprintf(cc.type, sizeof cc.type, "conv2d");
    cc.units = U, cc.kernel = 3, cc.pad = 1;
    layer_make(&cv, &cc, (struct xb_shape){C, H, H}, R * T);
    fill_normal(l.params, l.n_params, 50, 0.5f);
    memcpy(cv.params, l.params, l.n_params * sizeof(float));
    float x[R * T * C * H * H], I[R * T * N], y[R * T * N];
    fill_normal(x, R * T * C * H * H, 51, 1.0f);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL), q = pass_of(R * T, XB_PHASE_EVAL);
    l.type->forward(&l, &p, x, y);
    cv.type->forward(&cv, &q, x, I);
    struct xb_lif_trace tr;
    cr_assert(xb_lif_trace_of(&l, &tr));
    cr_assert(tr.steps == T && tr.units == N && tr.in == (size_t)C * H * H);
    size_t fired = 0, quiet = 0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < N; j++) {
            float u = 0.0f, s = 0.0f;
            for (int t = 0; t < T; t++) {
                const float carried = t == 0 ? 0.0f
                                      : reset == XB_LIF_RESET_ZERO ? u * (1.0f - s)
                                                                   : u - 0.6f * s;
                u = 0.75f * carried + I[(r * T + t) * N + j];
                s = u > 0.6f ? 1.0f : 0.0f;
                const size_t k = (size_t)(r * T + t) * N + (size_t)j;
                cr_assert(tr.u[k] == u, "u r %d t %d j %d: %g, want %g", r, t, j,
                          (double)tr.u[k], (double)u);
                cr_assert(y[k] == s && tr.s[k] == s);
                fired += s == 1.0f, quiet += s == 0.0f;
            }
        }
    cr_assert(fired > 20 && quiet > 20, "fired %zu, quiet %zu: a one-sided case", fired, quiet);
    layer_free(&l), layer_free(&cv);
}

Test(conv_lif, recursion_on_conv2d_outputs_reset_zero) { check_by_hand(XB_LIF_RESET_ZERO); }
Test(conv_lif, recursion_on_conv2d_outputs_reset_subtract)
{
    check_by_hand(XB_LIF_RESET_SUBTRACT);
}

/* ---- gradients ------------------------------------------------------------ */

static int near(double num, double ana)
{
    const double rtol = 1e-2, atol = 2e-3;
    return fabs(num - ana) <= rtol * fmax(fabs(num), fabs(ana)) + atol;
}

/* T = 3 steps of 2 × 4 × 4 images, 2 units of 3 × 3 (pad 1): 32 neurons, a
 * fast-sigmoid surrogate (smooth, so the relaxed forward has no kinks),
 * learned thresholds and leaks; every parameter and every input. */
static void grad_check(enum xb_lif_reset reset, enum xb_lif_readout readout)
{
    enum { T = 3, C = 2, H = 4, U = 2, R = 2, N = U * H * H, NX = R * T * C * H * H };
    struct xb_layer_config c;
    conv_lif_config(&c, T, U, 3, 1);
    c.leak = 0.3;
    c.threshold = 0.8;
    c.reset = reset;
    c.readout = readout;
    c.surrogate = XB_SURROGATE_FAST_SIGMOID;
    c.surrogate_width = 0.7;
    c.learn_threshold = 1;
    c.learn_leak = 1;
    struct xb_layer l;
    layer_make(&l, &c, (struct xb_shape){T * C, H, H}, R);
    const size_t nw = (size_t)U * C * 9 + U;
    cr_assert_eq(l.n_params, nw + 2 * N);
    xb_lif_set_relaxed(&l, 1);
    fill_normal(l.params, nw, 40, 0.6f);
    for (int j = 0; j < N; j++) /* spread thresholds and leaks */
        l.params[nw + j] = 0.6f + 0.02f * (float)j, l.params[nw + N + j] = 0.4f + 0.015f * (float)j;
    const size_t ny = R * xb_shape_size(l.out);
    float x[NX], dx[NX], *y = xb_malloc(ny, 4), *cf = xb_malloc(ny, 4);
    double *cd = xb_malloc(ny, sizeof(double));
    fill_normal(x, NX, 41, 1.0f);
    fill_normal(cf, ny, 42, 1.0f);
    for (size_t i = 0; i < ny; i++)
        cd[i] = (double)cf[i];
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    layer_objective(&l, &p, x, cd, y);
    memset(l.grads, 0, l.n_params * sizeof(float));
    l.type->backward(&l, &p, x, y, cf, dx);
    float *ana = xb_malloc(l.n_params, sizeof(float));
    memcpy(ana, l.grads, l.n_params * sizeof(float));
    double nz = 0.0, s0 = 0.0;
    for (size_t j = 0; j < l.n_params; j++) {
        const double num = layer_num_diff(&l, &p, x, cd, y, &l.params[j], 1e-3);
        cr_assert(near(num, (double)ana[j]), "reset %d readout %d: dparams[%zu]: numeric "
                  "%.6g, analytic %.6g", reset, readout, j, num, (double)ana[j]);
        nz += fabs((double)ana[j]);
    }
    for (size_t i = 0; i < NX; i++) {
        const double num = layer_num_diff(&l, &p, x, cd, y, &x[i], 1e-3);
        cr_assert(near(num, (double)dx[i]), "reset %d readout %d: dx[%zu]: numeric %.6g, "
                  "analytic %.6g", reset, readout, i, num, (double)dx[i]);
    }
    for (int r = 0; r < R; r++) /* step 0's image reaches the output through the recursion */
        for (int i = 0; i < C * H * H; i++)
            s0 += fabs((double)dx[r * T * C * H * H + i]);
    cr_assert_gt(nz, 1e-3);
    cr_assert_gt(s0, 1e-4);
    xb_free(ana), xb_free(y), xb_free(cf), xb_free(cd);
    layer_free(&l);
}

Test(conv_lif, grad_reset_zero_spikes) { grad_check(XB_LIF_RESET_ZERO, XB_READOUT_SPIKES); }
Test(conv_lif, grad_reset_subtract_count)
{
    grad_check(XB_LIF_RESET_SUBTRACT, XB_READOUT_COUNT);
}

/* ---- a conv SNN ----------------------------------------------------------- */

/* encode (direct, image) - conv_lif 4@3x3 - maxpool 2 - conv_lif 4@3x3 -
 * maxpool 2 - flatten (steps) - lif 10 membrane-sum, T = 3 on 1 × 8 × 8. */
static struct xb_net *conv_snn(size_t max_rows)
{
    enum { T = 3 };
    struct xb_net_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.input = (struct xb_shape){1, 8, 8};
    cfg.classes = 10;
    struct xb_layer_config *L = cfg.layers;
    snprintf(L[0].type, sizeof L[0].type, "encode");
    L[0].steps = T, L[0].image = 1;
    conv_lif_config(&L[1], T, 4, 3, 1);
    L[1].leak = 0.2, L[1].threshold = 0.5, L[1].learn_threshold = 1, L[1].learn_leak = 1;
    L[1].surrogate = XB_SURROGATE_ARCTAN;
    snprintf(L[2].type, sizeof L[2].type, "maxpool");
    L[2].kernel = 2;
    conv_lif_config(&L[3], T, 4, 3, 1);
    L[3].leak = 0.2, L[3].threshold = 0.5, L[3].surrogate = XB_SURROGATE_ARCTAN;
    L[3].reset = XB_LIF_RESET_SUBTRACT;
    snprintf(L[4].type, sizeof L[4].type, "maxpool");
    L[4].kernel = 2;
    snprintf(L[5].type, sizeof L[5].type, "flatten");
    L[5].steps = T;
    snprintf(L[6].type, sizeof L[6].type, "lif");
    L[6].units = 10, L[6].leak = 0.5, L[6].readout = XB_READOUT_MEMBRANE_SUM;
    cfg.n_layers = 7;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, max_rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 7);
    const struct xb_shape s1 = xb_net_layer(net, 1)->out, s2 = xb_net_layer(net, 2)->out,
                          s5 = xb_net_layer(net, 5)->out;
    cr_assert(xb_net_layer(net, 0)->out.c == T && xb_net_layer(net, 0)->out.h == 8);
    cr_assert(s1.c == 4 * T && s1.h == 8 && s1.w == 8);
    cr_assert(s2.c == 4 * T && s2.h == 4 && s2.w == 4);
    cr_assert(s5.c == T && s5.h == 1 && s5.w == 4 * 2 * 2);
    return net;
}

static void pixels(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((i * 37) % 101) / 100.0f;
}

/* The central difference of the net's loss with respect to x[i]. */
static double net_num_diff(struct xb_net *net, const struct xb_pass *p, float *x,
                           const uint8_t *lab, size_t rows, size_t i, double h)
{
    const float x0 = x[i], xp = (float)((double)x0 + h), xm = (float)((double)x0 - h);
    x[i] = xp;
    xb_net_forward(net, p, x);
    const double Lp = xb_net_loss(net, lab, rows);
    x[i] = xm;
    xb_net_forward(net, p, x);
    const double Lm = xb_net_loss(net, lab, rows);
    x[i] = x0;
    return (Lp - Lm) / ((double)xp - (double)xm);
}

/* dL/dx of the net (cross-entropy) against central differences of the
 * loss, with every spiking layer relaxed (s = S(u − V_th), whose exact
 * derivative the surrogate is): the input gradient an attack takes,
 * through two conv_lif layers, two poolings over spikes, a lif readout.
 * Max pooling has kinks where a window's maximum changes hands; the
 * relaxed spikes of neighbours are close, so a difference with h = 1e-3
 * can straddle one: a mismatch is retried once with h = 1e-4 (a wrong
 * analytic value fails both). */
Test(conv_lif, net_input_gradient_central_differences)
{
    enum { R = 2, F = 64 };
    struct xb_net *net = conv_snn(R);
    const size_t idx[] = {1, 3, 6};
    for (size_t k = 0; k < sizeof idx / sizeof *idx; k++)
        xb_lif_set_relaxed(xb_net_layer(net, idx[k]), 1);
    float x[R * F], dx[R * F];
    uint8_t lab[R] = {3, 7};
    pixels(x, R * F);
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    xb_net_forward(net, &p, x);
    xb_net_loss(net, lab, R);
    xb_net_backward_input(net, &p, x, dx);
    double nz = 0.0;
    for (size_t i = 0; i < R * F; i++) {
        double num = net_num_diff(net, &p, x, lab, R, i, 1e-3);
        if (!near(num, (double)dx[i])) /* a pooling window's max changed within +-h */
            num = net_num_diff(net, &p, x, lab, R, i, 1e-4);
        cr_assert(near(num, (double)dx[i]), "dx[%zu]: numeric %.6g, analytic %.6g", i, num,
                  (double)dx[i]);
        nz += fabs((double)dx[i]);
    }
    cr_assert_gt(nz, 1e-3);
    xb_net_free(net);
}

/* Operation counts (xb_spike.h): the first conv_lif multiplies the analog
 * pixels at every step, 4 units x 1*3*3 x 8*8 positions each; the second
 * reads pooled spikes, each accumulating its mean fan-out, 4*3*3*4*4 /
 * (4*4*4) = 36 (4 units x 3 x 3, away from the border), of 2,304 per step. */
Test(conv_lif, operation_counts)
{
    enum { R = 5, F = 64 };
    struct xb_net *net = conv_snn(R);
    float x[R * F];
    pixels(x, R * F);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    p.measure_activity = 1;
    xb_net_forward(net, &p, x);
    struct xb_spike_activity a, b;
    cr_assert(xb_spike_activity_of(xb_net_layer(net, 1), &a));
    cr_assert(xb_spike_activity_of(xb_net_layer(net, 3), &b));
    cr_assert(!a.in_binary && a.mac == R * 3.0 * 2304 && a.ann_mac == R * 2304.0 && a.ac == 0);
    cr_assert(b.in_binary && b.in_spikes > 0, "no spikes reach the second layer");
    cr_assert(b.ac == (double)b.in_spikes * 36.0 && b.mac == 0.0 && b.ann_mac == R * 2304.0,
              "ac %g for %llu spikes", b.ac, (unsigned long long)b.in_spikes);
    xb_net_free(net);
}

/* A TRAIN forward and backward with neuron noise: the same bits for 1 and
 * 2 threads (rows enough for the parallel regions). */
Test(conv_lif, bit_identical_1_and_2_threads)
{
    enum { R = 300, F = 64 };
    struct xb_net *net = conv_snn(R);
    const size_t np = xb_net_n_params(net);
    float *x = xb_malloc(R * F, 4), *lo[2], *g[2], *dx[2];
    uint8_t lab[R];
    pixels(x, R * F);
    for (int r = 0; r < R; r++)
        lab[r] = (uint8_t)(r % 10);
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_ADD;
    p.sigma = 0.3;
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        lo[t] = xb_malloc(R * 10, 4), g[t] = xb_malloc(np, 4), dx[t] = xb_malloc(R * F, 4);
        memcpy(lo[t], xb_net_forward(net, &p, x), R * 10 * sizeof(float));
        xb_net_loss(net, lab, R);
        xb_net_backward_input(net, &p, x, dx[t]);
        memcpy(g[t], xb_net_grads(net), np * sizeof(float));
    }
    omp_set_num_threads(2);
    cr_assert(!memcmp(lo[0], lo[1], R * 10 * sizeof(float)), "outputs differ");
    cr_assert(!memcmp(g[0], g[1], np * sizeof(float)), "gradients differ");
    cr_assert(!memcmp(dx[0], dx[1], R * F * sizeof(float)), "dx differ");
    double gn = 0.0;
    for (size_t i = 0; i < np; i++)
        gn += fabs((double)g[0][i]);
    cr_assert_gt(gn, 0.0);
    for (int t = 0; t < 2; t++)
        xb_free(lo[t]), xb_free(g[t]), xb_free(dx[t]);
    xb_free(x);
    xb_net_free(net);
}

/* On a crossbar every step is its own read: with direct encoding the T
 * steps present the same image, so the first conv_lif's currents of step
 * 0 and step 1 are equal off the device (k r_0 aside: leak 1 makes
 * u_t = I_t) and on the ideal device, and differ on a PCM chip; a sample
 * read alone gets the reads it got in the batch. */
Test(conv_lif, device_reads_each_step)
{
    enum { R = 3, T = 3, F = 64, N = 4 * 64 };
    struct xb_net_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.input = (struct xb_shape){1, 8, 8};
    cfg.classes = 10;
    struct xb_layer_config *L = cfg.layers;
    snprintf(L[0].type, sizeof L[0].type, "encode");
    L[0].steps = T, L[0].image = 1;
    conv_lif_config(&L[1], T, 4, 3, 1);
    L[1].leak = 1.0;
    snprintf(L[2].type, sizeof L[2].type, "flatten");
    L[2].steps = T;
    snprintf(L[3].type, sizeof L[3].type, "lif");
    L[3].units = 10, L[3].readout = XB_READOUT_MEMBRANE_SUM;
    cfg.n_layers = 4;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 9);
    float x[R * F];
    pixels(x, R * F);
    check_device_reads_each_step(net, x, R, T, N, F, 0.0);
    xb_net_free(net);
}

/* `steps` must divide the channels of conv_lif's and flatten's inputs. */
Test(conv_lif, bad_steps_named)
{
    struct xb_layer_config c;
    conv_lif_config(&c, 4, 2, 3, 1);
    struct xb_layer l = {.type = &xb_layer_conv_lif, .id = 2, .in = {6, 5, 5}, .max_rows = 1};
    cr_assert_eq(l.type->create(ctx, &l, &c), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "steps = 4") &&
              strstr(xb_ctx_error(ctx), "6 channels"), "%s", xb_ctx_error(ctx));
    c.steps = 0;
    cr_assert_eq(l.type->create(ctx, &l, &c), XB_EINVAL);
    struct xb_layer_config f;
    memset(&f, 0, sizeof f);
    snprintf(f.type, sizeof f.type, "flatten");
    f.steps = 4;
    struct xb_layer fl = {.type = &xb_layer_flatten, .id = 2, .in = {6, 5, 5}, .max_rows = 1};
    cr_assert_eq(fl.type->create(ctx, &fl, &f), XB_ESHAPE);
    cr_assert(strstr(xb_ctx_error(ctx), "steps = 4"), "%s", xb_ctx_error(ctx));
    /* learn_sigma is lif's (likelihood-ratio training): not a conv_lif field */
    c.steps = 2;
    c.learn_sigma = 1;
    cr_assert_eq(l.type->create(ctx, &l, &c), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "learn_sigma"), "%s", xb_ctx_error(ctx));
}
