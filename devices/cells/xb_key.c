/*
 * xb_key.c — the generic operations on key rows (xb_key.h): strict
 * parsing, range checks, formatting and defaults, from the row alone.
 *
 * Every value a user types passes through xb_key_set, so the rules are
 * strict on purpose (CONVENTIONS.md "Errors"): the whole text is the value
 * (no blanks, no trailing unit), numbers are finite and in range, and each
 * failure names where the value came from and what was expected.
 */
#include "xb_key.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xb_parse_double(const char *text, double *out)
{
    /* strtod skips leading blanks; a strict parser does not. */
    if (!text || !*text || isspace((unsigned char)text[0]))
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int xb_parse_long(const char *text, long *out)
{
    if (!text || !*text || isspace((unsigned char)text[0]))
        return 0;
    errno = 0;
    char *end = NULL;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

void xb_key_format_double(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

const struct xb_key *xb_key_find(const struct xb_key *t, size_t n, const char *group,
                                 const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].name, name) && (!group || (t[i].group && !strcmp(t[i].group, group))))
            return &t[i];
    return NULL;
}

void xb_key_names(const struct xb_key *t, size_t n, const char *group, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++)
        if (!group || (t[i].group && !strcmp(t[i].group, group)))
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", t[i].name);
}

static void *field(const struct xb_key *k, void *base)
{
    return (char *)base + k->offset;
}
static const void *cfield(const struct xb_key *k, const void *base)
{
    return (const char *)base + k->offset;
}

static double load(const struct xb_key *k, const void *base)
{
    const void *f = cfield(k, base);
    switch (k->store) {
    case XB_STORE_INT:
        return (double)*(const int *)f;
    case XB_STORE_SIZE:
        return (double)*(const size_t *)f;
    case XB_STORE_U32:
        return (double)*(const uint32_t *)f;
    case XB_STORE_DOUBLE:
        break;
    }
    return *(const double *)f;
}

double xb_key_load(const struct xb_key *k, const void *base)
{
    double v = load(k, base);
    return k->flags & XB_KEY_NEGATE ? (double)(v == 0.0) : v;
}

void xb_key_store(const struct xb_key *k, void *base, double v)
{
    void *f = field(k, base);
    if (k->flags & XB_KEY_NEGATE)
        v = (double)(v == 0.0);
    switch (k->store) {
    case XB_STORE_INT:
        *(int *)f = (int)v;
        return;
    case XB_STORE_SIZE:
        *(size_t *)f = (size_t)v;
        return;
    case XB_STORE_U32:
        *(uint32_t *)f = (uint32_t)v;
        return;
    case XB_STORE_DOUBLE:
        break;
    }
    *(double *)f = v;
}

/* The first and one past the last index of k's choices that are allowed. */
static void choice_span(const struct xb_key *k, int *lo, int *hi)
{
    int n = 0;
    while (k->choices[n])
        n++;
    *lo = 0;
    *hi = n;
    if (k->min != 0.0 || k->max != 0.0) {
        *lo = (int)k->min;
        *hi = (int)k->max + 1;
    }
}

/* "[lo, hi]" as messages always wrote it: integers in full, reals by %g. */
static void range_text(const struct xb_key *k, char *buf, size_t size)
{
    const char *close = k->flags & XB_KEY_MAX_OPEN ? ")" : "]";
    if (k->type == XB_KEY_INT)
        snprintf(buf, size, "[%.0f, %.0f%s", k->min, k->max, close);
    else
        snprintf(buf, size, "[%g, %g%s", k->min, k->max, close);
}

