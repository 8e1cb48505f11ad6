#include "xb_study_layout.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_layout.h"

/* Axis k's values: float64, or one fixed-length string type as long as
 * the longest value. */
static enum xb_status write_axis(struct xb_ctx *ctx, struct xb_h5_file *f, size_t k,
                                 const struct xb_study_axis_out *a)
{
    char name[XB_LAYOUT_PATH_MAX];
    const struct xb_layout_row *r = xb_layout_row(XB_DS_STUDY_AXIS);
    xb_layout_path(name, XB_DS_STUDY_AXIS, k, NULL);
    if (a->values)
        return xb_h5_write_array(ctx, f, name, XB_H5_F64, a->values, 1, &a->n, a->units,
                                 r->description);
    size_t len = 1;
    for (size_t i = 0; i < a->n; i++)
        if (strlen(a->strings[i]) + 1 > len)
            len = strlen(a->strings[i]) + 1;
    char *buf = xb_calloc(a->n, len);
    for (size_t i = 0; i < a->n; i++)
        memcpy(buf + i * len, a->strings[i], strlen(a->strings[i]));
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hsize_t dim = a->n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(f->fid, name, t, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    herr_t rc = d >= 0 ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : -1;
    if (rc >= 0)
        rc = xb_h5_describe(d, a->units, r->description);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    xb_free(buf);
    if (rc < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot write %s", f->path, name);
    return XB_OK;
}

/* The attributes of axis k and its making into a dimension scale. */
static herr_t scale_axis(hid_t fid, size_t k, const struct xb_study_axis_out *a)
{
    char name[XB_LAYOUT_PATH_MAX];
    xb_layout_path(name, XB_DS_STUDY_AXIS, k, NULL);
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    int trains = a->trains;
    herr_t rc = xb_h5_attr_string(d, "key", a->key);
    if (rc >= 0)
        rc = xb_h5_attr_scalar(d, "trains", H5T_STD_I32LE, H5T_NATIVE_INT, &trains);
    if (rc >= 0)
        rc = H5DSset_scale(d, a->key);
    H5Dclose(d);
    return rc;
}

/* Dataset id: the N axes' dims, then extra (0: none) labelled label. */
static enum xb_status write_nd(struct xb_ctx *ctx, struct xb_h5_file *f,
                               const struct xb_study_out *o, enum xb_ds id, const void *data,
                               size_t extra, const char *label)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    size_t dims[XB_STUDY_MAX_RANK + 1];
    int rank = (int)o->rank;
    for (size_t k = 0; k < o->rank; k++)
        dims[k] = o->axis[k].n;
    if (r->rank == 1)
        dims[rank++] = extra;
    enum xb_status st = xb_h5_write_array(ctx, f, r->path, r->type, data, rank, dims, r->units,
                                          r->description);
    if (st)
        return st;
    hid_t d = H5Dopen2(f->fid, r->path, H5P_DEFAULT);
    herr_t rc = d >= 0 ? 0 : -1;
    for (size_t k = 0; k < o->rank && rc >= 0; k++) {
        char name[XB_LAYOUT_PATH_MAX];
        hid_t ax = H5Dopen2(f->fid, xb_layout_path(name, XB_DS_STUDY_AXIS, k, NULL),
                            H5P_DEFAULT);
        rc = ax >= 0 ? H5DSattach_scale(d, ax, (unsigned)k) : -1;
        if (rc >= 0)
            rc = H5DSset_label(d, (unsigned)k, o->axis[k].key);
        if (ax >= 0)
            H5Dclose(ax);
    }
    if (rc >= 0 && r->rank == 1)
        rc = H5DSset_label(d, (unsigned)o->rank, label);
    if (d >= 0)
        H5Dclose(d);
    if (rc < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot attach the dimension scales of %s", f->path,
                        r->path);
    return XB_OK;
}

enum xb_status xb_study_write(struct xb_ctx *ctx, struct xb_h5_file *f,
                              const struct xb_study_out *o)
{
    XB_ASSERT(o->rank >= 1 && o->rank <= XB_STUDY_MAX_RANK);
    /* Rank N + 1 <= 8 is what the writer takes (xb_h5_write_array). */
    if (o->rank > 7)
        return xb_error(ctx, XB_ERANGE, "%s: a study of %zu dimensions; the /study view holds "
                        "at most 7 (with the repeats)", f->path, o->rank);
    enum xb_status st = XB_OK;
    for (size_t k = 0; k < o->rank && !st; k++)
        st = write_axis(ctx, f, k, &o->axis[k]);
    for (size_t k = 0; k < o->rank && !st; k++)
        if (scale_axis(f->fid, k, &o->axis[k]) < 0)
            st = xb_error(ctx, XB_EIO, "%s: cannot make axis %zu (%s) a dimension scale",
                          f->path, k, o->axis[k].key);
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_ACCURACY, o->accuracy, o->repeats, "repeat");
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_ACCURACY_VOTE, o->accuracy_vote, o->votes,
                      "votes");
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_SNR_MEASURED, o->snr, 0, NULL);
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_ENERGY, o->energy, 0, NULL);
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_LATENCY_PIPELINED, o->latency_pipelined, 0, NULL);
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_LATENCY_SEQUENTIAL, o->latency_sequential, 0,
                      NULL);
    if (!st)
        st = write_nd(ctx, f, o, XB_DS_STUDY_DONE, o->done, 0, NULL);
    return st;
}

