/*
 * The obfuscated-gradient checklist (xb_attack_checklist.h).
 */
#include "xb_attack_checklist.h"

#include "xb_alloc.h"

static const struct {
    const char *name, *claim;
} tests[XB_CHECK_COUNT] = {
    [XB_CHECK_ONE_STEP] = {"one_step", "one-step FGSM no stronger than iterative BIM / PGD"},
    [XB_CHECK_BLACK_BOX] = {"black_box", "black-box NAttack no stronger than the white box"},
    [XB_CHECK_UNBOUNDED] = {"unbounded", "PGD at eps 1 reaches ~0 % accuracy (<= 1 %)"},
    [XB_CHECK_MONOTONE] = {"monotone", "PGD accuracy never rises as eps grows"},
    [XB_CHECK_RANDOM] = {"random", "random sampling in the eps-ball no stronger than PGD"},
};

const char *xb_checklist_name(enum xb_checklist_test k) { return tests[k].name; }
const char *xb_checklist_claim(enum xb_checklist_test k) { return tests[k].claim; }

/* The parameters of each run of the checklist: at eps, unbounded, the
 * random sampling's restarts. */
static void variants(const struct xb_attack_params *p, double eps, struct xb_attack_params *at,
                     struct xb_attack_params *unb, struct xb_attack_params *rnd)
{
    *at = *p, at->eps = eps;
    *unb = *at, unb->eps = 1.0;
    unb->step = p->step > 2.0 / p->steps ? p->step : 2.0 / p->steps;
    unb->step = unb->step < 1.0 ? unb->step : 1.0;
    *rnd = *at, rnd->restarts = XB_CHECKLIST_SAMPLES;
}

enum xb_status xb_checklist_run(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_params *p, const int *surrogates,
                                size_t n_surrogates, double eps, const float *X,
                                const uint8_t *y, size_t n, struct xb_checklist *out)
{
    *out = (struct xb_checklist){.eps = eps};
    if (n_surrogates > XB_CHECKLIST_MAX_SURROGATES)
        return xb_error(ctx, XB_ERANGE, "checklist: %zu surrogates, at most %d", n_surrogates,
                        XB_CHECKLIST_MAX_SURROGATES);
    out->n_surrogates = n_surrogates;
    for (size_t i = 0; i < n_surrogates; i++)
        out->surrogate[i] = surrogates[i];
    struct xb_attack_params at, unb, rnd;
    variants(p, eps, &at, &unb, &rnd);
    const struct xb_attack_type *const kinds[] = {&xb_attack_fgsm, &xb_attack_bim,
                                                  &xb_attack_pgd, &xb_attack_nattack};
    enum xb_status st = XB_OK;
    for (size_t k = 0; !st && k < sizeof kinds / sizeof *kinds; k++)
        st = xb_attack_params_validate(ctx, net, kinds[k], &at);
    for (size_t i = 0; !st && i < n_surrogates; i++) { /* each names a surrogate the net has */
        struct xb_attack_params q = at;
        q.surrogate = surrogates[i];
        st = xb_attack_params_validate(ctx, net, &xb_attack_pgd, &q);
    }
    if (!st)
        st = xb_attack_params_validate(ctx, net, &xb_attack_pgd, &unb);
    if (!st)
        st = xb_attack_params_validate(ctx, net, &xb_attack_random, &rnd);
    if (st)
        return st;
    const size_t F = xb_shape_size(xb_net_layer(net, 0)->in);
    float *adv = xb_aligned(n * F, sizeof(float));
    st = xb_attack_score(ctx, net, &at, X, y, n, &out->clean);
    double *acc[] = {&out->fgsm, &out->bim, &out->pgd, &out->nattack};
    for (size_t k = 0; !st && k < sizeof kinds / sizeof *kinds; k++)
        st = xb_attack_lowest(ctx, net, kinds[k], &at, surrogates, n_surrogates, X, y, n, adv,
                              kinds[k] == &xb_attack_pgd ? out->pgd_by_surrogate : NULL,
                              acc[k], NULL);
    if (!st)
        st = xb_attack_lowest(ctx, net, &xb_attack_pgd, &unb, surrogates, n_surrogates, X, y, n,
                              adv, NULL, &out->unbounded, NULL);
    if (!st)
        st = xb_attack_lowest(ctx, net, &xb_attack_random, &rnd, surrogates, n_surrogates, X, y,
                              n, adv, NULL, &out->random, NULL);
    for (int k = 0; !st && k < XB_CHECKLIST_GRID; k++) {
        struct xb_attack_params g = at;
        g.eps = out->grid[k] = eps * (double)k / (double)(XB_CHECKLIST_GRID - 1);
        st = k == XB_CHECKLIST_GRID - 1
                 ? (out->curve[k] = out->pgd, XB_OK)
                 : xb_attack_lowest(ctx, net, &xb_attack_pgd, &g, surrogates, n_surrogates, X, y,
                                    n, adv, NULL, &out->curve[k], NULL);
    }
    xb_free(adv);
    if (st)
        return st;
    const double iterative = out->bim < out->pgd ? out->bim : out->pgd;
    const double white = out->fgsm < iterative ? out->fgsm : iterative;
    out->pass[XB_CHECK_ONE_STEP] = out->fgsm >= iterative;
    out->pass[XB_CHECK_BLACK_BOX] = out->nattack >= white;
    out->pass[XB_CHECK_UNBOUNDED] = out->unbounded <= XB_CHECKLIST_UNBOUNDED_MAX;
    out->pass[XB_CHECK_MONOTONE] = 1;
    for (int k = 1; k < XB_CHECKLIST_GRID; k++)
        out->pass[XB_CHECK_MONOTONE] &= out->curve[k] <= out->curve[k - 1];
    out->pass[XB_CHECK_RANDOM] = out->random >= out->pgd;
    return XB_OK;
}

int xb_checklist_passed(const struct xb_checklist *c)
{
    for (int k = 0; k < XB_CHECK_COUNT; k++)
        if (!c->pass[k])
            return 0;
    return 1;
}
