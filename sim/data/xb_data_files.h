/*
 * xb_data_files.h — the data files a run read: each file's path as given,
 * its size and its SHA-256 (xb_digest.h), recorded where the data readers
 * open the files (xb_data_gzopen, sim/data/xb_data_impl.h) and carried by the
 * data sets made from them (struct xb_dataset, xb_data.h).
 *
 * Result files hold the list as /data_files (xb_provenance.h); `xbar sweep
 * --resume` refuses a file whose list differs from the run's, naming the
 * first difference (xb_data_files_diff).
 *
 * A list is plain data: zero-initialise it, free it with
 * xb_data_files_free. Not thread-safe on one list.
 */
#ifndef XB_DATA_FILES_H
#define XB_DATA_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_digest.h"

struct xb_data_file {
    char *path;                      /* as the reader was given it */
    uint64_t size;                   /* bytes on disk */
    uint8_t sha256[XB_SHA256_SIZE];  /* of those bytes */
};

struct xb_data_files {
    struct xb_data_file *v;
    size_t n, cap;
};

/* Appends a record (path copied). */
void xb_data_files_add(struct xb_data_files *l, const char *path, uint64_t size,
                       const uint8_t sha256[XB_SHA256_SIZE]);

/* Hashes the open descriptor fd of path from its start (xb_sha256_fd;
 * errors name path and `what` was expected there), appends the record and
 * puts fd back at its start, for the reader to read it. */
enum xb_status xb_data_files_hash_fd(struct xb_ctx *ctx, struct xb_data_files *l,
                                     const char *path, const char *what, int fd);

/* Adds every record of src to dst, then sorts dst by path and drops exact
 * duplicates (the same path, size and digest: a file two splits were made
 * from), so that a run's list does not depend on the order the files were
 * read in. Records of one path with different digests are all kept. */
void xb_data_files_merge(struct xb_data_files *dst, const struct xb_data_files *src);

/* dst = a copy of src (dst's old records freed). */
void xb_data_files_copy(struct xb_data_files *dst, const struct xb_data_files *src);

/* Frees the records and zeroes l; accepts NULL. */
void xb_data_files_free(struct xb_data_files *l);

/* 0 if a and b (both sorted, as after xb_data_files_merge) hold the same
 * records; otherwise 1 and why[size] says where the first difference lies,
 * as "<path> had SHA-256 <a's> (<size> bytes), now <b's> (<size> bytes)",
 * "<path> was read, this run does not read it" or "this run reads <path>,
 * which was not read". */
int xb_data_files_diff(const struct xb_data_files *a, const struct xb_data_files *b,
                       char *why, size_t size);

#endif
