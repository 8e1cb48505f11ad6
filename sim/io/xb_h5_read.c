/*
 * xb_h5_read.c — the reading side of xb_h5.h: input matrices
 * (--weights, --inputs), and the datasets, strings and attributes of result
 * files (the writing side is xb_h5.c). Every reader checks type class, rank
 * and element count (xb_limits.h) before it allocates or reads.
 */
#include "xb_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_limits.h"

/* ---- reading ------------------------------------------------------------ */

/* Splits "file.h5:/path" into file and dataset; a ':' followed by '/' marks
 * the dataset, so file names with other colons still work. */
static void split_spec(const char *spec, const char *default_dataset, char **file,
                       char **dataset)
{
    const char *colon = strrchr(spec, ':');
    if (colon && colon[1] == '/') {
        size_t len = (size_t)(colon - spec);
        *file = xb_malloc(len + 1, 1);
        memcpy(*file, spec, len);
        (*file)[len] = '\0';
        *dataset = xb_strdup(colon + 1);
    } else {
        *file = xb_strdup(spec);
        *dataset = xb_strdup(default_dataset);
    }
}

/* Hashes file into files (the digest of the file HDF5 then reads). */
static enum xb_status hash_file(struct xb_ctx *ctx, const char *origin, const char *file,
                                struct xb_data_files *files)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open %s: %s", origin, file, strerror(errno));
    enum xb_status st = xb_data_files_hash_fd(ctx, files, file, "an HDF5 file", fd);
    close(fd);
    return st;
}

enum xb_status xb_h5_read_matrix(struct xb_ctx *ctx, const char *spec,
                                 const char *default_dataset, const char *origin,
                                 const char *shape, struct xb_data_files *files, float **data,
                                 size_t *rows, size_t *cols)
{
    char *file, *dset;
    hid_t fid = H5I_INVALID_HID, did = H5I_INVALID_HID, sid = H5I_INVALID_HID;
    hid_t tid = H5I_INVALID_HID;
    float *a = NULL;
    enum xb_status st = XB_OK;

    xb_h5_quiet();
    *data = NULL;
    split_spec(spec, default_dataset, &file, &dset);

    /* errno from open(2) says more than HDF5 would. */
    FILE *probe = fopen(file, "rb");
    if (!probe) {
        st = xb_error(ctx, XB_EIO, "%s: cannot open %s: %s", origin, file, strerror(errno));
        goto done;
    }
    fclose(probe);
    if (H5Fis_hdf5(file) <= 0) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s is not an HDF5 file", origin, file);
        goto done;
    }
    if (files && (st = hash_file(ctx, origin, file, files)) != XB_OK)
        goto done;
    fid = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot open HDF5 file %s", origin, file);
        goto done;
    }
    did = H5Dopen2(fid, dset, H5P_DEFAULT);
    if (did < 0) {
        st = xb_error(ctx, XB_ENOTFOUND,
                      "%s: no dataset %s in %s (expected a 2-D float matrix %s; name another "
                      "as %s:/path)",
                      origin, dset, file, shape, file);
        goto done;
    }
    sid = H5Dget_space(did);
    tid = H5Dget_type(did);
    int rank = sid >= 0 ? H5Sget_simple_extent_ndims(sid) : -1;
    if (rank != 2) {
        st = xb_error(ctx, XB_ESHAPE, "%s: %s:%s has rank %d; expected a 2-D matrix %s", origin,
                      file, dset, rank, shape);
        goto done;
    }
    if (tid < 0 || H5Tget_class(tid) != H5T_FLOAT) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s:%s does not hold floating-point data; "
                      "expected float or double", origin, file, dset);
        goto done;
    }
    hsize_t dims[2];
    H5Sget_simple_extent_dims(sid, dims, NULL);
    if (dims[0] == 0 || dims[1] == 0 || dims[0] > XB_MAX_MATRIX_ELEMENTS / dims[1]) {
        st = xb_error(ctx, XB_ESHAPE,
                      "%s: %s:%s has shape [%llu x %llu]; expected a non-empty matrix %s of "
                      "at most 2^28 elements (1 GiB of float32)",
                      origin, file, dset, (unsigned long long)dims[0],
                      (unsigned long long)dims[1], shape);
        goto done;
    }
    size_t n = (size_t)dims[0] * (size_t)dims[1];
    a = xb_aligned(n, sizeof *a);
    /* HDF5 converts double to float on the way (overflow becomes inf). */
    if (H5Dread(did, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) < 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot read %s:%s", origin, file, dset);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(a[i])) {
            st = xb_error(ctx, XB_ENUMERIC, "%s: %s:%s[%zu, %zu] is %s; expected finite "
                          "float32 values", origin, file, dset, i / (size_t)dims[1],
                          i % (size_t)dims[1], isnan(a[i]) ? "nan" : "out of float range");
            goto done;
        }
    }
    *rows = (size_t)dims[0];
    *cols = (size_t)dims[1];
    *data = a;
    a = NULL;