/* ---- reading ---------------------------------------------------------------- */

/* String attribute name of obj into *out (xb_free); 0 if missing. */
static int attr_text(hid_t obj, const char *name, char **out)
{
    if (H5Aexists(obj, name) <= 0)
        return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    int ok = a >= 0 && xb_h5_read_string(a, 1, out);
    if (a >= 0)
        H5Aclose(a);
    return ok;
}

/* Axis k's values as text: numbers with %g, strings as stored. */
static enum xb_status read_axis(struct xb_ctx *ctx, const char *path, hid_t fid, size_t k,
                                struct xb_study_view *v)
{
    char name[XB_LAYOUT_PATH_MAX];
    xb_layout_path(name, XB_DS_STUDY_AXIS, k, NULL);
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
    if (d < 0)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: cannot open", path, name);
    hid_t t = H5Dget_type(d), s = H5Dget_space(d);
    hsize_t n = 0;
    int ok = H5Sget_simple_extent_ndims(s) == 1 && H5Sget_simple_extent_dims(s, &n, NULL) == 1 &&
             n >= 1 && n <= 4096;
    int is_string = H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t) &&
                    H5Tget_size(t) <= 4096;
    ok = ok && (is_string || H5Tget_class(t) == H5T_FLOAT);
    if (ok) {
        v->n[k] = (size_t)n;
        v->value[k] = xb_calloc(n, sizeof *v->value[k]);
        if (is_string) {
            size_t len = H5Tget_size(t);
            hid_t mt = H5Tcopy(t);
            H5Tset_size(mt, len + 1);
            char *buf = xb_calloc(n, len + 1);
            ok = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
            for (size_t i = 0; i < n; i++)
                v->value[k][i] = xb_strdup(buf + i * (len + 1));
            H5Tclose(mt);
            xb_free(buf);
        } else {
            double *x = xb_malloc(n, sizeof *x);
            ok = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0;
            for (size_t i = 0; i < n; i++) {
                char text[32];
                snprintf(text, sizeof text, "%g", x[i]);
                v->value[k][i] = xb_strdup(text);
            }
            xb_free(x);
        }
    }
    char *key = NULL;
    if (ok)
        ok = attr_text(d, "key", &key) && attr_text(d, "units", &v->units[k]);
    if (ok && H5Aexists(d, "trains") > 0) {
        hid_t a = H5Aopen(d, "trains", H5P_DEFAULT);
        ok = a >= 0 && H5Aread(a, H5T_NATIVE_INT, &v->trains[k]) >= 0;
        if (a >= 0)
            H5Aclose(a);
    }
    if (key)
        snprintf(v->key[k], sizeof v->key[k], "%s", key);
    xb_free(key);
    H5Sclose(s), H5Tclose(t), H5Dclose(d);
    if (!ok)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: expected 1-D float64 or fixed-length "
                        "strings with attributes key, units and trains (%s)", path, name,
                        xb_layout_row(XB_DS_STUDY_AXIS)->shape);
    return XB_OK;
}

