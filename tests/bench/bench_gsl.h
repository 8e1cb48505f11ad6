/*
 * bench_gsl.h — GSL's Gaussian generators for the benchmark, in a
 * translation unit of their own: gsl/gsl_randist.h pulls in gsl_cblas.h,
 * which clashes with OpenBLAS's cblas.h (ARCHITECTURE.md §10, header clash).
 */
#ifndef XB_BENCH_GSL_H
#define XB_BENCH_GSL_H

#include <stddef.h>

struct bench_gsl_rng;

/* A gsl_rng_taus2 generator seeded with seed. Free with bench_gsl_rng_free. */
struct bench_gsl_rng *bench_gsl_rng_create(unsigned long seed);
void bench_gsl_rng_free(struct bench_gsl_rng *r);

/* out[i] = gsl_ran_gaussian_ziggurat(r, 1.0), i < n, stored as float like
 * xb_normal_fill's output. */
void bench_gsl_ziggurat_fill(struct bench_gsl_rng *r, float *out, size_t n);

#endif
