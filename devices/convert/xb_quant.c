#include "xb_quant.h"

#include <math.h>

#include "xb_clones.h"

#define XB_INLINE static inline __attribute__((always_inline))

float xb_quant_step(const struct xb_quant *q)
{
    if (q->bits == 0)
        return 0.0f;
    if (q->is_signed)
        return 2.0f * q->range / (float)(1L << q->bits);
    return q->range / (float)((1L << q->bits) - 1);
}

/* The two codings as loops of roundings, comparisons and selects, so they
 * vectorise (built with -O3 and XB_CLONES: x86-64-v3 and -v4 round with
 * vroundps in rintf's mode; noise/xb_clones.h). The
 * clamps are the selects that fmaxf then fminf of glibc give on every
 * input, including the ones that tell them apart from a plain max: a NaN
 * code becomes the lower end (fmaxf returns the number), and a −0 code of
 * the unsigned coding becomes +0 (glibc's fmaxf(−0, +0) is +0), so the
 * output bits are those of the scalar fmaxf/fminf version; tests/devices/test_quant.c
 * checks them on the edge values. x and y are the same array or disjoint
 * (the always-inline bodies are instantiated once for each). */
XB_INLINE size_t signed_body(const float *x, float *y, size_t n, float inv, float step,
                             float range, float lo, float hi)
{
    size_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        const float v = x[i], t = v * inv;
        /* floorf(t), from rintf: GCC vectorises floorf only without
         * trapping math. rint(t) is within 1/2 of t, so when it lies above
         * t the floor is one less (exact below 2^23; above, t is an
         * integer); −0, ±inf and NaN pass through as floorf's. */
        float c = rintf(t);
        c = c > t ? c - 1.0f : c;
        /* The end cells are closed: +-range itself is in range. */
        clipped += (v > range) | (v < -range);
        c = c > lo ? c : lo;
        c = c < hi ? c : hi;
        y[i] = (c + 0.5f) * step;
    }
    return clipped;
}

XB_INLINE size_t unsigned_body(const float *x, float *y, size_t n, float inv, float step,
                               float hi)
{
    size_t clipped = 0;
    for (size_t i = 0; i < n; i++) {
        /* rintf rounds half to even in the default rounding mode. */
        float c = rintf(x[i] * inv);
        clipped += (c < 0.0f) | (c > hi);
        c = c > 0.0f ? c : 0.0f;
        c = c < hi ? c : hi;
        y[i] = c * step;
    }
    return clipped;
}

XB_CLONES static size_t signed_to(const float *restrict x, float *restrict y, size_t n,
                                  float inv, float step, float range, float lo, float hi)
{
    return signed_body(x, y, n, inv, step, range, lo, hi);
}

XB_CLONES static size_t signed_in(float *v, size_t n, float inv, float step, float range,
                                  float lo, float hi)
{
    return signed_body(v, v, n, inv, step, range, lo, hi);
}

XB_CLONES static size_t unsigned_to(const float *restrict x, float *restrict y, size_t n,
                                    float inv, float step, float hi)
{
    return unsigned_body(x, y, n, inv, step, hi);
}

XB_CLONES static size_t unsigned_in(float *v, size_t n, float inv, float step, float hi)
{
    return unsigned_body(v, v, n, inv, step, hi);
}

size_t xb_quant_to(const struct xb_quant *q, const float *x, float *y, size_t n)
{
    if (q->bits == 0) {
        if (y != x)
            for (size_t i = 0; i < n; i++)
                y[i] = x[i];
        return 0;
    }
    const float step = xb_quant_step(q), inv = 1.0f / step;
    if (q->is_signed) {
        const float lo = -(float)(1L << (q->bits - 1)), hi = -lo - 1.0f;
        return y == x ? signed_in(y, n, inv, step, q->range, lo, hi)
                      : signed_to(x, y, n, inv, step, q->range, lo, hi);
    }
    const float hi = (float)((1L << q->bits) - 1);
    return y == x ? unsigned_in(y, n, inv, step, hi) : unsigned_to(x, y, n, inv, step, hi);
}

size_t xb_quant_apply(const struct xb_quant *q, float *x, size_t n)
{
    return xb_quant_to(q, x, x, n);
}
