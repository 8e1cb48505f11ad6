#include "xb_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

char *xb_text_escape(char *dst, size_t size, const char *src)
{
    size_t len = 0;
    if (size == 0)
        return dst;
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        char esc[5];
        if (*p >= 0x20 && *p != 0x7f)
            esc[0] = (char)*p, esc[1] = '\0';
        else if (*p == '\n' || *p == '\r' || *p == '\t')
            esc[0] = '\\', esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't', esc[2] = '\0';
        else
            snprintf(esc, sizeof esc, "\\x%02X", *p);
        size_t n = strlen(esc);
        if (len + n >= size)
            break;
        memcpy(dst + len, esc, n);
        len += n;
    }
    dst[len] = '\0';
    return dst;
}

void xb_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "xbar: internal error at %s:%d: assertion '%s' failed\n",
            file, line, expr);
    abort();
}
