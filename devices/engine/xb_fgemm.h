/*
 * xb_fgemm.h — a fixed-order single-precision GEMM: the same bits on every
 * x86-64 machine, whatever its vector width (portable mode, issue 8).
 *
 * OpenBLAS picks its kernel by processor, and its kernels sum the inner
 * dimension in different orders (k blocks added into C, split sums), so its
 * last bits change from machine to machine. xb_fgemm fixes the order of
 * every sum and uses one fused multiply-add per term, so each output is one
 * fully specified chain of IEEE operations; the AVX-512, AVX2+FMA and plain
 * C paths all compute that chain and give identical bits.
 *
 * The contract. With a(i,p) = trans_a ? A[p·lda + i] : A[i·lda + p] and
 * b(p,j) = trans_b ? B[j·ldb + p] : B[p·ldb + j], for every 0 <= i < m,
 * 0 <= j < n:
 *
 *   acc = +0.0f;
 *   for p = 0, 1, ..., k − 1 in this order:  acc = fmaf(a(i,p), b(p,j), acc);
 *   beta == 0:  C[i·ldc + j] = alpha · acc          (C is never read, so NaN
 *                                                    or garbage there is ignored)
 *   beta != 0:  C[i·ldc + j] = fmaf(alpha, acc, beta · C[i·ldc + j])
 *
 * each operation rounded to nearest float (IEEE 754 binary32, round to
 * nearest even, denormals kept). So alpha = 1, beta = 0 stores acc itself,
 * and alpha = beta = 1 stores acc + C rounded once. alpha = 0 is not a
 * special case (unlike BLAS, A and B are read and a NaN or infinity there
 * still reaches C through 0 · acc); k = 0 gives acc = +0.
 *
 * Row-major, like cblas_sgemm(CblasRowMajor, ...): op(A) is m × k, op(B)
 * k × n, C m × n; lda >= (trans_a ? m : k), ldb >= (trans_b ? k : n),
 * ldc >= n (checked: a violation aborts as a programmer error). C must not
 * overlap A or B.
 *
 * Single-threaded and thread-safe: callers split the work into items (the
 * result of an element does not depend on the item it is computed in).
 * Each call allocates its packing workspace (at most 2.2 MB) with
 * xb_aligned and frees it (after the first call glibc serves it from the
 * heap: < 0.1 us, measured in one and two threads).
 */
#ifndef XB_FGEMM_H
#define XB_FGEMM_H

#include <stddef.h>

void xb_fgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
              size_t ldc);

/* ---- for tests and benchmarks -------------------------------------------
 * The code paths, to check that they agree bit for bit and to time each.
 * xb_fgemm uses the widest one the processor (and the OS) supports. */
enum xb_fgemm_isa {
    XB_FGEMM_SCALAR = 0, /* plain C with fmaf: any machine */
    XB_FGEMM_AVX2 = 1,   /* AVX2 + FMA micro-kernel (x86-64) */
    XB_FGEMM_AVX512 = 2  /* AVX-512F micro-kernel (x86-64) */
};

/* Whether this machine (and this build) can run the path. */
int xb_fgemm_isa_available(enum xb_fgemm_isa isa);

/* The path xb_fgemm uses here. */
enum xb_fgemm_isa xb_fgemm_isa_best(void);

/* Its name: "scalar", "avx2", "avx512". */
const char *xb_fgemm_isa_name(enum xb_fgemm_isa isa);

/* xb_fgemm on the given path; the path must be available (else aborts). */
void xb_fgemm_isa(enum xb_fgemm_isa isa, int trans_a, int trans_b, size_t m, size_t n, size_t k,
                  float alpha, const float *A, size_t lda, const float *B, size_t ldb,
                  float beta, float *C, size_t ldc);

#endif
