/*
 * The spiking layers (models/layers/layer_lif.c, layer_encode.c, the
 * convention of xb_spike.h): LIF traces against hand-computed values over
 * 12 steps for both reset modes, the threshold test being strict; the
 * readouts; the surrogates against their formulas; central-difference
 * gradient checks of the STBP backward on the relaxed forward (s = S(u −
 * V_th), whose exact derivative the surrogate is) for every surrogate, both
 * resets, every readout, no / additive / multiplicative noise, weights,
 * biases, learned thresholds and leaks, and inputs; Bernoulli and Poisson
 * spike rates within derived bounds, independent across steps; spiking
 * activity and operation counts; bit-identity of a noisy forward and
 * backward for 1 and 2 threads; EVAL replicas; the 1-bit DAC on the device;
 * votes of a rate-coded net at sigma 0; every step its own crossbar read.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "xb_activity.h"
#include "xb_alloc.h"
#include "xb_device.h"
#include "xb_eval.h"
#include "xb_layer.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_spike.h"
#include "xb_test_layers.h"

TestSuite(lif, .init = setup, .fini = teardown);

static void lif_config(struct xb_layer_config *c, int units)
{
    memset(c, 0, sizeof *c);
    snprintf(c->type, sizeof c->type, "lif");
    c->units = units;
}

/* ---- traces by hand ---------------------------------------------------- */

enum { HT = 12 };
/* One neuron, one input, W = 1, b = 0: I_t = x_t. k = 0.5, V_th = 1.
 * Steps 6-8 put u exactly on the threshold (no spike: the test is >). */
static const float hand_x[HT] = {0.5f, 0.5f, 0.75f, 0.25f, 1.5f, 0.0f,
                                 1.0f, 0.5f, 0.5f,  1.0f,  0.125f, 2.0f};

/* reset to zero: u_t = 0.5 u_{t-1} (1 - s_{t-1}) + x_t, worked by hand:
 * 0.5; .25+.5; .375+.75 = 1.125 (spike); 0+.25; .125+1.5 = 1.625 (spike);
 * 0+0; 0+1 = 1 (not above); .5+.5 = 1; .5+.5 = 1; .5+1 = 1.5 (spike);
 * 0+.125; .0625+2 (spike) */
static const float zero_u[HT] = {0.5f, 0.75f, 1.125f, 0.25f, 1.625f, 0.0f,
                                 1.0f, 1.0f,  1.0f,   1.5f,  0.125f, 2.0625f};
static const float zero_s[HT] = {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1};

/* subtract: u_t = 0.5 (u_{t-1} - s_{t-1}) + x_t: 0.5; 0.75; 1.125 (spike);
 * .0625+.25 = .3125; .15625+1.5 = 1.65625 (spike); .328125; .1640625+1
 * (spike); .08203125+.5 = .58203125; .291015625+.5 = .791015625;
 * .3955078125+1 (spike); .19775390625+.125 = .32275390625;
 * .161376953125+2 (spike) */
static const float sub_u[HT] = {0.5f,        0.75f,        1.125f,        0.3125f,
                                1.65625f,    0.328125f,    1.1640625f,    0.58203125f,
                                0.791015625f, 1.3955078125f, 0.32275390625f, 2.161376953125f};
static const float sub_s[HT] = {0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1};

static void hand_layer(struct xb_layer *l, enum xb_lif_reset reset, enum xb_lif_readout readout)
{
    struct xb_layer_config c;
    lif_config(&c, 1);
    c.leak = 0.5;
    c.reset = reset;
    c.readout = readout;
    layer_make(l, &c, (struct xb_shape){HT, 1, 1}, 1);
    l->params[0] = 1.0f; /* W */
    l->params[1] = 0.0f; /* b */
}

static void check_trace(enum xb_lif_reset reset, const float *want_u, const float *want_s)
{
    struct xb_layer l;
    hand_layer(&l, reset, XB_READOUT_SPIKES);
    float y[HT];
    struct xb_pass p = pass_of(1, XB_PHASE_EVAL);
    p.measure_activity = 1;
    l.type->forward(&l, &p, hand_x, y);
    struct xb_lif_trace tr;
    cr_assert(xb_lif_trace_of(&l, &tr));
    for (int t = 0; t < HT; t++) {
        cr_assert(tr.u[t] == want_u[t], "reset %d, step %d: u = %.12g, by hand %.12g", reset, t,
                  (double)tr.u[t], (double)want_u[t]);
        cr_assert(y[t] == want_s[t], "reset %d, step %d: s = %g, by hand %g", reset, t,
                  (double)y[t], (double)want_s[t]);
    }
    struct xb_spike_activity a;
    cr_assert(xb_spike_activity_of(&l, &a));
    double n = 0.0;
    for (int t = 0; t < HT; t++)
        n += (double)want_s[t];
    cr_assert_eq((double)a.out_spikes, n);
    cr_assert(!a.in_binary); /* analog inputs: multiplications at every step */
    cr_assert(a.mac == HT && a.ac == 0.0 && a.ann_mac == 1.0);
    cr_assert(fabs(a.rate - n / HT) < 1e-15);
    layer_free(&l);
}

Test(lif, trace_reset_zero_by_hand) { check_trace(XB_LIF_RESET_ZERO, zero_u, zero_s); }
Test(lif, trace_reset_subtract_by_hand) { check_trace(XB_LIF_RESET_SUBTRACT, sub_u, sub_s); }

/* The readouts of the same input: last and count from the spikes above;
 * the membrane readouts integrate without firing, u_t = 0.5 u_{t-1} + x_t:
 * .5, .75, 1.125, .8125, 1.90625, .953125, 1.4765625, 1.23828125,
 * 1.119140625, 1.5595703125, .90478515625, 2.452392578125. */
