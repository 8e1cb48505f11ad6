/*
 * xb_study_read.h — the reader of the N-dimensional view of a sweep or
 * study result, the group /study (sim/README.md "Result files"; its rows
 * are those of sim/io/xb_layout.c): N axes /study/axis_k (k = 0 .. N-1,
 * N <= 8), each the values of one registry key, and the arrays over them:
 * accuracy [n_0 x ... x n_{N-1} x n_repeat], accuracy_vote [... x n_votes]
 * (optional), snr_db_measured and done [n_0 x ... x n_{N-1}]. `xbar plot`
 * reads it (sim/report/xb_plot_study.c).
 *
 * The reader checks what the plots rely on: N by counting the axes (a gap
 * or more than 8 is an error), every array's rank and every dimension
 * against the axes, done 0 or 1, accuracies in [0, 1] and not NaN where
 * done. Errors name the file, the dataset and what was expected. HDF5 is
 * not thread-safe in Debian's build: call from one thread.
 */
#ifndef XB_STUDY_READ_H
#define XB_STUDY_READ_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

#define XB_STUDY_MAX_AXES 8

/* One axis: its key, units, and values as numbers and as text. */
struct xb_study_axis {
    char *key;      /* the registry key, "xbar.adc_bits" */
    char *units;    /* "" when the file has none */
    int trains;     /* 1: one model was trained per value */
    int is_text;    /* 1: a string axis (device.type); value[] is then 0, 1, ... */
    size_t n;
    double *value;  /* [n]: the values (numeric axes), the index (string axes) */
    char **label;   /* [n]: the values as text: "%.10g" or the string */
};

struct xb_study_result {
    char *path;
    size_t n_axes;
    struct xb_study_axis axis[XB_STUDY_MAX_AXES];
    size_t n_points;        /* n_0 x ... x n_{N-1} */
    size_t n_repeat, n_votes;
    double *accuracy;       /* [n_points][n_repeat], fraction; NaN where not done */
    double *accuracy_vote;  /* [n_points][n_votes], or NULL (n_votes 0) */
    double *snr_db;         /* [n_points], dB; NaN where not measured */
    double *energy;         /* [n_points], J per inference by K votes; NULL if the file has none */
    double *latency;        /* [n_points], s, pipelined, by K votes; NULL if the file has none */
    uint8_t *done;          /* [n_points] */
};

/* 1 if the file at path has the group /study, else 0 (also when it is no
 * HDF5 file). */
int xb_study_exists(const char *path);

/* Reads and checks /study of the file at path into *r (zeroed first; on
 * error *r holds nothing). A sweep file made before /study was written
 * is read as the two-axis study it is (sweep.sigma_train x
 * sweep.sigma_test or sweep.t, from /sweep, checked by xb_sweep_read).
 * XB_ENOTFOUND if the file has neither /study nor /sweep. */
enum xb_status xb_study_read(struct xb_ctx *ctx, const char *path, struct xb_study_result *r);

/* Accepts NULL and a zeroed struct. */
void xb_study_result_free(struct xb_study_result *r);

/* The index of axis key, or -1. */
int xb_study_axis_of(const struct xb_study_result *r, const char *key);

/* The flat point index of the axis indices idx[n_axes] (C order). */
size_t xb_study_point(const struct xb_study_result *r, const size_t *idx);

#endif
