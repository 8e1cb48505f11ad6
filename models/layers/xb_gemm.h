/*
 * xb_gemm.h — the digital products of the layers (the exact GEMM of the
 * current weights in training and abstract-noise evaluation, and every
 * backward product), bit-identical for any thread count.
 *
 * OpenBLAS's sums depend in the last bits on the shape of a call and on its
 * thread count (devices/engine/xb_sgemm.h), so each product is cut into the work
 * items of devices/engine/xb_items.h, fixed by the shapes alone, and each item is
 * one single-threaded xb_sgemm; impl chooses OpenBLAS or the portable
 * fixed-order product. Reductions over rows (dW, db) are never split over
 * rows: every output element is summed by one call in one order.
 *
 * Row-major float32, Y = X Wᵀ convention (W is [out × in]). Each function
 * opens one OpenMP region (xb_items_run) and must not be called from inside
 * an active one.
 */
#ifndef XB_GEMM_H
#define XB_GEMM_H

#include <stddef.h>

#include "xb_sgemm.h"

/* Y[rows × out] = X[rows × in] Wᵀ (+ bias[out] if not NULL). The items of
 * xb_items_xwt, as the engine's ideal path (devices/engine/xb_xbar.c), so a layer
 * programmed on the ideal device gives the same numbers. */
void xb_gemm_xwt(enum xb_gemm_impl impl, const float *X, const float *W, const float *bias,
                 float *Y, size_t rows, size_t out, size_t in);

/* dW[out × in] += dYᵀ X for dY[rows × out], X[rows × in]; and, if db is not
 * NULL, db[out] += the column sums of dY (accumulated in double, rows in
 * order). Items are xb_items_dw's blocks of dW, fixed by (out, in), each
 * reducing over all rows in one call, then xb_items_db's bias columns. */
void xb_gemm_dw(enum xb_gemm_impl impl, const float *dY, const float *X, float *dW, float *db,
                size_t rows, size_t out, size_t in);

/* dX[rows × in] = dY[rows × out] W (overwrites dX). The items of
 * xb_items_dx: 256 rows × near-equal column blocks of at most 128 (rounded
 * up to 16). */
void xb_gemm_dx(enum xb_gemm_impl impl, const float *dY, const float *W, float *dX, size_t rows,
                size_t out, size_t in);

#endif
