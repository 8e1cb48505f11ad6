/*
 * xb_test_util.h — helpers several test files share (header-only: every
 * tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_UTIL_H
#define XB_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_rng.h"

/* x[0..n) = scale · N(0,1) from the TEST stream of (seed, layer). */
static inline void xb_test_fill_normal(float *x, size_t n, uint64_t seed, uint32_t layer,
                                       float scale)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = layer};
    struct xb_stream s = xb_stream_at(seed, &a);
    xb_normal_fill(&s, 0, n, x);
    for (size_t i = 0; i < n; i++)
        x[i] *= scale;
}

#endif
