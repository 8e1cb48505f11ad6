#include "xb_study_read.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_layout.h"
#include "xb_limits.h"
#include "xb_sweep_layout.h"

/* An axis longer than this is no study anyone ran (an experiment's axis
 * holds at most a few dozen values): refused before it is read. */
#define STUDY_MAX_AXIS_VALUES 4096

int xb_study_exists(const char *path) { return xb_layout_exists(path, XB_DS_STUDY, 0); }

int xb_study_axis_of(const struct xb_study_result *r, const char *key)
{
    for (size_t k = 0; k < r->n_axes; k++)
        if (!strcmp(r->axis[k].key, key))
            return (int)k;
    return -1;
}

size_t xb_study_point(const struct xb_study_result *r, const size_t *idx)
{
    size_t p = 0;
    for (size_t k = 0; k < r->n_axes; k++)
        p = p * r->axis[k].n + idx[k];
    return p;
}

/* The optional integer attribute `trains` of the axis dataset d: 0 if absent. */
static enum xb_status read_trains(struct xb_ctx *ctx, const char *path, const char *name,
                                  hid_t d, int *trains)
{
    *trains = 0;
    if (H5Aexists(d, "trains") <= 0)
        return XB_OK;
    hid_t a = H5Aopen(d, "trains", H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    int ok = t >= 0 && H5Tget_class(t) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_INT, trains) >= 0;
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (!ok || (*trains != 0 && *trains != 1))
        return xb_error(ctx, XB_EFORMAT, "%s: attribute 'trains' of %s is not the integer 0 or 1",
                        path, name);
    return XB_OK;
}

/* The values of the open axis dataset d: float64 or fixed-length strings. */
static enum xb_status read_values(struct xb_ctx *ctx, const char *path, const char *name,
                                  hid_t d, struct xb_study_axis *a)
{
    enum xb_status st = XB_OK;
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hsize_t n = 0;
    if (s < 0 || H5Sget_simple_extent_ndims(s) != 1 || H5Sget_simple_extent_dims(s, &n, NULL) != 1 ||
        n < 1 || n > STUDY_MAX_AXIS_VALUES) {
        st = xb_error(ctx, XB_ESHAPE, "%s: %s is not a list of 1 to %d values (expected "
                      "float64 or string [n_k])", path, name, STUDY_MAX_AXIS_VALUES);
        goto done;
    }
    a->n = (size_t)n;
    a->value = xb_malloc(a->n, sizeof *a->value);
    a->label = xb_calloc(a->n, sizeof *a->label);
    if (cls == H5T_FLOAT) {
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->value) < 0) {
            st = xb_error(ctx, XB_EIO, "%s: cannot read %s", path, name);
            goto done;
        }
        for (size_t i = 0; i < a->n; i++) {
            if (!isfinite(a->value[i])) {
                st = xb_error(ctx, XB_ENUMERIC, "%s: %s[%zu] is not finite; expected the "
                              "axis values", path, name, i);
                goto done;
            }
            char buf[32];
            snprintf(buf, sizeof buf, "%.10g", a->value[i]);
            a->label[i] = xb_strdup(buf);
        }
    } else if (cls == H5T_STRING && H5Tis_variable_str(t) == 0) {
        size_t size = H5Tget_size(t);
        char *buf = xb_calloc(a->n * size + 1, 1);
        hid_t mem = H5Tcopy(t);
        if (H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            st = xb_error(ctx, XB_EIO, "%s: cannot read %s", path, name);
        H5Tclose(mem);
        for (size_t i = 0; i < a->n && !st; i++) {
            a->label[i] = xb_calloc(size + 1, 1);
            memcpy(a->label[i], buf + i * size, size);
            a->value[i] = (double)i;
        }
        xb_free(buf);
        a->is_text = 1;
    } else {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s is neither float64 nor fixed-length strings",
                      path, name);
    }
done:
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return st;
}

static enum xb_status read_axes(struct xb_ctx *ctx, const char *path, struct xb_study_result *r)
{
    hid_t fid;
    enum xb_status st = xb_h5_open_read(ctx, path, "an xbar result file", &fid);
    if (st)
        return st;
    char name[XB_LAYOUT_PATH_MAX];
    for (size_t k = 0; !st; k++) {
        xb_layout_path(name, XB_DS_STUDY_AXIS, k, NULL);
        if (H5Lexists(fid, name, H5P_DEFAULT) <= 0)
            break;
        if (k == XB_STUDY_MAX_AXES) {
            st = xb_error(ctx, XB_ESHAPE, "%s: %s: a study has at most %d axes", path, name,
                          XB_STUDY_MAX_AXES);
            break;
        }
        struct xb_study_axis *a = &r->axis[r->n_axes++];
        hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
        if (d < 0) {
            st = xb_error(ctx, XB_EFORMAT, "%s: %s is not a dataset", path, name);
            break;
        }
        st = read_values(ctx, path, name, d, a);
        if (!st)
            st = xb_h5_read_attr_string(ctx, path, fid, name, "key", &a->key);
        if (!st && H5Aexists(d, "units") > 0)
            st = xb_h5_read_attr_string(ctx, path, fid, name, "units", &a->units);
        else if (!st)
            a->units = xb_strdup("");
        if (!st)
            st = read_trains(ctx, path, name, d, &a->trains);
        H5Dclose(d);
        for (size_t j = 0; j + 1 < r->n_axes && !st; j++)
            if (!strcmp(r->axis[j].key, a->key))
                st = xb_error(ctx, XB_EFORMAT, "%s: axes %zu and %zu both have the key %s",
                              path, j, k, a->key);
    }
    if (!st && r->n_axes == 0) {
        xb_layout_path(name, XB_DS_STUDY_AXIS, 0, NULL);
        st = xb_error(ctx, XB_ENOTFOUND, "%s: /study has no %s (expected the study's first "
                      "axis)", path, name);
    }
    H5Fclose(fid);
    return st;
}

