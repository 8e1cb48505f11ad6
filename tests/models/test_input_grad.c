/*
 * dL/d(input) of whole networks (models/layers/xb_net.h, xb_net_input_grad):
 * against central differences of the loss for the real mlp, cnn6 and
 * lstm128 (configs/models/) and a small net with batchnorm, max-pool and
 * dropout, in TRAIN and EVAL, with multiplicative noise on (the
 * differences re-run the forward at the same stream addresses, so they
 * see the very draw the gradient differentiates); bit-identical for 1 and
 * 2 threads; parameter gradients untouched by asking for it.
 *
 * The differences. A float forward rounds, so a difference quotient of
 * the loss at step h carries err_L / h, err_L being the loss's rounding
 * error. We bound err_L from the pass itself: a dot product of n float
 * terms is off by about sqrt(n) roundings of its size (random-walk
 * growth; Higham, Accuracy and Stability of Numerical Algorithms, §3.5),
 * each 2^-24 relative; the errors of the weighted layers add up, and a
 * logit error dz moves L by |dL/dz| dz. So
 *   err_L = 4 · 2^-24 · Σ_k sqrt(n_k) · Σ_rc |dL/dz_rc| |z_rc|
 * (n_k the fan-in of weighted layer k; an lstm's per step times sqrt of
 * its steps; 4 for the elementwise roundings between the products). To
 * keep err_L / h small against what is checked, the differences are taken
 * along blocks: direction v = sign(g) on a block of inputs (an image row,
 * an lstm step), 0 elsewhere, whose exact derivative is Σ_block |g_i| —
 * a sum, large next to the rounding — so a wrong gradient anywhere shows
 * in its row's sum. The truncation error h^2/6 |L'''| is allowed 1 % of
 * what g predicts; a ReLU or max-pool kink crossed inside ±h spoils a
 * difference. Both shrink with h, so a mismatch is retried at h / 4,
 * h / 16 and h / 64 (as tests/models/test_layers_net.c does; the rounding term
 * stays, so it weighs more there). Seen on these nets: the untrained
 * cnn6 in TRAIN (batchnorm over 2 samples) is so curved that its rows need
 * h of 2^-12 to 2^-14; the mlp's agreeing differences sit ~100 times
 * inside 2 err_L. Planted bugs (one layer's dL/dx negated, max-pool
 * routing to a neighbour, the noise draw or dropout mask ignored,
 * batchnorm's EVAL gradient taken as TRAIN's, an lstm step's dx shifted)
 * all fail here.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_loss.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_test_net.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(input_grad, .init = setup, .fini = teardown);

/* The model of an experiment config, for passes of up to rows rows,
 * initialised from a fixed seed. */
