/*
 * The fixed work items of every product: see xb_items.h.
 */
#include "xb_items.h"

#include "xb_error.h"
#include "xb_omp.h"

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t n_blocks(size_t n, size_t b) { return (n + b - 1) / b; }

/* n split into ceil(n / max) near-equal blocks of a multiple of 16: the
 * block width (the last block takes what is left). */
static size_t even_width(size_t n, size_t max)
{
    return (n_blocks(n, n_blocks(n, max)) + 15) / 16 * 16;
}

struct xb_items xb_items_grid(size_t rows, size_t row_block, size_t cols, size_t span,
                              size_t col_block)
{
    struct xb_items g = {.rows = rows, .cols = cols, .row_block = row_block, .span = span,
                         .col_block = col_block};
    if (rows == 0 || cols == 0)
        return g;
    XB_ASSERT(row_block >= 1 && span >= 1 && col_block >= 1);
    const size_t n_spans = n_blocks(cols, span), last = cols - (n_spans - 1) * span;
    g.n_rb = n_blocks(rows, row_block);
    g.n_cb = (n_spans - 1) * n_blocks(span, col_block) + n_blocks(last, col_block);
    g.n = g.n_rb * g.n_cb;
    return g;
}

struct xb_item xb_items_at(const struct xb_items *g, size_t k)
{
    XB_ASSERT(k < g->n);
    const size_t per_span = n_blocks(g->span, g->col_block);
    const size_t cb = k % g->n_cb, s = cb / per_span;
    struct xb_item it = {.r0 = (k / g->n_cb) * g->row_block, .span = s};
    it.m = min_sz(g->row_block, g->rows - it.r0);
    it.c0 = s * g->span + (cb % per_span) * g->col_block;
    it.w = min_sz(g->col_block, min_sz(g->cols, (s + 1) * g->span) - it.c0);
    return it;
}

struct xb_items xb_items_xwt(size_t rows, size_t out, size_t span)
{
    return xb_items_grid(rows, XB_ITEMS_ROWS, out, span, XB_ITEMS_COLS);
}

struct xb_items xb_items_dx(size_t rows, size_t in)
{
    return xb_items_grid(rows, XB_ITEMS_ROWS, in, in, in ? even_width(in, XB_ITEMS_COLS) : 1);
}

/* The minimum number of dW items before blocks stop shrinking. */
#define DW_MIN_ITEMS 4

struct xb_items xb_items_dw(size_t out, size_t in)
{
    if (out == 0 || in == 0)
        return xb_items_grid(out, 1, in, 1, 1);
    size_t mo = 128, mi = 512, bo, bi;
    for (;;) {
        bo = even_width(out, mo);
        bi = even_width(in, mi);
        if (n_blocks(out, bo) * n_blocks(in, bi) >= DW_MIN_ITEMS || (mo <= 16 && mi <= 64))
            break;
        if (mi / 4 >= mo && mi > 64)
            mi /= 2;
        else if (mo > 16)
            mo /= 2;
        else
            mi /= 2;
    }
    return xb_items_grid(out, bo, in, in, bi);
}

struct xb_items xb_items_db(size_t out)
{
    return xb_items_grid(1, 1, out, out, XB_ITEMS_DB_COLS);
}

void xb_items_run(size_t n, enum xb_items_order order, int threads, xb_item_fn *fn, void *arg)
{
    if (n == 0)
        return;
    if (threads <= 0)
        threads = xb_omp_max_threads();
#pragma omp parallel num_threads(threads) default(none) shared(n, order, fn, arg)
    {
        const int t = xb_omp_thread_num();
        if (order == XB_ITEMS_DEALT) {
#pragma omp for schedule(static, 1)
            for (size_t k = 0; k < n; k++)
                fn(arg, k, t);
        } else {
#pragma omp for schedule(static)
            for (size_t k = 0; k < n; k++)
                fn(arg, k, t);
        }
    }
}
