/*
 * xb_layout.h — the layout of every file xbar writes, as one table: each
 * group and dataset of a sweep result (also the model of `xbar train` and
 * the checkpoint `--resume` continues: the same file), and of `xbar mvm -o`,
 * with its path, type, rank, shape, units and description
 * (ARCHITECTURE.md §8; sim/README.md "Result files" prints it).
 *
 * Everything that writes or reads a result file goes through the rows:
 * the writers take the path, type, rank, units and description from the
 * row (xb_layout_write*, so no file can disagree with the table); the
 * readers (--resume, xbar eval, xbar info, xbar plot) take the path and
 * check type and rank against it, with errors naming the file, the
 * dataset and the row's expectation. There are no dataset paths anywhere
 * else.
 *
 * Paths are absolute; a row of many objects has one braced name: {point}
 * is the index of the sigma_train model (0, 1, ...), {figure} and
 * {parameter} the name of an `xbar mvm` figure (xb_mvm_figures) or device
 * parameter (the device type's table, devices/cells/xb_params.h), whose own
 * units and description the dataset carries.
 *
 * HDF5 is not thread-safe in Debian's build: call from one thread.
 */
#ifndef XB_LAYOUT_H
#define XB_LAYOUT_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_figure.h"
#include "xb_h5.h"

/* The kinds of result file, as bits (a row may belong to several). */
enum xb_layout_kind {
    XB_LAYOUT_SWEEP = 1, /* xbar sweep / run / train: results, models, checkpoint */
    XB_LAYOUT_MVM = 2,   /* xbar mvm -o */
    XB_LAYOUT_SNRREQ = 4, /* xbar snr-req -o */
    XB_LAYOUT_ATTACK = 8, /* xbar attack -o */
    XB_LAYOUT_EVAL = 16,  /* xbar eval -o */
};

/* What an object is. */
enum xb_layout_form {
    XB_FORM_GROUP,  /* a group (attributes only) */
    XB_FORM_ARRAY,  /* a numeric array of the row's type and rank */
    XB_FORM_TEXT,   /* a scalar fixed-length UTF-8 string */
    XB_FORM_FILES,  /* rows {path: string, size: uint64, sha256: 64 hex} (xb_provenance.h) */
    XB_FORM_FIGURE, /* a scalar float64, int64 or string: one xb_figure, its units and
                     * description its own */
};

