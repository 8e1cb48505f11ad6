/*
 * xb_attack_check.h — `xbar attack --check`: the obfuscated-gradient
 * checklist (models/attack/xb_attack_checklist.h) run on a loaded model
 * and printed, one line per test with its verdict and the numbers behind
 * it.
 */
#ifndef XB_ATTACK_CHECK_H
#define XB_ATTACK_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "xb_attack.h"

/* The exit status of `xbar attack --check` when the checklist ran and at
 * least one test failed (0: all passed; 1: could not run; 2: usage). */
#define XB_EXIT_CHECK_FAILED 3

/* Every kind: under --check the kind-dependent keys (mu, transfer_mu,
 * dim_*, tim_kernel, ...) are not reported as unused. */
#define XB_ATTACK_CHECK_KINDS "fgsm, bim, pgd, mim, nattack, dim, tim, random"

/* Runs the checklist on the first n of X (labels y) at eps under p, the
 * gradient attacks through each of sur[0 .. n_sur) (attack.surrogates; none:
 * p's), and prints it to stdout; returns the exit status (0,
 * XB_EXIT_CHECK_FAILED, or 1 with the error in ctx). */
int xb_attack_check_print(struct xb_ctx *ctx, struct xb_net *net,
                          const struct xb_attack_params *p, const int *sur, size_t n_sur,
                          double eps, const float *X, const uint8_t *y, size_t n);

#endif