Test(lif, readouts_by_hand)
{
    static const float leaky[HT] = {0.5f,        0.75f,         1.125f,         0.8125f,
                                    1.90625f,    0.953125f,     1.4765625f,     1.23828125f,
                                    1.119140625f, 1.5595703125f, 0.90478515625f, 2.452392578125f};
    double sum = 0.0;
    for (int t = 0; t < HT; t++)
        sum += (double)leaky[t];
    const struct {
        enum xb_lif_reset reset;
        enum xb_lif_readout readout;
        float want;
    } cases[] = {
        {XB_LIF_RESET_ZERO, XB_READOUT_LAST, 1.0f},
        {XB_LIF_RESET_ZERO, XB_READOUT_COUNT, 4.0f},
        {XB_LIF_RESET_SUBTRACT, XB_READOUT_COUNT, 5.0f},
        {XB_LIF_RESET_ZERO, XB_READOUT_MEMBRANE_MAX, 2.452392578125f},
        {XB_LIF_RESET_SUBTRACT, XB_READOUT_MEMBRANE_SUM, (float)sum},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct xb_layer l;
        hand_layer(&l, cases[i].reset, cases[i].readout);
        cr_assert_eq(l.out.c, 1);
        float y;
        struct xb_pass p = pass_of(1, XB_PHASE_EVAL);
        l.type->forward(&l, &p, hand_x, &y);
        /* the sum's float order differs from the double one: 1 ulp of 17 */
        cr_assert(fabs((double)y - (double)cases[i].want) <= 4e-6, "case %zu: %.9g, want %.9g",
                  i, (double)y, (double)cases[i].want);
        layer_free(&l);
    }
}

/* ---- surrogates -------------------------------------------------------- */

/* h at chosen points from the formulas of xb_spike.h, and S' = h by
 * central differences over a grid. */
Test(lif, surrogates_formulas_and_integrals)
{
    const float a = 0.5f;
    cr_assert(xb_surrogate_grad(XB_SURROGATE_RECT, a, 0.24f) == 2.0f);
    cr_assert(xb_surrogate_grad(XB_SURROGATE_RECT, a, -0.26f) == 0.0f);
    cr_assert(fabs((double)xb_surrogate_grad(XB_SURROGATE_TRIANGLE, a, 0.25f) - 1.0) < 1e-7);
    cr_assert(xb_surrogate_grad(XB_SURROGATE_TRIANGLE, a, 0.5f) == 0.0f);
    cr_assert(fabs((double)xb_surrogate_grad(XB_SURROGATE_FAST_SIGMOID, a, -0.5f) - 0.25) < 1e-7);
    cr_assert(fabs((double)xb_surrogate_grad(XB_SURROGATE_ARCTAN, a, 0.5f) - 1.0 / M_PI) < 1e-7);
    for (int k = 0; k < 4; k++) {
        const enum xb_surrogate kind = (enum xb_surrogate)k;
        cr_assert(fabs((double)xb_surrogate_step(kind, a, 0.0f) - 0.5) < 1e-7);
        double area = 0.0;
        for (int i = -4000; i < 4000; i++) {
            const double x = (i + 0.5) * 1e-3; /* midpoints: never on a kink */
            const float h = 1e-4f;
            const double num = ((double)xb_surrogate_step(kind, a, (float)x + h) -
                                (double)xb_surrogate_step(kind, a, (float)x - h)) /
                               (double)(((float)x + h) - ((float)x - h));
            const double ana = (double)xb_surrogate_grad(kind, a, (float)x);
            if (fabs(fabs(x) - 0.25) > 2e-4 && fabs(fabs(x) - 0.5) > 2e-4) /* rect, triangle kinks */
                cr_assert(fabs(num - ana) < 2e-3 * fmax(1.0, ana), "%d at %g: %g vs %g", k, x,
                          num, ana);
            area += ana * 1e-3;
        }
        /* unit area; the heavy tails of fast-sigmoid and arctan beyond |x| = 4
         * hold a/(2(a+4)) = 0.059 and atan's 1 - 2 atan(8)/π = 0.079 */
        const double tail = k == 2 ? 0.5 / 4.5 : k == 3 ? 1.0 - 2.0 * atan(8.0) / M_PI : 0.0;
        cr_assert(fabs(area + tail - 1.0) < 1e-3, "surrogate %d: area %g", k, area);
    }
}

/* ---- gradient checks ---------------------------------------------------- */

static char grad_case[96]; /* which check, for the messages */
static int grad_learn_sigma;  /* the next grad_check's layer learns its stds */

static int near(double num, double ana)
{
    const double rtol = 1e-2, atol = 2e-3;
    return fabs(num - ana) <= rtol * fmax(fabs(num), fabs(ana)) + atol;
}

/* The relaxed rectangular surrogate's S has kinks at |u - V_th| = a/2: a
 * difference straddling one is off, so a mismatch is retried once with a
 * quarter of the step (a wrong analytic value fails both). */
static void check_grad(const char *what, size_t k, struct xb_layer *l, const struct xb_pass *p,
                       const float *x, const double *c, float *y, float *v, double ana,
                       int kinks)
{
    double num = layer_num_diff(l, p, x, c, y, v, 1e-3);
    if (!near(num, ana) && kinks)
        num = layer_num_diff(l, p, x, c, y, v, 2.5e-4);
    cr_assert(near(num, ana), "%s: %s[%zu]: numeric %.6g, analytic %.6g", grad_case,
              what, k, num, ana);
}

/* T = 6 steps of F = 3 inputs, 4 neurons, 3 rows; weights and inputs so
 * that the membranes cross the threshold region. Every parameter (W, b,
 * V_th, k) and every input. */
