/*
 * The Gaussian and uniform kernels: Philox4x32-10 and Box–Muller, written so
 * that the compiler vectorises them (built with -O3; see the Makefile).
 *
 * glibc's vector logf/sinf would need -ffast-math for their declarations
 * (ARCHITECTURE.md §10). We do without: the logarithm and the sine and
 * cosine are short polynomials here (the angle comes as a fraction of a
 * turn, so its range reduction is exact), which vectorise under standard
 * flags, are faster than the libmvec calls, and give the same numbers on
 * every x86-64 machine.
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

/* The uniform of a word: its top 23 bits, centred in their cell,
 * (k + 1/2) 2^-23, exact in float and strictly inside (0, 1). */
static inline __attribute__((always_inline)) float word_uniform(uint32_t w)
{
    return (float)(w >> 9) * 0x1p-23f + 0x1p-24f;
}

/* ln u for u in (0, 1], normal floats: u = 2^k m with m in [sqrt(1/2),
 * sqrt(2)), ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172, by its
 * series to s^9 (truncation below 1e-9). Written with plain integer and
 * float operations so that GCC vectorises it; no libm call. (A division-free
 * minimax polynomial measured no faster.) */
static inline __attribute__((always_inline)) float log_unit(float u)
{
    uint32_t ix;
    memcpy(&ix, &u, sizeof ix);
    ix -= 0x3F3504F3u; /* the bits of sqrt(1/2) */
    int32_t k = (int32_t)ix >> 23;
    ix = (ix & 0x007FFFFFu) + 0x3F3504F3u;
    float m;
    memcpy(&m, &ix, sizeof m);
    float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    float series = 1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))));
    return (float)k * 0.693147180559945309f + 2.0f * t * series;
}

/* Box–Muller on word pairs (0, 1) and (2, 3) of each block: radius
 * sqrt(-2 ln u) from the first word, angle from the second. The angle's
 * top two bits pick the quadrant and the next 22 its position inside, so
 * the range reduction is exact and sin and cos are short Taylor series on
 * [-pi/4, pi/4] (truncation below 2e-9). No libm, no fast-math: the normals
 * are the same numbers on every x86-64 (ISO C mode contracts no FMAs).
 * The trip count is a compile-time constant, so each element goes through
 * the same code whatever range was requested. */
static inline __attribute__((always_inline)) void
box_muller(const uint32_t *restrict w, float *restrict z)
{
    const float half_pi = 1.57079632679489661923f, rsqrt2 = 0.70710678118654752440f;
    for (int h = 0; h < 2; h++) {
        const uint32_t *wr = w + 2 * h * GROUP, *wt = wr + GROUP;
        float *zc = z + 2 * h * GROUP, *zs = zc + GROUP;
        for (int i = 0; i < GROUP; i++) {
            float r = sqrtf(-2.0f * log_unit(word_uniform(wr[i])));
            uint32_t q = wt[i] >> 30;
            float f = (float)((wt[i] >> 8) & 0x3FFFFFu) * 0x1p-22f + 0x1p-23f;
            float x = (f - 0.5f) * half_pi, x2 = x * x;
            float sn = x * (1.0f + x2 * (-1.0f / 6 + x2 * (1.0f / 120 + x2 * (-1.0f / 5040 +
                                                                            x2 * (1.0f / 362880)))));
            float cs = 1.0f + x2 * (-0.5f + x2 * (1.0f / 24 + x2 * (-1.0f / 720 +
                                                                    x2 * (1.0f / 40320 +
                                                                          x2 * (-1.0f / 3628800)))));
            /* (cos, sin) of pi/4 + x, then turned by q quarter turns. */
            float c0 = (cs - sn) * rsqrt2, s0 = (cs + sn) * rsqrt2;
            float c = (q & 1) ? -s0 : c0, sv = (q & 1) ? c0 : s0;
            c = (q & 2) ? -c : c;
            sv = (q & 2) ? -sv : sv;
            zc[i] = r * c;
            zs[i] = r * sv;
        }
    }
}

static inline __attribute__((always_inline)) void
uniforms(const uint32_t *restrict w, float *restrict u)
{
    for (int i = 0; i < 4 * GROUP; i++)
        u[i] = word_uniform(w[i]);
}

/* The group loop, instantiated per instruction set so that the inlined
 * Box–Muller is vectorised with that set too. Elements are made in aligned
 * groups of 4 * GROUP; whole groups go straight to out, partial ones
 * through a buffer. */
