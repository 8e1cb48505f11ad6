/*
 * TIM / TI-MI-FGSM (Dong et al. 2019, with the momentum paper 000 uses):
 * MIM's steps (momentum transfer_mu) over the gradient smoothed by a
 * Gaussian kernel, g <- K ∗ g, a tim_kernel × tim_kernel kernel over one
 * channel ("same" size, zeros outside): torchattacks' TIFGSM kernel
 * (nsig = 3) sized for 28 × 28 — 7 × 7 is a 1-pixel sigma, where the
 * ImageNet default 15 would blur a digit's stroke away. Without DIM (the
 * paper's Tables 2-3 list them apart).
 */
#include <math.h>

#include "xb_attack.h"

static void tim_filter(const struct xb_attack_params *p, int side, const float *g, float *out)
{
    xb_attack_smooth(side, p->tim_kernel, g, out);
}

static void tim_direction(const struct xb_attack_params *p, const float *g, float *d, size_t n)
{
    xb_attack_momentum(p->transfer_mu, g, d, n);
}

static int tim_steps(const struct xb_attack_params *p) { return p->steps; }
static double tim_step_size(const struct xb_attack_params *p) { return p->step; }

static enum xb_status tim_validate(struct xb_ctx *ctx, const struct xb_net *net,
                                   const struct xb_attack_params *p)
{
    const int side = xb_attack_image_side(net);
    if (!side || side > XB_ATTACK_MAX_SIDE)
        return xb_error(ctx, XB_EINVAL, "attack tim: the net's input is not a square "
                        "single-channel image of at most %d pixels a side; the kernel "
                        "smooths one", XB_ATTACK_MAX_SIDE);
    if (!(p->transfer_mu >= 0.0 && isfinite(p->transfer_mu)))
        return xb_error(ctx, XB_ERANGE, "attack transfer_mu = %g: expected a finite number "
                        ">= 0", p->transfer_mu);
    if (p->tim_kernel < 1 || p->tim_kernel % 2 == 0 || p->tim_kernel > 2 * side - 1)
        return xb_error(ctx, XB_ERANGE, "attack tim_kernel = %d: expected an odd side in [1, "
                        "%d] (the image is %d × %d)", p->tim_kernel, 2 * side - 1, side, side);
    return XB_OK;
}

const struct xb_attack_type xb_attack_tim = {
    .name = "tim",
    .label = "TIM",
    .steps = tim_steps,
    .step_size = tim_step_size,
    .direction = tim_direction,
    .filter = tim_filter,
    .validate = tim_validate,
};
