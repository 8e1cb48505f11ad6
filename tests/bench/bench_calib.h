/* Converter calibration's share of `xbar mvm` (issue 9's figure). */
#ifndef BENCH_CALIB_H
#define BENCH_CALIB_H

#include "xb_ctx.h"

/* Prints its section; returns calibration's time over the whole study run
 * (xb_mvm_run) at batch 25,600, 256 x 784, 8-bit DAC and ADC, max range,
 * the CLI's default calibration read; NAN if the study could not run. */
double bench_calib(struct xb_ctx *ctx);

#endif
