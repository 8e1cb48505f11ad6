/* Training, voted inference and sweep throughput (issue 3's figures). */
#ifndef BENCH_MODELS_H
#define BENCH_MODELS_H

#include "xb_ctx.h"

struct bench_models_result {
    double mlp_train_frac;  /* achieved / sgemm GFLOP/s, all threads, batch 128 */
    double mlp_vote_frac;   /* voted inference (K = 20), same */
    double lstm_train_frac; /* lstm128 training, batch 128 (issue 4) */
    double cnn6_train_frac, cnn6_vote_frac; /* cnn6, batch 32 (issue 9) */
    double snn_train_frac, snn_vote_frac;   /* snn50 STBP, T = 10, batch 32 (issue 11) */
    double mlp_pgd_frac, snn_pgd_frac;      /* PGD steps (forward + input gradient) of
                                               mlp and snn50, 640 images (issue 12) */
    double snn_nit_vs_forwards; /* snn50 NIT step time / its C·batch-row forwards (issue 11) */
    double sweep_speedup;   /* 2 threads vs 1 on a 2-point sweep */
    double portable_cost;   /* max over models of native / portable rate - 1 */
};

/* Prints its sections. Each model's fractions are of the plain sgemm rate
 * measured in the same rounds as the model. */
void bench_models(struct xb_ctx *ctx, struct bench_models_result *out);

#endif
