/*
 * xb_experiment.h — an experiment file: data set, model, training and the
 * sigma_train × sigma_test sweep (paper 001 §3), in libconfig syntax:
 *
 *   data  = { set = "mnist"; dir = "data"; validation = 0.1; };
 *   model = { name = "mlp"; input = [1, 28, 28]; classes = 10;
 *             init = "he-uniform";
 *             layers = ( { type = "flatten"; },
 *                        { type = "dense"; units = 256; init = "pytorch"; },
 *                        { type = "noise"; }, { type = "relu"; }, ... ); };
 *   train = { optimizer = "adam"; lr = 0.001; batch = 32; epochs = 10; };
 *   sweep = { noise = "mult"; sigma_train = [0.0, 0.6, 1.0];
 *             sigma_test = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0];
 *             repeats = 5; votes = 20; eval_rows = 640;
 *             output = "results/quickstart.h5"; };
 *
 * Device-preset sweeps (issue 3 items 4-6) add the groups of a device
 * config (configs/devices/NAME.cfg, same keys and checks, see xb_config.h)
 * and three keys:
 *
 *   device = { type = "pcm"; };
 *   xbar   = { tile_rows = 256; adc_bits = 8; adc_range = "max"; t = 3600.0; };
 *   train  = { ...; hw_aware = true; };   forward passes of training on
 *             crossbars of that device, read at xbar.t
 *   sweep  = { ...; test = "device";      the test axis: "noise" (sigma_test,
 *                                         the default) or "device"
 *              t = [1.0, 3600.0, 86400.0]; };  read times [s] of device mode
 *
 * An `energy = { ... }` group (or --set energy.KEY=V) sets the prices of
 * the energy and latency model (devices/engine/xb_energy.h) in
 * e->device.energy; it does not make a device sweep.
 *
 * In device mode each sigma_train model (trained with sweep.noise at
 * sigma_train) is programmed onto `repeats` chip instances and read at
 * every t; sigma_test is not used.
 *
 * Initialisation (models/layers/xb_init.h): model.init (he-uniform, glorot-uniform
 * or pytorch) is the default of every dense, conv2d and lstm layer, a
 * layer's own init overrides it, and with neither each kind keeps its
 * default (he-uniform for dense and conv2d, glorot-uniform for lstm). The
 * resolved text names every weighted layer's init.
 *
 * `xbar attack` reads an attack group (models/attack/xb_attack.h; the
 * other subcommands refuse its keys on the command line):
 *
 *   attack = { attacks = "fgsm, bim, pgd, mim"; eps = [0.1, 0.3];
 *              step = 0.01; steps = 15; restarts = 1; mu = 1.0;
 *              eot = 1; noise = "none"; sigma = 0.0; votes = 1;
 *              images = 1000; };
 *
 * `@include "models/mlp.cfg"` pulls a shared model in (paths relative to
 * the including file). Every key is checked: unknown keys, wrong types, out
 * of range values and empty grids are errors naming file:line and the key,
 * before any work. `--set group.key=value` overrides a scalar.
 */
#ifndef XB_EXPERIMENT_H
#define XB_EXPERIMENT_H

#include <stddef.h>

#include "xb_axes.h"
#include "xb_attack.h"
#include "xb_config.h"
#include "xb_ctx.h"
#include "xb_net.h"
#include "xb_train.h"

#define XB_EXP_MAX_GRID 64
#define XB_EXP_MAX_REPEATS 10000 /* sweep.repeats and sweep.votes */
#define XB_EXP_MAX_TRAIN_ROWS (1 << 20) /* rows of a training step (copies x batch) */
#define XB_EXP_MAX_ATTACKS 16    /* kinds in attack.attacks */
#define XB_EXP_MAX_SURROGATES 4  /* kinds in attack.surrogates: each at most once */

