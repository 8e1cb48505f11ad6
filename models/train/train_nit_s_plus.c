/*
 * nit-s+ — NIT-S for the first lr.switch_epoch epochs, NIT after (paper 000
 * §4.4: 70 of 100 epochs): the sign variant's cheap, bounded steps while far
 * from a minimum, the unbiased estimator near it, where eq. 5's extra
 * 1/|Z| weighting would bias the end point.
 */
#include "xb_train_lr.h"

static enum xb_status nit_s_plus_step(struct xb_ctx *ctx, struct xb_trainer *t,
                                      struct xb_pass *pass, size_t step, double *loss)
{
    return xb_train_lr_step(ctx, t, pass, step, t->epochs < t->p.lr.switch_epoch, loss);
}

const struct xb_train_algo xb_train_nit_s_plus = {
    .name = "nit-s+",
    .create = xb_train_lr_create,
    .rows = xb_train_lr_rows,
    .step = nit_s_plus_step,
    .destroy = xb_train_lr_destroy,
};
