/*
 * xb_attack.h — white-box adversarial attacks on any net xbar builds:
 * L-infinity, pixels in [0, 1], gradients of the net's loss with respect to
 * its input (xb_net_input_grad's path, models/layers/xb_net.h), so every
 * layer kind that has an input gradient can be attacked.
 *
 * An attack kind is a const row of a table, one file each
 * (models/attack/attack_<name>.c): FGSM, BIM, PGD, MIM. A kind says how
 * many steps it takes and of what size, whether it starts at a random point
 * of the eps-ball, and how it turns the gradient into the direction whose
 * sign it steps along (MIM: momentum over the L1-normalised gradient). The
 * loop is here, shared:
 *
 *   x^0     = x0, or clip_[0,1](x0 + U(-eps, eps)) with a random start
 *   g^k     = the gradient at x^k (EOT: over `eot` draws of a random target)
 *   d^k     = the kind's direction of g^k (and its state)
 *   x^{k+1} = P(x^k + step · sign(d^k)),  sign(0) = 0,
 *   P(x)    = clip(x, max(x0 - eps, 0), min(x0 + eps, 1))
 *
 * so every iterate is in the eps-ball of x0 and in [0, 1] (float
 * arithmetic: the bounds x0 ± eps are rounded once).
 *
 * Random targets (abstract inference noise, device read noise on a
 * programmed net) are attacked with EOT (Athalye, Engstrom, Ilyas & Kwok
 * 2018): each gradient is the average over `eot` draws of the target's
 * noise. With votes > 1 the target is the majority of K noisy inferences;
 * it is attacked through the averaged softmax of the draws, the smooth
 * surrogate of the vote: L = -log( (1/n) Σ_d softmax(z_d)_y ), whose
 * gradient is Σ_d w_d ∇ CE_d with w_d = p_d,y / Σ_d' p_d',y — a weighted
 * sum of the per-draw cross-entropy gradients (so it needs the
 * cross_entropy loss). With votes = 1 the draws are weighted equally: the
 * gradient of the mean loss.
 *
 * Randomness is addressed (ARCHITECTURE.md §6, noise/xb_rng.h): the random
 * start of image s in restart r is stream ATTACK {sample s, vote r},
 * element = pixel (in adversarial training also layer
 * XB_ATTACK_STREAM_TRAIN and step = the epoch, s = the position in the
 * epoch's order: struct xb_attack_params); the target's noise in the attack's forward passes draws
 * at the images' own sample addresses and at votes of the attack's own
 * range, XB_ATTACK_VOTE0 + (r · (steps + 1) + k) · eot + d for step k (k =
 * steps: the check of a restart's result) and draw d, apart from the votes
 * 0 .. K-1 that evaluation reads, so the attacker never sees the draws it
 * is scored on. Everything is bit-identical for any thread count.
 *
 * Not thread-safe: one attack per net at a time (the net's passes are
 * parallel inside).
 */
#ifndef XB_ATTACK_H
#define XB_ATTACK_H

#include <stddef.h>
#include <stdint.h>

#include "xb_net.h"

/* The first vote of the attack's draws (see above); evaluation of an
 * attacked target must read votes below it. */
#define XB_ATTACK_VOTE0 32768u

/* What an attack does besides its kind: the seeds' knobs. Plain data. */
struct xb_attack_params {
    double eps;             /* L-infinity budget, pixel units, [0, 1] */
    double step;            /* step size of the iterative kinds, pixel units, > 0 */
    int steps;              /* gradient steps of the iterative kinds, >= 1 */
    int restarts;           /* random starts of the kinds that have one (PGD); the
                               per-image best is kept, >= 1 */
    double mu;              /* MIM's momentum decay, >= 0 */
    int eot;                /* draws per gradient on a random target, >= 1 */
    enum xb_noise_kind noise; /* the target's noise layers: kind and std */
    double sigma;
    int votes;              /* K: the target votes over K noisy inferences */
    int on_device;          /* the net is programmed (xb_net_program): read noise */
    uint32_t instance;      /* chip instance of the abstract noise streams */
    /* Where xb_attack_run's random starts draw (stream ATTACK): image i at
     * sample sample0 + i, layer `stream` (0: an attacked set;
     * XB_ATTACK_STREAM_TRAIN: adversarial training, models/attack/
     * xb_advtrain.h), step `epoch`. All 0 but in training. */
    uint32_t sample0, stream, epoch;
};

