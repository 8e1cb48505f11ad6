#include "xb_lr.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_loss.h"
#include "xb_rng.h"

struct site {
    size_t noise; /* the layer that injects (lr_score) */
    size_t w;     /* the affine layer whose output it perturbs (= noise: the
                     product inside it, lr_product) */
    int bipolar;  /* NIT-S reads w's 0/1 spike inputs as −1/+1 (sign_spikes) */
};

struct xb_lr {
    struct xb_net *net;
    struct xb_lr_params p;
    size_t features, classes;
    struct site site[XB_NET_MAX_LAYERS];
    size_t n_sites;
    float *xc;       /* [C·m × features]: the copies' inputs */
    uint8_t *yc;     /* and labels */
    double *L, *coef; /* [C·m] */
    double *csum;     /* [m]: a sample's coefficients summed over its copies (sign_zero) */
    float *dy, *sx;  /* scores for w's backward, sgn of w's inputs (grown) */
    size_t dy_n, sx_n;
};

static enum xb_status layer_error(struct xb_ctx *ctx, struct xb_net *net, size_t k,
                                  const char *what)
{
    return xb_error(ctx, XB_EINVAL, "likelihood-ratio training: layer %zu (%s) %s", k,
                    xb_net_layer(net, k)->type->name, what);
}

/* The nearest layer before k that is not a view (what k reads); NONE: k
 * reads the net's input. */
#define NONE ((size_t)-1)
static size_t reads_from(struct xb_net *net, size_t k)
{
    while (k-- > 0 && xb_net_layer(net, k)->type->view) {
    }
    return k;
}

/* Finds the sites; every layer with parameters must be one or feed one. */
static enum xb_status find_sites(struct xb_ctx *ctx, struct xb_lr *lr)
{
    struct xb_net *net = lr->net;
    const size_t n = xb_net_n_layers(net);
    uint8_t reached[XB_NET_MAX_LAYERS] = {0};
    for (size_t k = 0; k < n; k++) {
        struct xb_layer *l = xb_net_layer(net, k);
        if (!l->type->lr_score)
            continue;
        size_t ns = 0;
        l->type->lr_sigma(l, &ns);
        if (!ns)
            return layer_error(ctx, net, k, "needs learn_sigma = true: the learned std is part "
                               "of the estimator");
        if (l->type->lr_product) { /* its product inside is w (lif) */
            reached[k] = 1;
            lr->site[lr->n_sites++] = (struct site){.noise = k, .w = k};
            continue;
        }
        const size_t w = reads_from(net, k);
        if (w == NONE || !xb_net_layer(net, w)->type->affine) {
            if (w == NONE)
                return layer_error(ctx, net, k, "has no affine layer (dense) before it: its "
                                   "noise would perturb the input, which has no weights");
            char what[320];
            snprintf(what, sizeof what, "follows layer %zu (%s), which is not affine (y = W x "
                     "+ b): the score of its noise is no parameter gradient there (put the noise "
                     "right after a dense layer)", w, xb_net_layer(net, w)->type->name);
            return layer_error(ctx, net, k, what);
        }
        reached[k] = reached[w] = 1;
        lr->site[lr->n_sites++] = (struct site){.noise = k, .w = w};
    }
    for (size_t k = 0; k < n; k++)
        if (xb_net_layer(net, k)->n_params && !reached[k])
            return layer_error(ctx, net, k, "has parameters but no noise layer with learn_sigma "
                               "right after it: no likelihood-ratio score reaches them");
    if (!lr->n_sites)
        return xb_error(ctx, XB_EINVAL, "likelihood-ratio training: the model has no noise "
                        "layer (learn_sigma = true) after a dense layer, nor a lif layer with "
                        "learn_sigma = true");
    return XB_OK;
}

/* train.sign_spikes = "bipolar": the sites whose affine layer reads spikes
 * (the layer before it, past views, says so: a rate-coding encoder, a lif
 * layer's spike trains) score them as −1/+1; others keep sgn(x). A
 * net with none would ignore the option, and sgn(0) = +1 has no 0 left to
 * score on a bipolar site: both refused. */