struct xb_experiment {
    char path[4096];
    /* data */
    char dataset[32];           /* a name xb_dataset_known accepts */
    char data_dir[4096];        /* "" = the default (XBAR_DATA or data/) */
    double validation;          /* fraction of train held out, [0, 0.5] */
    double split[3];            /* data.split: train, validation, test fractions of the
                                   pooled set (n_split = 3), replacing validation and the
                                   set's own test part; n_split = 0: not given */
    size_t n_split;
    size_t limit;               /* data.limit: images kept of the pool (split) or of the
                                   train part (no split); 0: all */
    int data_steps;             /* mnist-strokes: pen steps per sequence (64) */
    int data_features;          /* mnist-strokes: 2 or 4 (2) */
    /* model */
    char model_name[64];
    struct xb_net_config model;  /* every weighted layer's init resolved (models/layers/xb_init.h) */
    enum xb_init model_init;     /* model.init: the default of layers that name none */
    /* training */
    struct xb_train_params train; /* noise kind set from the sweep; sigma per point */
    int epochs;
    /* adversarial training (train.adv_*; models/attack/xb_advtrain.h) */
    char adv_attack[16];        /* the attack kind's name */
    struct xb_attack_params adv; /* eps, step, steps; the rest at their defaults */
    /* a spiking net started from a trained ANN (models/train/xb_threshold.h) */
    char ann[4096];             /* train.ann: the ANN's model file ("": none) */
    char ann_config[4096];      /* train.ann_config: its experiment file (model group) */
    double threshold_percentile; /* train.threshold_percentile: 0 = thresholds as configured */
    double threshold_scale;     /* train.threshold_scale */
    /* sweep */
    enum xb_noise_kind noise;   /* add | mult */
    double sigma_train[XB_EXP_MAX_GRID];
    size_t n_train;
    double sigma_test[XB_EXP_MAX_GRID];
    size_t n_test;
    int repeats, votes;
    size_t eval_rows;           /* rows per pass (votes × batch) */
    char output[4096];
    /* device presets */
    int test_device;            /* sweep.test: 0 = "noise" (sigma_test), 1 = "device" (t) */
    double t_test[XB_EXP_MAX_GRID]; /* sweep.t: read times [s], >= 0 */
    size_t n_t;                 /* 0 when not given */
    int portable;               /* sweep.portable: every product by the fixed-order GEMM */
    int have_device;            /* a device or xbar group (or --set device.* / xbar.*) */
    struct xb_config device;    /* resolved device and engine (when have_device; else
                                   the defaults), and the energy group's prices */
    /* study (sim/config/xb_axes.h): its axes, each point checked */
    struct xb_axes study;
    /* attack (xbar attack) */
    int have_attack;            /* an attack group (or --set attack.*) */
    char attack_names[128];     /* attack.attacks: kinds, comma-separated */
    double attack_eps[XB_EXP_MAX_GRID]; /* attack.eps: the budgets, pixel units */
    size_t n_attack_eps;
    size_t attack_images;       /* attack.images: the first N test images, 0 = all */
    char attack_surrogates[128]; /* attack.surrogates: lif surrogates, comma-separated;
                                    "" = each layer's own */
    int attack_examples;        /* attack.examples: -o also holds the adversarial images */
    struct xb_attack_params attack; /* the rest; eps set per budget */
};

/* Reads path; settings are "group.key=value" overrides (may be NULL;
 * device.* and xbar.* keys go to the device config). train.hw_aware sets
 * e->train.device from the device config (instance 0) and
 * e->train.device_t = xbar.t. */
enum xb_status xb_experiment_read(struct xb_ctx *ctx, const char *path, const char *const *sets,
                                  size_t n_sets, struct xb_experiment *e);

/* The experiment at one point of its study (sim/config/xb_axes.h): path
 * and sets read as xb_experiment_read reads them, then each axis key set to
 * its value at point, with the axis's file:line as origin. e->study keeps
 * the axes. XB_ERANGE if point is not a point of the study. */
enum xb_status xb_experiment_read_point(struct xb_ctx *ctx, const char *path,
                                        const char *const *sets, size_t n_sets, size_t point,
                                        struct xb_experiment *e);
/* The same without checking the study's other points: for a runner that
 * read the experiment with xb_experiment_read (which checked them all)
 * and now reads its points one at a time. */
enum xb_status xb_experiment_read_at(struct xb_ctx *ctx, const char *path,
                                     const char *const *sets, size_t n_sets, size_t point,
                                     struct xb_experiment *e);

/* The attack kinds attack.attacks names, in its order, into types[max];
 * *n of them. Errors name the file, the key and the unknown name. */
enum xb_status xb_experiment_attack_types(struct xb_ctx *ctx, const struct xb_experiment *e,
                                          const struct xb_attack_type **types, size_t max,
                                          size_t *n);

/* The surrogates attack.surrogates names (enum xb_surrogate,
 * models/layers/xb_spike.h), in its order, into kinds[max]; *n of them, 0
 * when the key is empty (each lif layer's own). Errors name the file, the
 * key and the unknown or repeated name. */
enum xb_status xb_experiment_attack_surrogates(struct xb_ctx *ctx, const struct xb_experiment *e,
                                               int *kinds, size_t max, size_t *n);

/* The experiment keys (data.*, model.name, train.*, sweep.*): rows of
 * devices/cells/xb_key.h over struct xb_experiment, .group the group. The model's
 * layer fields are models/layers/xb_layer.h's xb_layer_keys; device and engine
 * keys are xb_config's. */
const struct xb_key *xb_experiment_keys(size_t *n);

/* The resolved experiment as config text (stored in result files and
 * compared on --resume); caller frees with xb_free. */
char *xb_experiment_text(const struct xb_experiment *e);

#endif