/* Reads dataset id as float64 (or uint8 for done) of the axes' shape,
 * followed by a last dimension (extra: its size, or (size_t)-1 for none);
 * *last gets it. */
static enum xb_status read_grid(struct xb_ctx *ctx, const struct xb_study_result *r,
                                enum xb_ds id, int extra, void **data, size_t *last)
{
    const struct xb_layout_row *row = xb_layout_row(id);
    int rank;
    size_t dims[8];
    enum xb_status st = xb_h5_read_array(ctx, r->path, row->path, row->type, data, &rank, dims);
    if (st == XB_ENOTFOUND)
        return xb_error(ctx, st, "%s: no dataset %s (expected %s %s)", r->path, row->path,
                        xb_layout_type_name(row), row->shape);
    if (st)
        return st;
    int want = (int)r->n_axes + (extra ? 1 : 0);
    int ok = rank == want;
    for (size_t k = 0; ok && k < r->n_axes; k++)
        ok = dims[k] == r->axis[k].n;
    if (ok && extra)
        ok = dims[r->n_axes] >= 1;
    if (!ok) {
        char got[128] = "[", exp[128] = "[";
        for (int d = 0; d < rank && d < 8; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu", d ? " x " : "",
                     dims[d]);
        for (size_t k = 0; k < r->n_axes; k++)
            snprintf(exp + strlen(exp), sizeof exp - strlen(exp), "%s%zu", k ? " x " : "",
                     r->axis[k].n);
        xb_free(*data);
        *data = NULL;
        return xb_error(ctx, XB_ESHAPE, "%s: %s has shape %s]; expected %s%s] (%s, the "
                        "sizes of /study/axis_*)", r->path, row->path, got, exp,
                        extra ? " x n" : "", row->shape);
    }
    if (last)
        *last = extra ? dims[r->n_axes] : 1;
    return XB_OK;
}

/* Accuracies: in [0, 1], and not NaN where done. */
static enum xb_status check_accuracy(struct xb_ctx *ctx, const struct xb_study_result *r,
                                     enum xb_ds id, const double *a, size_t inner)
{
    for (size_t p = 0; p < r->n_points; p++)
        for (size_t i = 0; i < inner; i++) {
            double v = a[p * inner + i];
            if ((isnan(v) && r->done[p]) || (!isnan(v) && !(v >= 0 && v <= 1)))
                return xb_error(ctx, isnan(v) ? XB_ENUMERIC : XB_ERANGE,
                                "%s: %s[point %zu, %zu] is %g; expected a fraction in [0, 1]%s",
                                r->path, xb_layout_row(id)->path, p, i, v,
                                r->done[p] ? " where the point is done" : " or NaN");
        }
    return XB_OK;
}

/* Axis k of a file without /study: the sweep's values, key and units. */
static void sweep_axis(struct xb_study_axis *a, const char *key, const char *units, int trains,
                       const double *values, size_t n)
{
    a->key = xb_strdup(key);
    a->units = xb_strdup(units);
    a->trains = trains;
    a->n = n;
    a->value = xb_malloc(n, sizeof *a->value);
    a->label = xb_calloc(n, sizeof *a->label);
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        a->value[i] = values[i];
        snprintf(buf, sizeof buf, "%.10g", values[i]);
        a->label[i] = xb_strdup(buf);
    }
}

/* The view of a sweep file made before /study: its two axes, sigma_train
 * and the test axis, over the same C-order arrays as /sweep (accuracy
 * [n_train x n_test x n_repeat] is already [axis_0 x axis_1 x repeat]);
 * the SNR of each point from /sweep/snr_db_measured, or, in a file made
 * before that was recorded, the test point's /sweep/snr_db. */