static struct xb_net *model_net(const char *config, size_t rows)
{
    static struct xb_experiment e;
    cr_assert_eq(xb_experiment_read(ctx, config, NULL, 0, &e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    struct xb_net *net = xb_test_net(ctx, &e.model, rows);
    xb_net_init(net, 5);
    return net;
}

static size_t in_size(struct xb_net *net) { return xb_shape_size(xb_net_layer(net, 0)->in); }

/* Pixel-like inputs, uniform in [0, 1). */
static float *inputs(size_t n, uint32_t which)
{
    float *x = xb_aligned(n, sizeof(float));
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = which};
    struct xb_stream s = xb_stream_at(17, &a);
    xb_uniform_fill(&s, 0, n, x);
    return x;
}

static double loss_at(struct xb_net *net, const struct xb_pass *p, const float *x,
                      const uint8_t *y)
{
    xb_net_forward(net, p, x);
    return xb_net_loss(net, y, p->rows);
}

/* Σ_k sqrt(n_k) of the header over the weighted layers. */
static double sqrt_fan_ins(struct xb_net *net)
{
    double roots = 0.0;
    for (size_t k = 0; k < xb_net_n_layers(net); k++) {
        const struct xb_layer *l = xb_net_layer(net, k);
        const char *kind = l->type->name;
        if (!strcmp(kind, "lstm")) /* [x_t, h] of w + units, over c·h steps */
            roots += sqrt((double)(l->in.w + l->out.c) * (double)(l->in.c * l->in.h));
        else if (!strcmp(kind, "conv2d")) /* fan-in C·k·k = n_params / units - 1 */
            roots += sqrt((double)l->n_params / (double)l->out.c - 1.0);
        else if (!strcmp(kind, "dense"))
            roots += sqrt((double)xb_shape_size(l->in));
    }
    return roots;
}

/* err_L of the header at x. */
static double loss_rounding(struct xb_net *net, const struct xb_pass *p, const float *x,
                            const uint8_t *y)
{
    const size_t C = (size_t)xb_net_classes(net);
    const float *z = xb_net_forward(net, p, x);
    float *dz = xb_malloc(p->rows * C, sizeof(float));
    xb_net_loss_type(net)->eval(z, y, p->rows, C, dz);
    double lam = 0.0;
    for (size_t i = 0; i < p->rows * C; i++)
        lam += fabs((double)dz[i]) * fabs((double)z[i]);
    xb_free(dz);
    return 4.0 * ldexp(sqrt_fan_ins(net), -24) * lam;
}

/* Checks g = dL/dx of the pass (rows × F inputs) along every block of
 * `block` consecutive inputs: each input of the block moved by ±h in the
 * direction of its g, L(x + h v) − L(x − h v) against what g predicts,
 * Σ g_i (x+_i − x−_i) (the steps the floats actually took). */
static void check_blocks(struct xb_net *net, const struct xb_pass *p, float *x,
                         const uint8_t *y, const float *g, size_t block, double h0)
{
    const size_t n = p->rows * in_size(net);
    const double err_L = loss_rounding(net, p, x, y);
    float *x0 = xb_malloc(n, sizeof(float));
    memcpy(x0, x, n * sizeof(float));
    for (size_t b0 = 0; b0 < n; b0 += block) {
        const size_t b1 = b0 + block < n ? b0 + block : n;
        double diff = 0.0, pred = 0.0, tol = 0.0, h = h0;
        int ok = 0;
        for (int attempt = 0; attempt < 4 && !ok; attempt++, h /= 4.0) {
            for (size_t i = b0; i < b1; i++)
                x[i] = (float)((double)x0[i] + (g[i] < 0.0f ? -h : h));
            const double Lp = loss_at(net, p, x, y);
            pred = 0.0;
            for (size_t i = b0; i < b1; i++) {
                const float xp = x[i];
                x[i] = (float)((double)x0[i] - (g[i] < 0.0f ? -h : h));
                pred += (double)g[i] * ((double)xp - (double)x[i]);
            }
            const double Lm = loss_at(net, p, x, y);
            memcpy(x + b0, x0 + b0, (b1 - b0) * sizeof(float));
            diff = Lp - Lm;
            tol = 2.0 * err_L + 0.01 * fabs(pred);
            ok = fabs(diff - pred) <= tol;
        }
        cr_assert(ok, "block [%zu, %zu): L(x+hv) - L(x-hv) = %.9g, g predicts %.9g (tol %.3g, "
                  "last h %.3g)", b0, b1, diff, pred, tol, h * 4.0);
    }
    xb_free(x0);
}

static struct xb_pass pass_for(size_t rows, enum xb_phase phase)
{
    struct xb_pass p = {.phase = phase, .rows = rows, .addr = {.batch = (uint32_t)rows},
                        .seed = 99, .noise = XB_NOISE_MULT, .sigma = 0.5, .backward = 1};
    return p;
}

static void labels_for(uint8_t *y, size_t rows, int classes)
{
    for (size_t r = 0; r < rows; r++)
        y[r] = (uint8_t)((r * 3 + 1) % (size_t)classes);
}

/* dL/dx of rows inputs in the phase against differences along blocks. */
static void fd_check(struct xb_net *net, size_t rows, enum xb_phase phase, size_t block,
                     double h, uint32_t which)
{
    const size_t n = rows * in_size(net);
    float *x = inputs(n, which), *g = xb_aligned(n, sizeof(float));
    uint8_t y[64];
    labels_for(y, rows, xb_net_classes(net));
    struct xb_pass p = pass_for(rows, phase);
    xb_net_input_grad(net, &p, x, y, g);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++)
        nonzero += g[i] != 0.0f;
    cr_assert_gt(nonzero, n / 2, "only %zu of %zu input gradients are nonzero", nonzero, n);
    check_blocks(net, &p, x, y, g, block, h);
    xb_free(x);
    xb_free(g);
}

