/*
 * test_items.c — the fixed work items of devices/engine/xb_items.h, on which the
 * bit-identity of every product rests (ARCHITECTURE.md §7):
 *
 *   - every grid is a partition of its output: each element in exactly one
 *     item, no item across a span (tile) edge or larger than its blocks;
 *   - the decompositions as documented, by hand from the rules (these
 *     shapes are part of every stored result: another cut sums in another
 *     order);
 *   - the runner runs each item once, on a thread below the team size, in
 *     the documented order of dealing.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "xb_items.h"

/* Every element of g's rows × cols in exactly one item, each item inside
 * one span and its blocks. */
static void check_partition(const struct xb_items *g)
{
    unsigned char *hit = calloc(g->rows * g->cols + 1, 1);
    cr_assert_eq(g->n, g->n_rb * g->n_cb);
    for (size_t k = 0; k < g->n; k++) {
        const struct xb_item it = xb_items_at(g, k);
        cr_assert(it.m >= 1 && it.m <= g->row_block && it.r0 + it.m <= g->rows,
                  "%zu x %zu: item %zu rows [%zu, +%zu)", g->rows, g->cols, k, it.r0, it.m);
        cr_assert(it.w >= 1 && it.w <= g->col_block && it.c0 + it.w <= g->cols,
                  "%zu x %zu: item %zu columns [%zu, +%zu)", g->rows, g->cols, k, it.c0, it.w);
        cr_assert(it.c0 / g->span == it.span && (it.c0 + it.w - 1) / g->span == it.span,
                  "%zu x %zu span %zu: item %zu columns [%zu, +%zu) cross a span edge",
                  g->rows, g->cols, g->span, k, it.c0, it.w);
        for (size_t r = it.r0; r < it.r0 + it.m; r++)
            for (size_t c = it.c0; c < it.c0 + it.w; c++)
                hit[r * g->cols + c]++;
    }
    for (size_t e = 0; e < g->rows * g->cols; e++)
        cr_assert_eq(hit[e], 1, "%zu x %zu span %zu: element (%zu, %zu) in %d items", g->rows,
                     g->cols, g->span, e / g->cols, e % g->cols, hit[e]);
    free(hit);
}

Test(items, every_grid_is_a_partition)
{
    const size_t rows[] = {1, 17, 255, 256, 257, 600};
    const size_t cols[] = {1, 10, 128, 129, 156, 300, 784};
    for (size_t a = 0; a < sizeof rows / sizeof *rows; a++) {
        for (size_t b = 0; b < sizeof cols / sizeof *cols; b++) {
            const size_t spans[] = {cols[b], 1, 64, 70, 100, 128, 200, 256};
            for (size_t s = 0; s < sizeof spans / sizeof *spans; s++) {
                struct xb_items g = xb_items_xwt(rows[a], cols[b], spans[s]);
                check_partition(&g);
            }
            struct xb_items g = xb_items_dx(rows[a], cols[b]);
            check_partition(&g);
            g = xb_items_dw(rows[a], cols[b]);
            check_partition(&g);
        }
        struct xb_items g = xb_items_db(rows[a]);
        check_partition(&g);
    }
    struct xb_items g = xb_items_xwt(0, 10, 10);
    cr_assert_eq(g.n, 0);
    g = xb_items_xwt(10, 0, 1);
    cr_assert_eq(g.n, 0);
}

/* The column blocks of row block 0, as (c0, w) pairs, and the row blocks. */
static void expect_cols(const struct xb_items *g, size_t n_cb, const size_t *cw)
{
    cr_assert_eq(g->n_cb, n_cb, "%zu column blocks, expected %zu", g->n_cb, n_cb);
    for (size_t j = 0; j < n_cb; j++) {
        const struct xb_item it = xb_items_at(g, j);
        cr_assert(it.c0 == cw[2 * j] && it.w == cw[2 * j + 1],
                  "column block %zu: [%zu, +%zu), expected [%zu, +%zu)", j, it.c0, it.w,
                  cw[2 * j], cw[2 * j + 1]);
    }
}

