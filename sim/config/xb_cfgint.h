/*
 * xb_cfgint.h — what libconfig 1.5 (Debian 12's) gets wrong about
 * integers, caught before its values are used.
 *
 * libconfig reads an integer literal without the L suffix into a 32-bit
 * int and wraps it silently: `epochs = -4294967294;` reads as 2,
 * `units = 4294967298;` as 2, `2147483648` as -2147483648 and anything
 * beyond 64 bits as -1. No 64-bit accessor (config_setting_get_int64)
 * can undo that, and a range check then passes on a value the user never
 * wrote. So the text of a config file that libconfig has parsed is
 * scanned once more: every plain integer literal (decimal or hex, outside
 * strings and comments, in the file and the files it @includes) must fit
 * in 32 bits. Literals with L are 64-bit in libconfig and read exactly.
 */
#ifndef XB_CFGINT_H
#define XB_CFGINT_H

#include "xb_ctx.h"

/* Scans path (and its @include files, found in include_dir, or beside path
 * when NULL) for integer literals libconfig would wrap. XB_ERANGE naming
 * file:line, the key and the literal as written; XB_OK otherwise, and for
 * a file it cannot read (libconfig has reported that already). */
enum xb_status xb_cfgint_check(struct xb_ctx *ctx, const char *path, const char *include_dir);

/* The whole file at path as a nul-terminated string (xb_free; nul bytes in
 * it are kept, *len counts them), or NULL if it cannot be read. Shared by
 * the scans of config text (this one and xb_config's @include check). */
char *xb_cfgint_read_text(const char *path, size_t *len);

#endif
