/*
 * xb_train_impl.h — the table of training algorithms behind xb_trainer
 * (xb_train.h), internal to models/train/. One file per entry
 * (train_<name>.c); xb_train.c runs the epoch (order, batches, the loss
 * bookkeeping) and hands each mini-batch to the entry's step.
 */
#ifndef XB_TRAIN_IMPL_H
#define XB_TRAIN_IMPL_H

#include "xb_train.h"

struct xb_trainer {
    struct xb_net *net;
    struct xb_train_params p;
    const struct xb_train_algo *algo;
    void *state;    /* the algorithm's own */
    struct xb_optim *optim;
    int epochs;
    uint64_t seed;
    size_t features;
    float *xb;      /* the batch's inputs */
    uint8_t *yb;    /* and labels */
    uint32_t *perm; /* grown to the data size */
    size_t perm_n;
};

struct xb_train_algo {
    const char *name;
    /* Checks p and the net, allocates t->state. NULL: nothing to do. */
    enum xb_status (*create)(struct xb_ctx *ctx, struct xb_trainer *t);
    /* Rows of the net a step takes. NULL: the batch. */
    size_t (*rows)(const struct xb_train_params *p);
    /* One step on the batch t->xb, t->yb of pass->rows samples (the pass
     * addresses them: sample0, batch, epoch; TRAIN phase, noise and sigma
     * of t->p): updates the parameters, *loss = the batch's mean loss.
     * step: steps taken before in this epoch, for messages. */
    enum xb_status (*step)(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                           size_t step, double *loss);
    /* After the last step of an epoch. NULL: nothing. */
    void (*epoch_end)(struct xb_trainer *t);
    /* The algorithm's state that carries from one epoch into the next
     * (hire: the crafted noise kappa), *n floats, read and written in
     * place between epochs; NULL (or *n = 0): none. Checkpoints save it,
     * so a resumed run equals the uninterrupted one. */
    float *(*carried)(struct xb_trainer *t, size_t *n);
    /* Frees t->state. NULL: nothing. */
    void (*destroy)(struct xb_trainer *t);
};

extern const struct xb_train_algo xb_train_backprop;
extern const struct xb_train_algo xb_train_hw_aware;
extern const struct xb_train_algo xb_train_nit;
extern const struct xb_train_algo xb_train_nit_s;
extern const struct xb_train_algo xb_train_nit_s_plus;
extern const struct xb_train_algo xb_train_hire;
extern const struct xb_train_algo xb_train_adversarial;

/* XB_ENUMERIC naming the epoch, step and the first layer with a non-finite
 * activation unless loss is finite. */
enum xb_status xb_train_check_loss(struct xb_ctx *ctx, struct xb_trainer *t, double loss,
                                   size_t step);
/* XB_ENUMERIC naming the epoch, step and layer unless every gradient is finite. */
enum xb_status xb_train_check_grads(struct xb_ctx *ctx, struct xb_trainer *t, size_t step);

#endif
