/*
 * xb_cfgfile.c — reading libconfig groups with key rows, writing them
 * back, and the @include check libconfig 1.5 needs (xb_cfgfile.h).
 */
#include "xb_cfgfile.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "xb_alloc.h"
#include "xb_cfgint.h"

const char *xb_cfgfile_type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a float";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_GROUP:
        return "a group";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    }
    return "an unknown type";
}

static int is_number(int type)
{
    return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 || type == CONFIG_TYPE_FLOAT;
}

void xb_cfgfile_real(double v, int exact17, char *buf, size_t size)
{
    if (exact17)
        snprintf(buf, size, "%.17g", v);
    else
        xb_key_format_double(v, buf, size);
    if (!strpbrk(buf, ".eEn")) /* "25" would read back as an integer */
        strncat(buf, ".0", size - strlen(buf) - 1);
}

/* What a key of type k takes in a file, and whether libconfig type t is it. */
static int type_ok(const struct xb_key *k, int t, const char **want)
{
    if (!k) {
        *want = "a number";
        return is_number(t);
    }
    switch (k->type) {
    case XB_KEY_INT:
        *want = "an integer";
        return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
    case XB_KEY_REAL:
        *want = "a number";
        return is_number(t);
    case XB_KEY_BOOL:
        *want = "true or false";
        return t == CONFIG_TYPE_BOOL;
    case XB_KEY_ENUM:
    case XB_KEY_STRING:
        *want = "a string";
        return t == CONFIG_TYPE_STRING;
    case XB_KEY_REALS:
        *want = "an array [a, b, ...]";
        return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
    case XB_KEY_CUSTOM:
        *want = "a string or a number";
        return t == CONFIG_TYPE_STRING || is_number(t);
    }
    return 0;
}

enum xb_status xb_cfgfile_value(struct xb_ctx *ctx, const char *where, const char *label,
                                const config_setting_t *e, const struct xb_key *k, char *text,
                                size_t text_size, char *origin, size_t origin_size)
{
    const char *name = config_setting_name(e), *want = "a value";
    int t = config_setting_type(e);
    if (!type_ok(k, t, &want)) {
        char names[256] = "";
        if (k && k->type == XB_KEY_ENUM) { /* name the choices, not only their type */
            xb_key_expected(k, names, sizeof names - 16);
            strcat(names, " (a string)");
            want = names;
        }
        return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected %s, got %s", where, label, name,
                        want, xb_cfgfile_type_name(t));
    }
    const char *quote = t == CONFIG_TYPE_STRING ? "\"" : "";
    switch (t) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(text, text_size, "%lld", config_setting_get_int64(e));
        break;
    case CONFIG_TYPE_FLOAT:
        xb_key_format_double(config_setting_get_float(e), text, text_size);
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(text, text_size, "%s", config_setting_get_bool(e) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING:
        snprintf(text, text_size, "%s", config_setting_get_string(e));
        break;
    default: { /* an array of numbers: "a,b,c", what --set takes */
        size_t len = 0;
        text[0] = '\0';
        for (int i = 0; i < config_setting_length(e); i++) {
            const config_setting_t *el = config_setting_get_elem(e, (unsigned)i);
            int et = config_setting_type(el);
            char one[32];
            if (et == CONFIG_TYPE_FLOAT)
                xb_key_format_double(config_setting_get_float(el), one, sizeof one);
            else if (et == CONFIG_TYPE_INT || et == CONFIG_TYPE_INT64)
                snprintf(one, sizeof one, "%lld", config_setting_get_int64(el));
            else
                return xb_error(ctx, XB_EFORMAT, "%s: %s.%s[%d]: expected a number, got %s",
                                where, label, name, i, xb_cfgfile_type_name(et));
            len += (size_t)snprintf(text + len, text_size > len ? text_size - len : 0, "%s%s",
                                    i ? "," : "", one);
        }
        snprintf(origin, origin_size, "%s: %s.%s = [%s]", where, label, name, text);
        return XB_OK;
    }
    }
    snprintf(origin, origin_size, "%s: %s.%s = %s%s%s", where, label, name, quote, text, quote);
    return XB_OK;
}