done:
    if (tid >= 0)
        H5Tclose(tid);
    if (sid >= 0)
        H5Sclose(sid);
    if (did >= 0)
        H5Dclose(did);
    if (fid >= 0)
        H5Fclose(fid);
    xb_free(a);
    xb_free(file);
    xb_free(dset);
    return st;
}

/* ---- reading strings and attributes (shared through xb_h5_impl.h) -------- */

void xb_h5_reclaim(hid_t type, hid_t space, void *buf)
{
#if H5_VERSION_GE(1, 12, 0)
    H5Treclaim(type, space, H5P_DEFAULT, buf);
#else
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf);
#endif
}

/* Reads a scalar string of type ftype from attribute (is_attr) or dataset
 * obj, fixed-length or variable-length, into a new string. */
int xb_h5_read_string(hid_t obj, int is_attr, char **out)
{
    hid_t ftype = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    int ok = 0;
    *out = NULL;
    if (ftype < 0 || space < 0 || H5Tget_class(ftype) != H5T_STRING ||
        H5Sget_simple_extent_npoints(space) != 1)
        goto done;
    hid_t mem = H5Tcopy(H5T_C_S1);
    if (H5Tis_variable_str(ftype) > 0) {
        char *value = NULL;
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(ftype));
        herr_t rc = is_attr ? H5Aread(obj, mem, &value)
                            : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
        if (rc >= 0) {
            *out = xb_strdup(value ? value : "");
            ok = 1;
            xb_h5_reclaim(mem, space, &value);
        }
    } else {
        size_t size = H5Tget_size(ftype);
        char *value = xb_calloc(size + 1, 1);
        H5Tset_size(mem, size + 1); /* nul-terminated in memory */
        H5Tset_cset(mem, H5Tget_cset(ftype));
        herr_t rc = is_attr ? H5Aread(obj, mem, value)
                            : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, value);
        if (rc >= 0) {
            *out = value;
            ok = 1;
        } else {
            xb_free(value);
        }
    }
    H5Tclose(mem);
done:
    if (space >= 0)
        H5Sclose(space);
    if (ftype >= 0)
        H5Tclose(ftype);
    return ok;
}

/* The string attribute name of object objname. */
enum xb_status xb_h5_read_attr_string(struct xb_ctx *ctx, const char *path, hid_t fid,
                                      const char *objname, const char *name, char **out)
{
    if (H5Aexists_by_name(fid, objname, name, H5P_DEFAULT) <= 0)
        return xb_error(ctx, XB_ENOTFOUND, "%s: %s has no attribute '%s' (expected a string)",
                        path, objname, name);
    hid_t a = H5Aopen_by_name(fid, objname, name, H5P_DEFAULT, H5P_DEFAULT);
    int ok = a >= 0 && xb_h5_read_string(a, 1, out);
    if (a >= 0)
        H5Aclose(a);
    if (!ok)
        return xb_error(ctx, XB_EFORMAT, "%s: attribute '%s' of %s is not a scalar string",
                        path, name, objname);
    return XB_OK;
}

