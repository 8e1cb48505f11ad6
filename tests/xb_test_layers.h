/*
 * xb_test_layers.h — helpers the layer and network tests share
 * (tests/models/test_layers.c, tests/models/test_layers_net.c; header-only: every
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

#endif
