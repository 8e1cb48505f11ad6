/*
 * xb_layer.h — the layer interface of xbar's networks.
 *
 * Activations are batch-major float32 matrices [rows × features]; an image
 * sample is laid out C × H × W. rows = votes × batch: K noisy votes of a
 * batch run as one pass, row r being sample addr.sample0 + r % addr.batch of
 * vote addr.vote0 + r / addr.batch (noise/xb_noise.h, struct xb_rows).
 *
 * A layer kind is one .c file exporting a const struct xb_layer_type; the
 * network never switches on the kind. Weighted layers (dense, conv2d) run
 * their products through the analog engine (devices/engine/xb_xbar.h): in training
 * and in abstract-noise evaluation as an exact GEMM of the current weights;
 * once programmed (xb_net_program), on the crossbar of a chip instance.
 * Noise sits in its own layer, placed where paper 001 Table 1 puts it:
 * after the affine output (after batchnorm when present), before the
 * activation. Backward passes are digital and exact; the noise layer's
 * backward uses the very draw of its forward.
 *
 * Parameters live in the network's flat array; a layer sees a view.
 */
#ifndef XB_LAYER_H
#define XB_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_key.h"
#include "xb_init.h"
#include "xb_noise.h"
#include "xb_xbar.h"

struct xb_shape {
    int c, h, w; /* a dense vector of n features is {n, 1, 1} */
};

static inline size_t xb_shape_size(struct xb_shape s) { return (size_t)s.c * (size_t)s.h * (size_t)s.w; }

enum xb_phase { XB_PHASE_TRAIN = 0, XB_PHASE_EVAL = 1 };

/* Everything a pass needs besides the data. Plain data. */
struct xb_pass {
    enum xb_phase phase;
    size_t rows;              /* rows of the input: votes × batch, <= the net's max_rows */
    struct xb_rows addr;      /* where the rows sit in (sample, vote, step) */
    uint64_t seed;            /* master seed: noise and dropout streams */
    enum xb_noise_kind noise; /* what the noise layers inject in this pass */
    double sigma;             /* its std: relative (MULT) or in activation units (ADD) */
    uint32_t instance;        /* chip instance of the noise streams */
    int on_device;            /* weighted layers run on their programmed crossbars */
    enum xb_gemm_impl gemm;   /* digital products: OpenBLAS or portable (xb_sgemm.h) */
    /* EVAL, and likelihood-ratio TRAIN passes (copies, below: nothing
     * backpropagates through their layers): the rows are `replicas` copies
     * of the first rows / replicas (the votes of one batch; the copies of a
     * likelihood-ratio pass). Layers that would compute the same thing for
     * every copy run once; the first random layer ends the sharing, and gets
     * `shared` = replicas to share what comes before its own draws. 0 or 1:
     * no sharing. The same bits either way with the portable GEMM (row-
     * independent); OpenBLAS may round a product of fewer rows otherwise. */
    uint32_t replicas;
    /* Set by the net for the layer that ends a run of replicas: its input
     * rows are `shared` equal blocks, so a layer whose draws come after a
     * deterministic product (lif: W x_t, then the neurons' noise) may
     * compute the product on the first block and copy it. 0 or 1: not. */
    uint32_t shared;
    /* TRAIN, likelihood-ratio passes only (models/train/xb_lr.h): the rows
     * are `copies` noisy copies of rows / copies samples (copy c of sample b
     * at row c·rows/copies + b, vote field epoch·copies + c), and the random
     * input encoders draw a row's spikes at vote field vote / copies (the
     * epoch), so every copy of a sample sees the same input spikes
     * (xb_spike.h): the encoding is part of the data, the copies differ by
     * the injected noise alone. 0 or 1: every row draws at its own vote. */
    uint32_t copies;
    /* A backward pass follows this forward even though it is EVAL (input
     * gradients of a trained net, as attacks take them): layers keep what
     * backward needs as in TRAIN, and the net computes every row (no
     * replicas). TRAIN passes always keep it; the numbers of the forward
     * do not change. */
    int backward;
    /* Backward only, set by the net (xb_net_backward_input_only): the
     * caller wants dL/dx alone, so layers may skip their parameter
     * gradients (dW, db: a third of a dense layer's backward). Their
     * dL/dx is the same bits either way. */
    int input_only;
    /* Layers with noise inside (lstm) sum the squares of the values their
     * noise meets, for xb_net_noise_input_power; off by default (it costs
     * a pass over every gate). */
    int measure_power;
    /* Spiking layers record what this pass did (xb_spike_activity_of);
     * off, they record nothing (counting the input spikes is a pass over
     * every input of every step: ~5 % of an attack's step). */
    int measure_activity;
};