/* An integer attribute of the root, converted to mem (a native type). */
enum xb_status xb_h5_read_attr_integer(struct xb_ctx *ctx, const char *path, hid_t fid,
                                       const char *name, hid_t mem, void *out)
{
    if (H5Aexists_by_name(fid, "/", name, H5P_DEFAULT) <= 0)
        return xb_error(ctx, XB_ENOTFOUND, "%s: / has no attribute '%s' (expected an integer)",
                        path, name);
    hid_t a = H5Aopen_by_name(fid, "/", name, H5P_DEFAULT, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID;
    hid_t sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    int ok = t >= 0 && sp >= 0 && H5Tget_class(t) == H5T_INTEGER &&
             H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, mem, out) >= 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (!ok)
        return xb_error(ctx, XB_EFORMAT, "%s: attribute '%s' of / is not a scalar integer",
                        path, name);
    return XB_OK;
}

enum xb_status xb_h5_open_read(struct xb_ctx *ctx, const char *path, const char *expected,
                               hid_t *fid)
{
    *fid = H5I_INVALID_HID;
    xb_h5_quiet();
    /* errno from open(2) says more than HDF5 would. */
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return xb_error(ctx, XB_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0)
        return xb_error(ctx, XB_EFORMAT, "%s: not an HDF5 file; expected %s", path, expected);
    *fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*fid < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open the HDF5 file", path);
    return XB_OK;
}

/* The HDF5 type class an xb_h5_type is read from. */
static H5T_class_t h5_class(enum xb_h5_type type)
{
    return type == XB_H5_F32 || type == XB_H5_F64 ? H5T_FLOAT : H5T_INTEGER;
}

/* Opens dataset name of the open file fid and checks, before anything is
 * allocated or read, that it holds data of type's class in at most 8
 * dimensions and XB_MAX_H5_ELEMENTS elements: dims[] and *n say its shape.
 * A corrupt or foreign file is an error here, not an abort later. */
static enum xb_status open_array(struct xb_ctx *ctx, const char *path, hid_t fid,
                                 const char *name, enum xb_h5_type type, hid_t *did,
                                 int *rank, size_t *dims, size_t *n)
{
    *did = H5Lexists(fid, name, H5P_DEFAULT) > 0 ? H5Dopen2(fid, name, H5P_DEFAULT)
                                                  : H5I_INVALID_HID;
    if (*did < 0)
        return xb_error(ctx, XB_ENOTFOUND, "%s: no dataset %s", path, name);
    hid_t s = H5Dget_space(*did), t = H5Dget_type(*did);
    int r = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    hsize_t hd[8];
    enum xb_status st = XB_OK;
    if (r < 0 || r > 8 || H5Sget_simple_extent_type(s) != H5S_SIMPLE) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s: not a simple array of rank 1 to 8", path, name);
    } else if (cls != h5_class(type)) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s does not hold %s data", path, name,
                      h5_class(type) == H5T_FLOAT ? "floating-point" : "integer");
    } else {
        H5Sget_simple_extent_dims(s, hd, NULL);
        *n = 1;
        for (int k = 0; k < r && !st; k++) {
            if (hd[k] && *n > XB_MAX_H5_ELEMENTS / hd[k])
                st = xb_error(ctx, XB_ESHAPE, "%s: %s has more than 2^28 elements (dimension "
                              "%d is %llu); expected an array xbar wrote", path, name, k,
                              (unsigned long long)hd[k]);
            else
                *n *= (size_t)hd[k], dims[k] = (size_t)hd[k];
        }
        *rank = r;
    }
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (st) {
        H5Dclose(*did);
        *did = H5I_INVALID_HID;
    }
    return st;
}

/* The first non-finite value of a[n] of type (floats only), or n. */
static size_t first_nonfinite(enum xb_h5_type type, const void *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((type == XB_H5_F32 && !isfinite(((const float *)a)[i])) ||
            (type == XB_H5_F64 && !isfinite(((const double *)a)[i])))
            return i;
    return n;
}

