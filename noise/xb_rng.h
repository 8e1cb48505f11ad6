/*
 * xb_rng.h — counter-based random streams (ARCHITECTURE.md §6).
 *
 * Every random number in xbar is Philox4x32-10 (Salmon et al., SC'11, via
 * Random123) of a counter that *names what the number is for*:
 *
 *   key     = the 64-bit master seed
 *   counter = { element / 4,
 *               sample index,
 *               vote (low 16 bits) | time step (high 16 bits),
 *               purpose (8 bits) | layer (12 bits) | instance (12 bits) }
 *
 * so a draw never depends on which thread made it, on the batch split, or on
 * what was drawn before. The field names are generic; what each field
 * carries depends on the purpose: the table below enum xb_purpose is the
 * one list of them. Each counter gives four 32-bit words, hence four
 * uniforms or four normals. Elements come in groups of 64 made from 16
 * consecutive blocks (structure of arrays, so the kernel vectorises):
 * element e of a stream lies in group g = e / 64 at j = e % 64, and
 *   uniform e = word  j / 16      of block 16 g + j % 16;
 *   normal  e = Box–Muller of the word pair (0, 1) for j < 32, (2, 3) else,
 *               of block 16 g + j % 16: radius from the first word, angle
 *               from the second, the cosine for (j / 16) even, sine if odd.
 *
 * All functions here are pure and thread-safe.
 */
#ifndef XB_RNG_H
#define XB_RNG_H

#include <stddef.h>
#include <stdint.h>

/* What a draw is for. Append only: the numbers are part of the addresses
 * and so of every stored result. */
enum xb_purpose {
    XB_PURPOSE_TEST = 0,      /* tests and benchmarks */
    XB_PURPOSE_NOISE = 1,     /* abstract additive / multiplicative noise */
    XB_PURPOSE_READ = 2,      /* per-read device noise */
    XB_PURPOSE_PROG = 3,      /* programming error, once per chip */
    XB_PURPOSE_DRIFT = 4,     /* drift exponent nu, once per chip */
    XB_PURPOSE_FAULT = 5,     /* stuck-at faults, once per chip */
    XB_PURPOSE_D2D = 6,       /* device-to-device variation, once per chip */
    XB_PURPOSE_RELAX = 7,     /* conductance relaxation, once per chip */
    XB_PURPOSE_WEIGHTS = 8,   /* random weight matrices and initialisation */
    XB_PURPOSE_INPUTS = 9,    /* random input batches */
    XB_PURPOSE_DATA = 10,     /* data set shuffles and splits */
    XB_PURPOSE_DROPOUT = 11,  /* dropout masks */
    XB_PURPOSE_SPIKES = 12,   /* rate-encoded input spikes (models/layers/layer_encode.c) */
    XB_PURPOSE_ATTACK = 13,   /* adversarial attacks' own draws (random starts) */
    XB_PURPOSE_COUNT
};

/*
 * What the address fields carry, per purpose (also ARCHITECTURE.md §6).
 * Terms: "layer id" is the layer's position in its net (models/layers/xb_net.c),
 * which the engine gets as xb_xbar_params.layer (0 for xbar mvm). A pass's
 * rows are addressed by noise/xb_noise.h's struct xb_rows: row r is sample
 * sample0 + r % batch of vote vote0 + r / batch. The "row's sample" is the
 * image's index in the evaluated set in evaluation, its position in the
 * epoch's order in training; conv2d on a crossbar reads patch q of that
 * sample as sample s·P + q (P patches per image), and a lif layer its
 * input of step t as sample s·T + t (T steps). The vote field carries
 * the VOTE in evaluation (inference v of a sample; the repeats are votes
 * 0 .. R-1) and the EPOCH (from 0) in training, where every row of a pass
 * has the same one: struct xb_rows names it `epoch` there.
 *
 *  NOISE    abstract noise (noise layers, LSTM gates, LIF neurons, xb_xbar's
 *           own). layer: layer id. instance: the pass's chip instance (device
 *           sweeps: repeat r; hardware-aware training: its training chip;
 *           else 0). sample, vote: the row's. step: LSTM or LIF time step,
 *           else 0.
 *           element: the output (feature) index within the row.
 *  READ     per-read device noise in xb_xbar_execute. layer, instance,
 *           sample, vote, step: as NOISE. element: ti·out + o for input
 *           tile ti and output o with an ADC (each tile's own draw),
 *           n_ti·out + o without (one aggregated draw); 2^40 on for the
 *           naive per-cell reference.
 *  PROG, DRIFT, FAULT, D2D, RELAX   drawn once per chip at programming.
 *           layer: layer id. instance: the chip instance. sample: the tile
 *           k = to·n_ti + ti. vote, step: 0. element: 2c + s for side s
 *           (0: G+, 1: G−) of cell c (FAULT by xb_uniform53).
 *  WEIGHTS  initial weights: layer: layer id, element: index in the
 *           layer's weight array, all else 0. xbar mvm's random W: layer 0,
 *           sample: the row (output) of W, element: its column.
 *  INPUTS   xbar mvm's random X: sample: the row of X, element: the column;
 *           all else 0.
 *  DATA     layer: what for (enum xb_data_stream below). EPOCH: the epoch
 *           e as sample = e >> 16 and step = e & 0xFFFF (sample is 0 while
 *           e < 2^16, the trainer's limit), vote 0, element i: step i of
 *           xb_permutation. TEST and VALIDATION splits: sample 0 for which
 *           images go where, 1 for their order, element as EPOCH.
 *           SYNTHETIC: sample 0, vote 0: the class prototypes (uniform
 *           element e); sample j, vote 1: image j's noise (normal element
 *           e), test images numbered after the training ones.
 *  DROPOUT  masks in training: layer: layer id, sample, vote (= epoch),
 *           step: the row's; instance 0; element: feature index (uniform).
 *  SPIKES   rate-encoded inputs (poisson, bernoulli): layer: the encoder's
 *           layer id, instance 0, sample and vote (= epoch in training): the
 *           row's, step: the time step t, element: feature index (uniform).
 *           Likelihood-ratio training's C copies of a sample (vote field
 *           epoch·C + c) draw at vote = the epoch, all C the same spikes
 *           (struct xb_pass's copies, models/layers/xb_layer.h).
 *  ATTACK   an attack's random start (models/attack/xb_attack.h): sample:
 *           the image's index in the attacked set, vote: the restart,
 *           element: the pixel (uniform); all else 0 — but in adversarial
 *           training (models/attack/xb_advtrain.h) layer 1, step: the
 *           epoch, sample: the row's position in the epoch's order. (The target's own
 *           noise under attack draws from NOISE / READ at votes from
 *           XB_ATTACK_VOTE0 up, as that header lays out.)
 *  TEST     tests and benchmarks: any.
 */

