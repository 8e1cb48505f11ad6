/*
 * xb_ci.h — the mean of repeated measurements with a Student-t confidence
 * interval (e.g. accuracy over R noisy evaluations, ARCHITECTURE.md §8).
 *
 * GSL's distribution functions live in xb_ci.c alone: gsl/gsl_cdf.h and
 * its neighbours pull in gsl_cblas.h, which clashes with OpenBLAS's
 * cblas.h (ARCHITECTURE.md §10), so no file that calls BLAS includes them.
 * Pure functions; thread-safe.
 */
#ifndef XB_CI_H
#define XB_CI_H

#include <stddef.h>

struct xb_ci {
    size_t n;    /* values used (the non-NaN ones) */
    double mean; /* NaN when n = 0 */
    double sd;   /* sample standard deviation (n - 1 denominator); NaN when n < 2 */
    double half; /* half-width of the two-sided interval: the mean is in
                    [mean - half, mean + half] at the level asked; NaN when n < 2 */
};

/* Over x[0], x[stride], ..., x[(n - 1) * stride], NaN values skipped:
 * half = t_{(1 + level) / 2, n' - 1} · sd / sqrt(n') with n' the values
 * used. level in (0, 1), e.g. 0.95. */
void xb_ci_mean(const double *x, size_t n, size_t stride, double level, struct xb_ci *out);

/* The two-sided Student-t quantile t_{(1 + level) / 2, dof}: 2.776 for
 * level 0.95 and 4 degrees of freedom. dof >= 1. */
double xb_ci_t_quantile(double level, double dof);

#endif
