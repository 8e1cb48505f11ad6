/*
 * Evaluation (models/eval/xb_eval) against a reference the test computes itself
 * (issue 14): every (sample, vote) inference draws its noise from the
 * address models/eval/xb_eval.h and noise/xb_rng.h document — sample = the
 * sample's index in the set, vote = vote0 + v — so the accuracies and the
 * votes curve are a function of the net, the data and those addresses
 * alone, whatever number of rows a pass may hold.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_eval.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_spike.h"
#include "xb_test_net.h"
#include "xb_test_util.h"

static struct xb_ctx *ctx;
static const uint64_t SEED = 20261129;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = SEED, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(eval_ref, .init = setup, .fini = teardown);

/* The majority of preds[0..k) by the rule of models/eval/xb_eval.h, written out:
 * the most frequent class; among equals, the one an earlier vote chose. */
static int majority(const uint8_t *preds, int k)
{
    int best = preds[0], best_count = 0;
    for (int a = 0; a < k; a++) {
        int count = 0;
        for (int b = 0; b < k; b++)
            count += preds[b] == preds[a];
        if (count > best_count) { /* strictly more: the earlier vote keeps a tie */
            best = preds[a];
            best_count = count;
        }
    }
    return best;
}

/* The accuracies evaluation must report from the predictions pred[s·V + v]
 * of sample s at vote v: repeat r is vote r alone, K votes their majority. */
static void expected(const uint8_t *pred, int V, const uint8_t *y, int n, int repeats,
                     int votes, double *want_r, double *want_v)
{
    for (int r = 0; r < repeats; r++) {
        int hits = 0;
        for (int s = 0; s < n; s++)
            hits += pred[s * V + r] == y[s];
        want_r[r] = (double)hits / n;
    }
    for (int k = 1; k <= votes; k++) {
        int hits = 0;
        for (int s = 0; s < n; s++)
            hits += majority(pred + s * V, k) == y[s];
        want_v[k - 1] = (double)hits / n;
    }
}

/* flatten → noise (MULT, σ = 1) on 2 × 5 inputs: the logits are
 * x_j (1 + σ ε_j), ε_j element j of stream (NOISE, layer 1 — the noise
 * layer's position —, instance, sample s, vote vote0 + v), so the test
 * knows every prediction: it draws the same normals, takes the arg max
 * (lowest index on ties, xb_net_predict), and counts. Accuracies are
 * counts / n, so they must be equal as doubles, for every row budget. */
Test(eval_ref, flatten_noise_known_answer_for_any_row_budget)
{
    enum { N = 37, F = 10, REPEATS = 3, VOTES = 7, V = 7 };
    const uint32_t vote0 = 5, instance = 3;
    const float sigma = 1.0f;
    struct xb_net_config cfg = {.input = {2, 1, 5}, .classes = F, .n_layers = 2};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("noise", 0);
    float *X = xb_malloc(N * F, 4);
    uint8_t y[N];
    xb_test_fill_normal(X, N * F, 3, 1, 1.0f);
    for (int s = 0; s < N; s++) { /* labels: the noiseless arg max, every 4th one off */
        int best = 0;
        for (int j = 1; j < F; j++)
            best = X[s * F + j] > X[s * F + best] ? j : best;
        y[s] = (uint8_t)(s % 4 == 3 ? (best + 1) % F : best);
    }

    /* The reference, per (sample, vote). */
    uint8_t pred[N][V];
    struct xb_addr na = {.purpose = XB_PURPOSE_NOISE, .layer = 1, .instance = instance};
    for (int s = 0; s < N; s++)
        for (int v = 0; v < V; v++) {
            struct xb_addr a = na;
            a.sample = (uint32_t)s;
            a.vote = vote0 + (uint32_t)v;
            struct xb_stream st = xb_stream_at(SEED, &a);
            float eps[F], logit[F];
            xb_normal_fill(&st, 0, F, eps);
            int best = 0;
            for (int j = 0; j < F; j++) {
                float x = X[s * F + j], se = sigma * eps[j];
                logit[j] = x + x * se;
                best = logit[j] > logit[best] ? j : best;
            }
            pred[s][v] = (uint8_t)best;
        }
    double want_r[REPEATS], want_v[VOTES];
    int differ = 0;
    expected(&pred[0][0], V, y, N, REPEATS, VOTES, want_r, want_v);
    for (int s = 0; s < N; s++)
        differ += pred[s][0] != pred[s][1];
    /* The case has power: the noise changes predictions between votes. */
    cr_assert_gt(differ, N / 5, "only %d of %d samples change prediction between votes",
                 differ, N);

    struct xb_eval_params ep = {.repeats = REPEATS, .votes = VOTES, .noise = XB_NOISE_MULT,
                                .sigma = sigma, .instance = instance, .vote0 = vote0};
    const size_t budgets[] = {V, 2 * V, 5 * V + 3, (size_t)V * N, (size_t)V * N + 11};
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
        struct xb_net *net = xb_test_net(ctx, &cfg, budgets[b]);
        xb_net_init(net, 1);
        double acc_r[REPEATS], acc_v[VOTES];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, N, acc_r, acc_v), XB_OK, "%s",
                     xb_ctx_error(ctx));
        for (int r = 0; r < REPEATS; r++)
            cr_assert(acc_r[r] == want_r[r], "%zu rows per pass: repeat %d accuracy %.6f, "
                      "want %.6f (draws of sample s, vote %u + r)", budgets[b], r, acc_r[r],
                      want_r[r], vote0);
        for (int k = 0; k < VOTES; k++)
            cr_assert(acc_v[k] == want_v[k], "%zu rows per pass: %d-vote accuracy %.6f, want "
                      "%.6f", budgets[b], k + 1, acc_v[k], want_v[k]);
        xb_net_free(net);
    }
    xb_free(X);
}

