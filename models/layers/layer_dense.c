/*
 * dense — y = x Wᵀ + b, the fully connected layer.
 *
 * Parameters: W[units × in] row-major, then b[units]. The input may have
 * any shape: a sample's C × H × W values are its in = C·H·W features (the
 * layout flatten produces), so flatten before dense is optional.
 *
 * Forward runs through the analog engine's two modes: off the device, the
 * exact GEMM of the current weights (models/layers/xb_gemm.h, bit-identical for any
 * thread count and equal to the engine's ideal path); once programmed and
 * asked for (p->on_device), the crossbar of the chip instance, its rows
 * addressed by p->addr so each (sample, vote) gets its own read noise.
 * Backward is digital and exact: dW = dyᵀ x, db = Σ dy, dx = dy W (dx
 * alone for an input-only pass, xb_pass.input_only).
 */
#include <math.h>

#include "xb_alloc.h"
#include "xb_gemm.h"
#include "xb_layer_impl.h"

struct dense {
    size_t in, units;
    enum xb_init init;
    struct xb_layer_chip chip; /* programmed crossbar, or empty */
};

static enum xb_status dense_create(struct xb_ctx *ctx, struct xb_layer *l,
                                   const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (cfg->units < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "units = %d: expected >= 1",
                              cfg->units);
    struct dense *d = xb_calloc(1, sizeof *d);
    d->init = xb_layer_init_kind(cfg, l->type);
    d->in = xb_shape_size(l->in);
    d->units = (size_t)cfg->units;
    l->out = (struct xb_shape){cfg->units, 1, 1};
    l->n_params = d->units * d->in + d->units;
    l->state = d;
    return XB_OK;
}

/* fan_in = inputs, fan_out = units (models/layers/xb_init.h). */
static void dense_init(struct xb_layer *l, uint64_t seed)
{
    const struct dense *d = l->state;
    const struct xb_init_fans f = {.n_w = d->units * d->in, .n_b = d->units,
                                   .fan_in = (double)d->in, .fan_out = (double)d->units,
                                   .torch_fan = (double)d->in, .torch_bias_terms = 1};
    xb_init_fill(d->init, &f, l->params, seed, l->id);
}

static void dense_forward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          float *y)
{
    struct dense *d = l->state;
    const float *W = l->params, *b = l->params + d->units * d->in;
    if (p->on_device) {
        XB_ASSERT(d->chip.xb != NULL); /* xb_net_program first */
        xb_xbar_execute_ws(d->chip.xb, d->chip.ws, x, p->rows, b, y, &p->addr, NULL);
        return;
    }
    xb_gemm_xwt(p->gemm, x, W, b, y, p->rows, d->units, d->in);
}

static void dense_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                           const float *y, const float *dy, float *dx)
{
    (void)y;
    struct dense *d = l->state;
    const size_t nw = d->units * d->in;
    if (!p->input_only)
        xb_gemm_dw(p->gemm, dy, x, l->grads, l->grads + nw, p->rows, d->units, d->in);
    if (dx)
        xb_gemm_dx(p->gemm, dy, l->params, dx, p->rows, d->units, d->in);
}

static void dense_unprogram(struct xb_layer *l)
{
    struct dense *d = l->state;
    xb_layer_chip_drop(&d->chip);
}

static void dense_mvm(const struct xb_layer *l, struct xb_layer_mvm *m)
{
    const struct dense *d = l->state;
    *m = (struct xb_layer_mvm){.out = d->units, .in = d->in, .reads = 1};
}

static enum xb_status dense_program(struct xb_ctx *ctx, struct xb_layer *l,
                                    const struct xb_xbar_params *params)
{
    struct dense *d = l->state;
    return xb_layer_chip_program(ctx, &d->chip, l, params, d->units, d->in);
}

static enum xb_status dense_age(struct xb_ctx *ctx, struct xb_layer *l, double t)
{
    struct dense *d = l->state;
    return xb_layer_chip_age(ctx, &d->chip, l, t);
}

static enum xb_status dense_calibrate(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                      size_t rows)
{
    struct dense *d = l->state;
    enum xb_status st = xb_layer_chip_ready(ctx, &d->chip, l, "calibrate");
    if (st)
        return st;
    return xb_xbar_calibrate(ctx, d->chip.xb, x, rows);
}

/* The crossbar reads x as forward gave it: the same rows and addresses. */
static size_t dense_tile_energy(const struct xb_layer *l, const struct xb_pass *p,
                                const float *x, double *signal, double *error)
{
    const struct dense *d = l->state;
    if (!d->chip.xb)
        return 0;
    if (signal)
        xb_xbar_tile_energy(d->chip.xb, x, p->rows, &p->addr, signal, error);
    return xb_xbar_tiles(d->chip.xb);
}

static void dense_destroy(struct xb_layer *l)
{
    if (!l->state)
        return;
    dense_unprogram(l);
    xb_free(l->state);
    l->state = NULL;
}

static int dense_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return !p->on_device;
}

const struct xb_layer_type xb_layer_dense = {
    .name = "dense",
    .affine = 1,
    .init_default = XB_INIT_HE_UNIFORM,
    .create = dense_create,
    .init = dense_init,
    .forward = dense_forward,
    .backward = dense_backward,
    .program = dense_program,
    .age = dense_age,
    .calibrate = dense_calibrate,
    .unprogram = dense_unprogram,
    .mvm = dense_mvm,
    .deterministic = dense_deterministic,
    .tile_energy = dense_tile_energy,
    .destroy = dense_destroy,
};
