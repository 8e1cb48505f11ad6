/*
 * xb_h5_impl.h — what xb_h5.c (writing) shares with xb_h5_read.c (reading)
 * and the other writers and readers of result files (xb_provenance_h5.c,
 * xb_layout.c, xb_sweep_layout.c). Private to sim/; not part of xb_h5.h.
 */
#ifndef XB_H5_IMPL_H
#define XB_H5_IMPL_H

#include <hdf5.h>

#include "xb_h5.h"

struct xb_h5_file {
    hid_t fid;
    char *path;   /* final */
    char *target; /* where it goes: path, or the file a symlink at path names */
    char *tmp;    /* where the writes go */
};

/* The file and native memory types of an array element, and its size. */
void xb_h5_types(enum xb_h5_type type, hid_t *file_type, hid_t *mem_type);
size_t xb_h5_type_size(enum xb_h5_type type);

/* Switches off HDF5's printing of its error stack (a library must not print). */
void xb_h5_quiet(void);

/* Opens the result file at path read-only into *fid: XB_EIO naming the
 * open(2) error if it cannot be read, XB_EFORMAT "not an HDF5 file;
 * expected <expected>" if it is no HDF5 file. */
enum xb_status xb_h5_open_read(struct xb_ctx *ctx, const char *path, const char *expected,
                               hid_t *fid);

/* A fixed-length UTF-8 string type for text (its length + the nul): text
 * stays out of HDF5's global heap, which has no checksum (xb_h5.c). Close
 * it with H5Tclose. */
hid_t xb_h5_string_type(const char *text);

/* A scalar string attribute, and a scalar attribute of file_type written
 * from *value of mem_type, on obj; negative on failure. */
herr_t xb_h5_attr_string(hid_t obj, const char *name, const char *value);
herr_t xb_h5_attr_scalar(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *value);

/* The `units` and `description` attributes every dataset carries. */
herr_t xb_h5_describe(hid_t obj, const char *units, const char *description);

/* Gives the variable-length data HDF5 allocated in buf (read with type
 * over space) back through HDF5. */
void xb_h5_reclaim(hid_t type, hid_t space, void *buf);

/* Reads a scalar string, fixed- or variable-length, from attribute
 * (is_attr) or dataset obj into a new string (xb_free); 0 if obj is not
 * one. */
int xb_h5_read_string(hid_t obj, int is_attr, char **out);

/* The string attribute name of object objname of the open file fid (path
 * for messages): XB_ENOTFOUND if missing, XB_EFORMAT if not a scalar
 * string. */
enum xb_status xb_h5_read_attr_string(struct xb_ctx *ctx, const char *path, hid_t fid,
                                      const char *objname, const char *name, char **out);

/* An integer attribute of the root, converted to mem (a native type). */
enum xb_status xb_h5_read_attr_integer(struct xb_ctx *ctx, const char *path, hid_t fid,
                                       const char *name, hid_t mem, void *out);

#endif