static enum xb_status find_spike_sites(struct xb_ctx *ctx, struct xb_lr *lr,
                                       const struct xb_lr_params *q)
{
    if (q->sign_zero_plus)
        return xb_error(ctx, XB_EINVAL, "likelihood-ratio training: train.sign_spikes = "
                        "\"bipolar\" with sign_zero = \"plus\": a bipolar spike is never 0, "
                        "so the two are alternative readings of eq. 3; choose one");
    size_t n = 0;
    for (size_t s = 0; s < lr->n_sites; s++) {
        const size_t k = reads_from(lr->net, lr->site[s].w);
        const struct xb_layer *in = k == NONE ? NULL : xb_net_layer(lr->net, k);
        lr->site[s].bipolar = in && in->type->spikes && in->type->spikes(in);
        n += (size_t)lr->site[s].bipolar;
    }
    if (!n)
        return xb_error(ctx, XB_EINVAL, "likelihood-ratio training: train.sign_spikes = "
                        "\"bipolar\" but no noisy layer reads spikes (a rate-coding encoder's "
                        "or a lif layer's): there is nothing to read as -1/+1");
    return XB_OK;
}

enum xb_status xb_lr_create(struct xb_ctx *ctx, struct xb_net *net,
                            const struct xb_train_params *p, struct xb_lr **out)
{
    *out = NULL;
    const struct xb_lr_params *q = &p->lr;
    if (q->copies < 1 || q->copies > XB_RNG_MAX_VOTE + 1u)
        return xb_error(ctx, XB_ERANGE, "copies = %zu: expected 1 .. %u", q->copies,
                        XB_RNG_MAX_VOTE + 1u);
    if (q->baseline && q->copies < 2)
        return xb_error(ctx, XB_EINVAL, "baseline = true needs copies >= 2 (the leave-one-out "
                        "mean of the other copies), not %zu", q->copies);
    if (!(q->sigma_min > 0.0 && q->sigma_min <= q->sigma_max && isfinite(q->sigma_max)))
        return xb_error(ctx, XB_ERANGE, "sigma_min = %g, sigma_max = %g: expected 0 < "
                        "sigma_min <= sigma_max, finite", q->sigma_min, q->sigma_max);
    const size_t rows = q->copies * p->batch;
    if (rows > xb_net_max_rows(net))
        return xb_error(ctx, XB_ERANGE, "copies x batch = %zu rows: the net allows %zu",
                        rows, xb_net_max_rows(net));
    struct xb_lr *lr = xb_calloc(1, sizeof *lr);
    lr->net = net;
    lr->p = *q;
    enum xb_status st = find_sites(ctx, lr);
    if (st) {
        xb_lr_free(lr);
        return st;
    }
    for (size_t k = 0; k < lr->n_sites && q->sign_zero_plus && !st; k++) {
        struct xb_layer *nl = xb_net_layer(net, lr->site[k].noise);
        const struct xb_layer *wl = nl->type->lr_product ? nl->type->lr_product(nl)
                                                          : xb_net_layer(net, lr->site[k].w);
        if (strcmp(wl->type->name, "dense"))
            st = layer_error(ctx, net, lr->site[k].noise, "takes its product from a layer "
                             "that is not dense: sign_zero = \"plus\" (sgn(0) = +1) scores "
                             "the inputs of dense products only");
    }
    if (!st && q->sign_bipolar)
        st = find_spike_sites(ctx, lr, q);
    if (st) {
        xb_lr_free(lr);
        return st;
    }
    lr->features = xb_shape_size(xb_net_layer(net, 0)->in);
    lr->classes = (size_t)xb_net_classes(net);
    lr->xc = xb_aligned(rows * lr->features, sizeof(float));
    lr->yc = xb_malloc(rows, 1);
    lr->L = xb_malloc(rows, sizeof(double));
    lr->coef = xb_malloc(rows, sizeof(double));
    lr->csum = xb_malloc(p->batch, sizeof(double));
    *out = lr;
    return XB_OK;
}

void xb_lr_free(struct xb_lr *lr)
{
    if (!lr)
        return;
    xb_free(lr->xc);
    xb_free(lr->yc);
    xb_free(lr->L);
    xb_free(lr->coef);
    xb_free(lr->csum);
    xb_free(lr->dy);
    xb_free(lr->sx);
    xb_free(lr);
}

static float *grow(float **buf, size_t *have, size_t n)
{
    if (n > *have) {
        xb_free(*buf);
        *buf = xb_aligned(n, sizeof(float));
        *have = n;
    }
    return *buf;
}

/* 1 if the input of site s's affine layer w is the same for all copies of
 * a sample in pass q: every layer before w computes the same for them
 * (deterministic(), which a rate encoder is in a pass with copies, xb_pass;
 * a view changes nothing). NULL says nothing of TRAIN passes (dropout):
 * not shared. */
