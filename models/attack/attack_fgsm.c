/*
 * FGSM (Goodfellow, Shlens & Szegedy 2015): one step of eps along the sign
 * of the gradient at the clean image, x' = clip_[0,1](x0 + eps·sign(g)).
 * No random start; step and steps do not apply.
 */
#include "xb_attack.h"

static int fgsm_steps(const struct xb_attack_params *p)
{
    (void)p;
    return 1;
}

static double fgsm_step_size(const struct xb_attack_params *p) { return p->eps; }

const struct xb_attack_type xb_attack_fgsm = {
    .name = "fgsm",
    .label = "FGSM",
    .steps = fgsm_steps,
    .step_size = fgsm_step_size,
};