static void grad_check(enum xb_surrogate sur, enum xb_lif_reset reset,
                       enum xb_lif_readout readout, enum xb_noise_kind kind, double sigma)
{
    enum { T = 6, F = 3, U = 4, R = 3 };
    snprintf(grad_case, sizeof grad_case, "surrogate %d, reset %d, readout %d, noise %d",
             (int)sur, (int)reset, (int)readout, (int)kind);
    struct xb_layer_config c;
    lif_config(&c, U);
    c.leak = 0.3;
    c.threshold = 0.8;
    c.reset = reset;
    c.readout = readout;
    c.surrogate = sur;
    c.surrogate_width = 0.7;
    c.learn_threshold = 1;
    c.learn_leak = 1;
    c.learn_sigma = grad_learn_sigma;
    struct xb_layer l;
    layer_make(&l, &c, (struct xb_shape){T, 1, F}, R);
    cr_assert_eq(l.n_params, U * F + (size_t)(3 + grad_learn_sigma) * U);
    xb_lif_set_relaxed(&l, 1);
    fill_normal(l.params, U * F + U, 40, 0.7f);
    for (int j = 0; j < U; j++) /* spread thresholds and leaks */
        l.params[U * F + U + j] = 0.6f + 0.15f * (float)j, l.params[U * F + 2 * U + j] =
                                                             0.5f + 0.1f * (float)j;
    for (int j = 0; grad_learn_sigma && j < U; j++) /* learned stds away from their init */
        l.params[U * F + 3 * U + j] = 0.6f + 0.25f * (float)j;
    const size_t ny = R * xb_shape_size(l.out);
    float x[R * T * F], dx[R * T * F], *y = xb_malloc(ny, 4), *cf = xb_malloc(ny, 4);
    double *cd = xb_malloc(ny, sizeof(double));
    fill_normal(x, R * T * F, 41, 1.0f);
    fill_normal(cf, ny, 42, 1.0f);
    for (size_t i = 0; i < ny; i++)
        cd[i] = (double)cf[i];
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = kind;
    p.sigma = sigma;
    layer_objective(&l, &p, x, cd, y);
    memset(l.grads, 0, l.n_params * sizeof(float));
    l.type->backward(&l, &p, x, y, cf, dx);
    float *ana = xb_malloc(l.n_params, sizeof(float));
    memcpy(ana, l.grads, l.n_params * sizeof(float));
    double nz = 0.0;
    const int kinks = sur == XB_SURROGATE_RECT;
    for (size_t j = 0; j < l.n_params; j++) {
        check_grad("dparams", j, &l, &p, x, cd, y, &l.params[j], (double)ana[j], kinks);
        nz += fabs((double)ana[j]);
    }
    for (size_t i = 0; i < R * T * F; i++)
        check_grad("dx", i, &l, &p, x, cd, y, &x[i], (double)dx[i], kinks);
    cr_assert_gt(nz, 1e-3); /* not a vacuous pass */
    /* the first step's inputs reach the output through the recursion */
    double s0 = 0.0;
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++)
            s0 += fabs((double)dx[r * T * F + j]);
    cr_assert_gt(s0, 1e-4);
    xb_free(ana), xb_free(y), xb_free(cf), xb_free(cd);
    layer_free(&l);
}

Test(lif, grad_every_surrogate_and_reset)
{
    for (int s = 3; s >= 0; s--)
        for (int r = 0; r < 2; r++)
            grad_check((enum xb_surrogate)s, (enum xb_lif_reset)r, XB_READOUT_SPIKES,
                       XB_NOISE_NONE, 0.0);
}

Test(lif, grad_readouts)
{
    for (int o = XB_READOUT_LAST; o <= XB_READOUT_MEMBRANE_MAX; o++)
        for (int r = 0; r < 2; r++)
            grad_check(XB_SURROGATE_ARCTAN, (enum xb_lif_reset)r, (enum xb_lif_readout)o,
                       XB_NOISE_NONE, 0.0);
}

/* The noise is addressed: both evaluations of a difference see the same
 * draw, so the check is exact for it (STBP-N differentiates its draw). */
Test(lif, grad_with_neuron_noise)
{
    grad_check(XB_SURROGATE_FAST_SIGMOID, XB_LIF_RESET_ZERO, XB_READOUT_COUNT, XB_NOISE_ADD,
               1.0);
    grad_check(XB_SURROGATE_FAST_SIGMOID, XB_LIF_RESET_SUBTRACT, XB_READOUT_SPIKES,
               XB_NOISE_MULT, 0.3);
    grad_check(XB_SURROGATE_TRIANGLE, XB_LIF_RESET_ZERO, XB_READOUT_MEMBRANE_SUM, XB_NOISE_ADD,
               0.5);
}

/* learn_sigma: dL/dsigma_i through the very draw (ADD: sigma eps; MULT:
 * I sigma eps), every other gradient as without it. */
Test(lif, grad_learned_sigma)
{
    grad_learn_sigma = 1;
    grad_check(XB_SURROGATE_FAST_SIGMOID, XB_LIF_RESET_ZERO, XB_READOUT_COUNT, XB_NOISE_ADD,
               1.0);
    grad_check(XB_SURROGATE_ARCTAN, XB_LIF_RESET_SUBTRACT, XB_READOUT_SPIKES, XB_NOISE_MULT,
               0.3);
    grad_check(XB_SURROGATE_TRIANGLE, XB_LIF_RESET_ZERO, XB_READOUT_MEMBRANE_SUM, XB_NOISE_ADD,
               0.5);
    grad_learn_sigma = 0;
}

/* ---- the encoder -------------------------------------------------------- */

static void encode_config(struct xb_layer_config *c, int steps, enum xb_encoding enc, double gain)
{
    memset(c, 0, sizeof *c);
    snprintf(c->type, sizeof c->type, "encode");
    c->steps = steps;
    c->encoding = enc;
    c->gain = gain;
}

