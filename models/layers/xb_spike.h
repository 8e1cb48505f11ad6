/*
 * xb_spike.h — spiking layers: the input encoder (layer_encode.c) and the
 * leaky integrate-and-fire layer (layer_lif.c), their discrete-time
 * convention, the surrogate derivatives of STBP (xb_spike.c), and what a
 * forward leaves for callers (spiking activity, the likelihood-ratio
 * trace).
 *
 * Time layout. A spiking activation of a sample is T steps of F features,
 * shape {T, 1, F}, step t being row t of the "image" (the lstm's reading:
 * c·h steps of w features): row r of a pass holds [T × F] values, so
 * votes, batches, replicas and the loss see ordinary rows. The encoder
 * makes {T, 1, F} from any input of F = c·h·w values; a lif layer reads
 * c·h steps of w features and, unless it reads out, gives {T, 1, units}.
 *
 * Encoder (`encode`, `steps` = T, `encoding`, `gain` g, unset 1), per
 * element x of the input and step t:
 *   direct     s_t = x (the analog value at every step)
 *   bernoulli  s_t = 1[u < p], p = clamp(g·x, 0, 1)
 *   poisson    s_t = 1[u < p], p = 1 − exp(−g·max(x, 0)): a Poisson process
 *              of g·x events per step, seen at one-step resolution (a spike
 *              if at least one event fell in the step)
 * with u uniform in (0, 1) from stream SPIKES (noise/xb_rng.h: the
 * encoder's layer id, the row's sample and vote, step t, the feature).
 * P(s_t = 1) = p to within 2^-23. In a likelihood-ratio pass (xb_pass
 * copies = C > 1: models/train/xb_lr.h) the vote field is the row's vote
 * / C, the epoch: the C noisy copies of a sample see the spikes a
 * training pass draws for that sample and epoch, the encoding being part
 * of the data and the injected noise the estimator's only randomness. Backward (input gradients for attacks):
 * direct Σ_t dL/ds_t; the random encoders pass the gradient of their mean,
 * dp/dx · Σ_t dL/ds_t (BPDA through E[s] = p), at p's kinks (g·x = 0;
 * g·x = 1 for bernoulli) the one-sided derivative into the pixel range:
 * g at a 0 or 1 pixel, not 0, which would hide the gradient of every
 * blank and saturated pixel from an attack.
 *
 * LIF neuron i of a layer (paper 000 eq. 7), steps t = 0 .. T−1, with
 * u_{−1} = 0, s_{−1} = 0:
 *
 *   I_t = Σ_j W_ij x_{t,j} + b_i          then the pass's noise on I_t:
 *         ADD  I_t + σ ε_t,   MULT  I_t (1 + σ ε_t)   (ε ~ N(0,1), NOISE
 *         stream of this layer, the row's sample and vote, step t)
 *   r_{t−1} = u_{t−1} (1 − s_{t−1})        reset = zero (paper 000)
 *           = u_{t−1} − V_th s_{t−1}       reset = subtract
 *   u_t = k r_{t−1} + I_t                  k = 1 − leak (clamped to [0, 1])
 *   s_t = 1[u_t > V_th]                    strictly above the threshold
 *
 * So the input gain is 1, the reset acts on the membrane carried into the
 * next step (paper 000 eq. 7 and the STBP code: a spike at t is reset at
 * t + 1, before the leak), and u_t is the membrane before its own spike's
 * reset. paper 000's noise σ ε enters exactly as eq. 7's: the pass's
 * additive noise, so STBP-N is training with noise add, σ = 1, and a
 * sigma_train × sigma_test sweep sweeps the neurons' noise. With
 * learn_sigma, neuron i's std is σ · sigma_i, sigma_i a parameter (1 at
 * init) that backward differentiates and likelihood-ratio training
 * (models/train/xb_lr.h) estimates.
 *
 * conv_lif (layer_conv_lif.c) is the same neuron on a conv2d product: its
 * input is T images {T·C, H, W} (encode with image = true: step t's image
 * is channels t·C .. (t+1)·C − 1, the same memory as {T, 1, C·H·W}), its
 * neurons the units × OH × OW outputs of a step, its spikes {T·units, OH,
 * OW}; maxpool pools them step by step, and flatten with steps = T gives
 * the {T, 1, F} of a lif layer.
 *
 * Readouts (`readout`): spikes (the default: all T steps out, {T, 1,
 * units}, for hidden layers); last (s_{T−1}, the X^(T,L) paper 000 reads);
 * count (Σ_t s_t); membrane-sum (Σ_t u_t) and membrane-max (max_t u_t), for
 * which the layer's neurons integrate without firing (s ≡ 0, no reset: the
 * leaky-integrator output layer of Norse, snnTorch's tutorials and HIRE).
 * The readouts give {units, 1, 1}.
 *
 * STBP backward (Wu et al. 2018): backpropagation through the T steps of
 * the recursion above with ds_t/du_t taken as the surrogate h(u_t − V_th)
 * and every other derivative exact (the reset's included: ∂r/∂u = 1 − s,
 * ∂r/∂s = −u for zero, −V_th for subtract). Surrogates of width a (unit
 * area, like the step they stand for; S is their integral, S(0) = 1/2):
 *   rectangular   h = 1/a on |x| < a/2            (STBP's h1)
 *   triangle      h = (1/a) max(0, 1 − |x|/a)
 *   fast-sigmoid  h = (1/2a) / (1 + |x|/a)²       (SuperSpike, slope 1/a)
 *   arctan        h = (1/πa) / (1 + (x/a)²)        (snnTorch's ATan α = 2/(πa))
 *
 * Memory: every forward keeps I then u, s and σ ε of all T steps, [rows·T ×
 * units] each, in the layer (made for max_rows at create).
 */
