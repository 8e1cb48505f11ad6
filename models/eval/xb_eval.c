#include "xb_eval.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"

void xb_softmax_row(const float *z, size_t n, double *p)
{
    double m = z[0], sum = 0.0;
    for (size_t c = 1; c < n; c++)
        m = (double)z[c] > m ? (double)z[c] : m;
    for (size_t c = 0; c < n; c++)
        sum += p[c] = exp((double)z[c] - m);
    for (size_t c = 0; c < n; c++)
        p[c] /= sum;
}

/* For k = 1 .. votes: hit[k-1] += 1 if the arg max of the mean softmax of
 * inferences 0 .. k-1 of sample s (rows v·m + s of logits) is label.
 * prob, mean: scratch of C doubles. */
static void softmax_votes(const float *logits, size_t m, size_t s, int votes, int C,
                          uint8_t label, double *prob, double *mean, uint64_t *hit)
{
    memset(mean, 0, (size_t)C * sizeof *mean);
    for (int k = 1; k <= votes; k++) {
        xb_softmax_row(logits + ((size_t)(k - 1) * m + s) * (size_t)C, (size_t)C, prob);
        int best = 0;
        for (int c = 0; c < C; c++) {
            mean[c] += prob[c];
            best = mean[c] > mean[best] ? c : best;
        }
        hit[k - 1] += best == label;
    }
}

int xb_majority(const uint8_t *preds, int n_votes, int n_classes, int *counts)
{
    memset(counts, 0, (size_t)n_classes * sizeof *counts);
    int best = preds[0], best_count = 0;
    for (int k = 0; k < n_votes; k++)
        counts[preds[k]]++;
    for (int c = 0; c < n_classes; c++)
        best_count = counts[c] > best_count ? counts[c] : best_count;
    /* The earliest vote whose class has the top count. */
    for (int k = 0; k < n_votes; k++)
        if (counts[preds[k]] == best_count) {
            best = preds[k];
            break;
        }
    return best;
}

enum xb_status xb_eval_run(struct xb_ctx *ctx, struct xb_net *net, const struct xb_eval_params *p,
                           const float *X, const uint8_t *y, size_t n, double *acc_repeat,
                           double *acc_vote)
{
    if (p->repeats < 1 || p->votes < 1)
        return xb_error(ctx, XB_ERANGE, "repeats = %d, votes = %d: both must be >= 1",
                        p->repeats, p->votes);
    if (n == 0)
        return xb_error(ctx, XB_ESHAPE, "evaluation set is empty");
    const struct xb_pass probe = {.phase = XB_PHASE_EVAL, .noise = p->noise, .sigma = p->sigma,
                                  .on_device = p->on_device};
    const int noisy = (p->noise != XB_NOISE_NONE && p->sigma > 0.0) || p->on_device ||
                      xb_net_random(net, &probe); /* a rate encoder: random at sigma 0 */
    const int V = noisy ? (p->repeats > p->votes ? p->repeats : p->votes) : 1;
    const size_t max_rows = xb_net_max_rows(net);
    if ((size_t)V > max_rows)
        return xb_error(ctx, XB_ERANGE, "%d inferences per sample do not fit the net's %zu "
                        "rows per pass", V, max_rows);
    if ((uint64_t)p->vote0 + (uint64_t)V - 1 > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "votes %u .. %u: at most %u are addressable", p->vote0,
                        p->vote0 + (uint32_t)V - 1, XB_RNG_MAX_VOTE);
    const size_t F = xb_shape_size(xb_net_layer(net, 0)->in);
    const int C = xb_net_classes(net);
    const size_t B = max_rows / (size_t)V;
    float *xr = xb_aligned(max_rows * F, sizeof(float));
    uint8_t *pred = xb_malloc(max_rows, 1), *pv = xb_malloc((size_t)V, 1);
    int *counts = xb_malloc((size_t)C, sizeof(int));
    double *prob = xb_malloc((size_t)C, sizeof(double)), *mean = xb_malloc((size_t)C,
                                                                          sizeof(double));
    uint64_t *hit_r = xb_calloc((size_t)p->repeats, sizeof(uint64_t));
    uint64_t *hit_v = xb_calloc((size_t)p->votes, sizeof(uint64_t));
    float *scratch = p->snr ? xb_aligned(xb_snr_scratch(net, p->snr) + 1, sizeof(float)) : NULL;
    for (size_t b0 = 0; b0 < n; b0 += B) {
        size_t m = n - b0 < B ? n - b0 : B;
        /* Row v * m + s is inference v of sample b0 + s. */
        for (int v = 0; v < V; v++)
            memcpy(xr + (size_t)v * m * F, X + b0 * F, m * F * sizeof(float));
        struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = (size_t)V * m,
                               .addr = {.sample0 = (uint32_t)b0, .batch = (uint32_t)m,
                                        .vote0 = p->vote0},
                               .seed = xb_ctx_seed(ctx), .noise = p->noise, .sigma = p->sigma,
                               .instance = p->instance, .on_device = p->on_device,
                               .replicas = (uint32_t)V, .measure_activity = !!p->activity};
        const float *logits = xb_net_forward(net, &pass, xr);
        if (p->activity)
            xb_activity_add(p->activity, net);
        xb_net_predict(logits, (size_t)V * m, C, pred);
        for (size_t s = 0; s < m; s++) {
            uint8_t label = y[b0 + s];
            for (int v = 0; v < V; v++)
                pv[v] = pred[(size_t)v * m + s];
            for (int r = 0; r < p->repeats; r++)
                hit_r[r] += pv[noisy ? r : 0] == label;
            if (p->vote == XB_VOTE_SOFTMAX && noisy)
                softmax_votes(logits, m, s, p->votes, C, label, prob, mean, hit_v);
            else
                for (int k = 1; k <= p->votes; k++)
                    hit_v[k - 1] += xb_majority(pv, noisy ? k : 1, C, counts) == label;
        }
        if (p->snr && b0 == 0) /* after the scoring: it overwrites the logits */
            xb_snr_add(p->snr, net, &pass, xr, scratch);
    }
    for (int r = 0; r < p->repeats; r++)
        acc_repeat[r] = (double)hit_r[r] / (double)n;
    for (int k = 0; k < p->votes; k++)
        acc_vote[k] = (double)hit_v[k] / (double)n;
    xb_free(scratch), xb_free(xr), xb_free(pred), xb_free(pv), xb_free(counts);
    xb_free(prob), xb_free(mean);
    xb_free(hit_r), xb_free(hit_v);
    return XB_OK;
}

