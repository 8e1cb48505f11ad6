/*
 * test_rng.c — the counter-based streams and the Gaussian kernel (noise/xb_rng.h).
 *
 *   - Random123's published known answers for philox4x32-10;
 *   - the vectorised kernel of xb_gauss.c equals Random123 word for word
 *     (uniforms bit-exact) and Box–Muller of those words (normals);
 *   - normals: moments, chi-square and Kolmogorov–Smirnov against the normal
 *     CDF, tails, correlations, all within confidence bounds with fixed seeds;
 *   - a value depends only on (seed, address, element): the same for any
 *     partition of a range, any output alignment, any thread count;
 *   - different addresses give different streams.
 *
 * Nothing here is timed.
 */
#include <criterion/criterion.h>

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xb_rng.h"

/* ---- helpers ------------------------------------------------------------ */

static struct xb_stream stream(uint64_t seed, enum xb_purpose purpose, uint32_t sample)
{
    struct xb_addr a = {.purpose = purpose, .sample = sample};
    return xb_stream_at(seed, &a);
}

/* Word w of a stream counted block by block (word w % 4 of the block of
 * counter w / 4), as xb_uniform53 counts them. */
static uint32_t ref_word(const struct xb_stream *s, uint64_t w)
{
    uint32_t b[4];
    xb_philox_block(s, (uint32_t)(w / 4), b);
    return b[w % 4];
}

/* The uniform the kernel makes of a word: (w >> 9) 2^-23 + 2^-24 in float. */
static float ref_uniform(uint32_t w) { return (float)(w >> 9) * 0x1p-23f + 0x1p-24f; }

/* The element layout of xb_rng.h, the one place this file knows it:
 * element e lies in group g = e / 64 at j = e % 64, made from Philox block
 * 16 g + j % 16;
 *   uniform e = word j / 16 of that block;
 *   normal  e = Box–Muller of its word pair (0, 1) if j < 32, else (2, 3):
 *               radius from the first word, angle from the second; the
 *               cosine if j / 16 is even, the sine if odd. */
static uint32_t layout_block(uint64_t e) { return (uint32_t)(16 * (e / 64) + e % 16); }
static int layout_word(uint64_t e) { return (int)(e % 64 / 16); }
/* The element whose uniform is word k of block b. */
static uint64_t layout_element(uint64_t b, int k) { return 64 * (b / 16) + 16 * (uint64_t)k + b % 16; }
/* The element made from the same Box–Muller pair as e (cosine <-> sine). */
static uint64_t layout_partner(uint64_t e) { return layout_word(e) % 2 ? e - 16 : e + 16; }

static float ref_uniform_at(const struct xb_stream *s, uint64_t e)
{
    uint32_t b[4];
    xb_philox_block(s, layout_block(e), b);
    return ref_uniform(b[layout_word(e)]);
}

/* Box–Muller of element e's words in double precision. */
static double ref_normal_at(const struct xb_stream *s, uint64_t e)
{
    uint32_t b[4];
    xb_philox_block(s, layout_block(e), b);
    int pair = layout_word(e) / 2, sine = layout_word(e) % 2;
    double u1 = (double)ref_uniform(b[2 * pair]);
    /* The angle's top 24 bits, centred in their cell. */
    double u2 = (double)(b[2 * pair + 1] >> 8) * 0x1p-24 + 0x1p-25;
    double r = sqrt(-2.0 * log(u1)), t = 2.0 * M_PI * u2;
    return sine ? r * sin(t) : r * cos(t);
}

static uint32_t fbits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* A test-local generator for cut positions (not for the data under test). */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static float *fill_normals(uint64_t seed, uint32_t sample, size_t n)
{
    float *z = malloc(n * sizeof *z);
    cr_assert_not_null(z);
    struct xb_stream s = stream(seed, XB_PURPOSE_TEST, sample);
    xb_normal_fill(&s, 0, n, z);
    return z;
}

struct moments {
    double mean, var, skew, exkurt;
};

static struct moments moments_of(const float *z, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m += (double)z[i];
    m /= (double)n;
    double m2 = 0.0, m3 = 0.0, m4 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)z[i] - m, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    return (struct moments){m, m2, m3 / pow(m2, 1.5), m4 / (m2 * m2) - 3.0};
}