/* A few TRAIN forwards so the batchnorm running statistics are not their
 * initial (0, 1) when an EVAL pass uses them. */
static void warm_running_stats(struct xb_net *net, size_t rows)
{
    float *x = inputs(rows * in_size(net), 90);
    struct xb_pass p = pass_for(rows, XB_PHASE_TRAIN);
    for (int k = 0; k < 3; k++)
        xb_net_forward(net, &p, x);
    xb_free(x);
}

Test(input_grad, mlp_train_and_eval)
{
    struct xb_net *net = model_net("configs/paper001/mlp_fashion_mult.cfg", 2);
    fd_check(net, 2, XB_PHASE_TRAIN, 28, 1.0 / 128, 1);
    fd_check(net, 2, XB_PHASE_EVAL, 28, 1.0 / 128, 2);
    xb_net_free(net);
}

Test(input_grad, cnn6_train_two_samples)
{
    struct xb_net *net = model_net("configs/paper001/cnn6_mnist_mult.cfg", 2);
    fd_check(net, 2, XB_PHASE_TRAIN, 28, 1.0 / 1024, 3);
    xb_net_free(net);
}

Test(input_grad, cnn6_eval_one_sample)
{
    struct xb_net *net = model_net("configs/paper001/cnn6_mnist_mult.cfg", 2);
    warm_running_stats(net, 2);
    fd_check(net, 1, XB_PHASE_EVAL, 28, 1.0 / 1024, 4);
    xb_net_free(net);
}

Test(input_grad, lstm128_train_and_eval)
{
    struct xb_net *net = model_net("configs/paper001/lstm128_mnist_mult.cfg", 2);
    fd_check(net, 2, XB_PHASE_TRAIN, 28, 1.0 / 128, 5);
    fd_check(net, 2, XB_PHASE_EVAL, 28, 1.0 / 128, 6);
    xb_net_free(net);
}

static struct xb_layer_config lc(const char *type, int units, int kernel, int stride, int pad)
{
    struct xb_layer_config c = xb_test_layer(type, units);
    c.kernel = kernel, c.stride = stride, c.pad = pad;
    return c;
}

/* Every kind but lstm: conv2d (stride 2 over padding, so border pixels
 * see fewer windows) - batchnorm - noise - relu - maxpool (overlapping
 * 3 × 3 windows at stride 1) - dropout - flatten - dense - batchnorm
 * (fixed) - noise. */
static struct xb_net *small_net(size_t rows)
{
    struct xb_net_config cfg = {.input = {2, 7, 7}, .classes = 4, .n_layers = 11};
    cfg.layers[0] = lc("conv2d", 4, 3, 2, 1);
    cfg.layers[1] = lc("batchnorm", 0, 0, 0, 0);
    cfg.layers[2] = lc("noise", 0, 0, 0, 0);
    cfg.layers[3] = lc("relu", 0, 0, 0, 0);
    cfg.layers[4] = lc("maxpool", 0, 2, 1, 0);
    cfg.layers[5] = lc("dropout", 0, 0, 0, 0);
    cfg.layers[5].rate = 0.25;
    cfg.layers[6] = lc("flatten", 0, 0, 0, 0);
    cfg.layers[7] = lc("dense", 4, 0, 0, 0);
    cfg.layers[8] = lc("batchnorm", 0, 0, 0, 0);
    cfg.layers[8].fixed = 1;
    cfg.layers[9] = lc("noise", 0, 0, 0, 0);
    cfg.layers[10] = lc("relu", 0, 0, 0, 0);
    struct xb_net *net = xb_test_net(ctx, &cfg, rows);
    xb_net_init(net, 5);
    return net;
}

