/*
 * nit-s — likelihood-ratio training with the sign of each copy's weight
 * score (paper 000 eq. 3): L · sgn(x_j ε_i / σ_i) for the weights, the
 * sigma score unchanged. Its expectation is eq. 5's surrogate direction,
 * not the gradient of E[L] (xb_lr.h).
 */
#include "xb_train_lr.h"

static enum xb_status nit_s_step(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                                 size_t step, double *loss)
{
    return xb_train_lr_step(ctx, t, pass, step, 1, loss);
}

const struct xb_train_algo xb_train_nit_s = {
    .name = "nit-s",
    .create = xb_train_lr_create,
    .rows = xb_train_lr_rows,
    .step = nit_s_step,
    .destroy = xb_train_lr_destroy,
};
