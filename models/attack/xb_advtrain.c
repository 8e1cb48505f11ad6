/*
 * The attack of adversarial training as the trainer's hook (xb_advtrain.h).
 */
#include "xb_advtrain.h"

struct xb_attack_params xb_advtrain_params(const struct xb_advtrain *a, uint32_t sample0,
                                           uint32_t epoch)
{
    struct xb_attack_params p = a->p;
    p.noise = XB_NOISE_NONE, p.sigma = 0.0, p.votes = 1, p.eot = 1, p.on_device = 0;
    p.sample0 = sample0, p.stream = XB_ATTACK_STREAM_TRAIN, p.epoch = epoch;
    return p;
}

static enum xb_status advtrain_make(struct xb_ctx *ctx, const void *self, struct xb_net *net,
                                    const float *X, const uint8_t *y, size_t n,
                                    uint32_t sample0, uint32_t epoch, float *X_adv)
{
    const struct xb_advtrain *a = self;
    const struct xb_attack_params p = xb_advtrain_params(a, sample0, epoch);
    return xb_attack_run(ctx, net, a->type, &p, X, y, n, X_adv);
}

struct xb_train_adversary xb_advtrain_hook(const struct xb_advtrain *a)
{
    return (struct xb_train_adversary){.make = advtrain_make, .self = a};
}