enum xb_status xb_h5_read_array(struct xb_ctx *ctx, const char *path, const char *name,
                                enum xb_h5_type type, void **data, int *rank, size_t *dims)
{
    xb_h5_quiet();
    *data = NULL;
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    if (fid < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open as HDF5", path);
    size_t n;
    enum xb_status st = open_array(ctx, path, fid, name, type, &d, rank, dims, &n);
    if (!st) {
        hid_t ft, mt;
        xb_h5_types(type, &ft, &mt);
        *data = xb_malloc(n ? n : 1, xb_h5_type_size(type));
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data) < 0) {
            xb_free(*data);
            *data = NULL;
            st = xb_error(ctx, XB_EFORMAT, "%s: %s: cannot be read as the expected type",
                          path, name);
        }
        H5Dclose(d);
    }
    H5Fclose(fid);
    return st;
}

enum xb_status xb_h5_read_exact(struct xb_ctx *ctx, const char *path, const char *name,
                                enum xb_h5_type type, int want_rank, void *dst, size_t n,
                                int finite, const char *what)
{
    xb_h5_quiet();
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    if (fid < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open as HDF5", path);
    size_t dims[8], total;
    int rank;
    enum xb_status st = open_array(ctx, path, fid, name, type, &d, &rank, dims, &total);
    if (st == XB_ENOTFOUND || st == XB_EFORMAT) { /* say what was expected */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
        st = xb_error(ctx, st, "%s (expected %s)", msg, what);
    }
    if (!st) {
        hid_t ft, mt;
        xb_h5_types(type, &ft, &mt);
        size_t bad;
        if (want_rank >= 0 && rank != want_rank)
            st = xb_error(ctx, XB_ESHAPE, "%s: %s has rank %d; expected %s", path, name, rank,
                          what);
        else if (total != n)
            st = xb_error(ctx, XB_ESHAPE, "%s: %s has %zu values; expected %zu (%s)", path,
                          name, total, n, what);
        else if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, dst) < 0)
            st = xb_error(ctx, XB_EIO, "%s: cannot read %s (%s)", path, name, what);
        else if (finite && (bad = first_nonfinite(type, dst, n)) < n)
            st = xb_error(ctx, XB_ENUMERIC, "%s: %s[%zu] is not finite; expected finite "
                          "values (%s)", path, name, bad, what);
        H5Dclose(d);
    }
    H5Fclose(fid);
    return st;
}

int xb_h5_exists(const char *path, const char *name)
{
    xb_h5_quiet();
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0)
        return 0;
    int yes = H5Lexists(fid, name, H5P_DEFAULT) > 0;
    H5Fclose(fid);
    return yes;
}

enum xb_status xb_h5_read_text(struct xb_ctx *ctx, const char *path, const char *name,
                               char **text)
{
    xb_h5_quiet();
    *text = NULL;
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open as HDF5", path);
    enum xb_status st = XB_OK;
    hid_t d = H5Lexists(fid, name, H5P_DEFAULT) > 0 ? H5Dopen2(fid, name, H5P_DEFAULT) : -1;
    if (d < 0) {
        st = xb_error(ctx, XB_ENOTFOUND, "%s: no dataset %s", path, name);
    } else {
        /* One string, checked before the read: HDF5 writes as many
         * elements as the dataset has. Fixed-length (xbar's files) or
         * variable-length (files of xbar before the format 1.8 change). */
        hid_t sp = H5Dget_space(d);
        if (sp < 0 || H5Sget_simple_extent_type(sp) != H5S_SCALAR ||
            !xb_h5_read_string(d, 0, text))
            st = xb_error(ctx, XB_EFORMAT, "%s: %s: expected a scalar string", path, name);
        if (sp >= 0)
            H5Sclose(sp);
        H5Dclose(d);
    }
    H5Fclose(fid);
    return st;
}
