/*
 * PGD (Madry et al. 2018): BIM's steps from a uniform random point of the
 * eps-ball (clipped to [0, 1]), with `restarts` independent starts whose
 * per-image best is kept (xb_attack_run).
 */
#include "xb_attack.h"

static int pgd_steps(const struct xb_attack_params *p) { return p->steps; }
static double pgd_step_size(const struct xb_attack_params *p) { return p->step; }

const struct xb_attack_type xb_attack_pgd = {
    .name = "pgd",
    .label = "PGD",
    .random_start = 1,
    .steps = pgd_steps,
    .step_size = pgd_step_size,
};