enum xb_status xb_chip_prepare(struct xb_ctx *ctx, struct xb_net *net,
                               const struct xb_xbar_params *xbar, uint32_t instance, double t,
                               const float *cal_X, size_t cal_n)
{
    if (cal_n == 0)
        return xb_error(ctx, XB_ESHAPE, "no calibration inputs");
    struct xb_xbar_params xp = *xbar;
    xp.instance = instance;
    size_t n_cal = xb_net_max_rows(net);
    n_cal = cal_n < n_cal ? cal_n : n_cal;
    enum xb_status st = xb_net_program(ctx, net, &xp);
    if (!st)
        st = xb_net_calibrate(ctx, net, cal_X, n_cal);
    if (!st)
        st = xb_net_age(ctx, net, t);
    return st;
}

enum xb_status xb_eval_chips(struct xb_ctx *ctx, struct xb_net *net,
                             const struct xb_chip_eval_params *p, const float *X,
                             const uint8_t *y, size_t n, double *acc_instance, double *acc_vote)
{
    if (p->instances < 1 || p->votes < 1)
        return xb_error(ctx, XB_ERANGE, "chip instances = %d, votes = %d: both must be >= 1",
                        p->instances, p->votes);
    if (p->cal_n == 0)
        return xb_error(ctx, XB_ESHAPE, "no calibration inputs");
    double *kv = xb_malloc((size_t)p->votes, sizeof *kv), a0;
    for (int k = 0; k < p->votes; k++)
        acc_vote[k] = 0.0;
    enum xb_status st = XB_OK;
    for (int r = 0; r < p->instances && !st; r++) {
        st = xb_chip_prepare(ctx, net, p->xbar, (uint32_t)r, p->t, p->cal_X, p->cal_n);
        struct xb_eval_params ep = {.repeats = 1, .votes = p->votes, .noise = XB_NOISE_NONE,
                                    .on_device = 1, .instance = (uint32_t)r, .snr = p->snr,
                                    .activity = p->activity};
        if (!st)
            st = xb_eval_run(ctx, net, &ep, X, y, n, &a0, kv);
        if (st)
            break;
        acc_instance[r] = a0;
        /* Summed in instance order: the same for any thread count. */
        for (int k = 0; k < p->votes; k++)
            acc_vote[k] += kv[k];
    }
    xb_net_unprogram(net);
    xb_free(kv);
    if (st)
        return st;
    for (int k = 0; k < p->votes; k++)
        acc_vote[k] /= (double)p->instances;
    return XB_OK;
}