Test(items, documented_decompositions)
{
    /* Y = X Wᵀ, 600 rows × 300 outputs, no tiles: rows 256 + 256 + 88,
     * columns 128 + 128 + 44; item 4 is row block 1, column block 1. */
    struct xb_items g = xb_items_xwt(600, 300, 300);
    expect_cols(&g, 3, (const size_t[]){0, 128, 128, 128, 256, 44});
    cr_assert_eq(g.n_rb, 3);
    struct xb_item it = xb_items_at(&g, 4);
    cr_assert(it.r0 == 256 && it.m == 256 && it.c0 == 128 && it.w == 128);
    it = xb_items_at(&g, 8);
    cr_assert(it.r0 == 512 && it.m == 88 && it.c0 == 256 && it.w == 44);
    /* The engine's tiles of 200 outputs: 128 + 72 in the first, 100 in the
     * second; of 70: one block per tile, the last 20 wide. */
    g = xb_items_xwt(10, 300, 200);
    expect_cols(&g, 3, (const size_t[]){0, 128, 128, 72, 200, 100});
    cr_assert_eq(xb_items_at(&g, 2).span, 1);
    g = xb_items_xwt(10, 300, 70);
    expect_cols(&g, 5, (const size_t[]){0, 70, 70, 70, 140, 70, 210, 70, 280, 20});
    /* dX: 156 inputs in ceil(156 / 128) = 2 near-equal blocks of a multiple
     * of 16: 78 -> 80, then 76; 784 in 7 blocks of 112. */
    g = xb_items_dx(300, 156);
    expect_cols(&g, 2, (const size_t[]){0, 80, 80, 76});
    cr_assert(g.n_rb == 2 && g.row_block == 256);
    g = xb_items_dx(32, 784);
    cr_assert(g.n_cb == 7 && g.col_block == 112);
    /* dW of a 784 -> 10 dense layer: 16 × 512 blocks give 1 × 2 items, so
     * the input side halves (512 / 4 >= 128): 4 blocks of 196 -> 208, the
     * last 160; 4 items, done. */
    g = xb_items_dw(10, 784);
    cr_assert(g.n_rb == 1 && g.row_block == 16, "dW rows: %zu of %zu", g.n_rb, g.row_block);
    expect_cols(&g, 4, (const size_t[]){0, 208, 208, 208, 416, 208, 624, 160});
    /* 784 -> 256: 128 × 400 blocks, already 2 × 2 items. */
    g = xb_items_dw(256, 784);
    cr_assert(g.n_rb == 2 && g.row_block == 128);
    expect_cols(&g, 2, (const size_t[]){0, 400, 400, 384});
    /* A tiny layer stops at 16 × 64 blocks: one item. */
    g = xb_items_dw(16, 32);
    cr_assert(g.n == 1 && g.row_block == 16 && g.col_block == 32);
    /* Bias sums in 64 columns. */
    g = xb_items_db(300);
    expect_cols(&g, 5, (const size_t[]){0, 64, 64, 64, 128, 64, 192, 64, 256, 44});
}

struct count_job {
    int *count, *thread;
    int threads;
};

static void count_item(void *arg, size_t k, int thread)
{
    struct count_job *j = arg;
    j->count[k]++; /* item k is run by one thread only: no race */
    j->thread[k] = thread;
}

/* BLOCKED gives each thread one contiguous run, DEALT deals round-robin
 * (item k to thread k % 2); either way every item runs once. */
Test(items, run_covers_each_item_once)
{
    enum { N = 1001 };
    static int count[N], thread[N];
    for (int order = 0; order < 2; order++) {
        for (int k = 0; k < N; k++)
            count[k] = 0, thread[k] = -1;
        struct count_job j = {count, thread, 2};
        xb_items_run(N, (enum xb_items_order)order, 2, count_item, &j);
        for (int k = 0; k < N; k++) {
            cr_assert_eq(count[k], 1, "order %d: item %d ran %d times", order, k, count[k]);
            cr_assert(thread[k] == 0 || thread[k] == 1, "item %d on thread %d", k, thread[k]);
            if (order == XB_ITEMS_DEALT)
                cr_assert_eq(thread[k], k % 2, "dealt item %d on thread %d", k, thread[k]);
            else if (k > 0)
                cr_assert_geq(thread[k], thread[k - 1], "blocked items %d, %d", k - 1, k);
        }
    }
    xb_items_run(0, XB_ITEMS_BLOCKED, 2, count_item, NULL); /* nothing to run */
}