/* Asserts the sample moments of n values are those of N(0,1): mean and
 * variance within 5 standard errors (sqrt(1/n), sqrt(2/n)), skewness and
 * excess kurtosis within 6 (sqrt(6/n), sqrt(24/n)). */
static void assert_standard_normal(const float *z, size_t n, const char *what)
{
    struct moments mo = moments_of(z, n);
    double dn = (double)n;
    cr_assert(fabs(mo.mean) < 5.0 * sqrt(1.0 / dn), "%s: mean %g, bound %g", what, mo.mean,
              5.0 * sqrt(1.0 / dn));
    cr_assert(fabs(mo.var - 1.0) < 5.0 * sqrt(2.0 / dn), "%s: variance %.6f, bound 1 +- %g",
              what, mo.var, 5.0 * sqrt(2.0 / dn));
    cr_assert(fabs(mo.skew) < 6.0 * sqrt(6.0 / dn), "%s: skewness %g", what, mo.skew);
    cr_assert(fabs(mo.exkurt) < 6.0 * sqrt(24.0 / dn), "%s: excess kurtosis %g", what,
              mo.exkurt);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- Philox: Random123's known answers and the vectorised kernel -------- */

/* Random123's kat_vectors for philox4x32 with 10 rounds. */
Test(rng, philox_known_answers)
{
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        struct xb_stream s = {.key = {kat[k].key[0], kat[k].key[1]},
                              .ctr = {kat[k].ctr[1], kat[k].ctr[2], kat[k].ctr[3]}};
        uint32_t out[4];
        xb_philox_block(&s, kat[k].ctr[0], out);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(out[i], kat[k].out[i], "vector %zu word %d: %08x, expected %08x", k,
                         i, out[i], kat[k].out[i]);
    }
}

/* The stream layout of xb_rng.h: key = seed, counter words 1..3 = the
 * address, so the KAT vector with key 0 and counter 0 is block 0 of seed 0,
 * purpose TEST, all indices 0: uniform elements 0, 16, 32, 48. */
Test(rng, stream_layout_matches_header)
{
    static const uint32_t kat0[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    struct xb_stream s = stream(0, XB_PURPOSE_TEST, 0);
    uint32_t b[4];
    xb_philox_block(&s, 0, b);
    float u[64];
    xb_uniform_fill(&s, 0, 64, u);
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(b[k], kat0[k]);
        cr_assert_eq(fbits(u[16 * k]), fbits(ref_uniform(kat0[k])), "element %d", 16 * k);
    }
    /* element 1 is word 0 of block 1 */
    xb_philox_block(&s, 1, b);
    cr_assert_eq(fbits(u[1]), fbits(ref_uniform(b[0])));
}

/* Uniforms of the vectorised kernel equal those of Random123's words,
 * bit for bit, over several streams, starts and lengths. */
Test(rng, uniform_fill_equals_random123)
{
    const uint64_t seeds[] = {0, 1, 0xdeadbeefcafef00dull, 1ull << 32};
    const uint64_t firsts[] = {0, 1, 3, 63, 64, 65, 1000003, (1ull << 33) + 5};
    const size_t n = 5003;
    float *u = malloc(n * sizeof *u);
    for (size_t si = 0; si < sizeof seeds / sizeof seeds[0]; si++) {
        struct xb_addr a = {.purpose = (enum xb_purpose)(si % XB_PURPOSE_COUNT),
                            .layer = (uint32_t)(7 * si),
                            .instance = (uint32_t)si,
                            .sample = (uint32_t)(12345 * si),
                            .vote = (uint32_t)si,
                            .step = (uint32_t)(3 * si)};
        struct xb_stream s = xb_stream_at(seeds[si], &a);
        for (size_t fi = 0; fi < sizeof firsts / sizeof firsts[0]; fi++) {
            uint64_t first = firsts[fi];
            xb_uniform_fill(&s, first, n, u);
            for (size_t i = 0; i < n; i++) {
                float r = ref_uniform_at(&s, first + i);
                if (fbits(u[i]) != fbits(r))
                    cr_assert_fail("seed %zu first %llu element %zu: %.9g, Random123 gives %.9g",
                                   si, (unsigned long long)first, i, (double)u[i], (double)r);
            }
        }
    }
    free(u);
}

