/*
 * xb_attack_text.h — an attack result (sim/io/xb_attack_read.h) as xbar info
 * prints it: the robustness table in the layout of paper 000's Tables 2-3
 * (a row per eps; Ori., then a column per attack: FGSM, BIM, PGD, MIM,
 * NAttack, DIM, TIM as the run listed them), accuracy in percent; on a
 * device the mean over the chips, then the 95 % Student-t half-widths over
 * them; for a transfer file the target's noiseless table, the source's own,
 * then the target's mean and half-width over the repeats at each
 * sigma_test.
 */
#ifndef XB_ATTACK_TEXT_H
#define XB_ATTACK_TEXT_H

#include "xb_attack_read.h"

/* The text (xb_free). */
char *xb_attack_text(const struct xb_attack_file *f);

#endif
