/*
 * One work item's product: see xb_sgemm.h.
 */
#include "xb_sgemm.h"

#include <cblas.h>
#include <limits.h>

#include "xb_error.h"
#include "xb_fgemm.h"
#include "xb_omp.h"

static void native(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
                   size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void xb_sgemm(enum xb_gemm_impl impl, int trans_a, int trans_b, size_t m, size_t n, size_t k,
              float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
              float *C, size_t ldc)
{
    XB_ASSERT(impl == XB_GEMM_NATIVE || impl == XB_GEMM_PORTABLE);
    XB_ASSERT(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && lda <= INT_MAX &&
              ldb <= INT_MAX && ldc <= INT_MAX);
    if (m == 0 || n == 0)
        return;
    if (impl == XB_GEMM_PORTABLE) {
        xb_fgemm(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* OpenBLAS's OpenMP build threads a call made outside an active region
     * with omp_get_max_threads() threads: make it one (this task's ICV only,
     * restored at once). */
    const int nt = xb_omp_in_parallel() ? 1 : xb_omp_max_threads();
    if (nt > 1)
        xb_omp_set_threads(1);
    native(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    if (nt > 1)
        xb_omp_set_threads(nt);
}

const char *xb_gemm_impl_name(enum xb_gemm_impl impl)
{
    return impl == XB_GEMM_PORTABLE ? "portable" : "native";
}
