/*
 * hire — HIRE-SNN training with crafted input noise (Kundu, Pedram & Beerel,
 * "HIRE-SNN: Harnessing the Inherent Robustness of Energy-Efficient Deep
 * Spiking Neural Networks by Training with Crafted Input Noise", ICCV 2021,
 * Algorithm 1 and eq. 6).
 *
 * The T steps of a batch are split into N = hire.periods periods; the
 * model's encode layer runs one period (its `steps` are T/N), so a period
 * is one forward of the net. Period p of a batch:
 *
 *   x_p   = clip_[0,1](x + kappa)
 *   forward x_p, loss, backward to the parameters and to the input (one
 *   pass: xb_net_backward_input), an optimiser step on every trained
 *   parameter (weights; thresholds and leaks of lif layers that learn them)
 *   kappa = clip(kappa + eps_s · sign(dL/dx_p), -eps_t, eps_t)      (eq. 6)
 *
 * with sign(0) = 0, so each period sees a different noisy variant of the
 * image at no extra cost (the input gradient comes from the backward the
 * update needs anyway). kappa of a batch's first period is the previous
 * batch's last (row r to row r, as Algorithm 1 carries it), and it runs on
 * from epoch to epoch: Algorithm 1 sets kappa = 0 once, before the epochs.
 * It is the trainer's carried state (xb_trainer_carried), which a
 * checkpoint saves beside the optimiser's moments, so a run resumed
 * between epochs equals the uninterrupted one to the bit. The batch's loss
 * is the mean over its periods. Nothing is random beyond what the net
 * draws: bit-identical for any thread count.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_train_impl.h"

struct hire {
    float *kappa; /* [batch × features] */
    float *x;     /* [batch × features]: x_p */
    float *dx;    /* [batch × features]: dL/dx_p */
};

static enum xb_status hire_create(struct xb_ctx *ctx, struct xb_trainer *t)
{
    const struct xb_hire_params *q = &t->p.hire;
    if (q->periods < 1)
        return xb_error(ctx, XB_ERANGE, "hire periods = %d: expected >= 1", q->periods);
    if (!(q->noise_step >= 0.0 && q->noise_step <= 1.0) ||
        !(q->noise_bound >= 0.0 && q->noise_bound <= 1.0))
        return xb_error(ctx, XB_ERANGE, "hire noise_step = %g, noise_bound = %g: expected "
                        "numbers in [0, 1] (pixel units)", q->noise_step, q->noise_bound);
    struct hire *h = xb_calloc(1, sizeof *h);
    const size_t n = t->p.batch * t->features;
    h->kappa = xb_aligned(n, sizeof(float));
    h->x = xb_aligned(n, sizeof(float));
    h->dx = xb_aligned(n, sizeof(float));
    memset(h->kappa, 0, n * sizeof(float));
    t->state = h;
    return XB_OK;
}

static enum xb_status hire_step(struct xb_ctx *ctx, struct xb_trainer *t, struct xb_pass *pass,
                                size_t step, double *loss)
{
    struct hire *h = t->state;
    const size_t n = pass->rows * t->features;
    const float es = (float)t->p.hire.noise_step, et = (float)t->p.hire.noise_bound;
    double sum = 0.0;
    for (int k = 0; k < t->p.hire.periods; k++) {
        for (size_t i = 0; i < n; i++)
            h->x[i] = fminf(fmaxf(t->xb[i] + h->kappa[i], 0.0f), 1.0f);
        xb_net_forward(t->net, pass, h->x);
        const double l = xb_net_loss(t->net, t->yb, pass->rows);
        enum xb_status st = xb_train_check_loss(ctx, t, l, step);
        if (st)
            return st;
        xb_net_backward_input(t->net, pass, h->x, h->dx);
        st = xb_train_check_grads(ctx, t, step);
        if (st)
            return st;
        xb_optim_step(t->optim, xb_net_params(t->net), xb_net_grads(t->net));
        for (size_t i = 0; i < n; i++) {
            const float g = h->dx[i], sg = g > 0.0f ? 1.0f : g < 0.0f ? -1.0f : 0.0f;
            h->kappa[i] = fminf(fmaxf(h->kappa[i] + es * sg, -et), et);
        }
        sum += l;
    }
    *loss = sum / (double)t->p.hire.periods;
    return XB_OK;
}

static float *hire_carried(struct xb_trainer *t, size_t *n)
{
    struct hire *h = t->state;
    *n = t->p.batch * t->features;
    return h->kappa;
}

static void hire_destroy(struct xb_trainer *t)
{
    struct hire *h = t->state;
    if (!h)
        return;
    xb_free(h->kappa), xb_free(h->x), xb_free(h->dx);
    xb_free(h);
    t->state = NULL;
}

const struct xb_train_algo xb_train_hire = {
    .name = "hire",
    .create = hire_create,
    .step = hire_step,
    .carried = hire_carried,
    .destroy = hire_destroy,
};
