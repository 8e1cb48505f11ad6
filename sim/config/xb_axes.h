/*
 * xb_axes.h — the axes of a study: any key of the registry, a list of values
 * (issue 10, item 1; ARCHITECTURE.md §11 on the key registry).
 *
 * An experiment file may declare them in a `study` group:
 *
 *   study = {
 *     axes = ( { key = "xbar.adc_bits"; values = [4, 5, 6, 7, 8]; },
 *              { key = "device.read_noise_scale"; values = [0.0, 0.5, 1.0, 2.0]; },
 *              { key = "xbar.t"; from = 1.0; to = 86400.0; points = 3; scale = "log"; },
 *              { key = "device.type"; values = ["pcm", "reram"]; } );
 *   };
 *
 * A point of the study is one value on every axis, and the point's
 * experiment is the file's with each axis key set to its value exactly as
 * `--set key=value` sets it: the same parser, range checks and messages,
 * with the axis's file:line as the origin (xb_experiment_read_point).
 * Points are numbered row-major, the last axis fastest, so a study's
 * results are an N-dimensional array in axis order.
 *
 * Which axes train: a value of data.*, model.*, train.* or
 * sweep.sigma_train changes the trained model, and so does a device.* or
 * xbar.* value when training runs on the device (train.hw_aware); every
 * other axis is evaluated on the models of the training axes without
 * retraining. Chip instances and repeats are their own dimensions
 * (sweep.repeats, sweep.votes), never axes.
 *
 * Nothing here prints; errors name the file and line of the axis.
 */
#ifndef XB_AXES_H
#define XB_AXES_H

#include <stddef.h>

#include "xb_ctx.h"

#define XB_AXES_MAX 8              /* axes of one study */
#define XB_AXIS_MAX_VALUES 64      /* values of one axis (as sweep grids) */
#define XB_AXIS_VALUE_SIZE 48      /* one value's text */
#define XB_AXES_MAX_POINTS 65536   /* points of one study: each is checked when read */

struct xb_axis {
    char key[64];  /* "group.name", as --set takes it */
    int line;      /* of the axis in its file (0: unknown) */
    size_t n;      /* values, >= 1 */
    char value[XB_AXIS_MAX_VALUES][XB_AXIS_VALUE_SIZE]; /* each as --set's text */
    int quoted;    /* the values were strings in the file (and are written so) */
};

struct xb_axes {
    size_t n;
    struct xb_axis axis[XB_AXES_MAX];
};

struct config_setting_t;

/* Reads the `study` group g of file into a (which it overwrites). The
 * group holds one key, axes, a list of groups each with key and either
 * values (a non-empty array of numbers, or of strings, or of booleans) or
 * from, to, points (>= 2) and scale ("linear", the default, or "log": from
 * and to > 0). Values are not checked against their key here (the key
 * alone is: its form and that it is not an output, a repeat count or the
 * same key twice); xb_experiment_read checks every point. Errors
 * (XB_EFORMAT, XB_ERANGE, XB_EINVAL) name file:line. */
enum xb_status xb_axes_read(struct xb_ctx *ctx, const char *file,
                            const struct config_setting_t *g, struct xb_axes *a);

/* Points of the study: the product of the axes' sizes (1 without axes). */
size_t xb_axes_points(const struct xb_axes *a);

/* The value index of each axis at point (index[a->n]); the last axis
 * varies fastest. point < xb_axes_points(a). */
void xb_axes_coords(const struct xb_axes *a, size_t point, size_t *index);

/* 1 if a value of key changes the trained model (see above); hw_aware:
 * the point's training runs on the device. */
int xb_axis_trains(const char *key, int hw_aware);

/* Appends the study group as libconfig text ("study = { axes = ( ... ); };\n")
 * at buf + *len (size bytes in all); nothing without axes. Read back by
 * xb_axes_read, it gives the same axes. */
void xb_axes_write(const struct xb_axes *a, char *buf, size_t size, size_t *len);

#endif
