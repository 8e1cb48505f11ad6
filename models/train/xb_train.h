/*
 * xb_train.h — mini-batch training of a network, noise-injected or on a
 * device model, driven by the caller one epoch at a time (init / step /
 * test: the caller evaluates, records curves and checkpoints between
 * epochs).
 *
 * Noise-injected training (paper 001 §3): every noise layer injects
 * sigma_train of the given kind in the forward pass and the backward pass
 * uses the same draw. Hardware-aware training: the weighted layers are
 * reprogrammed onto crossbars of `device` before every step (a fresh chip
 * instance per step), so the forward pass sees programming error, drift and
 * read noise; gradients are digital and exact.
 *
 * Training algorithms are a table (xb_train_impl.h), one file each,
 * chosen by `algorithm`: backprop (train_backprop.c), hardware-aware
 * backprop (train_hw_aware.c; hw_aware = 1 with algorithm backprop picks it
 * too, as before the table), and the likelihood-ratio trainers of paper 000
 * — nit, nit-s, nit-s+ (train_nit*.c over xb_lr.h: forward passes only) —,
 * HIRE-SNN's crafted input noise (train_hire.c), and adversarial training
 * (train_adversarial.c: Madry et al. 2018 with the half natural, half
 * adversarial batches of paper 001 §4, the attack through p->adversary).
 *
 * Chip instances: hardware-aware training programs instance
 * XB_TRAIN_INSTANCE0 + step % XB_TRAIN_INSTANCES, the upper half of the
 * instance space, so evaluation (instances 0 .. 2047) never reads a chip
 * the model was trained on.
 *
 * Random addresses (noise/xb_rng.h's table of purposes): sample = position
 * in the epoch's order; the vote field carries the epoch (struct xb_rows's
 * `epoch`), so every sample sees a fresh draw each epoch. The epoch order
 * is xb_permutation of stream DATA, layer XB_DATA_STREAM_EPOCH, addressed
 * by the epoch.
 */
#ifndef XB_TRAIN_H
#define XB_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "xb_net.h"
#include "xb_optim.h"

#define XB_TRAIN_INSTANCES 2048u
#define XB_TRAIN_INSTANCE0 (XB_RNG_MAX_INSTANCE + 1u - XB_TRAIN_INSTANCES)

enum xb_train_algorithm {
    XB_TRAIN_BACKPROP = 0, /* digital backpropagation (noise-injected with sigma) */
    XB_TRAIN_HW_AWARE,     /* backpropagation, forward on crossbars of `device` */
    XB_TRAIN_NIT,          /* likelihood ratio, paper 000 eq. 2 */
    XB_TRAIN_NIT_S,        /* the sign of the weight score, eq. 3 */
    XB_TRAIN_NIT_S_PLUS,   /* NIT-S before lr.switch_epoch, NIT after (§4.4) */
    XB_TRAIN_HIRE,         /* HIRE-SNN: crafted input noise over periods (train_hire.c) */
    XB_TRAIN_ADVERSARIAL,  /* backprop on half natural, half adversarial batches */
    XB_TRAIN_ALGORITHMS
};

/* "backprop", "hw-aware", "nit", "nit-s", "nit-s+", "hire", "adversarial", NULL:
 * index = value. */
extern const char *const xb_train_algorithm_names[XB_TRAIN_ALGORITHMS + 1];

/* Likelihood-ratio training (xb_lr.h). */
struct xb_lr_params {
    size_t copies;      /* C noisy copies of every sample per step */
    int baseline;       /* 1: leave-one-out baseline over the C copies */
    double sigma_min;   /* the learned stds are projected onto [min, max] */
    double sigma_max;
    int switch_epoch;   /* nit-s+: epochs 0 .. switch_epoch - 1 take NIT-S */
    int sign_zero_plus; /* nit-s, nit-s+: sgn(0) = +1 as paper 000 eq. 3 writes it (an
                           input of exactly 0 then scores +1 whatever the noise),
                           else sgn(0) = 0 (models/train/xb_lr.h) */
    int sign_bipolar;   /* nit-s, nit-s+: a 0/1 spike input scores as −1/+1 (paper 000
                           §3.3 after eq. 8), else as 0/1 (models/train/xb_lr.h) */
};

/* train.sign_zero's names: sgn(0) = 0, sgn(0) = +1 (paper 000 eq. 3). */
extern const char *const xb_lr_sign_zero_names[3];

/* train.sign_spikes's names: spikes read as 0/1, as −1/+1 (paper 000 §3.3). */
extern const char *const xb_lr_sign_spikes_names[3];

/* HIRE-SNN (train_hire.c; Kundu et al. 2021, Algorithm 1, eq. 6). */
struct xb_hire_params {
    int periods;        /* N periods per batch, each one forward and update */
    double noise_step;  /* eps_s: kappa's step per period, pixel units */
    double noise_bound; /* eps_t: |kappa| <= eps_t */
};