/* Spike counts over R rows × T steps per feature, N = R·T independent
 * Bernoulli(p) draws: |count − N p| <= 5 sqrt(N p (1 − p)) + 1 (5 standard
 * deviations, two-sided normal tail 6e-7 per feature, plus 1 for the
 * 2^-23 grid of the uniforms), and 0 or N exactly at p = 0 or 1. Pairs of
 * consecutive steps both spiking: N' = R (T − 1) draws of probability p²
 * if the steps are independent, the same bound with p² (the pairs overlap,
 * which raises their variance by at most 1 + 2p < 3: the bound's 5 sigma
 * stays above 2.8 sigma). */
static void rate_check(enum xb_encoding enc, double gain)
{
    enum { T = 50, R = 400, F = 8 };
    static const float xv[F] = {0.0f, 0.05f, 0.2f, 0.5f, 0.8f, 1.0f, 1.7f, -0.4f};
    struct xb_layer_config c;
    encode_config(&c, T, enc, gain);
    struct xb_layer l;
    layer_make(&l, &c, (struct xb_shape){1, 1, F}, R);
    cr_assert(l.out.c == T && l.out.h == 1 && l.out.w == F);
    float *x = xb_malloc(R * F, 4), *y = xb_malloc((size_t)R * T * F, 4);
    for (int r = 0; r < R; r++)
        memcpy(x + r * F, xv, sizeof xv);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    p.addr.batch = 100; /* four votes of 100 samples */
    l.type->forward(&l, &p, x, y);
    for (int j = 0; j < F; j++) {
        const double v = (double)xv[j];
        double pr = enc == XB_ENCODE_BERNOULLI ? fmin(fmax(gain * v, 0.0), 1.0)
                                               : 1.0 - exp(-gain * fmax(v, 0.0));
        double n1 = 0.0, n11 = 0.0;
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) {
                const float s = y[((size_t)r * T + t) * F + j];
                cr_assert(s == 0.0f || s == 1.0f);
                n1 += (double)s;
                if (t > 0)
                    n11 += (double)(s * y[((size_t)r * T + t - 1) * F + j]);
            }
        const double N = (double)R * T, N2 = (double)R * (T - 1);
        if (pr == 0.0 || pr == 1.0) {
            cr_assert(n1 == N * pr, "feature %d: %g spikes, p = %g", j, n1, pr);
            continue;
        }
        const double b1 = 5.0 * sqrt(N * pr * (1.0 - pr)) + 1.0;
        const double b2 = 5.0 * sqrt(N2 * pr * pr * (1.0 - pr * pr)) + 1.0;
        cr_assert(fabs(n1 - N * pr) <= b1, "feature %d: %g spikes, expected %g +- %g", j, n1,
                  N * pr, b1);
        cr_assert(fabs(n11 - N2 * pr * pr) <= b2, "feature %d: %g pairs, expected %g +- %g", j,
                  n11, N2 * pr * pr, b2);
    }
    xb_free(x), xb_free(y);
    layer_free(&l);
}

Test(lif, bernoulli_rates_within_bounds) { rate_check(XB_ENCODE_BERNOULLI, 1.0); }
Test(lif, poisson_rates_within_bounds) { rate_check(XB_ENCODE_POISSON, 2.0); }

/* Direct encoding repeats the input; the spikes of a random encoder
 * depend on the sample, the vote and the seed, not on the row's place
 * in the batch; the backward sums the steps (times dp/dx). */
Test(lif, encoder_addressing_and_backward)
{
    enum { T = 4, F = 64, R = 4 };
    struct xb_layer_config c;
    struct xb_layer l, d;
    encode_config(&c, T, XB_ENCODE_DIRECT, 0.0);
    layer_make(&d, &c, (struct xb_shape){1, 8, 8}, R);
    encode_config(&c, T, XB_ENCODE_BERNOULLI, 0.0);
    layer_make(&l, &c, (struct xb_shape){1, 8, 8}, R);
    float x[R * F], y[R * T * F], y2[R * T * F], dy[R * T * F], dx[R * F];
    for (int i = 0; i < R * F; i++)
        x[i] = 0.5f;
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    d.type->forward(&d, &p, x, y);
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++)
            cr_assert(!memcmp(y + (r * T + t) * F, x + r * F, F * sizeof(float)));
    cr_assert(d.type->deterministic(&d, &p) && !l.type->deterministic(&l, &p));
    l.type->forward(&l, &p, x, y);
    /* rows 0 and 1 (samples 0, 1) differ; a pass of rows starting at sample 1 gives row 1's */
    cr_assert(memcmp(y, y + T * F, T * F * sizeof(float)));
    struct xb_pass q = pass_of(1, XB_PHASE_EVAL);
    q.addr.sample0 = 1;
    l.type->forward(&l, &q, x, y2);
    cr_assert(!memcmp(y2, y + T * F, T * F * sizeof(float)));
    q.addr.vote0 = 1; /* another vote of sample 1 */
    l.type->forward(&l, &q, x, y2);
    cr_assert(memcmp(y2, y + T * F, T * F * sizeof(float)));
    /* backward: Σ_t dy (gain 1, 0 < x < 1: dp/dx = 1) */
    fill_normal(dy, R * T * F, 50, 1.0f);
    l.type->backward(&l, &p, x, y, dy, dx);
    for (int r = 0; r < R; r++)
        for (int j = 0; j < F; j++) {
            float s = 0.0f;
            for (int t = 0; t < T; t++)
                s += dy[(r * T + t) * F + j];
            cr_assert(dx[r * F + j] == s);
        }
    layer_free(&l), layer_free(&d);
}

/* spikes(): 1 exactly for the outputs that are 0/1 spike trains — the rate
 * encoders' and a lif layer's spikes readout (checked on a forward: every
 * value 0 or 1, some of each); 0 for the direct encoder and the readouts
 * (last-step spikes, counts, membranes), which NIT-S's bipolar reading of
 * spikes must not take for spike trains (models/train/xb_lr.h). */
