#include "xb_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_limits.h"
#include "xb_outfile.h"
#include "xb_version.h"

/* HDF5 prints its error stack to stderr by default; a library must not.
 * And HDF5 1.10 leaves a file whose H5Fclose failed (its last flush hit a
 * full disk or the file size limit) half-freed in its table of open files;
 * the clean-up it registers with atexit then crashes on it (SIGSEGV in
 * H5F__close_cb, after xbar has printed its clean message). xbar closes
 * everything it opens, so that clean-up has nothing to do: it is not
 * registered. (H5dont_atexit only acts before HDF5's first call, hence
 * here, where xbar's HDF5 use starts.) */
void xb_h5_quiet(void)
{
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

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

/* ---- writing: where ----------------------------------------------------- */

enum xb_status xb_h5_check_writable(struct xb_ctx *ctx, const char *path, const char *origin)
{
    return xb_outfile_check(ctx, path, origin);
}

static void file_free(struct xb_h5_file *f)
{
    xb_free(f->tmp);
    xb_free(f->target);
    xb_free(f->path);
    xb_free(f);
}

enum xb_status xb_h5_create(struct xb_ctx *ctx, const char *path, struct xb_h5_file **out)
{
    xb_h5_quiet();
    *out = NULL;
    struct xb_h5_file *f = xb_calloc(1, sizeof *f);
    f->fid = H5I_INVALID_HID;
    f->path = xb_strdup(path);
    enum xb_status st = xb_outfile_target(ctx, path, path, &f->target);
    if (!st)
        st = xb_outfile_temp(ctx, f->target, &f->tmp);
    if (st) {
        file_free(f);
        return st;
    }
    /* The temporary is ours (made with O_EXCL): HDF5 may truncate it. */
    /* The 1.8 format (read by HDF5 1.8 and later, h5py, MATLAB) checksums
     * the superblock, object headers and group indexes, so that corrupt
     * metadata is a read error rather than a crash inside libhdf5. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18);
    errno = 0; /* HDF5 keeps the open(2) error in errno */
    f->fid = H5Fcreate(f->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl >= 0 ? fapl : H5P_DEFAULT);
    const int create_errno = errno;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (f->fid < 0) {
        int err = create_errno;
        st = xb_error(ctx, XB_EIO, "%s: cannot create HDF5 file %s%s%s", path, f->tmp,
                      err ? ": " : "", err ? strerror(err) : "");
        unlink(f->tmp);
        file_free(f);
        return st;
    }
    *out = f;
    return XB_OK;
}

void xb_h5_discard(struct xb_h5_file *f)
{
    if (!f)
        return;
    if (f->fid >= 0)
        H5Fclose(f->fid);
    unlink(f->tmp);
    file_free(f);
}

static enum xb_status fsync_path(struct xb_ctx *ctx, const char *path, int flags,
                                 const char *what)
{
    int fd = open(path, flags);
    if (fd < 0)
        return xb_error(ctx, XB_EIO, "cannot open %s %s to sync it: %s", what, path,
                        strerror(errno));
    int rc = fsync(fd);
    int err = errno;
    close(fd);
    if (rc != 0)
        return xb_error(ctx, XB_EIO, "cannot sync %s %s: %s", what, path, strerror(err));
    return XB_OK;
}

enum xb_status xb_h5_commit(struct xb_ctx *ctx, struct xb_h5_file *f)
{
    enum xb_status st = XB_OK;
    errno = 0;
    if (H5Fflush(f->fid, H5F_SCOPE_GLOBAL) < 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot flush HDF5 file %s%s%s", f->path, f->tmp,
                      errno ? ": " : "", errno ? strerror(errno) : "");
        goto fail;
    }
    /* Close before the fsync: HDF5 writes its last metadata on close. */
    herr_t rc = H5Fclose(f->fid);
    int err = errno;
    f->fid = H5I_INVALID_HID;
    if (rc < 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot close HDF5 file %s%s%s", f->path, f->tmp,
                      err ? ": " : "", err ? strerror(err) : "");
        goto fail;
    }
    st = fsync_path(ctx, f->tmp, O_RDONLY, "file");
    if (st != XB_OK)
        goto fail;
    /* Whatever appeared at the target meanwhile is checked again: rename
     * would replace a FIFO or a device as readily as a file. */
    char *again;
    st = xb_outfile_target(ctx, f->path, f->path, &again);
    if (st != XB_OK)
        goto fail;
    int moved = strcmp(again, f->target) != 0;
    xb_free(again);
    if (moved) {
        st = xb_error(ctx, XB_EIO, "%s: the file it names changed while it was written; the "
                      "result is not saved", f->path);
        goto fail;
    }
    if (rename(f->tmp, f->target) != 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot rename %s onto %s: %s", f->path, f->tmp,
                      f->target, strerror(errno));
        goto fail;
    }
    /* The rename itself is durable only once the directory is synced. */
    char *dir = xb_outfile_dir(f->target);
    st = fsync_path(ctx, dir, O_RDONLY | O_DIRECTORY, "directory");
    xb_free(dir);
    file_free(f);
    return st;
