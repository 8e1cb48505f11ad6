/*
 * xb_snrreq.h — the SNR requirement of a trained model: the largest noise
 * std sigma (the lowest SNR) at which its test accuracy stays within a given
 * loss of its noiseless accuracy, with K = 1 and with K votes, and the dB
 * that noise-injected training and voting buy (paper 001 §3.3 reads about
 * 14 dB from 20 votes off its Table 7). `xbar snr-req` (sim/cli/
 * xb_cmd_snrreq.c) drives it; the method is in sim/README.md "The SNR
 * requirement".
 *
 * The curve. acc_r(sigma) is the test accuracy of repeat r: the majority of
 * K noisy inferences, votes r·K .. r·K + K - 1 of every sample (for K = 1
 * repeat r is inference r, as in a sweep's /sweep/accuracy; repeat 0 of K
 * votes is a sweep's /sweep/accuracy_vote[K - 1]). The noise of a (sample,
 * vote, layer, output) is sigma times one fixed draw of the counter-based
 * streams (ARCHITECTURE.md §6): every sigma reuses the same draws (common
 * random numbers), so acc_r is a deterministic, piecewise-constant and
 * nearly monotone function of sigma, not a noisy one, and root finding on
 * it is well posed. The mean m(sigma) over R repeats and the half-width
 * h(sigma) of its Student-t interval (sim/report/xb_ci.h) give three
 * curves, m - h, m and m + h; sigma = 0 is noiseless (h = 0).
 *
 * The answer. For each curve c, with target a* = acc0 - loss, sigma_c is
 * the largest sigma evaluated whose c(sigma) >= a* below the smallest
 * sigma evaluated whose c(sigma) < a*, the two at most XB_SNRREQ_TOL_DB
 * apart: the first crossing, as close as the evaluations show it, so
 * every sigma evaluated below an answer meets its target. The failing
 * sigma is bracketed by doubling from XB_SNRREQ_SIGMA_START (halving if
 * that already fails), then narrowed by GSL's Brent solver
 * (gsl_root_fsolver_brent) on c(sigma) - a*, a step function whose jump
 * it brackets; a failure revealed below an answer re-brackets, until the
 * three answers are fixed. The interval on sigma is [sigma_{m-h},
 * sigma_{m+h}]: the sigmas where the interval's lower and upper accuracy
 * curves cross the target.
 *
 * sigma is relative (noise kind mult, SNR = -20 log10 sigma, paper 001
 * §2) or in activation units (add, SNR = 10 log10(P / sigma^2), P the mean
 * square of the noise layers' inputs of this model without noise on its
 * first max-rows test samples, as a sweep measures it).
 *
 * Not thread-safe per object; its evaluations run the net's products in
 * parallel, bit-identical for any thread count.
 */
#ifndef XB_SNRREQ_H
#define XB_SNRREQ_H

#include <stddef.h>
#include <stdint.h>

#include "xb_h5.h"
#include "xb_net.h"

/* How close (dB) the passing and the failing sigma of an answer are. */
#define XB_SNRREQ_TOL_DB 0.01
/* Where the bracketing starts, in units of the reference sigma (1 for
 * mult, sqrt(P) for add): 2^-3, 18.1 dB; it doubles up to 2^7 (-42.1 dB)
 * and halves down to 2^-20 (120.4 dB). */
#define XB_SNRREQ_SIGMA_START 0.125
#define XB_SNRREQ_SIGMA_MAX 128.0
#define XB_SNRREQ_SIGMA_MIN (1.0 / 1048576.0)

struct xb_snrreq_params {
    enum xb_noise_kind noise; /* XB_NOISE_ADD or XB_NOISE_MULT */
    double loss;              /* accuracy loss allowed, a fraction in (0, 1): 0.01 = 1 point */
    int repeats;              /* R >= 2 */
    double level;             /* confidence level of the intervals, in (0, 1): 0.95 */
};

/* The three curves, in the order of struct xb_snrreq_answer's arrays. */
enum { XB_SNRREQ_MEAN = 0, XB_SNRREQ_LOW = 1, XB_SNRREQ_HIGH = 2 };

