/*
 * xb_data_strokes.c — the MNIST stroke sequences of de Jong (2016).
 *
 * The distribution (sequences.tar.gz of
 * github.com/edwin-de-jong/mnist-digits-stroke-sequence-data) holds, per
 * MNIST image, PREFIX-N-inputdata.txt with one pen step per line,
 * "dx dy eos eod" (integers: the pen offset in pixels, y downward, from an
 * implicit start at (0, 0); 1 where a stroke ends; 1 on the digit's last
 * step), and PREFIX-N-targetdata.txt with 14 columns per line: the label
 * one-hot in the first 10, then the next step. PREFIX is trainimg or
 * testimg, N counts from 0.
 *
 * Every line is checked: the column count, integers only, flags 0 or 1,
 * eod on the last step and nowhere else (a file cut short ends without it:
 * that is how truncation shows), one-hot labels that agree on every line.
 * Errors name file:line and what was expected.
 */
#include "xb_data.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "xb_alloc.h"
#include "xb_data_impl.h"

enum {
    LINE_MAX_CHARS = 512, /* a valid line holds at most 14 short integers */
    INPUT_COLS = 4,
    TARGET_COLS = 14,
    CLASSES = 10,
    PATH_SIZE = 4096
};

static const char input_what[] = "lines of 4 integers \"dx dy eos eod\" (de Jong 2016)";
static const char target_what[] =
    "lines of 14 integers: the label one-hot in 10 columns, then dx dy eos eod";

struct lines {
    gzFile f;
    const char *path;
    int line;                  /* number of the line in buf */
    char buf[LINE_MAX_CHARS];
};

static enum xb_status lines_open(struct xb_ctx *ctx, struct lines *r, const char *path,
                                 const char *what, struct xb_data_files *files)
{
    r->path = path;
    r->line = 0;
    return xb_data_gzopen(ctx, path, what, files, &r->f);
}

/* The next non-blank line into r->buf without its newline; *eof at the end. */
static enum xb_status lines_next(struct xb_ctx *ctx, struct lines *r, int *eof)
{
    for (;;) {
        if (!gzgets(r->f, r->buf, sizeof r->buf)) {
            int code;
            const char *msg = gzerror(r->f, &code);
            if (code != Z_OK && code != Z_BUF_ERROR)
                return xb_error(ctx, XB_EIO, "%s: cannot read after line %d (%s)", r->path,
                                r->line, msg);
            *eof = 1;
            return xb_data_gz_whole(ctx, r->f, r->path, "whole lines of integers");
        }
        r->line++;
        size_t len = strlen(r->buf);
        if (len == sizeof r->buf - 1 && r->buf[len - 1] != '\n' && !gzeof(r->f))
            return xb_error(ctx, XB_EFORMAT, "%s:%d: line longer than %d characters", r->path,
                            r->line, LINE_MAX_CHARS - 2);
        while (len && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
            r->buf[--len] = '\0';
        if (strspn(r->buf, " \t") != len) {
            *eof = 0;
            return XB_OK;
        }
    }
}

/* Parses exactly `n` whitespace-separated integers of r->buf into v. */
static enum xb_status parse_ints(struct xb_ctx *ctx, const struct lines *r, long *v, int n,
                                 const char *what)
{
    const char *p = r->buf;
    int k = 0;
    for (;;) {
        p += strspn(p, " \t");
        if (!*p)
            break;
        size_t tok = strcspn(p, " \t");
        if (k == n)
            return xb_error(ctx, XB_EFORMAT, "%s:%d: more than %d columns; expected %s",
                            r->path, r->line, n, what);
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end != p + tok || errno || x < INT_MIN || x > INT_MAX)
            return xb_error(ctx, XB_EFORMAT, "%s:%d: column %d: \"%.*s\" is not an integer; "
                                             "expected %s",
                            r->path, r->line, k + 1, (int)(tok > 40 ? 40 : tok), p, what);
        v[k++] = x;
        p += tok;
    }
    if (k != n)
        return xb_error(ctx, XB_EFORMAT, "%s:%d: %d column%s; expected %s", r->path, r->line, k,
                        k == 1 ? "" : "s", what);
    return XB_OK;
}