#ifndef XB_SPIKE_H
#define XB_SPIKE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"

enum xb_encoding { XB_ENCODE_DIRECT = 0, XB_ENCODE_POISSON = 1, XB_ENCODE_BERNOULLI = 2 };
enum xb_lif_reset { XB_LIF_RESET_ZERO = 0, XB_LIF_RESET_SUBTRACT = 1 };
enum xb_surrogate {
    XB_SURROGATE_RECT = 0,
    XB_SURROGATE_TRIANGLE = 1,
    XB_SURROGATE_FAST_SIGMOID = 2,
    XB_SURROGATE_ARCTAN = 3
};
enum xb_lif_readout {
    XB_READOUT_SPIKES = 0,
    XB_READOUT_LAST = 1,
    XB_READOUT_COUNT = 2,
    XB_READOUT_MEMBRANE_SUM = 3,
    XB_READOUT_MEMBRANE_MAX = 4
};

/* Key names, NULL-terminated, index = value (the layer fields' choices). */
extern const char *const xb_encoding_names[];
extern const char *const xb_lif_reset_names[];
extern const char *const xb_surrogate_names[];
extern const char *const xb_lif_readout_names[];

#define XB_PI_F 3.14159265358979323846f

/* h(x) and S(x) of surrogate kind with width a > 0 (the table above).
 * h is inline: the STBP backward calls it once per neuron and step (~4 %
 * of an attack step as a call); the same arithmetic either way. */
static inline float xb_surrogate_grad(enum xb_surrogate kind, float a, float x)
{
    const float ax = fabsf(x);
    switch (kind) {
    case XB_SURROGATE_RECT:
        return ax < 0.5f * a ? 1.0f / a : 0.0f;
    case XB_SURROGATE_TRIANGLE:
        return ax < a ? (1.0f - ax / a) / a : 0.0f;
    case XB_SURROGATE_FAST_SIGMOID: {
        const float d = 1.0f + ax / a;
        return 0.5f / (a * d * d);
    }
    case XB_SURROGATE_ARCTAN: {
        const float z = x / a;
        return 1.0f / (XB_PI_F * a * (1.0f + z * z));
    }
    }
    return 0.0f;
}
float xb_surrogate_step(enum xb_surrogate kind, float a, float x);

