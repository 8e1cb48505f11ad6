#include "xb_experiment.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cfgfile.h"
#include "xb_cfgint.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_params.h"
#include "xb_spike.h"

/* ---- the key table ------------------------------------------------------ */

static const char *const optim_names[] = {"adam", "sgd", NULL};
static const char *const noise_names[] = {"none", "add", "mult", NULL};
static const char *const test_names[] = {"noise", "device", NULL};
static const char *const vote_names[] = {"majority", "softmax", NULL}; /* enum xb_vote */
/* attack.vote lives in struct xb_attack_params as its enum, stored as int. */
_Static_assert(sizeof(enum xb_vote) == sizeof(int), "enum xb_vote is not int-sized");

static int is_adversarial(const void *base)
{
    return ((const struct xb_experiment *)base)->train.algorithm == XB_TRAIN_ADVERSARIAL;
}

static int is_strokes(const void *base)
{
    return !strcmp(((const struct xb_experiment *)base)->dataset, "mnist-strokes");
}

#define OFF(f) .offset = offsetof(struct xb_experiment, f)
#define CHARS(f) OFF(f), .size = sizeof(((struct xb_experiment *)0)->f)
#define REALS(f, n) OFF(f), .size = XB_EXP_MAX_GRID, .count = offsetof(struct xb_experiment, n)
#define XB_SRC "xbar"
#define XB_SRC_TRAIN "models/train/xb_train.h, xb_optim.h (Kingma & Ba 2015 for Adam)"
#define XB_SRC_ATTACK "models/attack/xb_attack.h"

/* In the order of the resolved text (xb_experiment_text). The train
 * defaults are xb_train_params_default's (test_experiment checks). */
