/*
 * xb_lr.h — likelihood-ratio gradient estimation for networks with noise
 * injected into their pre-activations (paper 000: Zhang, Jiang, Chen, Wang,
 * Peng, Yu, "A Novel Noise Injection-based Training Scheme for Better Model
 * Robustness", eqs. 1–3, 8 and Algorithm 1): forward passes only.
 *
 * For a neuron with pre-activation a = W·x + b + s·ε, ε ~ N(0, 1), the
 * score of the Gaussian density gives
 *   ∂E[L]/∂W_ij = E[L · x_j ε_i / s_i],   ∂E[L]/∂s_i = E[L (ε_i² − 1) / s_i],
 * for any loss and any (even discontinuous) later layers. Each sample of
 * a batch of m runs as C noisy copies in one pass of C·m rows (row c·m + b
 * is copy c of sample b, its noise addressed by vote field epoch·C + c,
 * as votes are: noise/xb_rng.h), each with its own loss L_r; the estimate
 * is the mean over the C·m rows of (L_r − β_r) · score_r. The score is fed
 * to the affine layer before each noise layer as its output gradient
 * (xb_layer.h, lr_score), so its ordinary parameter backward (the fixed
 * work items of models/layers/xb_gemm.h) forms Σ_r coef_r x_r ε_r / s — no
 * gradient flows through later layers — and the result is the same for
 * any thread count.
 *
 *  - The copies of a sample share its input: the image (copied), and for
 *    a rate-coded spiking net its input spikes — the pass sets xb_pass
 *    copies = C, so the encoder draws them by the sample and the epoch,
 *    not the copy (models/layers/xb_spike.h); the spikes are the data's
 *    randomness, the injected noise the estimator's. It stays unbiased:
 *    conditional on the shared encoding, copy r's score has mean zero
 *    given everything but its own noise, so E[L_r · score_r | spikes] is
 *    eq. 8's gradient for those spikes, and averaging over the spikes
 *    gives the gradient of the expected loss; the leave-one-out baseline
 *    (the other copies' losses) does not depend on copy r's noise given
 *    the spikes, so E[β_r · score_r | spikes] = 0 still. Sharing makes the
 *    copies' estimates of one sample correlated through the spikes (the
 *    part of the variance due to the encoding no longer falls as 1/C),
 *    not biased.
 *  - A site whose affine layer's input is the same for all C copies (every
 *    layer before it computes the same for them, deterministic() in the
 *    pass: the first lif layer after the shared encoder, the first dense
 *    layer of a dense net) needs Σ_c coef_c x ε_c = x Σ_c coef_c ε_c: the
 *    copies' scores are summed first (double, copies in order: the same
 *    bits for any thread count) and the parameter backward runs over m·T
 *    rows (m for dense) instead of C·m·T — a C-th of a product as large
 *    as the forward's. NIT-S alike: sgn(x ε_c) = sgn(x) sgn(ε_c), so it
 *    is sgn(x) Σ_c coef_c sgn(ε_c). Later sites (inputs that differ per
 *    copy) keep the product over all rows.
 *  - The forward alike: the pass's copies are its replicas (xb_pass), so
 *    the layers before the first draw per copy run on m rows, and that
 *    layer's deterministic part — the first lif's product W x_t — on m·T,
 *    both copied to the C copies (snn50 at C = 64: an epoch 2.3× faster;
 *    the same bits in portable mode, tests/models/test_lr_snn.c).
 *  - β_r = 0, or with `baseline` the leave-one-out mean of the other C − 1
 *    copies of the same sample: independent of copy r's noise, so
 *    E[β_r · score_r] = E[β_r] E[score_r] = 0 and the estimate stays
 *    unbiased (C >= 2).
 *  - sign (NIT-S, eq. 3): the weight score of each copy is sgn(x_j ε_i / s_i)
 *    = sgn(x_j) sgn(ε_i) instead, times the same loss; the sigma score is
 *    unchanged. Its expectation is eq. 5's, not the gradient's. sgn(0) = 0
 *    by default: with the paper's sgn(0) = +1, an input that is exactly 0
 *    (a black pixel, a silent neuron, no spike) pushes its weight by E[L]
 *    whatever the noise — a drift, not a score; its eq. 5 term, ∂E[L/|Z|],
 *    has |Z| = 0. train.sign_zero = "plus" takes eq. 3 as written (dense
 *    products only: the drift Σ_ρ coef_ρ [x_ρj = 0] is added to every
 *    W_ij), to measure what the paper's convention costs: without the
 *    baseline E[coef] = E[L] / (C·m) > 0, so every weight of a silent
 *    input is pushed down at every step.
 *  - train.sign_spikes = "bipolar" reads a 0/1 spike input of the sign
 *    score as −1/+1, as paper 000 §3.3 has it after eq. 8 ("the spike
 *    signal takes values of ±1, and then we only need to compute
 *    sign(ε)"): a silent input scores −sgn(ε_i) where the binary reading
 *    scores nothing. The forward still sends 0/1 spikes, so a silent
 *    input's weight, which changes no output, is moved against neuron i's
 *    bias score at every step: what that reading costs is what it
 *    measures. It applies where the affine layer's input is spikes (the
 *    layer before says so, xb_layer_type.spikes); sgn(x) elsewhere.
 *  - Spiking nets: a lif layer with learn_sigma injects s_i ε^t into the
 *    current of its own product at every step t (models/layers/xb_spike.h);
 *    its T steps are T·m·C rows of that product, whose parameter backward
 *    then sums Σ_t x^t ε^t / s_i per row (eq. 8), and the sigma score
 *    sums Σ_t ((ε^t)² − 1) / sigma_i. Readouts and later layers need no
 *    gradient: the loss of each copy is all the estimator reads.
 *  - The learned stds sigma_i (noise or lif layers with learn_sigma; s_i =
 *    sigma_train · sigma_i) get their gradient in the same pass and are
 *    projected onto [sigma_min, sigma_max] after every step (the Π_Ω of
 *    the paper's SGD recursion).
 *
 * Nets it refuses, naming the layer: a noise or lif layer without
 * learn_sigma, a
 * noise layer whose input is not an affine layer's output (e.g. batchnorm
 * between them: the score would not be that layer's parameter gradient),
 * and layers with parameters that no noise layer's score reaches.
 */
#ifndef XB_LR_H
#define XB_LR_H

#include "xb_train.h"

struct xb_lr;

/* Checks the net and p->lr (copies >= 1, baseline needs copies >= 2, 0 <
 * sigma_min <= sigma_max); the net must allow copies × batch rows. */
enum xb_status xb_lr_create(struct xb_ctx *ctx, struct xb_net *net,
                            const struct xb_train_params *p, struct xb_lr **out);
void xb_lr_free(struct xb_lr *lr);

/* The estimate for the batch X[pass->rows × features], y[pass->rows]
 * into xb_net_grads (overwritten). pass: TRAIN, rows = m samples, addr
 * {sample0, batch = m, epoch}, noise ADD with sigma > 0. sign: NIT-S's
 * weight score. *loss: the mean loss over the C·m rows. XB_ERANGE if
 * epoch·C + C − 1 exceeds the vote field; XB_EINVAL for noise that is not
 * ADD with sigma > 0. */
enum xb_status xb_lr_gradient(struct xb_ctx *ctx, struct xb_lr *lr, const struct xb_pass *pass,
                              const float *X, const uint8_t *y, int sign, double *loss);

/* Clamps every learned std to [sigma_min, sigma_max]. */
void xb_lr_project(struct xb_lr *lr);

#endif
