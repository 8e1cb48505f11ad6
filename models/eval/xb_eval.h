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
 * Without any noise source (noise none, not on device, no random layer such
 * as a rate encoder: xb_net_random) all inferences agree, and one is run.
 */
#ifndef XB_EVAL_H
#define XB_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_net.h"

struct xb_eval_params {
    int repeats;               /* R >= 1 */
    int votes;                 /* K_max >= 1 */
    enum xb_noise_kind noise;  /* sigma_test of the noise layers */
    double sigma;
    int on_device;             /* the net is programmed (xb_net_program) */
    uint32_t instance;         /* chip instance of the noise streams */
    uint32_t vote0;            /* first vote index of the draws */
};

/* Evaluates X[n × features], labels y[n]. acc_repeat[repeats] and
 * acc_vote[votes] get fractions in [0, 1]. */
enum xb_status xb_eval_run(struct xb_ctx *ctx, struct xb_net *net, const struct xb_eval_params *p,
                           const float *X, const uint8_t *y, size_t n, double *acc_repeat,
                           double *acc_vote);

/* The majority class of preds[k] (k < n_votes, classes < n_classes) by the
 * tie rule above. counts: scratch of n_classes ints. */
int xb_majority(const uint8_t *preds, int n_votes, int n_classes, int *counts);

#endif
