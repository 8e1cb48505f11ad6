/*
 * The mfdv layer (models/layers/layer_mfdv.c, paper 003) and M-sample
 * averaging (models/eval/xb_eval.h, XB_VOTE_SOFTMAX): the objective's
 * gradient — weights, the learned log-stds and the variance reward —
 * against central differences with the draw fixed; the reward's value; the
 * layer's known outputs from its addressed draws; the softmax-averaged
 * votes curve against a reference the test computes from M single
 * forwards; bit-identity for 1 and 2 threads; config errors.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_eval.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_test_net.h"
#include "xb_test_util.h"

static struct xb_ctx *ctx;
static const uint64_t SEED = 20261130;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = SEED, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(mfdv, .init = setup, .fini = teardown);

static struct xb_pass train_pass(size_t rows, double sigma)
{
    struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = rows, .seed = SEED,
                        .noise = XB_NOISE_ADD, .sigma = sigma};
    p.addr.batch = (uint32_t)rows;
    return p;
}

/* dense 8 → batchnorm (fixed) → mfdv → dense 3 on 6 inputs. */
static struct xb_net *small_net(double lambda, double sigma_init)
{
    struct xb_net_config cfg = {.input = {6, 1, 1}, .classes = 3, .n_layers = 4,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = xb_test_layer("dense", 8);
    cfg.layers[1] = xb_test_layer("batchnorm", 0);
    cfg.layers[1].fixed = 1;
    cfg.layers[2] = xb_test_layer("mfdv", 0);
    cfg.layers[2].variance_weight = lambda;
    cfg.layers[2].sigma_init = sigma_init;
    cfg.layers[3] = xb_test_layer("dense", 3);
    struct xb_net *net = xb_test_net(ctx, &cfg, 16);
    xb_net_init(net, 5);
    return net;
}

static double objective(struct xb_net *net, const struct xb_pass *p, const float *x,
                        const uint8_t *y)
{
    xb_net_forward(net, p, x);
    return xb_net_loss(net, y, p->rows);
}

/* Every parameter's dL/dθ (L = cross-entropy + the variance reward) against
 * central differences of L in double. The draw is fixed: every forward
 * reads the same addressed normals. Bound: |num − ana| ≤ 1e-2 · max + 2e-4
 * (the float forward's rounding ~1e-7 relative over a step of 1e-3 gives
 * ~1e-4 in the difference quotient; the curvature term is O(h²)). */
Test(mfdv, gradient_matches_central_differences)
{
    enum { R = 12 };
    struct xb_net *net = small_net(0.7, 0.6);
    float x[R * 6];
    uint8_t y[R];
    xb_test_fill_normal(x, R * 6, 11, 1, 1.0f);
    for (int r = 0; r < R; r++)
        y[r] = (uint8_t)(r % 3);
    const struct xb_pass p = train_pass(R, 0.8);
    objective(net, &p, x, y);
    xb_net_backward(net, &p, x);
    const size_t n = xb_net_n_params(net);
    float *ana = xb_malloc(n, sizeof(float)), *w = xb_net_params(net);
    memcpy(ana, xb_net_grads(net), n * sizeof(float));
    /* The mfdv layer's parameters: the log-stds, checked as every other. */
    struct xb_layer *m = xb_net_layer(net, 2);
    cr_assert_eq(m->n_params, 8);
    cr_assert_float_eq(m->params[0], logf(0.6f), 1e-7, "sigma_init 0.6: v = ln 0.6");
    size_t checked_v = 0;
    for (size_t j = 0; j < n; j++) {
        const float v0 = w[j];
        const double h = 1e-3 * fmax(1.0, fabs((double)v0));
        const float vp = (float)((double)v0 + h), vm = (float)((double)v0 - h);
        w[j] = vp;
        const double Lp = objective(net, &p, x, y);
        w[j] = vm;
        const double Lm = objective(net, &p, x, y);
        w[j] = v0;
        const double num = (Lp - Lm) / ((double)vp - (double)vm);
        const double lim = 1e-2 * fmax(fabs(num), fabs((double)ana[j])) + 2e-4;
        cr_assert_leq(fabs(num - (double)ana[j]), lim, "param %zu: numeric %.6g, analytic "
                      "%.6g", j, num, (double)ana[j]);
        checked_v += w + j >= m->params && w + j < m->params + m->n_params;
    }
    cr_assert_eq(checked_v, 8);
    xb_free(ana);
    xb_net_free(net);
}

/* The reward is -lambda (1/D) Σ ln s_d² = -(2 lambda / D) Σ v_d, on top of
 * the cross-entropy of the same draw; its gradient is -2 lambda / D on
 * every v_d. Two nets with the same parameters and draws, lambda 0 and
 * 0.5, differ by exactly that (up to the rounding of one double sum). */
Test(mfdv, reward_value_and_gradient_known_answer)
{
    enum { R = 10, D = 8 };
    struct xb_net *a = small_net(0.0, 1.0), *b = small_net(0.5, 1.0);
    struct xb_layer *ma = xb_net_layer(a, 2), *mb = xb_net_layer(b, 2);
    double sum = 0.0;
    for (int d = 0; d < D; d++) { /* distinct stds, so the sum is not trivial */
        ma->params[d] = mb->params[d] = 0.1f * (float)(d - 3);
        sum += (double)ma->params[d];
    }
    float x[R * 6];
    uint8_t y[R];
    xb_test_fill_normal(x, R * 6, 12, 1, 1.0f);
    for (int r = 0; r < R; r++)
        y[r] = (uint8_t)(r % 3);
    const struct xb_pass p = train_pass(R, 1.0);
    const double La = objective(a, &p, x, y), Lb = objective(b, &p, x, y);
    cr_assert(fabs((Lb - La) - (-2.0 * 0.5 * sum / D)) < 1e-12, "reward %.12g, want %.12g",
              Lb - La, -sum / D);
    xb_net_backward(a, &p, x);
    xb_net_backward(b, &p, x);
    for (int d = 0; d < D; d++)
        cr_assert_float_eq(mb->grads[d] - ma->grads[d], (float)(-2.0 * 0.5 / D), 1e-6,
                           "dR/dv_%d", d);
    /* Noise off (sigma 0): the layer is the identity and adds no reward. */
    const struct xb_pass q = train_pass(R, 0.0);
    cr_assert(objective(a, &q, x, y) == objective(b, &q, x, y));
    xb_net_free(a), xb_net_free(b);
}

/* flatten → mfdv with known log-stds v_j: logit j of (sample s, vote v) is
 * x_j + sigma · exp(v_j) · eps_j, eps_j element j of stream (NOISE,
 * layer 1, instance, sample s, vote vote0 + v). The test draws the same
 * normals and checks every logit of one pass, then computes what
 * XB_VOTE_SOFTMAX must report — the arg max (lowest index on ties) of the
 * mean over the first k votes of softmax(logits), in its own double
 * arithmetic — and compares the votes curve exactly, for several row
 * budgets (so several batchings of the votes). */
Test(mfdv, m_sample_softmax_average_equals_mean_of_single_forwards)
{
    enum { N = 41, F = 10, V = 6 };
    const uint32_t vote0 = 3, instance = 2;
    const double sigma = 0.9;
    struct xb_net_config cfg = {.input = {1, 1, F}, .classes = F, .n_layers = 2};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("mfdv", 0);
    float *X = xb_malloc(N * F, 4), v[F];
    uint8_t y[N];
    xb_test_fill_normal(X, N * F, 3, 2, 1.0f);
    for (int j = 0; j < F; j++)
        v[j] = 0.05f * (float)j - 0.2f;
    for (int s = 0; s < N; s++)
        y[s] = (uint8_t)(s % F);

    /* The reference logits of every (sample, vote), and the curve. */
    static float logit[N][V][F];
    for (int s = 0; s < N; s++)
        for (int k = 0; k < V; k++) {
            struct xb_addr a = {.purpose = XB_PURPOSE_NOISE, .layer = 1, .instance = instance,
                                .sample = (uint32_t)s, .vote = vote0 + (uint32_t)k};
            struct xb_stream st = xb_stream_at(SEED, &a);
            float eps[F];
            xb_normal_fill(&st, 0, F, eps);
            for (int j = 0; j < F; j++)
                logit[s][k][j] = X[s * F + j] + (float)sigma * expf(v[j]) * eps[j];
        }
    double want[V], major[V];
    int flips = 0;
    for (int k = 1; k <= V; k++) {
        int hits = 0;
        for (int s = 0; s < N; s++) {
            double mean[F] = {0};
            for (int u = 0; u < k; u++) {
                double mx = -INFINITY, z = 0.0, e[F];
                for (int j = 0; j < F; j++)
                    mx = fmax(mx, (double)logit[s][u][j]);
                for (int j = 0; j < F; j++)
                    z += e[j] = exp((double)logit[s][u][j] - mx);
                for (int j = 0; j < F; j++)
                    mean[j] += e[j] / z;
            }
            int best = 0;
            for (int j = 1; j < F; j++)
                best = mean[j] > mean[best] ? j : best;
            hits += best == y[s];
        }
        want[k - 1] = (double)hits / N;
    }
    for (int s = 0; s < N; s++) { /* the noise moves predictions between votes */
        int b0 = 0, b1 = 0;
        for (int j = 1; j < F; j++) {
            b0 = logit[s][0][j] > logit[s][0][b0] ? j : b0;
            b1 = logit[s][1][j] > logit[s][1][b1] ? j : b1;
        }
        flips += b0 != b1;
    }
    cr_assert_gt(flips, N / 5, "only %d of %d predictions change between votes", flips, N);

    struct xb_eval_params ep = {.repeats = 1, .votes = V, .noise = XB_NOISE_ADD,
                                .sigma = sigma, .instance = instance, .vote0 = vote0,
                                .vote = XB_VOTE_SOFTMAX};
    const size_t budgets[] = {V, 4 * V + 1, (size_t)V * N};
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
        struct xb_net *net = xb_test_net(ctx, &cfg, budgets[b]);
        memcpy(xb_net_layer(net, 1)->params, v, sizeof v);
        if (b == 0) { /* one single forward: every logit as the reference has it */
            float x1[F * V];
            for (int k = 0; k < V; k++)
                memcpy(x1 + k * F, X + 7 * F, F * sizeof(float));
            struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = V, .seed = SEED,
                                .noise = XB_NOISE_ADD, .sigma = sigma, .instance = instance,
                                .addr = {.sample0 = 7, .batch = 1, .vote0 = vote0}};
            const float *z = xb_net_forward(net, &p, x1);
            for (int k = 0; k < V; k++)
                for (int j = 0; j < F; j++)
                    cr_assert(z[k * F + j] == logit[7][k][j], "logit (7, %d, %d)", k, j);
        }
        double acc1, acc_v[V];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, N, &acc1, acc_v), XB_OK, "%s",
                     xb_ctx_error(ctx));
        for (int k = 0; k < V; k++)
            cr_assert(acc_v[k] == want[k], "%zu rows: %d-sample average %.6f, want %.6f",
                      budgets[b], k + 1, acc_v[k], want[k]);
        ep.vote = XB_VOTE_MAJORITY;
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, N, &acc1, major), XB_OK);
        ep.vote = XB_VOTE_SOFTMAX;
        xb_net_free(net);
    }
    /* The rule matters: with one vote both rules agree; with more, the
     * majority's curve is not the softmax average's here. */
    cr_assert(major[0] == want[0]);
    cr_assert(memcmp(major, want, sizeof want), "majority and softmax curves agree");
    xb_free(X);
}

