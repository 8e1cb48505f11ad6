/*
 * xb_layer_impl.h — helpers shared by the layer kinds (models/layer_*.c)
 * and the network. Internal to models/: not part of the public API.
 */
#ifndef XB_LAYER_IMPL_H
#define XB_LAYER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static inline int xb_omp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static inline int xb_omp_thread_num(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* Threads for a region whose threads index per-thread scratch made for
 * `slots` threads: never more than the scratch has, so a runtime that grew
 * its thread count after create() cannot run past it. Results never depend
 * on this number (work items are fixed by the shapes). */
static inline int xb_omp_threads_for(int slots)
{
    int n = xb_omp_max_threads();
    return n < slots ? n : slots;
}

/* Below this many floats an element-wise loop runs in the caller's thread:
 * a parallel region (a few microseconds) costs more than it saves. Loops
 * that draw normals (noise, dropout, LSTM gates) cost ~8x more per float
 * and use XB_LAYER_PAR_MIN / 8. */
#define XB_LAYER_PAR_MIN 16384

/* Records an error about the layer described by cfg and returns status. The
 * message is prefixed with where the layer was configured, e.g.
 * "model line 12, layer 3 (conv2d): ", then fmt follows (it should name the
 * field, its value and what is allowed). */
enum xb_status xb_layer_error(struct xb_ctx *ctx, enum xb_status status,
                              const struct xb_layer *l, const struct xb_layer_config *cfg,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* XB_ERANGE naming the layer and `what` unless a × b floats are at most
 * limit (XB_NET_MAX_PARAMS or XB_NET_MAX_ACTIVATIONS): called before a
 * layer allocates a buffer whose size comes from its config. */
enum xb_status xb_layer_check_size(struct xb_ctx *ctx, const struct xb_layer *l,
                                   const struct xb_layer_config *cfg, const char *what,
                                   size_t a, size_t b, size_t limit);

/* Fields of struct xb_layer_config, for xb_layer_check_unused. */
enum {
    XB_LCF_UNITS = 1 << 0,
    XB_LCF_KERNEL = 1 << 1,
    XB_LCF_STRIDE = 1 << 2,
    XB_LCF_PAD = 1 << 3,
    XB_LCF_RATE = 1 << 4,
    XB_LCF_FIXED = 1 << 5,
    XB_LCF_INIT = 1 << 6
};

/* XB_EINVAL naming the first field that is set although the kind does not
 * use it (used: a mask of XB_LCF_*), so a misplaced key in a model config
 * is an error instead of being ignored. */
enum xb_status xb_layer_check_unused(struct xb_ctx *ctx, const struct xb_layer *l,
                                     const struct xb_layer_config *cfg, unsigned used);


/* A weighted layer's programmed crossbar and its execute workspace: what
 * dense, conv2d and lstm share for program / age / calibrate. */
struct xb_layer_chip {
    struct xb_xbar *xb;    /* NULL until programmed */
    struct xb_xbar_ws *ws;
};

/* Frees the crossbar (if any); the chip is empty afterwards. */
void xb_layer_chip_drop(struct xb_layer_chip *c);

/* Programs the layer's weights l->params [out × in] with params, the layer
 * id in the random addresses. Drops a previous crossbar first. */
enum xb_status xb_layer_chip_program(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                     const struct xb_layer *l,
                                     const struct xb_xbar_params *params, size_t out, size_t in);

/* XB_OK if programmed; else an error "layer N (kind): <what> before program". */
enum xb_status xb_layer_chip_ready(struct xb_ctx *ctx, const struct xb_layer_chip *c,
                                   const struct xb_layer *l, const char *what);

/* Ages the programmed crossbar to t seconds after programming. */
enum xb_status xb_layer_chip_age(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                 const struct xb_layer *l, double t);


#endif
