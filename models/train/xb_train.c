#include "xb_train.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_rng.h"

struct xb_trainer {
    struct xb_net *net;
    struct xb_train_params p;
    struct xb_optim *optim;
    int epochs;
    uint64_t seed;
    size_t features;
    float *xb;      /* the batch's inputs */
    uint8_t *yb;    /* and labels */
    uint32_t *perm; /* grown to the data size */
    size_t perm_n;
};

void xb_train_params_default(struct xb_train_params *p)
{
    memset(p, 0, sizeof *p);
    p->batch = 32;
    xb_optim_params_default(&p->optim);
    p->noise = XB_NOISE_NONE;
    xb_xbar_params_default(&p->device);
}

enum xb_status xb_trainer_create(struct xb_ctx *ctx, struct xb_net *net,
                                 const struct xb_train_params *p, struct xb_trainer **out)
{
    *out = NULL;
    if (p->batch < 1 || p->batch > xb_net_max_rows(net))
        return xb_error(ctx, XB_ERANGE, "batch = %zu: expected 1 .. %zu (the net's rows)",
                        p->batch, xb_net_max_rows(net));
    if (!(p->sigma >= 0.0) || !isfinite(p->sigma))
        return xb_error(ctx, XB_ERANGE, "sigma_train = %g: expected a finite value >= 0",
                        p->sigma);
    enum xb_status st = xb_optim_params_validate(ctx, &p->optim);
    if (!st && p->hw_aware)
        st = xb_xbar_params_validate(ctx, &p->device);
    if (st)
        return st;
    struct xb_trainer *t = xb_calloc(1, sizeof *t);
    t->net = net;
    t->p = *p;
    t->seed = xb_ctx_seed(ctx);
    t->optim = xb_optim_create(&p->optim, xb_net_n_params(net));
    t->features = xb_shape_size(xb_net_layer(net, 0)->in);
    t->xb = xb_aligned(p->batch * t->features, sizeof(float));
    t->yb = xb_malloc(p->batch, 1);
    *out = t;
    return XB_OK;
}

void xb_trainer_free(struct xb_trainer *t)
{
    if (!t)
        return;
    xb_optim_free(t->optim);
    xb_free(t->xb);
    xb_free(t->yb);
    xb_free(t->perm);
    xb_free(t);
}

int xb_trainer_epochs(const struct xb_trainer *t) { return t->epochs; }
void xb_trainer_set_epochs(struct xb_trainer *t, int epochs) { t->epochs = epochs; }
struct xb_optim *xb_trainer_optim(struct xb_trainer *t) { return t->optim; }
void xb_trainer_set_sigma(struct xb_trainer *t, double sigma) { t->p.sigma = sigma; }

void xb_epoch_permutation(uint64_t seed, uint32_t epoch, size_t n, uint32_t *perm)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_DATA, .layer = XB_DATA_STREAM_EPOCH,
                        .sample = epoch >> 16, .step = epoch & 0xFFFFu};
    struct xb_stream s = xb_stream_at(seed, &a);
    xb_permutation(&s, n, perm);
}

/* Tests the exponent bits (all ones: Inf or NaN) with an integer OR,
 * which vectorises; isfinite() per element did not, and this runs on every
 * gradient of every step. */
static int finite_array(const float *a, size_t n)
{
    uint32_t bad = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t b;
        memcpy(&b, a + k, sizeof b);
        bad |= (uint32_t)((b & 0x7F800000u) == 0x7F800000u);
    }
    return !bad;
}

enum xb_status xb_trainer_epoch(struct xb_ctx *ctx, struct xb_trainer *t, const float *X,
                                const uint8_t *y, size_t n, double *loss)
{
    const size_t B = t->p.batch, F = t->features;
    const uint32_t epoch = (uint32_t)t->epochs;
    if (epoch > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "epoch %u: at most %u epochs are addressable", epoch,
                        XB_RNG_MAX_VOTE);
    if (n > t->perm_n) {
        xb_free(t->perm);
        t->perm = xb_malloc(n, sizeof *t->perm);
        t->perm_n = n;
    }
    xb_epoch_permutation(t->seed, epoch, n, t->perm);
    double sum = 0.0;
    size_t steps = 0;
    for (size_t b0 = 0; b0 < n; b0 += B) {
        size_t m = n - b0 < B ? n - b0 : B;
        for (size_t r = 0; r < m; r++) {
            memcpy(t->xb + r * F, X + (size_t)t->perm[b0 + r] * F, F * sizeof(float));
            t->yb[r] = y[t->perm[b0 + r]];
        }
        struct xb_pass pass = {.phase = XB_PHASE_TRAIN, .rows = m,
                               .addr = {.sample0 = (uint32_t)b0, .batch = (uint32_t)m,
                                        .epoch = epoch},
                               .seed = t->seed, .noise = t->p.noise, .sigma = t->p.sigma};
        if (t->p.hw_aware) {
            /* A fresh chip instance per step, from the step count. */
            struct xb_xbar_params dp = t->p.device;
            dp.instance = XB_TRAIN_INSTANCE0 +
                          (uint32_t)(xb_optim_steps(t->optim) % XB_TRAIN_INSTANCES);
            enum xb_status st = xb_net_program(ctx, t->net, &dp);
            /* Converter ranges from this batch, as a chip calibrates on data. */
            if (!st)
                st = xb_net_calibrate(ctx, t->net, t->xb, m);
            if (!st)
                st = xb_net_age(ctx, t->net, t->p.device_t);
            if (st)
                return st;
            pass.on_device = 1;
            pass.instance = dp.instance;
        }
        xb_net_forward(t->net, &pass, t->xb);
        double l = xb_net_loss(t->net, t->yb, m);
        size_t layer = 0;
        if (!isfinite(l)) {
            int found = xb_net_find_nonfinite(t->net, &layer);
            return xb_error(ctx, XB_ENUMERIC, "training stopped: loss is %g at epoch %u, step "
                            "%zu%s%zu (%s)", l, epoch + 1, steps + 1,
                            found ? ", first non-finite activation in layer " : ", layer ",
                            found ? layer : xb_net_n_layers(t->net) - 1,
                            xb_net_layer(t->net, found ? layer : xb_net_n_layers(t->net) - 1)
                                ->type->name);
        }
        xb_net_backward(t->net, &pass, t->xb);
        if (!finite_array(xb_net_grads(t->net), xb_net_n_params(t->net))) {
            int found = xb_net_find_nonfinite(t->net, &layer);
            return xb_error(ctx, XB_ENUMERIC, "training stopped: non-finite gradient at epoch "
                            "%u, step %zu, layer %zu (%s)", epoch + 1, steps + 1,
                            found ? layer : 0, xb_net_layer(t->net, found ? layer : 0)->type->name);
        }
        xb_optim_step(t->optim, xb_net_params(t->net), xb_net_grads(t->net));
        sum += l * (double)m;
        steps++;
    }
    if (t->p.hw_aware)
        xb_net_unprogram(t->net);
    t->epochs++;
    *loss = sum / (double)n;
    return XB_OK;
}