Test(lif, spikes_says_which_outputs_are_spike_trains)
{
    enum { T = 6, F = 16, R = 2 };
    struct xb_layer_config c;
    struct xb_layer l;
    float x[R * T * F], y[R * T * F];
    fill_normal(x, R * T * F, 61, 1.0f);
    for (int i = 0; i < R * T * F; i++)
        x[i] = 0.5f + 0.5f * x[i];
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    for (int e = XB_ENCODE_DIRECT; e <= XB_ENCODE_BERNOULLI; e++) {
        encode_config(&c, T, (enum xb_encoding)e, 0.0);
        layer_make(&l, &c, (struct xb_shape){1, 1, F}, R);
        cr_assert_eq(l.type->spikes(&l), e != XB_ENCODE_DIRECT, "%s", xb_encoding_names[e]);
        l.type->forward(&l, &p, x, y);
        int ones = 0, zeros = 0;
        for (int i = 0; i < R * T * F; i++) {
            ones += y[i] == 1.0f;
            zeros += y[i] == 0.0f;
        }
        cr_assert_eq(ones + zeros == R * T * F && ones && zeros, e != XB_ENCODE_DIRECT, "%s",
                     xb_encoding_names[e]);
        layer_free(&l);
    }
    for (int o = XB_READOUT_SPIKES; o <= XB_READOUT_MEMBRANE_MAX; o++) {
        lif_config(&c, F);
        c.readout = o;
        c.threshold = 0.3;
        layer_make(&l, &c, (struct xb_shape){T, 1, F}, R);
        cr_assert_eq(l.type->spikes(&l), o == XB_READOUT_SPIKES, "%s", xb_lif_readout_names[o]);
        if (o == XB_READOUT_SPIKES) {
            l.type->forward(&l, &p, x, y);
            int ones = 0, zeros = 0;
            for (int i = 0; i < R * T * F; i++) {
                ones += y[i] == 1.0f;
                zeros += y[i] == 0.0f;
            }
            cr_assert(ones + zeros == R * T * F && ones && zeros, "%d ones, %d zeros", ones,
                      zeros);
        }
        layer_free(&l);
    }
}

/* The encoders' backward at the edges of the pixel range: a 0 pixel (and
 * a 1 pixel under Bernoulli gain 1) passes Σ_t dy times the one-sided
 * derivative into [0, 1] (g, Poisson g·e^0), not 0 — a zero there hid the
 * gradient of every blank MNIST pixel from FGSM, BIM and MIM, which start
 * at the clean image; outside the range (p flat on both sides) it is 0. */
static void edge_check(enum xb_encoding enc, double gain, const float *xv, const float *mult,
                       int F)
{
    enum { T = 3 };
    struct xb_layer_config c;
    encode_config(&c, T, enc, gain);
    struct xb_layer l;
    layer_make(&l, &c, (struct xb_shape){1, 1, F}, 1);
    float y[T * 8], dy[T * 8], dx[8];
    struct xb_pass p = pass_of(1, XB_PHASE_EVAL);
    l.type->forward(&l, &p, xv, y);
    fill_normal(dy, T * F, 51, 1.0f);
    l.type->backward(&l, &p, xv, y, dy, dx);
    for (int j = 0; j < F; j++) {
        float s = 0.0f;
        for (int t = 0; t < T; t++)
            s += dy[t * F + j];
        cr_assert(dx[j] == s * mult[j], "x = %g: dx %g, expected %g", (double)xv[j],
                  (double)dx[j], (double)(s * mult[j]));
    }
    layer_free(&l);
}

Test(lif, encoder_backward_at_the_pixel_range_edges)
{
    static const float xb[5] = {0.0f, 1.0f, 0.5f, -0.4f, 1.7f}, mb[5] = {1, 1, 1, 0, 0};
    edge_check(XB_ENCODE_BERNOULLI, 1.0, xb, mb, 5);
    static const float x2[4] = {0.0f, 0.5f, 0.7f, -0.1f}, m2[4] = {2, 2, 0, 0};
    edge_check(XB_ENCODE_BERNOULLI, 2.0, x2, m2, 4); /* g·x = 1 at 0.5: the edge */
    const float xp[3] = {0.0f, 0.5f, -0.4f}, mp[3] = {2.0f, 2.0f * expf(-2.0f * 0.5f), 0.0f};
    edge_check(XB_ENCODE_POISSON, 2.0, xp, mp, 3);
}

/* ---- nets: activity, threads, replicas, device ---------------------------- */

static void snn_config(struct xb_net_config *cfg, enum xb_lif_readout readout)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->input = (struct xb_shape){1, 6, 6};
    cfg->classes = 10;
    encode_config(&cfg->layers[0], 8, XB_ENCODE_BERNOULLI, 0.0);
    lif_config(&cfg->layers[1], 40);
    cfg->layers[1].leak = 0.5;
    cfg->layers[1].threshold = 0.5;
    lif_config(&cfg->layers[2], 10);
    cfg->layers[2].leak = 0.2;
    cfg->layers[2].readout = readout;
    cfg->layers[2].reset = XB_LIF_RESET_SUBTRACT;
    cfg->layers[2].learn_threshold = 1;
    cfg->layers[2].learn_leak = 1;
    cfg->n_layers = 3;
}

static struct xb_net *snn_make(enum xb_lif_readout readout, size_t max_rows)
{
    struct xb_net_config cfg;
    snn_config(&cfg, readout);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, max_rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 7);
    return net;
}

static void pixels(float *x, size_t n, uint32_t layer)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = layer};
    struct xb_stream s = xb_stream_at(3, &a);
    xb_uniform_fill(&s, 0, n, x);
}

/* Operation counts of the spiking layers: the first reads the encoder's
 * spikes (accumulates: one per input spike and neuron), the second the
 * first's spikes; the ANN would multiply every input by every weight. */