static const struct xb_key keys[] = {
    {.group = "data", .name = "set", .type = XB_KEY_STRING, CHARS(dataset), .def_text = "mnist",
     .help = "mnist, fashion-mnist, cifar10, mnist-strokes or synthetic", .source = XB_SRC},
    {.group = "data", .name = "dir", .type = XB_KEY_STRING, CHARS(data_dir),
     .help = "directory of the data files (\"\": XBAR_DATA or data/)", .source = XB_SRC},
    {.group = "data", .name = "validation", .type = XB_KEY_REAL, .unit = "1", .def = 0.1,
     .min = 0.0, .max = 0.5, OFF(validation), .help = "fraction of train held out",
     .source = XB_SRC},
    {.group = "data", .name = "split", .type = XB_KEY_REALS, .unit = "1", .min = 0.0,
     .max = 1.0, OFF(split), .size = 3, .count = offsetof(struct xb_experiment, n_split),
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "[train, validation, test] fractions (sum 1) of the set's train and test parts "
             "pooled, split anew by the seed (replaces data.validation); unset: the set's "
             "own test part", .source = "paper 000 §4 (7 : 2 : 1)"},
    {.group = "data", .name = "limit", .type = XB_KEY_INT, .unit = "1", .def = 0, .min = 0,
     .max = 1e9, OFF(limit), .store = XB_STORE_SIZE, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "images kept, a stratified subset, of the pool before data.split splits it, "
             "or without a split of the set's train part before data.validation (0: all)",
     .source = XB_SRC},
    {.group = "data", .name = "steps", .type = XB_KEY_INT, .unit = "1", .def = 64, .min = 1,
     .max = XB_STROKES_MAX_STEPS, OFF(data_steps), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .written = is_strokes,
     .help = "mnist-strokes: pen steps per sequence (padded / truncated)",
     .source = "de Jong's MNIST stroke sequences"},
    {.group = "data", .name = "features", .type = XB_KEY_INT, .unit = "1", .def = 2, .min = 2,
     .max = 4, OFF(data_features), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .written = is_strokes,
     .help = "mnist-strokes: 2 (dx, dy) or 4 (dx, dy, eos, eod)",
     .source = "de Jong's MNIST stroke sequences"},
    {.group = "model", .name = "name", .type = XB_KEY_STRING, CHARS(model_name),
     .help = "model name", .source = XB_SRC},
    {.group = "model", .name = "init", .type = XB_KEY_ENUM, .choices = xb_init_key_names,
     .min = XB_INIT_AUTO + 1, .max = XB_INIT_COUNT - 1, OFF(model_init), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "initial weights and biases of the dense, conv2d, lstm and lif layers that name "
             "none: he-uniform, glorot-uniform or pytorch (unset: he-uniform for dense, conv2d "
             "and lif, glorot-uniform for lstm)",
     .source = "models/layers/xb_init.h"},
    {.group = "train", .name = "optimizer", .type = XB_KEY_ENUM, .def = XB_OPTIM_ADAM,
     .choices = optim_names, OFF(train.optim.kind), .store = XB_STORE_INT,
     .help = "adam or sgd", .source = XB_SRC_TRAIN},
    {.group = "train", .name = "lr", .type = XB_KEY_REAL, .unit = "1", .def = 1e-3,
     .min = 1e-12, .max = 10.0, OFF(train.optim.lr), .help = "learning rate",
     .source = XB_SRC_TRAIN},
    {.group = "train", .name = "lr_decay", .type = XB_KEY_REAL, .unit = "1", .def = 1.0,
     .min = 1e-6, .max = 1.0, OFF(train.lr_decay), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "step-size schedule: lr times lr_decay every lr_decay_every epochs (1: constant)",
     .source = "STBP's code (x0.5 every 40 epochs); paper 000's LR code (x0.8 every 20)"},
    {.group = "train", .name = "lr_decay_every", .type = XB_KEY_INT, .unit = "1", .def = 1,
     .min = 1, .max = 100000, OFF(train.lr_decay_every), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .help = "epochs between two lr_decay steps",
     .source = "STBP's code (x0.5 every 40 epochs); paper 000's LR code (x0.8 every 20)"},
    {.group = "train", .name = "momentum", .type = XB_KEY_REAL, .unit = "1", .def = 0.9,
     .min = 0.0, .max = 0.999999, OFF(train.optim.beta1), .flags = XB_KEY_ALIAS,
     .help = "SGD momentum (Adam beta1)", .source = XB_SRC_TRAIN},
    {.group = "train", .name = "beta1", .type = XB_KEY_REAL, .unit = "1", .def = 0.9,
     .min = 0.0, .max = 0.999999, OFF(train.optim.beta1), .help = "Adam beta1",
     .source = XB_SRC_TRAIN},
    {.group = "train", .name = "beta2", .type = XB_KEY_REAL, .unit = "1", .def = 0.999,
     .min = 0.0, .max = 0.999999, OFF(train.optim.beta2), .help = "Adam beta2",
     .source = XB_SRC_TRAIN},
    {.group = "train", .name = "batch", .type = XB_KEY_INT, .unit = "1", .def = 32, .min = 1,
     .max = 65536, OFF(train.batch), .store = XB_STORE_SIZE, .help = "samples per step",
     .source = "paper 001 (batch 32)"},
    {.group = "train", .name = "epochs", .type = XB_KEY_INT, .unit = "1", .def = 10,
     .min = 0, .max = 100000, OFF(epochs), .store = XB_STORE_INT, .help = "epochs per model",
     .source = XB_SRC},
    {.group = "train", .name = "hw_aware", .type = XB_KEY_BOOL, OFF(train.hw_aware),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "forward passes on crossbars of the device group", .source = XB_SRC},
    {.group = "train", .name = "algorithm", .type = XB_KEY_ENUM, .def = XB_TRAIN_BACKPROP,
     .choices = xb_train_algorithm_names, OFF(train.algorithm), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "training algorithm: hw-aware is hw_aware = true; nit* are likelihood-ratio "
             "(forward passes only; noise layers need learn_sigma)",
     .source = "models/train/xb_train.h; paper 000"},
    {.group = "train", .name = "copies", .type = XB_KEY_INT, .unit = "1", .def = 32, .min = 1,
     .max = 65536, OFF(train.lr.copies), .store = XB_STORE_SIZE, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit*: noisy copies of every sample per step", .source = "issue 11 (C = 32)"},
    {.group = "train", .name = "baseline", .type = XB_KEY_BOOL, OFF(train.lr.baseline),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit*: leave-one-out baseline over the copies (unbiased)", .source = XB_SRC},
    {.group = "train", .name = "sigma_min", .type = XB_KEY_REAL, .unit = "1", .def = 0.01,
     .min = 1e-9, .max = 1e6, OFF(train.lr.sigma_min), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit*: lower bound of the learned noise stds", .source = XB_SRC},
    {.group = "train", .name = "sigma_max", .type = XB_KEY_REAL, .unit = "1", .def = 10.0,
     .min = 1e-9, .max = 1e6, OFF(train.lr.sigma_max), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit*: upper bound of the learned noise stds", .source = XB_SRC},
    {.group = "train", .name = "switch_epoch", .type = XB_KEY_INT, .unit = "1", .def = 70,
     .min = 0, .max = 100000, OFF(train.lr.switch_epoch), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .help = "nit-s+: epochs of NIT-S before NIT",
     .source = "paper 000 §4.4 (70 of 100)"},
    {.group = "train", .name = "sign_zero", .type = XB_KEY_ENUM, .def = 0,
     .choices = xb_lr_sign_zero_names, OFF(train.lr.sign_zero_plus), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit-s, nit-s+: the sign of a weight score of exactly 0 (an input of 0): zero "
             "scores nothing; plus scores +1 whatever the noise, as eq. 3's sgn(0) = 1 reads",
     .source = "paper 000 eq. 3; models/train/xb_lr.h"},
    {.group = "train", .name = "sign_spikes", .type = XB_KEY_ENUM, .def = 0,
     .choices = xb_lr_sign_spikes_names, OFF(train.lr.sign_bipolar), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "nit-s, nit-s+: how the sign score reads a 0/1 spike input: binary scores a "
             "silent input nothing; bipolar reads it as -1 (so it scores -sgn(noise))",
     .source = "paper 000 §3.3 after eq. 8; models/train/xb_lr.h"},
    {.group = "train", .name = "periods", .type = XB_KEY_INT, .unit = "1", .def = 1, .min = 1,
     .max = 65536, OFF(train.hire.periods), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "hire: periods N of a batch (the model's encode steps are T/N), each one update",
     .source = "HIRE-SNN, Algorithm 1"},
    {.group = "train", .name = "noise_step", .type = XB_KEY_REAL, .unit = "1", .def = 0.0,
     .min = 0.0, .max = 1.0, OFF(train.hire.noise_step), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "hire: eps_s, the crafted input noise's step per period, pixel units",
     .source = "HIRE-SNN, eq. 6"},
    {.group = "train", .name = "noise_bound", .type = XB_KEY_REAL, .unit = "1", .def = 0.0,
     .min = 0.0, .max = 1.0, OFF(train.hire.noise_bound), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "hire: eps_t, the bound of the crafted input noise, pixel units",
     .source = "HIRE-SNN, eq. 6"},
    {.group = "train", .name = "ann", .type = XB_KEY_STRING, CHARS(ann),
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "spiking nets: start from the weights of this trained ANN (a model file of xbar "
             "train; its model in train.ann_config): each lif, conv_lif layer's product gets "
             "its dense, conv2d layer's weights, in order (\"\": none)",
     .source = "HIRE-SNN, Algorithm 1 line 5"},
    {.group = "train", .name = "ann_config", .type = XB_KEY_STRING, CHARS(ann_config),
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "the experiment file whose model group is train.ann's net (required with it)",
     .source = XB_SRC},
    {.group = "train", .name = "threshold_percentile", .type = XB_KEY_REAL, .unit = "%",
     .def = 0.0, .min = 0.0, .max = 100.0, OFF(threshold_percentile),
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "spiking nets: set each firing layer's V_th, in order, to the max over steps of "
             "this percentile of its input currents on the first 512 training images (99.7: "
             "Rathi & Roy's; 0: as configured)",
     .source = "HIRE-SNN, Algorithm 1 line 6; DIET-SNN"},
    {.group = "train", .name = "threshold_scale", .type = XB_KEY_REAL, .unit = "1", .def = 1.0,
     .min = 1e-6, .max = 1e6, OFF(threshold_scale), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "the percentile's factor (Rathi & Roy's code: 0.7 for short latencies)",
     .source = "DIET-SNN"},
    {.group = "train", .name = "adv_attack", .type = XB_KEY_STRING, CHARS(adv_attack),
     .def_text = "pgd", .flags = XB_KEY_OMIT_DEFAULT, .written = is_adversarial,
     .help = "adversarial: the attack kind making the adversarial half of each batch (pgd: "
             "random start; bim: none; fgsm; mim)",
     .source = "Madry et al. 2018; paper 001 §4"},
    {.group = "train", .name = "adv_eps", .type = XB_KEY_REAL, .unit = "1", .def = 0.3,
     .min = 0.0, .max = 1.0, OFF(adv.eps), .flags = XB_KEY_OMIT_DEFAULT,
     .written = is_adversarial, .help = "adversarial: its L-infinity budget, pixel units",
     .source = "Madry et al. 2018, MNIST (0.3)"},
    {.group = "train", .name = "adv_step", .type = XB_KEY_REAL, .unit = "1", .def = 0.01,
     .min = 1e-9, .max = 1.0, OFF(adv.step), .flags = XB_KEY_OMIT_DEFAULT,
     .written = is_adversarial, .help = "adversarial: its step size, pixel units",
     .source = "Madry et al. 2018, MNIST (0.01)"},
    {.group = "train", .name = "adv_steps", .type = XB_KEY_INT, .unit = "1", .def = 40,
     .min = 1, .max = 1000, OFF(adv.steps), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .written = is_adversarial,
     .help = "adversarial: its gradient steps", .source = "Madry et al. 2018, MNIST (40)"},
    {.group = "sweep", .name = "noise", .type = XB_KEY_ENUM, .def = XB_NOISE_MULT,
     .min = XB_NOISE_ADD, .max = XB_NOISE_MULT, .choices = noise_names, OFF(noise),
     .store = XB_STORE_INT, .help = "add or mult", .source = "paper 001"},
    {.group = "sweep", .name = "sigma_train", .type = XB_KEY_REALS, .unit = "1", .min = 0.0,
     .max = 1e6, REALS(sigma_train, n_train), .def_text = "0",
     .help = "noise std of training", .source = XB_SRC},
    {.group = "sweep", .name = "sigma_test", .type = XB_KEY_REALS, .unit = "1", .min = 0.0,
     .max = 1e6, REALS(sigma_test, n_test), .def_text = "0",
     .help = "noise std of inference", .source = XB_SRC},
    {.group = "sweep", .name = "test", .type = XB_KEY_ENUM, .choices = test_names,
     OFF(test_device), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "noise or device", .source = XB_SRC},
    {.group = "sweep", .name = "t", .type = XB_KEY_REALS, .unit = "s", .min = 0.0, .max = 1e12,
     REALS(t_test, n_t), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "read times after programming [s] (device mode)", .source = XB_SRC},
    {.group = "sweep", .name = "portable", .type = XB_KEY_BOOL, .def = 1, OFF(portable),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "every product by xbar's fixed-order GEMM (same bits on every machine); "
             "false: OpenBLAS", .source = XB_SRC},
    {.group = "sweep", .name = "repeats", .type = XB_KEY_INT, .unit = "1", .def = 5, .min = 1,
     .max = XB_EXP_MAX_REPEATS, OFF(repeats), .store = XB_STORE_INT,
     .help = "inferences without voting", .source = XB_SRC},
    {.group = "sweep", .name = "votes", .type = XB_KEY_INT, .unit = "1", .def = 20, .min = 1,
     .max = XB_EXP_MAX_REPEATS, OFF(votes), .store = XB_STORE_INT,
     .help = "largest number of votes", .source = "paper 001 (K = 20)"},
    {.group = "sweep", .name = "eval_rows", .type = XB_KEY_INT, .unit = "1", .def = 640,
     .min = 1, .max = 1 << 20, OFF(eval_rows), .store = XB_STORE_SIZE,
     .help = "rows per evaluation pass (votes x batch)", .source = XB_SRC},
    {.group = "sweep", .name = "output", .type = XB_KEY_STRING, CHARS(output),
     .def_text = "results/sweep.h5", .help = "result file", .source = XB_SRC},
    {.group = "attack", .name = "attacks", .type = XB_KEY_STRING, CHARS(attack_names),
     .def_text = "fgsm, bim, pgd, mim",
     .help = "attack kinds, comma-separated: fgsm, bim, pgd, mim, nattack, dim, tim (paper "
             "000 Tables 2-3), random (uniform samples of the eps-ball)",
     .source = XB_SRC_ATTACK},
    {.group = "attack", .name = "eps", .type = XB_KEY_REALS, .unit = "1", .min = 0.0,
     .max = 1.0, REALS(attack_eps, n_attack_eps), .def_text = "0.1",
     .help = "L-infinity budgets, pixels in [0, 1]", .source = "paper 000 (eps 0.1)"},
    {.group = "attack", .name = "step", .type = XB_KEY_REAL, .unit = "1", .def = 0.01,
     .min = 1e-9, .max = 1.0, OFF(attack.step),
     .help = "step size of BIM, PGD and MIM, pixel units", .source = "paper 000 (0.01)"},
    {.group = "attack", .name = "steps", .type = XB_KEY_INT, .unit = "1", .def = 15, .min = 1,
     .max = XB_RNG_MAX_VOTE, OFF(attack.steps), .store = XB_STORE_INT,
     .help = "steps of BIM, PGD and MIM", .source = "paper 000 (15)"},
    {.group = "attack", .name = "restarts", .type = XB_KEY_INT, .unit = "1", .def = 1,
     .min = 1, .max = XB_EXP_MAX_REPEATS, OFF(attack.restarts), .store = XB_STORE_INT,
     .help = "random starts of PGD, the per-image best kept", .source = "Madry et al. 2018"},
    {.group = "attack", .name = "mu", .type = XB_KEY_REAL, .unit = "1", .def = 1.0, .min = 0.0,
     .max = 1e6, OFF(attack.mu), .help = "MIM's momentum decay",
     .source = "Dong et al. 2018 (mu = 1)"},
    {.group = "attack", .name = "eot", .type = XB_KEY_INT, .unit = "1", .def = 1, .min = 1,
     .max = XB_RNG_MAX_VOTE, OFF(attack.eot), .store = XB_STORE_INT,
     .help = "draws of the target's noise averaged per gradient (EOT); 1 on a noiseless "
             "target", .source = "Athalye et al. 2018"},
    {.group = "attack", .name = "noise", .type = XB_KEY_ENUM, .def = XB_NOISE_NONE,
     .choices = noise_names, OFF(attack.noise), .store = XB_STORE_INT,
     .help = "the target's inference noise: none, add or mult", .source = "paper 001"},
    {.group = "attack", .name = "sigma", .type = XB_KEY_REAL, .unit = "1", .min = 0.0,
     .max = 1e6, OFF(attack.sigma), .help = "its std (relative for mult)",
     .source = XB_SRC},
    {.group = "attack", .name = "votes", .type = XB_KEY_INT, .unit = "1", .def = 1, .min = 1,
     .max = XB_EXP_MAX_REPEATS, OFF(attack.votes), .store = XB_STORE_INT,
     .help = "the target's majority of K noisy inferences, attacked through their averaged "
             "softmax", .source = XB_SRC},
    {.group = "attack", .name = "transfer_mu", .type = XB_KEY_REAL, .unit = "1", .def = 0.9,
     .min = 0.0, .max = 1e6, OFF(attack.transfer_mu), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "DIM's and TIM's momentum decay", .source = "paper 000 (0.9)"},
    {.group = "attack", .name = "dim_p", .type = XB_KEY_REAL, .unit = "1", .def = 0.5,
     .min = 0.0, .max = 1.0, OFF(attack.dim_p), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "DIM: probability of the random resize-and-pad at a step",
     .source = "Xie et al. 2019 (0.5)"},
    {.group = "attack", .name = "dim_min", .type = XB_KEY_INT, .unit = "px", .def = 25,
     .min = 1, .max = 1023, OFF(attack.dim_min), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "DIM: smallest side of the resize (up to the image's side - 1)",
     .source = "torchattacks DIFGSM (rate 0.9 of 28)"},
    {.group = "attack", .name = "tim_kernel", .type = XB_KEY_INT, .unit = "px", .def = 7,
     .min = 1, .max = 2047, OFF(attack.tim_kernel), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "TIM: odd side of the Gaussian kernel (3 sigmas to each edge; 7: sigma 1 px)",
     .source = "Dong et al. 2019, sized for 28 x 28"},
    {.group = "attack", .name = "nattack_pop", .type = XB_KEY_INT, .unit = "1", .def = 100,
     .min = 1, .max = 1 << 20, OFF(attack.nattack_pop), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .help = "NAttack: samples per iteration",
     .source = "paper 000 (100)"},
    {.group = "attack", .name = "nattack_sigma", .type = XB_KEY_REAL, .unit = "1", .def = 0.1,
     .min = 1e-9, .max = 1e6, OFF(attack.nattack_sigma), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "NAttack: std of the search distribution (tanh space)",
     .source = "Li et al. 2019 (0.1)"},
    {.group = "attack", .name = "nattack_lr", .type = XB_KEY_REAL, .unit = "1", .def = 0.02,
     .min = 1e-9, .max = 1e6, OFF(attack.nattack_lr), .flags = XB_KEY_OMIT_DEFAULT,
     .help = "NAttack: learning rate", .source = "Li et al. 2019 (0.02)"},
    {.group = "attack", .name = "nattack_iters", .type = XB_KEY_INT, .unit = "1", .def = 50,
     .min = 1, .max = XB_RNG_MAX_STEP + 1, OFF(attack.nattack_iters), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "NAttack: iterations of nattack_pop queries (the query budget)",
     .source = "paper 000 (50)"},
    {.group = "attack", .name = "images", .type = XB_KEY_INT, .unit = "1", .def = 1000,
     .min = 0, .max = 1 << 30, OFF(attack_images), .store = XB_STORE_SIZE,
     .help = "the first N test images attacked; 0 = all", .source = "paper 000 (1,000)"},
    {.group = "attack", .name = "surrogates", .type = XB_KEY_STRING, CHARS(attack_surrogates),
     .def_text = "",
     .help = "spiking targets: the lif surrogates the attack's gradients go through in turn "
             "(rectangular, triangle, fast-sigmoid, arctan; comma-separated), the lowest "
             "accuracy reported (\"\": each layer's own)",
     .source = "issue 12"},
    {.group = "attack", .name = "vote", .type = XB_KEY_ENUM, .def = XB_VOTE_MAJORITY,
     .choices = vote_names, OFF(attack.vote), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT,
     .help = "how the target's votes combine: majority, or softmax (the arg max of their "
             "mean softmax: M-sample averaging, paper 003)", .source = "models/eval/xb_eval.h"},
    {.group = "attack", .name = "examples", .type = XB_KEY_BOOL, OFF(attack_examples),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .help = "-o also holds the adversarial images of every attack and eps (on a device, "
             "chip 0's; with surrogates, the reported one's) and their labels",
     .source = "issue 12"},
};
#define N_KEYS (sizeof keys / sizeof *keys)

const struct xb_key *xb_experiment_keys(size_t *n)
{
    *n = N_KEYS;
    return keys;
}

/* ---- the model group ---------------------------------------------------- */

static enum xb_status read_layer(struct xb_ctx *ctx, const char *path, const config_setting_t *g,
                                 int index, struct xb_layer_config *lc)
{
    char label[64];
    size_t n;
    const struct xb_key *lk = xb_layer_keys(&n);
    memset(lc, 0, sizeof *lc);
    xb_key_defaults(lk, n, lc);
    lc->line = config_setting_source_line(g);
    snprintf(label, sizeof label, "model.layers[%d]", index);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { type = ...; }", path,
                        lc->line, label);
    enum xb_status st = xb_cfgfile_group(ctx, path, g, label, lk, n, NULL, lc);
    if (st)
        return st;
    if (!lc->type[0])
        return xb_error(ctx, XB_EINVAL, "%s:%d: %s: no type", path, lc->line, label);
    if (!xb_layer_type_find(lc->type))
        return xb_error(ctx, XB_ENOTFOUND, "%s:%d: %s.type = \"%s\": unknown layer; expected "
                        "dense, conv2d, batchnorm, relu, maxpool, flatten, dropout, lstm, "
                        "noise, encode, lif, conv_lif or mfdv", path,
                        config_setting_source_line(config_setting_get_member(g, "type")), label,
                        lc->type);
    return XB_OK;
}

static enum xb_status int_field(struct xb_ctx *ctx, const char *where, const char *name,
                                const config_setting_t *s, long min, long max, int *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: expected an integer", where, name);
    long long v = config_setting_get_int64(s);
    if (v < min || v > max)
        return xb_error(ctx, XB_ERANGE, "%s: %s = %lld: expected an integer in [%ld, %ld]",
                        where, name, v, min, max);
    *out = (int)v;
    return XB_OK;
}

static enum xb_status read_model(struct xb_ctx *ctx, const char *path, const config_setting_t *g,
                                 struct xb_experiment *e)
{
    char where[4200];
    int have_input = 0, have_layers = 0;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        snprintf(where, sizeof where, "%s:%d: model", path, config_setting_source_line(s));
        enum xb_status st = XB_OK;
        if (!strcmp(name, "name") || !strcmp(name, "init")) {
            char at[4200], text[4096], origin[8600];
            const struct xb_key *k = xb_key_find(keys, N_KEYS, "model", name);
            snprintf(at, sizeof at, "%s:%d", path, config_setting_source_line(s));
            st = xb_cfgfile_value(ctx, at, "model", s, k, text, sizeof text, origin,
                                  sizeof origin);
            if (!st)
                st = xb_key_set(ctx, k, e, text, origin);
        } else if (!strcmp(name, "input")) {
            if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 3)
                return xb_error(ctx, XB_EFORMAT, "%s: input: expected [channels, height, width]",
                                where);
            int *dims[3] = {&e->model.input.c, &e->model.input.h, &e->model.input.w};
            for (int d = 0; d < 3 && !st; d++)
                st = int_field(ctx, where, "input", config_setting_get_elem(s, (unsigned)d), 1,
                               4096, dims[d]);
            have_input = 1;
        } else if (!strcmp(name, "classes")) {
            st = int_field(ctx, where, name, s, 2, 256, &e->model.classes);
        } else if (!strcmp(name, "layers")) {
            if (config_setting_type(s) != CONFIG_TYPE_LIST)
                return xb_error(ctx, XB_EFORMAT, "%s: layers: expected a list ( {...}, ... )",
                                where);
            int n = config_setting_length(s);
            if (n == 0 || n > XB_NET_MAX_LAYERS)
                return xb_error(ctx, XB_ERANGE, "%s: layers: expected 1 to %d layers", where,
                                XB_NET_MAX_LAYERS);
            for (int k = 0; k < n && !st; k++)
                st = read_layer(ctx, path, config_setting_get_elem(s, (unsigned)k), k,
                                &e->model.layers[k]);
            e->model.n_layers = (size_t)n;
            have_layers = 1;
        } else {
            return xb_error(ctx, XB_ENOTFOUND, "%s: %s: unknown key; expected name, input, "
                            "classes, init or layers", where, name);
        }
        if (st)
            return st;
    }
    if (!have_input || !have_layers || e->model.classes == 0)
        return xb_error(ctx, XB_EINVAL, "%s:%d: model: needs input, classes and layers", path,
                        config_setting_source_line(g));
    return XB_OK;
}

/* ---- the file ----------------------------------------------------------- */

static void defaults(struct xb_experiment *e)
{
    memset(e, 0, sizeof *e);
    xb_train_params_default(&e->train);
    xb_attack_params_default(&e->attack);
    xb_attack_params_default(&e->adv);
    xb_key_defaults(keys, N_KEYS, e);
}

static enum xb_status read_file(struct xb_ctx *ctx, const char *path, struct xb_experiment *e,
                                struct xb_settings *dev)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xb_error(ctx, XB_EIO, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    config_t cf;
    config_init(&cf);
    /* @include paths are relative to the including file's folder. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    config_set_include_dir(&cf, dir);
    enum xb_status st = xb_config_check_includes(ctx, path, dir);
    if (st)
        goto done;
    if (!config_read_file(&cf, path)) {
        const char *file = config_error_file(&cf) ? config_error_file(&cf) : path;
        st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s", file, config_error_line(&cf),
                      config_error_text(&cf));
        goto done;
    }
    if ((st = xb_cfgint_check(ctx, path, dir)) != XB_OK)
        goto done;
    const config_setting_t *root = config_root_setting(&cf);
    int have_model = 0;
    for (int i = 0; i < config_setting_length(root) && !st; i++) {
        const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *group = config_setting_name(g);
        int line = config_setting_source_line(g);
        const char *file = config_setting_source_file(g) ? config_setting_source_file(g) : path;
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { ... }", file, line, group);
        } else if (!strcmp(group, "model")) {
            st = read_model(ctx, file, g, e);
            have_model = 1;
        } else if (!strcmp(group, "device") || !strcmp(group, "xbar")) {
            /* The device config's own reader: same keys, types and origins. */
            st = xb_config_read_group(ctx, file, g, dev);
            e->have_device = 1;
        } else if (!strcmp(group, "energy")) {
            st = xb_config_read_group(ctx, file, g, dev); /* prices: no device mode */
        } else if (!strcmp(group, "data") || !strcmp(group, "train") || !strcmp(group, "sweep") ||
                   !strcmp(group, "attack")) {
            st = xb_cfgfile_group(ctx, file, g, group, keys, N_KEYS, group, e);
            e->have_attack |= !strcmp(group, "attack");
        } else if (!strcmp(group, "study")) {
            st = xb_axes_read(ctx, file, g, &e->study);
        } else {
            st = xb_error(ctx, XB_ENOTFOUND, "%s:%d: %s: unknown group; expected data, model, "
                          "train, sweep, attack, study, device, xbar and energy", file, line,
                          group);
        }
    }
    if (!st && !have_model)
        st = xb_error(ctx, XB_EINVAL, "%s: no model = { ... } group", path);
