/* devices/engine/xb_fgemm: the fixed-order GEMM against its contract, written out
 * here as a plain triple loop, bit for bit on every code path this machine
 * has; the paths against each other on random data; the forward error bound
 * of a sequential sum against a double-precision product; and golden
 * digests of fixed inputs, the check that another machine computes the same
 * bits. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_fgemm.h"
#include "xb_rng.h"

/* The contract of xb_fgemm.h, element by element. */
static void ref_fgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
                      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++) {
                const float a = ta ? A[p * lda + i] : A[i * lda + p];
                const float b = tb ? B[j * ldb + p] : B[p * ldb + j];
                acc = fmaf(a, b, acc);
            }
            float *c = C + i * ldc + j;
            *c = beta == 0.0f ? alpha * acc : fmaf(alpha, acc, beta * *c);
        }
}

/* Inputs from integers alone (no libm, no generator), so they are the same
 * on every machine: a 20-bit signed mantissa in [-1, 1) times a power of
 * two in 2^-6 .. 2^8 (exact), picked by a 32-bit hash (lowbias32) of the
 * index and a seed. 20-bit mantissas make every product inexact in float,
 * so every FMA of a chain rounds. */
static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

static float value(size_t i, uint32_t seed, int spread)
{
    static const float scale[8] = {0x1p-6f, 0x1p-3f, 0x1p-1f, 1.0f, 1.0f, 0x1p2f, 0x1p5f, 0x1p8f};
    const uint32_t h = mix((uint32_t)i * 0x9E3779B9u ^ mix(seed));
    const float mant = (float)((int32_t)(h & 0xFFFFFu) - 0x80000) * 0x1p-19f;
    return spread ? mant * scale[h >> 29] : mant;
}

static float *filled(size_t n, uint32_t seed, int spread)
{
    float *x = xb_aligned(n ? n : 1, sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = value(i, seed, spread);
    return x;
}

static const enum xb_fgemm_isa all_isas[] = {XB_FGEMM_SCALAR, XB_FGEMM_AVX2, XB_FGEMM_AVX512};
#define N_ISAS (sizeof all_isas / sizeof all_isas[0])

/* alpha, beta pairs: the identity, accumulate, powers of two, and values
 * whose products round (so a multiply-then-add in place of the final FMA,
 * or an extra rounding, changes bits). */
static const float ab[][2] = {{1.0f, 0.0f}, {1.0f, 1.0f}, {0.5f, 2.0f}, {1.1f, -0.7f}};
#define N_AB (sizeof ab / sizeof ab[0])

/* One shape, all four transpose cases, every alpha/beta pair, every path
 * this machine has, with lda, ldb, ldc larger than the rows: each equal to
 * the reference in every byte of C, including the padding past n (left as
 * it was) and, for beta = 0, a C full of NaN (never read). */
static void check_shape(size_t m, size_t n, size_t k)
{
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const size_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
            const size_t a_n = (ta ? k : m) * lda, b_n = (tb ? n : k) * ldb, c_n = m * ldc;
            float *A = filled(a_n, (uint32_t)(1 + 2 * m + 3 * n + 5 * k), 1);
            float *B = filled(b_n, (uint32_t)(7 + 11 * m + 13 * n + 17 * k), 1);
            float *C1 = filled(c_n, 99, 1), *Cnan = filled(c_n, 0, 0);
            float *want = xb_aligned(c_n ? c_n : 1, sizeof(float));
            float *got = xb_aligned(c_n ? c_n : 1, sizeof(float));
            for (size_t i = 0; i < c_n; i++)
                Cnan[i] = NAN;
            for (size_t s = 0; s < N_AB; s++) {
                const float alpha = ab[s][0], beta = ab[s][1];
                const float *C0 = beta == 0.0f ? Cnan : C1;
                memcpy(want, C0, c_n * sizeof(float));
                ref_fgemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, want, ldc);
                for (size_t q = 0; q < N_ISAS; q++) {
                    if (!xb_fgemm_isa_available(all_isas[q]))
                        continue;
                    memcpy(got, C0, c_n * sizeof(float));
                    xb_fgemm_isa(all_isas[q], ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, got,
                                 ldc);
                    cr_assert(!memcmp(got, want, c_n * sizeof(float)),
                              "%s differs from the reference: trans %d %d, m %zu n %zu k %zu, "
                              "alpha %g beta %g",
                              xb_fgemm_isa_name(all_isas[q]), ta, tb, m, n, k, (double)alpha,
                              (double)beta);
                }
                memcpy(got, C0, c_n * sizeof(float));
                xb_fgemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, got, ldc);
                cr_assert(!memcmp(got, want, c_n * sizeof(float)), "xb_fgemm differs");
            }
            xb_free(A), xb_free(B), xb_free(C1), xb_free(Cnan), xb_free(want), xb_free(got);
        }
}

