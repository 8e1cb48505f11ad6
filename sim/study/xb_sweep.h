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

/* ---- units of work, for a runner that spreads them over processes ------
 * (sim/cli/xb_sweep_mpi.c). A unit is an epoch of training point `point`
 * (test = XB_SWEEP_EPOCH) or the evaluation of trained point `point` at
 * test point `test`. Everything a unit computes is fixed by its addresses
 * and the point state it starts from, so a process holding its own sweep
 * of the same experiment and data, given that state, computes the same
 * bits as the one-process run: the coordinator packs the state
 * (xb_sweep_unit_pack, result 0), a worker unpacks it, runs the unit
 * (xb_sweep_run_units) and packs what it computed (result 1), which the
 * coordinator unpacks into its own sweep, counting the unit done. */
#define XB_SWEEP_EPOCH ((size_t)-1)
#define XB_SWEEP_MAX_UNITS 64 /* units run at once, one per thread */

struct xb_sweep_unit {
    size_t point, test;
};

/* Runs n <= XB_SWEEP_MAX_UNITS units of distinct points at once, one per
 * thread (one unit: all threads), as xb_sweep_step does; an evaluation
 * unit's point must be trained. */
enum xb_status xb_sweep_run_units(struct xb_ctx *ctx, struct xb_sweep *s,
                                  const struct xb_sweep_unit *u, int n);

/* busy[] flags of xb_sweep_unit_slots(s) units, indexed by xb_sweep_unit_id. */
size_t xb_sweep_unit_slots(const struct xb_sweep *s);
size_t xb_sweep_unit_id(const struct xb_sweep *s, const struct xb_sweep_unit *u);

/* Up to max units that can run now and are not busy, into out: the next
 * epoch of every point still training first (the costly units, which
 * gate the evaluations), the least trained points first, then the
 * evaluations of trained points not done, in grid order. Returns their
 * count. */
size_t xb_sweep_ready(const struct xb_sweep *s, const uint8_t *busy, struct xb_sweep_unit *out,
                      size_t max);

/* The bytes of the point state unit u starts from (result 0), or of what
 * it computed (result 1). pack writes them from s; unpack reads them into
 * s, and with result 1 counts u done (an epoch more, or the evaluation
 * cell done). For result 1, pack after running u on s, unpack on the sweep
 * that packed its state. */
size_t xb_sweep_unit_bytes(const struct xb_sweep *s, const struct xb_sweep_unit *u, int result);
void xb_sweep_unit_pack(const struct xb_sweep *s, const struct xb_sweep_unit *u, int result,
                        void *buf);
void xb_sweep_unit_unpack(struct xb_sweep *s, const struct xb_sweep_unit *u, int result,
                          const void *buf);

#endif