/* The rows, by id. */
enum xb_ds {
    /* every result file */
    XB_DS_DATA_FILES,
    /* sweep results */
    XB_DS_CONFIG,
    XB_DS_SWEEP,
    XB_DS_SIGMA_TRAIN,
    XB_DS_SIGMA_TEST,
    XB_DS_T_TEST,
    XB_DS_SNR_DB,
    XB_DS_SNR_MEASURED,
    XB_DS_SNR_LAYERS,
    XB_DS_LAYER_SNR_DB,
    XB_DS_SNR_TILE_LAYERS,
    XB_DS_TILE_SNR_DB,
    XB_DS_SPIKE_LAYERS,
    XB_DS_SPIKE_ACTIVITY,
    XB_DS_SPIKE_ENERGY,
    XB_DS_VOTES,
    XB_DS_ACCURACY,
    XB_DS_ACCURACY_VOTE,
    XB_DS_DONE,
    XB_DS_MODELS,
    XB_DS_MODEL,
    XB_DS_EPOCHS_DONE,
    XB_DS_STEPS,
    XB_DS_PARAMS,
    XB_DS_OPTIMIZER_M,
    XB_DS_OPTIMIZER_V,
    XB_DS_TRAIN_CARRY,
    XB_DS_TRAIN,
    XB_DS_TRAIN_POINT,
    XB_DS_LOSS,
    XB_DS_VAL_ACCURACY,
    XB_DS_ENERGY,
    XB_DS_LATENCY_PIPELINED,
    XB_DS_LATENCY_SEQUENTIAL,
    /* the N-dimensional view of a sweep or study (sim/io/xb_study_layout.h) */
    XB_DS_STUDY,
    XB_DS_STUDY_AXIS,
    XB_DS_STUDY_ACCURACY,
    XB_DS_STUDY_ACCURACY_VOTE,
    XB_DS_STUDY_SNR_MEASURED,
    XB_DS_STUDY_ENERGY,
    XB_DS_STUDY_LATENCY_PIPELINED,
    XB_DS_STUDY_LATENCY_SEQUENTIAL,
    XB_DS_STUDY_DONE,
    /* xbar mvm -o */
    XB_DS_MVM_CONFIG,
    XB_DS_W,
    XB_DS_X,
    XB_DS_Y_IDEAL,
    XB_DS_Y,
    XB_DS_MVM,
    XB_DS_MVM_FIGURE,
    XB_DS_DEVICE,
    XB_DS_DEVICE_PARAM,
    /* xbar snr-req -o */
    XB_DS_SNRREQ_CONFIG,
    XB_DS_SNRREQ,
    XB_DS_SNRREQ_POINT,
    XB_DS_SNRREQ_SIGMA_TRAIN,
    XB_DS_SNRREQ_VOTES,
    XB_DS_SNRREQ_LOSS,
    XB_DS_SNRREQ_ACCURACY0,
    XB_DS_SNRREQ_TARGET,
    XB_DS_SNRREQ_POWER,
    XB_DS_SNRREQ_SIGMA,
    XB_DS_SNRREQ_SNR_DB,
    XB_DS_SNRREQ_GAIN_VOTE,
    XB_DS_SNRREQ_GAIN,
    XB_DS_SNRREQ_EVALS,
    /* xbar attack -o */
    XB_DS_ATTACK,
    XB_DS_ATTACK_KINDS,
    XB_DS_ATTACK_EPS,
    XB_DS_ATTACK_CLEAN,
    XB_DS_ATTACK_ACCURACY,
    /* xbar eval -o */
    XB_DS_EVAL,
    XB_DS_EVAL_SIGMA,
    XB_DS_EVAL_T,
    XB_DS_EVAL_ACCURACY,
    XB_DS_EVAL_ACCURACY_VOTE,
    XB_DS_EVAL_SNR,
    XB_DS_EVAL_SNR_LAYERS,
    XB_DS_EVAL_LAYER_SNR,
    XB_DS_EVAL_TILE_LAYERS,
    XB_DS_EVAL_TILE_SNR,
    XB_DS_EVAL_SPIKE_LAYERS,
    XB_DS_EVAL_SPIKE_ACTIVITY,
    XB_DS_EVAL_SPIKE_ENERGY,
    XB_DS_ATTACK_SURROGATES,
    XB_DS_ATTACK_ACCURACY_SURROGATE,
    /* xbar attack --source -o: black-box transfer */
    XB_DS_ATTACK_SOURCE_ACCURACY,
    XB_DS_ATTACK_SIGMA_TEST,
    XB_DS_ATTACK_T_TEST,
    XB_DS_ATTACK_NOISY,
    /* xbar attack on a device -o: per chip */
    XB_DS_ATTACK_CHIP_CLEAN,
    XB_DS_ATTACK_CHIP_ACCURACY,
    /* xbar attack -o with attack.examples */
    XB_DS_ATTACK_EXAMPLES,
    XB_DS_ATTACK_LABELS,
    XB_DS_N
};

struct xb_layout_row {
    enum xb_ds id;
    unsigned kinds;            /* XB_LAYOUT_* bits */
    const char *path;          /* "/models/{point}/params" */
    enum xb_layout_form form;
    enum xb_h5_type type;      /* XB_FORM_ARRAY only */
    int rank;                  /* XB_FORM_ARRAY and XB_FORM_FILES; 0 for scalars, -1 groups
                                * and the /study arrays, whose rank is the study's */
    const char *shape;         /* "[n_train x n_test x n_repeat]"; "" for scalars and groups */
    const char *units;         /* "1" dimensionless; NULL for groups and figures */
    const char *units_add;     /* the units under additive noise when they differ, else NULL */
    const char *description;   /* NULL for groups; for figures, what the group holds */
    const char *when;          /* NULL: in every file of its kinds; else when present */
};

