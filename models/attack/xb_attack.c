/*
 * The attack table and the loop every kind shares (xb_attack.h).
 */
#include "xb_attack.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_spike.h"
#include "xb_eval.h"

/* Every kind, in the order of paper 000's Tables 2-3. Adding a kind is one
 * file and one line here. */
static const struct xb_attack_type *const attack_types[] = {
    &xb_attack_fgsm,
    &xb_attack_bim,
    &xb_attack_pgd,
    &xb_attack_mim,
    &xb_attack_nattack,
    &xb_attack_dim,
    &xb_attack_tim,
    &xb_attack_random,
};

const struct xb_attack_type *xb_attack_type_at(size_t k)
{
    return k < sizeof attack_types / sizeof *attack_types ? attack_types[k] : NULL;
}

const struct xb_attack_type *xb_attack_type_find(const char *name)
{
    for (size_t k = 0; xb_attack_type_at(k); k++)
        if (!strcmp(attack_types[k]->name, name))
            return attack_types[k];
    return NULL;
}

void xb_attack_params_default(struct xb_attack_params *p)
{
    *p = (struct xb_attack_params){.eps = 0.1, .step = 0.01, .steps = 15, .restarts = 1,
                                   .mu = 1.0, .eot = 1, .noise = XB_NOISE_NONE, .sigma = 0.0,
                                   .votes = 1, .surrogate = -1, .transfer_mu = 0.9, .dim_p = 0.5,
                                   .dim_min = 25, .tim_kernel = 7, .nattack_pop = 100,
                                   .nattack_sigma = 0.1, .nattack_lr = 0.02,
                                   .nattack_iters = 50};
}

int xb_attack_random_target(const struct xb_attack_params *p)
{
    return (p->noise != XB_NOISE_NONE && p->sigma > 0.0) || p->on_device;
}

int xb_attack_draws(const struct xb_net *net, const struct xb_attack_params *p)
{
    const struct xb_pass probe = {.phase = XB_PHASE_EVAL, .rows = 1, .noise = p->noise,
                                  .sigma = p->sigma, .on_device = p->on_device};
    return xb_attack_random_target(p) || xb_net_random(net, &probe) ? p->eot : 1;
}

/* 1 if net has a lif layer (a spiking net: surrogate gradients). */
static int has_lif(const struct xb_net *net)
{
    struct xb_net *n = (struct xb_net *)net; /* xb_net_layer is not const; read only */
    for (size_t i = 0; i < xb_net_n_layers(n); i++)
        if (xb_layer_is_lif(xb_net_layer(n, i)))
            return 1;
    return 0;
}

/* Sets every lif layer's surrogate to kind, the ones they had into old
 * (one per layer, by position); kind -1 leaves them. */
static void swap_surrogates(struct xb_net *net, int kind, int *old)
{
    if (kind < 0)
        return;
    for (size_t i = 0; i < xb_net_n_layers(net); i++) {
        struct xb_layer *l = xb_net_layer(net, i);
        if (xb_layer_is_lif(l))
            old[i] = (int)xb_lif_swap_surrogate(l, (enum xb_surrogate)kind);
    }
}

/* Gives the lif layers back the surrogates swap_surrogates took. */
static void restore_surrogates(struct xb_net *net, int kind, const int *old)
{
    if (kind < 0)
        return;
    for (size_t i = 0; i < xb_net_n_layers(net); i++) {
        struct xb_layer *l = xb_net_layer(net, i);
        if (xb_layer_is_lif(l))
            xb_lif_swap_surrogate(l, (enum xb_surrogate)old[i]);
    }
}

