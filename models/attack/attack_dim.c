/*
 * DIM / DI-MI-FGSM (Xie et al. 2019, with Dong et al. 2018's momentum as
 * paper 000 uses it): MIM's steps (momentum transfer_mu over the
 * L1-normalised gradient), the gradient taken at T(x), a random resize of
 * the image to r × r, r uniform in [dim_min, side), zero-padded back to
 * side × side at a uniform offset — applied at a step with probability
 * dim_p, else T = identity. The shrink-and-pad variant of torchattacks'
 * DIFGSM (resize rate 0.9: r in {25, 26, 27} for 28 × 28), since a dense
 * net's input cannot grow; one transform per image and step (torchattacks
 * shares one per batch), drawn at the image's own address so batching
 * changes nothing. The gradient at T(x) goes back to x through T's
 * adjoint (xb_attack.h).
 */
#include <math.h>
#include <string.h>

#include "xb_attack.h"

/* floor(u · m) for u in (0, 1): an integer in [0, m). */
static int pick(float u, int m)
{
    const int k = (int)floor((double)u * (double)m);
    return k < m ? k : m - 1;
}

static void dim_diversity(const struct xb_attack_params *p, const struct xb_stream *st, int side,
                          struct xb_attack_resize *t)
{
    float u[4];
    xb_uniform_fill(st, 0, 4, u);
    *t = (struct xb_attack_resize){.r = side};
    if (!((double)u[0] < p->dim_p))
        return;
    t->r = p->dim_min + pick(u[1], side - p->dim_min);
    t->top = pick(u[2], side - t->r + 1);
    t->left = pick(u[3], side - t->r + 1);
}

static void dim_direction(const struct xb_attack_params *p, const float *g, float *d, size_t n)
{
    xb_attack_momentum(p->transfer_mu, g, d, n);
}

static int dim_steps(const struct xb_attack_params *p) { return p->steps; }
static double dim_step_size(const struct xb_attack_params *p) { return p->step; }

static enum xb_status dim_validate(struct xb_ctx *ctx, const struct xb_net *net,
                                   const struct xb_attack_params *p)
{
    const int side = xb_attack_image_side(net);
    if (!side || side > XB_ATTACK_MAX_SIDE)
        return xb_error(ctx, XB_EINVAL, "attack dim: the net's input is not a square "
                        "single-channel image of at most %d pixels a side; input diversity "
                        "resizes one", XB_ATTACK_MAX_SIDE);
    if (!(p->transfer_mu >= 0.0 && isfinite(p->transfer_mu)))
        return xb_error(ctx, XB_ERANGE, "attack transfer_mu = %g: expected a finite number "
                        ">= 0", p->transfer_mu);
    if (!(p->dim_p >= 0.0 && p->dim_p <= 1.0))
        return xb_error(ctx, XB_ERANGE, "attack dim_p = %g: expected a probability in [0, 1]",
                        p->dim_p);
    if (p->dim_min < 1 || p->dim_min >= side)
        return xb_error(ctx, XB_ERANGE, "attack dim_min = %d: expected a side in [1, %d) "
                        "(the image is %d × %d)", p->dim_min, side, side, side);
    return XB_OK;
}

const struct xb_attack_type xb_attack_dim = {
    .name = "dim",
    .label = "DIM",
    .steps = dim_steps,
    .step_size = dim_step_size,
    .direction = dim_direction,
    .diversity = dim_diversity,
    .validate = dim_validate,
};
