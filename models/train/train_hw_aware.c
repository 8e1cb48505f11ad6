/*
 * hw-aware — hardware-aware backpropagation (xb_train.h): before every
 * step the weighted layers are programmed onto crossbars of the device
 * (a fresh chip instance per step, from the step count), their converter
 * ranges calibrated on the batch and aged to the read time; the forward
 * pass runs on them and the gradients are digital and exact (backprop's
 * step).
 */
#include "xb_train_impl.h"

static enum xb_status hw_aware_step(struct xb_ctx *ctx, struct xb_trainer *t,
                                    struct xb_pass *pass, size_t step, double *loss)
{
    struct xb_xbar_params dp = t->p.device;
    dp.instance = XB_TRAIN_INSTANCE0 + (uint32_t)(xb_optim_steps(t->optim) % XB_TRAIN_INSTANCES);
    enum xb_status st = xb_net_program(ctx, t->net, &dp);
    /* Converter ranges from this batch, as a chip calibrates on data. */
    if (!st)
        st = xb_net_calibrate(ctx, t->net, t->xb, pass->rows);
    if (!st)
        st = xb_net_age(ctx, t->net, t->p.device_t);
    if (st)
        return st;
    pass->on_device = 1;
    pass->instance = dp.instance;
    return xb_train_backprop.step(ctx, t, pass, step, loss);
}

static void hw_aware_epoch_end(struct xb_trainer *t) { xb_net_unprogram(t->net); }

const struct xb_train_algo xb_train_hw_aware = {
    .name = "hw-aware",
    .step = hw_aware_step,
    .epoch_end = hw_aware_epoch_end,
};
