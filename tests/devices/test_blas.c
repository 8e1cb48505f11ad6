/*
 * The BLAS xbar links must be OpenBLAS's OpenMP build, so that BLAS and the
 * engine's OpenMP loops share one thread pool (ARCHITECTURE.md §10: the pthread
 * build's spinning workers made OpenMP loops 11–23× slower).
 */
#include <cblas.h>
#include <criterion/criterion.h>
#include <omp.h>
#include <string.h>

#include "xb_sgemm.h"

Test(blas, openblas_is_the_openmp_build)
{
    /* 0 sequential, 1 pthreads, 2 OpenMP. */
    cr_assert_eq(openblas_get_parallel(), 2, "openblas_get_parallel() = %d, want 2 (OpenMP)",
                 openblas_get_parallel());
}

Test(blas, sgemm_is_single_threaded_inside_a_parallel_region)
{
    /* The engine calls sgemm inside its own parallel region; OpenBLAS must
     * then run it on the calling thread alone, which it does when it sees
     * omp_in_parallel(). OpenBLAS's results depend on its thread count in
     * the last bits, so a product computed there equals the product of a
     * one-thread call outside, bit for bit. */
    enum { M = 640, N = 256, K = 784 };
    static float A[M * K], B[N * K], C1[M * N], C2[M * N];
    for (int k = 0; k < M * K; k++)
        A[k] = (float)((k * 37) % 101 - 50) / 50.0f;
    for (int k = 0; k < N * K; k++)
        B[k] = (float)((k * 53) % 97 - 48) / 48.0f;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C1, N);
    omp_set_num_threads(saved);
    int in_parallel = 0;
#pragma omp parallel num_threads(2) default(none) shared(A, B, C2, in_parallel)
    {
#pragma omp single
        {
            in_parallel = omp_in_parallel();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K,
                        0.0f, C2, N);
        }
    }
    cr_assert(in_parallel || omp_get_max_threads() == 1);
    for (int k = 0; k < M * N; k++)
        cr_assert_eq(C1[k], C2[k], "element %d differs", k);
}

/* xb_sgemm runs every call on one thread, wherever it is called from: at
 * the top level with two threads (where OpenBLAS would split the rows
 * between them, and under its Haswell and Zen kernels then sum the edge
 * rows in another order), in a team of one (omp_in_parallel() is false
 * there too), and inside a parallel region. All give the one-thread bits,
 * and the caller's thread count is restored. */
Test(blas, xb_sgemm_is_single_threaded_everywhere)
{
    enum { M = 300, N = 520, K = 256 };
    static float A[M * K], B[N * K], C1[M * N], C2[M * N], C3[M * N], C4[M * N];
    for (int k = 0; k < M * K; k++)
        A[k] = (float)((k * 37) % 101 - 50) / 50.0f;
    for (int k = 0; k < N * K; k++)
        B[k] = (float)((k * 53) % 97 - 48) / 48.0f;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f, C1, N);
    omp_set_num_threads(2);
    xb_sgemm(XB_GEMM_NATIVE, 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C2, N);
    cr_assert_eq(omp_get_max_threads(), 2, "xb_sgemm did not restore the thread count");
#pragma omp parallel num_threads(1) default(none) shared(A, B, C3)
    xb_sgemm(XB_GEMM_NATIVE, 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C3, N);
#pragma omp parallel num_threads(2) default(none) shared(A, B, C4)
    {
#pragma omp single
        xb_sgemm(XB_GEMM_NATIVE, 0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C4, N);
    }
    omp_set_num_threads(saved);
    cr_assert(memcmp(C1, C2, sizeof C1) == 0, "top level, 2 threads: differs from 1 thread");
    cr_assert(memcmp(C1, C3, sizeof C1) == 0, "a team of one: differs from 1 thread");
    cr_assert(memcmp(C1, C4, sizeof C1) == 0, "inside a region: differs from 1 thread");
}
