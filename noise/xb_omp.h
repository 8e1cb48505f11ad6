/*
 * xb_omp.h — the OpenMP runtime queries xbar makes, in one place, so that a
 * build without OpenMP (make OPENMP=0) needs no #ifdef anywhere else: there
 * every answer is that of a team of one.
 *
 * Results never depend on these numbers: work items are fixed by the
 * shapes (ARCHITECTURE.md §7, devices/engine/xb_items.h); the thread count only
 * sizes per-thread scratch and the teams that run the items.
 *
 * Thread-safe: queries and settings of the calling task's ICVs only.
 */
#ifndef XB_OMP_H
#define XB_OMP_H

/* Threads a parallel region opened here would get: omp_get_max_threads(),
 * 1 without OpenMP. Inside an active region it is the ICV of this task
 * (what a nested region would ask for), not the team's size. */
int xb_omp_max_threads(void);

/* The calling thread's number in its team (0 .. team size - 1); 0 outside
 * a region or without OpenMP. */
int xb_omp_thread_num(void);

/* 1 inside an active parallel region (a team of more than one), else 0 —
 * also in a nested region that runs as a team of one. */
int xb_omp_in_parallel(void);

/* Sets this task's thread count for regions opened from here on
 * (omp_set_num_threads; n >= 1). No effect without OpenMP. */
void xb_omp_set_threads(int n);

/* Threads for a region whose threads index per-thread scratch made for
 * `slots` threads: min(xb_omp_max_threads(), slots), so a runtime that grew
 * its thread count after the scratch was made cannot index past it. */
int xb_omp_threads_for(int slots);

#endif
