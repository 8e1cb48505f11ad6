/*
 * xb_summary.h — a sweep result reduced to the tables of paper 001:
 * Tables 2/3 (accuracy without voting: the σ_train = 0 row, the best row
 * over σ_train, the σ_train that gave it) and Table 7 (no voting, best
 * with K_max votes, the σ_train that gave it), one column per σ_test, as
 * numbers (xb_summary_compute) and as the plain text `xbar info` prints
 * (xb_summary_text).
 *
 * Definitions:
 *   - the accuracy of a point [σ_train, σ_test] without voting is the mean
 *     over its repeats; with voting it is accuracy_vote at K_max (the last
 *     entry of votes). Points not done do not take part.
 *   - "best" is the highest such accuracy over the σ_train done at that
 *     σ_test; ties go to the smaller σ_train (the less noisy training).
 *   - columns are in increasing σ_test, whatever the order in the file.
 * Pure functions of the result; nothing prints; thread-safe.
 */
#ifndef XB_SUMMARY_H
#define XB_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ci.h"
#include "xb_sweep_layout.h"

/* Confidence level of the intervals on repeated evaluations. */
#define XB_SUMMARY_LEVEL 0.95

/* One σ_test column. Accuracies are fractions in [0, 1], NaN if none. */
struct xb_summary_col {
    size_t test;      /* index of this column's σ_test in r->sigma_test */
    int complete;     /* 1 if every σ_train is done at this σ_test */
    double zero;      /* accuracy of the σ_train = 0 model (no voting) */
    double best;      /* best accuracy over σ_train, no voting */
    long best_by;     /* index of the σ_train that gave it, -1 if none */
    double vote_best; /* best accuracy with K_max votes */
    long vote_by;     /* index of the σ_train that gave it, -1 if none */
};

struct xb_summary {
    size_t n_cols;               /* = r->n_test */
    struct xb_summary_col *col;  /* [n_cols], by increasing σ_test */
    long train0;                 /* index of σ_train = 0, -1 if the sweep has none */
    int32_t k_max;               /* votes of the voting table, 0 if no voting */
    size_t n_done, n_points;     /* points done, of n_train × n_test */
};

/* Fills *out (free with xb_summary_free). */
void xb_summary_compute(const struct xb_sweep_result *r, struct xb_summary *out);

/* Accepts NULL and a zeroed struct. */
void xb_summary_free(struct xb_summary *s);

/* The text `xbar info` prints: provenance, then both tables with
 * percentages to one decimal ("99.6%"), "-" where nothing is done, and "*"
 * after a σ_test some σ_train have not reached. Free with xb_free. */
char *xb_summary_text(const struct xb_sweep_result *r);

/* The accuracy without voting of point [i, j]: mean over its repeats with
 * the XB_SUMMARY_LEVEL interval (xb_ci.h); n = 0 and mean NaN if the point
 * is not done. */
void xb_summary_point(const struct xb_sweep_result *r, size_t i, size_t j, struct xb_ci *out);

/* idx[0..n) = the permutation that sorts x increasingly (stable). */
void xb_summary_order(const double *x, size_t n, size_t *idx);

/* A σ as the paper writes it: "0.0", "0.2", "1.0", "0.05", "1e-05". */
void xb_summary_format_sigma(double sigma, char *buf, size_t size);

#endif
