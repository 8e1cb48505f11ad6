/*
 * xb_provenance.h — what produced a result file, so that a file shared
 * between machines says which build, libraries, kernels and data made its
 * numbers.
 *
 * OpenBLAS picks its kernel when it is loaded (by CPU, or by
 * OPENBLAS_CORETYPE) and sums differ in the last bits between kernels, so
 * every result file (`xbar sweep`/`run`, `xbar train -o`, `xbar mvm -o`)
 * carries, as attributes of its root group, one value per row of the table
 * in xb_provenance.c (name, type, description, how it is obtained): the
 * xbar version and commit, when and how it ran (created, seed, threads,
 * command_line, portable), the BLAS library, version, build configuration,
 * kernel and threads, the CPU model and the ISA level xbar's own kernels
 * dispatched to, the compiler and its flags, and the versions of GSL, HDF5,
 * libconfig, zlib and nettle. Every data file the run read is listed in the
 * dataset /data_files: path as given, size, SHA-256 (xb_data_files.h).
 *
 * `xbar info` prints it as `key: value` lines (xb_provenance_text); `xbar
 * sweep --resume` refuses to continue a file made under another BLAS kernel
 * (unless the file and the run are both in portable mode) or from other
 * data (xb_provenance_check_resume).
 *
 * HDF5 calls (xb_provenance_read, xb_h5_write_meta in xb_h5.h) stay on one
 * thread, outside OpenMP regions. Nothing here prints.
 */
#ifndef XB_PROVENANCE_H
#define XB_PROVENANCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xb_ctx.h"
#include "xb_data_files.h"

/* The rows of the table, in the order they are written and printed. */
enum xb_prov_id {
    XB_PROV_XBAR_VERSION,
    XB_PROV_GIT_COMMIT,
    XB_PROV_CREATED,
    XB_PROV_SEED,
    XB_PROV_THREADS,
    XB_PROV_COMMAND_LINE,
    XB_PROV_PORTABLE,
    XB_PROV_BLAS_LIBRARY,
    XB_PROV_BLAS_VERSION,
    XB_PROV_BLAS_CONFIG,
    XB_PROV_BLAS_KERNEL,
    XB_PROV_BLAS_THREADS,
    XB_PROV_CPU_MODEL,
    XB_PROV_ISA_LEVEL,
    XB_PROV_COMPILER,
    XB_PROV_COMPILER_FLAGS,
    XB_PROV_GSL_VERSION,
    XB_PROV_HDF5_VERSION,
    XB_PROV_LIBCONFIG_VERSION,
    XB_PROV_ZLIB_VERSION,
    XB_PROV_NETTLE_VERSION,
    XB_PROV_N
};

/* How a value is stored: a string, an int32 or a uint64 attribute. */
enum xb_prov_type { XB_PROV_TEXT, XB_PROV_INT32, XB_PROV_UINT64 };

/* What the run itself contributes; the rest comes from the build, the
 * libraries and the machine. */
struct xb_prov_run {
    const char *command_line;           /* the argv that ran, joined */
    uint64_t seed;                      /* master seed */
    int threads;                        /* OpenMP threads that ran */
    int portable;                       /* 1: the run is in portable mode (xb_sgemm.h) */
    const struct xb_data_files *files;  /* the data files read; NULL: none */
};

/* One row of the table. */
struct xb_prov_field {
    const char *name;         /* the root attribute, and the key `xbar info` prints */
    enum xb_prov_type type;
    const char *description;  /* what the value says */
    const char *source;       /* how it is obtained */
    /* Writes the value of this run and machine as text into buf[size]. */
    void (*get)(const struct xb_prov_run *run, char *buf, size_t size);
};

/* The table: XB_PROV_N rows, indexed by enum xb_prov_id. Static. */
const struct xb_prov_field *xb_provenance_fields(void);

/* Provenance in memory: every value as text (integers in decimal). */
struct xb_provenance {
    char *value[XB_PROV_N];      /* NULL: not recorded in the file read */
    struct xb_data_files files;  /* sorted by path (xb_data_files_merge) */
    int has_files;               /* 0: a file from before /data_files was written */
};

/* The provenance of this run on this machine, every value present. Free
 * with xb_provenance_free. */
void xb_provenance_collect(const struct xb_prov_run *run, struct xb_provenance *p);

/* Reads the provenance of the result file at path (root attributes and
 * /data_files); values the file does not hold stay NULL. Fails (naming the
 * file) when path cannot be opened, is not HDF5, or has no xbar_version
 * attribute (not an xbar result file), or an attribute has another type
 * than the table's. On failure *p holds nothing. */
enum xb_status xb_provenance_read(struct xb_ctx *ctx, const char *path,
                                  struct xb_provenance *p);

/* Frees the values and zeroes *p; accepts NULL and a zeroed struct. */
void xb_provenance_free(struct xb_provenance *p);

/* Data files `xbar info` lists one by one; it counts the rest. */
#define XB_PROVENANCE_FILES_SHOWN 20

/* The `key: value` block `xbar info` prints: one line per row of the
 * table ("not recorded" for NULL values), then data_files: N and a line
 * data_file[i]: sha256 HEX, SIZE bytes, PATH for each of the first
 * max_files files. Free with xb_free. */
char *xb_provenance_text(const struct xb_provenance *p, size_t max_files);

/* Reads the provenance of the result file at path and writes its text
 * (all files up to XB_PROVENANCE_FILES_SHOWN) to out: what `xbar info` and
 * `xbar run` print before the tables. */
enum xb_status xb_provenance_print(struct xb_ctx *ctx, const char *path, FILE *out);

/* Whether the run `run` may continue the file at path whose provenance is
 * `file`: XB_OK, or XB_EINVAL with one line naming the difference — the
 * BLAS kernel (not compared when the file and the run are both portable),
 * or the first data file that differs, is missing or is new. */
enum xb_status xb_provenance_check_resume(struct xb_ctx *ctx, const char *path,
                                          const struct xb_provenance *file,
                                          const struct xb_provenance *run);

#endif
