/*
 * The front of points no other beats (sim/report/xb_pareto), by hand.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "xb_pareto.h"

/* (cost, accuracy):
 *   0 (1, 50)   on: nothing cheaper is as accurate
 *   1 (2, 60)   on
 *   2 (2, 55)   beaten by 1 (same cost, less accurate)
 *   3 (3, 60)   beaten by 1 (dearer, as accurate)
 *   4 (0.5, 40) on: the cheapest
 *   5 (NaN, 99) never on, and beats nothing
 *   6 (1, 50)   on: equal to 0, and equal points do not beat each other
 *   7 (4, NaN)  never on
 *   8 (5, 70)   on: the most accurate */
Test(pareto, front_by_hand)
{
    const double cost[] = {1, 2, 2, 3, 0.5, NAN, 1, 4, 5};
    const double acc[] = {50, 60, 55, 60, 40, 99, 50, NAN, 70};
    const unsigned char want[] = {1, 1, 0, 0, 1, 0, 1, 0, 1};
    unsigned char on[9];
    cr_assert_eq(xb_pareto_front(cost, acc, 9, on), 5);
    for (size_t k = 0; k < 9; k++)
        cr_assert_eq(on[k], want[k], "point %zu", k);
}

/* Along a front every point is on it; a point that beats all leaves it alone. */
Test(pareto, chain_and_dominant)
{
    double cost[6], acc[6];
    unsigned char on[6];
    for (size_t k = 0; k < 6; k++) {
        cost[k] = (double)k;
        acc[k] = 10.0 * (double)k;
    }
    cr_assert_eq(xb_pareto_front(cost, acc, 6, on), 6);
    cost[5] = -1; /* the cheapest and the most accurate */
    cr_assert_eq(xb_pareto_front(cost, acc, 6, on), 1);
    cr_assert_eq(on[5], 1);
}