Test(lif, activity_and_operation_counts)
{
    enum { R = 16 };
    struct xb_net *net = snn_make(XB_READOUT_COUNT, R);
    float x[R * 36];
    pixels(x, R * 36, 60);
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    p.measure_activity = 1;
    const float *logits = xb_net_forward(net, &p, x);
    struct xb_spike_activity a, b, none;
    cr_assert(!xb_spike_activity_of(xb_net_layer(net, 0), &none)); /* the encoder */
    cr_assert(xb_spike_activity_of(xb_net_layer(net, 1), &a));
    cr_assert(xb_spike_activity_of(xb_net_layer(net, 2), &b));
    struct xb_lif_trace t1, t2;
    cr_assert(xb_lif_trace_of(xb_net_layer(net, 1), &t1));
    cr_assert(xb_lif_trace_of(xb_net_layer(net, 2), &t2));
    uint64_t in1 = 0, out1 = 0, out2 = 0;
    for (size_t i = 0; i < (size_t)R * 8 * 36; i++)
        in1 += t1.x[i] == 1.0f;
    for (size_t i = 0; i < (size_t)R * 8 * 40; i++)
        out1 += t1.s[i] == 1.0f;
    for (size_t i = 0; i < (size_t)R * 8 * 10; i++)
        out2 += t2.s[i] == 1.0f;
    cr_assert(a.in_binary && b.in_binary);
    cr_assert(a.in_spikes == in1 && a.out_spikes == out1 && b.in_spikes == out1 &&
              b.out_spikes == out2);
    cr_assert(in1 > 0 && out1 > 0 && out2 > 0, "a silent net tests nothing");
    {   /* a pass that does not ask records nothing (an attack's or training's) */
        struct xb_net *quiet = snn_make(XB_READOUT_COUNT, R);
        struct xb_pass q = pass_of(R, XB_PHASE_EVAL);
        struct xb_spike_activity z;
        xb_net_forward(quiet, &q, x);
        cr_assert(!xb_spike_activity_of(xb_net_layer(quiet, 1), &z));
        xb_net_free(quiet);
    }
    cr_assert(a.ac == (double)in1 * 40 && a.mac == 0.0 && a.ann_mac == (double)R * 36 * 40);
    cr_assert(b.ac == (double)out1 * 10 && b.ann_mac == (double)R * 40 * 10);
    cr_assert(fabs(a.rate - (double)out1 / (R * 8.0 * 40)) < 1e-15);
    /* the count readout is the sum of the last layer's spikes */
    double sum = 0.0;
    for (int i = 0; i < R * 10; i++)
        sum += (double)logits[i];
    cr_assert(sum == (double)out2);
    xb_net_free(net);
}

/* An evaluation's activity (models/eval/xb_activity.h) sums every pass.
 * Pixels of exactly 0 or 1 make the Bernoulli spikes and, without noise,
 * every neuron deterministic, so: the first layer's input spikes are T ·
 * the ones among the pixels; its output spikes over three passes of
 * 16, 16 and 8 rows are those of one 40-row pass; the second layer's input
 * rate is the first's output rate; the ops per inference follow. */
Test(lif, activity_of_an_evaluation_sums_its_passes)
{
    enum { N = 40, T = 8 };
    float x[N * 36];
    uint8_t y[N];
    pixels(x, N * 36, 65);
    uint64_t ones = 0;
    for (int i = 0; i < N * 36; i++) {
        x[i] = x[i] < 0.4f ? 1.0f : 0.0f;
        ones += x[i] == 1.0f;
    }
    for (int i = 0; i < N; i++)
        y[i] = (uint8_t)(i % 10);
    struct xb_net *net = snn_make(XB_READOUT_COUNT, 16), *whole = snn_make(XB_READOUT_COUNT, N);
    struct xb_activity a;
    xb_activity_init(&a, net);
    cr_assert_eq(a.n, 2);
    cr_assert(a.layer[0].layer == 1 && a.layer[1].layer == 2);
    cr_assert(isnan(xb_activity_rate(&a, 0)) && isnan(xb_activity_ac(&a, 1)));
    const struct xb_eval_params ep = {.repeats = 1, .votes = 1, .activity = &a};
    double acc, vote;
    cr_assert_eq(xb_eval_run(ctx, net, &ep, x, y, N, &acc, &vote), XB_OK, "%s",
                 xb_ctx_error(ctx));
    struct xb_pass p = pass_of(N, XB_PHASE_EVAL);
    p.measure_activity = 1;
    xb_net_forward(whole, &p, x);
    struct xb_spike_activity w1, w2;
    cr_assert(xb_spike_activity_of(xb_net_layer(whole, 1), &w1));
    cr_assert(xb_spike_activity_of(xb_net_layer(whole, 2), &w2));
    const struct xb_activity_layer *l1 = &a.layer[0], *l2 = &a.layer[1];
    cr_assert(l1->rows == N && l2->rows == N && l1->in_binary && l2->in_binary);
    cr_assert_eq(l1->in_spikes, (uint64_t)T * ones);
    cr_assert(l1->out_spikes == w1.out_spikes && l2->out_spikes == w2.out_spikes,
              "three passes: %llu, %llu spikes; one pass %llu, %llu",
              (unsigned long long)l1->out_spikes, (unsigned long long)l2->out_spikes,
              (unsigned long long)w1.out_spikes, (unsigned long long)w2.out_spikes);
    cr_assert(w1.out_spikes > 0 && w2.out_spikes > 0, "a silent net tests nothing");
    cr_assert(xb_activity_in_rate(&a, 0) == (double)ones / (N * 36.0));
    cr_assert(xb_activity_in_rate(&a, 1) == xb_activity_rate(&a, 0));
    cr_assert(xb_activity_rate(&a, 0) == (double)w1.out_spikes / (N * (double)T * 40));
    cr_assert(xb_activity_ac(&a, 0) == (double)T * (double)ones * 40 / N);
    cr_assert(xb_activity_ac(&a, 1) == (double)w1.out_spikes * 10 / N);
    cr_assert(xb_activity_mac(&a, 0) == 0.0 && xb_activity_ann_mac(&a, 0) == 36.0 * 40);
    cr_assert(xb_activity_ann_mac(&a, 1) == 40.0 * 10);
    /* paper 002 eqs. 7-8 by hand: accumulates only, against the ANN's MACs */
    double snn, ann;
    xb_activity_energy(&a, 2.0, 5.0, &snn, &ann);
    cr_assert(snn == 2.0 * (xb_activity_ac(&a, 0) + xb_activity_ac(&a, 1)));
    cr_assert(ann == 5.0 * (36.0 * 40 + 40.0 * 10));
    xb_net_free(net), xb_net_free(whole);
}

