/*
 * xb_act.h — the sigmoid and tanh of arrays, vectorised (the LSTM gates).
 *
 * glibc's scalar expf/tanhf took a third of LSTM training time; these are
 * Cephes-style polynomial kernels (range reduction to |r| <= ln2/2 and a
 * degree-6 polynomial for exp; an odd polynomial for tanh below 0.625)
 * written so the compiler vectorises them under standard flags. Basic IEEE
 * operations only and no contraction (ISO C mode), so every vector width
 * and the scalar tail give the same bits: results do not depend on the
 * machine, the thread count or where an array starts.
 *
 * Accuracy against double-precision references (tests/models/test_act.c): tanh
 * within 3e-7 relative (|x| < 0.625) and 2e-7 absolute; sigmoid within
 * 2e-7 absolute and 1e-6 relative where sigmoid > 1e-30. Inputs beyond
 * ±88 saturate (exp is clamped), NaN stays NaN.
 */
#ifndef XB_ACT_H
#define XB_ACT_H

#include <stddef.h>

/* y[i] = 1 / (1 + e^-x[i]); y may equal x. */
void xb_sigmoid(const float *x, float *y, size_t n);

/* y[i] = tanh(x[i]); y may equal x. */
void xb_tanh(const float *x, float *y, size_t n);

#endif
