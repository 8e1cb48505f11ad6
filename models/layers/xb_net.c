/*
 * A feed-forward network: the layer sequence, its flat parameter and
 * gradient arrays, the activations of one pass, its loss (models/loss/xb_loss.h)
 * and the backward pass down to the parameters or to the input. See
 * xb_net.h for the contract.
 *
 * Parameter layout. Layer k's parameters start at a multiple of 16 floats
 * (64 bytes) so that every view is aligned for the GEMM and vector kernels;
 * the gaps are part of the flat array (xb_net_n_params counts them), stay
 * 0, and always have gradient 0, so optimisers, clipping and checkpoints
 * treat the array as one vector. Batchnorm keeps its running statistics in
 * its view too (models/layers/layer_batchnorm.c), with gradient 0.
 */
#include "xb_net.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_layer_impl.h"
#include "xb_loss.h"

#define ALIGN_FLOATS 16

struct xb_net {
    struct xb_shape input;
    int classes;
    size_t max_rows;
    size_t n_layers;
    struct xb_layer layers[XB_NET_MAX_LAYERS];
    float *params, *grads;
    size_t n_params;
    float *act[XB_NET_MAX_LAYERS]; /* layer k's output buffer, [max_rows × out size];
                                      NULL for a view layer */
    const float *out[XB_NET_MAX_LAYERS]; /* what layer k output in the last forward: act[k],
                                            or a view layer's input */
    float *dbuf[2];                /* dL/d(activation) ping-pong, [max_rows × widest] */
    float *dlogits;                /* [max_rows × classes] of the last loss */
    size_t fwd_rows, loss_rows;    /* rows of the last forward, of the last loss */
    int fwd_kept;                  /* the last forward kept what backward needs */
    size_t grad_from;              /* the first layer with parameters: backward stops there */
    size_t bottom;                 /* the first layer that is not a view: its dL/dx is the
                                      net's (n_layers if every layer is a view) */
    const struct xb_loss_type *loss;
    enum xb_gemm_impl gemm;        /* every product's implementation (xb_net_config) */
};

