/*
 * The BLAS xbar links must be OpenBLAS's OpenMP build, so that BLAS and the
 * engine's OpenMP loops share one thread pool (DESIGN.md §7: the pthread
 * build's spinning workers made OpenMP loops 11–23× slower).
 */
#include <cblas.h>
#include <criterion/criterion.h>
#include <omp.h>

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
