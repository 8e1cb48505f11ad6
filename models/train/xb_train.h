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

struct xb_train_params {
    size_t batch;                  /* samples per step (paper 001: 32) */
    struct xb_optim_params optim;
    enum xb_noise_kind noise;      /* noise-injected training */
    double sigma;                  /* sigma_train */
    int hw_aware;                  /* 1: forward on crossbars of `device` */
    struct xb_xbar_params device;  /* used when hw_aware */
    double device_t;               /* read time of those crossbars [s] */
};

void xb_train_params_default(struct xb_train_params *p);

struct xb_trainer;

/* The net must allow passes of batch rows. */
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
/* sigma_train of the following epochs (one trainer serves several). */
void xb_trainer_set_sigma(struct xb_trainer *t, double sigma);

/* The seeded permutation of [0, n) for an epoch (epoch <= XB_RNG_MAX_VOTE,
 * as the trainer allows): perm[n]. */
void xb_epoch_permutation(uint64_t seed, uint32_t epoch, size_t n, uint32_t *perm);

#endif