static size_t align_up(size_t n) { return (n + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS; }

static const char *where_line(const struct xb_layer_config *c, char *buf, size_t n)
{
    if (c->line > 0)
        snprintf(buf, n, "model line %d", c->line);
    else
        snprintf(buf, n, "model");
    return buf;
}

enum xb_status xb_net_create(struct xb_ctx *ctx, const struct xb_net_config *cfg,
                             size_t max_rows, struct xb_net **out)
{
    *out = NULL;
    char where[48];
    if (cfg->n_layers < 1 || cfg->n_layers > XB_NET_MAX_LAYERS)
        return xb_error(ctx, XB_EINVAL, "model: %zu layers: expected 1 to %d", cfg->n_layers,
                        XB_NET_MAX_LAYERS);
    if (cfg->input.c < 1 || cfg->input.h < 1 || cfg->input.w < 1)
        return xb_error(ctx, XB_ESHAPE, "model: input shape %d × %d × %d: every size must be "
                        ">= 1", cfg->input.c, cfg->input.h, cfg->input.w);
    if (cfg->classes < 2 || cfg->classes > 256)
        return xb_error(ctx, XB_EINVAL, "model: classes = %d: expected 2 to 256 (labels are "
                        "bytes)", cfg->classes);
    if (max_rows < 1)
        return xb_error(ctx, XB_EINVAL, "model: max_rows = 0: expected >= 1");
    if (cfg->gemm != XB_GEMM_NATIVE && cfg->gemm != XB_GEMM_PORTABLE)
        return xb_error(ctx, XB_EINVAL, "model: gemm = %d: expected portable (0) or native (1)",
                        (int)cfg->gemm);
    const struct xb_loss_type *loss = cfg->loss[0] ? xb_loss_type_find(cfg->loss)
                                                   : xb_loss_default;
    if (!loss) {
        char kinds[256] = "";
        for (size_t k = 0; xb_loss_type_at(k); k++)
            snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s",
                     k ? ", " : "", xb_loss_type_at(k)->name);
        return xb_error(ctx, XB_ENOTFOUND, "model: loss = \"%.32s\": unknown; expected one of "
                        "%s", cfg->loss, kinds);
    }

    struct xb_net *net = xb_calloc(1, sizeof *net);
    net->input = cfg->input;
    net->classes = cfg->classes;
    net->max_rows = max_rows;
    net->gemm = cfg->gemm;
    net->loss = loss;
    enum xb_status st = XB_OK;
    struct xb_shape shape = cfg->input;
    size_t widest = xb_shape_size(shape), n_params = 0;
    for (size_t k = 0; k < cfg->n_layers; k++) {
        const struct xb_layer_config *lc = &cfg->layers[k];
        struct xb_layer *l = &net->layers[k];
        l->type = xb_layer_type_find(lc->type);
        if (!l->type) {
            st = xb_error(ctx, XB_ENOTFOUND, "%s, layer %zu: type = \"%.32s\": unknown; "
                          "expected dense, conv2d, batchnorm, relu, maxpool, flatten, dropout, lstm, "
                          "noise, encode, lif, conv_lif or mfdv",
                          where_line(lc, where, sizeof where), k, lc->type);
            goto fail;
        }
        l->id = (uint32_t)k;
        l->in = shape;
        l->max_rows = max_rows;
        /* Sizes from the config, bounded before anything is allocated: the
         * input of a layer (its mask or cache may be as large) ... */
        st = xb_layer_check_size(ctx, l, lc, "rows x input size (activations)", max_rows,
                                 xb_shape_size(shape), XB_NET_MAX_ACTIVATIONS);
        if (!st)
            st = l->type->create(ctx, l, lc);
        if (st) {
            l->type = NULL; /* nothing to destroy */
            goto fail;
        }
        net->n_layers = k + 1;
        /* ... and the parameters of all layers so far. */
        n_params = align_up(n_params) + l->n_params;
        st = xb_layer_check_size(ctx, l, lc, "parameters of the layers up to this one", 1,
                                 n_params, XB_NET_MAX_PARAMS);
        if (st)
            goto fail;
        shape = l->out;
        if (xb_shape_size(shape) > widest)
            widest = xb_shape_size(shape);
    }
    st = xb_layer_check_size(ctx, &net->layers[cfg->n_layers - 1],
                             &cfg->layers[cfg->n_layers - 1], "rows x output size "
                             "(activations)", max_rows, xb_shape_size(shape),
                             XB_NET_MAX_ACTIVATIONS);
    if (st)
        goto fail;
    const struct xb_layer_config *last = &cfg->layers[cfg->n_layers - 1];
    if (xb_shape_size(shape) != (size_t)cfg->classes) {
        st = xb_error(ctx, XB_ESHAPE, "%s, layer %zu (%s): gives %zu outputs (%d × %d × %d) "
                      "but classes = %d: the last layer's units must equal classes",
                      where_line(last, where, sizeof where), cfg->n_layers - 1, last->type,
                      xb_shape_size(shape), shape.c, shape.h, shape.w, cfg->classes);
        goto fail;
    }

    size_t total = 0;
    for (size_t k = 0; k < net->n_layers; k++)
        total = align_up(total) + net->layers[k].n_params;
    net->n_params = align_up(total);
    net->params = xb_aligned(net->n_params ? net->n_params : 1, sizeof(float));
    net->grads = xb_aligned(net->n_params ? net->n_params : 1, sizeof(float));
    memset(net->params, 0, net->n_params * sizeof(float));
    memset(net->grads, 0, net->n_params * sizeof(float));
    size_t off = 0;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        off = align_up(off);
        l->params = l->n_params ? net->params + off : NULL;
        l->grads = l->n_params ? net->grads + off : NULL;
        off += l->n_params;
        if (!l->type->view)
            net->act[k] = xb_aligned(max_rows * xb_shape_size(l->out), sizeof(float));
    }
    /* Nothing before the first layer with parameters needs a gradient
     * unless dL/d(input) is asked for (xb_net_backward_input): it gets no
     * dL/dx, and the layers before it are not run backward. */
    while (net->grad_from + 1 < net->n_layers && net->layers[net->grad_from].n_params == 0)
        net->grad_from++;
    while (net->bottom < net->n_layers && net->layers[net->bottom].type->view)
        net->bottom++;
    net->dbuf[0] = xb_aligned(max_rows * widest, sizeof(float));
    net->dbuf[1] = xb_aligned(max_rows * widest, sizeof(float));
    net->dlogits = xb_aligned(max_rows * (size_t)cfg->classes, sizeof(float));
    *out = net;
    return XB_OK;
