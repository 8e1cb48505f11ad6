#include "xb_quant.h"

#include <math.h>

float xb_quant_step(const struct xb_quant *q)
{
    if (q->bits == 0)
        return 0.0f;
    if (q->is_signed)
        return 2.0f * q->range / (float)(1L << q->bits);
    return q->range / (float)((1L << q->bits) - 1);
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
    size_t clipped = 0;
    if (q->is_signed) {
        const float lo = -(float)(1L << (q->bits - 1)), hi = -lo - 1.0f;
        for (size_t i = 0; i < n; i++) {
            float c = floorf(x[i] * inv);
            /* The end cells are closed: +-range itself is in range. */
            clipped += (x[i] > q->range) | (x[i] < -q->range);
            c = fminf(fmaxf(c, lo), hi);
            y[i] = (c + 0.5f) * step;
        }
    } else {
        const float hi = (float)((1L << q->bits) - 1);
        for (size_t i = 0; i < n; i++) {
            /* rintf rounds half to even in the default rounding mode. */
            float c = rintf(x[i] * inv);
            clipped += (c < 0.0f) | (c > hi);
            c = fminf(fmaxf(c, 0.0f), hi);
            y[i] = c * step;
        }
    }
    return clipped;
}

size_t xb_quant_apply(const struct xb_quant *q, float *x, size_t n)
{
    return xb_quant_to(q, x, x, n);
}
