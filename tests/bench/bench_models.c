/*
 * Network throughput in samples (images, sequences) per second and as a
 * fraction of the sgemm-limited rate: FLOPs are counted from the weighted
 * layers (2 per multiply-accumulate, an LSTM's per step; training as forward
 * + two backward products, 3x); and PGD attack steps (issue 12).
 */
#include "bench_models.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xb_alloc.h"
#include "xb_attack.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_rng.h"
#include "xb_sweep.h"
#include "xb_train.h"

enum { ROUNDS = 3 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The plain sgemm rate now, all threads, on the reference shape of
 * bench.c (batch 256, 784 -> 256): the best of calls over ~0.1 s. Measured
 * in every round beside the model, so both see the same machine state. */
static double sgemm_now(void)
{
    enum { M = 256, K = 784, N = 256 };
    float *A = xb_aligned((size_t)M * K, sizeof(float));
    float *B = xb_aligned((size_t)N * K, sizeof(float));
    float *C = xb_aligned((size_t)M * N, sizeof(float));
    for (size_t i = 0; i < (size_t)M * K; i++)
        A[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)N * K; i++)
        B[i] = (float)(i % 5) * 0.1f;
    double best = INFINITY, start = now();
    while (now() - start < 0.1) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, B, K, 0.0f,
                    C, N);
        best = fmin(best, now() - t0);
    }
    xb_free(A), xb_free(B), xb_free(C);
    return 2.0 * M * N * K / best * 1e-9;
}

static void must(struct xb_ctx *ctx, enum xb_status st, const char *what)
{
    if (st != XB_OK) {
        fprintf(stderr, "bench: %s: %s\n", what, xb_ctx_error(ctx));
        exit(1);
    }
}

/* Layer k's crossbar product into *p; 0 if it has none (not weighted). */
static int layer_mvm(struct xb_net *net, size_t k, struct xb_layer_mvm *p)
{
    const struct xb_layer *l = xb_net_layer(net, k);
    if (!l->type->mvm)
        return 0;
    l->type->mvm(l, p);
    return 1;
}

/* Multiply-accumulates of one forward pass of one sample, from the
 * crossbar products the weighted layers name (xb_layer_type.mvm: out × in,
 * read once per sample, per output position or per time step); *first
 * gets those of the input-gradient product training skips: all of the
 * first weighted layer's dX, or one step's for an lstm (it still needs
 * dL/dh of every later step; only step 0's product is left out). */
static double macs(struct xb_net *net, double *first)
{
    double m = 0.0;
    *first = -1.0;
    for (size_t k = 0; k < xb_net_n_layers(net); k++) {
        struct xb_layer_mvm p;
        if (!layer_mvm(net, k, &p))
            continue;
        const struct xb_layer *l = xb_net_layer(net, k);
        double read = (double)p.out * (double)p.in, lm = read * (double)p.reads;
        if (*first < 0.0)
            *first = strcmp(l->type->name, "lstm") ? lm : read;
        m += lm;
    }
    if (*first < 0.0)
        *first = 0.0;
    return m;
}

/* Best seconds of C[m × n] = A[m × k] op(B) (B [n × k] transposed, or
 * [k × n]) by cblas_sgemm, all threads, over ~0.05 s. */
static double sgemm_best(size_t m, size_t n, size_t k, int trans_b, const float *A,
                         const float *B, float *C)
{
    double best = INFINITY, start = now();
    while (now() - start < 0.05) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m,
                    (int)n, (int)k, 1.0f, A, (int)k, B, trans_b ? (int)k : (int)n, 0.0f, C,
                    (int)n);
        best = fmin(best, now() - t0);
    }
    return best;
}

/* The sgemm rate at a net's own shapes for `rows` samples, in GFLOP/s: the
 * forward Y = X Wᵀ and the input gradient dX = dY W of every weighted
 * layer as one whole-batch call each (rows · reads rows: a lif's T steps),
 * total FLOPs over total best times. Information beside the reference
 * shape's rate the goals use: it says how much of a shortfall is the
 * shapes' (snn50's 784 -> 50 is a thin product). */
