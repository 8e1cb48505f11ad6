/*
 * xb_sgemm.h — one work item's matrix product, the only way xbar calls a
 * GEMM (the engine, the layers, the MVM study).
 *
 * Why one entry point: OpenBLAS's sums differ in the last bits between
 * call shapes and between thread counts (a multi-threaded call partitions
 * M and N by the thread count, and its edge kernels accumulate in another
 * order; seen under the Haswell and Zen kernels, not under SkylakeX). xbar
 * promises the same bits for any thread count, on every kernel, so:
 *
 *  - callers cut each product into work items whose shapes depend on the
 *    problem's shapes alone (never on the thread count) and run them in
 *    an OpenMP loop;
 *  - every item is computed single-threaded, by construction: inside an
 *    active parallel region OpenBLAS's OpenMP build runs one thread; outside
 *    one (a team of one, or no region) xb_sgemm lowers this task's OpenMP
 *    thread count to 1 for the call and restores it, since OpenBLAS would
 *    otherwise follow omp_get_max_threads().
 *
 * The implementation is a per-call choice: OpenBLAS (native: its kernel is
 * picked by CPU, so bits may differ between machines) or xbar's own
 * fixed-order product (portable: the same bits on every x86-64 machine).
 *
 * Row-major float32, the cblas_sgemm convention: C = alpha·op(A)·op(B) +
 * beta·C with op(A) m × k, op(B) k × n. Thread-safe (no state).
 */
#ifndef XB_SGEMM_H
#define XB_SGEMM_H

#include <stddef.h>

/* Portable is the default (0, so zero-initialised settings get it): on the
 * machines measured it costs nothing against OpenBLAS (README, Performance). */
enum xb_gemm_impl {
    XB_GEMM_PORTABLE = 0, /* xbar's fixed-order product: same bits on any AVX2+FMA machine */
    XB_GEMM_NATIVE = 1    /* OpenBLAS, whatever kernel it picked */
};

/* trans_a, trans_b: 0 = as stored, 1 = transposed. */
void xb_sgemm(enum xb_gemm_impl impl, int trans_a, int trans_b, size_t m, size_t n, size_t k,
              float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
              float *C, size_t ldc);

/* "native" or "portable". */
const char *xb_gemm_impl_name(enum xb_gemm_impl impl);

#endif
