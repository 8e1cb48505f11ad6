/*
 * The fixed-order GEMM: see xb_fgemm.h for the contract.
 *
 * Why every path gives the same bits. An output element is one chain
 * acc = fma(a(i,p), b(p,j), acc) over p = 0 .. k − 1, then the final
 * combination. The vector paths keep a tile of C in registers and, for
 * each p in turn, broadcast a(i,p) and multiply-add it into the row
 * segment: lanes are separate elements, so each lane runs exactly the
 * chain above, and the vector width only decides how many chains run side
 * by side. Padding (rows of A or columns of B past the edge packed as
 * zeros) only feeds lanes that are never stored. The inner dimension is cut
 * into blocks for the caches; between blocks the accumulators are stored
 * as floats and loaded back, which is exact, and alpha and beta are applied
 * once, after the last block. The plain C path writes the chain with fmaf
 * (correctly rounded in glibc, with or without an FMA unit), and contains no
 * a·b + c that -ffp-contract could fuse; the vector paths use explicit FMA
 * intrinsics.
 *
 * Blocking follows Goto and van de Geijn (ACM TOMS 34(3), 2008), as in
 * BLIS: a KC × NC block of op(B) is packed into NR-column panels, and the
 * micro-kernel runs one MR × NR tile of C over the block's KC steps, the B
 * panel staying in L1 while the MR-row panels of an MC × KC block of op(A)
 * stream through from L2. A is read in place (its broadcasts need no
 * contiguous panel: MR row pointers and a step stride serve either
 * layout); only a last panel of fewer than MR rows is packed, padded with
 * zero rows. Reading A in place measured 2-5 % faster than packing it.
 */
#include "xb_fgemm.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_error.h"

#if defined(__x86_64__) && !defined(XB_NO_CLONES)
#include <immintrin.h>
#define XB_HAVE_X86_PATHS 1
#endif

#define XB_INLINE static inline __attribute__((always_inline))

/* The final combination of the contract, one element. */
XB_INLINE float combine(float acc, float alpha, float beta, const float *c)
{
    return beta == 0.0f ? alpha * acc : fmaf(alpha, acc, beta * *c);
}

/* ---- the plain C path ---------------------------------------------------- */

static void fgemm_scalar(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb, float beta,
                         float *C, size_t ldc)
{
    const size_t sa_i = ta ? 1 : lda, sa_p = ta ? lda : 1;
    const size_t sb_p = tb ? 1 : ldb, sb_j = tb ? ldb : 1;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            const float *a = A + i * sa_i, *b = B + j * sb_j;
            float acc = 0.0f;
            for (size_t p = 0; p < k; p++)
                acc = fmaf(a[p * sa_p], b[p * sb_p], acc);
            C[i * ldc + j] = combine(acc, alpha, beta, C + i * ldc + j);
        }
}

#ifdef XB_HAVE_X86_PATHS
#define XB_AVX2 __attribute__((target("avx2,fma")))
#define XB_AVX512 __attribute__((target("avx512f,avx2,fma")))

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/* SLACK: the transposing packer may store up to 7 floats past the end of
 * a panel (see pack_t). PAD: the gap between B panels (see drive). */
#define SLACK 16
#define PAD 16

/* The 8 × 8 transpose of r (r[q][l] becomes r[l][q]). */
XB_INLINE XB_AVX2 void transpose8(__m256 r[8])
{
    __m256 t[8], s[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) {
        s[4 * h + 0] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], _MM_SHUFFLE(3, 2, 3, 2));
        s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(1, 0, 1, 0));
        s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(s[i], s[4 + i], 0x20);
        r[4 + i] = _mm256_permute2f128_ps(s[i], s[4 + i], 0x31);
    }
}

/* A panel of W lanes from a source whose lanes are contiguous along p:
 * dst[p·W + l] = src[l·ld + p] for l < w, 0 for w <= l < W, p < kc.
 * Blocks of 8 lanes × 8 steps go through an 8 × 8 transpose. When W is not
 * a multiple of 8 the last lane block stores 8 floats anyway, spilling into
 * the first lanes of the next step; it is done first, so the other blocks
 * (and the next step's stores, and the scalar tail) overwrite the spill.
 * The last step's spill lands in the slack after the panel. Only A's edge
 * panel has such a W (MR = 6 or 12; NR is 16 or 32). */