static double shape_sgemm_gflops(struct xb_net *net, size_t rows)
{
    double flops = 0.0, seconds = 0.0;
    for (size_t k = 0; k < xb_net_n_layers(net); k++) {
        struct xb_layer_mvm p;
        if (!layer_mvm(net, k, &p))
            continue;
        const size_t m = rows * p.reads;
        float *X = xb_aligned(m * p.in, sizeof(float)), *W = xb_aligned(p.out * p.in, 4);
        float *Y = xb_aligned(m * p.out, sizeof(float));
        for (size_t i = 0; i < m * p.in; i++)
            X[i] = (float)(i % 7) * 0.1f;
        for (size_t i = 0; i < p.out * p.in; i++)
            W[i] = (float)(i % 5) * 0.1f;
        for (size_t i = 0; i < m * p.out; i++)
            Y[i] = (float)(i % 3) * 0.1f;
        seconds += sgemm_best(m, p.out, p.in, 1, X, W, Y); /* Y = X Wᵀ */
        seconds += sgemm_best(m, p.in, p.out, 0, Y, W, X); /* dX = dY W */
        flops += 2.0 * 2.0 * (double)m * (double)p.out * (double)p.in;
        xb_free(X), xb_free(W), xb_free(Y);
    }
    return flops / seconds * 1e-9;
}

static void random_data(size_t n, size_t dim, float **X, uint8_t **y)
{
    *X = xb_aligned(n * dim, sizeof(float));
    *y = xb_malloc(n, 1);
    struct xb_addr a = {.purpose = XB_PURPOSE_INPUTS};
    struct xb_stream s = xb_stream_at(3, &a);
    xb_uniform_fill(&s, 0, n * dim, *X);
    for (size_t i = 0; i < n; i++)
        (*y)[i] = (uint8_t)(i % 10);
}

struct model_figures {
    double train_ips, vote_ips, train_frac, vote_frac;
};

/* portable: every product by xbar's fixed-order GEMM (figures prefixed
 * "portable_"). */
