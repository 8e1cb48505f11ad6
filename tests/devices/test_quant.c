/* Converters: known answers at the edges and the textbook quantisation SNR. */
#include <criterion/criterion.h>
#include <math.h>

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
