#include "xb_ci.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

#include "xb_error.h"

double xb_ci_t_quantile(double level, double dof)
{
    XB_ASSERT(level > 0 && level < 1 && dof >= 1);
    return gsl_cdf_tdist_Pinv(0.5 * (1 + level), dof);
}

void xb_ci_mean(const double *x, size_t n, size_t stride, double level, struct xb_ci *out)
{
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isnan(v)) {
            sum += v;
            m++;
        }
    }
    out->n = m;
    out->mean = m ? sum / (double)m : (double)NAN;
    out->sd = (double)NAN;
    out->half = (double)NAN;
    if (m < 2)
        return;
    /* Two passes: the squares of deviations, not of values, keep the
     * variance of near-equal accuracies exact. */
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isnan(v))
            ss += (v - out->mean) * (v - out->mean);
    }
    out->sd = sqrt(ss / (double)(m - 1));
    out->half = xb_ci_t_quantile(level, (double)(m - 1)) * out->sd / sqrt((double)m);
}