enum xb_status xb_attack_params_validate(struct xb_ctx *ctx, const struct xb_net *net,
                                         const struct xb_attack_type *t,
                                         const struct xb_attack_params *p)
{
    if (!(p->eps >= 0.0 && p->eps <= 1.0))
        return xb_error(ctx, XB_ERANGE, "attack eps = %g: expected a number in [0, 1] (pixels "
                        "are in [0, 1])", p->eps);
    if (!(p->step > 0.0 && p->step <= 1.0))
        return xb_error(ctx, XB_ERANGE, "attack step = %g: expected a number in (0, 1]",
                        p->step);
    if (p->steps < 1 || p->restarts < 1 || p->eot < 1 || p->votes < 1)
        return xb_error(ctx, XB_ERANGE, "attack steps = %d, restarts = %d, eot = %d, votes = "
                        "%d: each must be >= 1", p->steps, p->restarts, p->eot, p->votes);
    if (!(p->mu >= 0.0 && isfinite(p->mu)))
        return xb_error(ctx, XB_ERANGE, "attack mu = %g: expected a finite number >= 0", p->mu);
    if (!(p->sigma >= 0.0 && isfinite(p->sigma)))
        return xb_error(ctx, XB_ERANGE, "attack sigma = %g: expected a finite number >= 0",
                        p->sigma);
    if ((size_t)xb_attack_draws(net, p) > xb_net_max_rows(net))
        return xb_error(ctx, XB_ERANGE, "attack eot = %d: the draws of one step do not fit "
                        "the net's %zu rows per pass", p->eot, xb_net_max_rows(net));
    if (p->stream > XB_RNG_MAX_LAYER || p->epoch > XB_RNG_MAX_STEP)
        return xb_error(ctx, XB_ERANGE, "attack stream %u, epoch %u: expected at most %u and "
                        "%u", p->stream, p->epoch, XB_RNG_MAX_LAYER, XB_RNG_MAX_STEP);
    if ((uint64_t)p->votes > XB_ATTACK_VOTE0)
        return xb_error(ctx, XB_ERANGE, "attack votes = %d: evaluation reads votes below %u, "
                        "where the attack's own draws begin", p->votes, XB_ATTACK_VOTE0);
    if (t->validate) {
        enum xb_status st = t->validate(ctx, net, p);
        if (st || t->run)
            return st;
    }
    const uint64_t restarts = t->random_start ? (uint64_t)p->restarts : 1;
    const uint64_t used =
        restarts * ((uint64_t)t->steps(p) + 1) * (uint64_t)xb_attack_draws(net, p);
    if (XB_ATTACK_VOTE0 + used - 1 > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "attack %s: restarts x (steps + 1) x eot = %llu draws "
                        "per image; at most %u are addressable", t->name,
                        (unsigned long long)used, XB_RNG_MAX_VOTE + 1 - XB_ATTACK_VOTE0);
    if (p->surrogate != -1 && (p->surrogate < XB_SURROGATE_RECT ||
                               p->surrogate > XB_SURROGATE_ARCTAN))
        return xb_error(ctx, XB_ERANGE, "attack surrogate = %d: expected -1 (each lif "
                        "layer's own) or a kind of models/layers/xb_spike.h", p->surrogate);
    if (p->surrogate != -1 && !has_lif(net))
        return xb_error(ctx, XB_EINVAL, "attack surrogate %s: the model has no lif layer, "
                        "whose backward it would set", xb_surrogate_names[p->surrogate]);
    if (p->votes > 1 && xb_attack_draws(net, p) > 1 &&
        strcmp(xb_net_loss_type(net)->name, "cross_entropy"))
        return xb_error(ctx, XB_EINVAL, "attack votes = %d: the vote is attacked through the "
                        "averaged softmax, which needs the cross_entropy loss (the model's is "
                        "%s)", p->votes, xb_net_loss_type(net)->name);
    return XB_OK;
}

/* ---- one batch ------------------------------------------------------------ */

/* Pixels of a batch below which the per-image part of a step stays on one
 * thread (a region costs a microsecond or two; an image's part, ~10
 * operations a pixel): ten or more 28 x 28 images run in parallel. */
#define PAR_MIN_PIXELS 7840

struct xb_attack {
    struct xb_net *net;
    const struct xb_attack_type *type;
    struct xb_attack_params p;
    uint64_t seed;
    size_t F, C, max_batch;
    int draws, steps;
    double alpha;
    /* The batch. */
    const float *x0;
    const uint8_t *y;
    size_t b;
    uint32_t sample0;
    int restart, k;
    float *x;      /* [max_batch × F] the iterate */
    float *xr;     /* [draws · max_batch × F] its copies, one per draw */
    float *dx;     /* [draws · max_batch × F] dL/dx of each row */
    float *g, *d;  /* [max_batch × F] the EOT gradient, the kind's direction */
    uint8_t *yr;   /* [draws · max_batch] labels of the rows */
    double *w;     /* [draws · max_batch] the weight of each row's gradient */
    double *prob, *pbar; /* [C] a row's softmax, the mean over draws */
    int *surrogates;     /* [layers] the lif layers' own, while p.surrogate is set */
    int side;                   /* the image's side (DIM, TIM) */
    struct xb_attack_resize *tf; /* [max_batch] DIM's transform of each image at this step */
    float *tmp;                 /* [max_batch × F] each image's scratch of the adjoint and
                                   the filter */
};

