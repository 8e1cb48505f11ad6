/*
 * A set pooled from its shipped parts and split anew (xb_data.h,
 * xb_dataset_pool_split): paper 000's 7 : 2 : 1 split of everything there
 * is, optionally of a stratified subset of it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_rng.h"

/* Cuts n_second images of ds off by xb_data_split_index: *first the rest. */
static void cut(const struct xb_dataset *ds, size_t n_second, uint64_t seed,
                enum xb_data_stream stream, const char *tag, struct xb_dataset **first,
                struct xb_dataset **second)
{
    uint32_t *i1 = xb_malloc(ds->n - n_second, sizeof *i1);
    uint32_t *i2 = xb_malloc(n_second, sizeof *i2);
    xb_data_split_index(ds->y, ds->n, ds->classes, n_second, seed, stream, i1, i2);
    char name[64];
    if (first) {
        snprintf(name, sizeof name, "%.52s/train", ds->name);
        *first = xb_dataset_subset(ds, i1, ds->n - n_second, name);
    }
    snprintf(name, sizeof name, "%.52s/%s", ds->name, tag);
    *second = xb_dataset_subset(ds, i2, n_second, name);
    xb_free(i1);
    xb_free(i2);
}

struct xb_dataset *xb_dataset_limit(const struct xb_dataset *ds, size_t limit, uint64_t seed)
{
    if (limit == 0 || limit >= ds->n) {
        uint32_t *all = xb_malloc(ds->n ? ds->n : 1, sizeof *all);
        for (size_t i = 0; i < ds->n; i++)
            all[i] = (uint32_t)i;
        struct xb_dataset *out = xb_dataset_subset(ds, all, ds->n, ds->name);
        xb_free(all);
        return out;
    }
    struct xb_dataset *kept;
    cut(ds, limit, seed, XB_DATA_STREAM_LIMIT, "limit", NULL, &kept);
    return kept;
}

static size_t share(double f, size_t n) { return (size_t)(f * (double)n + 0.5); }

enum xb_status xb_dataset_pool_split(struct xb_ctx *ctx, const struct xb_dataset *a,
                                     const struct xb_dataset *b, const double f[3],
                                     size_t limit, uint64_t seed, struct xb_dataset **train,
                                     struct xb_dataset **val, struct xb_dataset **test)
{
    *train = *val = *test = NULL;
    for (int i = 0; i < 3; i++)
        if (!(f[i] >= 0.0 && f[i] <= 1.0))
            return xb_error(ctx, XB_ERANGE, "data.split = [%g, %g, %g]: expected fractions in "
                            "[0, 1] (train, validation, test)", f[0], f[1], f[2]);
    if (!(fabs(f[0] + f[1] + f[2] - 1.0) <= 1e-9) || !(f[0] > 0.0) || !(f[2] > 0.0))
        return xb_error(ctx, XB_ERANGE, "data.split = [%g, %g, %g]: expected train, "
                        "validation and test fractions summing to 1, train and test > 0", f[0],
                        f[1], f[2]);
    if (a->c != b->c || a->h != b->h || a->w != b->w || a->classes != b->classes)
        return xb_error(ctx, XB_ESHAPE, "data.split: %s (%d x %d x %d, %d classes) and %s "
                        "(%d x %d x %d, %d classes) cannot be pooled", a->name, a->c, a->h,
                        a->w, a->classes, b->name, b->c, b->h, b->w, b->classes);
    const size_t n = a->n + b->n;
    char name[64];
    snprintf(name, sizeof name, "%.40s+%.18s", a->name, b->name);
    struct xb_dataset *pool = xb_dataset_create(n, a->c, a->h, a->w, a->classes, name);
    memcpy(pool->x, a->x, a->n * a->dim * sizeof(float));
    memcpy(pool->x + a->n * a->dim, b->x, b->n * b->dim * sizeof(float));
    memcpy(pool->y, a->y, a->n);
    memcpy(pool->y + a->n, b->y, b->n);
    xb_data_files_copy(&pool->files, &a->files);
    xb_data_files_merge(&pool->files, &b->files);
    if (limit > 0 && limit < n) {
        struct xb_dataset *kept = xb_dataset_limit(pool, limit, seed);
        xb_dataset_free(pool);
        pool = kept;
    }
    const size_t m = pool->n, n_test = share(f[2], m), n_val = share(f[1], m);
    if (n_test + n_val >= m || n_test == 0) {
        xb_dataset_free(pool);
        return xb_error(ctx, XB_ERANGE, "data.split = [%g, %g, %g] of %zu images leaves no "
                        "%s image", f[0], f[1], f[2], m, n_test ? "training" : "test");
    }
    struct xb_dataset *rest;
    cut(pool, n_test, seed, XB_DATA_STREAM_POOL_TEST, "test", &rest, test);
    xb_dataset_free(pool);
    cut(rest, n_val, seed, XB_DATA_STREAM_POOL_VAL, "val", train, val);
    xb_dataset_free(rest);
    return XB_OK;
}