static void one_model(struct xb_ctx *ctx, const char *config, size_t batch, size_t n_train,
                      size_t n_eval, int portable, struct model_figures *f)
{
    struct xb_experiment e;
    char set_batch[64];
    snprintf(set_batch, sizeof set_batch, "train.batch=%zu", batch);
    const char *sets[] = {set_batch, "sweep.portable=false"};
    must(ctx, xb_experiment_read(ctx, config, sets, portable ? 1 : 2, &e), config);
    if (portable) {
        char name[sizeof e.model_name + 16];
        snprintf(name, sizeof name, "portable_%s", e.model_name);
        snprintf(e.model_name, sizeof e.model_name, "%.*s", (int)sizeof e.model_name - 1, name);
    }
    struct xb_net *net;
    must(ctx, xb_net_create(ctx, &e.model, 640, &net), "net");
    xb_net_init(net, 1);
    size_t dim = xb_shape_size(e.model.input);
    float *X;
    uint8_t *y;
    random_data(n_train > n_eval ? n_train : n_eval, dim, &X, &y);
    /* The config's noise kind (multiplicative for the ANNs, additive in
     * the spiking neurons) at sigma 0.5. */
    struct xb_train_params tp = e.train;
    tp.noise = e.noise;
    tp.sigma = 0.5;
    struct xb_trainer *t;
    must(ctx, xb_trainer_create(ctx, net, &tp, &t), "trainer");
    double loss;
    must(ctx, xb_trainer_epoch(ctx, t, X, y, batch * 2, &loss), "warm-up"); /* warm-up */
    /* Best of ROUNDS, as the sgemm rate it is compared with (a shared
     * machine only ever slows a run down). */
    double tt = INFINITY, te = INFINITY, sgemm_gflops = 0.0;
    struct xb_eval_params ep = {.repeats = 1, .votes = 20, .noise = e.noise, .sigma = 0.5};
    double acc_r[1], acc_v[20];
    for (int round = 0; round < ROUNDS; round++) {
        sgemm_gflops = fmax(sgemm_gflops, sgemm_now());
        double t0 = now();
        must(ctx, xb_trainer_epoch(ctx, t, X, y, n_train, &loss), "epoch");
        tt = fmin(tt, now() - t0);
        t0 = now();
        must(ctx, xb_eval_run(ctx, net, &ep, X, y, n_eval, acc_r, acc_v), "eval");
        te = fmin(te, now() - t0);
    }
    double first, m = macs(net, &first);
    /* Counted training FLOPs: 3x forward, the model-FLOP convention (MFU);
     * executed: minus the input-gradient product never computed (macs). */
    const double counted = 3.0 * 2.0 * m, executed = counted - 2.0 * first;
    f->train_ips = (double)n_train / tt;
    f->vote_ips = (double)n_eval * 20.0 / te; /* inferences per second */
    f->train_frac = counted * f->train_ips * 1e-9 / sgemm_gflops;
    f->vote_frac = 2.0 * m * f->vote_ips * 1e-9 / sgemm_gflops;
    printf("%s_macs_per_image: %.4g\n", e.model_name, m);
    printf("%s_sgemm_gflops: %.1f\n", e.model_name, sgemm_gflops);
    printf("%s_train_batch: %zu\n", e.model_name, batch);
    printf("%s_train_samples_per_s: %.1f\n", e.model_name, f->train_ips);
    printf("%s_train_gflops: %.1f\n", e.model_name, counted * f->train_ips * 1e-9);
    printf("%s_train_fraction_of_sgemm: %.3f\n", e.model_name, f->train_frac);
    printf("%s_train_executed_gflops: %.1f\n", e.model_name, executed * f->train_ips * 1e-9);
    printf("%s_train_executed_fraction_of_sgemm: %.3f\n", e.model_name,
           executed * f->train_ips * 1e-9 / sgemm_gflops);
    printf("%s_voted_k20_samples_per_s: %.1f\n", e.model_name, f->vote_ips / 20.0);
    printf("%s_voted_inferences_per_s: %.1f\n", e.model_name, f->vote_ips);
    printf("%s_voted_gflops: %.1f\n", e.model_name, 2.0 * m * f->vote_ips * 1e-9);
    printf("%s_voted_fraction_of_sgemm: %.3f\n", e.model_name, f->vote_frac);
    xb_trainer_free(t);
    xb_net_free(net);
    xb_free(X), xb_free(y);
}

/* PGD (models/attack/xb_attack.h: eps 0.1, step 0.01, 15 steps, 1
 * restart, a noiseless target) on n random images of config's model
 * (random weights: the work of a step does not depend on them), native
 * mode, all threads, best of ROUNDS. A step is a forward and the input
 * gradient: 2 products per weighted layer, 4 FLOPs per multiply-
 * accumulate of the forward (macs), the rate the goal counts (issue 12),
 * and what a step executes: the attack's backward is input-only
 * (xb_net_backward_input_only), no weight gradient. Returns that fraction
 * of the sgemm rate. */