XB_INLINE XB_AVX2 void pack_t(float *restrict dst, const size_t W, const float *restrict src,
                              size_t ld, size_t w, size_t kc)
{
    const size_t kc8 = kc / 8 * 8;
    for (size_t g = (W + 7) / 8; g-- > 0;) {
        const size_t l0 = 8 * g;
        for (size_t p = 0; p < kc8; p += 8) {
            __m256 r[8];
            for (size_t l = 0; l < 8; l++)
                r[l] = l0 + l < w ? _mm256_loadu_ps(src + (l0 + l) * ld + p) : _mm256_setzero_ps();
            transpose8(r);
            for (size_t q = 0; q < 8; q++)
                _mm256_storeu_ps(dst + (p + q) * W + l0, r[q]);
        }
    }
    for (size_t p = kc8; p < kc; p++)
        for (size_t l = 0; l < W; l++)
            dst[p * W + l] = l < w ? src[l * ld + p] : 0.0f;
}

/* Panels of W lanes from a source whose steps are contiguous along the
 * lanes: panel q (at dst + q·ps) holds dst[p·W + l] = src[p·ld + q·W + l]
 * for q·W + l < width, 0 past it. Step by step across the panels, so the
 * source is read in order. */
XB_INLINE XB_AVX2 void pack_n(float *restrict dst, const size_t W, size_t ps,
                              const float *restrict src, size_t ld, size_t width, size_t kc)
{
    const size_t full = width / W, rest = width % W;
    for (size_t p = 0; p < kc; p++) {
        const float *s = src + p * ld;
        for (size_t q = 0; q < full; q++)
            memcpy(dst + q * ps + p * W, s + q * W, W * sizeof *dst);
        if (rest) {
            float *d = dst + full * ps + p * W;
            memcpy(d, s + full * W, rest * sizeof *dst);
            memset(d + rest, 0, (W - rest) * sizeof *dst);
        }
    }
}

/* The final combination of a part tile (mr rows, nr columns) from an
 * accumulator tile acc[MR × ld]. */
XB_INLINE void combine_tile(const float *acc, size_t ld, float *C, size_t ldc, size_t mr,
                            size_t nr, float alpha, float beta)
{
    for (size_t r = 0; r < mr; r++)
        for (size_t j = 0; j < nr; j++)
            C[r * ldc + j] = combine(acc[r * ld + j], alpha, beta, C + r * ldc + j);
}

/* A micro-kernel call: kc steps on one MR × NR tile. a(i,p) of the tile's
 * rows at a[i·rs + p·cs] (A in place, or the packed edge panel: rs 1,
 * cs MR); b: the B panel, b(p,j) at b[p·NR + j]. The accumulators start at
 * zero (first) or from the tile at part, and end in part (not last) or
 * combined into C's mr × nr corner (last). */
typedef void tile_fn(size_t kc, const float *a, size_t rs, size_t cs, const float *b,
                     float *part, int first, int last, float *C, size_t ldc, size_t mr,
                     size_t nr, float alpha, float beta);

/* AVX2: 6 × 16, twelve accumulators (latency 4 × two FMA ports needs
 * eight chains in flight), two B loads and one broadcast: 15 of the 16
 * registers. */
#define MR2 6
#define NR2 16

static XB_AVX2 void tile_avx2(size_t kc, const float *restrict a, size_t rs, size_t cs,
                              const float *restrict b, float *restrict part, int first, int last,
                              float *C, size_t ldc, size_t mr, size_t nr, float alpha,
                              float beta)
{
    __m256 c[MR2][2];
#pragma GCC unroll 16
    for (int r = 0; r < MR2; r++)
        for (int v = 0; v < 2; v++)
            c[r][v] = first ? _mm256_setzero_ps() : _mm256_load_ps(part + r * NR2 + 8 * v);
    const float *ap[MR2];
#pragma GCC unroll 16
    for (int r = 0; r < MR2; r++)
        ap[r] = a + (size_t)r * rs;
    size_t o = 0;
    for (size_t p = 0; p < kc; p++, o += cs) {
        const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 16
        for (int r = 0; r < MR2; r++) {
            const __m256 ar = _mm256_broadcast_ss(ap[r] + o);
            c[r][0] = _mm256_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm256_fmadd_ps(ar, b1, c[r][1]);
        }
        b += NR2;
    }
    if (last && mr == MR2 && nr == NR2) {
        const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 16
        for (int r = 0; r < MR2; r++)
            for (int v = 0; v < 2; v++) {
                float *cp = C + r * ldc + 8 * v;
                __m256 y = beta == 0.0f
                               ? _mm256_mul_ps(va, c[r][v])
                               : _mm256_fmadd_ps(va, c[r][v], _mm256_mul_ps(vb, _mm256_loadu_ps(cp)));
                _mm256_storeu_ps(cp, y);
            }
        return;
    }
    float tmp[MR2 * NR2] __attribute__((aligned(32)));
    float *dst = last ? tmp : part;
#pragma GCC unroll 16
    for (int r = 0; r < MR2; r++)
        for (int v = 0; v < 2; v++)
            _mm256_store_ps(dst + r * NR2 + 8 * v, c[r][v]);
    if (last)
        combine_tile(tmp, NR2, C, ldc, mr, nr, alpha, beta);
}

