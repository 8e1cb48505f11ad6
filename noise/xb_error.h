/*
 * xb_error.h — the one vocabulary of outcomes shared by every xbar module.
 *
 * Three tiers (CONVENTIONS.md "Errors"):
 *   1. recoverable errors return an xb_status and leave a message in the
 *      context (xb_ctx_error) that names the input (file:line, option, key)
 *      and what was expected; libraries never print or exit;
 *   2. programmer errors trip XB_ASSERT, which stays on in release builds;
 *   3. out of memory aborts inside xb_malloc with the size and call site.
 */
#ifndef XB_ERROR_H
#define XB_ERROR_H

#include <stddef.h>

#define XB_STATUS_LIST(X)                                                     \
    X(XB_OK, 0, "success")                                                    \
    X(XB_EINVAL, 1, "invalid argument")                                       \
    X(XB_ERANGE, 2, "value out of range")                                     \
    X(XB_ENOTFOUND, 3, "not found")                                           \
    X(XB_EIO, 4, "input/output error")                                        \
    X(XB_EFORMAT, 5, "malformed input")                                       \
    X(XB_ESHAPE, 6, "shape mismatch")                                         \
    X(XB_ENUMERIC, 7, "non-finite value")

enum xb_status {
#define XB_X_ENUM(name, value, text) name = value,
    XB_STATUS_LIST(XB_X_ENUM)
#undef XB_X_ENUM
};

/* A short English description of a status; never NULL. Thread-safe. */
const char *xb_status_str(enum xb_status status);

/* Copies src into dst[size] (always nul-terminated, cut short if need be)
 * with every control character written visibly — \n, \r, \t, or \xNN —
 * so that user input quoted in a message keeps the message on one line
 * (a config string or --set value may hold a newline). Returns dst. Every
 * xb_error message passes through it. */
char *xb_text_escape(char *dst, size_t size, const char *src);

/* Aborts with file:line and the failed expression. Used for broken
 * invariants inside xbar, never for bad user input. */
void xb_assert_fail(const char *expr, const char *file, int line);

#define XB_ASSERT(expr)                                                       \
    ((expr) ? (void)0 : xb_assert_fail(#expr, __FILE__, __LINE__))

#endif
