#include "xb_cfgint.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"

/* libconfig nests @include at most 10 deep; a cycle stops here too. At
 * most MAX_FILES files are scanned: a file including itself several times
 * in a way this scan sees and libconfig does not (after an @include and a
 * slash-star on one line) made it branch 4^10 times (tests/fuzz). */
#define MAX_DEPTH 10
#define MAX_FILES 64

/* The whole file as a string, or NULL. */
char *xb_cfgint_read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t size = 4096, n = 0;
    char *buf = xb_malloc(size, 1);
    for (size_t got; (got = fread(buf + n, 1, size - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == size) {
            char *grown = xb_malloc(size * 2, 1);
            memcpy(grown, buf, n);
            xb_free(buf);
            buf = grown;
            size *= 2;
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* libconfig's names: [A-Za-z*][-A-Za-z0-9_*]*. */
static int name_start(int c) { return isalpha(c) || c == '*'; }
static int name_char(int c) { return isalnum(c) || c == '-' || c == '_' || c == '*'; }

static enum xb_status scan(struct xb_ctx *ctx, const char *path, const char *dir, int depth,
                           int *files);

/* A number token at s (sign, digits, letters, '.', and a sign after an
 * exponent), its length in *len. Fails if it is a plain integer that does
 * not fit in 32 bits; floats and L-suffixed integers pass. */
static int int_fits(const char *s, size_t *len)
{
    size_t n = 0;
    if (s[n] == '+' || s[n] == '-')
        n++;
    int hex = s[n] == '0' && (s[n + 1] == 'x' || s[n + 1] == 'X');
    while (isalnum((unsigned char)s[n]) || s[n] == '.' ||
           ((s[n] == '+' || s[n] == '-') && !hex && (s[n - 1] == 'e' || s[n - 1] == 'E')))
        n++;
    *len = n;
    char tok[128];
    if (n >= sizeof tok)
        return 0; /* longer than any 64-bit integer */
    memcpy(tok, s, n);
    tok[n] = '\0';
    if (tok[n - 1] == 'L' || (!hex && strpbrk(tok, ".eE")))
        return 1; /* 64-bit, or a float */
    char *end;
    errno = 0;
    if (hex) {
        unsigned long long v = strtoull(tok, &end, 16);
        return errno != ERANGE && *end == '\0' && v <= INT_MAX;
    }
    long long v = strtoll(tok, &end, 10);
    return errno != ERANGE && *end == '\0' && v >= INT_MIN && v <= INT_MAX;
}

/* `@include "file"` at p (after the '@'): the file scanned in turn. */
static enum xb_status include(struct xb_ctx *ctx, const char *p, const char *dir, int depth,
                              int *files)
{
    if (strncmp(p, "include", 7))
        return XB_OK;
    const char *q = strchr(p, '"');
    const char *e = q ? strchr(q + 1, '"') : NULL;
    if (!e || depth >= MAX_DEPTH)
        return XB_OK; /* libconfig has reported a malformed include */
    size_t len = (size_t)(e - q - 1), dlen = strlen(dir);
    char *file = xb_malloc(dlen + len + 2, 1);
    if (q[1] == '/')
        snprintf(file, len + 1, "%s", q + 1);
    else
        snprintf(file, dlen + len + 2, "%s/%.*s", dir, (int)len, q + 1);
    enum xb_status st = scan(ctx, file, dir, depth + 1, files);
    xb_free(file);
    return st;
}

static enum xb_status scan(struct xb_ctx *ctx, const char *path, const char *dir, int depth,
                           int *files)
{
    size_t n_text;
    char *text = (*files)++ < MAX_FILES ? xb_cfgint_read_text(path, &n_text) : NULL;
    if (!text)
        return XB_OK;
    enum xb_status st = XB_OK;
    int line = 1;
    char key[128] = "";
    for (const char *p = text; *p && !st;) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            line++, p++;
        } else if (c == '#' || (c == '/' && p[1] == '/')) {
            p += strcspn(p, "\n");
        } else if (c == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            for (const char *q = p; q < (e ? e : p + strlen(p)); q++)
                line += *q == '\n';
            p = e ? e + 2 : p + strlen(p);
        } else if (c == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                line += *p == '\n';
            }
            p += *p == '"';
        } else if (c == '@') {
            st = include(ctx, p + 1, dir, depth, files);
            p += strcspn(p, "\n");
        } else if (name_start(c)) {
            size_t n = 1;
            while (name_char((unsigned char)p[n]))
                n++;
            snprintf(key, sizeof key, "%.*s", (int)n, p);
            p += n;
        } else if (isdigit(c) || ((c == '-' || c == '+') && isdigit((unsigned char)p[1]))) {
            size_t n;
            if (!int_fits(p, &n))
                st = xb_error(ctx, XB_ERANGE, "%s:%d: %s = %.*s: expected an integer in "
                              "[%d, %d] (libconfig would wrap it; append L for a 64-bit "
                              "integer)", path, line, key, (int)(n > 40 ? 40 : n), p,
                              INT_MIN, INT_MAX);
            p += n;
        } else {
            p++;
        }
    }
    xb_free(text);
    return st;
}

enum xb_status xb_cfgint_check(struct xb_ctx *ctx, const char *path, const char *include_dir)
{
    char dir[4096];
    if (include_dir) {
        snprintf(dir, sizeof dir, "%s", include_dir);
    } else {
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
    }
    int files = 0;
    return scan(ctx, path, dir, 0, &files);
}
