/*
 * xb_attack.h — white-box adversarial attacks on any net xbar builds:
 * L-infinity, pixels in [0, 1], gradients of the net's loss with respect to
 * its input (xb_net_input_grad's path, models/layers/xb_net.h), so every
 * layer kind that has an input gradient can be attacked.
 *
 * An attack kind is a const row of a table, one file each
 * (models/attack/attack_<name>.c): FGSM, BIM, PGD, MIM, NAttack, DIM, TIM
 * (paper 000's order) and random sampling. A kind says how
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
 * arithmetic: the bounds x0 ± eps are rounded once). DIM takes g^k at a
 * random transform T(x^k) and maps it back by T's adjoint; TIM filters
 * g^k before the direction; NAttack (xb_nattack.h) is query-based and
 * runs its own loop.
 *
 * Random targets (abstract inference noise, device read noise on a
 * programmed net, rate-coded input spikes) are attacked with EOT (Athalye, Engstrom, Ilyas & Kwok
 * 2018): each gradient is the average over `eot` draws of the target's
 * noise. With votes > 1 the target is the majority of K noisy inferences;
 * it is attacked through the averaged softmax of the draws, the smooth
 * surrogate of the vote: L = -log( (1/n) Σ_d softmax(z_d)_y ), whose
 * gradient is Σ_d w_d ∇ CE_d with w_d = p_d,y / Σ_d' p_d',y — a weighted
 * sum of the per-draw cross-entropy gradients (so it needs the
 * cross_entropy loss). With votes = 1 the draws are weighted equally: the
 * gradient of the mean loss.
 *
 * Spiking targets are attacked through surrogate gradients (STBP's
 * backward, models/layers/xb_spike.h); a surrogate that suits the attacker
 * is not the one the net was trained with, so `surrogate` sets every lif
 * layer's for the attack's backward passes (restored after each), and a
 * caller runs the attack once per surrogate and reports the lowest
 * accuracy (issue 12: `attack.surrogates` of xbar attack).
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

#include "xb_eval.h"
#include "xb_net.h"
#include "xb_rng.h"

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
    enum xb_vote vote;      /* how its votes combine in the accuracy scored (xb_attack_score);
                               the attacker's loss averages their softmax either way */
    int on_device;          /* the net is programmed (xb_net_program): read noise */
    uint32_t instance;      /* chip instance of the abstract noise streams */
    int surrogate;          /* the surrogate ds/du of every lif layer in the attack's
                               backward (enum xb_surrogate, models/layers/xb_spike.h), or
                               -1: each layer's own. The forward never changes. */
    /* The transfer kinds (attack_dim.c, attack_tim.c) and NAttack
     * (attack_nattack.c); each is read by its kind only. */
    double transfer_mu;     /* DIM's and TIM's momentum decay, >= 0 */
    double dim_p;           /* DIM: probability of the resize-and-pad at a step, [0, 1] */
    int dim_min;            /* DIM: smallest side of the resize, < the image's side */
    int tim_kernel;         /* TIM: side of the Gaussian kernel, odd, >= 1 (1: none) */
    int nattack_pop;        /* NAttack: samples per iteration, >= 1 */
    double nattack_sigma;   /* NAttack: std of the search distribution (tanh space), > 0 */
    double nattack_lr;      /* NAttack: learning rate of its mean, > 0 */
    int nattack_iters;      /* NAttack: iterations (the query budget), >= 1 */
    /* Where xb_attack_run's random starts draw (stream ATTACK): image i at
     * sample sample0 + i, layer `stream` (0: an attacked set;
     * XB_ATTACK_STREAM_TRAIN: adversarial training, models/attack/
     * xb_advtrain.h), step `epoch`. All 0 but in training. */
    uint32_t sample0, stream, epoch;
};

/* The ATTACK stream's layer field in adversarial training. */
#define XB_ATTACK_STREAM_TRAIN 1u

/* Defaults: paper 000's setting (eps 0.1, step 0.01, 15 steps), 1 restart,
 * mu = 1 (Dong et al. 2018), 1 draw, a noiseless target, 1 vote, the lif
 * layers' own surrogates; DIM and
 * TIM with paper 000's momentum 0.9, DIM's p = 0.5 and smallest side 25
 * (torchattacks' resize rate 0.9 of 28), TIM's 7 × 7 kernel (sigma 1 px);
 * NAttack with paper 000's 100 samples × 50 iterations, sigma 0.1 and
 * learning rate 0.02 (Li et al. 2019's code). */
void xb_attack_params_default(struct xb_attack_params *p);

/* DIM's transform of a side × side image: bilinear resize to r × r
 * (half-pixel centres, as torch's interpolate with align_corners = false),
 * then zero padding back to side × side with the resized image's top-left
 * corner at (top, left). r = side, top = left = 0: the identity. */
struct xb_attack_resize {
    int r, top, left;
};

/* The largest image side DIM and TIM take. */
#define XB_ATTACK_MAX_SIDE 1024

/* y = T x and its adjoint gx = T^T gy, both side × side; T^T is the map
 * the gradient at T x takes back to x (the chain rule). */
void xb_attack_resize_apply(int side, const struct xb_attack_resize *t, const float *x,
                            float *y);
void xb_attack_resize_adjoint(int side, const struct xb_attack_resize *t, const float *gy,
                              float *gx);

