/*
 * What an attacked target reads, and the lowest accuracy over the
 * surrogates (xb_attack.h): the one scoring `xbar attack` and its
 * checklist share, so a chip, a vote rule or a surrogate list means the
 * same in both.
 */
#include "xb_attack.h"

#include <string.h>

#include "xb_alloc.h"

enum xb_status xb_attack_score(struct xb_ctx *ctx, struct xb_net *net,
                               const struct xb_attack_params *p, const float *X,
                               const uint8_t *y, size_t n, double *acc)
{
    const struct xb_eval_params ep = {.repeats = 1, .votes = p->votes, .vote = p->vote,
                                      .noise = p->noise, .sigma = p->sigma,
                                      .on_device = p->on_device, .instance = p->instance};
    double single, *vote = xb_malloc((size_t)p->votes, sizeof *vote);
    const enum xb_status st = xb_eval_run(ctx, net, &ep, X, y, n, &single, vote);
    if (!st)
        *acc = vote[p->votes - 1];
    xb_free(vote);
    return st;
}

enum xb_status xb_attack_lowest(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_type *t,
                                const struct xb_attack_params *p, const int *sur, size_t n_sur,
                                const float *X, const uint8_t *y, size_t n, float *adv,
                                double *per, double *acc, float *keep)
{
    /* A gradient-free kind's images do not depend on the surrogate. */
    const size_t runs = n_sur && !t->gradient_free ? n_sur : 1;
    const size_t F = xb_shape_size(xb_net_layer(net, 0)->in);
    enum xb_status st = XB_OK;
    for (size_t i = 0; i < runs && !st; i++) {
        struct xb_attack_params q = *p;
        if (n_sur)
            q.surrogate = sur[i];
        double a = 0.0;
        st = xb_attack_run(ctx, net, t, &q, X, y, n, adv);
        if (!st)
            st = xb_attack_score(ctx, net, &q, adv, y, n, &a);
        if (st)
            break;
        if (per)
            per[i] = a;
        if (i == 0 || a < *acc) {
            *acc = a;
            if (keep)
                memcpy(keep, adv, n * F * sizeof(float));
        }
    }
    for (size_t i = runs; !st && per && i < n_sur; i++)
        per[i] = per[0];
    return st;
}
