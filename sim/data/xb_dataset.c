/*
 * xb_dataset.c — the data-set container: allocation, splits, shuffles and
 * mini-batches. The loader table is xb_data.c, the file formats
 * xb_data_io.c and xb_data_strokes.c, the synthetic generator
 * xb_data_synth.c; all of them build on this file, and it on none of them.
 */
#include "xb_data.h"

#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_rng.h"

struct xb_dataset *xb_dataset_create(size_t n, int c, int h, int w, int classes,
                                     const char *name)
{
    XB_ASSERT(c > 0 && h > 0 && w > 0);
    XB_ASSERT(classes >= 1 && classes <= 256);
    XB_ASSERT(n < UINT32_MAX); /* indices are uint32_t */
    struct xb_dataset *ds = xb_calloc(1, sizeof *ds);
    ds->n = n;
    ds->c = c;
    ds->h = h;
    ds->w = w;
    ds->dim = (size_t)c * (size_t)h * (size_t)w;
    ds->classes = classes;
    ds->x = xb_aligned(n * ds->dim, sizeof(float)); /* xb_aligned checks the product */
    ds->y = xb_malloc(n, 1);
    snprintf(ds->name, sizeof ds->name, "%s", name ? name : "");
    return ds;
}

void xb_dataset_free(struct xb_dataset *ds)
{
    if (!ds)
        return;
    xb_free(ds->x);
    xb_free(ds->y);
    xb_data_files_free(&ds->files);
    xb_free(ds);
}

/* ---- shuffles and splits ---- */

void xb_data_split_index(const uint8_t *y, size_t n, int classes, size_t n_second,
                         uint64_t seed, enum xb_data_stream stream, uint32_t *first,
                         uint32_t *second)
{
    XB_ASSERT(classes >= 1 && classes <= 256 && n_second <= n && n < UINT32_MAX);
    if (n == 0)
        return;
    size_t count[256] = {0}, quota[256], rem[256], taken[256] = {0};
    for (size_t i = 0; i < n; i++) {
        XB_ASSERT(y[i] < classes);
        count[y[i]]++;
    }
    /* Class c's exact share is n_second·count[c]/n: its floor, then the
     * leftover images one each to the largest remainders (ties: the lower
     * class), so the quotas sum to n_second and never exceed a class. */
    size_t given = 0;
    for (int c = 0; c < classes; c++) {
        quota[c] = (size_t)((uint64_t)n_second * count[c] / n);
        rem[c] = (size_t)((uint64_t)n_second * count[c] % n);
        given += quota[c];
    }
    for (; given < n_second; given++) {
        int best = -1;
        for (int c = 0; c < classes; c++)
            if (rem[c] > 0 && (best < 0 || rem[c] > rem[best]))
                best = c;
        XB_ASSERT(best >= 0);
        quota[best]++;
        rem[best] = 0;
    }

    /* Membership: the first quota[c] images of class c in the order of
     * permutation 0 go to the second part. Order: both parts follow
     * permutation 1, an independent one. Had they followed permutation 0,
     * the first part would begin with whichever classes filled their quota
     * first (measured on MNIST: 23 of its first 30 images were 7s and 9s). */
    uint32_t *perm = xb_malloc(n, sizeof *perm);
    uint8_t *in_second = xb_calloc(n, 1);
    struct xb_addr a = {.purpose = XB_PURPOSE_DATA, .layer = stream, .sample = 0};
    struct xb_stream s = xb_stream_at(seed, &a);
    xb_permutation(&s, n, perm);
    for (size_t k = 0; k < n; k++) {
        uint32_t i = perm[k];
        if (taken[y[i]] < quota[y[i]]) {
            taken[y[i]]++;
            in_second[i] = 1;
        }
    }
    s = xb_stream_row(s, 1, 0);
    xb_permutation(&s, n, perm);
    size_t n1 = 0, n2 = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t i = perm[k];
        if (in_second[i])
            second[n2++] = i;
        else
            first[n1++] = i;
    }
    XB_ASSERT(n2 == n_second && n1 == n - n_second);
    xb_free(in_second);
    xb_free(perm);
}

struct xb_dataset *xb_dataset_subset(const struct xb_dataset *ds, const uint32_t *idx,
                                     size_t n, const char *name)
{
    struct xb_dataset *out = xb_dataset_create(n, ds->c, ds->h, ds->w, ds->classes, name);
    xb_dataset_batch(ds, idx, n, out->x, out->y);
    xb_data_files_copy(&out->files, &ds->files);
    return out;
}

enum xb_status xb_dataset_split(struct xb_ctx *ctx, const struct xb_dataset *ds,
                                double fraction, uint64_t seed, struct xb_dataset **rest,
                                struct xb_dataset **val)
{
    *rest = *val = NULL;
    if (!(fraction >= 0.0 && fraction < 1.0))
        return xb_error(ctx, XB_ERANGE,
                        "validation fraction %g of %s: expected 0 <= fraction < 1", fraction,
                        ds->name);
    size_t n_val = (size_t)(fraction * (double)ds->n + 0.5);
    if (n_val >= ds->n && ds->n > 0)
        n_val = ds->n - 1; /* fraction < 1 leaves at least one training image */
    uint32_t *first = xb_malloc(ds->n - n_val, sizeof *first);
    uint32_t *second = xb_malloc(n_val, sizeof *second);
    xb_data_split_index(ds->y, ds->n, ds->classes, n_val, seed, XB_DATA_STREAM_VALIDATION,
                        first, second);
    char name[64];
    snprintf(name, sizeof name, "%.58s/rest", ds->name);
    *rest = xb_dataset_subset(ds, first, ds->n - n_val, name);
    snprintf(name, sizeof name, "%.58s/val", ds->name);
    *val = xb_dataset_subset(ds, second, n_val, name);
    xb_free(first);
    xb_free(second);
    return XB_OK;
}

void xb_dataset_batch(const struct xb_dataset *ds, const uint32_t *idx, size_t n, float *x,
                      uint8_t *y)
{
    const size_t d = ds->dim;
    for (size_t r = 0; r < n; r++) {
        XB_ASSERT(idx[r] < ds->n);
        memcpy(x + r * d, ds->x + (size_t)idx[r] * d, d * sizeof *x);
        if (y)
            y[r] = ds->y[idx[r]];
    }
}