static enum xb_status from_sweep(struct xb_ctx *ctx, const char *path,
                                 struct xb_study_result *r)
{
    struct xb_sweep_result s;
    enum xb_status st = xb_sweep_read(ctx, path, &s);
    if (st)
        return st;
    int add = !strcmp(s.noise_model, "add");
    sweep_axis(&r->axis[0], "sweep.sigma_train", add ? "activation units" : "1", 1,
               s.sigma_train, s.n_train);
    sweep_axis(&r->axis[1], s.test_is_t ? "sweep.t" : "sweep.sigma_test",
               s.test_is_t ? "s" : add ? "activation units" : "1", 0, s.sigma_test, s.n_test);
    r->n_axes = 2;
    r->n_points = s.n_train * s.n_test;
    r->n_repeat = s.n_repeat;
    r->n_votes = s.n_votes;
    r->accuracy = s.accuracy;
    r->accuracy_vote = s.accuracy_vote;
    r->done = s.done;
    s.accuracy = s.accuracy_vote = NULL;
    s.done = NULL;
    r->snr_db = xb_malloc(r->n_points, sizeof *r->snr_db);
    if (xb_layout_exists(path, XB_DS_SNR_MEASURED, 0)) {
        st = xb_layout_read(ctx, path, XB_DS_SNR_MEASURED, 0, r->snr_db, r->n_points, 0,
                            "the measured SNR of each point");
    } else {
        for (size_t p = 0; p < r->n_points; p++)
            r->snr_db[p] = s.snr_db[p % s.n_test];
    }
    xb_sweep_result_free(&s);
    return st;
}

enum xb_status xb_study_read(struct xb_ctx *ctx, const char *path, struct xb_study_result *r)
{
    memset(r, 0, sizeof *r);
    xb_h5_quiet();
    r->path = xb_strdup(path);
    enum xb_status st = XB_OK;
    if (!xb_study_exists(path)) {
        if (xb_layout_kind_of_file(path) == XB_LAYOUT_SWEEP) {
            st = from_sweep(ctx, path, r);
            goto done;
        }
        hid_t fid;
        st = xb_h5_open_read(ctx, path, "an xbar result file", &fid);
        if (!st) {
            H5Fclose(fid);
            st = xb_error(ctx, XB_ENOTFOUND, "%s: no group /study or /sweep (expected a sweep "
                          "or study result)", path);
        }
        goto done;
    }
    if ((st = read_axes(ctx, path, r)) != XB_OK)
        goto done;
    r->n_points = 1;
    for (size_t k = 0; k < r->n_axes; k++)
        r->n_points *= r->axis[k].n;
    if (r->n_points > XB_MAX_H5_ELEMENTS) {
        st = xb_error(ctx, XB_ESHAPE, "%s: the axes make %zu points; at most %zu", path,
                      r->n_points, (size_t)XB_MAX_H5_ELEMENTS);
        goto done;
    }
    void *v;
    if ((st = read_grid(ctx, r, XB_DS_STUDY_DONE, 0, &v, NULL)) != XB_OK)
        goto done;
    r->done = v;
    for (size_t p = 0; p < r->n_points; p++)
        if (r->done[p] > 1) {
            st = xb_error(ctx, XB_ERANGE, "%s: /study/done[point %zu] is %u; expected 0 or 1",
                          path, p, r->done[p]);
            goto done;
        }
    if ((st = read_grid(ctx, r, XB_DS_STUDY_ACCURACY, 1, &v, &r->n_repeat)) != XB_OK)
        goto done;
    r->accuracy = v;
    if ((st = check_accuracy(ctx, r, XB_DS_STUDY_ACCURACY, r->accuracy, r->n_repeat)) != XB_OK)
        goto done;
    if ((st = read_grid(ctx, r, XB_DS_STUDY_SNR_MEASURED, 0, &v, NULL)) != XB_OK)
        goto done;
    r->snr_db = v;
    if (xb_layout_exists(path, XB_DS_STUDY_ACCURACY_VOTE, 0)) {
        if ((st = read_grid(ctx, r, XB_DS_STUDY_ACCURACY_VOTE, 1, &v, &r->n_votes)) != XB_OK)
            goto done;
        r->accuracy_vote = v;
        st = check_accuracy(ctx, r, XB_DS_STUDY_ACCURACY_VOTE, r->accuracy_vote, r->n_votes);
    }
    if (!st && xb_layout_exists(path, XB_DS_STUDY_ENERGY, 0)) {
        if ((st = read_grid(ctx, r, XB_DS_STUDY_ENERGY, 0, &v, NULL)) != XB_OK)
            goto done;
        r->energy = v;
    }
    if (!st && xb_layout_exists(path, XB_DS_STUDY_LATENCY_PIPELINED, 0)) {
        if ((st = read_grid(ctx, r, XB_DS_STUDY_LATENCY_PIPELINED, 0, &v, NULL)) != XB_OK)
            goto done;
        r->latency = v;
    }
done:
    if (st)
        xb_study_result_free(r);
    return st;
}

void xb_study_result_free(struct xb_study_result *r)
{
    if (!r)
        return;
    for (size_t k = 0; k < r->n_axes; k++) {
        struct xb_study_axis *a = &r->axis[k];
        for (size_t i = 0; a->label && i < a->n; i++)
            xb_free(a->label[i]);
        xb_free(a->label);
        xb_free(a->value);
        xb_free(a->key);
        xb_free(a->units);
    }
    xb_free(r->accuracy);
    xb_free(r->accuracy_vote);
    xb_free(r->snr_db);
    xb_free(r->energy);
    xb_free(r->latency);
    xb_free(r->done);
    xb_free(r->path);
    memset(r, 0, sizeof *r);
}
