/*
 * `xbar attack --check`: the checklist, printed (xb_attack_check.h).
 */
#include "xb_attack_check.h"

#include <stdio.h>

#include "xb_attack_checklist.h"
#include "xb_cli.h"
#include "xb_spike.h"

int xb_attack_check_print(struct xb_ctx *ctx, struct xb_net *net,
                          const struct xb_attack_params *p, const int *sur, size_t n_sur,
                          double eps, const float *X, const uint8_t *y, size_t n)
{
    struct xb_checklist c;
    if (xb_checklist_run(ctx, net, p, sur, n_sur, eps, X, y, n, &c) != XB_OK)
        return XB_EXIT_FAIL;
    const double it = c.bim < c.pgd ? c.bim : c.pgd, wb = c.fgsm < it ? c.fgsm : it;
    const char *v[XB_CHECK_COUNT];
    int failed = 0;
    for (int k = 0; k < XB_CHECK_COUNT; k++) {
        v[k] = c.pass[k] ? "pass" : "FAIL";
        failed += !c.pass[k];
    }
    printf("checklist (paper 002 Table 4, Athalye et al. 2018) at eps %g on %zu images, "
           "accuracy in %%\nclean: %.2f\n", eps, n, 100.0 * c.clean);
    if (c.n_surrogates) { /* the gradient attacks' numbers are their lowest over these */
        printf("surrogates (each gradient attack's lowest accuracy): PGD");
        for (size_t i = 0; i < c.n_surrogates; i++)
            printf("%s %s %.2f", i ? "," : "", xb_surrogate_names[c.surrogate[i]],
                   100.0 * c.pgd_by_surrogate[i]);
        printf("\n");
    }
    printf("%-10s %s  FGSM %.2f >= min(BIM %.2f, PGD %.2f) = %.2f\n",
           xb_checklist_name(XB_CHECK_ONE_STEP), v[XB_CHECK_ONE_STEP], 100.0 * c.fgsm,
           100.0 * c.bim, 100.0 * c.pgd, 100.0 * it);
    printf("%-10s %s  NAttack %.2f >= min(FGSM, BIM, PGD) = %.2f\n",
           xb_checklist_name(XB_CHECK_BLACK_BOX), v[XB_CHECK_BLACK_BOX], 100.0 * c.nattack,
           100.0 * wb);
    printf("%-10s %s  PGD at eps 1: %.2f <= %.2f\n", xb_checklist_name(XB_CHECK_UNBOUNDED),
           v[XB_CHECK_UNBOUNDED], 100.0 * c.unbounded, 100.0 * XB_CHECKLIST_UNBOUNDED_MAX);
    printf("%-10s %s  PGD at eps", xb_checklist_name(XB_CHECK_MONOTONE), v[XB_CHECK_MONOTONE]);
    for (int k = 0; k < XB_CHECKLIST_GRID; k++)
        printf(" %g", c.grid[k]);
    printf(":");
    for (int k = 0; k < XB_CHECKLIST_GRID; k++)
        printf(" %.2f", 100.0 * c.curve[k]);
    printf(" (non-increasing)\n");
    printf("%-10s %s  random (%d points) %.2f >= PGD %.2f\n", xb_checklist_name(XB_CHECK_RANDOM),
           v[XB_CHECK_RANDOM], XB_CHECKLIST_SAMPLES, 100.0 * c.random, 100.0 * c.pgd);
    if (failed)
        printf("%d of %d tests failed: the gradient attacks' numbers do not show this target "
               "robust\n", failed, XB_CHECK_COUNT);
    else
        printf("all %d tests passed\n", XB_CHECK_COUNT);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(ctx, XB_EIO, "cannot write the checklist to stdout");
        return XB_EXIT_FAIL;
    }
    return failed ? XB_EXIT_CHECK_FAILED : XB_EXIT_OK;
}
