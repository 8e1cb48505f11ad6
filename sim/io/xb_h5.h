/*
 * xb_h5.h — HDF5 in and out: input matrices, and result files that are
 * never half-written.
 *
 * Reading: a 2-D float or double dataset named by "file.h5" (the default
 * dataset) or "file.h5:/path/to/dataset", converted to float32, checked
 * finite. Errors name the option, the file, the dataset and what was
 * expected.
 *
 * Writing (ARCHITECTURE.md §9): xb_h5_create opens a temporary file beside the
 * final path (".NAME.PID-N.tmp", named and cleaned up by the rules of
 * xb_outfile.h); the writes go there; xb_h5_commit flushes, closes, fsyncs
 * and renames it onto the final path, then fsyncs the directory. A run
 * killed before the rename leaves the final path untouched (and at worst a
 * temporary beside it, which the next write of that path removes). The
 * final path must name a regular file or nothing; a symbolic link to a
 * regular file is written through (the link stays). Errors name the path
 * and the cause (errno's text when the system said why). Every dataset
 * carries `units` and `description` attributes; the root carries what made
 * the file (xb_h5_write_meta).
 *
 * What a corrupt file can do is bounded too: files are written in the HDF5
 * 1.8 format, whose metadata is checksummed; numeric arrays are chunks
 * with a Fletcher-32 checksum each (a corrupt value is a read error, not a
 * number trusted); text is fixed-length UTF-8 strings, kept out of HDF5's
 * unchecksummed global heap, where one bad byte crashed libhdf5 1.10
 * (h5py reads them as bytes). Readers check type class, rank and element
 * count (xb_limits.h) before they allocate or read.
 *
 * HDF5 is not thread-safe in Debian's default build: call these from one
 * thread, outside OpenMP regions. Nothing here prints: HDF5's own error
 * stack printing is switched off and errors are recorded in the context.
 */
#ifndef XB_H5_H
#define XB_H5_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_data_files.h"
#include "xb_figure.h"

/* Reads the matrix named by spec ("file.h5" or "file.h5:/dataset"; a bare
 * file means default_dataset). origin prefixes messages ("--weights w.h5");
 * shape describes what is expected ("[out x in]"). When files is not NULL
 * the file's size and SHA-256 are appended to it (a data file the run
 * read, for the provenance). On success *data is an xb_aligned array of
 * *rows × *cols floats (free with xb_free). */
enum xb_status xb_h5_read_matrix(struct xb_ctx *ctx, const char *spec,
                                 const char *default_dataset, const char *origin,
                                 const char *shape, struct xb_data_files *files, float **data,
                                 size_t *rows, size_t *cols);

/* Checks, before any work is done, that a result can be written to path:
 * xb_outfile_check (a regular file or nothing there, a directory that
 * accepts a new file, a temporary name that fits). XB_EINVAL or XB_EIO
 * with "origin: ..." otherwise. */
enum xb_status xb_h5_check_writable(struct xb_ctx *ctx, const char *path, const char *origin);

struct xb_h5_file;

/* Starts a result file for path (see above). */
enum xb_status xb_h5_create(struct xb_ctx *ctx, const char *path, struct xb_h5_file **out);

/* What made the file, written as attributes of the root group. */
struct xb_h5_meta {
    const char *command_line;           /* the argv that ran, joined */
    uint64_t seed;                      /* master seed */
    int threads;                        /* OpenMP threads that ran */
    const struct xb_data_files *files;  /* the data files read (NULL: none) */
    int portable;                       /* 1: the run's products were portable (xb_sgemm.h) */
};

/* The provenance of xb_provenance.h: one root attribute per row of its
 * table (xbar_version, git_commit, created, seed, threads, command_line,
 * portable — meta->portable —, the BLAS library, version, config,
 * kernel and threads, CPU model, ISA level, compiler and flags, library
 * versions) and the dataset /data_files. In xb_provenance_h5.c. */
enum xb_status xb_h5_write_meta(struct xb_ctx *ctx, struct xb_h5_file *f,
                                const struct xb_h5_meta *meta);

/* A float32 matrix a[rows × cols] as dataset name (parent groups are
 * created as needed: "mvm/W"). */
enum xb_status xb_h5_write_matrix(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                  const float *a, size_t rows, size_t cols, const char *units,
                                  const char *description);

/* A text dataset (e.g. the resolved config). */
enum xb_status xb_h5_write_text(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                const char *text, const char *description);

/* Each figure as a scalar dataset group/NAME (double, int64 or string). */
enum xb_status xb_h5_write_figures(struct xb_ctx *ctx, struct xb_h5_file *f,
                                   const char *group, const struct xb_figure *figs, size_t n);

/* Element types of n-dimensional arrays. */
enum xb_h5_type { XB_H5_F32 = 0, XB_H5_F64, XB_H5_I32, XB_H5_U8, XB_H5_U64 };

/* An array data[dims[0] × ... × dims[rank-1]] (rank 1..8) as dataset name,
 * parents created, with units and description. */
enum xb_status xb_h5_write_array(struct xb_ctx *ctx, struct xb_h5_file *f, const char *name,
                                 enum xb_h5_type type, const void *data, int rank,
                                 const size_t *dims, const char *units, const char *description);

/* A string attribute on a group or dataset (the group is made if missing). */
enum xb_status xb_h5_write_attr(struct xb_ctx *ctx, struct xb_h5_file *f, const char *object,
                                const char *name, const char *value);

/* Reads dataset name of the file at path, converted to type: *data
 * (xb_malloc, free with xb_free), *rank and dims[<= 8]. XB_ENOTFOUND if the
 * dataset is missing; the type class (float or integer), rank and
 * XB_MAX_H5_ELEMENTS (xb_limits.h) are checked before anything is
 * allocated. */
enum xb_status xb_h5_read_array(struct xb_ctx *ctx, const char *path, const char *name,
                                enum xb_h5_type type, void **data, int *rank, size_t *dims);

/* 1 if the HDF5 file at path has an object called name ("/sweep"), 0 if
 * not or if the file cannot be opened as HDF5. */
int xb_h5_exists(const char *path, const char *name);

/* Reads dataset name of the file at path into dst[n], converted to type,
 * after checking (before reading) that it holds exactly n values of the
 * type's class (float or integer) in rank dimensions (rank < 0: any); with
 * finite, float values must also be finite. Errors name the file, the
 * dataset and `what` was expected ("float32 [n_params]; not made by this
 * config?"). Result files are read through xb_layout.h, which fills in
 * type, rank and what from its table. */
enum xb_status xb_h5_read_exact(struct xb_ctx *ctx, const char *path, const char *name,
                                enum xb_h5_type type, int rank, void *dst, size_t n,
                                int finite, const char *what);

/* Reads a scalar string dataset, fixed- or variable-length (e.g. /config); *text
 * freed with xb_free. */
enum xb_status xb_h5_read_text(struct xb_ctx *ctx, const char *path, const char *name,
                               char **text);

/* Makes the file durable at its final path and frees f, whatever the
 * outcome; on failure the temporary file is removed and the final path is
 * untouched. */
enum xb_status xb_h5_commit(struct xb_ctx *ctx, struct xb_h5_file *f);

/* Abandons the file: closes and removes the temporary file, frees f.
 * Accepts NULL. */
void xb_h5_discard(struct xb_h5_file *f);

#endif