enum xb_status xb_cfgfile_group(struct xb_ctx *ctx, const char *file,
                                const config_setting_t *g, const char *label,
                                const struct xb_key *t, size_t n, const char *group,
                                void *base)
{
    char where[4200], text[4096], origin[8600], list[512];
    enum xb_status st = XB_OK;
    for (int i = 0; i < config_setting_length(g) && !st; i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        snprintf(where, sizeof where, "%s:%d", file, config_setting_source_line(e));
        const struct xb_key *k = xb_key_find(t, n, group, name);
        if (!k) {
            xb_key_names(t, n, group, list, sizeof list);
            return xb_error(ctx, XB_ENOTFOUND, "%s: %s.%s: unknown key; expected one of %s",
                            where, label, name, list);
        }
        st = xb_cfgfile_value(ctx, where, label, e, k, text, sizeof text, origin,
                              sizeof origin);
        if (!st)
            st = xb_key_set(ctx, k, base, text, origin);
    }
    return st;
}

char *xb_cfgfile_string(const char *s)
{
    char *q = xb_malloc(4 * strlen(s) + 1, 1), *o = q;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char e = *p == '"' ? '"' : *p == '\\' ? '\\' : *p == '\n' ? 'n' : *p == '\r' ? 'r'
                 : *p == '\t' ? 't' : *p == '\f' ? 'f' : 0;
        if (e)
            *o++ = '\\', *o++ = e;
        else if (*p < 0x20 || *p == 0x7f)
            o += sprintf(o, "\\x%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = '\0';
    return q;
}

/* The value of k in base as libconfig text. */
static void value_text(const struct xb_key *k, const void *base, int exact17, char *buf,
                       size_t size)
{
    switch (k->type) {
    case XB_KEY_REAL:
        xb_cfgfile_real(xb_key_load(k, base), exact17, buf, size);
        return;
    case XB_KEY_STRING: {
        char *q = xb_cfgfile_string((const char *)base + k->offset);
        snprintf(buf, size, "\"%s\"", q);
        xb_free(q);
        return;
    }
    case XB_KEY_ENUM:
        snprintf(buf, size, "\"%s\"", k->choices[(int)xb_key_load(k, base)]);
        return;
    case XB_KEY_REALS: {
        const double *v = (const double *)((const char *)base + k->offset);
        size_t m = *(const size_t *)((const char *)base + k->count), len = 0;
        char one[64];
        /* an empty list (xbar train: no sigma_test) is "[]" */
        len += (size_t)snprintf(buf, size, "[");
        for (size_t i = 0; i < m && len < size; i++) {
            xb_cfgfile_real(v[i], exact17, one, sizeof one);
            len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", one);
        }
        if (len < size)
            snprintf(buf + len, size - len, "]");
        return;
    }
    case XB_KEY_CUSTOM: {
        char v[256];
        k->custom->get(k, base, v, sizeof v);
        if (k->custom->numeric(k, base)) {
            double d = 0.0;
            xb_parse_double(v, &d);
            xb_cfgfile_real(d, exact17, buf, size);
        } else {
            snprintf(buf, size, "\"%s\"", v);
        }
        return;
    }
    default: /* INT, BOOL */
        xb_key_get(k, base, buf, size);
        return;
    }
}

void xb_cfgfile_write(const struct xb_key *t, size_t n, const char *group, const void *base,
                      int multiline, int exact17, char *buf, size_t size, size_t *len)
{
    char value[4096];
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &t[i];
        if ((group && (!k->group || strcmp(k->group, group))) || (k->flags & XB_KEY_ALIAS) ||
            ((k->flags & XB_KEY_OMIT_DEFAULT) && xb_key_at_default(k, base) &&
             !(k->written && k->written(base))))
            continue;
        value_text(k, base, exact17, value, sizeof value);
        *len += (size_t)snprintf(buf + *len, size > *len ? size - *len : 0,
                                 multiline ? "  %s = %s;\n" : " %s = %s;", k->name, value);
    }
}

/* ---- @include ---------------------------------------------------------- */
/* libconfig's own include depth limit: deeper nesting is its error. The
 * scan also stops after this many files, so that a file that includes
 * itself several times costs little (libconfig fails on its first chain
 * of depth 10, the scan would otherwise follow every branch). */
