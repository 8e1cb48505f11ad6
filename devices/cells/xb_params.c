/*
 * xb_params.c — strict parsing and range checking of named parameters.
 *
 * Every number a user types (--set, config files) passes through here, so
 * the rules are strict on purpose (CONVENTIONS.md "Errors"): the whole string must
 * be the number (no blanks, no trailing unit), the value must be finite and
 * representable, integer parameters must be integral, and the value must lie
 * in the spec's closed range. Each failure leaves a message that names where
 * the value came from, the key, the value and what was allowed.
 */
#include "xb_params.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Why a text is not a usable number; the caller turns it into a status. */
enum parse_result {
    PARSE_OK = 0,
    PARSE_SYNTAX,    /* not a number, or characters after it */
    PARSE_NONFINITE, /* "nan", "inf" */
    PARSE_RANGE      /* over- or underflows a double ("1e400") */
};

static enum parse_result parse_double(const char *text, double *out)
{
    /* strtod skips leading blanks; a strict parser does not. */
    if (!text || !*text || isspace((unsigned char)text[0]))
        return PARSE_SYNTAX;
    errno = 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return PARSE_SYNTAX;
    if (errno == ERANGE)
        return PARSE_RANGE;
    if (!isfinite(v))
        return PARSE_NONFINITE;
    *out = v;
    return PARSE_OK;
}

/* The shortest %g form that reads back as v, so that messages show what the
 * user wrote (-3, 1e-06, 0.26348) and never a misleading rounding. */
static void fmt_num(char *buf, size_t n, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* "where: " or nothing, so that messages read well without a location. */
static const char *where_sep(const char *where) { return (where && *where) ? ": " : ""; }
static const char *where_str(const char *where) { return where ? where : ""; }

/* "[lo, hi] unit", the unit left out for dimensionless parameters. */
static void fmt_range(char *buf, size_t n, const struct xb_key *spec)
{
    char lo[32], hi[32];
    fmt_num(lo, sizeof lo, spec->min);
    fmt_num(hi, sizeof hi, spec->max);
    int dimensionless = !spec->unit || !*spec->unit || strcmp(spec->unit, "1") == 0;
    snprintf(buf, n, "[%s, %s]%s%s", lo, hi, dimensionless ? "" : " ",
             dimensionless ? "" : spec->unit);
}

int xb_params_find(const struct xb_key *specs, size_t n, const char *key)
{
    if (!key)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].name, key) == 0)
            return (int)i;
    return -1;
}

void xb_params_defaults(const struct xb_key *specs, size_t n, double *values)
{
    for (size_t i = 0; i < n; i++)
        values[i] = specs[i].def;
}

enum xb_status xb_params_check(struct xb_ctx *ctx, const struct xb_key *spec,
                               double value, const char *where)
{
    char v[32], range[96];
    fmt_num(v, sizeof v, value);
    fmt_range(range, sizeof range, spec);
    if (!isfinite(value))
        return xb_error(ctx, XB_ENUMERIC, "%s%s%s = %s is not a finite number (range %s)",
                        where_str(where), where_sep(where), spec->name, v, range);
    if (spec->type == XB_KEY_INT && value != floor(value))
        return xb_error(ctx, XB_EINVAL, "%s%s%s = %s must be an integer in %s",
                        where_str(where), where_sep(where), spec->name, v, range);
    if (!(value >= spec->min && value <= spec->max))
        return xb_error(ctx, XB_ERANGE, "%s%s%s = %s is out of range %s",
                        where_str(where), where_sep(where), spec->name, v, range);
    return XB_OK;
}

/* Records the unknown-key error with the list of valid keys, so that a typo
 * is fixed from the message alone. */
static enum xb_status unknown_key(struct xb_ctx *ctx, const struct xb_key *specs,
                                  size_t n, const char *key, const char *where)
{
    char keys[768];
    size_t used = 0;
    keys[0] = '\0';
    for (size_t i = 0; i < n && used < sizeof keys; i++) {
        int w = snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "",
                         specs[i].name);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return xb_error(ctx, XB_ENOTFOUND, "%s%sunknown parameter \"%s\"; valid keys: %s",
                    where_str(where), where_sep(where), key ? key : "(null)", keys);
}

enum xb_status xb_params_set(struct xb_ctx *ctx, const struct xb_key *specs,
                             size_t n, double *values, const char *key,
                             const char *text, const char *where)
{
    int i = xb_params_find(specs, n, key);
    if (i < 0)
        return unknown_key(ctx, specs, n, key, where);
    const struct xb_key *spec = &specs[i];
    const char *w = where_str(where), *sep = where_sep(where);
    char range[96];
    fmt_range(range, sizeof range, spec);
    double v = 0.0;
    switch (parse_double(text, &v)) {
    case PARSE_OK:
        break;
    case PARSE_SYNTAX:
        return xb_error(ctx, XB_EFORMAT, "%s%s%s = \"%s\" is not a number (expected %s in %s)",
                        w, sep, spec->name, text ? text : "",
                        spec->type == XB_KEY_INT ? "an integer" : "a number", range);
    case PARSE_NONFINITE:
        return xb_error(ctx, XB_ENUMERIC, "%s%s%s = \"%s\" is not a finite number (range %s)",
                        w, sep, spec->name, text, range);
    case PARSE_RANGE:
        return xb_error(ctx, XB_ERANGE,
                        "%s%s%s = \"%s\" is not representable as a double (range %s)",
                        w, sep, spec->name, text, range);
    }
    enum xb_status st = xb_params_check(ctx, spec, v, where);
    if (st != XB_OK)
        return st;
    values[i] = v;
    return XB_OK;
}

enum xb_status xb_params_set_value(struct xb_ctx *ctx, const struct xb_key *specs,
                                   size_t n, double *values, const char *key,
                                   double value, const char *where)
{
    int i = xb_params_find(specs, n, key);
    if (i < 0)
        return unknown_key(ctx, specs, n, key, where);
    enum xb_status st = xb_params_check(ctx, &specs[i], value, where);
    if (st != XB_OK)
        return st;
    values[i] = value;
    return XB_OK;
}
