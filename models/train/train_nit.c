/*
 * nit — likelihood-ratio training (paper 000 eq. 2, Algorithm 1): the
 * gradient of every weight, bias and learned noise std from forward passes
 * of C noisy copies (xb_lr.h), then the optimiser's step and the projection
 * of the stds. nit-s and nit-s+ (train_nit_s.c, train_nit_s_plus.c) share
 * the step (xb_train_lr.c), differing only in when the weight score is
 * signed.
 */
#include "xb_train_lr.h"

static enum xb_status nit_step(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                               size_t step, double *loss)
{
    return xb_train_lr_step(ctx, t, pass, step, 0, loss);
}

const struct xb_train_algo xb_train_nit = {
    .name = "nit",
    .create = xb_train_lr_create,
    .rows = xb_train_lr_rows,
    .step = nit_step,
    .destroy = xb_train_lr_destroy,
};
