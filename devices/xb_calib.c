#include "xb_calib.h"

#include <math.h>

#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_statistics_float.h>

double xb_calib_abs_percentile(float *v, size_t n, double pct)
{
    if (n == 0)
        return 0.0;
    for (size_t i = 0; i < n; i++)
        v[i] = fabsf(v[i]);
    gsl_sort_float(v, 1, n);
    return gsl_stats_float_quantile_from_sorted_data(v, 1, n, pct / 100.0);
}