enum xb_status xb_attack_create(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_attack_type *t,
                                const struct xb_attack_params *p, struct xb_attack **out)
{
    *out = NULL;
    enum xb_status st = xb_attack_params_validate(ctx, net, t, p);
    if (st)
        return st;
    if (t->run)
        return xb_error(ctx, XB_EINVAL, "attack %s does not take gradient steps; run it whole "
                        "(xb_attack_run)", t->name);
    struct xb_attack *a = xb_calloc(1, sizeof *a);
    a->net = net;
    a->type = t;
    a->p = *p;
    a->seed = xb_ctx_seed(ctx);
    a->F = xb_shape_size(xb_net_layer(net, 0)->in);
    a->C = (size_t)xb_net_classes(net);
    a->draws = xb_attack_draws(net, p);
    a->max_batch = xb_net_max_rows(net) / (size_t)a->draws;
    a->steps = t->steps(p);
    a->alpha = t->step_size(p);
    const size_t rows = (size_t)a->draws * a->max_batch;
    a->x = xb_aligned(a->max_batch * a->F, sizeof(float));
    a->xr = xb_aligned(rows * a->F, sizeof(float));
    a->dx = xb_aligned(rows * a->F, sizeof(float));
    a->g = xb_aligned(a->max_batch * a->F, sizeof(float));
    a->d = xb_aligned(a->max_batch * a->F, sizeof(float));
    a->yr = xb_malloc(rows, 1);
    a->w = xb_malloc(rows, sizeof(double));
    a->prob = xb_malloc(a->C, sizeof(double));
    a->pbar = xb_malloc(a->C, sizeof(double));
    a->surrogates = xb_calloc(xb_net_n_layers(net), sizeof(int));
    a->side = xb_attack_image_side(net);
    a->tf = xb_malloc(a->max_batch, sizeof *a->tf);
    a->tmp = xb_aligned(a->max_batch * a->F, sizeof(float));
    *out = a;
    return XB_OK;
}

void xb_attack_free(struct xb_attack *a)
{
    if (!a)
        return;
    xb_free(a->x), xb_free(a->xr), xb_free(a->dx), xb_free(a->g), xb_free(a->d);
    xb_free(a->yr), xb_free(a->w), xb_free(a->prob), xb_free(a->pbar);
    xb_free(a->surrogates);
    xb_free(a->tf), xb_free(a->tmp);
    xb_free(a);
}

size_t xb_attack_max_batch(const struct xb_attack *a) { return a->max_batch; }
const float *xb_attack_x(const struct xb_attack *a) { return a->x; }
int xb_attack_steps(const struct xb_attack *a) { return a->steps; }

/* max and min as comparisons: with b never NaN these are fmaxf(a, b) and
 * fminf(a, b) bit for bit (a NaN a gives b; of two zeros, b: what glibc's
 * maxss/minss give), but they inline and vectorise where the libm calls
 * took a third of a PGD step at -O2. */
static inline float max_of(float a, float b) { return a > b ? a : b; }
static inline float min_of(float a, float b) { return a < b ? a : b; }

/* x clipped to the eps-ball of x0 and to [0, 1]. */
static inline float project(float x, float x0, float eps)
{
    const float lo = max_of(x0 - eps, 0.0f), hi = min_of(x0 + eps, 1.0f);
    return min_of(max_of(x, lo), hi);
}

void xb_attack_begin(struct xb_attack *a, const float *x0, const uint8_t *y, size_t b,
                     uint32_t sample0, int r)
{
    XB_ASSERT(b >= 1 && b <= a->max_batch);
    XB_ASSERT(r >= 0 && (r == 0 || a->type->random_start) && r < a->p.restarts);
    a->x0 = x0, a->y = y, a->b = b, a->sample0 = sample0, a->restart = r, a->k = 0;
    const size_t F = a->F;
    const float eps = (float)a->p.eps;
    memcpy(a->x, x0, b * F * sizeof(float));
    memset(a->d, 0, b * F * sizeof(float));
    for (int d = 0; d < a->draws; d++)
        memcpy(a->yr + (size_t)d * b, y, b);
    if (!a->type->random_start)
        return;
    /* Uniform on (-eps, eps) per pixel, then into [0, 1]. */
    for (size_t s = 0; s < b; s++) {
        struct xb_addr ad = {.purpose = XB_PURPOSE_ATTACK, .layer = a->p.stream,
                             .sample = sample0 + (uint32_t)s, .vote = (uint32_t)r,
                             .step = a->p.epoch};
        struct xb_stream st = xb_stream_at(a->seed, &ad);
        float *u = a->g + s * F; /* scratch until the first step */
        xb_uniform_fill(&st, 0, F, u);
        for (size_t i = 0; i < F; i++) {
            const float v = x0[s * F + i] + eps * (2.0f * u[i] - 1.0f);
            a->x[s * F + i] = project(v, x0[s * F + i], eps);
        }
    }
}