fail:
    xb_h5_discard(f);
    return st;
}

/* ---- writing: what ------------------------------------------------------ */

/* Link creation that makes parent groups on the way ("mvm/snr_db"). */
static hid_t lcpl_parents(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    if (lcpl >= 0)
        H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

/* A fixed-length UTF-8 string type for text (its length + the nul), so
 * that the text is stored in the object itself. Variable-length strings
 * live in HDF5's global heap, which has no checksum: one corrupt byte of
 * its object sizes crashed libhdf5 1.10 inside H5HG_read (xbar info,
 * --resume) on 0.2 to 0.9 % of single-byte mutations of a result file. h5py
 * reads these as bytes (.decode() gives str). */
hid_t xb_h5_string_type(const char *text)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0) {
        H5Tset_size(t, strlen(text) + 1);
        H5Tset_strpad(t, H5T_STR_NULLTERM);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

herr_t xb_h5_attr_string(hid_t obj, const char *name, const char *value)
{
    hid_t t = xb_h5_string_type(value), s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Awrite(a, t, value) : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    return rc;
}

herr_t xb_h5_attr_scalar(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, file_type, s, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Awrite(a, mem_type, value) : -1;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(s);
    return rc;
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

herr_t xb_h5_describe(hid_t obj, const char *units, const char *description)
{
    if (xb_h5_attr_string(obj, "units", units) < 0)
        return -1;
    return xb_h5_attr_string(obj, "description", description);
}

/* Numeric arrays are stored in chunks with a Fletcher-32 checksum each, so
 * that corrupt bytes in a result file are a read error ("data error
 * detected by Fletcher32 checksum") instead of numbers quietly trusted;
 * scalars and strings (no chunking) get the default layout. A chunk holds
 * at most 2^20 elements (8 MiB of float64): HDF5 filters a chunk in a
 * buffer of its own, which must not double the memory of a 1 GiB matrix. */
static hid_t checksummed(hid_t space, hid_t file_type)
{
    hsize_t dims[8], n;
    int rank = H5Sget_simple_extent_ndims(space);
    if (H5Tget_class(file_type) == H5T_STRING || rank < 1 || rank > 8 ||
        H5Sget_simple_extent_npoints(space) < 1)
        return H5P_DEFAULT;
    H5Sget_simple_extent_dims(space, dims, NULL);
    for (int k = 0; k < rank; k++)
        for (;;) {
            n = 1;
            for (int j = 0; j < rank; j++)
                n *= dims[j];
            if (n <= ((hsize_t)1 << 20) || dims[k] == 1)
                break;
            dims[k] = (dims[k] + 1) / 2;
        }
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return H5P_DEFAULT;
    if (H5Pset_chunk(dcpl, rank, dims) < 0 || H5Pset_fletcher32(dcpl) < 0) {
        H5Pclose(dcpl);
        return H5P_DEFAULT;
    }
    return dcpl;
}

/* Creates dataset name of type/space, writes buf, describes it. */
static enum xb_status write_dataset(struct xb_ctx *ctx, struct xb_h5_file *f,
                                    const char *name, hid_t file_type, hid_t mem_type,
                                    hid_t space, const void *buf, const char *units,
                                    const char *description)
{
    hid_t lcpl = lcpl_parents(), dcpl = checksummed(space, file_type);
    errno = 0; /* HDF5 keeps the write(2) error in errno: a full disk says so */
    hid_t d = H5Dcreate2(f->fid, name, file_type, space, lcpl, dcpl, H5P_DEFAULT);
    herr_t rc = d >= 0 ? H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : -1;
    if (rc >= 0)
        rc = xb_h5_describe(d, units, description);
    int err = errno;
    /* A chunked dataset is written out when it is closed. */
    if (d >= 0 && H5Dclose(d) < 0) {
        if (rc >= 0 || !err)
            err = errno;
        rc = -1;
    }
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (dcpl != H5P_DEFAULT)
        H5Pclose(dcpl);
    if (rc < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot write dataset %s%s%s", f->path, name,
                        err ? ": " : "", err ? strerror(err) : "");
    return XB_OK;
}

enum xb_status xb_h5_write_matrix(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                  const float *a, size_t rows, size_t cols, const char *units,
                                  const char *description)
{
    hsize_t dims[2] = {rows, cols};
    hid_t s = H5Screate_simple(2, dims, NULL);
    enum xb_status st = write_dataset(ctx, f, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s, a,
                                      units, description);
    H5Sclose(s);
    return st;
}

enum xb_status xb_h5_write_text(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                const char *text, const char *description)
{
    hid_t t = xb_h5_string_type(text), s = H5Screate(H5S_SCALAR);
    enum xb_status st = write_dataset(ctx, f, name, t, t, s, text, "", description);
    H5Sclose(s);
    H5Tclose(t);
    return st;
}

enum xb_status xb_h5_write_figures(struct xb_ctx *ctx, struct xb_h5_file *f,
                                   const char *group, const struct xb_figure *figs, size_t n)
{
    enum xb_status st = XB_OK;
    hid_t s = H5Screate(H5S_SCALAR);
    for (size_t i = 0; i < n && st == XB_OK; i++) {
        const struct xb_figure *g = &figs[i];
        size_t len = strlen(group) + strlen(g->name) + 2;
        char *name = xb_malloc(len, 1);
        snprintf(name, len, "%s/%s", group, g->name);
        switch (g->kind) {
        case XB_FIGURE_REAL:
            st = write_dataset(ctx, f, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s, &g->real,
                               g->units, g->description);
            break;
        case XB_FIGURE_INT:
            st = write_dataset(ctx, f, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, s, &g->integer,
                               g->units, g->description);
            break;
        case XB_FIGURE_TEXT: {
            const char *text = g->text ? g->text : "";
            hid_t str = xb_h5_string_type(text);
            st = write_dataset(ctx, f, name, str, str, s, text, g->units, g->description);
            H5Tclose(str);
            break;
        }
        }
        xb_free(name);
    }
    H5Sclose(s);
    return st;
}

/* ---- n-dimensional arrays and attributes (sweep results) ------------------ */

static void h5_types(enum xb_h5_type type, hid_t *file_type, hid_t *mem_type)
{
    switch (type) {
    case XB_H5_F32:
        *file_type = H5T_IEEE_F32LE, *mem_type = H5T_NATIVE_FLOAT;
        return;
    case XB_H5_F64:
        *file_type = H5T_IEEE_F64LE, *mem_type = H5T_NATIVE_DOUBLE;
        return;
    case XB_H5_I32:
        *file_type = H5T_STD_I32LE, *mem_type = H5T_NATIVE_INT32;
        return;
    case XB_H5_U8:
        *file_type = H5T_STD_U8LE, *mem_type = H5T_NATIVE_UINT8;
        return;
    case XB_H5_U64:
        *file_type = H5T_STD_U64LE, *mem_type = H5T_NATIVE_UINT64;
        return;
    }
}

static size_t h5_type_size(enum xb_h5_type type)
{
    static const size_t sizes[] = {4, 8, 4, 1, 8};
    return sizes[type];
}

enum xb_status xb_h5_write_array(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                 enum xb_h5_type type, const void *data, int rank,
                                 const size_t *dims, const char *units, const char *description)
{
    hsize_t hd[8];
    XB_ASSERT(rank >= 1 && rank <= 8);
    for (int k = 0; k < rank; k++)
        hd[k] = dims[k];
    hid_t ft, mt;
    h5_types(type, &ft, &mt);
    hid_t s = H5Screate_simple(rank, hd, NULL);
    enum xb_status st = write_dataset(ctx, f, name, ft, mt, s, data, units, description);
    H5Sclose(s);
    return st;
}

enum xb_status xb_h5_write_attr(struct xb_ctx *ctx, struct xb_h5_file *f, const char *object,
                                const char *name, const char *value)
{
    hid_t lcpl = lcpl_parents();
    hid_t g = H5Lexists(f->fid, object, H5P_DEFAULT) > 0
                  ? H5Oopen(f->fid, object, H5P_DEFAULT)
                  : H5Gcreate2(f->fid, object, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = g >= 0 ? xb_h5_attr_string(g, name, value) : -1;
    if (g >= 0)
        H5Oclose(g);
    if (lcpl >= 0)
        H5Pclose(lcpl);
    if (rc < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot write attribute %s of %s", f->path, name,
                        object);
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
        h5_types(type, &ft, &mt);
        *data = xb_malloc(n ? n : 1, h5_type_size(type));
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
                                enum xb_h5_type type, void *dst, size_t n, int finite,
                                const char *what)
{
    xb_h5_quiet();
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d;
    if (fid < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot open as HDF5", path);
    size_t dims[8], total;
    int rank;
    enum xb_status st = open_array(ctx, path, fid, name, type, &d, &rank, dims, &total);
    if (!st) {
        hid_t ft, mt;
        h5_types(type, &ft, &mt);
        size_t bad;
        if (total != n)
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
        hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
        int ok = ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
                 H5Sget_simple_extent_type(sp) == H5S_SCALAR;
        int vlen = ok && H5Tis_variable_str(ft) > 0;
        size_t size = ok && !vlen ? H5Tget_size(ft) : 0;
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, vlen ? H5T_VARIABLE : size + 1);
        H5Tset_cset(t, H5T_CSET_UTF8);
        char *s = vlen ? NULL : xb_calloc(size + 1, 1);
        if (!ok || H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, vlen ? (void *)&s : s) < 0 ||
            !s) {
            st = xb_error(ctx, XB_EFORMAT, "%s: %s: expected a scalar string", path, name);
        } else {
            *text = xb_strdup(s);
        }
        if (vlen && s)
            H5free_memory(s);
        else if (!vlen)
            xb_free(s);
        H5Tclose(t);
        if (sp >= 0)
            H5Sclose(sp);
        if (ft >= 0)
            H5Tclose(ft);
        H5Dclose(d);
    }
    H5Fclose(fid);
    return st;
}
