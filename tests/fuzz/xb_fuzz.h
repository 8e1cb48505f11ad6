/*
 * xb_fuzz.h — what the libFuzzer targets of tests/fuzz/ share: a private
 * scratch directory in memory (/dev/shm when there is one), files written
 * from fuzz bytes (plain or gzip-wrapped), and splitting one input into
 * the parts a reader takes (two files, a config and its --set lines).
 *
 * The readers are called through the paths the CLI uses, so every target
 * writes its input to a file first; on tmpfs that costs a few
 * microseconds, less than any reader spends on it.
 */
#ifndef XB_FUZZ_H
#define XB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

/* The scratch directory, made on first use and removed at exit. */
const char *xb_fuzz_dir(void);

/* dir/name into buf (size >= 4096); returns buf. */
char *xb_fuzz_path(char *buf, const char *name);

/* Writes data[0..size) to path (truncating); aborts if it cannot, which
 * is the harness's fault, not the reader's. */
void xb_fuzz_write(const char *path, const void *data, size_t size);

/* Writes data[0..size) gzip-compressed (a whole, valid gzip member with
 * its CRC trailer) to path. */
void xb_fuzz_write_gz(const char *path, const void *data, size_t size);

/* Splits data at the first occurrence of sep (not included in either
 * part): *a = [data, sep), *b = after sep. Without sep, all of it is *a
 * and *b is empty. */
void xb_fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a,
                   size_t *na, const uint8_t **b, size_t *nb);

/* A NUL-terminated copy (xb_malloc; free with xb_free). */
char *xb_fuzz_strndup(const uint8_t *data, size_t size);

/* A quiet context (seed 1, one thread). */
struct xb_ctx *xb_fuzz_ctx(void);

/* Aborts with msg when cond is false: a property the reader broke (the
 * fuzzer reports it as a crash, with the input). */
void xb_fuzz_check(int cond, const char *msg, const char *detail);

/* ---- structural HDF5 (fuzz_h5_*.c) ----
 *
 * The fuzz bytes are read as a description, not as a file: which objects
 * exist, their type class and size, rank, dimensions (huge ones too:
 * datasets beyond 2^28 elements are chunked and never written, so the
 * file stays small), values (NaN, infinities, values beyond float range,
 * or the fuzz bytes themselves) and attributes. The files are written
 * with the HDF5 API, so they are valid HDF5 whose content is hostile:
 * corrupting HDF5's own structures crashes inside libhdf5, which is not
 * what these targets test. */

/* A cursor over the fuzz bytes; reading past the end gives 0. */
struct xb_fuzz_bytes {
    const uint8_t *p;
    size_t n;
};

uint8_t xb_fuzz_byte(struct xb_fuzz_bytes *b);

/* Makes object `name` (parents created) of file or group loc as the
 * bytes describe: nothing, a group, or a dataset (with or without its
 * units and description attributes). */
void xb_fuzz_h5_object(long long loc, const char *name, struct xb_fuzz_bytes *b);

/* Makes attribute `name` of object `obj` (an open hid_t) as the bytes
 * describe: nothing, a string, a number, an array. */
void xb_fuzz_h5_attr(long long obj, const char *name, struct xb_fuzz_bytes *b);

/* Returns st; with XB_FUZZ_DEBUG set in the environment, prints the
 * outcome of each read first (to see what the seeds reach). */
enum xb_status xb_fuzz_outcome(const struct xb_ctx *ctx, const char *what, enum xb_status st);

#endif