/* What a lif layer's last forward did, per pass (all rows, all steps).
 * Operation counts (HIRE-SNN, Kundu et al. 2021, Table 6 and eqs. 7–8):
 * with binary inputs the layer accumulates a weight column per input
 * spike, ac = in_spikes · units; with analog inputs (direct encoding) it
 * multiplies at every step, mac = rows · T · in · units; the same layer in
 * an ANN does ann_mac = rows · in · units. conv_lif: in · units becomes
 * its conv2d's units · C·k·k · OH·OW, and an input spike accumulates
 * in · units / in of them, its mean fan-out (exact for inputs away from a
 * padded border). */
struct xb_spike_activity {
    size_t rows, steps, in, units;
    uint64_t in_spikes;  /* ones among the inputs (all of them 0 or 1: in_binary) */
    int in_binary;
    uint64_t out_spikes; /* spikes the neurons fired (0 for membrane readouts) */
    double rate;         /* out_spikes / (rows · steps · units): spikes per neuron per step */
    double ac, mac, ann_mac;
};

/* The activity of layer l's last forward into *a; 0 if l is not a spiking
 * layer (or has not run), 1 otherwise. */
int xb_spike_activity_of(const struct xb_layer *l, struct xb_spike_activity *a);

/* What a likelihood-ratio estimator (paper 000 eq. 8) needs of the last
 * forward of a lif layer: its inputs x_t, the noise it drew, and its
 * states. Valid until the next forward of the net (u: until a backward,
 * which writes dL/dI over it). The weight score of
 * row r is Σ_t x_{t,j} ε_{t,i} / σ (ADD noise; se = σ ε; with learn_sigma
 * se = ε and neuron i's std is σ · sigma_i). */
struct xb_lif_trace {
    size_t rows, steps, in, units;
    const float *x;  /* [rows × T × in]: the inputs (the previous layer's output) */
    const float *se; /* [rows × T × units]: σ ε of every neuron and step (NONE: unset) */
    const float *u;  /* [rows × T × units]: the membrane u_t, until a backward */
    const float *s;  /* [rows × T × units]: the spikes s_t (membrane readouts: 0) */
    enum xb_noise_kind kind; /* the forward's noise (NONE: se not written) */
    float sigma;
};
int xb_lif_trace_of(const struct xb_layer *l, struct xb_lif_trace *tr);

/* 1 if l is of the lif family (lif, conv_lif: layer_conv_lif.c), whose
 * neurons, readouts and surrogates the functions here and below read. */
int xb_layer_is_lif(const struct xb_layer *l);

/* Relaxed forward: s_t = S(u_t − V_th) instead of the step, so the layer
 * computes the differentiable function whose exact gradient its STBP
 * backward is (the gradient checks of tests/models/test_lif.c). Off by
 * default; l must be a lif layer. */
void xb_lif_set_relaxed(struct xb_layer *l, int on);

/* What threshold initialisation from a trained ANN needs of a lif-family
 * layer l (models/train/xb_threshold.h): whether its neurons fire (not the
 * membrane readouts) and learn their thresholds; how many of its leading parameters are its product's
 * (W then b, as the same dense or conv2d layer of an ANN holds them); its
 * input currents I_t = W x_t + b of every step for x, the input of a
 * forward of pass p ([rows·T × units], step t of row r at r·T + t; no
 * noise, on the device if p is); and setting every neuron's V_th to v (the
 * learned parameters when learn_threshold, else the fixed values). */
int xb_lif_fires(const struct xb_layer *l);
int xb_lif_learns_threshold(const struct xb_layer *l);
size_t xb_lif_product_params(const struct xb_layer *l);
void xb_lif_currents(struct xb_layer *l, const struct xb_pass *p, const float *x, float *cur);
void xb_lif_set_threshold(struct xb_layer *l, float v);

/* Sets the surrogate of lif layer l's STBP backward to kind (its width
 * stays the layer's surrogate_width) and returns the kind it had. Only
 * the backward reads it (the relaxed forward aside), so a trained net's
 * outputs do not change: attacks take the input gradient of one target
 * through several surrogates in turn (models/attack/xb_attack.h). */
enum xb_surrogate xb_lif_swap_surrogate(struct xb_layer *l, enum xb_surrogate kind);

#endif