/* One answer: [XB_SNRREQ_MEAN] of m, [XB_SNRREQ_LOW] and [XB_SNRREQ_HIGH]
 * the interval's ends (sigma[LOW] from m - h, sigma[HIGH] from m + h; so
 * sigma[LOW] <= sigma[MEAN] <= sigma[HIGH], and snr_db the other way
 * round: snr_db[LOW] = snr(sigma[HIGH])). sigma = +inf (snr -inf) when
 * no sigma up to XB_SNRREQ_SIGMA_MAX misses the target; 0 (snr +inf) when
 * every sigma down to XB_SNRREQ_SIGMA_MIN does. */
struct xb_snrreq_answer {
    int votes;           /* K */
    double sigma[3];     /* the largest passing sigma (1, or activation units) */
    double sigma_fail[3];/* the smallest failing sigma above it (+inf if none) */
    double snr_db[3];    /* SNR of the answer [dB], ordered low <= mean <= high */
    int evaluations;     /* sigmas evaluated for this K (R · K inferences per sample each) */
};

struct xb_snrreq;

/* A solver for the model net holds (parameters loaded) on the test set
 * X[n × features], y[n] (borrowed until xb_snrreq_free): evaluates the
 * noiseless accuracy acc0 and, for additive noise, P. XB_ERANGE for bad
 * params. */
enum xb_status xb_snrreq_create(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_snrreq_params *p, const float *X,
                                const uint8_t *y, size_t n, struct xb_snrreq **out);
void xb_snrreq_free(struct xb_snrreq *s);

double xb_snrreq_accuracy0(const struct xb_snrreq *s);      /* noiseless accuracy */
double xb_snrreq_target(const struct xb_snrreq *s);         /* acc0 - loss */
double xb_snrreq_signal_power(const struct xb_snrreq *s);   /* P; NaN for mult */

/* The SNR [dB] of sigma under s's noise kind. */
double xb_snrreq_snr_db(const struct xb_snrreq *s, double sigma);

/* The mean over the R repeats of the accuracy with K votes at sigma, and
 * the half-width of its interval (0 at sigma = 0). Memoised per K. */
enum xb_status xb_snrreq_accuracy(struct xb_ctx *ctx, struct xb_snrreq *s, int votes,
                                  double sigma, double *mean, double *half);

/* Solves for K = votes (>= 1; R · K <= 65,536 votes addressable). */
enum xb_status xb_snrreq_solve(struct xb_ctx *ctx, struct xb_snrreq *s, int votes,
                               struct xb_snrreq_answer *a);

/* What noise-injected training and voting buy, in dB of SNR (positive:
 * the chip may be that much noisier), as [3] arrays: the estimate, then
 * the least and the most the interval ends allow (each difference taken
 * between interval ends, a conservative range, not a confidence interval).
 * xb_snrreq_gain(base, a, out): base's SNR requirement minus a's — with
 * base the same model at K = 1, what K votes buy; with base the model
 * trained without noise at K = 1, what training and voting buy together.
 * NaN where either answer is unbounded; 0 when base is a. */
void xb_snrreq_gain(const struct xb_snrreq_answer *base, const struct xb_snrreq_answer *a,
                    double out[3]);

/* ---- the result file of `xbar snr-req -o` (sim/io/xb_layout.h) ---------- */

struct xb_snrreq_report {
    const char *config;          /* the resolved experiment text */
    const char *model;           /* the model file */
    const char *dataset;
    enum xb_noise_kind noise;
    double loss, level;
    size_t n_models, n_votes;
    const int *point;            /* [n_models]: which model of the file */
    const double *sigma_train;   /* [n_models] */
    const double *accuracy0, *target, *signal_power; /* [n_models] */
    const int *votes;            /* [n_votes] */
    const struct xb_snrreq_answer *answers; /* [n_models × n_votes] */
    const double *gain_vote, *gain; /* [n_models × n_votes × 3] */
};

/* Writes r to path crash-safely (sim/io/xb_h5.h), with meta's provenance. */
enum xb_status xb_snrreq_write(struct xb_ctx *ctx, const char *path,
                               const struct xb_h5_meta *meta, const struct xb_snrreq_report *r);

#endif
