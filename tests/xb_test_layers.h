/*
 * xb_test_layers.h — helpers the layer and network tests share
 * (tests/models/test_layers.c, tests/models/test_layers_net.c,
 * tests/models/test_lif.c, tests/models/test_conv_lif.c; header-only: every
 * tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_LAYERS_H
#define XB_TEST_LAYERS_H

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "xb_alloc.h"
#include "xb_device.h"
#include "xb_layer.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_test_util.h"

/* The context of a test, made and freed by its suite's fixture: each test
 * file declares TestSuite(layers, .init = setup, .fini = teardown). */
static struct xb_ctx *ctx;

static inline void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261122, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static inline void teardown(void) { xb_ctx_free(ctx); }

static inline void fill_normal(float *x, size_t n, uint32_t layer, float scale)
{
    xb_test_fill_normal(x, n, 11, layer, scale);
}

static inline struct xb_pass pass_of(size_t rows, enum xb_phase phase)
{
    struct xb_pass p = {.phase = phase, .rows = rows, .seed = 99};
    p.addr.batch = (uint32_t)rows;
    return p;
}

struct tol {
    double h, rtol, atol;
};

static inline void check_close(const char *what, size_t k, double num, double ana,
                               const struct tol *tl)
{
    double err = fabs(num - ana), lim = tl->rtol * fmax(fabs(num), fabs(ana)) + tl->atol;
    cr_assert_leq(err, lim, "%s[%zu]: numeric %.6g, analytic %.6g", what, k, num, ana);
}

/* The gradient checks' objective L = Σ c_i y_i of one forward of a layer
 * outside a net, and its central difference with respect to *v (moved by
 * ± h relative to |v|, at least h; restored afterwards). */
static inline double layer_objective(struct xb_layer *l, const struct xb_pass *p, const float *x,
                                     const double *c, float *y)
{
    l->type->forward(l, p, x, y);
    double L = 0.0;
    for (size_t i = 0; i < p->rows * xb_shape_size(l->out); i++)
        L += c[i] * (double)y[i];
    return L;
}

static inline double layer_num_diff(struct xb_layer *l, const struct xb_pass *p, const float *x,
                                    const double *c, float *y, float *v, double h)
{
    const float v0 = *v;
    const double step = h * fmax(1.0, fabs((double)v0));
    const float vp = (float)((double)v0 + step), vm = (float)((double)v0 - step);
    *v = vp;
    const double Lp = layer_objective(l, p, x, c, y);
    *v = vm;
    const double Lm = layer_objective(l, p, x, c, y);
    *v = v0;
    return (Lp - Lm) / ((double)vp - (double)vm);
}

/* One layer of kind cfg->type on input shape in, outside a net: its
 * parameters (initialised with seed 5) and zeroed gradients owned by the
 * test, freed by layer_free. */
static inline void layer_make(struct xb_layer *l, const struct xb_layer_config *cfg,
                              struct xb_shape in, size_t max_rows)
{
    memset(l, 0, sizeof *l);
    l->type = xb_layer_type_find(cfg->type);
    cr_assert(l->type != NULL, "%s", cfg->type);
    l->id = 3;
    l->in = in;
    l->max_rows = max_rows;
    cr_assert_eq(l->type->create(ctx, l, cfg), XB_OK, "%s", xb_ctx_error(ctx));
    l->params = xb_aligned(l->n_params ? l->n_params : 1, sizeof(float));
    l->grads = xb_aligned(l->n_params ? l->n_params : 1, sizeof(float));
    memset(l->grads, 0, (l->n_params ? l->n_params : 1) * sizeof(float));
    if (l->type->init)
        l->type->init(l, 5);
}

static inline void layer_free(struct xb_layer *l)
{
    l->type->destroy(l);
    xb_free(l->params);
    xb_free(l->grads);
}

/* A spiking layer on a crossbar reads every step on its own (lif and
 * conv_lif, layer 1 of net): net's input x[R × F] is direct-encoded, so the
 * T steps of a sample present the same input, and with leak 1 the layer's
 * membranes u_t = I_t (N per step) are its products. Off the device and on
 * the ideal device steps 0 and 1 agree; on a PCM chip (aged age_s seconds,
 * 0: not aged) they differ, and differ from the ideal; a sample read alone
 * (sample 2) gets the reads it got in the batch. Leaves net unprogrammed. */
static inline void check_device_reads_each_step(struct xb_net *net, const float *x, size_t R,
                                                size_t T, size_t N, size_t F, double age_s)
{
    float *ref = xb_malloc(R * T * N, sizeof(float)), *dev = xb_malloc(R * T * N, sizeof(float));
    struct xb_pass p = pass_of(R, XB_PHASE_EVAL);
    struct xb_lif_trace tr;
    xb_net_forward(net, &p, x);
    cr_assert(xb_lif_trace_of(xb_net_layer(net, 1), &tr));
    memcpy(ref, tr.u, R * T * N * sizeof(float));
    for (size_t r = 0; r < R; r++)
        cr_assert(!memcmp(ref + r * T * N, ref + (r * T + 1) * N, N * sizeof(float)));
    struct xb_xbar_params xp;
    xb_xbar_params_default(&xp);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    p.on_device = 1;
    xb_net_forward(net, &p, x);
    for (size_t i = 0; i < R * T * N; i++)
        cr_assert(fabs((double)tr.u[i] - (double)ref[i]) <= 1e-5, "ideal device, %zu", i);
    cr_assert_eq(xb_net_calibrate(ctx, net, x, R), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_device_init(ctx, &xp.device, "pcm"), XB_OK);
    cr_assert_eq(xb_net_program(ctx, net, &xp), XB_OK, "%s", xb_ctx_error(ctx));
    if (age_s > 0.0)
        cr_assert_eq(xb_net_age(ctx, net, age_s), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_forward(net, &p, x);
    memcpy(dev, tr.u, R * T * N * sizeof(float));
    double d01 = 0.0, dref = 0.0;
    for (size_t r = 0; r < R; r++)
        for (size_t j = 0; j < N; j++) {
            d01 = fmax(d01, fabs((double)dev[r * T * N + j] - (double)dev[(r * T + 1) * N + j]));
            dref = fmax(dref, fabs((double)dev[r * T * N + j] - (double)ref[r * T * N + j]));
        }
    cr_assert_gt(d01, 1e-4, "steps 0 and 1 read the same");
    cr_assert_gt(dref, 1e-4, "pcm equals ideal");
    struct xb_pass q = pass_of(1, XB_PHASE_EVAL); /* sample 2 alone */
    q.on_device = 1;
    q.addr.sample0 = 2;
    xb_net_forward(net, &q, x + 2 * F);
    cr_assert(!memcmp(tr.u, dev + 2 * T * N, T * N * sizeof(float)), "batch split moved a read");
    xb_net_unprogram(net);
    xb_free(ref), xb_free(dev);
}

#endif