/* Dataset id, of rank N (+1 with extra values per cell), into *out. */
static enum xb_status read_nd(struct xb_ctx *ctx, const char *path, struct xb_study_view *v,
                              enum xb_ds id, enum xb_h5_type type, void **out, size_t *extra)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    int rank;
    size_t dims[8];
    enum xb_status st = xb_h5_read_array(ctx, path, r->path, type, out, &rank, dims);
    if (st)
        return st;
    int ok = rank == (int)v->rank + r->rank;
    for (size_t k = 0; ok && k < v->rank; k++)
        ok = dims[k] == v->n[k];
    if (ok && r->rank == 1)
        *extra = dims[v->rank];
    if (!ok)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: expected %s over the %zu axes of /study",
                        path, r->path, r->shape, v->rank);
    return XB_OK;
}

enum xb_status xb_study_read(struct xb_ctx *ctx, const char *path, struct xb_study_view *v)
{
    memset(v, 0, sizeof *v);
    if (!xb_layout_exists(path, XB_DS_STUDY, 0))
        return xb_error(ctx, XB_ENOTFOUND, "%s: no %s group (made before studies)", path,
                        xb_layout_row(XB_DS_STUDY)->path);
    hid_t fid;
    enum xb_status st = xb_h5_open_read(ctx, path, "a sweep result", &fid);
    if (st)
        return st;
    while (v->rank < XB_STUDY_MAX_RANK) {
        char name[XB_LAYOUT_PATH_MAX];
        if (H5Lexists(fid, xb_layout_path(name, XB_DS_STUDY_AXIS, v->rank, NULL),
                      H5P_DEFAULT) <= 0)
            break;
        v->rank++;
    }
    for (size_t k = 0; k < v->rank && !st; k++)
        st = read_axis(ctx, path, fid, k, v);
    H5Fclose(fid);
    if (!st && v->rank == 0)
        st = xb_error(ctx, XB_EFORMAT, "%s: %s has no axis_0", path,
                      xb_layout_row(XB_DS_STUDY)->path);
    v->cells = 1;
    for (size_t k = 0; k < v->rank; k++)
        v->cells *= v->n[k];
    size_t none;
    if (!st)
        st = read_nd(ctx, path, v, XB_DS_STUDY_ACCURACY, XB_H5_F64, (void **)&v->accuracy,
                     &v->repeats);
    if (!st)
        st = read_nd(ctx, path, v, XB_DS_STUDY_ACCURACY_VOTE, XB_H5_F64,
                     (void **)&v->accuracy_vote, &v->votes);
    if (!st)
        st = read_nd(ctx, path, v, XB_DS_STUDY_SNR_MEASURED, XB_H5_F64, (void **)&v->snr, &none);
    if (!st)
        st = read_nd(ctx, path, v, XB_DS_STUDY_ENERGY, XB_H5_F64, (void **)&v->energy, &none);
    if (!st)
        st = read_nd(ctx, path, v, XB_DS_STUDY_DONE, XB_H5_U8, (void **)&v->done, &none);
    if (st)
        xb_study_view_free(v);
    return st;
}

void xb_study_view_free(struct xb_study_view *v)
{
    for (size_t k = 0; k < XB_STUDY_MAX_RANK; k++) {
        for (size_t i = 0; v->value[k] && i < v->n[k]; i++)
            xb_free(v->value[k][i]);
        xb_free(v->value[k]);
        xb_free(v->units[k]);
    }
    xb_free(v->accuracy), xb_free(v->accuracy_vote), xb_free(v->snr), xb_free(v->energy);
    xb_free(v->done);
    memset(v, 0, sizeof *v);
}
