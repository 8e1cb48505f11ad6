/*
 * xb_nattack.h — NAttack (Li, Li, Wang, Zhang & Gong, ICML 2019): a
 * query-based black-box attack that sees the target's logits only. It
 * searches a Gaussian distribution N(mu, sigma² I) in tanh space,
 *
 *   w     = atanh((2 x0 - 1) · 0.999999)          (the clean image, per pixel)
 *   x_i   = P(tanh(w + mu + sigma e_i) / 2 + 1/2),  e_i ~ N(0, I), i < pop
 *   l_i   = clip(z_y(x_i) - max_{j != y} z_j(x_i), 0, 1000)
 *           (the margin of the log-probabilities, = of the logits)
 *   A_i   = (R_i - mean R) / (std R + 1e-7),  R_i = -l_i / 2
 *   mu   += lr / (pop · sigma) · Σ_i A_i e_i
 *
 * from mu = 0.001 · N(0, I), for nattack_iters iterations, P the projection
 * onto the eps-ball of x0 and [0, 1] (xb_attack.h); every 10 iterations
 * (from the first) the mean x(mu) = P(tanh(w + mu) / 2 + 1/2) is queried
 * and the image stops once it is misclassified — so an image costs at most
 * iters · pop + ceil(iters / 10) queries. The per-sample max over the
 * other classes, not the reference code's max over the population (a
 * torch idiom gone wrong, see models/attack/README.md). The result is
 * x(mu) when it stops or after the last iteration.
 *
 * Randomness (ARCHITECTURE.md §6): e of iteration t for image s is stream
 * ATTACK {sample s, vote 0, step t}, element i · features + pixel; the
 * start mu's is {sample s, vote 1, step 0}. A random target's noise of
 * iteration t draws at vote XB_ATTACK_VOTE0 + t · (pop + 1) + i (the check:
 * i = pop), sample s. One image at a time: bit-identical for any thread
 * count (the target's passes are parallel inside).
 */
#ifndef XB_NATTACK_H
#define XB_NATTACK_H

#include "xb_attack.h"

/* A black-box target: logits for inputs, nothing else. */
struct xb_attack_oracle {
    void *state;
    /* The logits [rows × classes] of x[rows × features], the rows draws
     * of image `sample`, row j at vote vote0 + j; valid until the next
     * query. rows <= max_rows. */
    const float *(*query)(void *state, const float *x, size_t rows, uint32_t sample,
                          uint32_t vote0);
    size_t features, max_rows;
    int classes;
};

/* Checks NAttack's parameters for a target of max_rows rows per query. */
enum xb_status xb_nattack_validate(struct xb_ctx *ctx, const struct xb_attack_params *p,
                                   size_t max_rows);

/* Adversarial examples of X[n × features] (labels y[n], image i at random
 * address sample i) into X_adv, by queries of o only. Uses p's eps and
 * nattack_* keys. */
enum xb_status xb_nattack_run(struct xb_ctx *ctx, const struct xb_attack_oracle *o,
                              const struct xb_attack_params *p, const float *X,
                              const uint8_t *y, size_t n, float *X_adv);

#endif