/* Normals are Box–Muller of the same words, sqrt(-2 ln u1) cos or sin of
 * 2 pi u2, with u1 the centred uniform of the radius word and
 * u2 = (angle word >> 8) 2^-24, as the layout says. The kernel uses float
 * vector maths, so agreement is to a few float ulps of the angle. */
Test(rng, normal_fill_is_box_muller_of_random123)
{
    const size_t n = 20000;
    float *z = malloc(n * sizeof *z);
    for (uint32_t k = 0; k < 3; k++) {
        struct xb_stream s = stream(1000 + k, XB_PURPOSE_NOISE, k);
        uint64_t first = (uint64_t)k * 1001;
        xb_normal_fill(&s, first, n, z);
        for (size_t i = 0; i < n; i++) {
            uint64_t e = first + i;
            double want = ref_normal_at(&s, e);
            cr_assert(fabs((double)z[i] - want) < 2e-5,
                      "stream %u element %llu: %.7g, Box-Muller of its words gives %.7g", k,
                      (unsigned long long)e, (double)z[i], want);
        }
    }
    free(z);
}

/* ---- uniforms ------------------------------------------------------------ */

Test(rng, uniform_fill_moments_and_range)
{
    const size_t n = 1u << 22;
    float *u = malloc(n * sizeof *u);
    struct xb_stream s = stream(7, XB_PURPOSE_TEST, 3);
    xb_uniform_fill(&s, 0, n, u);
    double m = 0.0, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(u[i] > 0.0f && u[i] < 1.0f, "u[%zu] = %.9g outside (0,1)", i, (double)u[i]);
        m += (double)u[i];
        m2 += (double)u[i] * (double)u[i];
    }
    m /= (double)n;
    double var = m2 / (double)n - m * m;
    /* std error of the mean sqrt(1/12n), of the variance sqrt((1/80 - 1/144)/n) */
    cr_assert(fabs(m - 0.5) < 5.0 * sqrt(1.0 / 12.0 / (double)n), "mean %g", m);
    cr_assert(fabs(var - 1.0 / 12.0) < 5.0 * sqrt((1.0 / 80.0 - 1.0 / 144.0) / (double)n),
              "variance %g", var);
    free(u);
}

/* The header promises (0,1). Search Random123's words for the extreme ones
 * (top 24 bits all ones, all zeros) and check what the kernel makes of
 * them: (2^24 - 1 + 0.5) / 2^24 must not round to 1.0f. */
Test(rng, uniform_fill_extremes_stay_open)
{
    struct xb_stream s = stream(2024, XB_PURPOSE_TEST, 0);
    int64_t hi = -1, lo = -1;
    for (uint32_t b = 0; b < (1u << 26) && (hi < 0 || lo < 0); b++) {
        uint32_t w[4];
        xb_philox_block(&s, b, w);
        for (int j = 0; j < 4; j++) {
            if ((w[j] >> 8) == 0xFFFFFFu && hi < 0)
                hi = (int64_t)layout_element(b, j);
            if ((w[j] >> 8) == 0u && lo < 0)
                lo = (int64_t)layout_element(b, j);
        }
    }
    cr_assert(hi >= 0 && lo >= 0, "no extreme words found");
    float u;
    xb_uniform_fill(&s, (uint64_t)hi, 1, &u);
    cr_assert(u < 1.0f, "element %lld (word top bits 0xFFFFFF) gives %.9g, not < 1",
              (long long)hi, (double)u);
    xb_uniform_fill(&s, (uint64_t)lo, 1, &u);
    cr_assert(u > 0.0f && u <= 0x1p-24f, "element %lld (word top bits 0) gives %.9g",
              (long long)lo, (double)u);
}