#define XB_INCLUDE_MAX_DEPTH 10
#define XB_INCLUDE_MAX_FILES 64


/* If an @include directive starts at t[i] (after blanks at the start of a
 * line), its NAME (with libconfig's escapes \\ and \" undone) into name
 * and the index after its closing quote; else 0. *odd is set when NAME
 * holds a NUL byte or another backslash: libconfig then opens a name other
 * than the one written (it drops such a backslash and cuts at the NUL), so
 * the name is refused rather than guessed. */
static size_t include_at(const char *t, size_t n, size_t i, char *name, size_t size, int *odd)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (n - i < 9 || memcmp(t + i, "@include", 8) || (t[i + 8] != ' ' && t[i + 8] != '\t'))
        return 0;
    i += 8;
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i == n || t[i++] != '"')
        return 0;
    size_t len = 0;
    *odd = 0;
    for (; i < n && t[i] != '"'; i++) {
        if (t[i] == '\\' && i + 1 < n && (t[i + 1] == '\\' || t[i + 1] == '"'))
            i++;
        else if (t[i] == '\\' || t[i] == '\0')
            *odd = 1;
        if (len + 1 < size)
            name[len++] = t[i];
    }
    name[len] = '\0';
    return i < n ? i + 1 : 0;
}

static enum xb_status check_includes(struct xb_ctx *ctx, const char *path,
                                     const char *include_dir, int depth, int *files)
{
    /* Only regular files: reading a pipe (--config /dev/stdin) here would
     * leave nothing for libconfig. */
    size_t n;
    struct stat sb;
    char *t = depth <= XB_INCLUDE_MAX_DEPTH && (*files)++ < XB_INCLUDE_MAX_FILES &&
                      stat(path, &sb) == 0 && S_ISREG(sb.st_mode)
                  ? xb_cfgint_read_text(path, &n) : NULL;
    if (!t)
        return XB_OK; /* libconfig says what is wrong with it */
    /* libconfig's lexer: @include only at the start of a line outside
     * strings and comment blocks; comments are #, // and slash-star. */
    enum { CODE, STRING, BLOCK } state = CODE;
    enum xb_status st = XB_OK;
    int line = 1;
    char name[4096], full[8200];
    for (size_t i = 0; i < n && !st; i++) {
        if (state == CODE && (i == 0 || t[i - 1] == '\n')) {
            int odd;
            size_t end = include_at(t, n, i, name, sizeof name, &odd);
            if (end && odd) {
                st = xb_error(ctx, XB_EINVAL, "%s:%d: @include \"%s\": a NUL byte or a "
                              "backslash other than \\\\ and \\\"; expected a file name",
                              path, line, name);
                break;
            }
            if (end) {
                snprintf(full, sizeof full, "%s%s%s", include_dir ? include_dir : "",
                         include_dir ? "/" : "", name);
                if (stat(full, &sb) == 0 && !S_ISREG(sb.st_mode))
                    st = xb_error(ctx, XB_EINVAL, "%s:%d: @include \"%s\": %s is %s; expected "
                                  "a config file", path, line, name, full,
                                  S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
                else if (stat(full, &sb) == 0)
                    st = check_includes(ctx, full, include_dir, depth + 1, files);
                i = end - 1;
                continue;
            }
        }
        char c = t[i], next = i + 1 < n ? t[i + 1] : '\0';
        if (c == '\n')
            line++;
        if (state == STRING) {
            if (c == '\\' && next && next != '\n')
                i++;
            else if (c == '"')
                state = CODE;
        } else if (state == BLOCK) {
            if (c == '*' && next == '/')
                state = CODE, i++;
        } else if (c == '"') {
            state = STRING;
        } else if (c == '#' || (c == '/' && next == '/')) {
            while (i + 1 < n && t[i + 1] != '\n')
                i++;
        } else if (c == '/' && next == '*') {
            state = BLOCK, i++;
        }
    }
    xb_free(t);
    return st;
}

enum xb_status xb_config_check_includes(struct xb_ctx *ctx, const char *path,
                                        const char *include_dir)
{
    int files = 0;
    return check_includes(ctx, path, include_dir, 0, &files);
}