/* The row of id (id < XB_DS_N). */
const struct xb_layout_row *xb_layout_row(enum xb_ds id);

/* 1 if row is an N-dimensional array of the /study view: its stored rank
 * is the study's N (the /study/axis_* datasets) plus row->rank. */
int xb_layout_row_nd(const struct xb_layout_row *row);

/* Longest path a row makes (a {figure} or {parameter} name is at most
 * 63 bytes). */
#define XB_LAYOUT_PATH_MAX 128

/* The path of row id with its braced name filled in: {point} by point,
 * {figure} and {parameter} by name. Into buf[XB_LAYOUT_PATH_MAX]; returns
 * buf. */
const char *xb_layout_path(char *buf, enum xb_ds id, size_t point, const char *name);

/* The row of kind whose path (pattern) matches path ("/models/3/params"
 * matches "/models/{point}/params"), or NULL. */
const struct xb_layout_row *xb_layout_find(unsigned kind, const char *path);

/* "float64", "int32", ..., "string", "{path, size, sha256}", "group",
 * "scalar" (figures): the row's type in words. */
const char *xb_layout_type_name(const struct xb_layout_row *row);

/* The kind of the result file at path: XB_LAYOUT_MVM if it has the /mvm
 * group, XB_LAYOUT_SNRREQ if /snrreq, XB_LAYOUT_ATTACK if /attack,
 * XB_LAYOUT_EVAL if /eval, XB_LAYOUT_SWEEP if /sweep, else 0
 * (also when it is no HDF5 file). */
unsigned xb_layout_kind_of_file(const char *path);

/* ---- writing ------------------------------------------------------------ */

/* Dataset id (XB_FORM_ARRAY) for point: data[dims[0] × ...] of the row's
 * type and rank, with the row's units (units_add when add and the row has
 * them) and description. */
enum xb_status xb_layout_write(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                               size_t point, const void *data, const size_t *dims, int add);

/* Dataset id (XB_FORM_TEXT). */
enum xb_status xb_layout_write_text(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                    const char *text);

/* Figures figs[n] as the datasets of row id (XB_FORM_FIGURE). */
enum xb_status xb_layout_write_figures(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                       const struct xb_figure *figs, size_t n);

/* A string attribute name = value on group id (XB_FORM_GROUP) for point. */
enum xb_status xb_layout_write_attr(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                    size_t point, const char *name, const char *value);

/* ---- reading ------------------------------------------------------------ */

/* Reads dataset id (XB_FORM_ARRAY) for point of the file at path into
 * dst[n] after checking its type class and rank against the row and that
 * it holds n values; with finite, float values must be finite. Errors
 * name the file, the dataset and the row's expectation, then `what` ("not
 * made by this config?"). XB_ENOTFOUND if it is missing. */
enum xb_status xb_layout_read(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                              size_t point, void *dst, size_t n, int finite, const char *what);

/* Reads dataset id (XB_FORM_TEXT) of the file at path into *text (xb_free). */
enum xb_status xb_layout_read_text(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                                   char **text);

/* 1 if the file at path has object id (for point), else 0. */
int xb_layout_exists(const char *path, enum xb_ds id, size_t point);

/* Every group and dataset of the result file at path, one line each:
 * path, type and shape as stored, then the table's units and description
 * ("not in xbar's layout" for an object the table lacks). *text is
 * xb_free'd by the caller. */
enum xb_status xb_layout_list(struct xb_ctx *ctx, const char *path, char **text);

#endif
