/*
 * xb_data_io.c — the IDX and CIFAR-10 binary readers.
 *
 * Files are read through zlib's gzopen/gzread, which reads gzip and plain
 * files alike. Every check that can fail on a user's file — open, magic,
 * shape, count, truncation, trailing bytes, label range — returns an error
 * that names the file and what was expected; nothing from a header is
 * trusted before it is checked.
 */
#include "xb_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_alloc.h"
#include "xb_data_impl.h"
#include "xb_limits.h"

enum {
    CHUNK = 1 << 16,         /* bytes per gzread (and per buffer: small files stay cheap) */
    IDX_IMAGES = 0x00000803, /* unsigned bytes, 3 dimensions */
    IDX_LABELS = 0x00000801, /* unsigned bytes, 1 dimension */
    IDX_MAX_SIDE = 1 << 14,  /* larger images mean a corrupt header, not data */
    CIFAR_SIDE = 32,
    CIFAR_RECORD = 1 + 3 * CIFAR_SIDE * CIFAR_SIDE
};

static const char idx_images_what[] = "IDX images: magic 0x00000803, n x rows x cols bytes";
static const char idx_labels_what[] = "IDX labels: magic 0x00000801, n bytes";
static const char cifar_what[] =
    "CIFAR-10 binary records of 3073 bytes: a label 0..9, then 3 x 32 x 32 pixel bytes";

enum xb_status xb_data_gzopen(struct xb_ctx *ctx, const char *path, const char *what,
                              struct xb_data_files *files, gzFile *out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return xb_error(ctx, e == ENOENT ? XB_ENOTFOUND : XB_EIO,
                        "%s: cannot open (%s); expected %s", path, strerror(e), what);
    }
    if (files) {
        enum xb_status st = xb_data_files_hash_fd(ctx, files, path, what, fd);
        if (st) {
            close(fd);
            return st;
        }
    }
    gzFile f = gzdopen(fd, "rb"); /* owns fd from here on */
    if (!f) {
        close(fd);
        return xb_error(ctx, XB_EIO, "%s: cannot open (out of memory); expected %s", path, what);
    }
    *out = f;
    return XB_OK;
}

enum xb_status xb_data_gz_whole(struct xb_ctx *ctx, gzFile f, const char *path,
                                const char *what)
{
    int code;
    gzerror(f, &code);
    if (code == Z_BUF_ERROR)
        return xb_error(ctx, XB_EFORMAT, "%s: truncated gzip file: the compressed data or "
                        "its trailer (CRC-32 and length) ends early; expected %s", path, what);
    return XB_OK;
}

/* Large reads: a bigger zlib buffer than the default 8 KiB. */
static enum xb_status open_file(struct xb_ctx *ctx, const char *path, const char *what,
                                struct xb_data_files *files, gzFile *out)
{
    enum xb_status st = xb_data_gzopen(ctx, path, what, files, out);
    if (!st)
        gzbuffer(*out, 1u << 16);
    return st;
}

static void close_file(gzFile f)
{
    if (f)
        gzclose(f);
}

/* Reads up to len bytes from byte `offset` of the (uncompressed) data;
 * *got says how many arrived before the data ended. A gzip stream that
 * stops early counts as the end, so the caller reports the truncation
 * with byte counts; other read errors (a directory, corrupt deflate data)
 * are returned here. */
