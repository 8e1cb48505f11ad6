/*
 * Random sampling in the eps-ball (Athalye, Carlini & Wagner 2018, §3.1:
 * the baseline a gradient attack must beat): `restarts` uniform points of
 * the ball (clipped to [0, 1]), no gradient step; the first the attacker's
 * check sees misclassified is kept (xb_attack_run). Not a column of paper
 * 000's tables; `xbar attack --check` compares it with PGD.
 */
#include "xb_attack.h"

static int random_steps(const struct xb_attack_params *p)
{
    (void)p;
    return 0;
}

static double random_step_size(const struct xb_attack_params *p) { return p->eps; }

const struct xb_attack_type xb_attack_random = {
    .name = "random",
    .label = "Random",
    .random_start = 1,
    .gradient_free = 1,
    .steps = random_steps,
    .step_size = random_step_size,
};