/* TIM's kernel: outer(k, k) with k_i the normal density at the i-th of
 * `len` points evenly spread over [-3, 3], normalised to sum 1
 * (torchattacks' gaussian kernel, nsig = 3); out = K ∗ g, "same" size,
 * zero outside the image. len = 1 is the identity. */
void xb_attack_smooth(int side, int len, const float *g, float *out);

/* The momentum of L1-normalised gradients (MIM, DIM, TIM):
 * d = mu · d + g / ||g||_1, nothing added for an all-zero g. */
void xb_attack_momentum(double mu, const float *g, float *d, size_t n);

/* The side of the net's input as a square single-channel image (1 × s ×
 * s, or s² features of a dense input), or 0 if it is not one. */
int xb_attack_image_side(const struct xb_net *net);

struct xb_attack_type {
    const char *name;   /* "pgd": the config's name */
    const char *label;  /* "PGD": the table's column */
    int random_start;   /* starts at a uniform point of the eps-ball; restarts apply */
    int gradient_free;  /* takes no gradient (NAttack, random sampling): a spiking
                           target's surrogate cannot change its images */
    /* Steps taken and their size under p (FGSM: one step of eps). */
    int (*steps)(const struct xb_attack_params *p);
    double (*step_size)(const struct xb_attack_params *p);
    /* The direction d[n] of one image's gradient g[n] (n pixels); d holds
     * the kind's state between steps (MIM's accumulated momentum), zero at
     * the start. NULL: d = g. Pure, single-threaded. */
    void (*direction)(const struct xb_attack_params *p, const float *g, float *d, size_t n);
    /* Input diversity (DIM): draws from st the transform of one image of
     * side × side pixels at one step; the gradient is taken at the
     * transformed image and mapped back by the transform's adjoint. NULL:
     * none. */
    void (*diversity)(const struct xb_attack_params *p, const struct xb_stream *st, int side,
                      struct xb_attack_resize *t);
    /* A linear filter of one image's gradient g[side × side] into out,
     * before the direction (TIM). NULL: none. */
    void (*filter)(const struct xb_attack_params *p, int side, const float *g, float *out);
    /* A kind that does not follow the step loop (NAttack, query-based):
     * the whole of xb_attack_run. NULL: the loop. */
    enum xb_status (*run)(struct xb_ctx *ctx, struct xb_net *net,
                          const struct xb_attack_params *p, const float *X, const uint8_t *y,
                          size_t n, float *X_adv);
    /* Kind-specific checks of p (the shared ones are done). NULL: none. */
    enum xb_status (*validate)(struct xb_ctx *ctx, const struct xb_net *net,
                               const struct xb_attack_params *p);
};

/* The kind called name ("fgsm", "bim", "pgd", "mim"), or NULL. */
const struct xb_attack_type *xb_attack_type_find(const char *name);
/* The k-th kind of the table, NULL past the last. */
const struct xb_attack_type *xb_attack_type_at(size_t k);

extern const struct xb_attack_type xb_attack_fgsm;
extern const struct xb_attack_type xb_attack_bim;
extern const struct xb_attack_type xb_attack_pgd;
extern const struct xb_attack_type xb_attack_mim;
extern const struct xb_attack_type xb_attack_nattack;
extern const struct xb_attack_type xb_attack_dim;
extern const struct xb_attack_type xb_attack_tim;
extern const struct xb_attack_type xb_attack_random;

/* 1 if a forward of the target under p draws anything at random from p's
 * settings (noise, a programmed chip's read noise). */
int xb_attack_random_target(const struct xb_attack_params *p);

/* Draws of the target averaged per gradient: p->eot if a forward of net
 * under p draws anything at random — p's noise or chip, or a layer of the
 * net that draws without them (a rate encoder's input spikes, EOT over the
 * encoding as issue 12 asks) — else 1. */
int xb_attack_draws(const struct xb_net *net, const struct xb_attack_params *p);

/* Checks p for kind t on net: ranges, the draws of a step fitting the
 * net's rows, the vote addresses fitting their field, votes > 1 only with
 * the cross_entropy loss, a surrogate only on a net with lif layers.
 * Errors name the parameter. */
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


/* ---- what the attacked target reads ---------------------------------------- */

/* The accuracy of the target p describes on X[n × features], labels y[n]:
 * its noise (p->noise, p->sigma), or chip p->instance of a programmed net
 * (p->on_device), K = p->votes inferences at votes 0 .. K-1 combined by
 * p->vote (one forward on a deterministic target). The attack's own draws
 * lie at XB_ATTACK_VOTE0 and above, so scoring never reuses them. */
enum xb_status xb_attack_score(struct xb_ctx *ctx, struct xb_net *net,
                               const struct xb_attack_params *p, const float *X,
                               const uint8_t *y, size_t n, double *acc);

/* Attack t on X under p once per lif surrogate sur[0 .. n_sur-1] (n_sur = 0,
 * or a gradient-free kind: once, with p->surrogate), each run's images
 * scored by xb_attack_score: per[i] of run i (per[0] for every i of a
 * gradient-free kind) unless per is NULL, and in *acc the lowest — a
 * spiking target's robustness is the minimum over the surrogates an
 * attacker could pick (issue 12). The images of that lowest run are copied
 * to keep [n × features] unless it is NULL; adv is scratch of that size. */
enum xb_status xb_attack_lowest(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_type *t,
                                const struct xb_attack_params *p, const int *sur, size_t n_sur,
                                const float *X, const uint8_t *y, size_t n, float *adv,
                                double *per, double *acc, float *keep);

#endif
