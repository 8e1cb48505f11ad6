/*
 * xb_sweep_layout.h — the reader of a sweep result file (`xbar info`,
 * `xbar plot`), and the names of its attributes. The paths, types, ranks,
 * shapes, units and descriptions of its groups and datasets are rows of
 * the one table of sim/io/xb_layout.c (xb_layout.h; sim/README.md "Result
 * files" prints it), which the writer (sim/study/xb_sweep.c) and this reader
 * both use (ARCHITECTURE.md §8).
 *
 * One HDF5 file per sweep of sigma_train × test axis (paper 001 §3): the
 * root's attributes are the provenance (xb_provenance.h; xb_h5_write_meta);
 * /sweep has the string attributes below; /sweep/sigma_train [n_train],
 * the test axis /sweep/sigma_test [n_test] (test_axis "sigma_test", absent
 * in files older than device sweeps) or /sweep/t_test [n_test] in seconds
 * (test_axis "t", device mode: every model programmed onto n_repeat chip
 * instances and read at each t), /sweep/snr_db [n_test], /sweep/votes
 * [n_votes] (K = 1..K_max), /sweep/accuracy [n_train, n_test, n_repeat],
 * /sweep/accuracy_vote [n_train, n_test, n_votes], /sweep/done [n_train,
 * n_test], /sweep/energy and /sweep/latency_pipelined [n_votes] (optional:
 * files made before they were recorded lack them), /sweep/spike_energy
 * [n_train, n_test, 3] (a spiking model's); /models/{point}/... and
 * /train/{point}/... hold each model,
 * its checkpoint and learning curves (the reader ignores them).
 *
 * Arrays are C order (the last index varies fastest), so accuracy[i, j, r]
 * is element (i * n_test + j) * n_repeat + r. Points not done hold NaN in
 * accuracy and accuracy_vote (the file is rewritten as points finish;
 * --resume skips the done ones).
 *
 * The reader checks everything the layout promises: presence, rank (the
 * table's), shape, type class, sigma >= 0 and finite, votes >= 1 and
 * increasing, done 0 or 1, accuracies in [0, 1] and not NaN where done
 * (snr_db may be any value). Units and descriptions are not required to
 * read a file. Errors (XB_EIO, XB_EFORMAT, XB_ENOTFOUND, XB_ESHAPE,
 * XB_ERANGE, XB_ENUMERIC) name the file, the dataset or attribute, and
 * what was expected. HDF5 is not thread-safe in Debian's build: call from
 * one thread, outside OpenMP regions.
 */
#ifndef XB_SWEEP_LAYOUT_H
#define XB_SWEEP_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

/* Attributes of /sweep (strings). */
#define XB_SWEEP_ATTR_NOISE_MODEL "noise_model"
#define XB_SWEEP_ATTR_DATASET     "dataset"
#define XB_SWEEP_ATTR_MODEL       "model"
#define XB_SWEEP_ATTR_TEST_AXIS   "test_axis"
#define XB_SWEEP_AXIS_SIGMA       "sigma_test"
#define XB_SWEEP_AXIS_T           "t"

/* Attribute of /models/{point} (string, %.17g): its sigma_train. */
#define XB_SWEEP_ATTR_SIGMA_TRAIN "sigma_train"

/* Attributes of / (written by xb_h5_write_meta). */
#define XB_SWEEP_ATTR_XBAR_VERSION "xbar_version"
#define XB_SWEEP_ATTR_GIT_COMMIT   "git_commit"
#define XB_SWEEP_ATTR_CREATED      "created"
#define XB_SWEEP_ATTR_SEED         "seed"
#define XB_SWEEP_ATTR_THREADS      "threads"
#define XB_SWEEP_ATTR_COMMAND_LINE "command_line"

/* Attributes of every dataset (strings). */
#define XB_SWEEP_ATTR_UNITS       "units"
#define XB_SWEEP_ATTR_DESCRIPTION "description"

/* ---- the reader ---------------------------------------------------------- */

/* A sweep file in memory. Strings are never NULL. Arrays are C order as in
 * the file; accuracy_vote and votes are NULL when n_votes is 0. (The name
 * is not xb_sweep_data or xb_sweep: sim/study/xb_sweep.h, the writer, has those.) */
struct xb_sweep_result {
    char *path;           /* the file read */
    /* provenance (root attributes) */
    char *xbar_version;
    char *git_commit;
    char *created;        /* UTC, ISO 8601 */
    uint64_t seed;
    int threads;
    char *command_line;
    char *config;         /* the resolved config text */
    /* /sweep attributes */
    char *noise_model;    /* "add", "mult" or a device preset */
    char *dataset;
    char *model;
    char *test_axis;      /* XB_SWEEP_AXIS_SIGMA or XB_SWEEP_AXIS_T */
    int test_is_t;        /* 1: device mode, the test axis is read time t [s] */
    /* the grid */
    size_t n_train, n_test, n_repeat, n_votes;
    double *sigma_train;   /* [n_train] */
    double *sigma_test;    /* [n_test]: the test axis, sigma_test, or the read times
                              t [s] (t_test) when test_is_t */
    double *snr_db;        /* [n_test], dB; +inf at sigma 0, NaN if not known */
    int32_t *votes;        /* [n_votes] */
    double *accuracy;      /* [n_train][n_test][n_repeat], fraction */
    double *accuracy_vote; /* [n_train][n_test][n_votes], fraction */
    uint8_t *done;         /* [n_train][n_test], 0 or 1 */
    /* Per inference by votes[k] votes (models/eval/xb_cost.h): energy [J] and
     * pipelined latency [s], finite and >= 0; NULL in a file made before they
     * were recorded, or without voting. */
    double *energy, *latency;
    /* A spiking model's energy per inference (one vote) at each point's
     * measured activity [n_train][n_test][3]: on the crossbars, paper 002
     * eqs. 7-8's digital SNN, the same net as a digital ANN [J]; NaN where
     * not done; NULL for other models and older files. energy above prices
     * the same model at full activity. */
    double *spike_energy;
};

/* Reads and checks the sweep file at path into *r (zeroed first; on error
 * *r holds nothing, and xb_sweep_result_free on it is harmless).
 * n_train, n_test and n_repeat are at least 1; n_votes may be 0 (no
 * voting). The result owns its memory; free it with xb_sweep_result_free. */
enum xb_status xb_sweep_read(struct xb_ctx *ctx, const char *path, struct xb_sweep_result *r);

/* 1 if path holds a model of `xbar train`: the sweep layout with one
 * sigma_train and an empty test axis (no tables to show), else 0. */
int xb_sweep_is_model(const char *path);

/* Frees what xb_sweep_read allocated and zeroes *r. Accepts NULL and a
 * zeroed struct. */
void xb_sweep_result_free(struct xb_sweep_result *r);

/* accuracy[i, j, rep], accuracy_vote[i, j, k] and done[i, j]. */
static inline double xb_sweep_result_acc(const struct xb_sweep_result *r, size_t i, size_t j,
                                         size_t rep)
{
    return r->accuracy[(i * r->n_test + j) * r->n_repeat + rep];
}
static inline double xb_sweep_result_acc_vote(const struct xb_sweep_result *r, size_t i,
                                              size_t j, size_t k)
{
    return r->accuracy_vote[(i * r->n_test + j) * r->n_votes + k];
}
static inline int xb_sweep_result_done(const struct xb_sweep_result *r, size_t i, size_t j)
{
    return r->done[i * r->n_test + j] != 0;
}

#endif