static double pgd_model(struct xb_ctx *ctx, const char *config, size_t n)
{
    struct xb_experiment e;
    const char *sets[] = {"sweep.portable=false"};
    must(ctx, xb_experiment_read(ctx, config, sets, 1, &e), config);
    struct xb_net *net;
    must(ctx, xb_net_create(ctx, &e.model, 640, &net), "net");
    xb_net_init(net, 1);
    float *X, *adv = xb_aligned(n * xb_shape_size(e.model.input), sizeof(float));
    uint8_t *y;
    random_data(n, xb_shape_size(e.model.input), &X, &y);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    must(ctx, xb_attack_run(ctx, net, &xb_attack_pgd, &p, X, y, 64, adv), "warm-up");
    double best = INFINITY, sgemm_gflops = 0.0, shape_gflops = 0.0;
    for (int round = 0; round < ROUNDS; round++) {
        sgemm_gflops = fmax(sgemm_gflops, sgemm_now());
        shape_gflops = fmax(shape_gflops, shape_sgemm_gflops(net, n));
        double t0 = now();
        must(ctx, xb_attack_run(ctx, net, &xb_attack_pgd, &p, X, y, n, adv), "pgd");
        best = fmin(best, now() - t0);
    }
    double first, m = macs(net, &first);
    const double steps_per_s = (double)n * p.steps / best;
    const double frac = 4.0 * m * steps_per_s * 1e-9 / sgemm_gflops;
    printf("%s_pgd_sgemm_gflops: %.1f\n", e.model_name, sgemm_gflops);
    printf("%s_pgd_image_steps_per_s: %.1f\n", e.model_name, steps_per_s);
    printf("%s_pgd_gflops: %.1f\n", e.model_name, 4.0 * m * steps_per_s * 1e-9);
    printf("%s_pgd_fraction_of_sgemm: %.3f\n", e.model_name, frac);
    printf("%s_pgd_shape_sgemm_gflops: %.1f\n", e.model_name, shape_gflops);
    printf("%s_pgd_fraction_of_shape_sgemm: %.3f\n", e.model_name,
           4.0 * m * steps_per_s * 1e-9 / shape_gflops);
    xb_net_free(net);
    xb_free(X), xb_free(y), xb_free(adv);
    return frac;
}

/* Likelihood-ratio training (NIT) of config's model against the plain
 * forward passes it is made of: per step of m samples one TRAIN forward of
 * C·m rows (the C noisy copies, each T steps, sharing their sample's input
 * spikes as the trainer's pass has them: xb_pass copies). The estimator's
 * own work — copying the inputs, the losses, the scores and the products
 * that form the gradient, the optimiser — is what the ratio shows beyond
 * 1. Its largest part, the first lif layer's weight score (784 × 50 per
 * row, as large as the forward's product), runs over m·T rows: the copies
 * see the same spikes, so their scores are summed first (models/train/
 * xb_lr.h); the second lif layer's (50 × 10) over all C·m·T. Native
 * products, all threads, best of ROUNDS. Returns time(LR) / time(forwards). */
static double lr_overhead(struct xb_ctx *ctx, const char *config, size_t n_train)
{
    struct xb_experiment e;
    const char *sets[] = {"sweep.portable=false"};
    must(ctx, xb_experiment_read(ctx, config, sets, 1, &e), config);
    const size_t m = e.train.batch, C = e.train.lr.copies, rows = xb_train_rows(&e.train);
    struct xb_net *net;
    must(ctx, xb_net_create(ctx, &e.model, rows, &net), "net");
    xb_net_init(net, 1);
    const size_t dim = xb_shape_size(e.model.input), steps = n_train / m;
    float *X;
    uint8_t *y;
    random_data(n_train, dim, &X, &y);
    float *Xc = xb_aligned(rows * dim, sizeof(float));
    struct xb_train_params tp = e.train;
    tp.noise = e.noise;
    tp.sigma = e.sigma_train[0];
    struct xb_trainer *t;
    must(ctx, xb_trainer_create(ctx, net, &tp, &t), "trainer");
    double loss;
    must(ctx, xb_trainer_epoch(ctx, t, X, y, m * 2, &loss), "warm-up");
    /* The forwards alone: every copy computed (replicas 0: the goal's C·T
     * plain forwards), and as the estimator runs them (replicas = C: what
     * is equal across a sample's copies computed once, xb_pass). */
    double tl = INFINITY, tf[2] = {INFINITY, INFINITY};
    for (int round = 0; round < ROUNDS; round++) {
        double t0 = now();
        must(ctx, xb_trainer_epoch(ctx, t, X, y, n_train, &loss), "epoch");
        tl = fmin(tl, now() - t0);
        for (int shared = 0; shared < 2; shared++) {
            t0 = now();
            for (size_t s = 0; s < steps; s++) {
                for (size_t c = 0; c < C; c++) /* the copies' inputs, as the trainer lays them */
                    memcpy(Xc + c * m * dim, X + s * m * dim, m * dim * sizeof(float));
                struct xb_pass p = {.phase = XB_PHASE_TRAIN, .rows = rows,
                                    .addr = {.sample0 = (uint32_t)(s * m), .batch = (uint32_t)m},
                                    .seed = 1, .noise = e.noise, .sigma = tp.sigma,
                                    .copies = (uint32_t)C, .replicas = shared ? (uint32_t)C : 0};
                xb_net_forward(net, &p, Xc);
            }
            tf[shared] = fmin(tf[shared], now() - t0);
        }
    }
    const double ratio = tl / tf[0];
    printf("%s_nit_copies: %zu\n", e.model_name, C);
    printf("%s_nit_train_samples_per_s: %.1f\n", e.model_name, (double)n_train / tl);
    printf("%s_nit_forward_samples_per_s: %.1f\n", e.model_name, (double)steps * m / tf[0]);
    printf("%s_nit_shared_forward_samples_per_s: %.1f\n", e.model_name,
           (double)steps * m / tf[1]);
    printf("%s_nit_time_vs_forwards: %.3f\n", e.model_name, ratio);
    printf("%s_nit_time_vs_shared_forwards: %.3f\n", e.model_name, tl / tf[1]);
    printf("%s_nit_goal: time_vs_forwards <= 1.3\n", e.model_name);
    xb_trainer_free(t);
    xb_net_free(net);
    xb_free(X), xb_free(y), xb_free(Xc);
    return ratio;
}