/* Direct encoding: the first layer's inputs are analog, so it multiplies
 * at every step (eq. 8's MAC term) and every input row is driven. */
Test(lif, activity_of_analog_inputs_counts_multiplies)
{
    enum { N = 12 };
    float x[N * 36];
    uint8_t y[N] = {0};
    pixels(x, N * 36, 66);
    struct xb_net_config cfg;
    snn_config(&cfg, XB_READOUT_COUNT);
    cfg.layers[0].encoding = XB_ENCODE_DIRECT;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, N, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 7);
    struct xb_activity a;
    xb_activity_init(&a, net);
    const struct xb_eval_params ep = {.repeats = 1, .votes = 1, .activity = &a};
    double acc, vote, snn, ann;
    cr_assert_eq(xb_eval_run(ctx, net, &ep, x, y, N, &acc, &vote), XB_OK);
    cr_assert(!a.layer[0].in_binary && a.layer[1].in_binary);
    cr_assert(xb_activity_in_rate(&a, 0) == 1.0);
    cr_assert(xb_activity_ac(&a, 0) == 0.0 && xb_activity_mac(&a, 0) == 8.0 * 36 * 40);
    xb_activity_energy(&a, 2.0, 5.0, &snn, &ann);
    cr_assert(snn == 5.0 * 8.0 * 36 * 40 + 2.0 * xb_activity_ac(&a, 1));
    xb_net_free(net);
}

/* The activity of a noisy voted evaluation: the same for 1 and 2 threads. */
Test(lif, activity_bit_identical_1_and_2_threads)
{
    enum { N = 300 };
    float *x = xb_malloc(N * 36, 4);
    uint8_t y[N];
    pixels(x, N * 36, 67);
    for (int i = 0; i < N; i++)
        y[i] = (uint8_t)(i % 10);
    struct xb_net *net = snn_make(XB_READOUT_COUNT, 600);
    struct xb_activity a[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        xb_activity_init(&a[t], net);
        const struct xb_eval_params ep = {.repeats = 3, .votes = 3, .noise = XB_NOISE_ADD,
                                          .sigma = 0.5, .activity = &a[t]};
        double acc[3], vote[3];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, x, y, N, acc, vote), XB_OK);
    }
    omp_set_num_threads(2);
    cr_assert(!memcmp(&a[0], &a[1], sizeof a[0]), "the activity differs for 1 and 2 threads");
    cr_assert(a[0].layer[0].rows == 3 * N && a[0].layer[0].out_spikes > 0);
    xb_free(x);
    xb_net_free(net);
}

/* A TRAIN forward and backward with neuron noise: the same bits for 1 and
 * 2 threads (rows enough for the parallel regions). */
Test(lif, bit_identical_1_and_2_threads)
{
    enum { R = 600 };
    struct xb_net *net = snn_make(XB_READOUT_MEMBRANE_SUM, R);
    const size_t np = xb_net_n_params(net);
    float *x = xb_malloc(R * 36, 4), *lo[2], *g[2], *dx[2];
    uint8_t lab[R];
    pixels(x, R * 36, 61);
    for (int r = 0; r < R; r++)
        lab[r] = (uint8_t)(r % 10);
    struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
    p.noise = XB_NOISE_ADD;
    p.sigma = 1.0;
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        lo[t] = xb_malloc(R * 10, 4), g[t] = xb_malloc(np, 4), dx[t] = xb_malloc(R * 36, 4);
        memcpy(lo[t], xb_net_forward(net, &p, x), R * 10 * sizeof(float));
        xb_net_loss(net, lab, R);
        xb_net_backward_input(net, &p, x, dx[t]);
        memcpy(g[t], xb_net_grads(net), np * sizeof(float));
    }
    omp_set_num_threads(2);
    cr_assert(!memcmp(lo[0], lo[1], R * 10 * sizeof(float)), "outputs differ");
    cr_assert(!memcmp(g[0], g[1], np * sizeof(float)), "gradients differ");
    cr_assert(!memcmp(dx[0], dx[1], R * 36 * sizeof(float)), "dx differ");
    double gn = 0.0;
    for (size_t i = 0; i < np; i++)
        gn += fabs((double)g[0][i]);
    cr_assert_gt(gn, 0.0);
    for (int t = 0; t < 2; t++)
        xb_free(lo[t]), xb_free(g[t]), xb_free(dx[t]);
    xb_free(x);
    xb_net_free(net);
}

/* EVAL votes as replicas of a batch: with the encoder and neuron noise
 * random, every vote is computed and equals the vote computed alone. */