Test(rng, uniform53)
{
    const size_t n = 1000000;
    struct xb_stream s = stream(53, XB_PURPOSE_FAULT, 9);
    double m = 0.0, m2 = 0.0;
    for (size_t e = 0; e < n; e++) {
        double u = xb_uniform53(&s, e);
        cr_assert(u > 0.0 && u < 1.0, "uniform53(%zu) = %.17g outside (0,1)", e, u);
        m += u;
        m2 += u * u;
        /* made of words 2e and 2e+1 (top 26 bits each), counted block by
         * block: exactly (hi 2^26 + lo + 1/2) 2^-52 */
        double hi = (double)(ref_word(&s, 2 * e) >> 6), lo = (double)(ref_word(&s, 2 * e + 1) >> 6);
        cr_assert(u * 0x1p52 == hi * 0x1p26 + lo + 0.5,
                  "uniform53(%zu) = %.17g is not words %llu, %llu", e, u,
                  (unsigned long long)(2 * e), (unsigned long long)(2 * e + 1));
    }
    m /= (double)n;
    double var = m2 / (double)n - m * m;
    cr_assert(fabs(m - 0.5) < 5.0 * sqrt(1.0 / 12.0 / (double)n), "mean %g", m);
    cr_assert(fabs(var - 1.0 / 12.0) < 5.0 * sqrt((1.0 / 80.0 - 1.0 / 144.0) / (double)n),
              "variance %g", var);
}

/* ---- normals: distribution ---------------------------------------------- */

Test(rng, normal_moments_one_long_stream)
{
    const size_t n = 1u << 22;
    float *z = fill_normals(42, 0, n);
    assert_standard_normal(z, n, "one stream of 2^22");
    free(z);
}

/* The noise kernels read many short streams (one per row): 2^16 streams of
 * 64 elements, pooled. */
Test(rng, normal_moments_many_short_streams)
{
    const size_t rows = 1u << 16, cols = 64, n = rows * cols;
    float *z = malloc(n * sizeof *z);
    struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = 5};
    struct xb_stream base = xb_stream_at(77, &a);
    for (size_t r = 0; r < rows; r++) {
        struct xb_stream s = xb_stream_row(base, (uint32_t)(r >> 4), (uint32_t)(r & 15));
        xb_normal_fill(&s, 0, cols, z + r * cols);
    }
    assert_standard_normal(z, n, "2^16 streams of 64");
    free(z);
}

/* Chi-square over 200 equiprobable bins and Kolmogorov–Smirnov, both
 * against GSL's normal CDF, on 2^20 draws. Fixed seed: the thresholds
 * (p > 1e-4; sqrt(n) D < 1.95, p ~ 0.001) fail a generator whose scale is
 * 1 % off. */
Test(rng, normal_chisq_and_ks)
{
    const size_t n = 1u << 20;
    const int bins = 200;
    float *z = fill_normals(314159, 2, n);
    double *p = malloc(n * sizeof *p);
    long count[200] = {0};
    for (size_t i = 0; i < n; i++) {
        p[i] = gsl_cdf_ugaussian_P((double)z[i]);
        int b = (int)(p[i] * bins);
        count[b < bins ? b : bins - 1]++;
    }
    double expect = (double)n / bins, chi2 = 0.0;
    for (int b = 0; b < bins; b++)
        chi2 += ((double)count[b] - expect) * ((double)count[b] - expect) / expect;
    double pval = gsl_cdf_chisq_Q(chi2, bins - 1);
    cr_assert(pval > 1e-4, "chi-square %g on %d dof, p = %g", chi2, bins - 1, pval);

    qsort(p, n, sizeof *p, cmp_double);
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lo = p[i] - (double)i / (double)n, hi = (double)(i + 1) / (double)n - p[i];
        d = fmax(d, fmax(lo, hi));
    }
    cr_assert(sqrt((double)n) * d < 1.95, "KS: sqrt(n) D = %g", sqrt((double)n) * d);
    free(p);
    free(z);
}

/* Box–Muller on 24-bit uniforms: |z| <= sqrt(-2 ln 2^-25) = 5.887; the
 * tail fractions beyond 3 and 4 are those of N(0,1) within 5 binomial
 * standard errors. */
