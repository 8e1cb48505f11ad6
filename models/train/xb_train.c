#include "xb_train.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_rng.h"
#include "xb_train_impl.h"

const char *const xb_lr_sign_zero_names[3] = {"zero", "plus", NULL};
const char *const xb_lr_sign_spikes_names[3] = {"binary", "bipolar", NULL};

const char *const xb_train_algorithm_names[XB_TRAIN_ALGORITHMS + 1] = {
    [XB_TRAIN_BACKPROP] = "backprop", [XB_TRAIN_HW_AWARE] = "hw-aware",
    [XB_TRAIN_NIT] = "nit", [XB_TRAIN_NIT_S] = "nit-s", [XB_TRAIN_NIT_S_PLUS] = "nit-s+",
    [XB_TRAIN_HIRE] = "hire", [XB_TRAIN_ADVERSARIAL] = "adversarial", NULL};

/* The table: index = enum xb_train_algorithm. */
static const struct xb_train_algo *const algos[XB_TRAIN_ALGORITHMS] = {
    [XB_TRAIN_BACKPROP] = &xb_train_backprop, [XB_TRAIN_HW_AWARE] = &xb_train_hw_aware,
    [XB_TRAIN_NIT] = &xb_train_nit, [XB_TRAIN_NIT_S] = &xb_train_nit_s,
    [XB_TRAIN_NIT_S_PLUS] = &xb_train_nit_s_plus, [XB_TRAIN_HIRE] = &xb_train_hire,
    [XB_TRAIN_ADVERSARIAL] = &xb_train_adversarial};

void xb_train_params_default(struct xb_train_params *p)
{
    memset(p, 0, sizeof *p);
    p->batch = 32;
    xb_optim_params_default(&p->optim);
    p->lr_decay = 1.0;
    p->lr_decay_every = 1;
    p->noise = XB_NOISE_NONE;
    xb_xbar_params_default(&p->device);
    p->algorithm = XB_TRAIN_BACKPROP;
    p->lr = (struct xb_lr_params){.copies = 32, .baseline = 0, .sigma_min = 0.01,
                                  .sigma_max = 10.0, .switch_epoch = 70};
    p->hire = (struct xb_hire_params){.periods = 1};
}

double xb_train_step_size(const struct xb_train_params *p, int epoch)
{
    if (p->lr_decay == 1.0)
        return p->optim.lr; /* the same bits as before schedules existed */
    return p->optim.lr * pow(p->lr_decay, (double)(epoch / p->lr_decay_every));
}

enum xb_train_algorithm xb_train_algorithm_of(const struct xb_train_params *p)
{
    if (p->algorithm == XB_TRAIN_BACKPROP && p->hw_aware)
        return XB_TRAIN_HW_AWARE;
    return p->algorithm;
}

size_t xb_train_rows(const struct xb_train_params *p)
{
    enum xb_train_algorithm a = xb_train_algorithm_of(p);
    if ((unsigned)a >= XB_TRAIN_ALGORITHMS || !algos[a]->rows)
        return p->batch;
    return algos[a]->rows(p);
}

enum xb_status xb_trainer_create(struct xb_ctx *ctx, struct xb_net *net,
                                 const struct xb_train_params *p, struct xb_trainer **out)
{
    *out = NULL;
    const enum xb_train_algorithm a = xb_train_algorithm_of(p);
    if ((unsigned)a >= XB_TRAIN_ALGORITHMS)
        return xb_error(ctx, XB_EINVAL, "algorithm = %d: expected 0 .. %d", (int)a,
                        XB_TRAIN_ALGORITHMS - 1);
    if (p->batch < 1 || p->batch > xb_net_max_rows(net))
        return xb_error(ctx, XB_ERANGE, "batch = %zu: expected 1 .. %zu (the net's rows)",
                        p->batch, xb_net_max_rows(net));
    if (xb_train_rows(p) > xb_net_max_rows(net))
        return xb_error(ctx, XB_ERANGE, "%s: a step takes %zu rows (copies x batch) but the "
                        "net allows %zu", xb_train_algorithm_names[a], xb_train_rows(p),
                        xb_net_max_rows(net));
    if (!(p->sigma >= 0.0) || !isfinite(p->sigma))
        return xb_error(ctx, XB_ERANGE, "sigma_train = %g: expected a finite value >= 0",
                        p->sigma);
    if (!(p->lr_decay > 0.0 && p->lr_decay <= 1.0))
        return xb_error(ctx, XB_ERANGE, "lr_decay = %g: expected a factor in (0, 1]",
                        p->lr_decay);
    if (p->lr_decay_every < 1)
        return xb_error(ctx, XB_ERANGE, "lr_decay_every = %d: expected >= 1 epochs",
                        p->lr_decay_every);
    enum xb_status st = xb_optim_params_validate(ctx, &p->optim);
    if (!st && a == XB_TRAIN_HW_AWARE)
        st = xb_xbar_params_validate(ctx, &p->device);
    if (st)
        return st;
    struct xb_trainer *t = xb_calloc(1, sizeof *t);
    t->net = net;
    t->p = *p;
    t->algo = algos[a];
    t->seed = xb_ctx_seed(ctx);
    t->optim = xb_optim_create(&p->optim, xb_net_n_params(net));
    t->features = xb_shape_size(xb_net_layer(net, 0)->in);
    t->xb = xb_aligned(p->batch * t->features, sizeof(float));
    t->yb = xb_malloc(p->batch, 1);
    if (t->algo->create && (st = t->algo->create(ctx, t)) != XB_OK) {
        xb_trainer_free(t);
        return st;
    }
    *out = t;
    return XB_OK;
}

void xb_trainer_free(struct xb_trainer *t)
{
    if (!t)
        return;
    if (t->algo->destroy)
        t->algo->destroy(t);
    xb_optim_free(t->optim);
    xb_free(t->xb);
    xb_free(t->yb);
    xb_free(t->perm);
    xb_free(t);
}

int xb_trainer_epochs(const struct xb_trainer *t) { return t->epochs; }
void xb_trainer_set_epochs(struct xb_trainer *t, int epochs) { t->epochs = epochs; }
struct xb_optim *xb_trainer_optim(struct xb_trainer *t) { return t->optim; }
const char *xb_trainer_algorithm(const struct xb_trainer *t) { return t->algo->name; }

float *xb_trainer_carried(struct xb_trainer *t, size_t *n)
{
    *n = 0;
    float *c = t->algo->carried ? t->algo->carried(t, n) : NULL;
    if (!c)
        *n = 0;
    return c;
}
void xb_trainer_set_sigma(struct xb_trainer *t, double sigma) { t->p.sigma = sigma; }

void xb_epoch_permutation(uint64_t seed, uint32_t epoch, size_t n, uint32_t *perm)
{
    struct xb_addr a = {.purpose = XB_PURPOSE_DATA, .layer = XB_DATA_STREAM_EPOCH,
                        .sample = epoch >> 16, .step = epoch & 0xFFFFu};
    struct xb_stream s = xb_stream_at(seed, &a);
    xb_permutation(&s, n, perm);
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
    xb_optim_set_lr(t->optim, xb_train_step_size(&t->p, t->epochs));
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
        double l;
        enum xb_status st = t->algo->step(ctx, t, &pass, steps, &l);
        if (st)
            return st;
        sum += l * (double)m;
        steps++;
    }
    if (t->algo->epoch_end)
        t->algo->epoch_end(t);
    t->epochs++;
    *loss = sum / (double)n;
    return XB_OK;
}
