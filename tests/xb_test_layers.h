/*
 * xb_test_layers.h — helpers the layer and network tests share
 * (tests/models/test_layers.c, tests/models/test_layers_net.c,
 * tests/models/test_lif.c; header-only: every
 * tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_LAYERS_H
#define XB_TEST_LAYERS_H

#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"
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

#endif
