/*
 * relu — y = max(x, 0) element-wise; dL/dx = dL/dy where x > 0, else 0
 * (the subgradient 0 at x = 0, as every framework takes it). A NaN input
 * stays NaN, so the non-finite guard sees it downstream too.
 *
 * The loops are `omp simd` (a select, not a branch): at -O2 the compiler
 * leaves them scalar, with a branch per element that data of random sign
 * mispredicts half the time.
 */
#include "xb_layer_impl.h"

static enum xb_status relu_create(struct xb_ctx *ctx, struct xb_layer *l,
                                  const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    l->out = l->in;
    l->n_params = 0;
    return XB_OK;
}

static void relu_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    const size_t n = p->rows * xb_shape_size(l->in);
#pragma omp parallel for simd schedule(static) default(none) firstprivate(x, y, n) \
    if (parallel : n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

static void relu_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)y;
    if (!dx)
        return;
    const size_t n = p->rows * xb_shape_size(l->in);
#pragma omp parallel for simd schedule(static) default(none) firstprivate(x, dy, dx, n) \
    if (parallel : n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        const float g = dy[i]; /* loaded unconditionally: the select vectorises */
        dx[i] = x[i] > 0.0f ? g : 0.0f;
    }
}

static void relu_destroy(struct xb_layer *l) { (void)l; }

const struct xb_layer_type xb_layer_relu = {
    .name = "relu",
    .create = relu_create,
    .forward = relu_forward,
    .backward = relu_backward,
    .destroy = relu_destroy,
};
