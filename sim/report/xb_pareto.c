#include "xb_pareto.h"

#include <math.h>

/* 1 if point a beats point b: no worse in both, better in one. */
static int beats(double cost_a, double acc_a, double cost_b, double acc_b)
{
    return cost_a <= cost_b && acc_a >= acc_b && (cost_a < cost_b || acc_a > acc_b);
}

size_t xb_pareto_front(const double *cost, const double *acc, size_t n, unsigned char *on)
{
    size_t count = 0;
    for (size_t k = 0; k < n; k++) {
        on[k] = !isnan(cost[k]) && !isnan(acc[k]);
        for (size_t j = 0; j < n && on[k]; j++)
            if (j != k && !isnan(cost[j]) && !isnan(acc[j]) &&
                beats(cost[j], acc[j], cost[k], acc[k]))
                on[k] = 0;
        count += on[k];
    }
    return count;
}
