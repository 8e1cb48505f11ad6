/*
 * xb_provenance_h5.c — provenance in and out of result files: the root
 * attributes of the table in xb_provenance.c and the dataset /data_files,
 * a compound row per file {path: string, size: uint64, sha256: 64 hex
 * characters}, sorted by path (h5dump and h5py read it as a table).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_layout.h"
#include "xb_limits.h"
#include "xb_provenance.h"

/* Its path, units and description: the layout table (xb_layout.h). */
#define DATA_FILES (xb_layout_row(XB_DS_DATA_FILES)->path)

/* A row of /data_files: the path as a fixed-length string of plen bytes
 * (the longest path + its nul: no variable-length strings, whose global
 * heap has no checksum; xb_h5.c), the size, the SHA-256 in hex. In memory
 * the rows are packed at the offsets of struct rows_layout. */
struct rows_layout {
    size_t plen, size_at, sha_at, stride;
};

static struct rows_layout layout_of(size_t plen)
{
    struct rows_layout l = {.plen = plen};
    l.size_at = (plen + 7) / 8 * 8;
    l.sha_at = l.size_at + sizeof(uint64_t);
    l.stride = l.sha_at + 2 * XB_SHA256_SIZE;
    l.stride = (l.stride + 7) / 8 * 8;
    return l;
}

/* The compound type of the rows (close with H5Tclose). */
static hid_t row_type(const struct rows_layout *l)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, l->stride);
    hid_t str = H5Tcopy(H5T_C_S1), hex = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, l->plen);
    H5Tset_strpad(str, H5T_STR_NULLTERM);
    H5Tset_cset(str, H5T_CSET_UTF8);
    H5Tset_size(hex, 2 * XB_SHA256_SIZE);
    H5Tset_strpad(hex, H5T_STR_NULLPAD);
    H5Tinsert(t, "path", 0, str);
    H5Tinsert(t, "size", l->size_at, H5T_NATIVE_UINT64);
    H5Tinsert(t, "sha256", l->sha_at, hex);
    H5Tclose(hex);
    H5Tclose(str);
    return t;
}

/* ---- writing ---------------------------------------------------------------- */

