/*
 * Deterministic digital products of the layers: see xb_gemm.h. The work
 * items and the loop over them are devices/engine/xb_items.h's; this file says
 * what one item computes.
 */
#include "xb_gemm.h"

#include <string.h>

#include "xb_items.h"

/* The operands of one product, shared read-only by its items. */
struct job {
    enum xb_gemm_impl impl;
    const float *A, *B, *bias;
    float *C, *db;
    size_t rows, out, in;
    struct xb_items g, gb; /* the product's items; dW's bias sums (gb) */
};

static void xwt_item(void *arg, size_t k, int thread)
{
    (void)thread;
    const struct job *j = arg;
    const struct xb_item it = xb_items_at(&j->g, k);
    const size_t out = j->out, in = j->in;
    if (j->bias)
        for (size_t r = 0; r < it.m; r++)
            memcpy(j->C + (it.r0 + r) * out + it.c0, j->bias + it.c0, it.w * sizeof(float));
    xb_sgemm(j->impl, 0, 1, it.m, it.w, in, 1.0f, j->A + it.r0 * in, in, j->B + it.c0 * in, in,
             j->bias ? 1.0f : 0.0f, j->C + it.r0 * out + it.c0, out);
}

void xb_gemm_xwt(enum xb_gemm_impl impl, const float *X, const float *W, const float *bias,
                 float *Y, size_t rows, size_t out, size_t in)
{
    struct job j = {.impl = impl, .A = X, .B = W, .bias = bias, .C = Y, .rows = rows,
                    .out = out, .in = in, .g = xb_items_xwt(rows, out, out)};
    xb_items_run(j.g.n, XB_ITEMS_BLOCKED, 0, xwt_item, &j);
}

/* Items [0, g.n) are dW blocks over all rows; the rest, when db is set,
 * bias columns summed in double, rows in order. */
static void dw_item(void *arg, size_t k, int thread)
{
    (void)thread;
    const struct job *j = arg;
    const size_t rows = j->rows, out = j->out, in = j->in;
    if (k < j->g.n) {
        const struct xb_item it = xb_items_at(&j->g, k);
        xb_sgemm(j->impl, 1, 0, it.m, it.w, rows, 1.0f, j->A + it.r0, out, j->B + it.c0, in,
                 1.0f, j->C + it.r0 * in + it.c0, in);
        return;
    }
    const struct xb_item it = xb_items_at(&j->gb, k - j->g.n);
    const float *dY = j->A;
    double acc[XB_ITEMS_DB_COLS] = {0};
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < it.w; c++)
            acc[c] += (double)dY[r * out + it.c0 + c];
    for (size_t c = 0; c < it.w; c++)
        j->db[it.c0 + c] += (float)acc[c];
}

void xb_gemm_dw(enum xb_gemm_impl impl, const float *dY, const float *X, float *dW, float *db,
                size_t rows, size_t out, size_t in)
{
    if (rows == 0)
        return;
    struct job j = {.impl = impl, .A = dY, .B = X, .C = dW, .db = db, .rows = rows,
                    .out = out, .in = in, .g = xb_items_dw(out, in),
                    .gb = db ? xb_items_db(out) : xb_items_grid(0, 1, 0, 1, 1)};
    /* Dealt round-robin, so each thread gets its share of the (costly) dW
     * blocks, which come first: a contiguous split gave one thread all of
     * them. */
    xb_items_run(j.g.n + j.gb.n, XB_ITEMS_DEALT, 0, dw_item, &j);
}

static void dx_item(void *arg, size_t k, int thread)
{
    (void)thread;
    const struct job *j = arg;
    const struct xb_item it = xb_items_at(&j->g, k);
    const size_t out = j->out, in = j->in;
    xb_sgemm(j->impl, 0, 0, it.m, it.w, out, 1.0f, j->A + it.r0 * out, out, j->B + it.c0, in,
             0.0f, j->C + it.r0 * in + it.c0, in);
}

void xb_gemm_dx(enum xb_gemm_impl impl, const float *dY, const float *W, float *dX, size_t rows,
                size_t out, size_t in)
{
    struct job j = {.impl = impl, .A = dY, .B = W, .C = dX, .rows = rows, .out = out, .in = in,
                    .g = xb_items_dx(rows, in)};
    xb_items_run(j.g.n, XB_ITEMS_BLOCKED, 0, dx_item, &j);
}