/* The ATTACK stream's layer field in adversarial training. */
#define XB_ATTACK_STREAM_TRAIN 1u

/* Defaults: paper 000's setting (eps 0.1, step 0.01, 15 steps), 1 restart,
 * mu = 1 (Dong et al. 2018), 1 draw, a noiseless target, 1 vote. */
void xb_attack_params_default(struct xb_attack_params *p);

struct xb_attack_type {
    const char *name;   /* "pgd": the config's name */
    const char *label;  /* "PGD": the table's column */
    int random_start;   /* starts at a uniform point of the eps-ball; restarts apply */
    /* Steps taken and their size under p (FGSM: one step of eps). */
    int (*steps)(const struct xb_attack_params *p);
    double (*step_size)(const struct xb_attack_params *p);
    /* The direction d[n] of one image's gradient g[n] (n pixels); d holds
     * the kind's state between steps (MIM's accumulated momentum), zero at
     * the start. NULL: d = g. Pure, single-threaded. */
    void (*direction)(const struct xb_attack_params *p, const float *g, float *d, size_t n);
};

/* The kind called name ("fgsm", "bim", "pgd", "mim"), or NULL. */
const struct xb_attack_type *xb_attack_type_find(const char *name);
/* The k-th kind of the table, NULL past the last. */
const struct xb_attack_type *xb_attack_type_at(size_t k);

extern const struct xb_attack_type xb_attack_fgsm;
extern const struct xb_attack_type xb_attack_bim;
extern const struct xb_attack_type xb_attack_pgd;
extern const struct xb_attack_type xb_attack_mim;

/* 1 if a forward of the target under p draws anything at random. */
int xb_attack_random_target(const struct xb_attack_params *p);

/* Checks p for kind t on net: ranges, the draws of a step fitting the
 * net's rows, the vote addresses fitting their field, votes > 1 only with
 * the cross_entropy loss. Errors name the parameter. */
enum xb_status xb_attack_params_validate(struct xb_ctx *ctx, const struct xb_net *net,
                                         const struct xb_attack_type *t,
                                         const struct xb_attack_params *p);

/* ---- one batch, step by step (the caller drives the loop) ---------------- */

struct xb_attack;

/* An attack of kind t on net with p (validated here), for batches of up to
 * xb_attack_max_batch images. The net is borrowed. */
enum xb_status xb_attack_create(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_type *t,
                                const struct xb_attack_params *p, struct xb_attack **out);
void xb_attack_free(struct xb_attack *a);

/* Images per batch: the net's rows over the draws of a step. */
size_t xb_attack_max_batch(const struct xb_attack *a);

/* Starts restart r on x0[b × features] with labels y[b] (both borrowed
 * until the next begin), the images numbered sample0 .. sample0 + b - 1 in
 * the evaluated set (their random addresses). */
void xb_attack_begin(struct xb_attack *a, const float *x0, const uint8_t *y, size_t b,
                     uint32_t sample0, int r);

/* One gradient step; returns the mean loss over the step's rows (draws
 * included) at the iterate it started from. */
double xb_attack_step(struct xb_attack *a);

/* The current iterate [b × features]; valid until the next step or begin. */
const float *xb_attack_x(const struct xb_attack *a);

/* The steps the kind takes under its params. */
int xb_attack_steps(const struct xb_attack *a);

/* For each image of the batch, 1 if the attacker sees the current iterate
 * misclassified: the arg max of the softmax averaged over the eot draws
 * of the check's votes (one noiseless forward on a deterministic target). */
void xb_attack_check(struct xb_attack *a, uint8_t *fooled);

/* ---- the whole thing ------------------------------------------------------ */

/* Adversarial examples of X[n × features] (labels y[n], image i at random
 * address sample i) into X_adv[n × features]: every restart of every batch
 * run to its end; per image the first restart the attacker's check sees
 * fooled is kept (restart 0 if none), so more restarts never undo a
 * success the check saw. */
enum xb_status xb_attack_run(struct xb_ctx *ctx, struct xb_net *net,
                             const struct xb_attack_type *t, const struct xb_attack_params *p,
                             const float *X, const uint8_t *y, size_t n, float *X_adv);

#endif
