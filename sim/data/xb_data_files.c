#include "xb_data_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"

void xb_data_files_add(struct xb_data_files *l, const char *path, uint64_t size,
                       const uint8_t sha256[XB_SHA256_SIZE])
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct xb_data_file *v = xb_malloc(cap, sizeof *v);
        if (l->n)
            memcpy(v, l->v, l->n * sizeof *v);
        xb_free(l->v);
        l->v = v;
        l->cap = cap;
    }
    struct xb_data_file *f = &l->v[l->n++];
    f->path = xb_strdup(path);
    f->size = size;
    memcpy(f->sha256, sha256, XB_SHA256_SIZE);
}

enum xb_status xb_data_files_hash_fd(struct xb_ctx *ctx, struct xb_data_files *l,
                                     const char *path, const char *what, int fd)
{
    uint64_t size;
    uint8_t digest[XB_SHA256_SIZE];
    enum xb_status st = xb_sha256_fd(ctx, fd, path, what, &size, digest);
    if (st)
        return st;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return xb_error(ctx, XB_EIO, "%s: cannot seek back to its start after hashing it (%s)",
                        path, strerror(errno));
    xb_data_files_add(l, path, size, digest);
    return XB_OK;
}

static int compare(const void *pa, const void *pb)
{
    const struct xb_data_file *a = pa, *b = pb;
    int c = strcmp(a->path, b->path);
    if (c)
        return c;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    return memcmp(a->sha256, b->sha256, XB_SHA256_SIZE);
}

void xb_data_files_merge(struct xb_data_files *dst, const struct xb_data_files *src)
{
    for (size_t k = 0; src && k < src->n; k++)
        xb_data_files_add(dst, src->v[k].path, src->v[k].size, src->v[k].sha256);
    if (dst->n < 2)
        return;
    qsort(dst->v, dst->n, sizeof *dst->v, compare);
    size_t kept = 1;
    for (size_t k = 1; k < dst->n; k++) {
        if (compare(&dst->v[kept - 1], &dst->v[k]) == 0)
            xb_free(dst->v[k].path);
        else
            dst->v[kept++] = dst->v[k];
    }
    dst->n = kept;
}

void xb_data_files_copy(struct xb_data_files *dst, const struct xb_data_files *src)
{
    xb_data_files_free(dst);
    for (size_t k = 0; k < src->n; k++)
        xb_data_files_add(dst, src->v[k].path, src->v[k].size, src->v[k].sha256);
}

void xb_data_files_free(struct xb_data_files *l)
{
    if (!l)
        return;
    for (size_t k = 0; k < l->n; k++)
        xb_free(l->v[k].path);
    xb_free(l->v);
    memset(l, 0, sizeof *l);
}

int xb_data_files_diff(const struct xb_data_files *a, const struct xb_data_files *b,
                       char *why, size_t size)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        const struct xb_data_file *x = i < a->n ? &a->v[i] : NULL;
        const struct xb_data_file *y = j < b->n ? &b->v[j] : NULL;
        int c = !y ? -1 : !x ? 1 : strcmp(x->path, y->path);
        if (c < 0) {
            snprintf(why, size, "%s was read, this run does not read it", x->path);
            return 1;
        }
        if (c > 0) {
            snprintf(why, size, "this run reads %s, which was not read", y->path);
            return 1;
        }
        if (x->size != y->size || memcmp(x->sha256, y->sha256, XB_SHA256_SIZE)) {
            char hx[XB_SHA256_HEX], hy[XB_SHA256_HEX];
            xb_sha256_hex(x->sha256, hx);
            xb_sha256_hex(y->sha256, hy);
            snprintf(why, size, "%s had SHA-256 %s (%llu bytes), now %s (%llu bytes)", x->path,
                     hx, (unsigned long long)x->size, hy, (unsigned long long)y->size);
            return 1;
        }
        i++, j++;
    }
    return 0;
}
