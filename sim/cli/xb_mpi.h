/*
 * xb_mpi.h — `xbar sweep` and `xbar run` over MPI ranks (issue 13 item 1):
 * `mpirun -np N xbar sweep CONFIG` or `srun -n N xbar sweep CONFIG`
 * (sim/README.md, "Sweeps over MPI").
 *
 * Rank 0 coordinates and writes: it holds the sweep that --resume reads
 * and xb_sweep_save writes (one writer, crash-safe as in one process), and
 * hands out units of work (xb_sweep.h: an epoch of a training point, or
 * one evaluation point) to every rank as it asks, so that costly training
 * units and cheap evaluations balance themselves. Each rank, rank 0's own
 * worker thread included, holds a sweep of the same experiment and data,
 * runs the units it is given with its OpenMP threads and sends back what
 * they computed; rank 0 copies it into its sweep. Every number is fixed
 * by its grid point and the state the unit starts from, so the file holds
 * the bits of the one-process run for any rank count.
 *
 * Built with MPI (make MPI=1, the default where mpicc is found) from
 * xb_sweep_mpi.c; without it from xb_sweep_mpi_none.c, where a launch over
 * several ranks is refused.
 */
#ifndef XB_MPI_H
#define XB_MPI_H

#include "xb_ctx.h"
#include "xb_progress.h"

struct xb_sweep;

/* The ranks a launcher (mpirun, srun) started this process among, read
 * from its environment before MPI starts: 1 when none did. */
int xb_mpi_launched(void);

/* The MPI launcher's name for messages: "mpirun" or "srun". */
const char *xb_mpi_launcher(void);

/* Starts MPI (XB_EINVAL naming the rank count if xbar was built without
 * it); xb_mpi_end stops it. Call once each, around a whole command. */
enum xb_status xb_mpi_begin(struct xb_ctx *ctx);
void xb_mpi_end(void);

/* This process's rank and the rank count: 0 and 1 when MPI is not
 * running. */
int xb_mpi_rank(void);
int xb_mpi_size(void);

/* Every rank says whether it is ready (ok) before the sweep's work
 * starts; XB_EINVAL unless all are, so that one rank's bad input stops
 * them all (its own message says why). echo (may be NULL) is set to 1 on a
 * rank > 0 that failed with rank 0's message word for word — every rank
 * reads the same config and data, so the same bad input would otherwise be
 * printed once per rank — else 0. */
enum xb_status xb_mpi_agree(struct xb_ctx *ctx, int ok, int *echo);

/* Rank 0: hands out the units of s until it is done, each result copied
 * into s and saved crash-safely (xb_sweep_save); local is a second sweep of
 * the same experiment that this rank's own worker thread runs units on
 * (NULL: rank 0 only coordinates). The progress bar is updated. On error
 * (a rank's unit failed, a save failed) every rank is stopped and the
 * message names the rank. */
enum xb_status xb_mpi_sweep_serve(struct xb_ctx *ctx, struct xb_sweep *s,
                                  struct xb_sweep *local, struct xb_progress *bar);

/* Ranks above 0: runs the units rank 0 hands out on s until it says stop. */
enum xb_status xb_mpi_sweep_work(struct xb_ctx *ctx, struct xb_sweep *s);

#endif