void xb_key_expected(const struct xb_key *k, char *buf, size_t size)
{
    char range[80];
    range_text(k, range, sizeof range);
    switch (k->type) {
    case XB_KEY_INT:
        snprintf(buf, size, "an integer in %s", range);
        return;
    case XB_KEY_REAL:
        snprintf(buf, size, "a number in %s", range);
        return;
    case XB_KEY_REALS:
        snprintf(buf, size, "1 to %zu numbers in %s", k->size, range);
        return;
    case XB_KEY_BOOL:
        snprintf(buf, size, "true or false");
        return;
    case XB_KEY_STRING:
        snprintf(buf, size, "a text of at most %zu characters", k->size - 1);
        return;
    case XB_KEY_ENUM: {
        int lo, hi;
        size_t len = (size_t)snprintf(buf, size, "one of ");
        choice_span(k, &lo, &hi);
        for (int i = lo; i < hi && len < size; i++)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", i > lo ? ", " : "",
                                    k->choices[i]);
        return;
    }
    case XB_KEY_CUSTOM:
        snprintf(buf, size, "%s", k->custom->expected);
        return;
    }
}

static int in_range(const struct xb_key *k, double v)
{
    if (k->flags & XB_KEY_MAX_OPEN)
        return v >= k->min && v < k->max;
    return v >= k->min && v <= k->max;
}

static enum xb_status expected(struct xb_ctx *ctx, enum xb_status st, const struct xb_key *k,
                               const char *origin)
{
    char what[256];
    xb_key_expected(k, what, sizeof what);
    return xb_error(ctx, st, "%s: expected %s", origin, what);
}

/* The longest list a REALS row may hold. */
#define XB_KEY_MAX_REALS 256

static enum xb_status set_reals(struct xb_ctx *ctx, const struct xb_key *k, void *base,
                                const char *text, const char *origin)
{
    /* A comma-separated list: "0,0.5,1" (blanks after a comma allowed),
     * stored only when all of it is valid. */
    double v, list[XB_KEY_MAX_REALS] = {0};
    size_t m = 0;
    char buf[4096], *save = NULL;
    XB_ASSERT(k->size <= XB_KEY_MAX_REALS);
    if (strlen(text) >= sizeof buf)
        return xb_error(ctx, XB_ERANGE, "%s: list too long", origin);
    strcpy(buf, text);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        if (m == k->size)
            return xb_error(ctx, XB_ERANGE, "%s: at most %zu values", origin, k->size);
        if (!xb_parse_double(tok, &v) || !in_range(k, v)) {
            char range[80];
            range_text(k, range, sizeof range);
            return xb_error(ctx, XB_ERANGE, "%s: '%s': expected numbers in %s", origin, tok,
                            range);
        }
        list[m++] = v;
    }
    if (m == 0)
        return xb_error(ctx, XB_EINVAL, "%s: the grid is empty", origin);
    /* The whole array, so that equal lists are equal bytes. */
    memcpy(field(k, base), list, k->size * sizeof *list);
    *(size_t *)((char *)base + k->count) = m;
    return XB_OK;
}

enum xb_status xb_key_set(struct xb_ctx *ctx, const struct xb_key *k, void *base,
                          const char *text, const char *origin)
{
    long l;
    double d;
    switch (k->type) {
    case XB_KEY_INT:
        if (!xb_parse_long(text, &l))
            return expected(ctx, XB_EINVAL, k, origin);
        if (l < (long)k->min || l > (long)k->max)
            return expected(ctx, XB_ERANGE, k, origin);
        xb_key_store(k, base, (double)l);
        return XB_OK;
    case XB_KEY_REAL:
        if (!xb_parse_double(text, &d))
            return expected(ctx, XB_EINVAL, k, origin);
        if (!in_range(k, d))
            return expected(ctx, XB_ERANGE, k, origin);
        xb_key_store(k, base, d);
        return XB_OK;
    case XB_KEY_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            xb_key_store(k, base, 1.0);
        else if (!strcmp(text, "false") || !strcmp(text, "0"))
            xb_key_store(k, base, 0.0);
        else
            return expected(ctx, XB_EINVAL, k, origin);
        return XB_OK;
    case XB_KEY_ENUM: {
        int lo, hi;
        choice_span(k, &lo, &hi);
        for (int i = lo; i < hi; i++)
            if (!strcmp(k->choices[i], text)) {
                xb_key_store(k, base, (double)i);
                return XB_OK;
            }
        return expected(ctx, XB_EINVAL, k, origin);
    }
    case XB_KEY_STRING:
        /* Never cut short in silence. */
        if (strlen(text) >= k->size)
            return xb_error(ctx, XB_ERANGE, "%s: longer than %zu characters", origin,
                            k->size - 1);
        /* The whole buffer, so that equal values are equal bytes. */
        memset(field(k, base), 0, k->size);
        memcpy(field(k, base), text, strlen(text));
        return XB_OK;
    case XB_KEY_REALS:
        return set_reals(ctx, k, base, text, origin);
    case XB_KEY_CUSTOM:
        return k->custom->set(ctx, k, base, text, origin);
    }
    return xb_error(ctx, XB_EINVAL, "%s: unhandled key type", origin);
}

