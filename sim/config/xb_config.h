/*
 * xb_config.h — the device and engine configuration of a run, and where
 * each of its values came from.
 *
 * One key space serves config files, `--set key=value` and the dedicated
 * options (`--adc-bits 6` is `xbar.adc_bits = 6`):
 *
 *   device.type           the device preset (`xbar devices` lists them)
 *   device.KEY            a parameter of that device (`xbar devices NAME`)
 *   xbar.KEY              an engine key (tile_rows, adc_bits, t, ...; see
 *                         xb_config_keys)
 *   KEY                   shorthand for xbar.KEY or device.KEY, whichever
 *                         exists (an error if both do)
 *   energy.KEY            a price of the energy and latency model
 *                         (devices/engine/xb_energy.h; always with its group)
 *
 * Values are collected as text in the order they were given (config file
 * first, then the command line) and resolved in one pass, so every message
 * names the origin of the value: "--adc-bits 40: expected an integer in
 * [0, 24]", "pcm.cfg:7: xbar.adc_bits = 40: ...". The last device.type wins
 * whatever its position; every device parameter then applies to that type.
 *
 * A config file (libconfig syntax) has at most three groups:
 *
 *   device = { type = "pcm"; g_max = 25.0; };
 *   xbar   = { tile_rows = 256; adc_bits = 8; adc_range = "max"; t = 3600.0; };
 *   energy = { adc_fom = 5e-15; t_read = 5e-8; };
 *
 * Nothing here prints; errors are recorded in the context.
 */
#ifndef XB_CONFIG_H
#define XB_CONFIG_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_device.h"
#include "xb_energy.h"
#include "xb_key.h"
#include "xb_xbar.h"

/* One assignment, as given. All strings are owned by the list. */
struct xb_setting {
    char *key;    /* "device.type", "device.g_max", "xbar.adc_bits" or bare "g_max" */
    char *value;  /* the value as text */
    char *origin; /* for messages: "--set g_max=30", "pcm.cfg:3: device.g_max = 30" */
};

/* An ordered list of assignments. Zero-initialised is empty. */
struct xb_settings {
    struct xb_setting *v;
    size_t n, cap;
};

void xb_settings_free(struct xb_settings *s);
void xb_settings_add(struct xb_settings *s, const char *key, const char *value,
                     const char *origin);
/* Appends copies of every assignment of src to dst. */
void xb_settings_extend(struct xb_settings *dst, const struct xb_settings *src);
/* Parses "key=value" (--set); XB_EINVAL naming origin if there is no '='
 * or the key is empty. */
enum xb_status xb_settings_add_assignment(struct xb_ctx *ctx, struct xb_settings *s,
                                          const char *text, const char *origin);

/* Appends the assignments of config file path, in file order, each with
 * origin "path:line: group.key = value". Syntax errors, unknown groups or
 * engine keys, and values of the wrong type are errors naming path:line
 * and the key. Device keys are checked by xb_config_resolve, which knows
 * the device type. */
enum xb_status xb_config_read(struct xb_ctx *ctx, const char *path, struct xb_settings *s);

/* The same for one `device` or `xbar` group of a file the caller parsed
 * with libconfig (an experiment file with more groups). */
struct config_setting_t;
enum xb_status xb_config_read_group(struct xb_ctx *ctx, const char *path,
                                    const struct config_setting_t *group, struct xb_settings *s);

/* The resolved configuration: a device and the engine settings. */
struct xb_config {
    struct xb_xbar_params xbar; /* the device and the engine keys (layer 0) */
    double t;                   /* read time: s after programming (xb_xbar_age) */
    struct xb_energy_params energy; /* the prices of xbar energy and of result files */
};

/* The defaults: the engine's (xb_xbar_params_default) and the ideal
 * device, except that the ADC range is calibrated as the max of the ideal
 * outputs, so that `--adc-bits N` alone is meaningful. */
void xb_config_default(struct xb_config *c);

/* Applies s to c (start from xb_config_default), validates the device and
 * the engine parameters. Errors name the origin of the offending value. */
enum xb_status xb_config_resolve(struct xb_ctx *ctx, const struct xb_settings *s,
                                 struct xb_config *c);

/* After xb_config_resolve: an engine key of s that has no effect on c (a
 * non-default adc_range with adc_bits = 0, dac_signed = false with
 * dac_bits = 0, sigma with noise = none) or a noise model at sigma = 0 is
 * XB_EINVAL naming the origin of the value in force (issue 8: no option is
 * ignored silently) — unless a later setting of the key that governs it
 * made it moot on purpose (a config file's adc_range, then --adc-bits 0).
 * Read times t on a device that does not drift, and device parameters a
 * model does not use (xbar devices NAME says which), are not errors: they
 * are the answer for that device. */
enum xb_status xb_config_check_used(struct xb_ctx *ctx, const struct xb_settings *s,
                                    const struct xb_config *c);

/* The engine parameters of c: c->xbar. */
void xb_config_xbar_params(const struct xb_config *c, struct xb_xbar_params *p);

/* The whole of c as a config file that xb_config_read accepts; the caller
 * frees it with xb_free. Written into result files as /config. */
char *xb_config_text(const struct xb_config *c);

/* Appends the energy group of c to buf[size] at len — nothing when every
 * price is at its default, so the text of a run that sets none is what it
 * was before the group existed — and returns the new length. */
size_t xb_config_energy_text(const struct xb_config *c, char *buf, size_t size, size_t len);

/* The engine keys (xbar.KEY): rows of devices/cells/xb_key.h over struct
 * xb_config, in the order usage texts and /config list them. */
const struct xb_key *xb_config_keys(size_t *n);
const struct xb_key *xb_config_key_find(const char *name);

/* Strict parsing shared by every option: the whole text must be a number
 * (an integer for _long) in [min, max]; otherwise XB_ERANGE or XB_EINVAL
 * with "origin: expected an integer in [min, max]". */
enum xb_status xb_config_parse_long(struct xb_ctx *ctx, const char *origin, const char *text,
                                    long min, long max, long *out);
enum xb_status xb_config_parse_double(struct xb_ctx *ctx, const char *origin,
                                      const char *text, double min, double max,
                                      double *out);

#endif
