/*
 * xb_items.h — the fixed work items every matrix product is cut into, and
 * the one OpenMP loop that runs them (ARCHITECTURE.md §7).
 *
 * Bit-identity for any thread count rests on two things: every item is one
 * single-threaded xb_sgemm (devices/engine/xb_sgemm.h), and the items are fixed by
 * the shapes of the product alone, never by the thread count. This module
 * owns the second half for the whole program — the item shapes, the loop
 * over them and its OpenMP schedule — so the crossbar engine
 * (devices/engine/xb_xbar.c) and the layers' digital products (models/layers/xb_gemm.c)
 * cannot drift apart: a layer on the ideal device and its exact GEMM give
 * the same bits because both cut Y = X Wᵀ with xb_items_xwt.
 *
 * An item is a block of the product's OUTPUT: rows [r0, r0 + m) × columns
 * [c0, c0 + w). Every output element belongs to exactly one item, so it is
 * summed by one thread, in one order.
 *
 * Pure: no state, no allocation; thread-safe.
 */
#ifndef XB_ITEMS_H
#define XB_ITEMS_H

#include <stddef.h>

/* Why fixed: OpenBLAS's sums depend in the last bits on the shape of a
 * call (measured with 0.3.21: rows of a 17-row call differ from the same
 * rows alone; splitting N into blocks changes small-M results), so a cut
 * that followed the thread count would change the numbers. Forward and dX
 * items: 256 rows × 128 columns keep one call near full speed (~105
 * GFLOP/s on one SkylakeX core with OpenBLAS, against ~113 for 256 × 256
 * and ~85 for 64 × 256) while a batch of 256 still gives two threads work.
 * Bias sums (xb_items_db) take 64 columns per item. */
#define XB_ITEMS_ROWS 256
#define XB_ITEMS_COLS 128
#define XB_ITEMS_DB_COLS 64

/* One item: output rows [r0, r0 + m) × columns [c0, c0 + w), the columns
 * inside span number `span` (columns [span · g.span, (span + 1) · g.span)). */
struct xb_item {
    size_t r0, m, c0, w, span;
};

/* A product's rows × cols output cut into a grid of items. Rows go in
 * blocks of row_block (the last takes what is left). Columns are first cut
 * at every multiple of span (a tile edge of the engine; span = cols when
 * there is none), then each span into blocks of col_block (the last of a
 * span takes what is left). Item k is row block k / n_cb, column block
 * k % n_cb, column blocks in order across the spans. Plain data. */
struct xb_items {
    size_t rows, cols;
    size_t row_block, span, col_block;
    size_t n_rb, n_cb; /* row blocks; column blocks over all spans */
    size_t n;          /* items, n_rb · n_cb */
};

/* The grid of the parameters above; row_block, span and col_block >= 1
 * (XB_ASSERT) unless rows or cols is 0 (then n = 0). */
struct xb_items xb_items_grid(size_t rows, size_t row_block, size_t cols, size_t span,
                              size_t col_block);

/* Y[rows × out] = X Wᵀ: XB_ITEMS_ROWS × XB_ITEMS_COLS, columns restarting
 * at every multiple of span (the engine's output tile width; out for a
 * digital product). */
struct xb_items xb_items_xwt(size_t rows, size_t out, size_t span);

/* dX[rows × in] = dY W: XB_ITEMS_ROWS rows × ceil(in / 128) near-equal
 * column blocks of a multiple of 16 (156 inputs give 80 + 76, not
 * 128 + 28, so two threads share the work evenly). */
struct xb_items xb_items_dx(size_t rows, size_t in);

/* dW[out × in] = dYᵀ X, each item reducing over all rows of the batch (a
 * reduction is never split): blocks as large as 128 outputs × 512 inputs
 * (64 × 256 ran at half the sgemm rate: packing dominates a K = 128
 * reduction), halved, the larger side first, until there are at least 4
 * items or the blocks reach 16 × 64; each side cut into near-equal blocks
 * of a multiple of 16. */
struct xb_items xb_items_dw(size_t out, size_t in);

/* db[out] = column sums of dY: one row of XB_ITEMS_DB_COLS-column items. */
struct xb_items xb_items_db(size_t out);

/* Item k < g->n of the grid (XB_ASSERT). */
struct xb_item xb_items_at(const struct xb_items *g, size_t k);

/* How items are dealt to threads: BLOCKED gives each thread a contiguous
 * run (schedule(static)); DEALT deals them round-robin (schedule(static,
 * 1)), for a loop whose costly items come first (dW blocks before bias
 * sums). Which thread runs an item never changes its numbers. */
enum xb_items_order { XB_ITEMS_BLOCKED = 0, XB_ITEMS_DEALT = 1 };

/* Runs fn(arg, k, thread) for every k in [0, n) in one OpenMP region of
 * `threads` threads (<= 0: xb_omp_max_threads()); thread is the caller's
 * number in the team, < threads, for per-thread scratch. fn must compute
 * item k and nothing else, touch only its item's outputs and its thread's
 * scratch, and neither print nor report errors. A function pointer rather
 * than a loop at each call site because the region, its clauses and its
 * schedule are the part that must be the same everywhere; the call costs
 * nothing beside an item's GEMM. Called from inside an active region (a
 * sweep evaluating its points in parallel) the region is nested and, under
 * OpenMP's default of one active level, runs as a team of one. */
typedef void xb_item_fn(void *arg, size_t k, int thread);
void xb_items_run(size_t n, enum xb_items_order order, int threads, xb_item_fn *fn, void *arg);

#endif