Test(lif, replicas_equal_votes_alone)
{
    enum { B = 5, K = 3 };
    struct xb_net *net = snn_make(XB_READOUT_COUNT, B * K);
    float x[B * K * 36], all[B * K * 10];
    pixels(x, B * 36, 62);
    for (int k = 1; k < K; k++)
        memcpy(x + k * B * 36, x, B * 36 * sizeof(float));
    struct xb_pass p = pass_of(B * K, XB_PHASE_EVAL);
    p.addr.batch = B;
    p.replicas = K;
    p.noise = XB_NOISE_ADD;
    p.sigma = 0.3;
    memcpy(all, xb_net_forward(net, &p, x), sizeof all);
    cr_assert(memcmp(all, all + B * 10, B * 10 * sizeof(float)), "votes 0 and 1 equal");
    for (int k = 0; k < K; k++) {
        struct xb_pass q = pass_of(B, XB_PHASE_EVAL);
        q.noise = XB_NOISE_ADD;
        q.sigma = 0.3;
        q.addr.vote0 = (uint32_t)k;
        cr_assert(!memcmp(xb_net_forward(net, &q, x), all + k * B * 10, B * 10 * sizeof(float)),
                  "vote %d", k);
    }
    xb_net_free(net);
}

/* On an ideal device, spikes pass a 1-bit DAC (unsigned: codes 0 and the
 * range 1) unchanged: with Bernoulli encoding every input the crossbars
 * see is 0 or 1, and the net gives the same bits with dac_bits 1 as with
 * an 8-bit one (the same converter path; an ideal DAC skips it, and the
 * untiled GEMM it then takes differs in the last bits). With direct encoding the first crossbar sees analog pixels,
 * which a 1-bit DAC does change (so the check can fail). */
Test(lif, one_bit_dac_passes_spikes)
{
    enum { R = 8 };
    for (int enc = 0; enc < 2; enc++) {
        struct xb_net_config cfg;
        snn_config(&cfg, XB_READOUT_MEMBRANE_SUM);
        cfg.layers[0].encoding = enc ? XB_ENCODE_BERNOULLI : XB_ENCODE_DIRECT;
        struct xb_net *net;
        cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
        xb_net_init(net, 7);
        float x[R * 36], y0[R * 10];
        pixels(x, R * 36, 63);
        struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
        p.on_device = 1;
        for (int i = 0; i < 2; i++) {
            struct xb_xbar_params xp;
            xb_xbar_params_default(&xp);
            xp.dac_bits = i ? 1 : 8;
            xp.dac_signed = 0; /* spikes are not negative: codes 0 .. range */
            xp.dac_range = 1.0;
            cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
            const float *y = xb_net_forward(net, &p, x);
            if (i == 0)
                memcpy(y0, y, sizeof y0);
            else if (enc)
                cr_assert(!memcmp(y, y0, sizeof y0), "1-bit DAC changed the outputs");
            else
                cr_assert(memcmp(y, y0, sizeof y0), "1-bit DAC on analog inputs changed nothing");
        }
        xb_net_unprogram(net);
        xb_net_free(net);
    }
}

/* A rate encoder makes the net random at sigma 0: xb_net_random says so
 * and evaluation runs every vote (each repeat its own spikes); with direct
 * encoding and no noise one inference stands for all. */
Test(lif, votes_at_sigma_zero_with_a_rate_encoder)
{
    enum { N = 120, K = 5 };
    float *x = xb_malloc(N * 36, 4);
    uint8_t y[N];
    pixels(x, N * 36, 64);
    for (int i = 0; i < N; i++)
        y[i] = (uint8_t)(i % 10);
    for (int enc = 0; enc < 2; enc++) {
        struct xb_net_config cfg;
        snn_config(&cfg, XB_READOUT_MEMBRANE_SUM);
        cfg.layers[0].encoding = enc ? XB_ENCODE_BERNOULLI : XB_ENCODE_DIRECT;
        struct xb_net *net;
        cr_assert_eq(xb_net_create(ctx, &cfg, 4 * K * 10, &net), XB_OK, "%s", xb_ctx_error(ctx));
        xb_net_init(net, 7);
        struct xb_pass probe = pass_of(1, XB_PHASE_EVAL);
        cr_assert_eq(xb_net_random(net, &probe), enc);
        probe.noise = XB_NOISE_ADD;
        probe.sigma = 0.5;
        cr_assert(xb_net_random(net, &probe)); /* the neurons' noise */
        struct xb_eval_params ep = {.repeats = K, .votes = K, .noise = XB_NOISE_NONE};
        double acc[K], vote[K];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, x, y, N, acc, vote), XB_OK, "%s",
                     xb_ctx_error(ctx));
        int differ = 0;
        for (int k = 1; k < K; k++)
            differ |= acc[k] != acc[0] || vote[k] != vote[0];
        cr_assert_eq(differ, enc, "encoding %d: repeats %s", enc, differ ? "differ" : "agree");
        xb_net_free(net);
    }
    xb_free(x);
}

/* On a crossbar every step is its own read: with direct encoding the T
 * steps of a sample present the same input, and k = 0 (leak 1) makes
 * u_t = I_t, the crossbar's output. The ideal device gives the abstract
 * product at every step; a PCM chip reads each step with its own noise,
 * the same whatever the batch split (sample s, step t read as s·T + t). */
Test(lif, device_reads_each_step)
{
    enum { R = 6, T = 4, U = 12 };
    struct xb_net_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.input = (struct xb_shape){1, 6, 6};
    cfg.classes = 10;
    encode_config(&cfg.layers[0], T, XB_ENCODE_DIRECT, 0.0);
    lif_config(&cfg.layers[1], U);
    cfg.layers[1].leak = 1.0;
    lif_config(&cfg.layers[2], 10);
    cfg.layers[2].readout = XB_READOUT_MEMBRANE_SUM;
    cfg.n_layers = 3;
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &cfg, R, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 9);
    float x[R * 36];
    pixels(x, R * 36, 65);
    check_device_reads_each_step(net, x, R, T, U, 36, 3600.0);
    xb_net_free(net);
}