done:
    config_destroy(&cf);
    return st;
}

/* The next name of a comma-separated list (strtok_r over s, then NULL),
 * blanks around it removed; NULL after the last. */
static char *list_next(char *s, char **save)
{
    char *tok = strtok_r(s, ",", save);
    if (!tok)
        return NULL;
    while (*tok == ' ')
        tok++;
    for (char *end = tok + strlen(tok); end > tok && end[-1] == ' ';)
        *--end = '\0';
    return tok;
}

enum xb_status xb_experiment_attack_types(struct xb_ctx *ctx, const struct xb_experiment *e,
                                          const struct xb_attack_type **types, size_t max,
                                          size_t *n)
{
    char names[sizeof e->attack_names], list[256] = "";
    snprintf(names, sizeof names, "%s", e->attack_names);
    for (size_t k = 0; xb_attack_type_at(k); k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                 xb_attack_type_at(k)->name);
    *n = 0;
    char *save = NULL;
    for (char *tok = list_next(names, &save); tok; tok = list_next(NULL, &save)) {
        const struct xb_attack_type *t = xb_attack_type_find(tok);
        if (!t)
            return xb_error(ctx, XB_ENOTFOUND, "%s: attack.attacks = \"%s\": unknown attack "
                            "\"%s\"; expected a comma-separated list of %s", e->path,
                            e->attack_names, tok, list);
        for (size_t j = 0; j < *n; j++)
            if (types[j] == t)
                return xb_error(ctx, XB_EINVAL, "%s: attack.attacks = \"%s\": %s twice",
                                e->path, e->attack_names, tok);
        if (*n == max)
            return xb_error(ctx, XB_ERANGE, "%s: attack.attacks = \"%s\": at most %zu",
                            e->path, e->attack_names, max);
        types[(*n)++] = t;
    }
    if (*n == 0)
        return xb_error(ctx, XB_EINVAL, "%s: attack.attacks is empty; expected a comma-"
                        "separated list of %s", e->path, list);
    return XB_OK;
}

