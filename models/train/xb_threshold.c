/*
 * A spiking net started from a trained ANN (xb_threshold.h).
 */
#include "xb_threshold.h"

#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_statistics_float.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_spike.h"

/* Layer k's threshold from the currents of its step t over X. */
static double step_percentile(struct xb_net *net, size_t k, size_t t, const float *X, size_t n,
                              double p, uint64_t seed, float *cur, float *vals)
{
    struct xb_layer *l = xb_net_layer(net, k);
    const size_t F = xb_shape_size(xb_net_layer(net, 0)->in), M = xb_net_max_rows(net);
    size_t units = 0;
    for (size_t c = 0; c < n; c += M) {
        const size_t m = n - c < M ? n - c : M;
        struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = m, .seed = seed,
                               .addr = {.sample0 = (uint32_t)c, .batch = (uint32_t)m}};
        xb_net_forward(net, &pass, X + c * F);
        struct xb_lif_trace tr;
        xb_lif_trace_of(l, &tr);
        xb_lif_currents(l, &pass, tr.x, cur);
        units = tr.units;
        for (size_t r = 0; r < m; r++)
            memcpy(vals + (c + r) * units, cur + (r * tr.steps + t) * units,
                   units * sizeof(float));
    }
    gsl_sort_float(vals, 1, n * units);
    return gsl_stats_float_quantile_from_sorted_data(vals, 1, n * units, p / 100.0);
}

enum xb_status xb_snn_init_thresholds(struct xb_ctx *ctx, struct xb_net *snn, const float *X,
                                      size_t n, double percentile, double scale, uint64_t seed,
                                      double *thresholds)
{
    if (!(percentile > 0.0 && percentile <= 100.0) || !(scale > 0.0) || n == 0)
        return xb_error(ctx, XB_ERANGE, "threshold initialisation: percentile %g, scale %g, "
                        "%zu images: expected a percentile in (0, 100], a scale > 0 and "
                        "images", percentile, scale, n);
    const size_t L = xb_net_n_layers(snn), M = xb_net_max_rows(snn);
    for (size_t k = 0; k < L; k++) {
        struct xb_layer *l = xb_net_layer(snn, k);
        if (xb_layer_is_lif(l) && xb_lif_fires(l) && !xb_lif_learns_threshold(l))
            return xb_error(ctx, XB_EINVAL, "threshold initialisation: layer %zu (%s) does "
                            "not learn its threshold: expected learn_threshold = true, so the "
                            "thresholds set here are parameters the model file keeps", k,
                            l->type->name);
        if (thresholds)
            thresholds[k] = NAN;
    }
    for (size_t k = 0; k < L; k++) {
        struct xb_layer *l = xb_net_layer(snn, k);
        if (!xb_layer_is_lif(l) || !xb_lif_fires(l))
            continue;
        /* units and steps from one forward of a row */
        struct xb_pass one = {.phase = XB_PHASE_EVAL, .rows = 1, .seed = seed,
                              .addr = {.batch = 1}};
        xb_net_forward(snn, &one, X);
        struct xb_lif_trace tr;
        xb_lif_trace_of(l, &tr);
        const size_t T = tr.steps, U = tr.units;
        float *cur = xb_aligned((M < n ? M : n) * T * U, sizeof(float));
        float *vals = xb_aligned(n * U, sizeof(float));
        double best = -INFINITY;
        for (size_t t = 0; t < T; t++) {
            const double q = step_percentile(snn, k, t, X, n, percentile, seed, cur, vals);
            best = q > best ? q : best;
        }
        xb_free(cur), xb_free(vals);
        const double v = scale * best;
        if (!(v > 0.0 && v < 1e6))
            return xb_error(ctx, XB_ENUMERIC, "threshold initialisation: layer %zu (%s): the "
                            "%g-th percentile of its input currents times %g is %g: expected a "
                            "positive threshold below 1e6", k, l->type->name, percentile, scale,
                            v);
        xb_lif_set_threshold(l, (float)v);
        if (thresholds)
            thresholds[k] = (double)(float)v;
    }
    return XB_OK;
}

/* The next layer at or after *k with parameters, or L. */
static size_t next_weighted(struct xb_net *net, size_t k)
{
    while (k < xb_net_n_layers(net) && xb_net_layer(net, k)->n_params == 0)
        k++;
    return k;
}

/* The kind of product a layer's leading parameters are (lif: dense). */
static const char *product_kind(const struct xb_layer *l)
{
    if (!xb_layer_is_lif(l))
        return l->type->name;
    return strcmp(l->type->name, "conv_lif") ? "dense" : "conv2d";
}

enum xb_status xb_snn_copy_ann(struct xb_ctx *ctx, struct xb_net *snn, struct xb_net *ann)
{
    const size_t LS = xb_net_n_layers(snn), LA = xb_net_n_layers(ann);
    /* every pair checked first: nothing is copied unless all pair up */
    for (int copy = 0; copy < 2; copy++) {
        size_t ks = next_weighted(snn, 0), ka = next_weighted(ann, 0);
        for (; ks < LS || ka < LA;
             ks = next_weighted(snn, ks + 1), ka = next_weighted(ann, ka + 1)) {
            struct xb_layer *s = ks < LS ? xb_net_layer(snn, ks) : NULL;
            struct xb_layer *a = ka < LA ? xb_net_layer(ann, ka) : NULL;
            const size_t ns = !s ? 0 : xb_layer_is_lif(s) ? xb_lif_product_params(s)
                                                         : s->n_params;
            if (!s || !a || ns != a->n_params || strcmp(product_kind(s), a->type->name))
                return xb_error(ctx, XB_ESHAPE, "ANN weights: SNN layer %zu (%s, %zu weights) "
                                "and ANN layer %zu (%s, %zu weights) do not pair up: expected "
                                "for each weighted SNN layer, in order, an ANN layer of its "
                                "product's kind (lif: dense, conv_lif: conv2d) and size", ks,
                                s ? s->type->name : "none", ns, ka,
                                a ? a->type->name : "none", a ? a->n_params : (size_t)0);
            if (copy)
                memcpy(s->params, a->params, ns * sizeof(float));
        }
    }
    return XB_OK;
}
