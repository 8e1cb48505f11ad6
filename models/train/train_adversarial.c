/*
 * adversarial — adversarial training (Madry, Makelov, Schmidt, Tsipras &
 * Vladu 2018) with the batches of paper 001 §4: of each mini-batch of m
 * samples, the first m/2 (rounded down) stay natural and the other m - m/2
 * are replaced by adversarial examples the hook p->adversary makes against
 * the current parameters (xb_train.h); then backprop's step on the mixed
 * batch, every row weighted alike.
 *
 * The adversarial rows are positions sample0 + m/2 .. of the epoch's order,
 * so their random starts are addressed by (epoch, position) alone: the
 * same bits for any thread count, and after a resume from any epoch.
 */
#include <string.h>

#include "xb_alloc.h"
#include "xb_train_impl.h"

static enum xb_status adversarial_create(struct xb_ctx *ctx, struct xb_trainer *t)
{
    if (!t->p.adversary.make)
        return xb_error(ctx, XB_EINVAL, "train.algorithm = \"adversarial\" needs an attack "
                        "(xb_train_params.adversary: models/attack/xb_advtrain.h)");
    t->state = xb_aligned(t->p.batch * t->features, sizeof(float));
    return XB_OK;
}

static enum xb_status adversarial_step(struct xb_ctx *ctx, struct xb_trainer *t,
                                       struct xb_pass *pass, size_t step, double *loss)
{
    const size_t m = pass->rows, h = m / 2, F = t->features;
    float *adv = t->state;
    const struct xb_train_adversary *a = &t->p.adversary;
    enum xb_status st = a->make(ctx, a->self, t->net, t->xb + h * F, t->yb + h, m - h,
                                pass->addr.sample0 + (uint32_t)h, pass->addr.epoch, adv);
    if (st)
        return st;
    memcpy(t->xb + h * F, adv, (m - h) * F * sizeof(float));
    return xb_train_backprop.step(ctx, t, pass, step, loss);
}

static void adversarial_destroy(struct xb_trainer *t) { xb_free(t->state); }

const struct xb_train_algo xb_train_adversarial = {
    .name = "adversarial",
    .create = adversarial_create,
    .step = adversarial_step,
    .destroy = adversarial_destroy,
};