/* One layer as a model config describes it. Fields a kind does not use stay
 * at their default (0); each field is a row of xb_layer_keys. */
struct xb_layer_config {
    char type[32];     /* "dense", "conv2d", "batchnorm", "relu", "maxpool",
                          "flatten", "dropout", "noise", "lstm", "encode", "lif",
                          "conv_lif", "mfdv" */
    int units;         /* dense: outputs; conv2d: output channels; lstm: hidden size */
    int kernel;        /* conv2d: k × k kernel; maxpool: window */
    int stride;        /* conv2d, maxpool; 0 = 1 for conv2d, = kernel for maxpool */
    int pad;           /* conv2d: zero padding on each side */
    double rate;       /* dropout: drop probability in [0, 1) */
    int fixed;         /* batchnorm: fixed statistics and no learned scale/shift
                          (paper 001 under additive noise) */
    enum xb_init init; /* dense, conv2d, lstm, lif: initial weights and biases
                          (models/layers/xb_init.h); AUTO = the kind's default */
    /* Spiking layers (models/layers/xb_spike.h). Every field's default is 0,
     * read as the documented value where 0 is not a valid one. */
    int steps;         /* encode, conv_lif: time steps T (required); flatten: T
                          images to T vectors (0: one) */
    int image;         /* encode: the steps as images {T·c, h, w} (for conv_lif) */
    int encoding;      /* encode: enum xb_encoding (direct, poisson, bernoulli) */
    double gain;       /* encode: spike probability per unit input (0: 1) */
    double threshold;  /* lif: V_th (0: 1) */
    double leak;       /* lif: 1 - k, the share of the membrane lost per step */
    int reset;         /* lif: enum xb_lif_reset (zero, subtract) */
    int surrogate;     /* lif: enum xb_surrogate */
    double surrogate_width; /* lif: the surrogate's width a (0: 1) */
    int readout;       /* lif: enum xb_lif_readout */
    int learn_threshold, learn_leak; /* lif: V_th, k trained per neuron */
    int learn_sigma;   /* noise, lif: a learned std per neuron (initialised to 1) that
                          scales the pass's sigma; likelihood-ratio training
                          needs it (models/train/xb_lr.h) */
    double variance_weight; /* mfdv: lambda of the variance reward */
    double sigma_init; /* mfdv: the learned stds' start (0: 1) */
    int line;          /* config line, for error messages (0 = unknown) */
};

struct xb_layer_type;
struct xb_spike_activity;

/* The analog product a weighted layer reads for one sample: its matrix of
 * out × in weights on the crossbar, read `reads` times (models/eval/xb_cost.h
 * prices it). */
struct xb_layer_mvm {
    size_t out, in, reads;
};

struct xb_layer {
    const struct xb_layer_type *type;
    uint32_t id;              /* position in the net: the layer's random streams */
    struct xb_shape in, out;  /* per-sample shapes */
    size_t n_params;          /* trainable parameters */
    float *params, *grads;    /* views into the net's flat arrays (n_params each) */
    size_t max_rows;
    void *state;              /* kind-private: caches for backward, crossbars */
};