enum xb_status xb_experiment_attack_surrogates(struct xb_ctx *ctx, const struct xb_experiment *e,
                                               int *kinds, size_t max, size_t *n)
{
    char names[sizeof e->attack_surrogates], list[128] = "";
    snprintf(names, sizeof names, "%s", e->attack_surrogates);
    for (size_t k = 0; xb_surrogate_names[k]; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                 xb_surrogate_names[k]);
    *n = 0;
    char *save = NULL;
    for (char *tok = list_next(names, &save); tok; tok = list_next(NULL, &save)) {
        int kind = -1;
        for (int k = 0; xb_surrogate_names[k]; k++)
            if (!strcmp(xb_surrogate_names[k], tok))
                kind = k;
        if (kind < 0)
            return xb_error(ctx, XB_ENOTFOUND, "%s: attack.surrogates = \"%s\": unknown "
                            "surrogate \"%s\"; expected a comma-separated list of %s", e->path,
                            e->attack_surrogates, tok, list);
        for (size_t j = 0; j < *n; j++)
            if (kinds[j] == kind)
                return xb_error(ctx, XB_EINVAL, "%s: attack.surrogates = \"%s\": %s twice",
                                e->path, e->attack_surrogates, tok);
        if (*n == max)
            return xb_error(ctx, XB_ERANGE, "%s: attack.surrogates = \"%s\": at most %zu",
                            e->path, e->attack_surrogates, max);
        kinds[(*n)++] = kind;
    }
    return XB_OK;
}