/* Small shapes: 1, primes, one below / at / above the micro-tile sizes
 * (6 × 16 for AVX2, 12 × 32 for AVX-512) and the 8-step transpose blocks
 * of packing; k = 0. */
Test(fgemm, matches_reference_small_shapes)
{
    const size_t ms[] = {1, 5, 6, 7, 11, 12, 13, 25};
    const size_t ns[] = {1, 3, 15, 16, 17, 31, 33};
    const size_t ks[] = {0, 1, 2, 7, 8, 9, 17};
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t b = 0; b < sizeof ns / sizeof *ns; b++)
            for (size_t c = 0; c < sizeof ks / sizeof *ks; c++)
                check_shape(ms[a], ns[b], ks[c]);
}

/* Shapes across the cache blocks: k over one and several KC = 256 blocks
 * (the accumulators carried between them), m over MC = 96 and MB = 768
 * rows, n over NC = 512 columns, with tails everywhere. */
Test(fgemm, matches_reference_across_blocks)
{
    const size_t shapes[][3] = {
        {97, 100, 257}, {131, 47, 600}, {13, 513, 300}, {770, 21, 259},
        {29, 37, 1031}, {192, 64, 256}, {1, 1, 777}, {100, 1, 513},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        check_shape(shapes[s][0], shapes[s][1], shapes[s][2]);
}

/* A product computed in pieces (blocks of rows and of columns, as callers
 * split work into items) equals the product in one call. */
Test(fgemm, items_equal_the_whole)
{
    enum { M = 70, N = 90, K = 300 };
    float *A = filled(M * K, 3, 1), *B = filled(N * K, 4, 1);
    float *whole = xb_aligned(M * N, sizeof(float)), *parts = xb_aligned(M * N, sizeof(float));
    xb_fgemm(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, whole, N);
    const size_t r_cut[] = {0, 1, 13, 37, M}, c_cut[] = {0, 5, 48, 49, N};
    for (size_t r = 0; r + 1 < sizeof r_cut / sizeof *r_cut; r++)
        for (size_t c = 0; c + 1 < sizeof c_cut / sizeof *c_cut; c++)
            xb_fgemm(0, 1, r_cut[r + 1] - r_cut[r], c_cut[c + 1] - c_cut[c], K, 1.0f,
                     A + r_cut[r] * K, K, B + c_cut[c] * K, K, 0.0f, parts + r_cut[r] * N + c_cut[c],
                     N);
    cr_assert(!memcmp(whole, parts, M * N * sizeof(float)));
    xb_free(A), xb_free(B), xb_free(whole), xb_free(parts);
}

/* x[i] = ±u · 2^e, u uniform in (0, 1), e uniform in -20 .. 20, the sign
 * a coin: random
 * mantissas over twelve decades, no denormals (products >= 2^-82). */
static float *awkward(size_t n, uint32_t layer)
{
    float *x = xb_aligned(n, sizeof(float)), *u = xb_aligned(3 * n, sizeof(float));
    struct xb_addr addr = {.purpose = XB_PURPOSE_TEST, .layer = layer};
    struct xb_stream s = xb_stream_at(8, &addr);
    xb_uniform_fill(&s, 0, 3 * n, u);
    for (size_t i = 0; i < n; i++) {
        const int e = (int)(u[n + i] * 41.0f) - 20;
        float v = u[i];
        for (int q = 0; q < (e < 0 ? -e : e); q++)
            v *= e < 0 ? 0.5f : 2.0f;
        x[i] = u[2 * n + i] < 0.5f ? v : -v;
    }
    xb_free(u);
    return x;
}

/* The vector paths against the plain C path on larger random products (the
 * engine's shape class: hundreds of rows, columns and steps). */
Test(fgemm, paths_agree_on_random_data)
{
    enum { M = 203, N = 150, K = 700 };
    float *A = awkward(M * K, 1), *B = awkward(N * K, 2), *C0 = awkward(M * N, 3);
    float *want = xb_aligned(M * N, sizeof(float)), *got = xb_aligned(M * N, sizeof(float));
    int compared = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const size_t lda = ta ? M : K, ldb = tb ? K : N;
            memcpy(want, C0, sizeof(float) * M * N);
            xb_fgemm_isa(XB_FGEMM_SCALAR, ta, tb, M, N, K, 1.1f, A, lda, B, ldb, -0.7f, want, N);
            /* The dispatcher's choice, whatever this machine has. */
            memcpy(got, C0, sizeof(float) * M * N);
            xb_fgemm(ta, tb, M, N, K, 1.1f, A, lda, B, ldb, -0.7f, got, N);
            cr_assert(!memcmp(got, want, sizeof(float) * M * N), "xb_fgemm vs scalar, trans %d %d",
                      ta, tb);
            for (size_t q = 1; q < N_ISAS; q++) {
                if (!xb_fgemm_isa_available(all_isas[q]))
                    continue;
                memcpy(got, C0, sizeof(float) * M * N);
                xb_fgemm_isa(all_isas[q], ta, tb, M, N, K, 1.1f, A, lda, B, ldb, -0.7f, got, N);
                cr_assert(!memcmp(got, want, sizeof(float) * M * N), "%s vs scalar, trans %d %d",
                          xb_fgemm_isa_name(all_isas[q]), ta, tb);
                compared++;
            }
        }
    cr_log_info("vector paths compared with the scalar one: %d (and xb_fgemm 4 times)",
                compared);
    xb_free(A), xb_free(B), xb_free(C0), xb_free(want), xb_free(got);
}