Test(rng, normal_tails)
{
    const size_t n = 1u << 24;
    float *z = fill_normals(99, 1, n);
    double zmax = 0.0;
    size_t n3 = 0, n4 = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)z[i]);
        zmax = fmax(zmax, a);
        n3 += a > 3.0;
        n4 += a > 4.0;
    }
    cr_assert(zmax <= 5.78, "max |z| = %g", zmax);
    cr_assert(zmax > 4.5, "max |z| = %g over 2^24 draws: tails missing", zmax);
    const double p3 = 2.0 * gsl_cdf_ugaussian_Q(3.0), p4 = 2.0 * gsl_cdf_ugaussian_Q(4.0);
    const double dn = (double)n;
    cr_assert(fabs((double)n3 - dn * p3) < 5.0 * sqrt(dn * p3 * (1 - p3)),
              "|z| > 3: %zu, expected %.0f", n3, dn * p3);
    cr_assert(fabs((double)n4 - dn * p4) < 5.0 * sqrt(dn * p4 * (1 - p4)),
              "|z| > 4: %zu, expected %.0f", n4, dn * p4);
    free(z);
}

static double corr(const float *x, size_t sx, const float *y, size_t sy, size_t n, int squares)
{
    double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double a = (double)x[i * sx], b = (double)y[i * sy];
        if (squares) {
            a *= a;
            b *= b;
        }
        mx += a;
        my += b;
    }
    mx /= (double)n;
    my /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double a = (double)x[i * sx], b = (double)y[i * sy];
        if (squares) {
            a *= a;
            b *= b;
        }
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
        sxy += (a - mx) * (b - my);
    }
    return sxy / sqrt(sxx * syy);
}

/* The two normals of a Box–Muller pair (cosine and sine of one angle) are
 * uncorrelated, and so are their squares; so are elements at every lag
 * 1..128 (which covers every relation the group layout makes: neighbouring
 * blocks, the other words of a block, the next group) and the same element
 * of neighbouring streams. |r| < 5 / sqrt(n) each. */
Test(rng, normal_correlations)
{
    const size_t n = 1u << 20;
    float *z = fill_normals(5, 0, n);
    float *z2 = fill_normals(5, 1, n);
    /* Box–Muller partners, gathered by the layout */
    const size_t h = n / 2;
    float *c = malloc(h * sizeof *c), *sn = malloc(h * sizeof *sn);
    size_t k = 0;
    for (uint64_t e = 0; e < n; e++)
        if (layout_word(e) % 2 == 0) {
            uint64_t p = layout_partner(e);
            cr_assert(p < n && layout_partner(p) == e);
            c[k] = z[e];
            sn[k++] = z[p];
        }
    cr_assert_eq(k, h);
    double bound = 5.0 / sqrt((double)h), r;
    r = corr(c, 1, sn, 1, h, 0);
    cr_assert(fabs(r) < bound, "Box-Muller partners: correlation %g, bound %g", r, bound);
    r = corr(c, 1, sn, 1, h, 1);
    cr_assert(fabs(r) < bound, "Box-Muller partners, squares: correlation %g", r);
    /* the radius is shared: cos^2 + sin^2 = -2 ln u1 ~ chi^2(2), mean 2, var 4 */
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < h; i++)
        m += (double)c[i] * (double)c[i] + (double)sn[i] * (double)sn[i];
    m /= (double)h;
    for (size_t i = 0; i < h; i++) {
        double q = (double)c[i] * (double)c[i] + (double)sn[i] * (double)sn[i] - m;
        v += q * q;
    }
    v /= (double)h;
    cr_assert(fabs(m - 2.0) < 5.0 * 2.0 / sqrt((double)h), "mean radius^2 %g, want 2", m);
    cr_assert(fabs(v - 4.0) < 5.0 * sqrt(80.0 / (double)h), "var radius^2 %g, want 4", v);
    bound = 5.0 / sqrt((double)n);
    for (size_t lag = 1; lag <= 128; lag++) {
        r = corr(z, 1, z + lag, 1, n - lag, 0);
        cr_assert(fabs(r) < bound, "lag %zu: correlation %g, bound %g", lag, r, bound);
        r = corr(z, 1, z + lag, 1, n - lag, 1);
        cr_assert(fabs(r) < bound, "lag %zu, squares: correlation %g, bound %g", lag, r, bound);
    }
    r = corr(z, 1, z2, 1, n, 0);
    cr_assert(fabs(r) < bound, "neighbouring streams: correlation %g", r);
    r = corr(z, 1, z2, 1, n, 1);
    cr_assert(fabs(r) < bound, "neighbouring streams, squares: correlation %g", r);
    free(c);
    free(sn);
    free(z);
    free(z2);
}