struct xb_layer_type {
    const char *name;
    /* 1: the output is the input's memory under another shape (flatten).
     * The net passes the input through and calls neither forward nor
     * backward (they stay defined for use on their own). */
    int view;
    /* 1: y = W·x + b row by row, and backward adds dyᵀ·x and Σ dy (over the
     * pass's rows) to the gradients of W and b, using the x it is given —
     * so the likelihood-ratio score of noise injected on y is this layer's
     * own parameter backward (see lr_score). */
    int affine;
    /* Checks cfg against l->in (set by the caller, with id and max_rows),
     * sets l->out and l->n_params and allocates l->state. Errors name the
     * config line and the field. */
    enum xb_status (*create)(struct xb_ctx *ctx, struct xb_layer *l,
                             const struct xb_layer_config *cfg);
    /* Weighted kinds: the initialisation when neither the layer's config
     * nor the model names one (models/layers/xb_init.h); AUTO: the kind takes no
     * init field. */
    enum xb_init init_default;
    /* Initial parameters into l->params (weights and biases as the layer's
     * init field says, unit BN scale), from the WEIGHTS stream of layer
     * l->id. NULL if none. */
    void (*init)(struct xb_layer *l, uint64_t seed);
    /* y[rows × out] from x[rows × in]. In TRAIN phase, keeps what backward
     * needs. Parallel inside (OpenMP) where it pays; bit-identical for any
     * thread count. */
    void (*forward)(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y);
    /* Given x, y of the last forward that kept its caches (TRAIN, or EVAL
     * with p->backward) and dL/dy, adds dL/dparams to l->grads and writes
     * dL/dx into dx (dx NULL: not needed). The pass is that forward's: its
     * phase decides the derivative (batchnorm: batch statistics in TRAIN,
     * running ones in EVAL; dropout: the mask, or the identity), and
     * random layers differentiate the very draw the forward took. */
    void (*backward)(struct xb_layer *l, const struct xb_pass *p, const float *x,
                     const float *y, const float *dy, float *dx);
    /* Weighted layers: program the current weights onto a crossbar with
     * params (layer id set by the callee), age it, drop it. NULL otherwise. */
    enum xb_status (*program)(struct xb_ctx *ctx, struct xb_layer *l,
                              const struct xb_xbar_params *params);
    enum xb_status (*age)(struct xb_ctx *ctx, struct xb_layer *l, double t);
    /* Sets the data-dependent converter ranges of the programmed crossbar
     * from x[rows × in], this layer's inputs in an ideal pass (a chip
     * calibrates on reference data). NULL if not weighted. */
    enum xb_status (*calibrate)(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                size_t rows);
    void (*unprogram)(struct xb_layer *l);
    /* Weighted layers: the crossbar product of one sample's forward (dense:
     * units × in, once; conv2d: units × c·k·k, once per output position;
     * lstm: 4H × (F + H), once per step). NULL: a digital layer. */
    void (*mvm)(const struct xb_layer *l, struct xb_layer_mvm *m);
    /* 1 if the forward of this pass draws nothing at random (equal inputs
     * give equal outputs), or nothing that tells the rows of one sample
     * apart (a rate encoder in a pass with copies > 1: its draws are the
     * sample's, whatever the copy). NULL: always, in EVAL. */
    int (*deterministic)(const struct xb_layer *l, const struct xb_pass *p);
    /* Layers that inject noise inside (lstm: on its gates; lif: on its
     * currents): adds the sum of squares of the noise-free values their
     * noise met in the last forward, if it was run with measure_power, to
     * *sum, and Σ (std / sigma)² over those values to *units — their number,
     * or with learned stds (learn_sigma) Σ sigma_i² (nothing otherwise).
     * NULL: no noise inside. */
    void (*noise_power)(const struct xb_layer *l, double *sum, double *units);
    /* Weighted layers on a chip: the tiles of the programmed crossbar (0 if
     * not programmed); with signal not NULL, also adds each tile's energies
     * (devices/engine/xb_xbar.h, xb_xbar_tile_energy) for input x of the
     * last forward, pass p, to signal[k], error[k]. NULL: the kind gives no
     * tile figures (conv2d and lstm read their crossbars in rows of their
     * own: not yet). */
    size_t (*tile_energy)(const struct xb_layer *l, const struct xb_pass *p, const float *x,
                          double *signal, double *error);
    /* Spiking layers (lif): what the last forward did (struct
     * xb_spike_activity, models/layers/xb_spike.h). NULL: not spiking. */
    void (*activity)(const struct xb_layer *l, struct xb_spike_activity *a);
    /* 1: every value of the output is a 0/1 spike (a rate-coding encoder,
     * a lif layer's spike trains) — what NIT-S's bipolar reading of its
     * inputs needs to know (train.sign_spikes, models/train/xb_lr.h). NULL:
     * never. */
    int (*spikes)(const struct xb_layer *l);
    /* Likelihood-ratio training (paper 000 eqs. 1–3 and 8; the trainers of
     * models/train/xb_lr.h). A kind takes part by injecting Gaussian noise
     * N(0, s_i²) on neuron i of the output y = W·x + b of an affine layer
     * `w` (the nearest layer before it that is not a view; there may be
     * none between that changes values, else the estimator is wrong — the
     * trainer refuses such nets; a kind with lr_product is its own w), with s_i = p->sigma · sigma_i and sigma_i
     * learned (lr_sigma). After a TRAIN forward of p->rows rows, given
     * coef[r] (the weight of row r's loss in the estimate), lr_score
     *  - writes dy[rows_w × out] such that w's parameter backward (called by
     *    the trainer with rows_w rows and w's inputs) adds the weight score
     *    Σ_r coef_r Σ_t x_r^t ε_r^t / s (bias: x = 1); sign = 1 (NIT-S,
     *    eq. 3) asks for coef_r · sgn(ε) instead, the trainer then passing
     *    sgn(x) as w's input, so that the product is sgn(x·ε/s) per draw;
     *  - adds Σ_r coef_r Σ_t ((ε_r^t)² − 1) / sigma_i to the gradient of
     *    sigma_i (in l->grads);
     *  - returns rows_w (dy NULL: only returns it, for sizing dy). A dense
     *    net's noise layer: rows_w = rows, one ε
     *    per (row, neuron), no sum over t.
     * A spiking layer (lif) injects the noise into the current of its own
     * product (xb_spike.h) and has no w before it: its product is w
     * (lr_product), rows_w = T·rows, row r·T + t of dy from ε^t_r (the
     * product's row layout), and w's backward over those rows sums
     * x^t ε^t over the steps, which is eq. 8.
     * ε is the standard normal of the draw; the score is only valid for
     * ADD noise (the trainer refuses MULT). NULL: the kind takes no part. */
    size_t (*lr_score)(struct xb_layer *l, const struct xb_pass *p, const double *coef,
                       int sign, float *dy);
    /* The learned stds sigma_i of an lr_score kind (n of them, a view
     * into l->params), which the trainer projects onto [sigma_min,
     * sigma_max] after every step. */
    float *(*lr_sigma)(struct xb_layer *l, size_t *n);
    /* A kind whose weighted product is inside it (lif: a dense layer on its
     * W, b): that product, the affine layer w its lr_score's dy is for,
     * with its parameter views set (the trainer calls its backward through
     * xb_net_layer_backward). NULL: w is the layer before. */
    struct xb_layer *(*lr_product)(struct xb_layer *l);
    /* A term the layer adds to the objective (mfdv: the variance reward):
     * its value after the last forward, which xb_net_loss adds to the
     * loss; the layer's backward adds its gradient. NULL: none. */
    double (*penalty)(const struct xb_layer *l);
    /* Frees l->state (NULL-safe inside). */
    void (*destroy)(struct xb_layer *l);
};

