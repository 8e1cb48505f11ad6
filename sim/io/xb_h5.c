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

void xb_h5_types(enum xb_h5_type type, hid_t *file_type, hid_t *mem_type)
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

size_t xb_h5_type_size(enum xb_h5_type type)
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
    xb_h5_types(type, &ft, &mt);
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
