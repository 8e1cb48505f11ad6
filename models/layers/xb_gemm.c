/*
 * Deterministic digital products of the layers: see xb_gemm.h.
 */
#include "xb_gemm.h"

#include <string.h>

/* Item sizes. Forward mirrors the engine's 256 × 128 (a near-full-speed
 * single-thread call that still gives two threads work at batch 256). */
#define GEMM_ROWS 256
#define GEMM_COLS 128
#define DB_COLS 64

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }
static size_t n_blocks(size_t n, size_t b) { return (n + b - 1) / b; }

/* n split into ceil(n / max) near-equal blocks of a multiple of 16: the
 * block width (the last block takes what is left). */
static size_t even_width(size_t n, size_t max)
{
    return (n_blocks(n, n_blocks(n, max)) + 15) / 16 * 16;
}

/* dW blocks, from the shape alone: as large as 128 outputs × 512 inputs
 * (64 × 256 items ran at half the sgemm rate: packing dominates a K = 128
 * reduction), halved, the larger side first, until there are at least
 * DW_MIN_ITEMS items or the blocks reach 16 × 64. */
#define DW_MIN_ITEMS 4
static void dw_blocks(size_t out, size_t in, size_t *bo, size_t *bi)
{
    size_t mo = 128, mi = 512;
    for (;;) {
        *bo = even_width(out, mo);
        *bi = even_width(in, mi);
        if (n_blocks(out, *bo) * n_blocks(in, *bi) >= DW_MIN_ITEMS || (mo <= 16 && mi <= 64))
            return;
        if (mi / 4 >= mo && mi > 64)
            mi /= 2;
        else if (mo > 16)
            mo /= 2;
        else
            mi /= 2;
    }
}

void xb_gemm_xwt(enum xb_gemm_impl impl, const float *X, const float *W, const float *bias, float *Y, size_t rows,
                 size_t out, size_t in)
{
    const size_t n_cb = n_blocks(out, GEMM_COLS), items = n_blocks(rows, GEMM_ROWS) * n_cb;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(impl, X, W, bias, Y, rows, out, in, n_cb, items)
    for (size_t k = 0; k < items; k++) {
        const size_t r0 = (k / n_cb) * GEMM_ROWS, o0 = (k % n_cb) * GEMM_COLS;
        const size_t m = min_sz(GEMM_ROWS, rows - r0), w = min_sz(GEMM_COLS, out - o0);
        if (bias)
            for (size_t r = 0; r < m; r++)
                memcpy(Y + (r0 + r) * out + o0, bias + o0, w * sizeof(float));
        xb_sgemm(impl, 0, 1, m, w, in, 1.0f, X + r0 * in, in, W + o0 * in, in,
                 bias ? 1.0f : 0.0f, Y + r0 * out + o0, out);
    }
}

void xb_gemm_dw(enum xb_gemm_impl impl, const float *dY, const float *X, float *dW, float *db, size_t rows,
                size_t out, size_t in)
{
    if (rows == 0)
        return;
    size_t bo, bi;
    dw_blocks(out, in, &bo, &bi);
    const size_t n_ib = n_blocks(in, bi), n_w = n_blocks(out, bo) * n_ib;
    const size_t n_db = db ? n_blocks(out, DB_COLS) : 0;
    /* One region: the dW blocks first, then the bias columns, dealt out
     * round-robin so each thread gets its share of the (costly) dW blocks
     * — a contiguous split gave one thread all of them. Which thread runs
     * an item does not change its numbers. */
#pragma omp parallel for schedule(static, 1) default(none) \
    firstprivate(impl, dY, X, dW, db, rows, out, in, bo, bi, n_ib, n_w, n_db)
    for (size_t k = 0; k < n_w + n_db; k++) {
        if (k < n_w) {
            const size_t o0 = (k / n_ib) * bo, i0 = (k % n_ib) * bi;
            const size_t wo = min_sz(bo, out - o0), wi = min_sz(bi, in - i0);
            xb_sgemm(impl, 1, 0, wo, wi, rows, 1.0f, dY + o0, out, X + i0, in, 1.0f,
                     dW + o0 * in + i0, in);
        } else {
            const size_t c0 = (k - n_w) * DB_COLS, w = min_sz(DB_COLS, out - c0);
            double acc[DB_COLS] = {0};
            for (size_t r = 0; r < rows; r++)
                for (size_t c = 0; c < w; c++)
                    acc[c] += (double)dY[r * out + c0 + c];
            for (size_t c = 0; c < w; c++)
                db[c0 + c] += (float)acc[c];
        }
    }
}

void xb_gemm_dx(enum xb_gemm_impl impl, const float *dY, const float *W, float *dX, size_t rows, size_t out,
                size_t in)
{
    /* Columns in n_cb near-equal blocks (multiples of 16) rather than 128s
     * and a remainder: 156 inputs give 80 + 76, not 128 + 28, so two threads
     * share the work evenly. Still fixed by the shape alone. */
    const size_t cw = even_width(in, GEMM_COLS), n_cb = n_blocks(in, cw);
    const size_t items = n_blocks(rows, GEMM_ROWS) * n_cb;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(impl, dY, W, dX, rows, out, in, n_cb, cw, items)
    for (size_t k = 0; k < items; k++) {
        const size_t r0 = (k / n_cb) * GEMM_ROWS, i0 = (k % n_cb) * cw;
        const size_t m = min_sz(GEMM_ROWS, rows - r0), w = min_sz(cw, in - i0);
        xb_sgemm(impl, 0, 0, m, w, out, 1.0f, dY + r0 * out, out, W + i0, in, 0.0f,
                 dX + r0 * in + i0, in);
    }
}
