/*
 * xb_sweep.h — the sigma_train × sigma_test sweep of paper 001: one model
 * trained per sigma_train, each evaluated at every sigma_test with R
 * repeats and majority voting over up to K votes, written to one HDF5 file
 * (layout in sim/io/xb_sweep_layout.h and ARCHITECTURE.md §8).
 *
 * Driven by the caller, one step at a time (init / step / test):
 *   xb_sweep_create     validates, allocates, and with resume reads an
 *                       existing result file made by the same config;
 *   xb_sweep_step       does the next unit of work for up to `threads`
 *                       models at once, one per thread (an epoch of
 *                       training or one sigma_test evaluation);
 *   xb_sweep_save       rewrites the result file crash-safely (temporary
 *                       file, fsync, rename);
 *   xb_sweep_progress   units done of total.
 * Grid points are independent and every computation inside one is fixed
 * by its addresses, so the numbers are bit-identical for any thread count
 * and after any interruption resumed with --resume: the model state saved
 * each epoch (parameters, Adam moments, step count) is exactly what an
 * uninterrupted run holds at that point.
 */
#ifndef XB_SWEEP_H
#define XB_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "xb_data_files.h"
#include "xb_experiment.h"

/* One split of a data set: X[n × features] in [0, 1], labels y[n]. */
struct xb_split {
    const float *X;
    const uint8_t *y;
    size_t n;
};

struct xb_sweep_data {
    struct xb_split train, val, test;
    const struct xb_data_files *files; /* the data files they were read from (written
                                        * into the result file, compared by --resume);
                                        * NULL: none (generated data) */
    /* The overrides the experiment was read with: a study (xb_study_grid.h)
     * reads each point's experiment from e->path with them, one at a time. */
    const char *const *sets;
    size_t n_sets;
};

struct xb_sweep;

/* The experiment and the data must outlive the sweep. command_line is
 * written into the file. resume: continue from e->output if it exists; an
 * error (XB_EINVAL, one line naming the difference) if it was made by
 * another config, under another BLAS kernel (unless the file and ctx are
 * both portable) or from other data files (xb_provenance_check_resume). */
enum xb_status xb_sweep_create(struct xb_ctx *ctx, const struct xb_experiment *e,
                               const struct xb_sweep_data *data, const char *command_line,
                               int resume, struct xb_sweep **out);
void xb_sweep_free(struct xb_sweep *s);

/* 1 if work remains. */
int xb_sweep_pending(const struct xb_sweep *s);

/* The next unit of work for up to `threads` points in parallel (threads
 * <= 0: omp_get_max_threads()). */
enum xb_status xb_sweep_step(struct xb_ctx *ctx, struct xb_sweep *s, int threads);

enum xb_status xb_sweep_save(struct xb_ctx *ctx, struct xb_sweep *s);

void xb_sweep_progress(const struct xb_sweep *s, size_t *done, size_t *total);

#endif
