/* Converters: known answers at the edges and the textbook quantisation SNR. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "xb_noise.h"
#include "xb_quant.h"
#include "xb_rng.h"

Test(quant, signed_edges)
{
    struct xb_quant q = {.bits = 3, .range = 1.0f, .is_signed = 1};
    cr_assert_eq(xb_quant_step(&q), 0.25f);
    /* Levels +-0.125, +-0.375, +-0.625, +-0.875. */
    float x[] = {0.99f, -1.0f, -1.2f, 0.125f, 0.375f, 0.74f, 0.0f, -0.125f, 1.0f, 0.2499f};
    float want[] = {0.875f, -0.875f, -0.875f, 0.125f, 0.375f, 0.625f,
                    0.125f, -0.125f, 0.875f, 0.125f};
    size_t clipped = xb_quant_apply(&q, x, 10);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(x[i], want[i], "x[%d] = %g, want %g", i, (double)x[i], (double)want[i]);
    /* Only -1.2 is beyond the range; +-1.0, its edges, are in it. */
    cr_assert_eq(clipped, 1);
}

Test(quant, unsigned_edges)
{
    struct xb_quant q = {.bits = 2, .range = 3.0f, .is_signed = 0};
    cr_assert_eq(xb_quant_step(&q), 1.0f);
    float x[] = {3.4f, 3.6f, -0.2f, -0.6f, 1.5f, 2.5f};
    float want[] = {3.0f, 3.0f, 0.0f, 0.0f, 2.0f, 2.0f};
    size_t clipped = xb_quant_apply(&q, x, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(x[i], want[i], "x[%d] = %g, want %g", i, (double)x[i], (double)want[i]);
    cr_assert_eq(clipped, 2);
}

Test(quant, ideal_passes_through)
{
    struct xb_quant q = {.bits = 0, .range = 0.0f, .is_signed = 1};
    float x[] = {1e30f, -3.25f, 0.1f}, y[3];
    cr_assert_eq(xb_quant_to(&q, x, y, 3), 0);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(x[i], y[i]);
}

Test(quant, every_code_reachable_and_exact)
{
    /* An 8-bit signed converter maps each level (k + 1/2) step to itself. */
    struct xb_quant q = {.bits = 8, .range = 2.0f, .is_signed = 1};
    float step = xb_quant_step(&q);
    cr_assert_eq(step, 4.0f / 256.0f);
    for (int k = -128; k <= 127; k++) {
        float x = ((float)k + 0.5f) * step, y;
        cr_assert_eq(xb_quant_to(&q, &x, &y, 1), 0);
        cr_assert_eq(y, x);
    }
}

/* A b-bit converter on a full-scale uniform signal: SNR = 6.02 b dB. */
Test(quant, uniform_snr_is_6db_per_bit)
{
    enum { N = 1 << 18 };
    static float x[N], y[N];
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = 7};
    struct xb_stream s = xb_stream_at(42, &a);
    xb_uniform_fill(&s, 0, N, x);
    for (int i = 0; i < N; i++)
        x[i] = 2.0f * x[i] - 1.0f; /* uniform on (-1, 1) */
    for (int b = 4; b <= 10; b++) {
        struct xb_quant q = {.bits = b, .range = 1.0f, .is_signed = 1};
        xb_quant_to(&q, x, y, N);
        double snr = xb_snr_db_measured(x, y, N);
        cr_assert(fabs(snr - 6.0206 * b) < 0.5, "%d bits: %.3f dB, want %.2f +- 0.5", b, snr,
                  6.0206 * b);
    }
}

/* The scalar quantiser the vectorised one replaced (devices/convert/xb_quant.c
 * before issue 9), kept here as the reference: floorf / rintf and glibc's
 * fmaxf then fminf. */
