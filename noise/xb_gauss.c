/*
 * The Gaussian and uniform kernels: Philox4x32-10 and Box–Muller, written so
 * that GCC vectorises the block loop (8 blocks per AVX2 iteration).
 *
 * This is the one file built with -ffast-math (see the Makefile): it makes
 * glibc declare the SIMD variants of logf/sinf (libmvec), which is what the
 * vectoriser needs. Nothing here tests for NaN or Inf, and the inputs of
 * logf are confined to (0, 1), so the flag changes no result's meaning.
 * cos t is written sin(t + pi/2): GCC would fuse sinf and cosf of the same t
 * into sincosf, which has no vector variant (DESIGN.md §7).
 */
#include <math.h>
#include <string.h>

#include "xb_rng.h"

#define PH_M0 0xD2511F53u
#define PH_M1 0xCD9E8D57u
#define PH_W0 0x9E3779B9u
#define PH_W1 0xBB67AE85u
#define GROUP 16 /* Philox blocks per group: 64 words, 64 elements */

/* Philox4x32-10 of the GROUP blocks {c0 + i, c1, c2, c3} into w. */
static inline __attribute__((always_inline)) void philox_group(const struct xb_stream *s, uint32_t c0, uint32_t *restrict w)
{
    const uint32_t k0 = s->key[0], k1 = s->key[1];
    const uint32_t c1 = s->ctr[0], c2 = s->ctr[1], c3 = s->ctr[2];
    for (int i = 0; i < GROUP; i++) {
        uint32_t x0 = c0 + (uint32_t)i, x1 = c1, x2 = c2, x3 = c3;
        uint32_t a = k0, b = k1;
        for (int r = 0; r < 10; r++) {
            uint64_t p0 = (uint64_t)PH_M0 * x0;
            uint64_t p1 = (uint64_t)PH_M1 * x2;
            uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ a;
            uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ b;
            x1 = (uint32_t)p1;
            x3 = (uint32_t)p0;
            x0 = y0;
            x2 = y2;
            a += PH_W0;
            b += PH_W1;
        }
        w[4 * i + 0] = x0;
        w[4 * i + 1] = x1;
        w[4 * i + 2] = x2;
        w[4 * i + 3] = x3;
    }
}

/* Two normals per pair of words (u1 from the first, angle from the second).
 * The trip count is a constant multiple of every vector width, so each
 * element goes through the same (vector) code path and an element's value
 * never depends on where a requested range starts or ends. */
static inline __attribute__((always_inline)) void box_muller(const uint32_t *restrict w, float *restrict z)
{
    const float scale = 1.0f / 16777216.0f, half = 0.5f / 16777216.0f;
    const float two_pi = 6.28318530717958647692f, half_pi = 1.57079632679489661923f;
    for (int i = 0; i < 2 * GROUP; i++) {
        float u1 = (float)(w[2 * i] >> 8) * scale + half;
        float u2 = (float)(w[2 * i + 1] >> 8) * scale;
        float r = sqrtf(-2.0f * logf(u1));
        float t = two_pi * u2;
        z[2 * i] = r * sinf(t + half_pi);
        z[2 * i + 1] = r * sinf(t);
    }
}

static inline __attribute__((always_inline)) void uniforms(const uint32_t *restrict w, float *restrict u)
{
    const float scale = 1.0f / 16777216.0f, half = 0.5f / 16777216.0f;
    for (int i = 0; i < 4 * GROUP; i++)
        u[i] = (float)(w[i] >> 8) * scale + half;
}

/* Elements are made in aligned groups of 4 * GROUP; whole groups go straight
 * to out, partial ones through a buffer. */
static inline __attribute__((always_inline)) void
fill(const struct xb_stream *s, uint64_t first, size_t n, float *out, int normal)
{
    uint32_t w[4 * GROUP];
    float tmp[4 * GROUP];
    const uint64_t per = 4 * GROUP;
    while (n > 0) {
        uint64_t g = first / per;
        size_t off = (size_t)(first - g * per);
        size_t take = per - off < n ? (size_t)(per - off) : n;
        philox_group(s, (uint32_t)(g * GROUP), w);
        float *dst = take == per ? out : tmp;
        if (normal)
            box_muller(w, dst);
        else
            uniforms(w, dst);
        if (take != per)
            memcpy(out, tmp + off, take * sizeof *out);
        out += take;
        first += take;
        n -= take;
    }
}

/* Built twice, for AVX2+FMA and for baseline x86-64, chosen at load time.
 * Numbers are bit-identical for any thread count or partition on one
 * machine; machines of different ISA level may differ in the last bit. */
#if defined(__x86_64__) && !defined(XB_NO_CLONES)
#define XB_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define XB_CLONES
#endif

XB_CLONES
void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 1);
}

XB_CLONES
void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 0);
}