static enum xb_status read_input(struct xb_ctx *ctx, const char *path, int steps, int features,
                                 float *x, int *length, struct xb_data_files *files)
{
    struct lines r;
    enum xb_status st = lines_open(ctx, &r, path, input_what, files);
    if (st)
        return st;
    memset(x, 0, (size_t)steps * (size_t)features * sizeof *x); /* the paper pads with 0 */
    int n = 0, eod_line = 0;
    for (;;) {
        int eof;
        long v[INPUT_COLS];
        if ((st = lines_next(ctx, &r, &eof)))
            break;
        if (eof)
            break;
        if ((st = parse_ints(ctx, &r, v, INPUT_COLS, input_what)))
            break;
        if ((v[2] != 0 && v[2] != 1) || (v[3] != 0 && v[3] != 1)) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: eos = %ld, eod = %ld; expected flags 0 or 1",
                          path, r.line, v[2], v[3]);
            break;
        }
        if (eod_line) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: a pen step after the end of the digit "
                                           "(eod = 1 on line %d); expected eod only on the "
                                           "last line",
                          path, r.line, eod_line);
            break;
        }
        if (v[3])
            eod_line = r.line;
        if (n < steps) { /* longer sequences are truncated, as the paper does */
            float *row = x + (size_t)n * (size_t)features;
            row[0] = (float)v[0] / 28.0f;
            row[1] = (float)v[1] / 28.0f;
            if (features == 4) {
                row[2] = (float)v[2];
                row[3] = (float)v[3];
            }
        }
        n++;
    }
    if (!st && n == 0)
        st = xb_error(ctx, XB_EFORMAT, "%s: no pen steps; expected %s", path, input_what);
    else if (!st && !eod_line)
        st = xb_error(ctx, XB_EFORMAT, "%s:%d: truncated: the file ends without eod = 1 on "
                                       "its last step",
                      path, r.line);
    gzclose(r.f);
    *length = n;
    return st;
}

static enum xb_status read_label(struct xb_ctx *ctx, const char *path, uint8_t *label,
                                 struct xb_data_files *files)
{
    struct lines r;
    enum xb_status st = lines_open(ctx, &r, path, target_what, files);
    if (st)
        return st;
    int cls = -1;
    for (;;) {
        int eof;
        long v[TARGET_COLS];
        if ((st = lines_next(ctx, &r, &eof)) || eof)
            break;
        if ((st = parse_ints(ctx, &r, v, TARGET_COLS, target_what)))
            break;
        int hot = -1, ones = 0, bad = 0;
        for (int k = 0; k < CLASSES; k++) {
            bad |= v[k] != 0 && v[k] != 1;
            if (v[k] == 1) {
                hot = k;
                ones++;
            }
        }
        if (bad || ones != 1) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: columns 1-10 are not a one-hot label "
                                           "(one 1, nine 0)",
                          path, r.line);
            break;
        }
        if (cls >= 0 && hot != cls) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: label %d, but line 1 says %d; expected "
                                           "the same label on every line",
                          path, r.line, hot, cls);
            break;
        }
        cls = hot;
    }
    if (!st && cls < 0)
        st = xb_error(ctx, XB_EFORMAT, "%s: empty; expected %s", path, target_what);
    gzclose(r.f);
    if (!st)
        *label = (uint8_t)cls;
    return st;
}

static enum xb_status file_name(struct xb_ctx *ctx, char *buf, const char *dir,
                                const char *prefix, size_t i, const char *kind)
{
    int len = snprintf(buf, PATH_SIZE, "%s/%s-%zu-%s.txt", dir, prefix, i, kind);
    if (len < 0 || len >= PATH_SIZE)
        return xb_error(ctx, XB_EINVAL, "%s: path longer than %d bytes", dir, PATH_SIZE - 1);
    return XB_OK;
}

/* xb_strokes_read, the two files hashed into files when it is not NULL. */
static enum xb_status read_sequence(struct xb_ctx *ctx, const char *input_path,
                                    const char *target_path, int steps, int features, float *x,
                                    uint8_t *label, int *length, struct xb_data_files *files)
{
    XB_ASSERT(steps > 0 && (features == 2 || features == 4));
    int len = 0;
    enum xb_status st = read_input(ctx, input_path, steps, features, x, &len, files);
    if (!st)
        st = read_label(ctx, target_path, label, files);
    if (length)
        *length = len;
    return st;
}