/* The train.* keys only some algorithms read (issue 8: no option is
 * ignored): set away from its default with another algorithm, a key is a
 * usage error rather than a silent no-op. */
#define ALG(a) (1u << (a))
#define LR_ALGS (ALG(XB_TRAIN_NIT) | ALG(XB_TRAIN_NIT_S) | ALG(XB_TRAIN_NIT_S_PLUS))
static const struct {
    const char *name;
    unsigned algorithms;
    const char *readers;
} algorithm_keys[] = {
    {"copies", LR_ALGS, "nit, nit-s and nit-s+"},
    {"baseline", LR_ALGS, "nit, nit-s and nit-s+"},
    {"sigma_min", LR_ALGS, "nit, nit-s and nit-s+"},
    {"sigma_max", LR_ALGS, "nit, nit-s and nit-s+"},
    {"switch_epoch", ALG(XB_TRAIN_NIT_S_PLUS), "nit-s+"},
    {"sign_zero", ALG(XB_TRAIN_NIT_S) | ALG(XB_TRAIN_NIT_S_PLUS), "nit-s and nit-s+"},
    {"sign_spikes", ALG(XB_TRAIN_NIT_S) | ALG(XB_TRAIN_NIT_S_PLUS), "nit-s and nit-s+"},
    {"periods", ALG(XB_TRAIN_HIRE), "hire"},
    {"noise_step", ALG(XB_TRAIN_HIRE), "hire"},
    {"noise_bound", ALG(XB_TRAIN_HIRE), "hire"},
    {"adv_attack", ALG(XB_TRAIN_ADVERSARIAL), "adversarial"},
    {"adv_eps", ALG(XB_TRAIN_ADVERSARIAL), "adversarial"},
    {"adv_step", ALG(XB_TRAIN_ADVERSARIAL), "adversarial"},
    {"adv_steps", ALG(XB_TRAIN_ADVERSARIAL), "adversarial"},
};

