#include "xb_error.h"

#include <stdio.h>
#include <stdlib.h>

const char *xb_status_str(enum xb_status status)
{
    switch (status) {
#define XB_X_CASE(name, value, text)                                          \
    case name:                                                                \
        return text;
        XB_STATUS_LIST(XB_X_CASE)
#undef XB_X_CASE
    }
    return "unknown status";
}

void xb_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "xbar: internal error at %s:%d: assertion '%s' failed\n",
            file, line, expr);
    abort();
}