/* ---- a value depends on its address only --------------------------------- */

/* [first, first + n) of a fill equals that slice of one big fill, bit for
 * bit, for random cuts (aligned or not, empty, single, long), into
 * misaligned output pointers, without writing past the end. */
static void check_partitions(int normal)
{
    const size_t big_n = 20000;
    const uint64_t base_first[] = {0, 777};
    float *big = malloc(big_n * sizeof *big);
    float *buf = malloc((big_n + 16) * sizeof *buf);
    uint64_t rs = 12345;
    struct xb_stream s = stream(8, XB_PURPOSE_READ, 4);
    for (size_t bi = 0; bi < 2; bi++) {
        uint64_t f0 = base_first[bi];
        (normal ? xb_normal_fill : xb_uniform_fill)(&s, f0, big_n, big);
        for (int cut = 0; cut < 600; cut++) {
            size_t off = (size_t)(splitmix(&rs) % big_n);
            size_t room = big_n - off;
            size_t n;
            switch (cut % 4) {
            case 0: n = (size_t)(splitmix(&rs) % 8); break;          /* tiny, incl. 0 */
            case 1: n = (size_t)(splitmix(&rs) % 200); break;        /* within a group or two */
            case 2: n = (size_t)(splitmix(&rs) % (room + 1)); break; /* long */
            default: n = room; break;                                /* to the end */
            }
            if (n > room)
                n = room;
            size_t shift = (size_t)(cut % 5); /* output alignment */
            for (size_t i = 0; i < n + 8; i++)
                buf[shift + i] = -1234.5f;
            (normal ? xb_normal_fill : xb_uniform_fill)(&s, f0 + off, n, buf + shift);
            if (memcmp(buf + shift, big + off, n * sizeof *buf) != 0)
                cr_assert_fail("%s: cut [%zu, %zu) of a fill from %llu differs",
                               normal ? "normal" : "uniform", off, off + n,
                               (unsigned long long)f0);
            for (size_t i = n; i < n + 8; i++)
                cr_assert_eq(buf[shift + i], -1234.5f, "wrote past the end: cut [%zu, %zu)",
                             off, off + n);
        }
    }
    free(big);
    free(buf);
}

Test(rng, normal_partition_invariance) { check_partitions(1); }
Test(rng, uniform_partition_invariance) { check_partitions(0); }

/* Fills of a long range in irregular chunks by an OpenMP loop, and of many
 * per-row streams, give the same bits with 1 and with 2 threads as one
 * serial fill. */
Test(rng, thread_invariance)
{
    const size_t n = 1u << 20, chunk = 1000 + 7, nchunks = (n + chunk - 1) / chunk;
    const size_t rows = 4096, cols = 100;
    float *ref = malloc(n * sizeof *ref), *par = malloc(n * sizeof *par);
    float *rref = malloc(rows * cols * sizeof *rref), *rpar = malloc(rows * cols * sizeof *rpar);
    struct xb_stream s = stream(11, XB_PURPOSE_NOISE, 0);
    struct xb_addr a = {.purpose = XB_PURPOSE_READ, .layer = 2, .step = 3};
    struct xb_stream base = xb_stream_at(11, &a);
    xb_normal_fill(&s, 0, n, ref);
    for (size_t r = 0; r < rows; r++) {
        struct xb_stream rs = xb_stream_row(base, (uint32_t)r, (uint32_t)(r % 3));
        xb_normal_fill(&rs, 0, cols, rref + r * cols);
    }
    for (int threads = 1; threads <= 2; threads++) {
        omp_set_num_threads(threads);
        memset(par, 0, n * sizeof *par);
        memset(rpar, 0, rows * cols * sizeof *rpar);
        int team = 0;
#pragma omp parallel
        {
#pragma omp single
            team = omp_get_num_threads();
#pragma omp for schedule(dynamic, 3)
            for (size_t c = 0; c < nchunks; c++) {
                size_t lo = c * chunk, len = lo + chunk <= n ? chunk : n - lo;
                xb_normal_fill(&s, lo, len, par + lo);
            }
#pragma omp for schedule(static, 7)
            for (size_t r = 0; r < rows; r++) {
                struct xb_stream rs = xb_stream_row(base, (uint32_t)r, (uint32_t)(r % 3));
                xb_normal_fill(&rs, 0, cols, rpar + r * cols);
            }
        }
        cr_assert_eq(team, threads);
        cr_assert(memcmp(ref, par, n * sizeof *ref) == 0, "%d threads: chunked fill differs",
                  threads);
        cr_assert(memcmp(rref, rpar, rows * cols * sizeof *rref) == 0,
                  "%d threads: per-row fill differs", threads);
    }
    free(ref);
    free(par);
    free(rref);
    free(rpar);
}

