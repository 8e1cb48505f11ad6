/*
 * xb_test_net.h — building small nets in tests (tests/models/test_eval_ref.c,
 * tests/models/test_train_ref.c; header-only: every tests/test_*.c is its own
 * binary).
 */
#ifndef XB_TEST_NET_H
#define XB_TEST_NET_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "xb_net.h"

/* A layer of the given type with `units` outputs (0 where none). */
static inline struct xb_layer_config xb_test_layer(const char *type, int units)
{
    struct xb_layer_config c = {.units = units};
    snprintf(c.type, sizeof c.type, "%s", type);
    return c;
}

/* The net of cfg for passes of up to max_rows rows; fails the test on error. */
static inline struct xb_net *xb_test_net(struct xb_ctx *ctx, const struct xb_net_config *cfg,
                                         size_t max_rows)
{
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, cfg, max_rows, &net), XB_OK, "%s", xb_ctx_error(ctx));
    return net;
}

#endif