static enum xb_status check_algorithm_keys(struct xb_ctx *ctx, const struct xb_experiment *e,
                                           enum xb_train_algorithm alg)
{
    for (size_t i = 0; i < sizeof algorithm_keys / sizeof algorithm_keys[0]; i++) {
        const struct xb_key *k = xb_key_find(keys, sizeof keys / sizeof keys[0], "train",
                                             algorithm_keys[i].name);
        if (!(algorithm_keys[i].algorithms & ALG(alg)) && !xb_key_at_default(k, e)) {
            char v[128];
            xb_key_get(k, e, v, sizeof v);
            return xb_error(ctx, XB_EINVAL, "%s: train.%s = %s is read by train.algorithm = %s "
                            "only, not by \"%s\"", e->path, k->name, v,
                            algorithm_keys[i].readers, xb_train_algorithm_names[alg]);
        }
    }
    return XB_OK;
}

static enum xb_status validate(struct xb_ctx *ctx, const struct xb_experiment *e)
{
    if (e->have_attack) {
        const struct xb_attack_type *types[XB_EXP_MAX_ATTACKS];
        size_t n;
        enum xb_status st = xb_experiment_attack_types(ctx, e, types, XB_EXP_MAX_ATTACKS, &n);
        int surrogates[XB_EXP_MAX_SURROGATES];
        if (!st)
            st = xb_experiment_attack_surrogates(ctx, e, surrogates, XB_EXP_MAX_SURROGATES, &n);
        if (st)
            return st;
        if ((size_t)e->attack.votes > e->eval_rows || (size_t)e->attack.eot > e->eval_rows)
            return xb_error(ctx, XB_ERANGE, "%s: sweep.eval_rows = %zu: must hold at least "
                            "attack.votes (%d) and attack.eot (%d) rows", e->path, e->eval_rows,
                            e->attack.votes, e->attack.eot);
    }
    if (!xb_dataset_known(e->dataset))
        return xb_error(ctx, XB_ENOTFOUND, "%s: data.set = \"%s\": unknown data set; expected "
                        "%s", e->path, e->dataset, xb_dataset_names());
    if (e->n_split != 0 && e->n_split != 3)
        return xb_error(ctx, XB_EINVAL, "%s: data.split has %zu numbers: expected 3 (train, "
                        "validation, test fractions)", e->path, e->n_split);
    if (e->n_split == 3 && (!(fabs(e->split[0] + e->split[1] + e->split[2] - 1.0) <= 1e-9) ||
                            !(e->split[0] > 0.0) || !(e->split[2] > 0.0)))
        return xb_error(ctx, XB_ERANGE, "%s: data.split = [%g, %g, %g]: expected train, "
                        "validation and test fractions summing to 1, train and test > 0", e->path, e->split[0], e->split[1],
                        e->split[2]);
    if (e->data_features == 3)
        return xb_error(ctx, XB_ERANGE, "%s: data.features = 3: expected 2 (dx, dy) or 4 (dx, "
                        "dy, eos, eod)", e->path);
    if ((size_t)e->votes > e->eval_rows || (size_t)e->repeats > e->eval_rows)
        return xb_error(ctx, XB_ERANGE, "%s: sweep.eval_rows = %zu: must hold at least votes "
                        "(%d) and repeats (%d) rows", e->path, e->eval_rows, e->votes, e->repeats);
    if (e->train.batch > e->eval_rows)
        return xb_error(ctx, XB_ERANGE, "%s: train.batch = %zu exceeds sweep.eval_rows = %zu",
                        e->path, e->train.batch, e->eval_rows);
    if (!e->output[0])
        return xb_error(ctx, XB_EINVAL, "%s: sweep.output is empty", e->path);
    if (e->test_device && !e->have_device)
        return xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\" needs a device = { ... } "
                        "group (and optionally xbar = { ... })", e->path);
    if (e->test_device && e->n_t == 0)
        return xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\" needs sweep.t, the read "
                        "times [s], e.g. t = [1.0, 3600.0]", e->path);
    const enum xb_train_algorithm alg = xb_train_algorithm_of(&e->train);
    if (e->train.hw_aware && alg != XB_TRAIN_HW_AWARE)
        return xb_error(ctx, XB_EINVAL, "%s: train.hw_aware = true with train.algorithm = "
                        "\"%s\": hw_aware is the hw-aware algorithm", e->path,
                        xb_train_algorithm_names[alg]);
    enum xb_status ast = check_algorithm_keys(ctx, e, alg);
    if (ast)
        return ast;
    if (e->train.lr_decay == 1.0 && e->train.lr_decay_every != 1)
        return xb_error(ctx, XB_EINVAL, "%s: train.lr_decay_every = %d with train.lr_decay = 1 "
                        "(a constant step): set lr_decay < 1, or drop lr_decay_every", e->path,
                        e->train.lr_decay_every);
    if (xb_train_rows(&e->train) > XB_EXP_MAX_TRAIN_ROWS)
        return xb_error(ctx, XB_ERANGE, "%s: train.copies x train.batch = %zu rows: at most %d",
                        e->path, xb_train_rows(&e->train), XB_EXP_MAX_TRAIN_ROWS);
    if (alg >= XB_TRAIN_NIT && alg <= XB_TRAIN_NIT_S_PLUS) {
        if (e->noise != XB_NOISE_ADD)
            return xb_error(ctx, XB_EINVAL, "%s: train.algorithm = \"%s\" needs sweep.noise = "
                            "\"add\": the estimator is the score of additive Gaussian noise",
                            e->path, xb_train_algorithm_names[alg]);
        for (size_t i = 0; i < e->n_train; i++)
            if (!(e->sigma_train[i] > 0.0))
                return xb_error(ctx, XB_ERANGE, "%s: train.algorithm = \"%s\" needs every "
                                "sweep.sigma_train > 0 (it scales the learned stds), not %g",
                                e->path, xb_train_algorithm_names[alg], e->sigma_train[i]);
        if (!(e->train.lr.sigma_min <= e->train.lr.sigma_max))
            return xb_error(ctx, XB_ERANGE, "%s: train.sigma_min = %g exceeds train.sigma_max "
                            "= %g", e->path, e->train.lr.sigma_min, e->train.lr.sigma_max);
        if (e->train.lr.baseline && e->train.lr.copies < 2)
            return xb_error(ctx, XB_EINVAL, "%s: train.baseline = true needs train.copies >= 2",
                            e->path);
    }
    if (e->train.hw_aware && !e->have_device)
        return xb_error(ctx, XB_EINVAL, "%s: train.hw_aware = true needs a device = { ... } "
                        "group", e->path);
    if (alg == XB_TRAIN_ADVERSARIAL && !xb_attack_type_find(e->adv_attack))
        return xb_error(ctx, XB_ENOTFOUND, "%s: train.adv_attack = \"%s\": unknown attack "
                        "kind; expected one of attack.attacks' kinds (e.g. pgd)", e->path,
                        e->adv_attack);
    return xb_optim_params_validate(ctx, &e->train.optim);
}

