/*
 * xb_layer_impl.h — helpers shared by the layer kinds (models/layers/layer_*.c)
 * and the network. Internal to models/: not part of the public API.
 */
#ifndef XB_LAYER_IMPL_H
#define XB_LAYER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"
#include "xb_omp.h"

/* Below this many floats an element-wise loop runs in the caller's thread:
 * a parallel region (a few microseconds) costs more than it saves. Loops
 * that draw normals (noise, dropout, LSTM gates) cost ~8x more per float
 * and use XB_LAYER_PAR_MIN / 8. */
#define XB_LAYER_PAR_MIN 16384

/* fmaxf(v, 0) and fminf(v, 1) as comparisons, the same bits for every v
 * (glibc's are maxss and minss: a NaN v gives the bound, of two zeros the
 * bound, +0), but inline: the libm calls took ~4 % of a spiking net's
 * attack step at -O2. */
static inline float xb_max0(float v) { return v > 0.0f ? v : 0.0f; }
static inline float xb_clamp01(float v)
{
    const float a = xb_max0(v);
    return a < 1.0f ? a : 1.0f;
}

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

/* XB_EINVAL naming the first field that is set (not at its default)
 * although the kind does not use it (xb_layer_keys: the row's kinds), so
 * a misplaced key in a model config is an error instead of being
 * ignored. */
/* The initialisation a weighted layer of kind t draws: its config's init
 * if set (the experiment resolves model.init into it), else the kind's
 * default. Takes the kind rather than looking it up, so the kinds never
 * call back into the table of kinds (xb_layer.c). */
enum xb_init xb_layer_init_kind(const struct xb_layer_config *cfg, const struct xb_layer_type *t);

enum xb_status xb_layer_check_unused(struct xb_ctx *ctx, const struct xb_layer *l,
                                     const struct xb_layer_config *cfg);


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
