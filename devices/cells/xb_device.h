/*
 * xb_device.h — memory-cell models: the device type table.
 *
 * A device type is a const table of parameter specs and a few pure
 * functions of those parameters (units: conductance in microsiemens, time in
 * seconds). Generic code never switches on the kind; adding a technology is
 * one file that exports a `const struct xb_device_type`.
 *
 * The physical life of one device, as the engine runs it (devices/engine/xb_tile.c):
 *   target g_T in [g_min, g_max] -> quantised to `levels` (0 = continuous)
 *   -> device-to-device variation of the window (d2d, once per chip)
 *   -> stuck-at faults (stuck_min / stuck_max rates, once per chip)
 *   -> programming error N(0, prog_sigma(g_T)^2), clamped at >= 0 (once per chip)
 *   -> at read time t after programming: drift g(t) = g_prog * ((t + t0)/t0)^-nu,
 *      nu ~ N(drift_nu(g_T)) folded at 0, drawn once per chip; plus an
 *      optional relaxation N(0, relax_sigma(g_T, t)^2) (same draw at every t)
 *   -> each read adds N(0, read_sigma(g_prog, g(t), t)^2).
 * t = 0 is the moment programming ends; the offset t0 makes the drift factor
 * 1 there (the convention of IBM aihwkit's PCM model, where t0 = 20 s).
 */
#ifndef XB_DEVICE_H
#define XB_DEVICE_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_params.h"

/* Parameters every device type has, at these indices of its spec table. */
enum xb_device_common {
    XB_DP_GMAX = 0,   /* uS: largest programmable conductance */
    XB_DP_GMIN,       /* uS: smallest (the idle device of a pair) */
    XB_DP_LEVELS,     /* programmable levels; 0 = continuous */
    XB_DP_T0,         /* s: drift reference time */
    XB_DP_D2D,        /* 1: relative std of each device's window, per chip */
    XB_DP_STUCK_MIN,  /* 1: fraction of devices stuck at g_min */
    XB_DP_STUCK_MAX,  /* 1: fraction of devices stuck at g_max */
    XB_DP_COMMON_COUNT
};

#define XB_DEVICE_MAX_PARAMS 32

/* The common rows of a spec table, with per-type defaults and sources. */
#define XB_DEVICE_COMMON_SPECS(gmax, gmin, levels, t0, src_window, src_t0)                 \
    XB_KEY_ROW("g_max", "uS", gmax, 1e-6, 1e6, XB_KEY_REAL,                                 \
               "largest programmable conductance", src_window),                            \
    XB_KEY_ROW("g_min", "uS", gmin, 0.0, 1e6, XB_KEY_REAL,                                  \
               "smallest conductance (idle device of a pair)", src_window),                \
    XB_KEY_ROW("levels", "1", levels, 0.0, 65536.0, XB_KEY_INT,                             \
               "programmable levels, 0 = continuous", src_window),                         \
    XB_KEY_ROW("t0", "s", t0, 1e-9, 1e9, XB_KEY_REAL, "drift reference time", src_t0),      \
    XB_KEY_ROW("d2d", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,                                      \
               "device-to-device std of the window, relative",                             \
               "xbar: off by default; a sweep parameter"),                                 \
    XB_KEY_ROW("stuck_min", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,                                \
               "fraction of devices stuck at g_min",                                       \
               "xbar: off by default; aihwkit pcm_prob_at_reset"),                         \
    XB_KEY_ROW("stuck_max", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,                                \
               "fraction of devices stuck at g_max",                                       \
               "xbar: off by default; aihwkit pcm_prob_at_gmax")

struct xb_device_type {
    const char *name;    /* "pcm" */
    const char *summary; /* one line */
    const char *source;  /* the model's published source */
    const struct xb_key *params; /* common rows first (enum above) */
    size_t n_params;

    /* Programming error std [uS] for a device targeted at g [uS]. */
    double (*prog_sigma)(const double *p, double g);
    /* Mean and std of the drift exponent nu for target g (0, 0: no drift). */
    void (*drift_nu)(const double *p, double g, double *mean, double *std);
    /* Relaxation std [uS] at time t for target g; NULL if the model has none. */
    double (*relax_sigma)(const double *p, double g, double t);
    /* Per-read noise std [uS] of a device programmed to g_prog, at g_t now. */
    double (*read_sigma)(const double *p, double g_prog, double g_t, double t);
};

/* A device: its type and one value per spec. Plain data; copy freely. */
struct xb_device {
    const struct xb_device_type *type;
    double p[XB_DEVICE_MAX_PARAMS];
};

/* The registered types, in display order. */
const struct xb_device_type *const *xb_device_types(size_t *n);

/* The type called name, or NULL. */
const struct xb_device_type *xb_device_type_find(const char *name);

/* d = the type called name with its defaults. XB_ENOTFOUND naming the
 * valid presets if there is none. */
enum xb_status xb_device_init(struct xb_ctx *ctx, struct xb_device *d, const char *name);

/* Sets one parameter from text (--set) or a number (config); see
 * xb_params_set. Cross-parameter rules are checked by xb_device_validate. */
enum xb_status xb_device_set(struct xb_ctx *ctx, struct xb_device *d, const char *key,
                             const char *text, const char *where);
enum xb_status xb_device_set_value(struct xb_ctx *ctx, struct xb_device *d,
                                   const char *key, double value, const char *where);

/* Rules across parameters: g_min < g_max, stuck_min + stuck_max <= 1. */
enum xb_status xb_device_validate(struct xb_ctx *ctx, const struct xb_device *d);

/* Named accessors of the common parameters. */
static inline double xb_device_gmax(const struct xb_device *d) { return d->p[XB_DP_GMAX]; }
static inline double xb_device_gmin(const struct xb_device *d) { return d->p[XB_DP_GMIN]; }

/* The registered types (one file each). */
extern const struct xb_device_type xb_device_ideal;
extern const struct xb_device_type xb_device_generic;
extern const struct xb_device_type xb_device_pcm;
extern const struct xb_device_type xb_device_reram;
extern const struct xb_device_type xb_device_flash;

#endif
