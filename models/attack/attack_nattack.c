/*
 * NAttack (xb_nattack.h): the search, and its row of the attack table
 * whose target is a net queried for its logits (a forward pass with no
 * backward: the net's gradients are never asked for).
 */
#include "xb_nattack.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"

/* The iterations between checks of the mean (Li et al.'s code). */
#define NATTACK_CHECK_EVERY 10

enum xb_status xb_nattack_validate(struct xb_ctx *ctx, const struct xb_attack_params *p,
                                   size_t max_rows)
{
    if (p->nattack_pop < 1 || (size_t)p->nattack_pop > max_rows)
        return xb_error(ctx, XB_ERANGE, "attack nattack_pop = %d: expected 1 .. %zu (the "
                        "target's rows per pass)", p->nattack_pop, max_rows);
    if (!(p->nattack_sigma > 0.0 && isfinite(p->nattack_sigma)))
        return xb_error(ctx, XB_ERANGE, "attack nattack_sigma = %g: expected a finite number "
                        "> 0", p->nattack_sigma);
    if (!(p->nattack_lr > 0.0 && isfinite(p->nattack_lr)))
        return xb_error(ctx, XB_ERANGE, "attack nattack_lr = %g: expected a finite number > 0",
                        p->nattack_lr);
    const uint64_t votes = (uint64_t)p->nattack_iters * ((uint64_t)p->nattack_pop + 1);
    if (p->nattack_iters < 1 || (uint64_t)p->nattack_iters > XB_RNG_MAX_STEP + 1ull ||
        XB_ATTACK_VOTE0 + votes - 1 > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "attack nattack_iters = %d with nattack_pop = %d: "
                        "expected iters >= 1 and iters x (pop + 1) <= %u (the addressable "
                        "draws of a random target)", p->nattack_iters, p->nattack_pop,
                        XB_RNG_MAX_VOTE + 1 - XB_ATTACK_VOTE0);
    return XB_OK;
}

/* x = P(tanh(w + m) / 2 + 1/2) over F pixels. */
static void to_image(const double *w, const double *m, const float *e, double sigma,
                     const float *x0, float eps, size_t F, float *x)
{
    for (size_t j = 0; j < F; j++) {
        const double v = w[j] + m[j] + (e ? sigma * (double)e[j] : 0.0);
        const float xi = (float)(0.5 * tanh(v) + 0.5);
        const float lo = fmaxf(x0[j] - eps, 0.0f), hi = fminf(x0[j] + eps, 1.0f);
        x[j] = fminf(fmaxf(xi, lo), hi);
    }
}

/* The logit margin of class y over the others. */
static double margin(const float *z, int C, int y)
{
    double other = -INFINITY;
    for (int c = 0; c < C; c++)
        if (c != y && (double)z[c] > other)
            other = (double)z[c];
    return (double)z[y] - other;
}

