/*
 * xb_attack_checklist.h — the obfuscated-gradient checklist (Athalye,
 * Carlini & Wagner 2018, §3.1; paper 002 Table 4), run on one target:
 * five warning signs that a defence's robustness is an artefact of its
 * gradients rather than real, each a test on accuracies the attacks of
 * xb_attack.h measure on the same images:
 *
 *   one_step    FGSM is no stronger than the iterative attacks:
 *               acc(FGSM) >= min(acc(BIM), acc(PGD))
 *   black_box   the black box is no stronger than the white box:
 *               acc(NAttack) >= min(acc(FGSM), acc(BIM), acc(PGD))
 *   unbounded   an unbounded attack wins: acc(PGD at eps 1) <= 1 %
 *               (steps of max(step, 2 / steps), so the steps can cross
 *               the whole box)
 *   monotone    accuracy never rises with eps: acc(PGD) at eps · k / 4,
 *               k = 0 .. 4, non-increasing
 *   random      random sampling is no stronger than the gradient:
 *               acc(random, XB_CHECKLIST_SAMPLES points of the ball) >=
 *               acc(PGD)
 *
 * at the budget eps, every attack with the parameters p (its noise, EOT,
 * votes, steps, restarts, NAttack's search), scored as xbar attack scores
 * (the K-vote majority at votes the attack never saw). A defence that
 * fails one is not shown robust by the gradient attacks' numbers.
 *
 * Spiking targets: each gradient attack (FGSM, BIM, PGD, the unbounded
 * PGD and the eps grid) runs once per surrogate of the list given and its
 * lowest accuracy is the one tested, as xbar attack reports (issue 12). A
 * checklist on one surrogate can pass while another surrogate's gradient
 * breaks the target: on a spiking net with a last-step readout the
 * rectangular surrogate's PGD read 51 % where arctan's read 25 %
 * (configs/paper000/README.md).
 */
#ifndef XB_ATTACK_CHECKLIST_H
#define XB_ATTACK_CHECKLIST_H

#include "xb_attack.h"

/* Random points of the eps-ball per image in the `random` test. */
#define XB_CHECKLIST_SAMPLES 20
/* The accuracy an unbounded attack may leave: ~0 %. */
#define XB_CHECKLIST_UNBOUNDED_MAX 0.01
/* The eps grid of the `monotone` test: eps · k / (XB_CHECKLIST_GRID - 1). */
#define XB_CHECKLIST_GRID 5
/* Surrogates a checklist runs through at most (one per kind, xb_spike.h). */
#define XB_CHECKLIST_MAX_SURROGATES 4

enum xb_checklist_test {
    XB_CHECK_ONE_STEP,
    XB_CHECK_BLACK_BOX,
    XB_CHECK_UNBOUNDED,
    XB_CHECK_MONOTONE,
    XB_CHECK_RANDOM,
    XB_CHECK_COUNT
};

/* The numbers behind the tests, accuracies in [0, 1]. Plain data. */
struct xb_checklist {
    double eps, clean;
    double fgsm, bim, pgd, nattack, random; /* at eps */
    double unbounded;                       /* PGD at eps 1 */
    double grid[XB_CHECKLIST_GRID], curve[XB_CHECKLIST_GRID]; /* PGD against eps */
    int pass[XB_CHECK_COUNT];
    size_t n_surrogates;                         /* 0: the lif layers' own */
    int surrogate[XB_CHECKLIST_MAX_SURROGATES];  /* enum xb_surrogate */
    double pgd_by_surrogate[XB_CHECKLIST_MAX_SURROGATES]; /* PGD at eps, each */
};

/* The test's name ("one_step", ...) and what it asserts, one line. */
const char *xb_checklist_name(enum xb_checklist_test k);
const char *xb_checklist_claim(enum xb_checklist_test k);

/* Runs the checklist on X[n] (labels y) at budget eps (p's other keys as
 * given; p.eps is ignored) into out, the gradient attacks through each of
 * surrogates[0 .. n_surrogates) (none: p's surrogate alone; at most
 * XB_CHECKLIST_MAX_SURROGATES). The attacks' parameters are validated
 * first, errors naming the attack and key. Bit-identical for any thread
 * count. */
enum xb_status xb_checklist_run(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_params *p, const int *surrogates,
                                size_t n_surrogates, double eps, const float *X,
                                const uint8_t *y, size_t n, struct xb_checklist *out);

/* 1 if every test passed. */
int xb_checklist_passed(const struct xb_checklist *c);

#endif