/* Against the exact product. A sequential sum of k terms with one rounding
 * per step (an FMA: the product is exact inside it) has
 * |ŝ − s| <= γ_k Σ|a_p b_p|, γ_k = k u / (1 − k u), u = 2^-24 (Higham,
 * Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1). The
 * double reference adds its own error, below k 2^-53 Σ|a b|: the bound
 * below allows for it. An index off by one or a swapped transpose gives
 * errors of the order of Σ|a b| itself. */
Test(fgemm, error_within_forward_bound)
{
    const size_t shapes[][3] = {{37, 45, 1000}, {64, 64, 64}, {5, 300, 3000}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        const size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                const size_t lda = ta ? m : k, ldb = tb ? k : n;
                float *A = filled(m * k, 21, 0), *B = filled(k * n, 22, 0);
                float *C = xb_aligned(m * n, sizeof(float));
                xb_fgemm(ta, tb, m, n, k, 1.0f, A, lda, B, ldb, 0.0f, C, n);
                const double u = 0x1p-24, gamma = (double)k * u / (1.0 - (double)k * u);
                double worst = 0.0;
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++) {
                        double exact = 0.0, abs_sum = 0.0;
                        for (size_t p = 0; p < k; p++) {
                            const double a = ta ? A[p * lda + i] : A[i * lda + p];
                            const double b = tb ? B[j * ldb + p] : B[p * ldb + j];
                            exact += a * b;
                            abs_sum += fabs(a * b);
                        }
                        const double bound = (gamma + (double)k * 0x1p-53) * abs_sum;
                        const double err = fabs((double)C[i * n + j] - exact);
                        cr_assert_leq(err, bound, "C[%zu][%zu] = %.9g, exact %.12g, bound %.3g "
                                      "(m %zu n %zu k %zu trans %d %d)", i, j,
                                      (double)C[i * n + j], exact, bound, m, n, k, ta, tb);
                        worst = fmax(worst, abs_sum > 0.0 ? err / (gamma * abs_sum) : 0.0);
                    }
                cr_log_info("k %zu: worst error %.3f of the bound", k, worst);
                xb_free(A), xb_free(B), xb_free(C);
            }
    }
}