/* Input by input (blocks of 1): the net is small. */
Test(input_grad, batchnorm_maxpool_dropout_net_train_and_eval)
{
    struct xb_net *net = small_net(3);
    fd_check(net, 3, XB_PHASE_TRAIN, 1, 1.0 / 256, 7);
    warm_running_stats(net, 3);
    fd_check(net, 3, XB_PHASE_EVAL, 1, 1.0 / 256, 8);
    xb_net_free(net);
}

/* The input gradient (and the loss) of a pass are the same bits for 1 and
 * 2 threads: every layer's dL/dx has fixed work items and sum orders. */
static void thread_identity(struct xb_net *net, size_t rows, enum xb_phase phase)
{
    const size_t n = rows * in_size(net);
    float *x = inputs(n, 20), *g[2];
    uint8_t y[64];
    labels_for(y, rows, xb_net_classes(net));
    struct xb_pass p = pass_for(rows, phase);
    double L[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        g[t] = xb_aligned(n, sizeof(float));
        L[t] = xb_net_input_grad(net, &p, x, y, g[t]);
    }
    cr_assert(L[0] == L[1]);
    cr_assert(!memcmp(g[0], g[1], n * sizeof(float)), "dL/dx differs for 1 and 2 threads");
    xb_free(x), xb_free(g[0]), xb_free(g[1]);
}

Test(input_grad, bit_identical_for_1_and_2_threads)
{
    struct xb_net *cnn = model_net("configs/paper001/cnn6_mnist_mult.cfg", 6);
    thread_identity(cnn, 6, XB_PHASE_TRAIN);
    thread_identity(cnn, 6, XB_PHASE_EVAL);
    xb_net_free(cnn);
    struct xb_net *lstm = model_net("configs/paper001/lstm128_mnist_mult.cfg", 12);
    thread_identity(lstm, 12, XB_PHASE_EVAL);
    xb_net_free(lstm);
    struct xb_net *small = small_net(40);
    thread_identity(small, 40, XB_PHASE_TRAIN);
    xb_net_free(small);
}

/* Asking for dL/dx changes nothing else: the parameter gradients of a
 * TRAIN step are the same bits as without it (the layers below the first
 * weighted one only add their dL/dx products), and an EVAL forward that
 * keeps its caches gives the logits of one that does not, replicas or
 * not. */
static void grads_untouched(struct xb_net *net, size_t rows)
{
    const size_t n = rows * in_size(net), np = xb_net_n_params(net);
    const size_t C = (size_t)xb_net_classes(net);
    float *x = inputs(n, 21), *dx = xb_aligned(n, sizeof(float));
    float *ga = xb_malloc(np, sizeof(float)), *gb = xb_malloc(np, sizeof(float));
    float *pa = xb_malloc(np, sizeof(float));
    uint8_t y[64];
    labels_for(y, rows, (int)C);
    struct xb_pass p = pass_for(rows, XB_PHASE_TRAIN);
    p.backward = 0;
    memcpy(pa, xb_net_params(net), np * sizeof(float)); /* running statistics move */
    xb_net_forward(net, &p, x);
    const double La = xb_net_loss(net, y, rows);
    xb_net_backward(net, &p, x);
    memcpy(ga, xb_net_grads(net), np * sizeof(float));
    memcpy(xb_net_params(net), pa, np * sizeof(float));
    const double Lb = xb_net_input_grad(net, &p, x, y, dx);
    memcpy(gb, xb_net_grads(net), np * sizeof(float));
    cr_assert(La == Lb);
    cr_assert(!memcmp(ga, gb, np * sizeof(float)), "parameter gradients moved");
    /* EVAL: rows as 2 replicas of rows / 2 (the votes of eval share
     * deterministic layers) against the keeping forward of all rows. */
    float *za = xb_malloc(rows * C, sizeof(float));
    struct xb_pass e = pass_for(rows, XB_PHASE_EVAL);
    e.noise = XB_NOISE_NONE, e.sigma = 0.0, e.backward = 0, e.replicas = 2;
    memcpy(x + n / 2, x, n / 2 * sizeof(float));
    memcpy(za, xb_net_forward(net, &e, x), rows * C * sizeof(float));
    e.backward = 1;
    cr_assert(!memcmp(za, xb_net_forward(net, &e, x), rows * C * sizeof(float)),
              "keeping caches moved the logits");
    /* ... and each copy gets its own backward: the two halves' dL/dx are
     * equal (a shared forward would leave the second half's max-pool
     * choices and lstm gates unset). */
    for (size_t r = 0; r < rows; r++)
        y[r] = y[r % (rows / 2)];
    xb_net_input_grad(net, &e, x, y, dx);
    cr_assert(!memcmp(dx, dx + n / 2, n / 2 * sizeof(float)), "replicas' dL/dx differ");
    xb_free(x), xb_free(dx), xb_free(ga), xb_free(gb), xb_free(pa), xb_free(za);
}

