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
