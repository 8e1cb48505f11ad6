/*
 * xb_eval.h — noisy inference: repeated evaluation and majority voting.
 *
 * For every sample V = max(repeats, votes) noisy inferences run, as vote
 * indices vote0 .. vote0 + V - 1 of the sample's address, batched: the V
 * copies of a batch are one pass of V × batch rows through the net (one
 * engine call per layer). Then
 *   accuracy[r]      (r < repeats) = accuracy of inference r alone;
 *   accuracy_vote[k-1] (k <= votes) = accuracy of the majority of
 *                      inferences 0 .. k-1 — the whole votes curve from one
 *                      set of draws.
 * Majority tie rule: among the classes with the most votes, the one that
 * an earlier vote chose first wins (for k = 1 the single prediction; no
 * preference for low class indices).
 * With vote = XB_VOTE_SOFTMAX the K inferences combine as the mean of their
 * softmax instead (M-sample averaging, as stochastic networks such as
 * MFDV's predict; the smooth surrogate attacks take of a vote,
 * models/attack/xb_attack.h): accuracy_vote[k-1] is that of the arg max
 * of (1/k) Σ_{v<k} softmax(z_v), lowest class index on ties.
 * Without any noise source (noise none, not on device, no random layer such
 * as a rate encoder: xb_net_random) all inferences agree, and one is run.
 */
#ifndef XB_EVAL_H
#define XB_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_activity.h"
#include "xb_net.h"
#include "xb_snr.h"

/* How the votes of an inference combine. */
enum xb_vote { XB_VOTE_MAJORITY = 0, XB_VOTE_SOFTMAX = 1 };

struct xb_eval_params {
    int repeats;               /* R >= 1 */
    int votes;                 /* K_max >= 1 */
    enum xb_vote vote;         /* majority (default) or mean softmax */
    enum xb_noise_kind noise;  /* sigma_test of the noise layers */
    double sigma;
    int on_device;             /* the net is programmed (xb_net_program) */
    uint32_t instance;         /* chip instance of the noise streams */
    uint32_t vote0;            /* first vote index of the draws */
    /* When not NULL: the first pass (the first max_rows / V samples, each
     * of its V inferences) is added to its sums (models/eval/xb_snr.h),
     * which the caller has set up with xb_snr_init for this net and mode.
     * One pass bounds the cost (the ideal products of the analog layers
     * once more) and holds max_rows × outputs values per layer. The
     * accuracies do not change. */
    struct xb_snr *snr;
    /* When not NULL: every pass's spiking activity is added to it
     * (xb_activity_init for this net beforehand; models/eval/xb_activity.h). */
    struct xb_activity *activity;
};

/* Evaluates X[n × features], labels y[n]. acc_repeat[repeats] and
 * acc_vote[votes] get fractions in [0, 1]. */
enum xb_status xb_eval_run(struct xb_ctx *ctx, struct xb_net *net, const struct xb_eval_params *p,
                           const float *X, const uint8_t *y, size_t n, double *acc_repeat,
                           double *acc_vote);

/* Evaluation on chips (ARCHITECTURE.md §3), what a device sweep does at
 * each point and `xbar eval` with a device: the net's current weights are
 * programmed onto chip instances 0 .. instances-1 of xbar's device and
 * converters (xb_net_program; xbar->instance is ignored), the converter
 * ranges of each calibrated on the first min(cal_n, max_rows) rows of
 * cal_X (training inputs: a chip calibrates on reference data, never on
 * the test set), aged to t and read `votes` times with read noise per
 * vote (the noise layers inject nothing). */
struct xb_chip_eval_params {
    const struct xb_xbar_params *xbar;
    double t;               /* read time after programming [s], >= 0 */
    int instances;          /* R >= 1 chip instances (<= XB_TRAIN_INSTANCE0 in sweeps) */
    int votes;              /* K >= 1 */
    const float *cal_X;     /* [cal_n × features] */
    size_t cal_n;           /* >= 1 */
    struct xb_snr *snr;     /* NULL, or xb_snr_init(on_device = 1): gets the first pass of
                               every instance */
    struct xb_activity *activity; /* NULL, or xb_activity_init: every read of every
                                     instance */
};

/* Programs net's current weights onto chip instance `instance` of xbar's
 * device and converters (xbar->instance is ignored), calibrates its
 * converter ranges on the first min(cal_n, max_rows) rows of cal_X and
 * ages it to t: the chip xb_eval_chips reads, ready for passes with
 * on_device = 1 and that instance (xbar attack attacks it). The caller
 * unprograms the net. */
enum xb_status xb_chip_prepare(struct xb_ctx *ctx, struct xb_net *net,
                               const struct xb_xbar_params *xbar, uint32_t instance, double t,
                               const float *cal_X, size_t cal_n);

/* acc_instance[instances] = the accuracy of instance r's first read;
 * acc_vote[votes] = the mean over instances of the accuracy of the
 * majority of its first k+1 reads. The net is unprogrammed on return;
 * its parameters are not changed. */
enum xb_status xb_eval_chips(struct xb_ctx *ctx, struct xb_net *net,
                             const struct xb_chip_eval_params *p, const float *X,
                             const uint8_t *y, size_t n, double *acc_instance, double *acc_vote);

/* softmax(z) of one row of n logits into p[n], in double. */
void xb_softmax_row(const float *z, size_t n, double *p);

/* The majority class of preds[k] (k < n_votes, classes < n_classes) by the
 * tie rule above. counts: scratch of n_classes ints. */
int xb_majority(const uint8_t *preds, int n_votes, int n_classes, int *counts);

#endif