/* The contract's final combination read off the kernel itself: with acc
 * the result of (alpha 1, beta 0), alpha 1 beta 1 gives acc + C rounded
 * once, and alpha 1.1 beta -0.7 gives fmaf(1.1, acc, -0.7 C). */
Test(fgemm, alpha_beta_combination)
{
    enum { M = 19, N = 40, K = 333 };
    float *A = filled(M * K, 5, 1), *B = filled(K * N, 6, 1), *C0 = filled(M * N, 7, 1);
    float *acc = xb_aligned(M * N, sizeof(float)), *C = xb_aligned(M * N, sizeof(float));
    xb_fgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, acc, N);
    memcpy(C, C0, sizeof(float) * M * N);
    xb_fgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 1.0f, C, N);
    for (size_t i = 0; i < M * N; i++)
        cr_assert_eq(C[i], acc[i] + C0[i]);
    memcpy(C, C0, sizeof(float) * M * N);
    xb_fgemm(0, 0, M, N, K, 1.1f, A, K, B, N, -0.7f, C, N);
    for (size_t i = 0; i < M * N; i++)
        cr_assert_eq(C[i], fmaf(1.1f, acc[i], -0.7f * C0[i]));
    xb_free(A), xb_free(B), xb_free(C0), xb_free(acc), xb_free(C);
}

/* 64-bit FNV-1a of the output bytes (little-endian floats). */
static uint64_t fnv1a(const float *x, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u;
    const unsigned char *b = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof(float); i++) {
        h ^= b[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* The cross-machine check: fixed inputs from integers alone and the
 * digests of the outputs, computed once (on AMD Zen 5, every path agreeing
 * and the reference too). Another machine, compiler or path that computes
 * other bits fails here. */
Test(fgemm, golden_digests)
{
    const struct {
        int ta, tb;
        size_t m, n, k;
        float alpha, beta;
        uint64_t digest;
    } g[] = {
        {0, 1, 64, 48, 784, 1.0f, 0.0f, 0xe6e11a42f016de78u},
        {1, 0, 50, 70, 300, 1.0f, 1.0f, 0x2f4636aacc73853au},
        {0, 0, 33, 65, 257, 1.1f, -0.7f, 0xae832ad8c18cd635u},
        {1, 1, 7, 129, 40, 0.5f, 2.0f, 0xf5c816c4fb298bd9u},
    };
    for (size_t s = 0; s < sizeof g / sizeof *g; s++) {
        const size_t m = g[s].m, n = g[s].n, k = g[s].k;
        float *A = filled(m * k, 31, 1), *B = filled(k * n, 32, 1), *C0 = filled(m * n, 33, 1);
        float *C = xb_aligned(m * n, sizeof(float));
        for (size_t q = 0; q < N_ISAS; q++) {
            if (!xb_fgemm_isa_available(all_isas[q]))
                continue;
            memcpy(C, C0, sizeof(float) * m * n);
            xb_fgemm_isa(all_isas[q], g[s].ta, g[s].tb, m, n, k, g[s].alpha, A, g[s].ta ? m : k,
                         B, g[s].tb ? k : n, g[s].beta, C, n);
            const uint64_t h = fnv1a(C, m * n);
            cr_assert_eq(h, g[s].digest, "shape %zu on %s: digest 0x%016llx, expected 0x%016llx",
                         s, xb_fgemm_isa_name(all_isas[q]), (unsigned long long)h,
                         (unsigned long long)g[s].digest);
        }
        memcpy(C, C0, sizeof(float) * m * n);
        ref_fgemm(g[s].ta, g[s].tb, m, n, k, g[s].alpha, A, g[s].ta ? m : k, B,
                  g[s].tb ? k : n, g[s].beta, C, n);
        cr_assert_eq(fnv1a(C, m * n), g[s].digest, "shape %zu: the reference's digest", s);
        xb_free(A), xb_free(B), xb_free(C0), xb_free(C);
    }
}
