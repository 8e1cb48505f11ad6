/*
 * xb_tile.h — one crossbar tile: the programmed state of its devices and
 * the arrays the engine's GEMMs read. Used by the engine (xb_xbar.c); not
 * part of the public API beyond xb_xbar_tile_view.
 *
 * Cells are stored row-major [cols × rows]: cell (o, i) at o * rows + i is
 * the differential pair of tile output o and tile input i, the layout of W
 * itself, so the tile GEMM is P = X_tile · Gdᵀ.
 */
#ifndef XB_TILE_H
#define XB_TILE_H

#include <stddef.h>
#include <stdint.h>

#include "xb_device.h"

struct xb_tile {
    size_t rows, cols, n;     /* inputs, outputs, rows * cols */
    float *gt_p, *gt_m;       /* uS: target after level quantisation and d2d */
    float *gp_p, *gp_m;       /* uS: programmed (t = 0) */
    float *gn_p, *gn_m;       /* uS: at the current age */
    float *nu_p, *nu_m;       /* drift exponents */
    unsigned char *st_p, *st_m; /* 0 ok, 1 stuck at g_min, 2 stuck at g_max */
    float *gd;                /* (G+ − G−) / (g_max − g_min) now: normalised weights */
    float *s2;                /* per-read noise variance of the pair, normalised² */
    int has_read;             /* any s2 > 0 */
};

/* Where a tile's random draws are addressed. */
struct xb_tile_addr {
    uint64_t seed;
    uint32_t layer, instance, index; /* index: the tile number, as sample */
};

void xb_tile_alloc(struct xb_tile *t, size_t rows, size_t cols);
void xb_tile_release(struct xb_tile *t);

/* Maps normalised weights wn[cols × rows] (|wn| <= 1, stride ld) onto the
 * pairs and programs one chip instance: levels, d2d, faults, programming
 * error, drift exponents. scratch: 2 * n floats. */
void xb_tile_program(struct xb_tile *t, const struct xb_device *d, const float *wn,
                     size_t ld, const struct xb_tile_addr *a, float *scratch);

/* Sets the state at t seconds after programming and refreshes gd and s2.
 * scratch: 2 * n floats. */
void xb_tile_age(struct xb_tile *t, const struct xb_device *d, double t_s,
                 const struct xb_tile_addr *a, float *scratch);

/* Sum of |G+ − G−| (uS) at programming and now: the reference read of drift
 * compensation. */
double xb_tile_abs_sum_prog(const struct xb_tile *t);
double xb_tile_abs_sum_now(const struct xb_tile *t);

#endif