enum xb_status xb_strokes_read(struct xb_ctx *ctx, const char *input_path,
                               const char *target_path, int steps, int features, float *x,
                               uint8_t *label, int *length)
{
    return read_sequence(ctx, input_path, target_path, steps, features, x, label, length, NULL);
}

/* How many PREFIX-N-inputdata.txt dir holds, checked to be N = 0 .. n-1. */
static enum xb_status count_sequences(struct xb_ctx *ctx, const char *dir, const char *prefix,
                                      size_t *count)
{
    errno = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        return xb_error(ctx, e == ENOENT ? XB_ENOTFOUND : XB_EIO,
                        "%s: cannot open the directory (%s); expected the files %s-N-inputdata"
                        ".txt and %s-N-targetdata.txt",
                        dir, strerror(e), prefix, prefix);
    }
    size_t n = 0, max = 0, plen = strlen(prefix);
    const struct dirent *ent;
    while ((ent = readdir(d))) {
        const char *s = ent->d_name;
        if (strncmp(s, prefix, plen) || s[plen] != '-' || s[plen + 1] < '0' || s[plen + 1] > '9')
            continue;
        char *end;
        unsigned long long i = strtoull(s + plen + 1, &end, 10);
        if (strcmp(end, "-inputdata.txt") || i >= UINT32_MAX - 1)
            continue;
        n++;
        if (i + 1 > max)
            max = (size_t)i + 1;
    }
    closedir(d);
    if (n == 0)
        return xb_error(ctx, XB_ENOTFOUND, "%s: no %s-N-inputdata.txt files", dir, prefix);
    if (n != max) {
        char path[PATH_SIZE];
        for (size_t i = 0; i < max; i++) { /* name the first gap */
            if (file_name(ctx, path, dir, prefix, i, "inputdata"))
                break;
            FILE *f = fopen(path, "r");
            if (!f)
                return xb_error(ctx, XB_ENOTFOUND, "%s: missing; the directory holds %s-N-"
                                                   "inputdata.txt up to N = %zu",
                                path, prefix, max - 1);
            fclose(f);
        }
    }
    *count = max;
    return XB_OK;
}

static enum xb_status read_split(struct xb_ctx *ctx, const char *dir, const char *prefix,
                                 int steps, int features, const char *name,
                                 struct xb_dataset **out)
{
    size_t n = 0;
    enum xb_status st = count_sequences(ctx, dir, prefix, &n);
    if (st)
        return st;
    struct xb_dataset *ds = xb_dataset_create(n, 1, steps, features, CLASSES, name);
    char in[PATH_SIZE], tg[PATH_SIZE];
    for (size_t i = 0; i < n && !st; i++) {
        if ((st = file_name(ctx, in, dir, prefix, i, "inputdata")) ||
            (st = file_name(ctx, tg, dir, prefix, i, "targetdata")))
            break;
        st = read_sequence(ctx, in, tg, steps, features, ds->x + i * ds->dim, ds->y + i, NULL,
                           &ds->files);
    }
    if (st) {
        xb_dataset_free(ds);
        return st;
    }
    *out = ds;
    return XB_OK;
}

enum xb_status xb_dataset_load_strokes(struct xb_ctx *ctx, const char *dir, int steps,
                                       int features, struct xb_dataset **train,
                                       struct xb_dataset **test)
{
    *train = *test = NULL;
    if (steps < 1 || steps > XB_STROKES_MAX_STEPS)
        return xb_error(ctx, XB_ERANGE, "data.steps = %d: expected 1 .. %d pen steps", steps,
                        XB_STROKES_MAX_STEPS);
    if (features != 2 && features != 4)
        return xb_error(ctx, XB_ERANGE, "data.features = %d: expected 2 (dx, dy) or 4 "
                                        "(dx, dy, eos, eod)",
                        features);
    enum xb_status st =
        read_split(ctx, dir, "trainimg", steps, features, "mnist-strokes/train", train);
    if (!st && (st = read_split(ctx, dir, "testimg", steps, features, "mnist-strokes/test",
                                test))) {
        xb_dataset_free(*train);
        *train = NULL;
    }
    return st;
}
