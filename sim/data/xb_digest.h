/*
 * xb_digest.h — SHA-256 of buffers and files, through GnuTLS's nettle
 * (Debian's nettle-dev): no cryptography of our own.
 *
 * Result files record the digest of every data file a run read
 * (xb_data_files.h), so that `xbar sweep --resume` can tell other data from
 * the same, and so that anyone can check a file with sha256sum(1): the
 * digest is of the bytes on disk (compressed, if the file is gzip).
 * Pure and thread-safe.
 */
#ifndef XB_DIGEST_H
#define XB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

#define XB_SHA256_SIZE 32                       /* bytes of a digest */
#define XB_SHA256_HEX (2 * XB_SHA256_SIZE + 1)  /* its hex text with the NUL */

/* out = SHA-256 of data[0..len). */
void xb_sha256(const void *data, size_t len, uint8_t out[XB_SHA256_SIZE]);

/* Reads the open file descriptor fd from where it stands to its end in
 * fixed chunks (streaming: memory does not grow with the file) into
 * out = SHA-256 of those bytes and *size = their count. path names the file
 * in errors: XB_EIO "PATH: cannot read after byte N (reason); expected WHAT"
 * (what may be NULL). fd is left at the end of the file. */
enum xb_status xb_sha256_fd(struct xb_ctx *ctx, int fd, const char *path, const char *what,
                            uint64_t *size, uint8_t out[XB_SHA256_SIZE]);

/* The digest as 64 lower-case hex digits and a NUL, as sha256sum prints it. */
void xb_sha256_hex(const uint8_t digest[XB_SHA256_SIZE], char hex[XB_SHA256_HEX]);

/* Parses 64 hex digits (either case, nothing else) into digest; 0 on
 * success, -1 if text is not that. */
int xb_sha256_parse(const char *text, uint8_t digest[XB_SHA256_SIZE]);

#endif