/* The pass of step k's draws over the batch's copies. */
static struct xb_pass pass_at(const struct xb_attack *a, int k, int backward)
{
    const uint32_t vote0 = XB_ATTACK_VOTE0 +
                           (uint32_t)((a->restart * (a->steps + 1) + k) * a->draws);
    return (struct xb_pass){.phase = XB_PHASE_EVAL, .rows = (size_t)a->draws * a->b,
                            .addr = {.sample0 = a->sample0, .batch = (uint32_t)a->b,
                                     .vote0 = vote0},
                            .seed = a->seed, .noise = a->p.noise, .sigma = a->p.sigma,
                            .instance = a->p.instance, .on_device = a->p.on_device,
                            .backward = backward};
}

/* The forward of the iterate's copies at step k: rows d·b + s is draw d of
 * image s, through DIM's transform of image s at the step when the kind
 * has one (xb_attack_step draws it; never in the check). Returns the
 * logits. */
static const float *forward_copies(struct xb_attack *a, int k, int backward,
                                   struct xb_pass *pass)
{
    const size_t n = a->b * a->F;
    if (backward && a->type->diversity)
        for (size_t s = 0; s < a->b; s++)
            xb_attack_resize_apply(a->side, &a->tf[s], a->x + s * a->F, a->xr + s * a->F);
    else
        memcpy(a->xr, a->x, n * sizeof(float));
    for (int d = 1; d < a->draws; d++)
        memcpy(a->xr + (size_t)d * n, a->xr, n * sizeof(float));
    *pass = pass_at(a, k, backward);
    return xb_net_forward(a->net, pass, a->xr);
}

/* Image s's part of a step, after the backward: the EOT gradient (the
 * draws summed in order), DIM's adjoint, TIM's filter, the kind's
 * direction, a signed step and the projection. Touches image s's rows of
 * g, d, x and tmp only. */
static void step_image(struct xb_attack *a, size_t s)
{
    const size_t b = a->b, F = a->F, D = (size_t)a->draws;
    const float eps = (float)a->p.eps, alpha = (float)a->alpha;
    float *g = a->g + s * F, *dir = a->d + s * F, *x = a->x + s * F, *tmp = a->tmp + s * F;
    const float *x0 = a->x0 + s * F;
    if (D == 1) { /* the sum of one term, as a loop that vectorises */
        const double w = a->w[s];
        const float *dx = a->dx + s * F;
#pragma omp simd
        for (size_t i = 0; i < F; i++)
            g[i] = (float)(w * (double)dx[i]);
    } else {
        for (size_t i = 0; i < F; i++) {
            double sum = 0.0;
            for (size_t d = 0; d < D; d++)
                sum += a->w[d * b + s] * (double)a->dx[(d * b + s) * F + i];
            g[i] = (float)sum;
        }
    }
    if (a->type->diversity) {
        xb_attack_resize_adjoint(a->side, &a->tf[s], g, tmp);
        memcpy(g, tmp, F * sizeof(float));
    }
    if (a->type->filter) {
        a->type->filter(&a->p, a->side, g, tmp);
        memcpy(g, tmp, F * sizeof(float));
    }
    if (a->type->direction)
        a->type->direction(&a->p, g, dir, F);
    else
        memcpy(dir, g, F * sizeof(float));
    /* sign(d) as (d > 0) - (d < 0): 0 for 0 and NaN, as the comparisons
     * it replaces, without their unpredictable branches. */
#pragma omp simd
    for (size_t i = 0; i < F; i++) {
        const float sg = (float)((dir[i] > 0.0f) - (dir[i] < 0.0f));
        x[i] = project(x[i] + alpha * sg, x0[i], eps);
    }
}

