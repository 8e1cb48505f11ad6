#include "xb_calib.h"

#include <math.h>

#include <gsl/gsl_statistics_float.h>

/* GSL's quantile of sorted data needs only the two order statistics its
 * linear interpolation reads, so they are selected (O(n), GSL's
 * quickselect) instead of sorting everything: a full sort of every tile's
 * outputs was 54 % of `xbar mvm` at batch 25,600. The interpolation below
 * is gsl_stats_float_quantile_from_sorted_data's, term for term, so the
 * range is the same number as before. */
double xb_calib_abs_percentile(float *v, size_t n, double pct)
{
    if (n == 0)
        return 0.0;
    float max = 0.0f;
    for (size_t i = 0; i < n; i++) {
        v[i] = fabsf(v[i]);
        max = v[i] > max ? v[i] : max;
    }
    const double index = pct / 100.0 * (double)(n - 1);
    const size_t lhs = (size_t)(int)index;
    const double delta = index - (double)lhs;
    if (lhs >= n - 1)
        return (double)max;
    const float a = gsl_stats_float_select(v, 1, n, lhs);
    const float b = gsl_stats_float_select(v, 1, n, lhs + 1);
    return (1 - delta) * (double)a + delta * (double)b;
}