static int site_shared(const struct xb_lr *lr, size_t s, const struct xb_pass *q)
{
    for (size_t k = 0; k < lr->site[s].w; k++) {
        const struct xb_layer *l = xb_net_layer(lr->net, k);
        if (!l->type->view && !(l->type->deterministic && l->type->deterministic(l, q)))
            return 0;
    }
    return 1;
}

/* dy[i] = Σ_c dy[c·n + i] for i < n, c = 0 .. C − 1 in this order, in
 * double: the score of a sample's C copies, whose rows of dy are blocks of
 * n values one after the other (copy c of sample b is row c·m + b, and a
 * lif layer's row r·T + t is step t of row r). The same bits for any
 * thread count: each i is one thread's, its sum in a fixed order. */
static void sum_copies(float *dy, size_t n, size_t C)
{
#pragma omp parallel for simd schedule(static) default(none) shared(dy, n, C) \
    if (parallel : n * C > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++) {
        double a = (double)dy[i];
        for (size_t c = 1; c < C; c++)
            a += (double)dy[c * n + i];
        dy[i] = (float)a;
    }
}

/* Paper 000 eq. 3 read with its sgn(0) = +1: an input x_ρj of exactly 0
 * scores sgn(0 · ε_i) = +1 for every neuron i whatever its noise, so W_ij's
 * gradient gains a_j = Σ_ρ c_ρ [x_ρj = 0] for every i — what the sign
 * product, with sgn(x) = 0 there, leaves out. Row ρ of w's backward is
 * pass row ρ / k (k = 1 for a noise layer, T for lif: row r·T + t), c_ρ
 * that row's coefficient; a shared site's rows are copy 0's (ρ / k = the
 * sample b) and c_ρ = Σ_c coef[c·m + b], summed in copy order. a_j in
 * double over the rows in order: the same bits for any thread count. */
static void sign_zero_drift(struct xb_lr *lr, struct xb_layer *wl, const float *x,
                            size_t rows_w, size_t k, size_t m, int shared)
{
    struct xb_layer_mvm mv;
    wl->type->mvm(wl, &mv);
    const size_t out = mv.out, in = mv.in, C = lr->p.copies;
    const double *c = lr->coef;
    if (shared) {
        for (size_t b = 0; b < m; b++) {
            double a = 0.0;
            for (size_t cc = 0; cc < C; cc++)
                a += lr->coef[cc * m + b];
            lr->csum[b] = a;
        }
        c = lr->csum;
    }
    float *g = wl->grads;
#pragma omp parallel for schedule(static) default(none) \
    shared(x, c, g, rows_w, k, in, out) if (rows_w * in > XB_LAYER_PAR_MIN)
    for (size_t j = 0; j < in; j++) {
        double a = 0.0;
        for (size_t r = 0; r < rows_w; r++)
            if (x[r * in + j] == 0.0f)
                a += c[r / k];
        for (size_t i = 0; i < out; i++)
            g[i * in + j] += (float)a;
    }
}

/* The weight of each row's loss: (L_r − β_r) / (C·m). */
static void coefficients(const struct xb_lr *lr, size_t m, double *coef)
{
    const size_t C = lr->p.copies, n = C * m;
    for (size_t b = 0; b < m; b++) {
        double S = 0.0;
        for (size_t c = 0; c < C; c++)
            S += lr->L[c * m + b];
        for (size_t c = 0; c < C; c++) {
            const double Lr = lr->L[c * m + b];
            const double beta = lr->p.baseline ? (S - Lr) / (double)(C - 1) : 0.0;
            coef[c * m + b] = (Lr - beta) / (double)n;
        }
    }
}

