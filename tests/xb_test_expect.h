/*
 * xb_test_expect.h — the check every bad-input test makes: the call
 * failed, and its message names what it should (header-only, Criterion).
 */
#ifndef XB_TEST_EXPECT_H
#define XB_TEST_EXPECT_H

#include <criterion/criterion.h>
#include <string.h>

#include "xb_ctx.h"

/* st is an error whose message in ctx holds a, and b unless b is NULL. */
static inline void xb_test_expect_error(struct xb_ctx *ctx, enum xb_status st, const char *a,
                                        const char *b)
{
    cr_assert_neq(st, XB_OK, "accepted; expected an error naming '%s'", a);
    const char *m = xb_ctx_error(ctx);
    cr_assert(strstr(m, a) != NULL, "message '%s' lacks '%s'", m, a);
    if (b)
        cr_assert(strstr(m, b) != NULL, "message '%s' lacks '%s'", m, b);
}

#endif