/* ---- addresses ----------------------------------------------------------- */

static int count_equal(const float *a, const float *b, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += fbits(a[i]) == fbits(b[i]);
    return k;
}

/* Changing any one field of the address, or either half of the seed, gives
 * another stream. */
Test(rng, each_field_changes_the_stream)
{
    const size_t n = 64;
    const struct xb_addr a0 = {.purpose = XB_PURPOSE_NOISE, .layer = 3, .instance = 2,
                               .sample = 10, .vote = 5, .step = 7};
    const uint64_t seed0 = 99;
    struct {
        const char *what;
        uint64_t seed;
        struct xb_addr a;
    } v[9];
    for (int i = 0; i < 9; i++) {
        v[i].seed = seed0;
        v[i].a = a0;
    }
    v[0].what = "base";
    v[1].what = "purpose", v[1].a.purpose = XB_PURPOSE_READ;
    v[2].what = "layer", v[2].a.layer = 4;
    v[3].what = "instance", v[3].a.instance = 3;
    v[4].what = "sample", v[4].a.sample = 11;
    v[5].what = "vote", v[5].a.vote = 6;
    v[6].what = "step", v[6].a.step = 8;
    v[7].what = "seed low", v[7].seed = seed0 + 1;
    v[8].what = "seed high", v[8].seed = seed0 + (1ull << 32);
    float z[9][64];
    for (int i = 0; i < 9; i++) {
        struct xb_stream s = xb_stream_at(v[i].seed, &v[i].a);
        xb_normal_fill(&s, 0, n, z[i]);
    }
    for (int i = 0; i < 9; i++)
        for (int j = i + 1; j < 9; j++)
            cr_assert(count_equal(z[i], z[j], n) == 0, "%s and %s share values", v[i].what,
                      v[j].what);
    /* and the same address gives the same stream */
    struct xb_stream s = xb_stream_at(seed0, &a0);
    float again[64];
    xb_normal_fill(&s, 0, n, again);
    cr_assert(memcmp(again, z[0], sizeof again) == 0);
}

/* The packing of the fields into the counter is one-to-one: 3^7 addresses
 * with every field at 0, 1 or its maximum give 3^7 different first blocks. */
Test(rng, address_packing_is_injective)
{
    const uint32_t purpose[3] = {0, 1, XB_PURPOSE_COUNT - 1};
    const uint32_t layer[3] = {0, 1, XB_RNG_MAX_LAYER};
    const uint32_t inst[3] = {0, 1, XB_RNG_MAX_INSTANCE};
    const uint32_t sample[3] = {0, 1, 0xFFFFFFFFu};
    const uint32_t vote[3] = {0, 1, XB_RNG_MAX_VOTE};
    const uint32_t step[3] = {0, 1, XB_RNG_MAX_STEP};
    const uint64_t seed[3] = {0, 1, 1ull << 32};
    const size_t n = 3 * 3 * 3 * 3 * 3 * 3 * 3;
    double *key = malloc(n * sizeof *key);
    size_t k = 0;
    for (int i0 = 0; i0 < 3; i0++)
    for (int i1 = 0; i1 < 3; i1++)
    for (int i2 = 0; i2 < 3; i2++)
    for (int i3 = 0; i3 < 3; i3++)
    for (int i4 = 0; i4 < 3; i4++)
    for (int i5 = 0; i5 < 3; i5++)
    for (int i6 = 0; i6 < 3; i6++) {
        struct xb_addr a = {.purpose = (enum xb_purpose)purpose[i0], .layer = layer[i1],
                            .instance = inst[i2], .sample = sample[i3], .vote = vote[i4],
                            .step = step[i5]};
        struct xb_stream s = xb_stream_at(seed[i6], &a);
        uint32_t w[4];
        xb_philox_block(&s, 0, w);
        /* 53 bits of the first block identify it well enough */
        key[k++] = (double)(((uint64_t)w[0] << 21) ^ w[1]);
    }
    qsort(key, n, sizeof *key, cmp_double);
    for (size_t i = 1; i < n; i++)
        cr_assert_neq(key[i], key[i - 1], "two addresses give the same stream");
    free(key);
}

