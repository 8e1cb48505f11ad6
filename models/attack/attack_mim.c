/*
 * MIM / MI-FGSM (Dong et al. 2018, eq. 6): the momentum of the
 * L1-normalised gradients,
 *   d_{k+1} = mu · d_k + g_k / ||g_k||_1      (per image),
 * stepped along by its sign as BIM does. The paper's update, not foolbox's
 * (which accumulates sign(g)). An image whose gradient is all zero adds
 * nothing to its momentum.
 */
#include "xb_attack.h"

static int mim_steps(const struct xb_attack_params *p) { return p->steps; }
static double mim_step_size(const struct xb_attack_params *p) { return p->step; }

void xb_attack_momentum(double mu, const float *g, float *d, size_t n)
{
    double l1 = 0.0;
    for (size_t i = 0; i < n; i++)
        l1 += g[i] < 0.0f ? -(double)g[i] : (double)g[i];
    const double inv = l1 > 0.0 ? 1.0 / l1 : 0.0;
    for (size_t i = 0; i < n; i++)
        d[i] = (float)(mu * (double)d[i] + inv * (double)g[i]);
}

static void mim_direction(const struct xb_attack_params *p, const float *g, float *d, size_t n)
{
    xb_attack_momentum(p->mu, g, d, n);
}

const struct xb_attack_type xb_attack_mim = {
    .name = "mim",
    .label = "MIM",
    .steps = mim_steps,
    .step_size = mim_step_size,
    .direction = mim_direction,
};