/* AVX-512: 12 × 32, 24 accumulators, two B loads and one broadcast: 27
 * of the 32 registers. Measured 1.8-1.9 times the AVX2 kernel's speed on
 * Zen 5 (two 512-bit FMA units). */
#define MR5 12
#define NR5 32

static XB_AVX512 void tile_avx512(size_t kc, const float *restrict a, size_t rs, size_t cs,
                                  const float *restrict b, float *restrict part, int first,
                                  int last, float *C, size_t ldc, size_t mr, size_t nr,
                                  float alpha, float beta)
{
    __m512 c[MR5][2];
#pragma GCC unroll 16
    for (int r = 0; r < MR5; r++)
        for (int v = 0; v < 2; v++)
            c[r][v] = first ? _mm512_setzero_ps() : _mm512_load_ps(part + r * NR5 + 16 * v);
    const float *ap[MR5];
#pragma GCC unroll 16
    for (int r = 0; r < MR5; r++)
        ap[r] = a + (size_t)r * rs;
    size_t o = 0;
    for (size_t p = 0; p < kc; p++, o += cs) {
        const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
        for (int r = 0; r < MR5; r++) {
            const __m512 ar = _mm512_set1_ps(ap[r][o]);
            c[r][0] = _mm512_fmadd_ps(ar, b0, c[r][0]);
            c[r][1] = _mm512_fmadd_ps(ar, b1, c[r][1]);
        }
        b += NR5;
    }
    if (last && mr == MR5 && nr == NR5) {
        const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
        for (int r = 0; r < MR5; r++)
            for (int v = 0; v < 2; v++) {
                float *cp = C + r * ldc + 16 * v;
                __m512 y = beta == 0.0f
                               ? _mm512_mul_ps(va, c[r][v])
                               : _mm512_fmadd_ps(va, c[r][v], _mm512_mul_ps(vb, _mm512_loadu_ps(cp)));
                _mm512_storeu_ps(cp, y);
            }
        return;
    }
    float tmp[MR5 * NR5] __attribute__((aligned(64)));
    float *dst = last ? tmp : part;
#pragma GCC unroll 16
    for (int r = 0; r < MR5; r++)
        for (int v = 0; v < 2; v++)
            _mm512_store_ps(dst + r * NR5 + 16 * v, c[r][v]);
    if (last)
        combine_tile(tmp, NR5, C, ldc, mr, nr, alpha, beta);
}

/* Cache blocks. KC steps of a B panel (KC × NR floats) stay in L1; the
 * rows of an MC × KC block of A (96 KB) in L2; MB rows bound the
 * carried-accumulator workspace (MB × NC floats), needed only when k > KC.
 * The figures barely matter on the engine's shapes (MC 48-192, KC 192-512
 * measured within 1 %). */
struct blocking {
    size_t mr, nr, mc, kc, nc, mb;
};

/* The blocked product, for a micro-kernel of MR × NR. k >= 1. */
XB_INLINE XB_AVX2 void drive(const struct blocking *bk, tile_fn *tile, int ta, int tb, size_t m,
                             size_t n, size_t k, float alpha, const float *A, size_t lda,
                             const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    const size_t MR = bk->mr, NR = bk->nr;
    /* k in near-equal blocks of at most KC: the split does not change the
     * result (the accumulators are carried exactly), and no block is tiny. */
    const size_t nkb = (k + bk->kc - 1) / bk->kc, kcb = (k + nkb - 1) / nkb;
    const size_t ncap = round_up(min_sz(n, bk->nc), NR);
    const size_t ptiles = nkb > 1 ? round_up(min_sz(m, bk->mb), MR) / MR * (ncap / NR) : 0;
    /* One A panel (the edge); B panels kc·NR + PAD floats apart: whole
     * multiples of 4 KB would put the stores of a packing step across the
     * panels in one L1 set. */
    const size_t a_len = round_up(kcb * MR + SLACK, 16);
    const size_t b_len = round_up(ncap / NR * (kcb * NR + PAD) + SLACK, 16);
    float *ws = xb_aligned(a_len + b_len + ptiles * MR * NR, sizeof(float));
    float *Ap = ws, *Bp = ws + a_len, *part = nkb > 1 ? Bp + b_len : NULL;

    for (size_t ib = 0; ib < m; ib += bk->mb) {
        const size_t mb = min_sz(bk->mb, m - ib);
        for (size_t jc = 0; jc < n; jc += bk->nc) {
            const size_t nc = min_sz(bk->nc, n - jc);
            for (size_t kb = 0; kb < nkb; kb++) {
                const size_t p0 = kb * kcb, kc = min_sz(kcb, k - p0);
                const int first = kb == 0, last = kb == nkb - 1;
                const size_t psb = kc * NR + PAD;
                if (tb)
                    for (size_t jr = 0; jr < nc; jr += NR)
                        pack_t(Bp + jr / NR * psb, NR, B + (jc + jr) * ldb + p0, ldb,
                               min_sz(NR, nc - jr), kc);
                else
                    pack_n(Bp, NR, psb, B + p0 * ldb + jc, ldb, nc, kc);
                for (size_t ic = 0; ic < mb; ic += bk->mc) {
                    const size_t mc = min_sz(bk->mc, mb - ic);
                    /* A is read in place; only a last panel of fewer
                     * than MR rows is packed, with zero rows up to MR. */
                    const size_t mfull = mc / MR * MR, i_edge = ib + ic + mfull;
                    if (mfull < mc) {
                        if (ta)
                            pack_n(Ap, MR, 0, A + p0 * lda + i_edge, lda, mc - mfull, kc);
                        else
                            pack_t(Ap, MR, A + i_edge * lda + p0, lda, mc - mfull, kc);
                    }
                    for (size_t jr = 0; jr < nc; jr += NR)
                        for (size_t ir = 0; ir < mc; ir += MR) {
                            float *pt = part ? part + (((ic + ir) / MR) * (ncap / NR) + jr / NR) *
                                                          MR * NR
                                             : NULL;
                            const size_t i0 = ib + ic + ir;
                            const int packed = ir == mfull;
                            const float *a = packed ? Ap
                                             : ta   ? A + p0 * lda + i0
                                                    : A + i0 * lda + p0;
                            const size_t rs = packed || ta ? 1 : lda;
                            const size_t cs = packed ? MR : ta ? lda : 1;
                            tile(kc, a, rs, cs, Bp + jr / NR * psb, pt, first, last,
                                 C + (ib + ic + ir) * ldc + jc + jr, ldc, min_sz(MR, mc - ir),
                                 min_sz(NR, nc - jr), alpha, beta);
                        }
                }
            }
        }
    }
    xb_free(ws);
}

