/*
 * xb_quant.h — the data converters: DAC at the crossbar rows, ADC at its
 * columns. One uniform quantiser, two codings:
 *
 *   signed   (bipolar, mid-rise): 2^bits levels (k + 1/2) * step for
 *            k = -2^(bits-1) .. 2^(bits-1) - 1, step = 2 range / 2^bits, so
 *            the levels span [-range, range] symmetrically, the mean error
 *            of a symmetric signal is 0, and a full-scale uniform input on
 *            [-range, range] gives the textbook 6.02 * bits dB. Inputs
 *            beyond +-range saturate;
 *   unsigned (unipolar, mid-tread, for non-negative signals such as ReLU
 *            outputs and spikes): levels k * step, k = 0 .. 2^bits - 1,
 *            step = range / (2^bits - 1), so 0 and range are exact.
 *
 * Values beyond the end codes are clipped and counted as saturated; ±inf
 * too. A NaN gives the lowest code (signed: −range + step/2; unsigned: 0)
 * and is not counted (the engine refuses non-finite calibration inputs).
 * bits = 0 means an ideal converter (no quantisation, no clipping).
 * Pure, thread-safe.
 */
#ifndef XB_QUANT_H
#define XB_QUANT_H

#include <stddef.h>

#define XB_QUANT_MAX_BITS 24

struct xb_quant {
    int bits;      /* 0 (ideal) or 1..XB_QUANT_MAX_BITS */
    float range;   /* full scale, in the units of the signal; > 0 unless bits = 0 */
    int is_signed; /* 1: two's complement around 0; 0: [0, range] */
};

/* Distance between adjacent codes (0 for an ideal converter). */
float xb_quant_step(const struct xb_quant *q);

/* Quantises x[0..n) in place; returns how many values were clipped. */
size_t xb_quant_apply(const struct xb_quant *q, float *x, size_t n);

/* Same, writing to y (y may equal x). */
size_t xb_quant_to(const struct xb_quant *q, const float *x, float *y, size_t n);

#endif
