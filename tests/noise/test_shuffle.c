/*
 * test_shuffle.c — the one seeded shuffle, xb_permutation (noise/xb_rng.h):
 * a known permutation, and uniformity over all orders by Pearson's X²
 * against a bound from the chi-square quantile (the derivation is beside
 * the test). Split from test_rng.c to keep files short.
 */
#include <criterion/criterion.h>

#include <gsl/gsl_cdf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_rng.h"

static struct xb_stream stream(uint64_t seed, enum xb_purpose purpose, uint32_t sample)
{
    struct xb_addr a = {.purpose = purpose, .sample = sample};
    return xb_stream_at(seed, &a);
}

/* ---- the shuffle: xb_permutation ------------------------------------------ */

/* Known answer: the permutation of 12 items for seed 42, TEST stream sample
 * 7, as computed by the Fisher–Yates loops that xb_permutation replaced
 * (models/train/xb_train.c and sim/data/xb_data.c at 8a4b398, run on this stream):
 * every stored epoch order and data split rests on these numbers. */
Test(shuffle, known_permutation)
{
    const uint32_t want[12] = {11, 1, 3, 4, 7, 8, 0, 9, 6, 5, 2, 10};
    uint32_t p[12];
    struct xb_stream s = stream(42, XB_PURPOSE_TEST, 7);
    xb_permutation(&s, 12, p);
    for (int i = 0; i < 12; i++)
        cr_assert_eq(p[i], want[i], "perm[%d] = %u, expected %u", i, p[i], want[i]);
    /* n = 0 and 1 need no draw. */
    p[0] = 99;
    xb_permutation(&s, 1, p);
    cr_assert_eq(p[0], 0);
    xb_permutation(&s, 0, NULL);
}

/* Rank of a permutation of n <= 8 items in [0, n!): its Lehmer code. */
static size_t lehmer_rank(const uint32_t *p, int n)
{
    size_t r = 0;
    for (int i = 0; i < n; i++) {
        size_t smaller = 0;
        for (int j = i + 1; j < n; j++)
            smaller += p[j] < p[i];
        r = r * (size_t)(n - i) + smaller;
    }
    return r;
}

/* Uniformity: N permutations of n items from N streams (samples 0 .. N-1)
 * are N independent draws of a multinomial over the n! orders, each of
 * probability 1/n!. Pearson's X² over the n! cells is then asymptotically
 * chi-square with n! - 1 degrees of freedom; with N / n! = 1000 expected per
 * cell the approximation is far inside the needed accuracy (the usual rule
 * asks for >= 5). The bound is the chi-square quantile of upper tail 1e-6:
 * a correct shuffle fails it for one seed in a million. Wrong ones do not
 * pass: Sattolo's j = floor(u·(i-1)) reaches only the (n-1)! cyclic orders
 * (X² = N·(n! / (n-1)! - 1), ~10^5), and a loop that stops before the last
 * step (i > 2) never swaps the first two positions, leaving half the orders
 * empty (X² = N). */
static void check_uniform(int n, size_t N)
{
    size_t cells = 1;
    for (int k = 2; k <= n; k++)
        cells *= (size_t)k;
    size_t *count = calloc(cells, sizeof *count);
    uint32_t p[8];
    for (size_t k = 0; k < N; k++) {
        struct xb_stream s = stream(2026, XB_PURPOSE_TEST, (uint32_t)k);
        xb_permutation(&s, (size_t)n, p);
        count[lehmer_rank(p, n)]++;
    }
    const double want = (double)N / (double)cells;
    double x2 = 0.0;
    for (size_t c = 0; c < cells; c++)
        x2 += ((double)count[c] - want) * ((double)count[c] - want) / want;
    const double bound = gsl_cdf_chisq_Qinv(1e-6, (double)(cells - 1));
    cr_assert_lt(x2, bound, "n = %d: X² = %.1f over %zu orders, bound %.1f", n, x2, cells,
                 bound);
    cr_log_info("n = %d: X² = %.1f, bound %.1f", n, x2, bound);
    free(count);
}

Test(shuffle, uniform_over_all_orders_of_4) { check_uniform(4, 24000); }
Test(shuffle, uniform_over_all_orders_of_5) { check_uniform(5, 120000); }
