/* A device study's costs (issue 10, Performance): its steady-state MVM
 * throughput against sgemm and its per-point overhead. */
#ifndef BENCH_STUDY_H
#define BENCH_STUDY_H

#include "xb_ctx.h"

/* Prints its section; returns the steady-state ratio (sgemm time over the
 * device MVM's, one thread), NAN if the engine could not be set up. */
double bench_study(struct xb_ctx *ctx);

#endif
