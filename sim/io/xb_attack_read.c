/*
 * xb_attack_read.c — reading an `xbar attack -o` file (xb_attack_read.h).
 */
#include "xb_attack_read.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack.h"
#include "xb_h5.h"
#include "xb_layout.h"

/* Row id as float64 into *data with its dims; want[k] (0: any) must match
 * dims[k] for the row's rank. Values in [lo, hi] (NaN refused). */
static enum xb_status read_row(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                               const size_t *want, double lo, double hi, double **data,
                               size_t *dims)
{
    const struct xb_layout_row *row = xb_layout_row(id);
    char name[XB_LAYOUT_PATH_MAX];
    xb_layout_path(name, id, 0, NULL);
    int rank;
    size_t d[8] = {0};
    void *v = NULL;
    enum xb_status st = xb_h5_read_array(ctx, path, name, XB_H5_F64, &v, &rank, d);
    if (st)
        return st;
    *data = v;
    if (rank != row->rank)
        return xb_error(ctx, XB_ESHAPE, "%s: %s has rank %d; expected %s %s", path, name, rank,
                        xb_layout_type_name(row), row->shape);
    size_t n = 1;
    for (int k = 0; k < rank; k++) {
        if (want[k] && d[k] != want[k])
            return xb_error(ctx, XB_ESHAPE, "%s: %s has %zu in dimension %d; expected %s with "
                            "%zu there (/attack/attacks, /attack/eps)", path, name, d[k], k,
                            row->shape, want[k]);
        dims[k] = d[k];
        n *= d[k];
    }
    const double *x = v;
    for (size_t i = 0; i < n; i++)
        if (!(x[i] >= lo && x[i] <= hi))
            return xb_error(ctx, XB_ERANGE, "%s: %s[%zu] = %g: expected a value in [%g, %g]",
                            path, name, i, x[i], lo, hi);
    return XB_OK;
}

/* Splits f->kinds_text at commas into kind[] and their table labels. */
static enum xb_status split_kinds(struct xb_ctx *ctx, struct xb_attack_file *f)
{
    char *save = NULL;
    f->names = xb_strdup(f->kinds_text);
    for (char *t = strtok_r(f->names, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        if (f->K == XB_ATTACK_FILE_MAX_KINDS)
            return xb_error(ctx, XB_ESHAPE, "%s: /attack/attacks names more than %d kinds",
                            f->path, XB_ATTACK_FILE_MAX_KINDS);
        const struct xb_attack_type *type = xb_attack_type_find(t);
        f->kind[f->K] = t;
        f->label[f->K++] = type ? type->label : t;
    }
    if (!f->K)
        return xb_error(ctx, XB_EFORMAT, "%s: /attack/attacks names no attack kind", f->path);
    return XB_OK;
}

enum xb_status xb_attack_file_read(struct xb_ctx *ctx, const char *path,
                                   struct xb_attack_file *f)
{
    memset(f, 0, sizeof *f);
    f->path = xb_strdup(path);
    if (!xb_layout_exists(path, XB_DS_ATTACK, 0))
        return xb_error(ctx, XB_EFORMAT, "%s: not an attack result (no /attack group: not "
                        "written by xbar attack -o)", path);
    size_t dims[4], any[4] = {0};
    double *clean = NULL;
    enum xb_status st = xb_layout_read_text(ctx, path, XB_DS_ATTACK_KINDS, &f->kinds_text);
    if (!st)
        st = split_kinds(ctx, f);
    if (!st)
        st = read_row(ctx, path, XB_DS_ATTACK_EPS, any, 0.0, 1.0, &f->eps, dims);
    f->J = st ? 0 : dims[0];
    if (!st && !f->J)
        st = xb_error(ctx, XB_ESHAPE, "%s: /attack/eps holds no budget", path);
    const size_t one[1] = {1}, kj[2] = {f->K, f->J};
    if (!st)
        st = read_row(ctx, path, XB_DS_ATTACK_CLEAN, one, 0.0, 1.0, &clean, dims);
    if (!st)
        f->clean = clean[0];
    xb_free(clean);
    if (!st)
        st = read_row(ctx, path, XB_DS_ATTACK_ACCURACY, kj, 0.0, 1.0, &f->acc, dims);
    if (!st && xb_layout_exists(path, XB_DS_ATTACK_CHIP_CLEAN, 0)) {
        st = read_row(ctx, path, XB_DS_ATTACK_CHIP_CLEAN, any, 0.0, 1.0, &f->clean_chip, dims);
        f->R = st ? 0 : dims[0];
        const size_t rkj[3] = {f->R, f->K, f->J};
        if (!st)
            st = read_row(ctx, path, XB_DS_ATTACK_CHIP_ACCURACY, rkj, 0.0, 1.0, &f->acc_chip,
                          dims);
    }
    if (!st && xb_layout_exists(path, XB_DS_ATTACK_NOISY, 0)) {
        /* The target's test axis: noise stds, or a device's read times. */
        f->test_is_t = xb_layout_exists(path, XB_DS_ATTACK_T_TEST, 0);
        st = read_row(ctx, path, f->test_is_t ? XB_DS_ATTACK_T_TEST : XB_DS_ATTACK_SIGMA_TEST,
                      any, 0.0, INFINITY, &f->sigma_test, dims);
        f->S = st ? 0 : dims[0];
        const size_t kjs[4] = {f->K, f->J, f->S, 0};
        if (!st)
            st = read_row(ctx, path, XB_DS_ATTACK_NOISY, kjs, 0.0, 1.0, &f->noisy, dims);
        f->N = st ? 0 : dims[3];
        if (!st)
            st = read_row(ctx, path, XB_DS_ATTACK_SOURCE_ACCURACY, kj, 0.0, 1.0, &f->source,
                          dims);
    }
    return st;
}

void xb_attack_file_free(struct xb_attack_file *f)
{
    xb_free(f->path), xb_free(f->kinds_text), xb_free(f->names), xb_free(f->eps), xb_free(f->acc);
    xb_free(f->acc_chip), xb_free(f->clean_chip), xb_free(f->sigma_test), xb_free(f->source);
    xb_free(f->noisy);
    memset(f, 0, sizeof *f);
}
