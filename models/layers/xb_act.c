/*
 * Vectorised sigmoid and tanh: see xb_act.h. Built with -O3 (Makefile);
 * on x86-64 each function is cloned for x86-64-v4 / v3 / baseline and the
 * loader picks one, all giving the same numbers.
 */
#include "xb_act.h"

#include <stdint.h>
#include <string.h>

#include "xb_clones.h"

/* e^x for x in [-87, 88] (clamped there): x = n ln2 + r, |r| <= ln2 / 2,
 * n rounded by the 1.5 · 2^23 trick (exact for |n| < 2^22), ln2 split in
 * two so n ln2 is exact; Cephes expf's polynomial; 2^n built in the
 * exponent bits (n in [-126, 127]). NaN in, NaN out (the NaN guard of
 * training must see it). */
static inline __attribute__((always_inline)) float exp_clamped(float v)
{
    float x = v > 88.0f ? 88.0f : v;
    x = x < -87.0f ? -87.0f : x;
    x = x == x ? x : 0.0f; /* NaN: a defined conversion below, NaN restored at the end */
    const float shift = 12582912.0f; /* 1.5 * 2^23 */
    float n = (x * 1.44269504088896341f + shift) - shift;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return v == v ? p * scale : v;
}

XB_CLONES void xb_sigmoid(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + exp_clamped(-x[i]));
}

/* |x| < 0.625: Cephes tanhf's odd polynomial; else 1 - 2 / (e^{2|x|} + 1)
 * with the sign of x. Both are computed and one selected, so the loop
 * vectorises. */
XB_CLONES void xb_tanh(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i], a = v < 0.0f ? -v : v, z = v * v;
        float s = -5.70498872745e-3f;
        s = s * z + 2.06390887954e-2f;
        s = s * z - 5.37397155531e-2f;
        s = s * z + 1.33314422036e-1f;
        s = s * z - 3.33332819422e-1f;
        s = s * z * v + v;
        float l = 1.0f - 2.0f / (exp_clamped(2.0f * a) + 1.0f);
        l = v < 0.0f ? -l : l;
        y[i] = a < 0.625f ? s : l;
    }
}
