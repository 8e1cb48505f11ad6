/*
 * The OpenMP runtime queries: see xb_omp.h.
 */
#include "xb_omp.h"

#include "xb_error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int xb_omp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int xb_omp_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

int xb_omp_in_parallel(void)
{
#ifdef _OPENMP
    return omp_in_parallel() ? 1 : 0;
#else
    return 0;
#endif
}

void xb_omp_set_threads(int n)
{
    XB_ASSERT(n >= 1);
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
}

int xb_omp_threads_for(int slots)
{
    int n = xb_omp_max_threads();
    return n < slots ? n : slots;
}