void xb_key_get(const struct xb_key *k, const void *base, char *buf, size_t size)
{
    switch (k->type) {
    case XB_KEY_INT:
    case XB_KEY_REAL:
        xb_key_format_double(xb_key_load(k, base), buf, size);
        return;
    case XB_KEY_BOOL:
        snprintf(buf, size, "%s", xb_key_load(k, base) != 0.0 ? "true" : "false");
        return;
    case XB_KEY_ENUM:
        snprintf(buf, size, "%s", k->choices[(int)xb_key_load(k, base)]);
        return;
    case XB_KEY_STRING:
        snprintf(buf, size, "%s", (const char *)cfield(k, base));
        return;
    case XB_KEY_REALS: {
        const double *arr = cfield(k, base);
        size_t m = *(const size_t *)((const char *)base + k->count), len = 0;
        char one[32];
        buf[0] = '\0';
        for (size_t i = 0; i < m && len < size; i++) {
            xb_key_format_double(arr[i], one, sizeof one);
            len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", one);
        }
        return;
    }
    case XB_KEY_CUSTOM:
        k->custom->get(k, base, buf, size);
        return;
    }
}

void xb_key_defaults(const struct xb_key *t, size_t n, void *base)
{
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &t[i];
        if (k->flags & XB_KEY_ALIAS)
            continue;
        switch (k->type) {
        case XB_KEY_STRING:
            snprintf(field(k, base), k->size, "%s", k->def_text ? k->def_text : "");
            break;
        case XB_KEY_REALS:
            *(size_t *)((char *)base + k->count) = 0;
            if (k->def_text && k->def_text[0]) {
                enum xb_status st = set_reals(NULL, k, base, k->def_text, "");
                XB_ASSERT(st == XB_OK);
            }
            break;
        case XB_KEY_CUSTOM: {
            enum xb_status st = k->custom->set(NULL, k, base, k->def_text, "");
            XB_ASSERT(st == XB_OK);
            break;
        }
        default:
            xb_key_store(k, base, k->def);
            break;
        }
    }
}

int xb_key_at_default(const struct xb_key *k, const void *base)
{
    char now[4096], def[4096];
    switch (k->type) {
    case XB_KEY_STRING:
    case XB_KEY_REALS:
    case XB_KEY_CUSTOM: {
        /* The default's text read into a scratch copy of the field would
         * need the whole struct; its text form compares the same. */
        xb_key_get(k, base, now, sizeof now);
        if (k->type == XB_KEY_REALS) {
            /* The default list in canonical form. */
            size_t len = 0;
            const char *p = k->def_text ? k->def_text : "";
            def[0] = '\0';
            while (*p && len < sizeof def) {
                char *end;
                double v = strtod(p, &end);
                char one[32];
                xb_key_format_double(v, one, sizeof one);
                len += (size_t)snprintf(def + len, sizeof def - len, "%s%s", len ? "," : "", one);
                p = *end == ',' ? end + 1 : end;
                while (*p == ' ')
                    p++;
            }
        } else {
            snprintf(def, sizeof def, "%s", k->def_text ? k->def_text : "");
        }
        return !strcmp(now, def);
    }
    default:
        return xb_key_load(k, base) == k->def;
    }
}
