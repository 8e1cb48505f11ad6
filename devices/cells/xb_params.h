/*
 * xb_params.h — named, typed, range-checked parameters.
 *
 * Device models describe their parameters with a table of key rows
 * (xb_key.h): name (the key of config files and --set), unit, default,
 * valid range and the published source of the default. Values live in a
 * plain double array indexed like the table, so generic code (the CLI,
 * configs, `xbar devices`) handles every model without knowing it.
 */
#ifndef XB_PARAMS_H
#define XB_PARAMS_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_key.h"

/* A device table's rows are struct xb_key rows of type XB_KEY_REAL or
 * XB_KEY_INT, each stored as a double at its index of the value array. */

/* Index of key in specs, or -1. */
int xb_params_find(const struct xb_key *specs, size_t n, const char *key);

/* values[i] = specs[i].def for all i. */
void xb_params_defaults(const struct xb_key *specs, size_t n, double *values);

/* Checks value against spec i; on failure records an error that names
 * `where` (e.g. "--set", "dev.cfg:12"), the key, the value and the range. */
enum xb_status xb_params_check(struct xb_ctx *ctx, const struct xb_key *spec,
                               double value, const char *where);

/* Parses text strictly (the whole string must be a finite number; for
 * integer parameters an integer), checks the range and stores it.
 * XB_ENOTFOUND if key is unknown (the message lists the valid keys). */
enum xb_status xb_params_set(struct xb_ctx *ctx, const struct xb_key *specs,
                             size_t n, double *values, const char *key,
                             const char *text, const char *where);

/* Same with a value already numeric (config files). */
enum xb_status xb_params_set_value(struct xb_ctx *ctx, const struct xb_key *specs,
                                   size_t n, double *values, const char *key,
                                   double value, const char *where);

#endif
