/*
 * xb_params.h — named, typed, range-checked parameters.
 *
 * Device models and the engine describe their parameters with a table of
 * specs: name (the key of config files and --set), unit, default, valid
 * range and the published source of the default. Values live in a plain
 * double array indexed like the table, so generic code (the CLI, configs,
 * `xbar devices`) handles every model without knowing it.
 */
#ifndef XB_PARAMS_H
#define XB_PARAMS_H

#include <stddef.h>

#include "xb_ctx.h"

struct xb_param_spec {
    const char *name;   /* key: [a-z0-9_]+ */
    const char *unit;   /* "uS", "s", "1" (dimensionless), "bits", ... */
    double def;         /* default value */
    double min, max;    /* valid closed range */
    int integer;        /* 1 if the value must be integral */
    const char *help;   /* one line: what it means */
    const char *source; /* where the default comes from */
};

/* Index of key in specs, or -1. */
int xb_params_find(const struct xb_param_spec *specs, size_t n, const char *key);

/* values[i] = specs[i].def for all i. */
void xb_params_defaults(const struct xb_param_spec *specs, size_t n, double *values);

/* Checks value against spec i; on failure records an error that names
 * `where` (e.g. "--set", "dev.cfg:12"), the key, the value and the range. */
enum xb_status xb_params_check(struct xb_ctx *ctx, const struct xb_param_spec *spec,
                               double value, const char *where);

/* Parses text strictly (the whole string must be a finite number; for
 * integer parameters an integer), checks the range and stores it.
 * XB_ENOTFOUND if key is unknown (the message lists the valid keys). */
enum xb_status xb_params_set(struct xb_ctx *ctx, const struct xb_param_spec *specs,
                             size_t n, double *values, const char *key,
                             const char *text, const char *where);

/* Same with a value already numeric (config files). */
enum xb_status xb_params_set_value(struct xb_ctx *ctx, const struct xb_param_spec *specs,
                                   size_t n, double *values, const char *key,
                                   double value, const char *where);

/* Strict number parsing shared by every front end: 1 on success. */
int xb_parse_double(const char *text, double *out);
int xb_parse_long(const char *text, long *out);

#endif
