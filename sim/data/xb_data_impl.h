/*
 * xb_data_impl.h — what the data-set readers (xb_data_io.c,
 * xb_data_strokes.c) share. Private to sim/; not part of xb_data.h.
 */
#ifndef XB_DATA_IMPL_H
#define XB_DATA_IMPL_H

#include <zlib.h>

#include "xb_ctx.h"
#include "xb_data_files.h"

/* Opens path for reading through zlib (gzip or plain alike). Failure names
 * the file, the reason and `what` was expected there: XB_ENOTFOUND for a
 * missing file, XB_EIO otherwise. When files is not NULL the file is first
 * hashed, streaming, through the same descriptor (so the digest is of the
 * file then read) and its record appended to files: readers pass their data
 * set's list the first time they open a file, NULL when they open it again. */
enum xb_status xb_data_gzopen(struct xb_ctx *ctx, const char *path, const char *what,
                              struct xb_data_files *files, gzFile *out);

/* Called where the data has ended (a read returned nothing): XB_EFORMAT
 * naming path and `what` was expected if zlib reports that the gzip stream
 * stopped early (Z_BUF_ERROR) — even when only its 8-byte trailer, the
 * CRC-32 and length that prove the data whole, is missing. XB_OK for a
 * plain file or a whole stream. */
enum xb_status xb_data_gz_whole(struct xb_ctx *ctx, gzFile f, const char *path,
                                const char *what);

#endif