static size_t ref_quant(const struct xb_quant *q, const float *x, float *y, size_t n)
{
    const float step = xb_quant_step(q), inv = 1.0f / step;
    size_t clipped = 0;
    if (q->is_signed) {
        const float lo = -(float)(1L << (q->bits - 1)), hi = -lo - 1.0f;
        for (size_t i = 0; i < n; i++) {
            float c = floorf(x[i] * inv);
            clipped += (x[i] > q->range) | (x[i] < -q->range);
            c = fminf(fmaxf(c, lo), hi);
            y[i] = (c + 0.5f) * step;
        }
    } else {
        const float hi = (float)((1L << q->bits) - 1);
        for (size_t i = 0; i < n; i++) {
            float c = rintf(x[i] * inv);
            clipped += (c < 0.0f) | (c > hi);
            c = fminf(fmaxf(c, 0.0f), hi);
            y[i] = c * step;
        }
    }
    return clipped;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Bit-identical to the scalar reference on the values that tell roundings
 * and clamps apart — ±0, codes' edges and midpoints (ties), one ulp either
 * side of them, ±range, beyond it, ±inf, NaN, subnormals, 2^23 and up —
 * for both codings, 1..24 bits, in place and into another array, at every
 * length 0..67 (so vector bodies, remainders and clone widths all run).
 * A clamp written as max(c, 0) instead of fmaxf's (−0 -> +0, NaN -> lo)
 * or floor taken as rint fails here. */
Test(quant, vector_matches_scalar_on_edges)
{
    enum { N = 2048 };
    static float x[N], y[N], want[N], inplace[N];
    const float ranges[] = {1.0f, 0.3f, 29.8146725f};
    size_t fails = 0;
    for (int si = 0; si < 2; si++)
        for (int bits = 1; bits <= XB_QUANT_MAX_BITS; bits++)
            for (size_t ri = 0; ri < sizeof ranges / sizeof *ranges; ri++) {
                struct xb_quant q = {.bits = bits, .range = ranges[ri], .is_signed = si};
                const float step = xb_quant_step(&q);
                size_t n = 0;
                const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN,
                                          1e-45f, -1e-45f, 1e-40f, -1e-40f, 8388608.0f,
                                          -8388608.0f, 1e30f, -1e30f, q.range, -q.range};
                for (size_t k = 0; k < sizeof specials / sizeof *specials; k++)
                    x[n++] = specials[k];
                for (int k = -40; k <= 40 && n + 12 <= N; k++) {
                    const float c[] = {(float)k * step, ((float)k + 0.5f) * step,
                                       ((float)k + 0.25f) * step};
                    for (int j = 0; j < 3; j++) {
                        x[n++] = c[j];
                        x[n++] = nextafterf(c[j], INFINITY);
                        x[n++] = nextafterf(c[j], -INFINITY);
                        x[n++] = -c[j];
                    }
                }
                x[n++] = nextafterf(q.range, INFINITY);
                x[n++] = nextafterf(-q.range, -INFINITY);
                x[n++] = nextafterf(q.range, 0.0f);
                const size_t clip_ref = ref_quant(&q, x, want, n);
                for (size_t i = 0; i < n; i++)
                    inplace[i] = x[i];
                cr_assert_eq(xb_quant_to(&q, x, y, n), clip_ref);
                cr_assert_eq(xb_quant_apply(&q, inplace, n), clip_ref);
                for (size_t i = 0; i < n; i++)
                    fails += (bits_of(y[i]) != bits_of(want[i])) +
                             (bits_of(inplace[i]) != bits_of(want[i]));
                for (size_t len = 0; len < 68; len++) {
                    const size_t off = len % 5; /* unaligned starts too */
                    const size_t c = ref_quant(&q, x + off, want, len);
                    cr_assert_eq(xb_quant_to(&q, x + off, y, len), c);
                    for (size_t i = 0; i < len; i++)
                        fails += bits_of(y[i]) != bits_of(want[i]);
                }
            }
    cr_assert_eq(fails, 0, "%zu outputs differ from the scalar quantiser", fails);
}

/* The contract of xb_quant.h for non-finite inputs: ±inf saturate and are
 * counted; NaN gives the lowest code and is not counted. */
Test(quant, nan_and_inf)
{
    struct xb_quant s = {.bits = 3, .range = 1.0f, .is_signed = 1};
    float x[] = {NAN, INFINITY, -INFINITY};
    cr_assert_eq(xb_quant_apply(&s, x, 3), 2);
    cr_assert_eq(x[0], -0.875f);
    cr_assert_eq(x[1], 0.875f);
    cr_assert_eq(x[2], -0.875f);
    struct xb_quant u = {.bits = 2, .range = 3.0f, .is_signed = 0};
    float y[] = {NAN, INFINITY, -INFINITY};
    cr_assert_eq(xb_quant_apply(&u, y, 3), 2);
    cr_assert_eq(bits_of(y[0]), bits_of(0.0f)); /* +0, not -0 */
    cr_assert_eq(y[1], 3.0f);
    cr_assert_eq(bits_of(y[2]), bits_of(0.0f));
}