Test(input_grad, parameter_gradients_and_logits_unchanged)
{
    const char *configs[] = {"configs/paper001/mlp_fashion_mult.cfg",
                             "configs/paper001/cnn6_mnist_mult.cfg",
                             "configs/paper001/lstm128_mnist_mult.cfg"};
    for (size_t k = 0; k < 3; k++) {
        struct xb_net *net = model_net(configs[k], 4);
        grads_untouched(net, 4);
        xb_net_free(net);
    }
    struct xb_net *small = small_net(4);
    grads_untouched(small, 4);
    xb_net_free(small);
}

/* The input-only backward (xb_net_backward_input_only, what attacks call)
 * gives the bits of the full one's dL/dx, and skips the products' weight
 * gradients: after it every dense, conv2d, lstm and lif layer's W and b
 * gradient is still the zero the backward starts from (the full backward
 * makes them nonzero). Each net in TRAIN with noise and in EVAL; snn50's
 * lif layers with their learned stds (snn50_lr). */
static void input_only_matches(struct xb_net *net, size_t rows, enum xb_phase phase)
{
    const size_t n = rows * in_size(net), np = xb_net_n_params(net);
    float *x = inputs(n, 31), *full = xb_aligned(n, sizeof(float));
    float *only = xb_aligned(n, sizeof(float));
    uint8_t y[64];
    labels_for(y, rows, xb_net_classes(net));
    struct xb_pass p = pass_for(rows, phase);
    if (phase == XB_PHASE_EVAL)
        p.noise = XB_NOISE_NONE, p.sigma = 0.0;
    xb_net_input_grad(net, &p, x, y, full);
    size_t nonzero = 0;
    for (size_t i = 0; i < np; i++)
        nonzero += xb_net_grads(net)[i] != 0.0f;
    cr_assert_gt(nonzero, 0, "the full backward formed no parameter gradient");
    xb_net_forward(net, &p, x);
    xb_net_loss(net, y, rows);
    xb_net_backward_input_only(net, &p, x, only);
    cr_assert(!memcmp(full, only, n * sizeof(float)), "input-only dL/dx differs");
    for (size_t k = 0; k < xb_net_n_layers(net); k++) {
        const struct xb_layer *l = xb_net_layer(net, k);
        const char *kind = l->type->name;
        if (strcmp(kind, "dense") && strcmp(kind, "conv2d") && strcmp(kind, "lstm") &&
            strcmp(kind, "lif"))
            continue;
        struct xb_layer_mvm m;
        l->type->mvm(l, &m);
        const size_t nwb = m.out * m.in + m.out; /* W then b, every kind's layout */
        for (size_t i = 0; i < nwb; i++)
            cr_assert(l->grads[i] == 0.0f, "layer %zu (%s): weight gradient %zu is %g after "
                      "an input-only backward", k, kind, i, (double)l->grads[i]);
    }
    xb_free(x), xb_free(full), xb_free(only);
}

Test(input_grad, input_only_backward_gives_the_same_dx_and_no_weight_gradient)
{
    const char *configs[] = {"configs/paper001/mlp_fashion_mult.cfg",
                             "configs/paper001/cnn6_mnist_mult.cfg",
                             "configs/paper001/lstm128_mnist_mult.cfg",
                             "configs/paper000/snn50_mnist_nit.cfg"};
    for (size_t k = 0; k < 4; k++) {
        struct xb_net *net = model_net(configs[k], 4);
        input_only_matches(net, 4, XB_PHASE_TRAIN);
        input_only_matches(net, 4, XB_PHASE_EVAL);
        xb_net_free(net);
    }
}