double xb_attack_step(struct xb_attack *a)
{
    XB_ASSERT(a->k < a->steps);
    const size_t b = a->b, D = (size_t)a->draws;
    /* DIM's transform of image s at step k: stream ATTACK {sample, vote =
     * restart, step = k} (ARCHITECTURE.md §6). */
    for (size_t s = 0; a->type->diversity && s < b; s++) {
        struct xb_addr ad = {.purpose = XB_PURPOSE_ATTACK, .sample = a->sample0 + (uint32_t)s,
                             .vote = (uint32_t)a->restart, .step = (uint32_t)a->k};
        struct xb_stream st = xb_stream_at(a->seed, &ad);
        a->type->diversity(&a->p, &st, a->side, &a->tf[s]);
    }
    struct xb_pass pass;
    const float *z = forward_copies(a, a->k, 1, &pass);
    const double loss = xb_net_loss(a->net, a->yr, pass.rows);
    swap_surrogates(a->net, a->p.surrogate, a->surrogates);
    xb_net_backward_input_only(a->net, &pass, a->xr, a->dx);
    restore_surrogates(a->net, a->p.surrogate, a->surrogates);
    /* Row weights: the averaged softmax of a vote (xb_attack.h), else equal. */
    for (size_t s = 0; s < b; s++) {
        double total = 0.0;
        for (size_t d = 0; d < D; d++) {
            const size_t r = d * b + s;
            a->w[r] = 1.0;
            if (a->p.votes > 1 && D > 1) {
                xb_softmax_row(z + r * a->C, a->C, a->prob);
                a->w[r] = a->prob[a->y[s]];
            }
            total += a->w[r];
        }
        for (size_t d = 0; d < D; d++)
            a->w[d * b + s] = total > 0.0 ? a->w[d * b + s] / total : 1.0 / (double)D;
    }
    /* The EOT gradient, the kind's direction, the signed step and the
     * projection, image by image: each image's own pixels and state, so
     * the images run in parallel with the same bits for any thread count. */
    struct xb_attack *const at = a;
#pragma omp parallel for schedule(static) default(none) firstprivate(at, b) \
    if (b * at->F >= PAR_MIN_PIXELS)
    for (size_t s = 0; s < b; s++)
        step_image(at, s);
    a->k++;
    return loss;
}

void xb_attack_check(struct xb_attack *a, uint8_t *fooled)
{
    const size_t b = a->b, C = a->C, D = (size_t)a->draws;
    struct xb_pass pass;
    const float *z = forward_copies(a, a->steps, 0, &pass);
    for (size_t s = 0; s < b; s++) {
        memset(a->pbar, 0, C * sizeof(double));
        for (size_t d = 0; d < D; d++) {
            xb_softmax_row(z + (d * b + s) * C, C, a->prob);
            for (size_t c = 0; c < C; c++)
                a->pbar[c] += a->prob[c];
        }
        size_t best = 0; /* lowest index on ties, as xb_net_predict */
        for (size_t c = 1; c < C; c++)
            best = a->pbar[c] > a->pbar[best] ? c : best;
        fooled[s] = best != a->y[s];
    }
}

/* ---- the whole thing ------------------------------------------------------ */

enum xb_status xb_attack_run(struct xb_ctx *ctx, struct xb_net *net,
                             const struct xb_attack_type *t, const struct xb_attack_params *p,
                             const float *X, const uint8_t *y, size_t n, float *X_adv)
{
    if (t->run) {
        enum xb_status st = xb_attack_params_validate(ctx, net, t, p);
        return st ? st : t->run(ctx, net, p, X, y, n, X_adv);
    }
    struct xb_attack *a;
    enum xb_status st = xb_attack_create(ctx, net, t, p, &a);
    if (st)
        return st;
    if (n > UINT32_MAX - p->sample0) {
        xb_attack_free(a);
        return xb_error(ctx, XB_ERANGE, "%zu images from sample %u: at most 2^32 are "
                        "addressable", n, p->sample0);
    }
    const size_t F = a->F, B = a->max_batch;
    const int restarts = t->random_start ? p->restarts : 1;
    uint8_t *fooled = xb_malloc(B, 1), *kept = xb_malloc(B, 1);
    for (size_t b0 = 0; b0 < n; b0 += B) {
        const size_t b = n - b0 < B ? n - b0 : B;
        for (int r = 0; r < restarts; r++) {
            xb_attack_begin(a, X + b0 * F, y + b0, b, p->sample0 + (uint32_t)b0, r);
            for (int k = 0; k < a->steps; k++)
                xb_attack_step(a);
            if (restarts > 1)
                xb_attack_check(a, fooled);
            for (size_t s = 0; s < b; s++) {
                if (r > 0 && (kept[s] || !fooled[s]))
                    continue;
                memcpy(X_adv + (b0 + s) * F, a->x + s * F, F * sizeof(float));
                kept[s] = restarts > 1 ? fooled[s] : 0;
            }
        }
    }
    xb_free(fooled), xb_free(kept);
    xb_attack_free(a);
    return XB_OK;
}