fail:
    xb_net_free(net);
    return st;
}

void xb_net_free(struct xb_net *net)
{
    if (!net)
        return;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (l->type && l->type->destroy)
            l->type->destroy(l);
        xb_free(net->act[k]);
    }
    xb_free(net->params);
    xb_free(net->grads);
    xb_free(net->dbuf[0]);
    xb_free(net->dbuf[1]);
    xb_free(net->dlogits);
    xb_free(net);
}

size_t xb_net_n_params(const struct xb_net *net) { return net->n_params; }
float *xb_net_params(struct xb_net *net) { return net->params; }
float *xb_net_grads(struct xb_net *net) { return net->grads; }
size_t xb_net_n_layers(const struct xb_net *net) { return net->n_layers; }
size_t xb_net_max_rows(const struct xb_net *net) { return net->max_rows; }
int xb_net_classes(const struct xb_net *net) { return net->classes; }

struct xb_layer *xb_net_layer(struct xb_net *net, size_t k)
{
    XB_ASSERT(k < net->n_layers);
    return &net->layers[k];
}

void xb_net_init(struct xb_net *net, uint64_t seed)
{
    memset(net->params, 0, net->n_params * sizeof(float));
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (l->type->init && l->n_params)
            l->type->init(l, seed);
    }
}

const float *xb_net_forward(struct xb_net *net, const struct xb_pass *pass, const float *x)
{
    struct xb_pass own = *pass;
    own.gemm = net->gemm;
    const struct xb_pass *p = &own;
    XB_ASSERT(p->rows >= 1 && p->rows <= net->max_rows);
    XB_ASSERT(p->addr.batch >= 1);
    const float *in = x;
    const int keep = p->phase == XB_PHASE_TRAIN || p->backward;
    /* A backward pass needs every row's own caches (max-pool's choices,
     * the lstm's gates): no sharing then. A likelihood-ratio pass has no
     * backward through the layers (xb_lr.h): its copies share. */
    size_t rep = (!keep || p->copies > 1) && p->replicas > 1 ? p->replicas : 1;
    XB_ASSERT(p->rows % rep == 0);
    own.shared = 0;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (l->type->view) { /* same memory, another shape: nothing to compute */
            net->out[k] = in;
            continue;
        }
        if (rep > 1 && l->type->deterministic && !l->type->deterministic(l, p)) {
            /* From here on the copies differ; this layer may still share
             * what it computes before its draws. */
            struct xb_pass q = *p;
            q.shared = (uint32_t)rep;
            l->type->forward(l, &q, in, net->act[k]);
            in = net->out[k] = net->act[k];
            rep = 1;
            continue;
        }
        if (rep > 1) {
            /* Every copy would give the same output: compute the first, copy it. */
            struct xb_pass q = *p;
            q.rows = p->rows / rep;
            l->type->forward(l, &q, in, net->act[k]);
            size_t n = q.rows * xb_shape_size(l->out);
            for (size_t c = 1; c < rep; c++)
                memcpy(net->act[k] + c * n, net->act[k], n * sizeof(float));
        } else {
            l->type->forward(l, p, in, net->act[k]);
        }
        in = net->out[k] = net->act[k];
    }
    net->fwd_rows = p->rows;
    net->fwd_kept = keep;
    return in;
}

const float *xb_net_output(const struct xb_net *net, size_t k)
{
    XB_ASSERT(k < net->n_layers);
    return net->out[k];
}

void xb_net_layer_ideal(struct xb_net *net, const struct xb_pass *p, size_t k, const float *x,
                        float *y)
{
    XB_ASSERT(k < net->n_layers && p->rows == net->fwd_rows);
    struct xb_layer *l = &net->layers[k];
    const float *in = k ? net->out[k - 1] : x;
    if (l->type->view) {
        memcpy(y, in, p->rows * xb_shape_size(l->out) * sizeof(float));
        return;
    }
    struct xb_pass q = *p;
    q.phase = XB_PHASE_EVAL;
    q.noise = XB_NOISE_NONE;
    q.sigma = 0.0;
    q.on_device = 0;
    q.replicas = 0;
    q.backward = 0;
    q.measure_power = 0;
    q.measure_activity = 0; /* the measured pass's record stands */
    q.gemm = net->gemm;
    l->type->forward(l, &q, in, y);
}