static const struct blocking block_avx2 = {MR2, NR2, 96, 256, 512, 768};
static const struct blocking block_avx512 = {MR5, NR5, 96, 256, 512, 768};

static XB_AVX2 void fgemm_avx2(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                               const float *A, size_t lda, const float *B, size_t ldb,
                               float beta, float *C, size_t ldc)
{
    drive(&block_avx2, tile_avx2, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

static XB_AVX512 void fgemm_avx512(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
                                   const float *A, size_t lda, const float *B, size_t ldb,
                                   float beta, float *C, size_t ldc)
{
    drive(&block_avx512, tile_avx512, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif

/* ---- dispatch ------------------------------------------------------------ */

/* __builtin_cpu_supports reads the processor model libgcc fills in once,
 * in a constructor before main (including whether the OS saves the wide
 * registers): a load and a test per call, no state of ours. */
int xb_fgemm_isa_available(enum xb_fgemm_isa isa)
{
    switch (isa) {
    case XB_FGEMM_SCALAR:
        return 1;
#ifdef XB_HAVE_X86_PATHS
    case XB_FGEMM_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case XB_FGEMM_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma");
#endif
    default:
        return 0;
    }
}

enum xb_fgemm_isa xb_fgemm_isa_best(void)
{
    if (xb_fgemm_isa_available(XB_FGEMM_AVX512))
        return XB_FGEMM_AVX512;
    if (xb_fgemm_isa_available(XB_FGEMM_AVX2))
        return XB_FGEMM_AVX2;
    return XB_FGEMM_SCALAR;
}

const char *xb_fgemm_isa_name(enum xb_fgemm_isa isa)
{
    switch (isa) {
    case XB_FGEMM_SCALAR:
        return "scalar";
    case XB_FGEMM_AVX2:
        return "avx2";
    case XB_FGEMM_AVX512:
        return "avx512";
    }
    return "?";
}

void xb_fgemm_isa(enum xb_fgemm_isa isa, int trans_a, int trans_b, size_t m, size_t n, size_t k,
                  float alpha, const float *A, size_t lda, const float *B, size_t ldb,
                  float beta, float *C, size_t ldc)
{
    XB_ASSERT(xb_fgemm_isa_available(isa));
    XB_ASSERT(lda >= (trans_a ? m : k) && ldb >= (trans_b ? k : n) && ldc >= n);
    if (m == 0 || n == 0)
        return;
    /* k = 0 is only the final combination of acc = 0. */
    if (isa == XB_FGEMM_SCALAR || k == 0) {
        fgemm_scalar(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#ifdef XB_HAVE_X86_PATHS
    if (isa == XB_FGEMM_AVX512)
        fgemm_avx512(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    else
        fgemm_avx2(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

void xb_fgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
              size_t ldc)
{
    xb_fgemm_isa(xb_fgemm_isa_best(), trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C,
                 ldc);
}
