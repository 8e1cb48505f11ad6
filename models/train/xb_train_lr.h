/*
 * xb_train_lr.h — what the likelihood-ratio entries of the training table
 * (train_nit.c, train_nit_s.c, train_nit_s_plus.c) share: the estimator's
 * state as the trainer's, and one step with the weight score signed or not.
 * Internal to models/train/.
 */
#ifndef XB_TRAIN_LR_H
#define XB_TRAIN_LR_H

#include "xb_train_impl.h"

enum xb_status xb_train_lr_create(struct xb_ctx *ctx, struct xb_trainer *t);
size_t xb_train_lr_rows(const struct xb_train_params *p);
void xb_train_lr_destroy(struct xb_trainer *t);
/* xb_lr_gradient (sign: NIT-S's weight score), the non-finite checks, the
 * optimiser's step and the projection of the learned stds. */
enum xb_status xb_train_lr_step(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                                size_t step, int sign, double *loss);

#endif
