/*
 * xb_init.h — the initial weights and biases of the weighted layers
 * (dense, conv2d, lstm), chosen by name.
 *
 * Why a key: on paper 001's CNN trained without noise, the accuracy read at
 * σ_test = 1.0 moves by about ten points between He-uniform and PyTorch's
 * default weights (models/README.md, "Initialisation"), so an architect
 * comparing with a PyTorch or Keras model must be able to start from the
 * same distribution. The kinds, with fan_in and fan_out as each layer kind
 * defines them (below):
 *
 *   he-uniform      W ~ U(±sqrt(6 / fan_in)), b = 0 (He et al. 2015, the
 *                   ReLU gain). The default of dense and conv2d.
 *   glorot-uniform  W ~ U(±sqrt(6 / (fan_in + fan_out))), b = 0 (Glorot &
 *                   Bengio 2010; Keras's default). The default of lstm.
 *   pytorch         W ~ U(±1/sqrt(fan)), b ~ U(±1/sqrt(fan)) — PyTorch's
 *                   reset_parameters: kaiming_uniform(a = sqrt 5) for
 *                   Linear and Conv2d (fan = fan_in), U(±1/sqrt(hidden))
 *                   for every weight and bias of LSTM (fan = H).
 *
 * Fans per layer kind (PyTorch's and Keras's conventions):
 *   dense   fan_in = inputs, fan_out = units;
 *   conv2d  fan_in = in_channels·k·k, fan_out = units·k·k;
 *   lstm    fan_in = K = features + H (the row of W each gate unit reads),
 *           fan_out = H (each gate's H × K block as its own matrix), so
 *           glorot-uniform is U(±sqrt(6 / (K + H))) as the layer always
 *           had; PyTorch's LSTM has two bias vectors (b_ih, b_hh) and the
 *           one bias here is their sum, a sum of two U(±1/sqrt(H)) draws.
 *           With the zero-bias kinds the lstm sets its forget gate's bias
 *           to 1 (Gers et al. 2000; Keras's unit_forget_bias).
 *
 * Random addresses (noise/xb_rng.h, ARCHITECTURE.md §6): purpose WEIGHTS,
 * the layer's id, instance, sample, vote and step 0. Uniform element e of
 * that stream is weight e for e < n_w, then bias term t's element j is
 * element n_w + t·n_b + j. So the weights of every kind are the same
 * uniforms scaled by the kind's bound: he-uniform gives the bits xbar gave
 * before initialisation was a key, and a model's weights differ between
 * kinds by one factor per layer.
 *
 * A value u of xb_uniform_fill lies strictly inside (0, 1), so every
 * weight is (2u − 1)·limit, strictly inside ±limit before it is rounded to
 * float (and within ±(float)limit after). Everything here is pure and
 * thread-safe.
 */
#ifndef XB_INIT_H
#define XB_INIT_H

#include <stddef.h>
#include <stdint.h>

/* A layer's or the model's choice. 0 is "not set": the layer falls back to
 * the model's choice, then to its kind's default. Append only. */
enum xb_init {
    XB_INIT_AUTO = 0,
    XB_INIT_HE_UNIFORM = 1,
    XB_INIT_GLOROT_UNIFORM = 2,
    XB_INIT_PYTORCH = 3,
    XB_INIT_COUNT
};

/* What a kind needs to know of a layer. The layer's parameters are n_w
 * weights followed by n_b biases. */
struct xb_init_fans {
    size_t n_w, n_b;
    double fan_in, fan_out; /* as listed above, >= 1 */
    double torch_fan;       /* PyTorch's bound is 1/sqrt(torch_fan): fan_in; lstm: H */
    int torch_bias_terms;   /* PyTorch's bias is a sum of this many vectors: 1; lstm: 2 */
};

struct xb_init_type {
    const char *name;
    const char *help;
    /* The bounds of the uniform weights and of each bias term; a bias
     * bound of 0 means zero biases. */
    double (*weight_limit)(const struct xb_init_fans *f);
    double (*bias_limit)(const struct xb_init_fans *f);
};

/* The row of kind (not AUTO); NULL for a value outside the enum. */
const struct xb_init_type *xb_init_type(enum xb_init kind);

/* The kind called name; -1 if there is none (XB_INIT_AUTO has no name). */
/* Every kind's name indexed by enum xb_init ("auto" for XB_INIT_AUTO),
 * NULL-terminated: the choices of the layer field and model key `init`
 * (the key registry's enum rows; tests/models/test_init.c checks them
 * against the table). */
extern const char *const xb_init_key_names[XB_INIT_COUNT + 1];

int xb_init_parse(const char *name);

/* The name of kind, "auto" for XB_INIT_AUTO. */
const char *xb_init_name(enum xb_init kind);

/* The accepted names for an error message, "he-uniform, glorot-uniform or
 * pytorch", into buf (cut short to size). */
void xb_init_names(char *buf, size_t size);

/* Writes the n_w weights and n_b biases of a layer (params[0 .. n_w + n_b))
 * as kind draws them from seed and the layer's id; kind is not AUTO. */
void xb_init_fill(enum xb_init kind, const struct xb_init_fans *f, float *params,
                  uint64_t seed, uint32_t layer);

#endif