double xb_net_noise_input_power(const struct xb_net *net)
{
    double sum = 0.0, units = 0.0; /* units: Σ (std / sigma)² over the values noise met */
    for (size_t k = 0; k < net->n_layers; k++) {
        const struct xb_layer *l = &net->layers[k];
        if (l->type->noise_power) {
            l->type->noise_power(l, &sum, &units);
            continue;
        }
        if (k == 0 || strcmp(l->type->name, "noise"))
            continue;
        const size_t f = xb_shape_size(net->layers[k].in), n = net->fwd_rows * f;
        const float *a = net->out[k - 1];
        for (size_t i = 0; i < n; i++)
            sum += (double)a[i] * (double)a[i];
        if (!l->n_params) {
            units += (double)n;
            continue;
        }
        /* Learned stds (learn_sigma): neuron i's noise is sigma · sigma_i. */
        double s2 = 0.0;
        for (size_t i = 0; i < f; i++)
            s2 += (double)l->params[i] * (double)l->params[i];
        units += (double)net->fwd_rows * s2;
    }
    return units > 0.0 ? sum / units : 0.0;
}

double xb_net_loss(struct xb_net *net, const uint8_t *labels, size_t rows)
{
    XB_ASSERT(rows >= 1 && rows <= net->fwd_rows);
    net->loss_rows = rows;
    double loss = net->loss->eval(net->out[net->n_layers - 1], labels, rows,
                                  (size_t)net->classes, net->dlogits);
    for (size_t k = 0; k < net->n_layers; k++)
        if (net->layers[k].type->penalty)
            loss += net->layers[k].type->penalty(&net->layers[k]);
    return loss;
}

const struct xb_loss_type *xb_net_loss_type(const struct xb_net *net) { return net->loss; }

/* dx NULL: down to the first layer with parameters, which computes no
 * dL/dx (for mlp, the whole dX product of the 784-input layer, a quarter
 * of a step). dx given: down to the input, the lowest layer that is not a
 * view writing straight into dx. Either way each layer's backward gets the
 * same dy and adds the same parameter gradients. */
static void backward(struct xb_net *net, const struct xb_pass *pass, const float *x, float *dx,
                     int input_only)
{
    struct xb_pass own = *pass;
    own.gemm = net->gemm;
    own.input_only = input_only;
    const struct xb_pass *p = &own;
    XB_ASSERT(p->rows == net->loss_rows && p->rows == net->fwd_rows);
    XB_ASSERT(net->fwd_kept); /* a TRAIN forward, or EVAL with p->backward */
    memset(net->grads, 0, net->n_params * sizeof(float));
    const size_t first = dx ? 0 : net->grad_from;
    const float *dy = net->dlogits;
    int which = 0; /* the dbuf the next dL/dx goes to: never the one dy is in */
    for (size_t k = net->n_layers; k-- > first;) {
        struct xb_layer *l = &net->layers[k];
        if (l->type->view)
            continue; /* dL/dx is dL/dy, reshaped */
        const float *in = k ? net->out[k - 1] : x;
        float *d = dx && k == net->bottom ? dx : k > first ? net->dbuf[which] : NULL;
        which ^= 1;
        l->type->backward(l, p, in, net->out[k], dy, d);
        dy = d;
    }
    if (dx && dy != dx) /* every layer a view: dL/dx is dL/dlogits */
        memcpy(dx, dy, p->rows * xb_shape_size(net->input) * sizeof(float));
}

const float *xb_net_layer_input(const struct xb_net *net, size_t k, const float *x)
{
    XB_ASSERT(k < net->n_layers);
    return k ? net->out[k - 1] : x;
}

void xb_net_layer_backward(struct xb_net *net, size_t k, const struct xb_pass *pass,
                           const float *x, const float *dy)
{
    XB_ASSERT(k < net->n_layers && net->fwd_kept);
    struct xb_pass own = *pass;
    own.gemm = net->gemm;
    struct xb_layer *l = &net->layers[k];
    if (l->type->lr_product) {
        struct xb_layer *w = l->type->lr_product(l);
        w->type->backward(w, &own, x, NULL, dy, NULL);
        return;
    }
    l->type->backward(l, &own, x, net->out[k], dy, NULL);
}