enum xb_status xb_nattack_run(struct xb_ctx *ctx, const struct xb_attack_oracle *o,
                              const struct xb_attack_params *p, const float *X,
                              const uint8_t *y, size_t n, float *X_adv)
{
    enum xb_status st = xb_nattack_validate(ctx, p, o->max_rows);
    if (st)
        return st;
    if (!(p->eps >= 0.0 && p->eps <= 1.0))
        return xb_error(ctx, XB_ERANGE, "attack eps = %g: expected a number in [0, 1]", p->eps);
    if (n > UINT32_MAX)
        return xb_error(ctx, XB_ERANGE, "%zu images: at most 2^32 are addressable", n);
    const uint64_t seed = xb_ctx_seed(ctx);
    const size_t F = o->features, pop = (size_t)p->nattack_pop;
    const int C = o->classes;
    const float eps = (float)p->eps;
    const double sigma = p->nattack_sigma;
    double *w = xb_malloc(F, sizeof(double)), *mu = xb_malloc(F, sizeof(double));
    double *A = xb_malloc(pop, sizeof(double));
    float *e = xb_aligned(pop * F, sizeof(float)), *xs = xb_aligned(pop * F, sizeof(float));
    for (size_t s = 0; s < n; s++) {
        const float *x0 = X + s * F;
        float *out = X_adv + s * F;
        for (size_t j = 0; j < F; j++)
            w[j] = atanh((2.0 * (double)x0[j] - 1.0) * 0.999999);
        struct xb_addr ad = {.purpose = XB_PURPOSE_ATTACK, .sample = (uint32_t)s, .vote = 1};
        struct xb_stream rs = xb_stream_at(seed, &ad);
        xb_normal_fill(&rs, 0, F, e);
        for (size_t j = 0; j < F; j++)
            mu[j] = 0.001 * (double)e[j];
        int fooled = 0;
        for (int t = 0; t < p->nattack_iters && !fooled; t++) {
            const uint32_t vote0 = XB_ATTACK_VOTE0 + (uint32_t)t * (uint32_t)(pop + 1);
            if (t % NATTACK_CHECK_EVERY == 0) {
                to_image(w, mu, NULL, 0.0, x0, eps, F, out);
                const float *z = o->query(o->state, out, 1, (uint32_t)s, vote0 + (uint32_t)pop);
                if ((fooled = margin(z, C, y[s]) < 0.0 || !isfinite(margin(z, C, y[s]))))
                    break;
            }
            ad = (struct xb_addr){.purpose = XB_PURPOSE_ATTACK, .sample = (uint32_t)s,
                                  .step = (uint32_t)t};
            rs = xb_stream_at(seed, &ad);
            xb_normal_fill(&rs, 0, pop * F, e);
            for (size_t i = 0; i < pop; i++)
                to_image(w, mu, e + i * F, sigma, x0, eps, F, xs + i * F);
            const float *z = o->query(o->state, xs, pop, (uint32_t)s, vote0);
            double mean = 0.0, var = 0.0;
            for (size_t i = 0; i < pop; i++) {
                double l = margin(z + i * (size_t)C, C, y[s]);
                l = l > 0.0 ? (l < 1000.0 ? l : 1000.0) : 0.0;
                mean += A[i] = -0.5 * l;
            }
            mean /= (double)pop;
            for (size_t i = 0; i < pop; i++)
                var += (A[i] - mean) * (A[i] - mean);
            const double sd = sqrt(var / (double)pop);
            for (size_t i = 0; i < pop; i++)
                A[i] = (A[i] - mean) / (sd + 1e-7);
            const double rate = p->nattack_lr / ((double)pop * sigma);
            for (size_t j = 0; j < F; j++) {
                double sum = 0.0;
                for (size_t i = 0; i < pop; i++)
                    sum += A[i] * (double)e[i * F + j];
                mu[j] += rate * sum;
            }
        }
        if (!fooled)
            to_image(w, mu, NULL, 0.0, x0, eps, F, out);
    }
    xb_free(w), xb_free(mu), xb_free(A), xb_free(e), xb_free(xs);
    return XB_OK;
}

/* ---- a net as the black box ---------------------------------------------- */

struct net_oracle {
    struct xb_net *net;
    const struct xb_attack_params *p;
    uint64_t seed;
};

/* A forward pass with backward = 0: the net keeps nothing for a gradient. */
static const float *net_query(void *state, const float *x, size_t rows, uint32_t sample,
                              uint32_t vote0)
{
    const struct net_oracle *o = state;
    const struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = rows,
                                 .addr = {.sample0 = sample, .batch = 1, .vote0 = vote0},
                                 .seed = o->seed, .noise = o->p->noise, .sigma = o->p->sigma,
                                 .instance = o->p->instance, .on_device = o->p->on_device};
    return xb_net_forward(o->net, &pass, x);
}

static enum xb_status nattack_run(struct xb_ctx *ctx, struct xb_net *net,
                                  const struct xb_attack_params *p, const float *X,
                                  const uint8_t *y, size_t n, float *X_adv)
{
    struct net_oracle no = {.net = net, .p = p, .seed = xb_ctx_seed(ctx)};
    const struct xb_attack_oracle o = {.state = &no, .query = net_query,
                                       .features = xb_shape_size(xb_net_layer(net, 0)->in),
                                       .max_rows = xb_net_max_rows(net),
                                       .classes = xb_net_classes(net)};
    return xb_nattack_run(ctx, &o, p, X, y, n, X_adv);
}

static enum xb_status nattack_validate(struct xb_ctx *ctx, const struct xb_net *net,
                                       const struct xb_attack_params *p)
{
    return xb_nattack_validate(ctx, p, xb_net_max_rows(net));
}

static int nattack_steps(const struct xb_attack_params *p) { return p->nattack_iters; }
static double nattack_step_size(const struct xb_attack_params *p) { return p->nattack_lr; }

const struct xb_attack_type xb_attack_nattack = {
    .name = "nattack",
    .label = "NAttack",
    .gradient_free = 1,
    .steps = nattack_steps,
    .step_size = nattack_step_size,
    .run = nattack_run,
    .validate = nattack_validate,
};
