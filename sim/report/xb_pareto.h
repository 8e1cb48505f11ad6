/*
 * xb_pareto.h — the points that no other point beats: of a set of
 * (cost, accuracy) pairs, those for which no other pair costs no more and
 * is at least as accurate, and better in one of the two. The accuracy-vs-
 * energy and accuracy-vs-latency figures mark them (xb_plot.h). Pure.
 */
#ifndef XB_PARETO_H
#define XB_PARETO_H

#include <stddef.h>

/* on[k] = 1 if point k (cost[k], acc[k]) is on the front, else 0; points
 * with a NaN coordinate are never on it and beat nothing. Equal points are
 * all on the front (none beats the other). Returns the number on it.
 * O(n^2): the sets are a sweep's models x votes. */
size_t xb_pareto_front(const double *cost, const double *acc, size_t n, unsigned char *on);

#endif
