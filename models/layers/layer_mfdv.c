/*
 * mfdv — a stochastic feature layer with a learned variance per dimension
 * and a reward for large variance (MFDV: Yang, Wang, Yu & Zhou, "Rethinking
 * Feature Uncertainty in Stochastic Neural Networks for Adversarial
 * Robustness", arXiv 2201.00148):
 *
 *   y_d = x_d + sigma · s_d · eps_d,   s_d = exp(v_d),   eps ~ N(0, 1)
 *
 * v_d (l->params, one per feature) is ln s_d, so s_d stays positive and
 * the reward below has a constant gradient. sigma is the pass's (sigma_train
 * in training, the evaluation's sigma at test): 1 reads the learned stds, 0
 * (or noise "none") the noiseless mean path. The noise is additive whatever
 * the pass's kind, as the paper's is. It stays on at test, where the
 * prediction averages M draws' softmax (xb_eval.h, XB_VOTE_SOFTMAX).
 *
 * The reward (penalty, xb_layer.h) is the objective's term
 *
 *   R = -lambda · (1/D) Σ_d ln s_d²  =  -(2 lambda / D) Σ_d v_d
 *
 * (lambda = the layer's variance_weight, D its features), counted in passes
 * whose noise is on (with it off, s_d meets nothing that could bound it).
 * Cross-entropy alone only shrinks s_d; R pushes it up, and the balance is
 * finite only if the feature's scale cannot grow with it: put a fixed
 * batchnorm before the layer (models/README.md, MFDV).
 *
 * eps is element j of row r's stream (purpose NOISE, this layer's id, chip
 * instance p->instance, the row's (sample, vote) and p->addr's step), drawn
 * with xb_noise_draw as the noise layer draws, and kept for the backward
 * pass: dL/dx = dL/dy, dL/dv_d = Σ_r dy_rd · sigma · s_d · eps_rd
 * - 2 lambda / D. Sums over rows run in row order per feature, so they are
 * the same for any thread count.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_rng.h"

struct mfdv {
    float *eps;    /* [max_rows × features]: eps of the last forward */
    float scale;   /* its sigma; 0: the noise was off */
    double lambda; /* variance_weight */
    double s0;     /* sigma_init */
};

static enum xb_status mfdv_create(struct xb_ctx *ctx, struct xb_layer *l,
                                  const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    if (!(cfg->variance_weight >= 0.0 && isfinite(cfg->variance_weight)))
        return xb_layer_error(ctx, XB_ERANGE, l, cfg, "variance_weight = %g: expected a "
                              "finite number >= 0", cfg->variance_weight);
    if (!(cfg->sigma_init >= 0.0 && isfinite(cfg->sigma_init)))
        return xb_layer_error(ctx, XB_ERANGE, l, cfg, "sigma_init = %g: expected a finite "
                              "number > 0 (unset: 1)", cfg->sigma_init);
    struct mfdv *m = xb_calloc(1, sizeof *m);
    m->eps = xb_aligned(l->max_rows * xb_shape_size(l->in), sizeof(float));
    m->lambda = cfg->variance_weight;
    m->s0 = cfg->sigma_init > 0.0 ? cfg->sigma_init : 1.0;
    l->out = l->in;
    l->n_params = xb_shape_size(l->in);
    l->state = m;
    return XB_OK;
}

static void mfdv_init(struct xb_layer *l, uint64_t seed)
{
    (void)seed;
    const struct mfdv *m = l->state;
    for (size_t d = 0; d < l->n_params; d++)
        l->params[d] = (float)log(m->s0);
}

static int mfdv_on(const struct xb_pass *p) { return p->noise != XB_NOISE_NONE && p->sigma > 0.0; }

static void mfdv_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y)
{
    struct mfdv *m = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    m->scale = mfdv_on(p) ? (float)p->sigma : 0.0f;
    if (m->scale == 0.0f) {
        memcpy(y, x, rows * f * sizeof(float));
        return;
    }
    struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = l->id, .instance = p->instance,
                        .step = p->addr.step};
    const struct xb_stream base = xb_stream_at(p->seed, &a);
    const struct xb_rows *addr = &p->addr;
    const float scale = m->scale, *v = l->params;
    float *eps = m->eps;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(x, y, eps, rows, f, base, addr, scale, v) \
    if (rows * f > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < rows; r++) {
        float *e = eps + r * f;
        const float *xr = x + r * f;
        float *yr = y + r * f;
        xb_noise_draw(1.0f, &base, addr, r, 0, f, e);
        for (size_t j = 0; j < f; j++)
            yr[j] = xr[j] + scale * expf(v[j]) * e[j];
    }
}

static void mfdv_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)x, (void)y;
    const struct mfdv *m = l->state;
    const size_t rows = p->rows, f = xb_shape_size(l->in);
    if (dx)
        memcpy(dx, dy, rows * f * sizeof(float));
    if (m->scale == 0.0f)
        return;
    const float scale = m->scale, *v = l->params, *e = m->eps;
    const double reward = 2.0 * m->lambda / (double)f;
    float *g = l->grads;
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(dy, e, rows, f, scale, v, g, reward) if (rows * f > XB_LAYER_PAR_MIN)
    for (size_t j = 0; j < f; j++) {
        const float s = scale * expf(v[j]);
        double acc = 0.0;
        for (size_t r = 0; r < rows; r++)
            acc += (double)(dy[r * f + j] * s * e[r * f + j]);
        g[j] += (float)(acc - reward);
    }
}

static double mfdv_penalty(const struct xb_layer *l)
{
    const struct mfdv *m = l->state;
    if (m->scale == 0.0f || m->lambda == 0.0)
        return 0.0;
    double sum = 0.0;
    for (size_t d = 0; d < l->n_params; d++)
        sum += (double)l->params[d];
    return -2.0 * m->lambda * sum / (double)l->n_params;
}

static int mfdv_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return !mfdv_on(p);
}

static void mfdv_destroy(struct xb_layer *l)
{
    struct mfdv *m = l->state;
    if (!m)
        return;
    xb_free(m->eps);
    xb_free(m);
    l->state = NULL;
}

const struct xb_layer_type xb_layer_mfdv = {
    .name = "mfdv",
    .create = mfdv_create,
    .init = mfdv_init,
    .forward = mfdv_forward,
    .backward = mfdv_backward,
    .deterministic = mfdv_deterministic,
    .penalty = mfdv_penalty,
    .destroy = mfdv_destroy,
};