static herr_t write_field(hid_t root, const struct xb_prov_field *fd, const char *value)
{
    switch (fd->type) {
    case XB_PROV_TEXT:
        return xb_h5_attr_string(root, fd->name, value);
    case XB_PROV_INT32: {
        int v = (int)strtol(value, NULL, 10);
        return xb_h5_attr_scalar(root, fd->name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
    }
    case XB_PROV_UINT64: {
        uint64_t v = strtoull(value, NULL, 10);
        return xb_h5_attr_scalar(root, fd->name, H5T_STD_U64LE, H5T_NATIVE_UINT64, &v);
    }
    }
    return -1;
}

static herr_t write_files(hid_t fid, const struct xb_data_files *files)
{
    hsize_t n = files->n;
    size_t plen = 1;
    for (size_t i = 0; i < files->n; i++)
        if (strlen(files->v[i].path) + 1 > plen)
            plen = strlen(files->v[i].path) + 1;
    const struct rows_layout l = layout_of(plen);
    unsigned char *rows = xb_calloc(files->n ? files->n : 1, l.stride);
    for (size_t i = 0; i < files->n; i++) {
        unsigned char *r = rows + i * l.stride;
        char hex[XB_SHA256_HEX];
        const uint64_t size = files->v[i].size;
        memcpy(r, files->v[i].path, strlen(files->v[i].path));
        memcpy(r + l.size_at, &size, sizeof size);
        xb_sha256_hex(files->v[i].sha256, hex);
        memcpy(r + l.sha_at, hex, 2 * XB_SHA256_SIZE);
    }
    hid_t t = row_type(&l), s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(fid, DATA_FILES, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = d < 0 ? -1 : n ? H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) : 0;
    if (rc >= 0)
        rc = xb_h5_describe(d, xb_layout_row(XB_DS_DATA_FILES)->units,
                            xb_layout_row(XB_DS_DATA_FILES)->description);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    xb_free(rows);
    return rc;
}

enum xb_status xb_h5_write_meta(struct xb_ctx *ctx, struct xb_h5_file *f,
                                const struct xb_h5_meta *meta)
{
    const struct xb_prov_run run = {.command_line = meta->command_line,
                                    .seed = meta->seed,
                                    .threads = meta->threads,
                                    .portable = meta->portable,
                                    .files = meta->files};
    struct xb_provenance p;
    xb_provenance_collect(&run, &p);
    const struct xb_prov_field *fields = xb_provenance_fields();
    hid_t root = H5Gopen2(f->fid, "/", H5P_DEFAULT);
    herr_t rc = root < 0 ? -1 : 0;
    for (int k = 0; k < XB_PROV_N && rc >= 0; k++)
        rc = write_field(root, &fields[k], p.value[k]);
    if (root >= 0)
        H5Gclose(root);
    if (rc >= 0)
        rc = write_files(f->fid, &p.files);
    xb_provenance_free(&p);
    if (rc < 0)
        return xb_error(ctx, XB_EIO, "%s: cannot write the provenance (root attributes and %s)",
                        f->path, DATA_FILES);
    return XB_OK;
}

/* ---- reading ------------------------------------------------------------------ */

/* Field fd of the root of fid as text into *out, NULL if absent. */
static enum xb_status read_field(struct xb_ctx *ctx, const char *path, hid_t fid,
                                 const struct xb_prov_field *fd, char **out)
{
    *out = NULL;
    if (H5Aexists_by_name(fid, "/", fd->name, H5P_DEFAULT) <= 0)
        return XB_OK;
    if (fd->type == XB_PROV_TEXT)
        return xb_h5_read_attr_string(ctx, path, fid, "/", fd->name, out);
    char buf[32];
    if (fd->type == XB_PROV_INT32) {
        int32_t v;
        enum xb_status st = xb_h5_read_attr_integer(ctx, path, fid, fd->name, H5T_NATIVE_INT32,
                                                    &v);
        if (st)
            return st;
        snprintf(buf, sizeof buf, "%d", (int)v);
    } else {
        uint64_t v;
        enum xb_status st = xb_h5_read_attr_integer(ctx, path, fid, fd->name,
                                                    H5T_NATIVE_UINT64, &v);
        if (st)
            return st;
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    }
    *out = xb_strdup(buf);
    return XB_OK;
}

/* The path length of the rows in the file (its "path" member's size), 0 if
 * the dataset is not a compound with a fixed-length string path. */
static size_t stored_plen(hid_t d)
{
    hid_t ft = H5Dget_type(d);
    size_t plen = 0;
    if (ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND) {
        int k = H5Tget_member_index(ft, "path");
        hid_t pt = k >= 0 ? H5Tget_member_type(ft, (unsigned)k) : H5I_INVALID_HID;
        if (pt >= 0 && H5Tget_class(pt) == H5T_STRING && H5Tis_variable_str(pt) == 0)
            plen = H5Tget_size(pt);
        if (pt >= 0)
            H5Tclose(pt);
    }
    if (ft >= 0)
        H5Tclose(ft);
    return plen;
}

static enum xb_status read_files(struct xb_ctx *ctx, const char *path, hid_t fid,
                                 struct xb_provenance *p)
{
    if (H5Lexists(fid, DATA_FILES, H5P_DEFAULT) <= 0)
        return XB_OK; /* written before xbar recorded data files */
    hid_t d = H5Dopen2(fid, DATA_FILES, H5P_DEFAULT);
    hid_t s = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    const size_t plen = d >= 0 ? stored_plen(d) : 0;
    hssize_t n = s >= 0 && plen > 0 && plen <= XB_DATA_FILES_MAX_PATH &&
                         H5Sget_simple_extent_ndims(s) == xb_layout_row(XB_DS_DATA_FILES)->rank
                     ? H5Sget_simple_extent_npoints(s)
                     : -1;
    if (n > (hssize_t)XB_DATA_FILES_MAX)
        n = -1;
    const struct rows_layout l = layout_of(plen ? plen : 1);
    hid_t t = row_type(&l);
    unsigned char *rows = n > 0 ? xb_calloc((size_t)n, l.stride) : NULL;
    int ok = n == 0 || (n > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    char why[160] = "";
    char *name = xb_malloc(l.plen + 1, 1);
    for (hssize_t i = 0; ok && i < n; i++) {
        const unsigned char *r = rows + (size_t)i * l.stride;
        char hex[XB_SHA256_HEX];
        uint8_t digest[XB_SHA256_SIZE];
        uint64_t size;
        memcpy(name, r, l.plen);
        name[l.plen] = '\0';
        memcpy(&size, r + l.size_at, sizeof size);
        memcpy(hex, r + l.sha_at, 2 * XB_SHA256_SIZE);
        hex[2 * XB_SHA256_SIZE] = '\0';
        if (!name[0] || xb_sha256_parse(hex, digest)) {
            snprintf(why, sizeof why, "; row %lld has no path or a SHA-256 other than 64 hex "
                     "digits", (long long)i);
            ok = 0;
        } else {
            xb_data_files_add(&p->files, name, size, digest);
        }
    }
    xb_free(name);
    xb_free(rows);
    H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    if (d >= 0)
        H5Dclose(d);
    if (!ok || n < 0)
        return xb_error(ctx, XB_EFORMAT, "%s: %s is not a list of {path, size, sha256} (at most "
                        "%d rows, paths of at most %d bytes)%s", path, DATA_FILES,
                        XB_DATA_FILES_MAX, XB_DATA_FILES_MAX_PATH, why);
    p->has_files = 1;
    return XB_OK;
}

enum xb_status xb_provenance_read(struct xb_ctx *ctx, const char *path,
                                  struct xb_provenance *p)
{
    memset(p, 0, sizeof *p);
    hid_t fid;
    enum xb_status ost = xb_h5_open_read(ctx, path, "an xbar result file", &fid);
    if (ost)
        return ost;
    const struct xb_prov_field *fields = xb_provenance_fields();
    enum xb_status st = XB_OK;
    for (int k = 0; k < XB_PROV_N && !st; k++)
        st = read_field(ctx, path, fid, &fields[k], &p->value[k]);
    if (!st && !p->value[XB_PROV_XBAR_VERSION])
        st = xb_error(ctx, XB_ENOTFOUND, "%s: / has no attribute '%s'; expected an xbar "
                      "result file", path, fields[XB_PROV_XBAR_VERSION].name);
    if (!st)
        st = read_files(ctx, path, fid, p);
    H5Fclose(fid);
    if (st)
        xb_provenance_free(p);
    return st;
}

enum xb_status xb_provenance_print(struct xb_ctx *ctx, const char *path, FILE *out)
{
    struct xb_provenance p;
    enum xb_status st = xb_provenance_read(ctx, path, &p);
    if (st)
        return st;
    char *text = xb_provenance_text(&p, XB_PROVENANCE_FILES_SHOWN);
    fputs(text, out);
    xb_free(text);
    xb_provenance_free(&p);
    return XB_OK;
}