/* One assignment: --set's text, or a study axis's value with its file:line. */
struct assign {
    const char *text;  /* "group.key=value" */
    const char *where; /* NULL: "--set TEXT" */
};

static enum xb_status read_exp(struct xb_ctx *ctx, const char *path, const struct assign *sets,
                               size_t n_sets, int check_points, struct xb_experiment *e);

enum xb_status xb_experiment_read(struct xb_ctx *ctx, const char *path, const char *const *sets,
                                  size_t n_sets, struct xb_experiment *e)
{
    struct assign *as = xb_malloc(n_sets ? n_sets : 1, sizeof *as);
    for (size_t i = 0; i < n_sets; i++)
        as[i] = (struct assign){sets[i], NULL};
    enum xb_status st = read_exp(ctx, path, as, n_sets, 1, e);
    xb_free(as);
    return st;
}

/* The file's assignments, then each axis's value at point. */
static enum xb_status read_at(struct xb_ctx *ctx, const char *path, const char *const *sets,
                              size_t n_sets, const struct xb_axes *axes, size_t point,
                              struct xb_experiment *e)
{
    size_t idx[XB_AXES_MAX];
    char text[XB_AXES_MAX][128], where[XB_AXES_MAX][4400];
    struct assign *as = xb_malloc(n_sets + XB_AXES_MAX, sizeof *as);
    for (size_t i = 0; i < n_sets; i++)
        as[i] = (struct assign){sets[i], NULL};
    xb_axes_coords(axes, point, idx);
    for (size_t k = 0; k < axes->n; k++) {
        const struct xb_axis *ax = &axes->axis[k];
        snprintf(text[k], sizeof text[k], "%s=%s", ax->key, ax->value[idx[k]]);
        snprintf(where[k], sizeof where[k], "%s:%d: study axis %s, value %s", path, ax->line,
                 ax->key, ax->value[idx[k]]);
        as[n_sets + k] = (struct assign){text[k], where[k]};
    }
    enum xb_status st = read_exp(ctx, path, as, n_sets + axes->n, 0, e);
    xb_free(as);
    return st;
}

/* e, read without its axes, at point of its study. */
static enum xb_status at_point(struct xb_ctx *ctx, const char *path, const char *const *sets,
                               size_t n_sets, size_t point, struct xb_experiment *e)
{
    if (point >= xb_axes_points(&e->study))
        return xb_error(ctx, XB_ERANGE, "%s: study point %zu: the study has %zu points", path,
                        point, xb_axes_points(&e->study));
    struct xb_axes axes = e->study;
    return read_at(ctx, path, sets, n_sets, &axes, point, e);
}

enum xb_status xb_experiment_read_point(struct xb_ctx *ctx, const char *path,
                                        const char *const *sets, size_t n_sets, size_t point,
                                        struct xb_experiment *e)
{
    enum xb_status st = xb_experiment_read(ctx, path, sets, n_sets, e);
    return st ? st : at_point(ctx, path, sets, n_sets, point, e);
}

enum xb_status xb_experiment_read_at(struct xb_ctx *ctx, const char *path,
                                     const char *const *sets, size_t n_sets, size_t point,
                                     struct xb_experiment *e)
{
    struct assign *as = xb_malloc(n_sets ? n_sets : 1, sizeof *as);
    for (size_t i = 0; i < n_sets; i++)
        as[i] = (struct assign){sets[i], NULL};
    enum xb_status st = read_exp(ctx, path, as, n_sets, 0, e);
    xb_free(as);
    return st ? st : at_point(ctx, path, sets, n_sets, point, e);
}

/* Every point of the study reads as an experiment (each value in range,
 * no combination that check_used refuses), and no axis also lists values
 * in the sweep group, which the axis would silently override. */
static enum xb_status check_study(struct xb_ctx *ctx, const char *path, const struct assign *sets,
                                  size_t n_sets, const struct xb_experiment *e)
{
    const struct { const char *key; size_t n; } lists[] = {
        {"sweep.sigma_train", e->n_train}, {"sweep.sigma_test", e->n_test}, {"sweep.t", e->n_t}};
    for (size_t k = 0; k < e->study.n; k++)
        for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
            if (!strcmp(e->study.axis[k].key, lists[i].key) && lists[i].n > 1)
                return xb_error(ctx, XB_EINVAL, "%s:%d: study axis %s: %s also lists %zu values; "
                                "give them in one place", path, e->study.axis[k].line,
                                lists[i].key, lists[i].key, lists[i].n);
    const char **plain = xb_malloc(n_sets ? n_sets : 1, sizeof *plain);
    for (size_t i = 0; i < n_sets; i++)
        plain[i] = sets[i].text;
    struct xb_experiment *p = xb_malloc(1, sizeof *p);
    enum xb_status st = XB_OK;
    for (size_t pt = 0; pt < xb_axes_points(&e->study) && !st; pt++)
        st = read_at(ctx, path, plain, n_sets, &e->study, pt, p);
    xb_free(p);
    xb_free(plain);
    return st;
}

