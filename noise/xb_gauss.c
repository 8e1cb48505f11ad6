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

#if defined(__x86_64__) && !defined(XB_NO_CLONES)
#include <immintrin.h>
#define XB_HAVE_AVX2_PATH 1
#endif

#include "xb_rng.h"

#define PH_M0 0xD2511F53u
#define PH_M1 0xCD9E8D57u
#define PH_W0 0x9E3779B9u
#define PH_W1 0xBB67AE85u
#define GROUP 16 /* Philox blocks per group: 64 words, 64 elements */

/* Philox4x32-10 of the GROUP blocks {c0 + i, c1, c2, c3}, word k of block
 * i into w[k * GROUP + i] (structure of arrays: unit-stride vector loads and
 * stores throughout). */
static inline __attribute__((always_inline)) void
philox_group(const struct xb_stream *s, uint32_t c0, uint32_t *restrict w)
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
        w[i] = x0;
        w[GROUP + i] = x1;
        w[2 * GROUP + i] = x2;
        w[3 * GROUP + i] = x3;
    }
}

/* Box–Muller on word pairs (0, 1) and (2, 3) of each block: radius from the
 * first, angle from the second. The trip count is a constant multiple of
 * every vector width, so each element goes through the same (vector) code
 * and its value never depends on where a requested range starts or ends. */
static inline __attribute__((always_inline)) void
box_muller(const uint32_t *restrict w, float *restrict z)
{
    const float scale = 1.0f / 16777216.0f, half = 0.5f / 16777216.0f;
    const float two_pi = 6.28318530717958647692f, half_pi = 1.57079632679489661923f;
    for (int h = 0; h < 2; h++) {
        const uint32_t *wr = w + 2 * h * GROUP, *wt = wr + GROUP;
        float *zc = z + 2 * h * GROUP, *zs = zc + GROUP;
        for (int i = 0; i < GROUP; i++) {
            float u1 = (float)(wr[i] >> 8) * scale + half;
            float u2 = (float)(wt[i] >> 8) * scale;
            float r = sqrtf(-2.0f * logf(u1));
            float t = two_pi * u2;
            zc[i] = r * sinf(t + half_pi);
            zs[i] = r * sinf(t);
        }
    }
}

static inline __attribute__((always_inline)) void
uniforms(const uint32_t *restrict w, float *restrict u)
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

#ifdef XB_HAVE_AVX2_PATH
#define XB_V3 __attribute__((target("arch=x86-64-v3")))

/* High and low 32 bits of m * x in each of eight lanes. GCC's own
 * vectorisation of the 64-bit product shuffles between two 4-lane halves;
 * multiplying even and odd lanes in place avoids that. */
static inline __attribute__((always_inline)) XB_V3 void
mulhilo8(__m256i x, __m256i m, __m256i *hi, __m256i *lo)
{
    __m256i even = _mm256_mul_epu32(x, m);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

static inline __attribute__((always_inline)) XB_V3 void
philox_group_avx2(const struct xb_stream *s, uint32_t c0, uint32_t *restrict w)
{
    const __m256i m0 = _mm256_set1_epi32((int)PH_M0), m1 = _mm256_set1_epi32((int)PH_M1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int i = 0; i < GROUP; i += 8) {
        __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)(c0 + (uint32_t)i)), lane);
        __m256i x1 = _mm256_set1_epi32((int)s->ctr[0]);
        __m256i x2 = _mm256_set1_epi32((int)s->ctr[1]);
        __m256i x3 = _mm256_set1_epi32((int)s->ctr[2]);
        uint32_t a = s->key[0], b = s->key[1];
        for (int r = 0; r < 10; r++) {
            __m256i hi0, lo0, hi1, lo1;
            mulhilo8(x0, m0, &hi0, &lo0);
            mulhilo8(x2, m1, &hi1, &lo1);
            __m256i y0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32((int)a));
            __m256i y2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32((int)b));
            x1 = lo1;
            x3 = lo0;
            x0 = y0;
            x2 = y2;
            a += PH_W0;
            b += PH_W1;
        }
        _mm256_storeu_si256((__m256i *)(w + i), x0);
        _mm256_storeu_si256((__m256i *)(w + GROUP + i), x1);
        _mm256_storeu_si256((__m256i *)(w + 2 * GROUP + i), x2);
        _mm256_storeu_si256((__m256i *)(w + 3 * GROUP + i), x3);
    }
}

/* The group loop again, compiled for x86-64-v3 so that the inlined
 * Box–Muller is vectorised with AVX2 and libmvec's AVX2 variants. (An
 * x86-64-v4 instance measured no faster on Zen 4.) */
static XB_V3 void fill_v3(const struct xb_stream *s, uint64_t first, size_t n, float *out,
                          int normal)
{
    uint32_t w[4 * GROUP];
    float tmp[4 * GROUP];
    const uint64_t per = 4 * GROUP;
    while (n > 0) {
        uint64_t g = first / per;
        size_t off = (size_t)(first - g * per);
        size_t take = per - off < n ? (size_t)(per - off) : n;
        philox_group_avx2(s, (uint32_t)(g * GROUP), w);
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

/* AVX2 + FMA (x86-64-v3) when the processor has it, else the portable
 * loop. Numbers are bit-identical for any thread count or partition on one
 * machine; machines of different ISA level may differ in the last bit of a
 * normal (the uniforms and Philox words are the same everywhere). */
static int use_v3(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}


void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    if (use_v3())
        fill_v3(s, first, n, out, 1);
    else
        fill(s, first, n, out, 1);
}

void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    if (use_v3())
        fill_v3(s, first, n, out, 0);
    else
        fill(s, first, n, out, 0);
}
#else
void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 1);
}

void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 0);
}
#endif