/* A dense net with noise inside: the same parameters evaluated with
 * different row budgets (so different batches per pass) give identical
 * accuracies and votes curves. Different budgets change the GEMM call
 * shapes, whose sums may differ in the last bits; the test first checks
 * that no prediction is that close to a tie (the top two logits of every
 * (sample, vote) at least 1e-3 apart, against rounding of ~1e-6 of logits
 * of order 1), so equality is exact under any BLAS kernel. */
Test(eval_ref, dense_net_identical_for_any_row_budget)
{
    enum { N = 45, F = 12, C = 5, REPEATS = 4, VOTES = 9, V = 9 };
    struct xb_net_config cfg = {.input = {F, 1, 1}, .classes = C, .n_layers = 4};
    cfg.layers[0] = xb_test_layer("dense", 16);
    cfg.layers[1] = xb_test_layer("noise", 0);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("dense", C);
    float *X = xb_malloc(N * F, 4);
    uint8_t y[N];
    xb_test_fill_normal(X, N * F, 3, 2, 1.0f);
    for (int s = 0; s < N; s++)
        y[s] = (uint8_t)(s % C);
    struct xb_eval_params ep = {.repeats = REPEATS, .votes = VOTES, .noise = XB_NOISE_MULT,
                                .sigma = 0.8, .instance = 1, .vote0 = 2};
    /* Margins of every (sample, vote) in one pass of all rows. */
    struct xb_net *big = xb_test_net(ctx, &cfg, (size_t)V * N);
    xb_net_init(big, 7);
    float *xr = xb_malloc((size_t)V * N * F, 4);
    for (int v = 0; v < V; v++)
        memcpy(xr + (size_t)v * N * F, X, (size_t)N * F * 4);
    struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = (size_t)V * N,
                           .addr = {.batch = N, .vote0 = ep.vote0}, .seed = SEED,
                           .noise = ep.noise, .sigma = ep.sigma, .instance = ep.instance};
    const float *logits = xb_net_forward(big, &pass, xr);
    double min_gap = INFINITY;
    for (size_t r = 0; r < (size_t)V * N; r++) {
        double a = -INFINITY, b = -INFINITY;
        for (int c = 0; c < C; c++) {
            double l = (double)logits[r * C + c];
            if (l > a)
                b = a, a = l;
            else if (l > b)
                b = l;
        }
        min_gap = fmin(min_gap, a - b);
    }
    cr_assert_gt(min_gap, 1e-3, "a prediction within %g of a tie", min_gap);
    double ref_r[REPEATS], ref_v[VOTES];
    cr_assert_eq(xb_eval_run(ctx, big, &ep, X, y, N, ref_r, ref_v), XB_OK);
    cr_assert(ref_v[VOTES - 1] != ref_v[0] || ref_r[0] != ref_r[1],
              "the noise changes nothing: the case has no power");
    const size_t budgets[] = {V, 4 * V + 1, 10 * V};
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
        struct xb_net *net = xb_test_net(ctx, &cfg, budgets[b]);
        memcpy(xb_net_params(net), xb_net_params(big), xb_net_n_params(big) * sizeof(float));
        double acc_r[REPEATS], acc_v[VOTES];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, N, acc_r, acc_v), XB_OK);
        for (int r = 0; r < REPEATS; r++)
            cr_assert(acc_r[r] == ref_r[r], "%zu rows per pass: repeat %d accuracy %.6f, one "
                      "pass of all rows %.6f", budgets[b], r, acc_r[r], ref_r[r]);
        for (int k = 0; k < VOTES; k++)
            cr_assert(acc_v[k] == ref_v[k], "%zu rows per pass: %d-vote accuracy %.6f, one "
                      "pass of all rows %.6f", budgets[b], k + 1, acc_v[k], ref_v[k]);
        xb_net_free(net);
    }
    xb_net_free(big);
    xb_free(X), xb_free(xr);
}

