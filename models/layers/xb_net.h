/*
 * xb_net.h — a feed-forward network: a sequence of layers, one flat
 * parameter array (and gradients beside it), a loss on top (softmax
 * cross-entropy unless the config names another, models/loss/xb_loss.h), and
 * gradients with respect to the parameters (training) or to the input
 * (attacks, saliency).
 *
 * Ownership: the net owns its layers, activations and parameter arrays.
 * Not thread-safe: one pass at a time per net (a pass is parallel inside).
 */
#ifndef XB_NET_H
#define XB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"
#include "xb_loss.h"

#define XB_NET_MAX_LAYERS 64

/* Bounds on what a model config may ask for, checked before anything is
 * allocated (a config is input: 1,048,576 units in two dense layers is
 * 10^12 weights, an abort in the allocator otherwise). Parameters: 2^27
 * float32, 512 MiB per array, and training keeps four (parameters,
 * gradients, Adam's two moments) plus a copy per sweep point; ResNet-50's
 * 2.6e7 fit, and crossbar studies use far fewer. Activations: 2^28 float32,
 * 1 GiB, for any one buffer of max_rows samples (a layer's output, its
 * im2col or recurrent state). sim/README.md lists them with the others. */
#define XB_NET_MAX_PARAMS ((size_t)1 << 27)
#define XB_NET_MAX_ACTIVATIONS ((size_t)1 << 28)

struct xb_net_config {
    struct xb_shape input;      /* per-sample input, e.g. {1, 28, 28} */
    int classes;                /* outputs of the last layer */
    size_t n_layers;
    struct xb_layer_config layers[XB_NET_MAX_LAYERS];
    /* Who computes every product of the net — the layers' digital GEMMs and
     * its crossbars' (xb_net_program overrides the params' choice): OpenBLAS,
     * or the fixed-order product whose bits are the same on every machine
     * (devices/engine/xb_sgemm.h). A setting of the run, not of the model: it is
     * not stored with the model. */
    enum xb_gemm_impl gemm;
    /* The loss kind (models/loss/xb_loss.h), "" for the default, cross_entropy. */
    char loss[32];
};

struct xb_net;

/* Builds the layers for passes of up to max_rows rows. The last layer's
 * output must have `classes` features. Parameters are left uninitialised:
 * call xb_net_init or load them. */
enum xb_status xb_net_create(struct xb_ctx *ctx, const struct xb_net_config *cfg,
                             size_t max_rows, struct xb_net **out);
void xb_net_free(struct xb_net *net);

size_t xb_net_n_params(const struct xb_net *net);
float *xb_net_params(struct xb_net *net);
float *xb_net_grads(struct xb_net *net);
size_t xb_net_n_layers(const struct xb_net *net);
struct xb_layer *xb_net_layer(struct xb_net *net, size_t k);
size_t xb_net_max_rows(const struct xb_net *net);
int xb_net_classes(const struct xb_net *net);

/* Initial parameters of every layer from the seed. */
void xb_net_init(struct xb_net *net, uint64_t seed);

/* logits[rows × classes] of x[rows × input size]; the pointer stays valid
 * until the next pass. */
const float *xb_net_forward(struct xb_net *net, const struct xb_pass *p, const float *x);

/* The net's loss (mean over the first `rows` rows of the last forward's
 * outputs against labels, one per row, plus the terms of layers with a
 * penalty: mfdv's variance reward), and its gradient, kept for
 * backward. */
double xb_net_loss(struct xb_net *net, const uint8_t *labels, size_t rows);
const struct xb_loss_type *xb_net_loss_type(const struct xb_net *net);

/* Backpropagates the last loss through the last forward, which must have
 * kept its caches (TRAIN, or EVAL with p->backward) and had p->rows rows,
 * as the loss: grads are zeroed first, then hold dL/dparams. p and x are
 * that forward's. */
void xb_net_backward(struct xb_net *net, const struct xb_pass *p, const float *x);

/* The same, and dL/dx of the input into dx[rows × input size]: the
 * gradient of the mean loss, so row r holds dL/dx_r (for attacks that
 * want each sample's own loss gradient, multiply by rows). grads are
 * bit-identical to xb_net_backward's; only the dL/dx products of the
 * layers below the first weighted one are extra work. Through every layer
 * kind, in the pass's phase (batchnorm in TRAIN differentiates its batch
 * statistics too), and for random layers (noise, dropout, the lstm's gate
 * noise) the draw the forward took; on a device (p->on_device), the
 * digital weights' gradient, as hardware-aware training takes it. */
void xb_net_backward_input(struct xb_net *net, const struct xb_pass *p, const float *x,
                           float *dx);