static enum xb_status read_some(struct xb_ctx *ctx, gzFile f, const char *path, void *buf,
                                size_t len, size_t offset, size_t *got)
{
    size_t done = 0;
    while (done < len) {
        unsigned want = len - done > CHUNK ? CHUNK : (unsigned)(len - done);
        int r = gzread(f, (unsigned char *)buf + done, want);
        if (r < 0) {
            int code;
            const char *msg = gzerror(f, &code);
            if (code == Z_BUF_ERROR)
                break; /* "unexpected end of file": a truncated gzip file */
            if (code == Z_ERRNO)
                return xb_error(ctx, XB_EIO, "%s: cannot read after byte %zu (%s)", path,
                                offset + done, strerror(errno));
            size_t plen = strlen(path); /* zlib's message starts "path: " */
            if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
                msg += plen + 2;
            return xb_error(ctx, XB_EFORMAT, "%s: corrupt gzip data after byte %zu (%s)", path,
                            offset + done, msg);
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    *got = done;
    return XB_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads and checks an IDX header of 1 + ndims big-endian words. */
static enum xb_status idx_header(struct xb_ctx *ctx, gzFile f, const char *path,
                                 uint32_t magic, int ndims, uint32_t *dims)
{
    const char *what = magic == IDX_IMAGES ? idx_images_what : idx_labels_what;
    unsigned char h[16];
    size_t len = 4 + 4 * (size_t)ndims, got;
    enum xb_status st = read_some(ctx, f, path, h, len, 0, &got);
    if (st)
        return st;
    /* The magic first: a file of the wrong kind is named as such even when
     * it is shorter than the header expected. */
    uint32_t m = got >= 4 ? be32(h) : 0;
    if (got >= 4 && m != magic) {
        const char *other = m == IDX_IMAGES   ? " (that of an image file)"
                            : m == IDX_LABELS ? " (that of a label file)"
                                              : "";
        return xb_error(ctx, XB_EFORMAT, "%s: magic number 0x%08X%s; expected %s", path, m,
                        other, what);
    }
    if (got < len)
        return xb_error(ctx, XB_EFORMAT,
                        "%s: truncated: the data ends after %zu bytes; expected a %zu-byte "
                        "header (%s)",
                        path, got, len, what);
    for (int k = 0; k < ndims; k++)
        dims[k] = be32(h + 4 + 4 * k);
    if (dims[0] == 0)
        return xb_error(ctx, XB_EFORMAT, "%s: the header announces 0 items; expected %s",
                        path, what);
    return XB_OK;
}

/* Fails unless the data ends at byte `end`. */
static enum xb_status expect_end(struct xb_ctx *ctx, gzFile f, const char *path, size_t end,
                                 const char *what)
{
    unsigned char b;
    size_t got;
    enum xb_status st = read_some(ctx, f, path, &b, 1, end, &got);
    if (st)
        return st;
    if (got)
        return xb_error(ctx, XB_EFORMAT,
                        "%s: more data after byte %zu, where the header says the file ends "
                        "(%s)",
                        path, end, what);
    return xb_data_gz_whole(ctx, f, path, what);
}

/* Reads n bytes from byte `offset` of f as floats b / 255 into x. */
static enum xb_status read_pixels(struct xb_ctx *ctx, gzFile f, const char *path, float *x,
                                  size_t n, size_t offset, unsigned char *buf,
                                  const char *what)
{
    for (size_t done = 0; done < n;) {
        size_t want = n - done > CHUNK ? CHUNK : n - done, got;
        enum xb_status st = read_some(ctx, f, path, buf, want, offset + done, &got);
        if (st)
            return st;
        for (size_t k = 0; k < got; k++)
            x[done + k] = (float)buf[k] / 255.0f;
        done += got;
        if (got < want)
            return xb_error(ctx, XB_EFORMAT,
                            "%s: truncated: the data ends after %zu bytes; expected %zu (%s)",
                            path, offset + done, offset + n, what);
    }
    return XB_OK;
}

enum xb_status xb_dataset_read_idx(struct xb_ctx *ctx, const char *images_path,
                                   const char *labels_path, int h, int w, int classes,
                                   const char *name, struct xb_dataset **out)
{
    XB_ASSERT(classes >= 1 && classes <= 256);
    *out = NULL;
    gzFile fi = NULL, fl = NULL;
    unsigned char *buf = NULL;
    struct xb_dataset *ds = NULL;
    struct xb_data_files files = {0};
    uint32_t di[3], dl[1];
    char what[160];
    enum xb_status st;

    if ((st = open_file(ctx, images_path, idx_images_what, &files, &fi)) ||
        (st = idx_header(ctx, fi, images_path, IDX_IMAGES, 3, di)))
        goto fail;
    if (di[1] == 0 || di[2] == 0 || di[1] > IDX_MAX_SIDE || di[2] > IDX_MAX_SIDE ||
        di[0] >= UINT32_MAX) {
        st = xb_error(ctx, XB_EFORMAT,
                      "%s: the header announces %u images of %u x %u pixels; expected "
                      "sides of 1 .. %d",
                      images_path, di[0], di[1], di[2], IDX_MAX_SIDE);
        goto fail;
    }
    /* The header's count is a claim: bounded before anything is allocated. */
    if ((size_t)di[0] > XB_MAX_DATASET_FLOATS / ((size_t)di[1] * di[2])) {
        st = xb_error(ctx, XB_ERANGE, "%s: the header announces %u images of %u x %u pixels, "
                      "more than the 2^28 pixels (1 GiB as float32) xbar holds in memory",
                      images_path, di[0], di[1], di[2]);
        goto fail;
    }
    if ((h > 0 && di[1] != (uint32_t)h) || (w > 0 && di[2] != (uint32_t)w)) {
        st = xb_error(ctx, XB_ESHAPE, "%s: images of %u x %u pixels; expected %d x %d",
                      images_path, di[1], di[2], h, w);
        goto fail;
    }
    if ((st = open_file(ctx, labels_path, idx_labels_what, &files, &fl)) ||
        (st = idx_header(ctx, fl, labels_path, IDX_LABELS, 1, dl)))
        goto fail;
    if (dl[0] != di[0]) {
        st = xb_error(ctx, XB_ESHAPE, "%s: %u labels, but %s holds %u images; expected one "
                                      "label per image",
                      labels_path, dl[0], images_path, di[0]);
        goto fail;
    }

    ds = xb_dataset_create(di[0], 1, (int)di[1], (int)di[2], classes, name);
    buf = xb_malloc(CHUNK, 1);
    snprintf(what, sizeof what, "a 16-byte header and %u images of %u x %u bytes", di[0],
             di[1], di[2]);
    if ((st = read_pixels(ctx, fi, images_path, ds->x, ds->n * ds->dim, 16, buf, what)) ||
        (st = expect_end(ctx, fi, images_path, 16 + ds->n * ds->dim, what)))
        goto fail;

    size_t got;
    snprintf(what, sizeof what, "an 8-byte header and %u label bytes", dl[0]);
    if ((st = read_some(ctx, fl, labels_path, ds->y, ds->n, 8, &got)))
        goto fail;
    if (got < ds->n) {
        st = xb_error(ctx, XB_EFORMAT,
                      "%s: truncated: the data ends after %zu bytes; expected %zu (%s)",
                      labels_path, 8 + got, 8 + ds->n, what);
        goto fail;
    }
    if ((st = expect_end(ctx, fl, labels_path, 8 + ds->n, what)))
        goto fail;
    for (size_t i = 0; i < ds->n; i++)
        if (ds->y[i] >= classes) {
            st = xb_error(ctx, XB_ERANGE, "%s: label %u of item %zu; expected 0 .. %d",
                          labels_path, ds->y[i], i, classes - 1);
            goto fail;
        }
    close_file(fi);
    close_file(fl);
    xb_free(buf);
    ds->files = files;
    *out = ds;
    return XB_OK;
fail:
    close_file(fi);
    close_file(fl);
    xb_free(buf);
    xb_dataset_free(ds);
    xb_data_files_free(&files);
    return st;
}

/* ---- CIFAR-10 ---- */

/* Counts the whole records of a CIFAR-10 file, which must hold at least
 * one and no partial record; the first of the file's two openings, so the
 * one that hashes it into files. */
static enum xb_status cifar_count(struct xb_ctx *ctx, const char *path,
                                  struct xb_data_files *files, size_t *records)
{
    gzFile f = NULL;
    enum xb_status st = open_file(ctx, path, cifar_what, files, &f);
    if (st)
        return st;
    unsigned char *buf = xb_malloc(CHUNK, 1);
    size_t bytes = 0, got;
    do {
        if ((st = read_some(ctx, f, path, buf, CHUNK, bytes, &got)))
            break;
        bytes += got;
    } while (got == CHUNK);
    if (!st)
        st = xb_data_gz_whole(ctx, f, path, cifar_what);
    xb_free(buf);
    close_file(f);
    if (st)
        return st;
    if (bytes == 0)
        return xb_error(ctx, XB_EFORMAT, "%s: empty; expected %s", path, cifar_what);
    if (bytes % CIFAR_RECORD)
        return xb_error(ctx, XB_EFORMAT,
                        "%s: truncated: %zu bytes are %zu records and %zu bytes of another; "
                        "expected %s",
                        path, bytes, bytes / CIFAR_RECORD, bytes % CIFAR_RECORD, cifar_what);
    *records = bytes / CIFAR_RECORD;
    return XB_OK;
}

/* Reads `records` records of path into images first.. of ds. */
static enum xb_status cifar_fill(struct xb_ctx *ctx, const char *path, struct xb_dataset *ds,
                                 size_t first, size_t records)
{
    gzFile f = NULL;
    enum xb_status st = open_file(ctx, path, cifar_what, NULL, &f);
    if (st)
        return st;
    unsigned char rec[CIFAR_RECORD];
    for (size_t r = 0; r < records && !st; r++) {
        size_t got;
        if ((st = read_some(ctx, f, path, rec, CIFAR_RECORD, r * CIFAR_RECORD, &got)))
            break;
        if (got < CIFAR_RECORD) { /* the file changed since it was counted */
            st = xb_error(ctx, XB_EFORMAT,
                          "%s: truncated: the data ends after %zu bytes; expected %zu (%s)",
                          path, r * CIFAR_RECORD + got, records * CIFAR_RECORD, cifar_what);
            break;
        }
        if (rec[0] >= 10) {
            st = xb_error(ctx, XB_ERANGE, "%s: label %u in record %zu; expected 0 .. 9", path,
                          rec[0], r);
            break;
        }
        /* The record's pixels are the R, G, B planes, each row-major:
         * exactly CHW, so they are copied in order. */
        float *x = ds->x + (first + r) * ds->dim;
        for (size_t k = 0; k < ds->dim; k++)
            x[k] = (float)rec[1 + k] / 255.0f;
        ds->y[first + r] = rec[0];
    }
    close_file(f);
    return st;
}

enum xb_status xb_dataset_read_cifar10(struct xb_ctx *ctx, const char *path,
                                       const char *name, struct xb_dataset **out)
{
    *out = NULL;
    size_t n;
    struct xb_data_files files = {0};
    enum xb_status st = cifar_count(ctx, path, &files, &n);
    if (st) {
        xb_data_files_free(&files);
        return st;
    }
    struct xb_dataset *ds = xb_dataset_create(n, 3, CIFAR_SIDE, CIFAR_SIDE, 10, name);
    ds->files = files;
    if ((st = cifar_fill(ctx, path, ds, 0, n))) {
        xb_dataset_free(ds);
        return st;
    }
    *out = ds;
    return XB_OK;
}

/* Reads the files into one data set, counted first so that the images are
 * copied once (the five training batches are 600 MB as floats). */
static enum xb_status cifar_files(struct xb_ctx *ctx, const char *dir,
                                  const char *const *files, int nfiles, const char *name,
                                  struct xb_dataset **out)
{
    char path[6][4096];
    size_t count[6], total = 0;
    struct xb_data_files read = {0};
    enum xb_status st = XB_OK;
    XB_ASSERT(nfiles <= 6);
    for (int k = 0; k < nfiles && !st; k++) {
        int len = snprintf(path[k], sizeof path[k], "%s/%s", dir, files[k]);
        if (len < 0 || (size_t)len >= sizeof path[k])
            st = xb_error(ctx, XB_EINVAL, "%s/%s: path longer than %zu bytes", dir, files[k],
                          sizeof path[k] - 1);
        else if (!(st = cifar_count(ctx, path[k], &read, &count[k])))
            total += count[k];
    }
    if (st) {
        xb_data_files_free(&read);
        return st;
    }
    if (total > XB_MAX_DATASET_FLOATS / (CIFAR_RECORD - 1))
        return xb_error(ctx, XB_ERANGE, "%s: %zu CIFAR-10 records, more than the 2^28 pixels "
                        "(1 GiB as float32) xbar holds in memory", dir, total);
    struct xb_dataset *ds = xb_dataset_create(total, 3, CIFAR_SIDE, CIFAR_SIDE, 10, name);
    ds->files = read;
    size_t first = 0;
    for (int k = 0; k < nfiles; first += count[k], k++)
        if ((st = cifar_fill(ctx, path[k], ds, first, count[k]))) {
            xb_dataset_free(ds);
            return st;
        }
    *out = ds;
    return XB_OK;
}

enum xb_status xb_dataset_load_cifar10(struct xb_ctx *ctx, const char *dir,
                                       struct xb_dataset **train, struct xb_dataset **test)
{
    static const char *const train_files[5] = {"data_batch_1.bin", "data_batch_2.bin",
                                               "data_batch_3.bin", "data_batch_4.bin",
                                               "data_batch_5.bin"};
    static const char *const test_files[1] = {"test_batch.bin"};
    *train = *test = NULL;
    enum xb_status st = cifar_files(ctx, dir, train_files, 5, "cifar10/train", train);
    if (st)
        return st;
    if ((st = cifar_files(ctx, dir, test_files, 1, "cifar10/test", test))) {
        xb_dataset_free(*train);
        *train = NULL;
    }
    return st;
}
