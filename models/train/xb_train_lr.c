/*
 * The likelihood-ratio entries' shared step (xb_train_lr.h).
 */
#include "xb_train_lr.h"

#include "xb_lr.h"

enum xb_status xb_train_lr_create(struct xb_ctx *ctx, struct xb_trainer *t)
{
    struct xb_lr *lr;
    enum xb_status st = xb_lr_create(ctx, t->net, &t->p, &lr);
    if (st)
        return st;
    t->state = lr;
    return XB_OK;
}

size_t xb_train_lr_rows(const struct xb_train_params *p) { return p->lr.copies * p->batch; }

void xb_train_lr_destroy(struct xb_trainer *t)
{
    xb_lr_free(t->state);
    t->state = NULL;
}

enum xb_status xb_train_lr_step(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                                size_t step, int sign, double *loss)
{
    struct xb_lr *lr = t->state;
    double l;
    enum xb_status st = xb_lr_gradient(ctx, lr, pass, t->xb, t->yb, sign, &l);
    if (!st)
        st = xb_train_check_loss(ctx, t, l, step);
    if (!st)
        st = xb_train_check_grads(ctx, t, step);
    if (st)
        return st;
    xb_optim_step(t->optim, xb_net_params(t->net), xb_net_grads(t->net));
    xb_lr_project(lr);
    *loss = l;
    return XB_OK;
}