enum xb_status xb_lr_gradient(struct xb_ctx *ctx, struct xb_lr *lr, const struct xb_pass *pass,
                              const float *X, const uint8_t *y, int sign, double *loss)
{
    struct xb_net *net = lr->net;
    const size_t m = pass->rows, C = lr->p.copies, n = C * m, F = lr->features;
    if (pass->noise != XB_NOISE_ADD || !(pass->sigma > 0.0))
        return xb_error(ctx, XB_EINVAL, "likelihood-ratio training needs additive noise (noise "
                        "= add) with sigma_train > 0: the injected noise is the estimator");
    if ((uint64_t)pass->addr.epoch * C + C - 1 > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "epoch %u with %zu copies: the copies' vote field "
                        "epoch x copies + copy must stay <= %u", pass->addr.epoch + 1, C,
                        XB_RNG_MAX_VOTE);
    XB_ASSERT(m >= 1 && n <= xb_net_max_rows(net));
    for (size_t c = 0; c < C; c++) {
        memcpy(lr->xc + c * m * F, X, m * F * sizeof(float));
        memcpy(lr->yc + c * m, y, m);
    }
    struct xb_pass q = *pass;
    q.phase = XB_PHASE_TRAIN;
    q.rows = n;
    q.addr.batch = (uint32_t)m;
    q.addr.vote0 = pass->addr.epoch * (uint32_t)C;
    q.copies = (uint32_t)C; /* the copies see their sample's input spikes */
    q.replicas = (uint32_t)C; /* what is equal across them is computed once */
    const float *out = xb_net_forward(net, &q, lr->xc);

    /* Each row's own loss (the kinds are pure: safe from any thread; each
     * row writes its own entry, so the same for any thread count). A row
     * costs ~K exponentials: parallel only for many rows. */
    const struct xb_loss_type *lt = xb_net_loss_type(net);
    const size_t K = lr->classes;
    double *L = lr->L;
    const uint8_t *yc = lr->yc;
#pragma omp parallel for schedule(static) default(none) shared(L, out, yc, lt, n, K) \
    if (n * K > XB_LAYER_PAR_MIN / 8)
    for (size_t r = 0; r < n; r++)
        L[r] = lt->eval(out + r * K, yc + r, 1, K, NULL);
    double sum = 0.0;
    for (size_t r = 0; r < n; r++)
        sum += L[r];
    *loss = sum / (double)n;
    memset(xb_net_grads(net), 0, xb_net_n_params(net) * sizeof(float));
    if (!isfinite(*loss))
        return XB_OK; /* the caller names the layer */
    coefficients(lr, m, lr->coef);

    for (size_t s = 0; s < lr->n_sites; s++) {
        struct xb_layer *nl = xb_net_layer(net, lr->site[s].noise);
        const size_t w = lr->site[s].w;
        struct xb_layer *wl = xb_net_layer(net, w);
        if (nl->type->lr_product)
            wl = nl->type->lr_product(nl);
        size_t rows_w = nl->type->lr_score(nl, &q, lr->coef, sign, NULL);
        float *dy = grow(&lr->dy, &lr->dy_n, rows_w * xb_shape_size(wl->out));
        nl->type->lr_score(nl, &q, lr->coef, sign, dy);
        /* w's input the same for every copy: Σ_c coef_c x ε_c = x Σ_c
         * coef_c ε_c, so the copies' scores are summed first and w's
         * backward runs over copy 0's rows alone (a C-th of the product;
         * NIT-S: sgn(x) Σ_c coef_c sgn(ε_c) alike). */
        const size_t k = rows_w / n; /* w's rows per pass row */
        const int shared = site_shared(lr, s, &q);
        if (shared) {
            rows_w /= C;
            sum_copies(dy, rows_w * xb_shape_size(wl->out), C);
        }
        const float *x = xb_net_layer_input(net, w, lr->xc);
        if (sign && lr->p.sign_zero_plus)
            sign_zero_drift(lr, wl, x, rows_w, k, m, shared);
        if (sign) {
            const size_t nx = rows_w * xb_shape_size(wl->in);
            float *sx = grow(&lr->sx, &lr->sx_n, nx);
            const float lo = lr->site[s].bipolar ? -1.0f : 0.0f; /* what a 0 reads as */
#pragma omp parallel for simd schedule(static) default(none) shared(sx, x, nx, lo) \
    if (parallel : nx > XB_LAYER_PAR_MIN)
            for (size_t i = 0; i < nx; i++)
                sx[i] = x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : lo;
            x = sx;
        }
        struct xb_pass qw = q;
        qw.rows = rows_w;
        xb_net_layer_backward(net, w, &qw, x, dy);
    }
    return XB_OK;
}

void xb_lr_project(struct xb_lr *lr)
{
    const float lo = (float)lr->p.sigma_min, hi = (float)lr->p.sigma_max;
    for (size_t s = 0; s < lr->n_sites; s++) {
        struct xb_layer *nl = xb_net_layer(lr->net, lr->site[s].noise);
        size_t n;
        float *sig = nl->type->lr_sigma(nl, &n);
        for (size_t i = 0; i < n; i++)
            sig[i] = sig[i] < lo ? lo : sig[i] > hi ? hi : sig[i];
    }
}