#define XB_DEFINE_FILL(NAME, ATTR, PHILOX)                                             \
    static ATTR void NAME(const struct xb_stream *s, uint64_t first, size_t n,         \
                          float *out, int normal)                                      \
    {                                                                                  \
        uint32_t w[4 * GROUP];                                                         \
        float tmp[4 * GROUP];                                                          \
        const uint64_t per = 4 * GROUP;                                                \
        while (n > 0) {                                                                \
            uint64_t g = first / per;                                                  \
            size_t off = (size_t)(first - g * per);                                    \
            size_t take = per - off < n ? (size_t)(per - off) : n;                     \
            PHILOX(s, (uint32_t)(g * GROUP), w);                                       \
            float *dst = take == per ? out : tmp;                                      \
            if (normal)                                                                \
                box_muller(w, dst);                                                    \
            else                                                                       \
                uniforms(w, dst);                                                      \
            if (take != per)                                                           \
                memcpy(out, tmp + off, take * sizeof *out);                            \
            out += take;                                                               \
            first += take;                                                             \
            n -= take;                                                                 \
        }                                                                              \
    }

#define XB_NO_ATTR
XB_DEFINE_FILL(fill, XB_NO_ATTR, philox_group)

#ifdef XB_HAVE_AVX2_PATH
#define XB_V3 __attribute__((target("arch=x86-64-v3")))
#define XB_V4 __attribute__((target("arch=x86-64-v4")))

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

/* The same for AVX-512: all 16 blocks of a group in one register set. */
static inline __attribute__((always_inline)) XB_V4 void
philox_group_avx512(const struct xb_stream *s, uint32_t c0, uint32_t *restrict w)
{
    const __m512i m0 = _mm512_set1_epi32((int)PH_M0), m1 = _mm512_set1_epi32((int)PH_M1);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32((int)c0), lane);
    __m512i x1 = _mm512_set1_epi32((int)s->ctr[0]);
    __m512i x2 = _mm512_set1_epi32((int)s->ctr[1]);
    __m512i x3 = _mm512_set1_epi32((int)s->ctr[2]);
    uint32_t a = s->key[0], b = s->key[1];
    for (int r = 0; r < 10; r++) {
        __m512i e0 = _mm512_mul_epu32(x0, m0);
        __m512i o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0, 32), m0);
        __m512i e1 = _mm512_mul_epu32(x2, m1);
        __m512i o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2, 32), m1);
        __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e0, 32), o0);
        __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_slli_epi64(o0, 32));
        __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(e1, 32), o1);
        __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_slli_epi64(o1, 32));
        __m512i y0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32((int)a));
        __m512i y2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32((int)b));
        x1 = lo1;
        x3 = lo0;
        x0 = y0;
        x2 = y2;
        a += PH_W0;
        b += PH_W1;
    }
    _mm512_storeu_si512((void *)w, x0);
    _mm512_storeu_si512((void *)(w + GROUP), x1);
    _mm512_storeu_si512((void *)(w + 2 * GROUP), x2);
    _mm512_storeu_si512((void *)(w + 3 * GROUP), x3);
}

XB_DEFINE_FILL(fill_v3, XB_V3, philox_group_avx2)
XB_DEFINE_FILL(fill_v4, XB_V4, philox_group_avx512)

/* AVX-512 (x86-64-v4) or AVX2 (x86-64-v3) when the processor has it, else
 * the portable loop. All three give the same bits: no libm calls, and ISO C
 * mode lets GCC contract no multiply-add into an FMA (tests/noise/test_rng.c's
 * golden hash was checked on each). */
static int use_v3(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int use_v4(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}


const char *xb_isa_level(void)
{
    return use_v4() ? "x86-64-v4 (AVX-512)" : use_v3() ? "x86-64-v3 (AVX2)" : "x86-64 (baseline)";
}

void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    if (use_v4())
        fill_v4(s, first, n, out, 1);
    else if (use_v3())
        fill_v3(s, first, n, out, 1);
    else
        fill(s, first, n, out, 1);
}

void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    if (use_v4())
        fill_v4(s, first, n, out, 0);
    else if (use_v3())
        fill_v3(s, first, n, out, 0);
    else
        fill(s, first, n, out, 0);
}
#else
const char *xb_isa_level(void) { return "portable C (no ISA clones)"; }

void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 1);
}

void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out)
{
    fill(s, first, n, out, 0);
}
#endif
