/*
 * xb_calib.h — order statistics for converter calibration.
 *
 * Kept in its own translation unit because it uses GSL's statistics,
 * whose headers must not meet OpenBLAS's cblas.h (ARCHITECTURE.md §10).
 */
#ifndef XB_CALIB_H
#define XB_CALIB_H

#include <stddef.h>

/* The pct-th percentile (0 < pct <= 100) of |v[0..n)|, by GSL's linear
 * interpolation between order statistics (the value of
 * gsl_stats_float_quantile_from_sorted_data on |v| sorted). Reorders v in
 * place (it becomes |v|, partly ordered). pct = 100 is the maximum, found
 * by one pass; otherwise two O(n) selections. Returns 0 for n = 0. */
double xb_calib_abs_percentile(float *v, size_t n, double pct);

#endif