static enum xb_status read_exp(struct xb_ctx *ctx, const char *path, const struct assign *sets,
                               size_t n_sets, int check_points, struct xb_experiment *e)
{
    struct xb_settings dev = {0};
    defaults(e);
    snprintf(e->path, sizeof e->path, "%s", path);
    enum xb_status st = read_file(ctx, path, e, &dev);
    for (size_t i = 0; i < n_sets && !st; i++) {
        char key[256], where[4400];
        const char *eq = strchr(sets[i].text, '=');
        if (sets[i].where)
            snprintf(where, sizeof where, "%s", sets[i].where);
        else
            snprintf(where, sizeof where, "--set %s", sets[i].text);
        const char *text = sets[i].text;
        if (!eq || eq == text || (size_t)(eq - text) >= sizeof key) {
            st = xb_error(ctx, XB_EINVAL, "%s: expected group.key=value", where);
            break;
        }
        memcpy(key, text, (size_t)(eq - text));
        key[eq - text] = '\0';
        if (!strncmp(key, "device.", 7) || !strncmp(key, "xbar.", 5)) {
            /* Checked with the file's device keys by xb_config_resolve. */
            st = xb_settings_add_assignment(ctx, &dev, text, where);
            e->have_device = 1;
            continue;
        }
        if (!strncmp(key, "energy.", 7)) {
            st = xb_settings_add_assignment(ctx, &dev, text, where);
            continue;
        }
        char *dot = strchr(key, '.');
        const struct xb_key *k = NULL;
        if (dot) {
            *dot = '\0';
            k = xb_key_find(keys, N_KEYS, key, dot + 1);
        }
        if (!k) {
            st = xb_error(ctx, XB_ENOTFOUND, "%s: unknown key; expected data.*, train.*, "
                          "sweep.*, attack.*, device.*, xbar.* or energy.* (see xbar sweep "
                          "--help)",
                          where);
            break;
        }
        e->have_attack |= !strcmp(k->group, "attack");
        /* The origin names the key and value as a file's does. */
        const char *q = k->type == XB_KEY_STRING || k->type == XB_KEY_ENUM ? "\"" : "";
        char origin[8800];
        snprintf(origin, sizeof origin, "%s: %s.%s = %s%s%s", where, k->group, k->name, q,
                 eq + 1, q);
        st = xb_key_set(ctx, k, e, eq + 1, origin);
    }
    if (!st && e->have_device) {
        xb_config_default(&e->device);
        st = xb_config_resolve(ctx, &dev, &e->device);
        /* The file's own text repeats sweep.portable in its xbar group; a
         * user's xbar.portable that disagrees would be ignored: refuse it. */
        for (size_t i = dev.n; i-- > 0 && !st;)
            if (!strcmp(dev.v[i].key, "xbar.portable") || !strcmp(dev.v[i].key, "portable")) {
                if ((e->device.xbar.gemm == XB_GEMM_PORTABLE) != e->portable)
                    st = xb_error(ctx, XB_EINVAL, "%s: xbar.portable = %s but sweep.portable = "
                                  "%s: in an experiment sweep.portable chooses the products "
                                  "of training and evaluation alike", dev.v[i].origin,
                                  e->portable ? "false" : "true",
                                  e->portable ? "true" : "false");
                break;
            }
        e->device.xbar.gemm = e->portable ? XB_GEMM_PORTABLE : XB_GEMM_NATIVE;
    } else if (!st) {
        /* No device: the engine's defaults, and the prices the energy
         * group set (xb_config.h). */
        xb_config_default(&e->device);
        st = xb_config_resolve(ctx, &dev, &e->device);
        e->device.xbar.gemm = e->portable ? XB_GEMM_PORTABLE : XB_GEMM_NATIVE;
    }
    e->model.gemm = e->portable ? XB_GEMM_PORTABLE : XB_GEMM_NATIVE;
    /* Every weighted layer's initialisation resolved, so the stored text
     * names it (models/layers/xb_init.h). */
    for (size_t k = 0; k < e->model.n_layers; k++)
        e->model.layers[k].init = xb_layer_config_init(&e->model.layers[k], e->model_init);
    /* The table's hw-aware entry and the older flag are one setting: the
     * device checks and the result layout read the flag. */
    if (e->train.algorithm == XB_TRAIN_HW_AWARE)
        e->train.hw_aware = 1;
    if (!st && e->train.hw_aware) {
        xb_config_xbar_params(&e->device, &e->train.device);
        e->train.device.instance = 0;
        e->train.device_t = e->device.t;
    }
    xb_settings_free(&dev);
    if (!st)
        st = validate(ctx, e);
    if (!st && check_points && e->study.n)
        st = check_study(ctx, path, sets, n_sets, e);
    return st;
}

/* ---- the resolved text --------------------------------------------------- */

char *xb_experiment_text(const struct xb_experiment *e)
{
    size_t size = 65536, len = 0, n_layer_keys;
    char *t = xb_malloc(size, 1);
    const struct xb_key *lk = xb_layer_keys(&n_layer_keys);
#define PUT(...) len += (size_t)snprintf(t + len, size > len ? size - len : 0, __VA_ARGS__)
    /* Reals with 17 digits, and keys at their defaults left out where the
     * rows say so, so that a noise sweep's text (compared on --resume) is
     * what it was before device sweeps existed. */
    PUT("data = {");
    xb_cfgfile_write(keys, N_KEYS, "data", e, 0, 1, t, size, &len);
    char *name = xb_cfgfile_string(e->model_name);
    PUT(" };\nmodel = {\n  name = \"%s\";\n  input = [%d, %d, %d];\n  classes = %d;\n", name,
        e->model.input.c, e->model.input.h, e->model.input.w, e->model.classes);
    if (e->model_init != XB_INIT_AUTO) /* the layers name their resolved init too */
        PUT("  init = \"%s\";\n", xb_init_name(e->model_init));
    PUT("  layers = (\n");
    xb_free(name);
    for (size_t k = 0; k < e->model.n_layers; k++) {
        /* A field only in the layers whose kind uses it: a row without
         * XB_KEY_OMIT_DEFAULT (always written) stays out of the others. */
        const struct xb_layer_config *lc = &e->model.layers[k];
        PUT("    {");
        for (size_t i = 0; i < n_layer_keys; i++)
            if (xb_layer_key_used(&lk[i], lc->type))
                xb_cfgfile_write(&lk[i], 1, NULL, lc, 0, 1, t, size, &len);
        PUT(" }%s\n", k + 1 < e->model.n_layers ? "," : "");
    }
    PUT("  );\n};\ntrain = {");
    xb_cfgfile_write(keys, N_KEYS, "train", e, 0, 1, t, size, &len);
    PUT(" };\nsweep = {\n");
    xb_cfgfile_write(keys, N_KEYS, "sweep", e, 1, 1, t, size, &len);
    PUT("};\n");
    if (e->have_attack) {
        PUT("attack = {\n");
        xb_cfgfile_write(keys, N_KEYS, "attack", e, 1, 1, t, size, &len);
        PUT("};\n");
    }
    if (e->have_device) {
        char *dev = xb_config_text(&e->device);
        PUT("%s", dev);
        xb_free(dev);
    } else {
        len = xb_config_energy_text(&e->device, t, size, len);
    }
    xb_axes_write(&e->study, t, size, &len);
#undef PUT
    XB_ASSERT(len < size);
    return t;
}