void xb_net_backward(struct xb_net *net, const struct xb_pass *p, const float *x)
{
    backward(net, p, x, NULL, 0);
}

void xb_net_backward_input(struct xb_net *net, const struct xb_pass *p, const float *x,
                           float *dx)
{
    XB_ASSERT(dx != NULL);
    backward(net, p, x, dx, 0);
}

void xb_net_backward_input_only(struct xb_net *net, const struct xb_pass *p, const float *x,
                                float *dx)
{
    XB_ASSERT(dx != NULL);
    backward(net, p, x, dx, 1);
}

double xb_net_input_grad(struct xb_net *net, const struct xb_pass *pass, const float *x,
                         const uint8_t *labels, float *dx)
{
    struct xb_pass p = *pass;
    p.backward = 1;
    xb_net_forward(net, &p, x);
    const double loss = xb_net_loss(net, labels, p.rows);
    xb_net_backward_input(net, &p, x, dx);
    return loss;
}

static int all_finite(const float *v, size_t n)
{
    int bad = 0;
#pragma omp parallel for schedule(static) default(none) firstprivate(v, n) \
    reduction(| : bad) if (n > XB_LAYER_PAR_MIN)
    for (size_t i = 0; i < n; i++)
        bad |= !isfinite(v[i]);
    return !bad;
}

int xb_net_find_nonfinite(const struct xb_net *net, size_t *layer)
{
    for (size_t k = 0; k < net->n_layers; k++) {
        const struct xb_layer *l = &net->layers[k];
        if (!all_finite(net->out[k], net->fwd_rows * xb_shape_size(l->out)) ||
            (l->n_params && !all_finite(l->grads, l->n_params))) {
            *layer = k;
            return 1;
        }
    }
    return 0;
}

enum xb_status xb_net_program(struct xb_ctx *ctx, struct xb_net *net,
                              const struct xb_xbar_params *params)
{
    struct xb_xbar_params own = *params;
    own.gemm = net->gemm;
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (!l->type->program)
            continue;
        enum xb_status st = l->type->program(ctx, l, &own);
        if (st) {
            xb_net_unprogram(net);
            return st;
        }
    }
    return XB_OK;
}

enum xb_status xb_net_age(struct xb_ctx *ctx, struct xb_net *net, double t)
{
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (!l->type->age)
            continue;
        enum xb_status st = l->type->age(ctx, l, t);
        if (st)
            return st;
    }
    return XB_OK;
}

enum xb_status xb_net_calibrate(struct xb_ctx *ctx, struct xb_net *net, const float *X,
                                size_t rows)
{
    if (rows == 0 || rows > net->max_rows)
        return xb_error(ctx, XB_ERANGE, "calibration batch of %zu rows: expected 1 to %zu",
                        rows, net->max_rows);
    struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = rows,
                        .addr = {.sample0 = 0, .batch = (uint32_t)rows, .vote0 = 0},
                        .seed = 0, .noise = XB_NOISE_NONE, .sigma = 0.0, .on_device = 0};
    xb_net_forward(net, &p, X);
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (!l->type->calibrate)
            continue;
        enum xb_status st = l->type->calibrate(ctx, l, k ? net->out[k - 1] : X, rows);
        if (st)
            return st;
    }
    return XB_OK;
}

void xb_net_unprogram(struct xb_net *net)
{
    for (size_t k = 0; k < net->n_layers; k++) {
        struct xb_layer *l = &net->layers[k];
        if (l->type->unprogram)
            l->type->unprogram(l);
    }
}

int xb_net_random(const struct xb_net *net, const struct xb_pass *p)
{
    for (size_t k = 0; k < net->n_layers; k++) {
        const struct xb_layer *l = &net->layers[k];
        if (l->type->deterministic && !l->type->deterministic(l, p))
            return 1;
    }
    return 0;
}

void xb_net_predict(const float *logits, size_t rows, int classes, uint8_t *pred)
{
    for (size_t r = 0; r < rows; r++) {
        const float *z = logits + r * (size_t)classes;
        int best = 0;
        for (int c = 1; c < classes; c++)
            if (z[c] > z[best])
                best = c;
        pred[r] = (uint8_t)best;
    }
}