/* dL/dx alone, for callers that never read the parameter gradients
 * (attacks): dx is bit-identical to xb_net_backward_input's, but the
 * weighted products (dense, conv2d, lstm, lif) skip their dW and db
 * (xb_pass.input_only) — a third of a dense backward — and leave those
 * gradients at the zero grads is cleared to; other parameters' (batchnorm,
 * learned thresholds or stds) may be filled. grads is no gradient after. */
void xb_net_backward_input_only(struct xb_net *net, const struct xb_pass *p, const float *x,
                                float *dx);

/* Forward x (with p->backward set, so an EVAL pass works), the loss
 * against labels[rows] and xb_net_backward_input: dL/dx into dx[rows ×
 * input size]. Returns the loss. Overwrites grads and the activations. */
double xb_net_input_grad(struct xb_net *net, const struct xb_pass *p, const float *x,
                         const uint8_t *labels, float *dx);

/* The input layer k had in the last forward ([rows × in]; x itself for
 * k = 0, so the caller passes x). */
const float *xb_net_layer_input(const struct xb_net *net, size_t k, const float *x);

/* Layer k's parameter backward alone, after a forward that kept its
 * caches: clears nothing, adds to its gradients for dy[p->rows × out] and
 * inputs x[p->rows × in] (not necessarily the forward's: the
 * likelihood-ratio trainers feed an affine layer scores and, for NIT-S, the
 * signs of its inputs; models/train/xb_lr.h). No dL/dx. A kind with its
 * product inside (lr_product, xb_layer.h: lif) runs that product's
 * parameter backward instead, dy and x being the product's rows (lif: T per
 * row of the pass, p->rows counting them). */
void xb_net_layer_backward(struct xb_net *net, size_t k, const struct xb_pass *p,
                           const float *x, const float *dy);

/* First layer and step at which an activation or gradient of the last
 * pass is NaN or Inf: returns 1 and sets *layer, else 0. */
int xb_net_find_nonfinite(const struct xb_net *net, size_t *layer);

/* Programs every weighted layer onto crossbars (device, converters, tiles
 * and chip instance from params; layer ids from the net), ages them to t. */
enum xb_status xb_net_program(struct xb_ctx *ctx, struct xb_net *net,
                              const struct xb_xbar_params *params);
enum xb_status xb_net_age(struct xb_ctx *ctx, struct xb_net *net, double t);
/* Sets the data-dependent converter ranges (a DAC range of 0, an ADC range
 * of "max" or "pNN") of every programmed layer from an ideal, noiseless
 * pass of X[rows × features] (rows <= max_rows): each crossbar sees the
 * inputs the ideal net gives its layer. Without it those ranges are unset
 * (an ADC of range 0). Overwrites the activations of the last pass. */
enum xb_status xb_net_calibrate(struct xb_ctx *ctx, struct xb_net *net, const float *X,
                                size_t rows);
void xb_net_unprogram(struct xb_net *net);

/* Mean square of the inputs of every noise layer in the last forward, and
 * of the gate pre-activations of layers with noise inside (lstm; pooled
 * over all those values): the signal power that additive noise of std
 * sigma meets, SNR = P / sigma^2 (paper 001 §2). The gates count only if
 * the forward ran with xb_pass.measure_power. 0 if the net has no noise
 * point (a noise layer in the first position does not count). A noise
 * layer with learned stds (learn_sigma) counts each value in units of its
 * neuron's std squared — P = Σ a² / Σ sigma_i² — so that P / sigma² is
 * still the pooled SNR at the pass's sigma. */
double xb_net_noise_input_power(const struct xb_net *net);

/* What layer k output in the last forward ([rows of that pass × the
 * layer's output size]); valid until the next pass. */
const float *xb_net_output(const struct xb_net *net, size_t k);

/* y[p->rows × layer k's output size] = what layer k gives for the input it
 * had in the last forward (pass p, net input x), off the device and
 * without noise: the reference an analog layer's output is measured
 * against (models/eval/xb_snr.h). Leaves the net's activations as they
 * are; may overwrite layer k's caches for backward. */
void xb_net_layer_ideal(struct xb_net *net, const struct xb_pass *p, size_t k, const float *x,
                        float *y);
/* 1 if some layer of the net draws at random in an EVAL pass like p (its
 * deterministic() says so: noise at p's sigma, a device, a rate encoder),
 * so repeated inferences of one input differ and votes mean something. */
int xb_net_random(const struct xb_net *net, const struct xb_pass *p);

/* Predicted class of each row (arg max of the logits, lowest index on ties). */
void xb_net_predict(const float *logits, size_t rows, int classes, uint8_t *pred);

#endif
