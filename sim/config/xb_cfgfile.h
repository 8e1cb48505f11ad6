/*
 * xb_cfgfile.h — libconfig files walked with key rows (devices/cells/xb_key.h).
 *
 * Every group of a config file that holds keys (device, xbar, data,
 * train, sweep, one layer of model.layers) is read the same way: each
 * setting's name is looked up in the table, its libconfig type checked
 * against the row's type, and its value turned into the text that
 * --set KEY=VALUE would give, with an origin for messages
 * ("file:line: group.key = value"). So a file and the command line go
 * through the same parser (xb_key_set) and produce the same errors.
 *
 * Nothing here prints; errors are recorded in the context.
 */
#ifndef XB_CFGFILE_H
#define XB_CFGFILE_H

#include <libconfig.h>
#include <stddef.h>

#include "xb_ctx.h"
#include "xb_key.h"

/* "an integer", "a string", ...: a libconfig type as messages name it. */
const char *xb_cfgfile_type_name(int type);

/* The value of scalar or array setting e as text for key k, checked
 * against k's type (k NULL: a number, as device parameters before the
 * device type is known), and the origin "where: label.NAME = VALUE".
 * XB_EFORMAT "where: label.NAME: expected <type>, got <type>" otherwise. */
enum xb_status xb_cfgfile_value(struct xb_ctx *ctx, const char *where, const char *label,
                                const config_setting_t *e, const struct xb_key *k, char *text,
                                size_t text_size, char *origin, size_t origin_size);

/* Reads every setting of group g into base with the rows of t[n] whose
 * group is `group` (every row when NULL): unknown names are XB_ENOTFOUND
 * listing the keys, values are checked and set by xb_key_set. file names
 * g's file in messages, label prefixes the key names ("train",
 * "model.layers[2]"). */
enum xb_status xb_cfgfile_group(struct xb_ctx *ctx, const char *file,
                                const config_setting_t *g, const char *label,
                                const struct xb_key *t, size_t n, const char *group,
                                void *base);

/* Writes the rows of t[n] in `group` (all when NULL) as libconfig
 * settings " name = value;" (one line) or "  name = value;\n" (multiline),
 * in table order, leaving out aliases and XB_KEY_OMIT_DEFAULT rows at
 * their default (unless their written() asks for them). Strings are escaped so that
 * any text reads back the same; reals are written with 17 significant
 * digits (exact17) or as the shortest exact decimal, always as a float.
 * Appends at buf + *len (size bytes in all). */
void xb_cfgfile_write(const struct xb_key *t, size_t n, const char *group, const void *base,
                      int multiline, int exact17, char *buf, size_t size, size_t *len);

/* s as the inside of a libconfig string literal, so that any text reads
 * back the same: \\ and \" escaped, control characters as \n, \r, \t, \f
 * or \xNN (bytes from 0x80 pass as they are). The caller frees it with
 * xb_free. */
char *xb_cfgfile_string(const char *s);

/* A real as libconfig reads it back as the same float: exact17 "%.17g",
 * else the shortest exact decimal; ".0" appended when it would read as an
 * integer. */
void xb_cfgfile_real(double v, int exact17, char *buf, size_t size);

/* Checks the `@include "NAME"` lines of the libconfig file at path, and of
 * the files they include, before libconfig reads them: libconfig 1.5 ends
 * the process ("input in flex scanner failed", exit 2) when NAME is a
 * directory and blocks on a FIFO or a device, so every NAME that exists
 * must be a regular file (a missing one libconfig reports itself).
 * include_dir is what the caller gives config_set_include_dir (NULL for
 * none: NAME relative to the working directory). XB_EINVAL naming
 * file:line and NAME otherwise. Called by xb_config_read and
 * xb_experiment_read. */
enum xb_status xb_config_check_includes(struct xb_ctx *ctx, const char *path,
                                        const char *include_dir);

#endif
