/*
 * What the entries of the training table share (xb_train_impl.h): the
 * non-finite checks of a step. Apart from xb_train.c, which holds the table,
 * so that the entries depend on this file and never back on the table.
 */
#include <math.h>
#include <string.h>

#include "xb_train_impl.h"

/* Tests the exponent bits (all ones: Inf or NaN) with an integer OR,
 * which vectorises; isfinite() per element did not, and this runs on every
 * gradient of every step. */
static int finite_array(const float *a, size_t n)
{
    uint32_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t b;
        memcpy(&b, a + k, sizeof b);
        bad |= (uint32_t)((b & 0x7F800000u) == 0x7F800000u);
    }
    return !bad;
}

enum xb_status xb_train_check_loss(struct xb_ctx *ctx, struct xb_trainer *t, double l,
                                   size_t steps)
{
    if (isfinite(l))
        return XB_OK;
    size_t layer = 0;
    int found = xb_net_find_nonfinite(t->net, &layer);
    size_t last = xb_net_n_layers(t->net) - 1;
    return xb_error(ctx, XB_ENUMERIC, "training stopped: loss is %g at epoch %u, step "
                    "%zu%s%zu (%s)", l, (uint32_t)t->epochs + 1, steps + 1,
                    found ? ", first non-finite activation in layer " : ", layer ",
                    found ? layer : last,
                    xb_net_layer(t->net, found ? layer : last)->type->name);
}

enum xb_status xb_train_check_grads(struct xb_ctx *ctx, struct xb_trainer *t, size_t steps)
{
    if (finite_array(xb_net_grads(t->net), xb_net_n_params(t->net)))
        return XB_OK;
    size_t layer = 0;
    int found = xb_net_find_nonfinite(t->net, &layer);
    return xb_error(ctx, XB_ENUMERIC, "training stopped: non-finite gradient at epoch "
                    "%u, step %zu, layer %zu (%s)", (uint32_t)t->epochs + 1, steps + 1,
                    found ? layer : 0, xb_net_layer(t->net, found ? layer : 0)->type->name);
}