/* What a DATA draw is for: its layer field. Append only, the numbers are
 * part of every split and shuffle. */
enum xb_data_stream {
    XB_DATA_STREAM_EPOCH = 1,      /* the order of a training epoch */
    XB_DATA_STREAM_TEST = 2,       /* train / test split of a set shipped whole (mnist) */
    XB_DATA_STREAM_VALIDATION = 3, /* validation split carved from train */
    XB_DATA_STREAM_SYNTHETIC = 4,  /* the synthetic generator */
    XB_DATA_STREAM_LIMIT = 5,      /* the subset data.limit keeps of a pooled set */
    XB_DATA_STREAM_POOL_TEST = 6,  /* the test part of a pooled set's data.split */
    XB_DATA_STREAM_POOL_VAL = 7    /* its validation part, from the rest */
};

#define XB_RNG_MAX_LAYER 4095u
#define XB_RNG_MAX_INSTANCE 4095u
#define XB_RNG_MAX_VOTE 65535u
#define XB_RNG_MAX_STEP 65535u

/* A stream: everything of a counter but the element. Plain data; copy it. */
struct xb_stream {
    uint32_t key[2];
    uint32_t ctr[3]; /* counter words 1..3 */
};

/* A stream's address; what each field carries for each purpose: the table
 * above (the vote field carries the epoch in training). */
struct xb_addr {
    enum xb_purpose purpose;
    uint32_t layer;    /* <= XB_RNG_MAX_LAYER */
    uint32_t instance; /* <= XB_RNG_MAX_INSTANCE */
    uint32_t sample;
    uint32_t vote;     /* <= XB_RNG_MAX_VOTE */
    uint32_t step;     /* <= XB_RNG_MAX_STEP */
};

/* The stream addressed by seed and addr. Fields beyond their maxima are a
 * programmer error (XB_ASSERT). */
struct xb_stream xb_stream_at(uint64_t seed, const struct xb_addr *addr);

/* The same stream with another sample / vote, for per-row loops. */
struct xb_stream xb_stream_row(struct xb_stream s, uint32_t sample, uint32_t vote);

/* out[i] = N(0,1) draw of element first + i, for i < n. Box–Muller with
 * the radius from a 23-bit uniform in (0,1), so |z| <= 5.77 (the tail
 * beyond has probability 8e-9 and is not produced), and the angle from 24
 * bits. The same numbers on every x86-64 machine. Vectorised (AVX2 when available; see
 * xb_gauss.c): on one machine an element's value never depends on the
 * range it was requested in. */
void xb_normal_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out);

/* out[i] = uniform in (0,1) of element first + i: the word's top 23 bits
 * k, as (k + 1/2) 2^-23, exact in float and never 0 or 1. */
void xb_uniform_fill(const struct xb_stream *s, uint64_t first, size_t n, float *out);

/* Double-precision uniform in (0,1) with 52 bits, (k + 1/2) 2^-52, from
 * the top 26 bits of raw Philox words 2e and 2e+1 of the stream (word w is
 * word w % 4 of block w / 4; a numbering of its own, apart from the element
 * layout above), for draws where 2^-23 is too coarse (fault rates). */
double xb_uniform53(const struct xb_stream *s, uint64_t element);

/* perm[0..n) = a uniformly random permutation of 0 .. n-1 drawn from the
 * stream: the one shuffle of xbar (epoch orders, data splits). Fisher–Yates
 * from the top: for i = n .. 2, swap positions i-1 and j = floor(u·i), u =
 * xb_uniform53(s, i); so element i decides step i and the result depends on
 * nothing but the stream and n. With 52-bit uniforms j is uniform on [0, i)
 * up to a relative 2^-52·i, no modulo bias that matters below 2^32 items.
 * n < 2^32 (XB_ASSERT). */
void xb_permutation(const struct xb_stream *s, size_t n, uint32_t *perm);

/* The instruction-set level the Gaussian and uniform kernels above run on
 * here, chosen at run time like every XB_CLONES function (xb_clones.h):
 * "x86-64-v4 (AVX-512)", "x86-64-v3 (AVX2)", "x86-64 (baseline)", or
 * "portable C (no ISA clones)" in a build without them. The numbers are the
 * same on every level; result files record it as provenance. Static. */
const char *xb_isa_level(void);

/* The raw Philox4x32-10 block: four words for counter {c0, ctr...}. */
void xb_philox_block(const struct xb_stream *s, uint32_t c0, uint32_t out[4]);

#endif
