/*
 * xb_study_layout.h — the /study group of a sweep result: the results as
 * N-dimensional arrays over the study's axes, each axis an HDF5 dimension
 * scale (H5DS, the HDF5 high-level library) with its key, units and values
 * (issue 10 item 1; the rows XB_DS_STUDY* of xb_layout.c; sim/README.md
 * "Studies").
 *
 *   /study/axis_{k}           [n_k] the values of axis k (float64, or
 *                             fixed-length strings); attributes key, units,
 *                             trains; H5DSset_scale(axis, key)
 *   /study/accuracy           [n_0 x ... x n_{N-1} x n_repeat]
 *   /study/accuracy_vote      [n_0 x ... x n_{N-1} x n_votes]
 *   /study/snr_db_measured, energy, latency_pipelined, latency_sequential
 *                             [n_0 x ... x n_{N-1}] float64
 *   /study/done               [n_0 x ... x n_{N-1}] uint8
 * Dimension k < N of every array is attached to /study/axis_{k}; the last
 * dimension of the first two is labelled "repeat" and "votes".
 *
 * The reader is sim/io/xb_study_read.h. The writer takes the arrays already in N-D order (row-major, the last
 * axis fastest); sim/study/xb_sweep.c reshapes its flat grid.
 */
#ifndef XB_STUDY_LAYOUT_H
#define XB_STUDY_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_h5.h"

#define XB_STUDY_MAX_RANK 10 /* axes of a study and the two implicit lists */

struct xb_study_axis_out {
    const char *key;     /* "xbar.adc_bits" */
    const char *units;   /* the registry's */
    int trains;          /* 1 if the axis trains one model per value */
    size_t n;
    const double *values;       /* [n], or NULL for a string axis */
    const char *const *strings; /* [n] when values is NULL */
};

struct xb_study_out {
    size_t rank; /* N, 1 .. XB_STUDY_MAX_RANK */
    struct xb_study_axis_out axis[XB_STUDY_MAX_RANK];
    size_t repeats, votes;
    const double *accuracy;      /* [cells x repeats] */
    const double *accuracy_vote; /* [cells x votes] */
    const double *snr, *energy, *latency_pipelined, *latency_sequential; /* [cells] */
    const uint8_t *done;         /* [cells] */
};

/* Writes the /study group of o into f. */
enum xb_status xb_study_write(struct xb_ctx *ctx, struct xb_h5_file *f,
                              const struct xb_study_out *o);

#endif