Test(mfdv, softmax_row_known_answer)
{
    const float z[3] = {0.0f, logf(2.0f), logf(5.0f)};
    double p[3];
    xb_softmax_row(z, 3, p);
    cr_assert(fabs(p[0] - 0.125) < 1e-7 && fabs(p[1] - 0.25) < 1e-7 &&
              fabs(p[2] - 0.625) < 1e-7, "%g %g %g", p[0], p[1], p[2]);
}

/* Forward, objective and gradients of a net wide enough that the layer's
 * loops run in parallel (rows × features above XB_LAYER_PAR_MIN) are the
 * same bits for 1 and 2 threads; with the noise on the layer is random
 * (votes differ), with sigma 0 it is the identity and deterministic. */
Test(mfdv, bit_identical_1_and_2_threads)
{
    enum { R = 320, F = 64 };
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = 10, .n_layers = 3,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = xb_test_layer("batchnorm", 0);
    cfg.layers[0].fixed = 1;
    cfg.layers[1] = xb_test_layer("mfdv", 0);
    cfg.layers[1].variance_weight = 0.3;
    cfg.layers[2] = xb_test_layer("dense", 10);
    struct xb_net *net = xb_test_net(ctx, &cfg, R);
    xb_net_init(net, 2);
    const size_t np = xb_net_n_params(net);
    float *x = xb_malloc(R * F, 4), *out[2], *g[2];
    uint8_t y[R];
    xb_test_fill_normal(x, R * F, 4, 1, 1.0f);
    for (int r = 0; r < R; r++)
        y[r] = (uint8_t)(r % 10);
    struct xb_pass p = train_pass(R, 1.0);
    p.addr.batch = R / 4; /* four votes */
    double L[2];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        out[t] = xb_malloc(R * 10, 4);
        g[t] = xb_malloc(np, 4);
        memcpy(out[t], xb_net_forward(net, &p, x), R * 10 * sizeof(float));
        L[t] = xb_net_loss(net, y, R);
        xb_net_backward(net, &p, x);
        memcpy(g[t], xb_net_grads(net), np * sizeof(float));
    }
    cr_assert(!memcmp(out[0], out[1], R * 10 * sizeof(float)), "logits differ");
    cr_assert(L[0] == L[1]);
    cr_assert(!memcmp(g[0], g[1], np * sizeof(float)), "gradients differ");
    /* Rows 0 and R/4 are the same sample at votes 0 and 1: different draws. */
    const float *h = xb_net_output(net, 1);
    cr_assert(memcmp(h, h + (size_t)(R / 4) * F, F * sizeof(float)), "votes share a draw");
    struct xb_pass e = p;
    e.phase = XB_PHASE_EVAL;
    cr_assert(xb_net_random(net, &e));
    e.sigma = 0.0;
    cr_assert(!xb_net_random(net, &e));
    for (int t = 0; t < 2; t++)
        xb_free(out[t]), xb_free(g[t]);
    xb_free(x);
    xb_net_free(net);
}

Test(mfdv, config_errors_name_the_field)
{
    struct xb_net_config cfg = {.input = {4, 1, 1}, .classes = 4, .n_layers = 1};
    cfg.layers[0] = xb_test_layer("noise", 0);
    cfg.layers[0].variance_weight = 0.5;
    struct xb_net *net = NULL;
    cr_assert_neq(xb_net_create(ctx, &cfg, 4, &net), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "variance_weight"), "%s", xb_ctx_error(ctx));
    cfg.layers[0] = xb_test_layer("mfdv", 0);
    cfg.layers[0].sigma_init = -1.0;
    cr_assert_neq(xb_net_create(ctx, &cfg, 4, &net), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "sigma_init"), "%s", xb_ctx_error(ctx));
}
