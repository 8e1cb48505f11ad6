/*
 * BIM / I-FGSM (Kurakin, Goodfellow & Bengio 2017): `steps` signed steps of
 * `step` from the clean image, each projected onto the eps-ball and
 * [0, 1]. No random start.
 */
#include "xb_attack.h"

static int bim_steps(const struct xb_attack_params *p) { return p->steps; }
static double bim_step_size(const struct xb_attack_params *p) { return p->step; }

const struct xb_attack_type xb_attack_bim = {
    .name = "bim",
    .label = "BIM",
    .steps = bim_steps,
    .step_size = bim_step_size,
};