/* xb_stream_row changes sample and vote and keeps everything else. */
Test(rng, stream_row_equals_stream_at)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_READ, .layer = 4095, .instance = 17,
                        .sample = 1, .vote = 2, .step = 65535};
    struct xb_stream base = xb_stream_at(0x123456789abcull, &a);
    const uint32_t samples[] = {0, 5, 0xFFFFFFFFu}, votes[] = {0, 9, 65535};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            struct xb_addr b = a;
            b.sample = samples[i];
            b.vote = votes[j];
            struct xb_stream x = xb_stream_at(0x123456789abcull, &b);
            struct xb_stream y = xb_stream_row(base, samples[i], votes[j]);
            float zx[10], zy[10];
            xb_normal_fill(&x, 3, 10, zx);
            xb_normal_fill(&y, 3, 10, zy);
            cr_assert(memcmp(zx, zy, sizeof zx) == 0, "sample %u vote %u", samples[i],
                      votes[j]);
        }
}

/* Address fields beyond their maxima are programmer errors: XB_ASSERT
 * aborts (Criterion runs each test in its own process and expects the
 * signal; the "internal error" line on stderr is expected). */
static void stream_with(uint32_t layer, uint32_t instance, uint32_t vote, uint32_t step)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = layer, .instance = instance,
                        .vote = vote, .step = step};
    struct xb_stream s = xb_stream_at(1, &a);
    (void)s;
}

Test(rng_limits, layer_beyond_max_aborts, .signal = SIGABRT)
{
    stream_with(XB_RNG_MAX_LAYER + 1, 0, 0, 0);
}
Test(rng_limits, instance_beyond_max_aborts, .signal = SIGABRT)
{
    stream_with(0, XB_RNG_MAX_INSTANCE + 1, 0, 0);
}
Test(rng_limits, vote_beyond_max_aborts, .signal = SIGABRT)
{
    stream_with(0, 0, XB_RNG_MAX_VOTE + 1, 0);
}
Test(rng_limits, step_beyond_max_aborts, .signal = SIGABRT)
{
    stream_with(0, 0, 0, XB_RNG_MAX_STEP + 1);
}
Test(rng_limits, row_vote_beyond_max_aborts, .signal = SIGABRT)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST};
    struct xb_stream s = xb_stream_row(xb_stream_at(1, &a), 0, XB_RNG_MAX_VOTE + 1);
    (void)s;
}
Test(rng_limits, maxima_are_accepted)
{
    stream_with(XB_RNG_MAX_LAYER, XB_RNG_MAX_INSTANCE, XB_RNG_MAX_VOTE, XB_RNG_MAX_STEP);
}

/* Golden answer: the first 2^20 normals and uniforms of one stream, hashed
 * (FNV-1a over their bit patterns). The kernel has no libm calls and ISO C
 * mode contracts no FMAs, so this value was the same for the AVX-512, AVX2,
 * SSE2 and unoptimised scalar builds; it changes only if the numbers do. */
Test(rng, golden_hash_of_a_stream)
{
    enum { N = 1 << 20 };
    static float b[N];
    struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = 3};
    struct xb_stream s = xb_stream_at(12345, &a);
    uint64_t h = 1469598103934665603ull;
    xb_normal_fill(&s, 7, N, b);
    for (int i = 0; i < N; i++)
        h = (h ^ fbits(b[i])) * 1099511628211ull;
    xb_uniform_fill(&s, 7, N, b);
    for (int i = 0; i < N; i++)
        h = (h ^ fbits(b[i])) * 1099511628211ull;
    cr_assert_eq(h, 0x357a38dd83cd8664ull, "hash %016llx", (unsigned long long)h);
}