/* The attack of adversarial training (train_adversarial.c). Attacks sit
 * above training (models/attack/, ARCHITECTURE.md §2), so the trainer
 * calls one through this hook; models/attack/xb_advtrain.h makes it from
 * an attack kind and its parameters. */
struct xb_train_adversary {
    /* Adversarial examples of X[n × features] (labels y) against net into
     * X_adv[n × features]; the images are positions sample0 .. sample0 +
     * n - 1 of the order of epoch `epoch` (their random addresses). The
     * net's passes are the hook's until it returns. */
    enum xb_status (*make)(struct xb_ctx *ctx, const void *self, struct xb_net *net,
                           const float *X, const uint8_t *y, size_t n, uint32_t sample0,
                           uint32_t epoch, float *X_adv);
    const void *self;
};

struct xb_train_params {
    size_t batch;                  /* samples per step (paper 001: 32) */
    struct xb_optim_params optim;
    /* Step-size schedule: epoch e trains at optim.lr ·
     * lr_decay^floor(e / lr_decay_every) (STBP's code halves every 40
     * epochs, paper 000's likelihood-ratio code takes 0.8 every 20). It is
     * a function of the epoch alone, so a resumed or MPI-moved epoch trains
     * at the step it would have had. lr_decay = 1: a constant step. */
    double lr_decay;               /* in (0, 1] */
    int lr_decay_every;            /* epochs, >= 1 */
    enum xb_noise_kind noise;      /* noise-injected training */
    double sigma;                  /* sigma_train */
    int hw_aware;                  /* 1: forward on crossbars of `device` */
    struct xb_xbar_params device;  /* used when hw_aware */
    double device_t;               /* read time of those crossbars [s] */
    enum xb_train_algorithm algorithm;
    struct xb_lr_params lr;        /* nit, nit-s, nit-s+ */
    struct xb_hire_params hire;    /* hire */
    struct xb_train_adversary adversary; /* adversarial */
};

/* backprop, batch 32, Adam at a constant step; lr: 32 copies, no baseline, stds in
 * [0.01, 10], switch at epoch 70 (paper 000 §4.4: 70 of 100). */
void xb_train_params_default(struct xb_train_params *p);

/* The step size of epoch `epoch` (0-based) under p's schedule. */
double xb_train_step_size(const struct xb_train_params *p, int epoch);

/* The algorithm p selects: p->algorithm, or hw-aware when p->hw_aware is
 * set with algorithm backprop (configs from before the table). */
enum xb_train_algorithm xb_train_algorithm_of(const struct xb_train_params *p);

/* Rows the net must allow for a step of p: the batch, or copies × batch
 * for the likelihood-ratio trainers. */
size_t xb_train_rows(const struct xb_train_params *p);

struct xb_trainer;

/* The net must allow passes of xb_train_rows(p) rows. The algorithm
 * checks the net (the likelihood-ratio trainers refuse nets they cannot
 * train, naming the layer). */
enum xb_status xb_trainer_create(struct xb_ctx *ctx, struct xb_net *net,
                                 const struct xb_train_params *p, struct xb_trainer **out);
void xb_trainer_free(struct xb_trainer *t);

/* One epoch over X[n × features], labels y[n]: shuffled mini-batches (the
 * last one partial), forward, loss, backward, optimiser step. *loss gets
 * the mean loss over the epoch. On a non-finite loss or gradient it stops
 * with XB_ENUMERIC and a message naming the epoch, the step and the layer
 * (the parameters are those before the failed step). */
enum xb_status xb_trainer_epoch(struct xb_ctx *ctx, struct xb_trainer *t, const float *X,
                                const uint8_t *y, size_t n, double *loss);

/* Epochs completed (0 after create; set when resuming from a checkpoint). */
int xb_trainer_epochs(const struct xb_trainer *t);
void xb_trainer_set_epochs(struct xb_trainer *t, int epochs);
struct xb_optim *xb_trainer_optim(struct xb_trainer *t);
/* The algorithm's state carried from epoch to epoch (hire: the crafted
 * input noise), *n floats that a caller may read and overwrite between
 * epochs: a checkpoint saves it and a resumed run puts it back, as it does
 * the optimiser's moments. NULL with *n = 0 if the algorithm has none. */
float *xb_trainer_carried(struct xb_trainer *t, size_t *n);
/* The name of the algorithm the trainer runs (xb_train_algorithm_names). */
const char *xb_trainer_algorithm(const struct xb_trainer *t);
/* sigma_train of the following epochs (one trainer serves several). */
void xb_trainer_set_sigma(struct xb_trainer *t, double sigma);

/* The seeded permutation of [0, n) for an epoch (epoch <= XB_RNG_MAX_VOTE,
 * as the trainer allows): perm[n]. */
void xb_epoch_permutation(uint64_t seed, uint32_t epoch, size_t n, uint32_t *perm);

#endif