/* Votes of a spiking net are on its readout (issue 11 item 6): each vote
 * is a forward of its own — its own Bernoulli input spikes and neuron
 * noise, drawn at (sample s, vote vote0 + v) — whose membrane-sum readout
 * gives that vote's prediction, and a K-vote answer is the majority of
 * those. The reference runs every (sample, vote) as a pass of one row and
 * counts; xb_eval_run, which stacks the votes of a batch as rows of one
 * pass, must give the same accuracies as doubles for any row budget.
 * Every pass of the SNN is an exact GEMM per time step in fixed order
 * (portable mode) of one row's values, so the rows of a stacked pass are
 * the single-row passes' bits. */
Test(eval_ref, snn_votes_are_majorities_of_readouts)
{
    enum { N = 29, REPEATS = 3, VOTES = 9, V = 9, T = 5 };
    const uint32_t vote0 = 3, instance = 2;
    const double sigma = 0.6;
    struct xb_net_config cfg = {.input = {1, 4, 4}, .classes = 10, .n_layers = 3,
                                .gemm = XB_GEMM_PORTABLE};
    cfg.layers[0] = xb_test_layer("encode", 0);
    cfg.layers[0].steps = T;
    cfg.layers[0].encoding = XB_ENCODE_BERNOULLI;
    cfg.layers[1] = xb_test_layer("lif", 12);
    cfg.layers[1].leak = 0.5;
    cfg.layers[2] = xb_test_layer("lif", 10);
    cfg.layers[2].leak = 0.5;
    cfg.layers[2].readout = XB_READOUT_MEMBRANE_SUM;
    const size_t F = 16;
    float *X = xb_malloc(N * F, 4);
    uint8_t y[N];
    xb_test_fill_normal(X, N * F, 5, 1, 0.5f);
    for (size_t i = 0; i < N * F; i++)
        X[i] = fminf(fmaxf(X[i] + 0.5f, 0.0f), 1.0f); /* pixels in [0, 1] */
    struct xb_net *one = xb_test_net(ctx, &cfg, 1);
    xb_net_init(one, 3);
    /* Labels: vote 0's prediction, every third one moved, so the
     * accuracies are neither 0 nor 1. */
    uint8_t pred[N][V];
    for (int s = 0; s < N; s++)
        for (int v = 0; v < V; v++) {
            struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = 1, .seed = SEED,
                                .addr = {.sample0 = (uint32_t)s, .batch = 1,
                                         .vote0 = vote0 + (uint32_t)v},
                                .noise = XB_NOISE_ADD, .sigma = sigma, .instance = instance,
                                .gemm = XB_GEMM_PORTABLE};
            xb_net_predict(xb_net_forward(one, &p, X + s * F), 1, 10, &pred[s][v]);
        }
    for (int s = 0; s < N; s++)
        y[s] = (uint8_t)(s % 3 == 2 ? (pred[s][0] + 1) % 10 : pred[s][0]);
    double want_r[REPEATS], want_v[VOTES];
    expected(&pred[0][0], V, y, N, REPEATS, VOTES, want_r, want_v);
    int differ = 0;
    for (int s = 0; s < N; s++)
        for (int v = 1; v < V; v++)
            differ += pred[s][v] != pred[s][0];
    /* Power: the spikes and the noise change predictions between votes. */
    cr_assert_gt(differ, N, "only %d (sample, vote) predictions differ from vote 0", differ);
    struct xb_eval_params ep = {.repeats = REPEATS, .votes = VOTES, .noise = XB_NOISE_ADD,
                                .sigma = sigma, .instance = instance, .vote0 = vote0};
    const size_t budgets[] = {V, 3 * V + 2, (size_t)V * N};
    for (size_t b = 0; b < sizeof budgets / sizeof *budgets; b++) {
        struct xb_net *net = xb_test_net(ctx, &cfg, budgets[b]);
        memcpy(xb_net_params(net), xb_net_params(one), xb_net_n_params(one) * sizeof(float));
        double acc_r[REPEATS], acc_v[VOTES];
        cr_assert_eq(xb_eval_run(ctx, net, &ep, X, y, N, acc_r, acc_v), XB_OK, "%s",
                     xb_ctx_error(ctx));
        for (int r = 0; r < REPEATS; r++)
            cr_assert(acc_r[r] == want_r[r], "%zu rows per pass: repeat %d accuracy %.6f, "
                      "want %.6f", budgets[b], r, acc_r[r], want_r[r]);
        for (int k = 0; k < VOTES; k++)
            cr_assert(acc_v[k] == want_v[k], "%zu rows per pass: %d-vote accuracy %.6f, want "
                      "%.6f", budgets[b], k + 1, acc_v[k], want_v[k]);
        xb_net_free(net);
    }
    xb_net_free(one);
    xb_free(X);
}