static double sweep_seconds(struct xb_ctx *ctx, int threads, const struct xb_sweep_data *d)
{
    struct xb_experiment e;
    const char *sets[] = {"train.epochs=2", "sweep.sigma_train=0,0.5", "sweep.sigma_test=0,0.5",
                          "sweep.votes=5", "sweep.repeats=2", "sweep.output=/tmp/xbar-bench.h5"};
    must(ctx, xb_experiment_read(ctx, "configs/quickstart.cfg", sets, 6, &e), "sweep config");
    omp_set_num_threads(threads);
    struct xb_sweep *s;
    must(ctx, xb_sweep_create(ctx, &e, d, "bench", 0, &s), "sweep");
    double t0 = now();
    while (xb_sweep_pending(s))
        must(ctx, xb_sweep_step(ctx, s, 0), "sweep step");
    double t = now() - t0;
    xb_sweep_free(s);
    return t;
}

void bench_models(struct xb_ctx *ctx, struct bench_models_result *out)
{
    struct model_figures mlp, cnn, lstm, snn;
    printf("\n[training and voted inference] native mode (OpenBLAS), all threads, multiplicative noise sigma 0.5, "
           "random 28 x 28 inputs, best of %d rounds; fractions of the sgemm rate "
           "(NAME_sgemm_gflops: 256 x 784 x 256, all threads, best of the same rounds). Training "
           "FLOPs are counted as 3x forward (the model-FLOP convention; _executed_ leaves out "
           "the input gradient of the first weighted layer, never computed). Voted FLOPs are "
           "counted as K full inferences: layers before the first noise run once for all K "
           "votes, so the fraction can pass 1.\n",
           ROUNDS);
    one_model(ctx, "configs/quickstart.cfg", 128, 128 * 160, 2000, 0, &mlp);
    one_model(ctx, "configs/paper001/cnn6_mnist_mult.cfg", 32, 32 * 24, 64, 0, &cnn);
    one_model(ctx, "configs/paper001/lstm128_mnist_mult.cfg", 128, 128 * 24, 200, 0, &lstm);
    one_model(ctx, "configs/paper000/snn50_mnist_stbp.cfg", 32, 32 * 100, 200, 0, &snn);
    out->mlp_train_frac = mlp.train_frac;
    out->cnn6_train_frac = cnn.train_frac;
    out->cnn6_vote_frac = cnn.vote_frac;
    out->snn_train_frac = snn.train_frac;
    out->snn_vote_frac = snn.vote_frac;
    out->mlp_vote_frac = mlp.vote_frac;
    out->lstm_train_frac = lstm.train_frac;

    printf("\n[PGD] native mode, all threads, random weights and 28 x 28 inputs, 15 steps "
           "of eps 0.1 on 640 images in one batch, no noise, best of %d rounds; a step is a "
           "forward and the input gradient alone (4 FLOPs per forward multiply-accumulate, "
           "all executed: the attack's backward forms no weight gradient); the goal's sgemm "
           "rate is the reference shape's, _shape_sgemm_ the rate of the net's own products "
           "(forward and dX of each weighted layer, whole batch; information)\n",
           ROUNDS);
    out->mlp_pgd_frac = pgd_model(ctx, "configs/quickstart.cfg", 640);
    out->snn_pgd_frac = pgd_model(ctx, "configs/paper000/snn50_mnist_stbp.cfg", 640);
    printf("\n[likelihood-ratio training] snn50, NIT (paper 000 eq. 8): one epoch of C copies per "
           "sample against the same forwards alone (C x batch rows, T steps each; the goal's: "
           "every copy computed; _shared_: what is equal across a sample's copies computed "
           "once, as the estimator runs them), native, all threads, best of %d rounds\n",
           ROUNDS);
    out->snn_nit_vs_forwards = lr_overhead(ctx, "configs/paper000/snn50_mnist_nit.cfg", 32 * 40);

    /* The portable mode's cost (the default): the same runs with every
     * product by the fixed-order GEMM, as rates relative to the native runs
     * above (sweep.portable = false). */
    struct model_figures pm, pc, pl, ps;
    printf("\n[portable mode] the same models with sweep.portable = true\n");
    one_model(ctx, "configs/quickstart.cfg", 128, 128 * 160, 2000, 1, &pm);
    one_model(ctx, "configs/paper001/cnn6_mnist_mult.cfg", 32, 32 * 24, 64, 1, &pc);
    one_model(ctx, "configs/paper001/lstm128_mnist_mult.cfg", 128, 128 * 24, 200, 1, &pl);
    one_model(ctx, "configs/paper000/snn50_mnist_stbp.cfg", 32, 32 * 100, 200, 1, &ps);
    const struct model_figures *nat[] = {&mlp, &cnn, &lstm, &snn}, *por[] = {&pm, &pc, &pl, &ps};
    const char *names[] = {"mlp", "cnn6", "lstm128", "snn50"};
    out->portable_cost = 0.0;
    for (int k = 0; k < 4; k++) {
        double tr = nat[k]->train_ips / por[k]->train_ips - 1.0;
        double vo = nat[k]->vote_ips / por[k]->vote_ips - 1.0;
        printf("portable_cost_%s_train: %+.3f\n", names[k], tr);
        printf("portable_cost_%s_voted: %+.3f\n", names[k], vo);
        out->portable_cost = fmax(out->portable_cost, fmax(tr, vo));
    }
    printf("portable_cost_max: %+.3f\n", out->portable_cost);

    float *X;
    uint8_t *y;
    random_data(5000, 784, &X, &y);
    struct xb_sweep_data d = {.train = {X, y, 4000}, .val = {X, y, 0},
                              .test = {X + 4000 * 784, y + 4000, 1000}};
    int max = omp_get_max_threads();
    double t1 = INFINITY, t2 = INFINITY;
    for (int round = 0; round < ROUNDS; round++) { /* interleaved: drift hits both */
        t1 = fmin(t1, sweep_seconds(ctx, 1, &d));
        t2 = fmin(t2, sweep_seconds(ctx, max, &d));
    }
    omp_set_num_threads(max);
    out->sweep_speedup = t1 / t2;
    printf("\n[sweep] mlp, 2 sigma_train points x 2 epochs of 4,000 + 2 sigma_test x 1,000 "
           "(5 votes), best of %d\n", ROUNDS);
    printf("sweep_1t_s: %.3f\n", t1);
    printf("sweep_%dt_s: %.3f\n", max, t2);
    printf("sweep_speedup: %.3f\n", out->sweep_speedup);
    remove("/tmp/xbar-bench.h5");
    xb_free(X), xb_free(y);
}