/* The kind called name, or NULL. */
const struct xb_layer_type *xb_layer_type_find(const char *name);

/* The fields of struct xb_layer_config as key rows (devices/cells/xb_key.h):
 * name, type, range, default, help; a row's group lists the kinds that use
 * it ("conv2d maxpool"; NULL: every kind). Config files, --set and the
 * resolved text are read and written from these rows alone. */
const struct xb_key *xb_layer_keys(size_t *n);

/* 1 if layer kind `kind` uses field k. */
int xb_layer_key_used(const struct xb_key *k, const char *kind);

/* The initialisation a layer configured as lc gets when the model's choice
 * is model (AUTO: none): lc->init if set, else model if the kind takes an
 * init field, else the kind's default; AUTO for kinds without weights (and
 * for an unknown type), unless lc->init is set, which such a kind refuses
 * at create. */
enum xb_init xb_layer_config_init(const struct xb_layer_config *lc, enum xb_init model);

extern const struct xb_layer_type xb_layer_dense;
extern const struct xb_layer_type xb_layer_conv2d;
extern const struct xb_layer_type xb_layer_batchnorm;
extern const struct xb_layer_type xb_layer_relu;
extern const struct xb_layer_type xb_layer_maxpool;
extern const struct xb_layer_type xb_layer_flatten;
extern const struct xb_layer_type xb_layer_dropout;
extern const struct xb_layer_type xb_layer_noise;
extern const struct xb_layer_type xb_layer_lstm;
extern const struct xb_layer_type xb_layer_encode;
extern const struct xb_layer_type xb_layer_lif;
extern const struct xb_layer_type xb_layer_conv_lif;
extern const struct xb_layer_type xb_layer_mfdv;

#endif
