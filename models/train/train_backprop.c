/*
 * backprop — digital backpropagation of the mean loss over the batch, the
 * trainer xbar has always had: noise-injected when the pass carries noise
 * (paper 001 §3; the backward pass differentiates the forward's draw).
 */
#include "xb_train_impl.h"

static enum xb_status backprop_step(struct xb_ctx *ctx, struct xb_trainer *t,
                                    struct xb_pass *pass, size_t step, double *loss)
{
    xb_net_forward(t->net, pass, t->xb);
    double l = xb_net_loss(t->net, t->yb, pass->rows);
    enum xb_status st = xb_train_check_loss(ctx, t, l, step);
    if (st)
        return st;
    xb_net_backward(t->net, pass, t->xb);
    st = xb_train_check_grads(ctx, t, step);
    if (st)
        return st;
    xb_optim_step(t->optim, xb_net_params(t->net), xb_net_grads(t->net));
    *loss = l;
    return XB_OK;
}

const struct xb_train_algo xb_train_backprop = {
    .name = "backprop",
    .step = backprop_step,
};
