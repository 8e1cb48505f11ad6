/*
 * xb_sweep_layout.h — the layout of a sweep result file (ARCHITECTURE.md §8),
 * as a contract between the writer (`xbar sweep`, `xbar run`) and the
 * readers (`xbar info`, `xbar plot`, h5py, MATLAB), and the reader.
 *
 * One HDF5 file per sweep of σ_train × σ_test (paper 001 §3):
 *
 *   /                       attributes: xbar_version, git_commit, created
 *                           (strings), seed (uint64), threads (int32),
 *                           command_line (string), and the rest of the
 *                           provenance (portable, blas_kernel, ...: the
 *                           table of sim/io/xb_provenance.c) — xb_h5_write_meta
 *   /data_files             {path, size, sha256} per data file read
 *                           (xb_provenance.h); not read by xb_sweep_read
 *   /config                 scalar string: the resolved config text
 *   /sweep                  group; string attributes noise_model ("add" |
 *                           "mult" | a device preset name), dataset, model,
 *                           test_axis ("sigma_test" | "t"; absent in files
 *                           older than device sweeps: "sigma_test")
 *   /sweep/sigma_train      float64 [n_train]   σ of the noise injected in
 *                           training (relative to the signal for mult)
 *   /sweep/sigma_test       float64 [n_test]    σ of the inference noise
 *                           (test_axis "sigma_test" only)
 *   /sweep/t_test           float64 [n_test]    read times after programming,
 *                           s (test_axis "t", device mode, instead of
 *                           sigma_test: every model programmed onto
 *                           n_repeat chip instances and read at each t)
 *   /sweep/snr_db           float64 [n_test]    SNR of each σ_test in dB:
 *                           mult -20 log10 σ_test (+inf at σ_test = 0),
 *                           add the measured SNR, NaN where not known
 *                           (always NaN in device mode)
 *   /sweep/votes            int32   [n_votes]   K = 1..K_max, increasing
 *   /sweep/accuracy         float64 [n_train, n_test, n_repeat]  without
 *                           voting, each repeat an independent noisy
 *                           evaluation; fraction in [0, 1]
 *   /sweep/accuracy_vote    float64 [n_train, n_test, n_votes]   majority of
 *                           votes[k] noisy inferences; fraction in [0, 1]
 *   /sweep/done             uint8   [n_train, n_test]  1 = point complete
 *
 * Arrays are C order (the last index varies fastest), so accuracy[i, j, r]
 * is element (i * n_test + j) * n_repeat + r. Every dataset carries string
 * attributes `units` and `description` (XB_SWEEP_*_UNITS and _DESC below).
 * Points not done hold NaN in accuracy and accuracy_vote (the file is
 * rewritten as points finish; --resume skips the done ones). Other groups
 * (/train/<point>/..., /models/<point>/...) may be present; the reader
 * ignores them. Names are absolute paths, usable with H5Dopen2 as they are.
 *
 * The reader checks everything the layout promises: presence, rank,
 * shape, type class, σ ≥ 0 and finite, votes ≥ 1 and increasing, done 0
 * or 1, accuracies in [0, 1] and not NaN where done (snr_db may be any
 * value). Units and descriptions are
 * not required to read a file. Errors (XB_EIO, XB_EFORMAT, XB_ENOTFOUND,
 * XB_ESHAPE, XB_ERANGE, XB_ENUMERIC) name the file, the dataset or
 * attribute, and what was expected. HDF5 is not thread-safe in Debian's
 * build: call from one thread, outside OpenMP regions.
 */
#ifndef XB_SWEEP_LAYOUT_H
#define XB_SWEEP_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

/* ---- names -------------------------------------------------------------- */

#define XB_SWEEP_CONFIG        "/config"
#define XB_SWEEP_GROUP         "/sweep"
#define XB_SWEEP_SIGMA_TRAIN   "/sweep/sigma_train"
#define XB_SWEEP_SIGMA_TEST    "/sweep/sigma_test"
#define XB_SWEEP_T_TEST        "/sweep/t_test"
#define XB_SWEEP_SNR_DB        "/sweep/snr_db"
#define XB_SWEEP_VOTES         "/sweep/votes"
#define XB_SWEEP_ACCURACY      "/sweep/accuracy"
#define XB_SWEEP_ACCURACY_VOTE "/sweep/accuracy_vote"
#define XB_SWEEP_DONE          "/sweep/done"

/* Attributes of /sweep (strings). */
#define XB_SWEEP_ATTR_NOISE_MODEL "noise_model"
#define XB_SWEEP_ATTR_DATASET     "dataset"
#define XB_SWEEP_ATTR_MODEL       "model"
#define XB_SWEEP_ATTR_TEST_AXIS   "test_axis"
#define XB_SWEEP_AXIS_SIGMA       "sigma_test"
#define XB_SWEEP_AXIS_T           "t"

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

/* Units and descriptions every writer uses, so files agree. "1" is
 * dimensionless. */
#define XB_SWEEP_CONFIG_UNITS        ""
#define XB_SWEEP_CONFIG_DESC         "the resolved configuration (libconfig text) the sweep ran"
/* sigma_train and sigma_test: relative (dimensionless) for mult and the
 * device presets, in the units of the layer outputs for add. */
#define XB_SWEEP_SIGMA_UNITS_MULT    "1"
#define XB_SWEEP_SIGMA_UNITS_ADD     "activation units"
#define XB_SWEEP_SIGMA_TRAIN_DESC    "std of the noise injected in training (relative to the " \
                                     "signal for mult, absolute for add)"
#define XB_SWEEP_SIGMA_TEST_DESC     "std of the inference noise (relative to the signal for " \
                                     "mult, absolute for add)"
#define XB_SWEEP_SNR_DB_UNITS        "dB"
#define XB_SWEEP_SNR_DB_DESC         "signal-to-noise ratio at each sigma_test: -20 log10 " \
                                     "sigma_test for mult (+inf at 0), measured for add " \
                                     "(NaN where not known)"
#define XB_SWEEP_VOTES_UNITS         "1"
#define XB_SWEEP_VOTES_DESC          "numbers of noisy inferences K in the majority vote, 1..K_max"
#define XB_SWEEP_ACCURACY_UNITS      "1"
#define XB_SWEEP_ACCURACY_DESC       "test accuracy without voting [sigma_train, sigma_test, " \
                                     "repeat], fraction in [0, 1]; NaN where not done"
#define XB_SWEEP_ACCURACY_VOTE_UNITS "1"
#define XB_SWEEP_ACCURACY_VOTE_DESC  "test accuracy of the majority of K noisy inferences " \
                                     "[sigma_train, sigma_test, K], fraction in [0, 1]; NaN " \
                                     "where not done"
#define XB_SWEEP_DONE_UNITS          "1"
#define XB_SWEEP_DONE_DESC           "1 where the point [sigma_train, sigma_test] is complete"

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
    char *config;         /* /config */
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
                              t [s] from /sweep/t_test when test_is_t */
    double *snr_db;        /* [n_test], dB; +inf at sigma 0, NaN if not known */
    int32_t *votes;        /* [n_votes] */
    double *accuracy;      /* [n_train][n_test][n_repeat], fraction */
    double *accuracy_vote; /* [n_train][n_test][n_votes], fraction */
    uint8_t *done;         /* [n_train][n_test], 0 or 1 */
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
