#include "xb_layout.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"

#define S XB_LAYOUT_SWEEP
#define M XB_LAYOUT_MVM
#define R XB_LAYOUT_SNRREQ
#define A XB_LAYOUT_ATTACK
#define E XB_LAYOUT_EVAL

/* Rows with "when" are written only then; the others are in every file of
 * their kinds. Descriptions are what the attribute says, so they hold for
 * every mode the row is written in. */
static const struct xb_layout_row rows[XB_DS_N] = {
    [XB_DS_DATA_FILES] = {XB_DS_DATA_FILES, S | M | R | A | E, "/data_files", XB_FORM_FILES, 0, 1,
        "[n_files]", "path, bytes, hex",  NULL,
        "every data file the run read: its path as given, its size and the SHA-256 of its "
        "bytes on disk (sha256sum), sorted by path", NULL},

    /* ---- sweep results (xbar sweep, run, train; the checkpoint of --resume) ---- */
    [XB_DS_CONFIG] = {XB_DS_CONFIG, S | A | E, "/config", XB_FORM_TEXT, 0, 0, "", "", NULL,
        "the resolved experiment configuration (libconfig syntax)", NULL},
    [XB_DS_SWEEP] = {XB_DS_SWEEP, S, "/sweep", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_SIGMA_TRAIN] = {XB_DS_SIGMA_TRAIN, S, "/sweep/sigma_train", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[n_train]", "1", "activation units",
        "noise std injected in training, one model each", NULL},
    [XB_DS_SIGMA_TEST] = {XB_DS_SIGMA_TEST, S, "/sweep/sigma_test", XB_FORM_ARRAY, XB_H5_F64,
        1, "[n_test]", "1", "activation units", "noise std of inference",
        "test_axis \"sigma_test\" (noise mode)"},
    [XB_DS_T_TEST] = {XB_DS_T_TEST, S, "/sweep/t_test", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_test]", "s", NULL,
        "read time after programming of each test point (device mode: the test axis)",
        "test_axis \"t\" (device mode)"},
    [XB_DS_SNR_DB] = {XB_DS_SNR_DB, S, "/sweep/snr_db", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_test]", "dB", NULL,
        "SNR of each test point: mult -20 log10 sigma_test (paper 001 s. 2); add 10 "
        "log10(P / sigma_test^2), P the mean square of the noise layers' inputs of the "
        "sigma_train[0] model without noise on the first eval_rows test samples (NaN until "
        "that model is trained); device mode, the sigma_train[0] model's snr_db_measured "
        "at each t (NaN until done)", NULL},
    [XB_DS_SNR_MEASURED] = {XB_DS_SNR_MEASURED, S, "/sweep/snr_db_measured", XB_FORM_ARRAY,
        XB_H5_F64, 2, "[n_train x n_test]", "dB", NULL,
        "measured SNR of the chip at each point: the outputs of every analog layer (device "
        "mode: weighted layers on the crossbars; noise mode: the noise layers) against the "
        "same layers' ideal outputs for the same inputs, signal energy over error energy "
        "pooled over all layers and over the first pass of each evaluation (every chip "
        "instance); models/eval/xb_snr.h; +inf without error, NaN where not done", NULL},
    [XB_DS_SNR_LAYERS] = {XB_DS_SNR_LAYERS, S, "/sweep/snr_layers", XB_FORM_ARRAY, XB_H5_I32,
        1, "[n_analog]", "1", NULL,
        "position in the model's layer list (from 0, as /config lists them) of each analog "
        "layer of layer_snr_db", "the model has an analog layer"},
    [XB_DS_LAYER_SNR_DB] = {XB_DS_LAYER_SNR_DB, S, "/sweep/layer_snr_db", XB_FORM_ARRAY,
        XB_H5_F64, 3, "[n_train x n_test x n_analog]", "dB", NULL,
        "measured SNR of each analog layer (snr_layers) at each point: its outputs against "
        "its ideal outputs for the same inputs, 10 log10(sum ideal^2 / sum error^2); +inf "
        "without error, NaN where not done", "the model has an analog layer"},
    [XB_DS_SNR_TILE_LAYERS] = {XB_DS_SNR_TILE_LAYERS, S, "/sweep/snr_tile_layers",
        XB_FORM_ARRAY, XB_H5_I32, 1, "[n_tiles]", "1", NULL,
        "position in the model's layer list of each tile of tile_snr_db: the tiles of every "
        "dense layer on the chip, in layer order, within a layer in the engine's order "
        "(output tile x input tiles + input tile)", "device mode, a dense layer, no tile-size study axis"},
    [XB_DS_TILE_SNR_DB] = {XB_DS_TILE_SNR_DB, S, "/sweep/tile_snr_db", XB_FORM_ARRAY,
        XB_H5_F64, 3, "[n_train x n_test x n_tiles]", "dB", NULL,
        "measured SNR at each tile's ADC output (snr_tile_layers) at each point: the converted "
        "tile output x drift compensation against the tile's exact weights x exact inputs "
        "(xb_xbar_tile_energy), over the first pass of every chip instance; NaN where not "
        "done", "device mode, a dense layer, no tile-size study axis"},
    [XB_DS_SPIKE_LAYERS] = {XB_DS_SPIKE_LAYERS, S, "/sweep/spike_layers", XB_FORM_ARRAY,
        XB_H5_I32, 1, "[n_spiking]", "1", NULL,
        "position in the model's layer list of each spiking (lif, conv_lif) layer of "
        "spike_activity", "a spiking model"},
    [XB_DS_SPIKE_ACTIVITY] = {XB_DS_SPIKE_ACTIVITY, S, "/sweep/spike_activity", XB_FORM_ARRAY,
        XB_H5_F64, 4, "[n_train x n_test x n_spiking x 5]", "1", NULL,
        "each spiking layer's activity over every inference of each point's evaluation "
        "(models/eval/xb_activity.h), 5 figures: spikes per neuron per step (paper 002's "
        "time-averaged spiking activity); the fraction of its input rows a spike drives per "
        "step (1 for analog inputs); and per inference its accumulate-only operations, its "
        "multiply-accumulates (analog inputs) and the multiply-accumulates of the same layer "
        "in an ANN; NaN where not done", "a spiking model"},
    [XB_DS_SPIKE_ENERGY] = {XB_DS_SPIKE_ENERGY, S, "/sweep/spike_energy", XB_FORM_ARRAY,
        XB_H5_F64, 3, "[n_train x n_test x 3]", "J", NULL,
        "energy per inference (one vote) of each point's measured spiking activity: on the "
        "crossbars (energy, with each spiking layer's reads driving only its spiking rows, "
        "1-bit DAC pulses); paper 002 eqs. 7-8's digital SNN (energy.ac_energy per "
        "accumulate, energy.mac_energy per multiply-accumulate); the same net as a digital "
        "ANN; NaN where not done", "a spiking model"},
    [XB_DS_VOTES] = {XB_DS_VOTES, S, "/sweep/votes", XB_FORM_ARRAY, XB_H5_I32, 1,
        "[n_votes]", "1", NULL, "number of votes K of each column of accuracy_vote", NULL},
    [XB_DS_ACCURACY] = {XB_DS_ACCURACY, S, "/sweep/accuracy", XB_FORM_ARRAY, XB_H5_F64, 3,
        "[n_train x n_test x n_repeat]", "1", NULL,
        "test accuracy without voting [sigma_train, test point, r]: noise mode, the r-th "
        "single noisy inference at sigma_test; device mode, one read of chip instance r at "
        "t_test; NaN where not done", NULL},
    [XB_DS_ACCURACY_VOTE] = {XB_DS_ACCURACY_VOTE, S, "/sweep/accuracy_vote", XB_FORM_ARRAY,
        XB_H5_F64, 3, "[n_train x n_test x n_votes]", "1", NULL,
        "test accuracy of the majority of the first K noisy inferences [sigma_train, test "
        "point, K-1] (device mode: the mean over chip instances of the majority of their "
        "first K reads); ties go to the class an earlier vote chose; NaN where not done",
        NULL},
    [XB_DS_DONE] = {XB_DS_DONE, S, "/sweep/done", XB_FORM_ARRAY, XB_H5_U8, 2,
        "[n_train x n_test]", "1", NULL, "1 where the point is complete (--resume skips it)",
        NULL},
    [XB_DS_MODELS] = {XB_DS_MODELS, S, "/models", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_MODEL] = {XB_DS_MODEL, S, "/models/{point}", XB_FORM_GROUP, 0, -1, "", NULL, NULL,
        NULL, NULL},
    [XB_DS_EPOCHS_DONE] = {XB_DS_EPOCHS_DONE, S, "/models/{point}/epochs_done", XB_FORM_ARRAY,
        XB_H5_I32, 1, "[1]", "1", NULL,
        "epochs trained of the model of sigma_train[point] (the attribute sigma_train of "
        "its group)", NULL},
    [XB_DS_STEPS] = {XB_DS_STEPS, S, "/models/{point}/steps", XB_FORM_ARRAY, XB_H5_U64, 1,
        "[1]", "1", NULL, "optimiser steps taken", "epochs_done > 0"},
    [XB_DS_PARAMS] = {XB_DS_PARAMS, S, "/models/{point}/params", XB_FORM_ARRAY, XB_H5_F32, 1,
        "[n_params]", "1", NULL,
        "all parameters of the model, flat, in layer order (the layout: sim/README.md, "
        "model parameters; the layers: /config)", "epochs_done > 0"},
    [XB_DS_OPTIMIZER_M] = {XB_DS_OPTIMIZER_M, S, "/models/{point}/optimizer_m", XB_FORM_ARRAY,
        XB_H5_F32, 1, "[n_params]", "1", NULL,
        "optimiser first moment (momentum), for resuming", "epochs_done > 0"},
    [XB_DS_OPTIMIZER_V] = {XB_DS_OPTIMIZER_V, S, "/models/{point}/optimizer_v", XB_FORM_ARRAY,
        XB_H5_F32, 1, "[n_params]", "1", NULL, "Adam second moment, for resuming",
        "epochs_done > 0 and train.optimizer = \"adam\""},
    [XB_DS_TRAIN_CARRY] = {XB_DS_TRAIN_CARRY, S, "/models/{point}/train_carry", XB_FORM_ARRAY,
        XB_H5_F32, 1, "[n_carry]", "1", NULL,
        "the training algorithm's state carried between epochs, for resuming (hire: the "
        "crafted input noise kappa, train.batch x input size, pixel units)",
        "epochs_done > 0 and train.algorithm = \"hire\""},
    [XB_DS_TRAIN] = {XB_DS_TRAIN, S, "/train", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        "epochs_done > 0 for some point"},
    [XB_DS_TRAIN_POINT] = {XB_DS_TRAIN_POINT, S, "/train/{point}", XB_FORM_GROUP, 0, -1, "",
        NULL, NULL, NULL, "epochs_done > 0"},
    [XB_DS_LOSS] = {XB_DS_LOSS, S, "/train/{point}/loss", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[epochs_done]", "nats", NULL, "mean training cross-entropy of each epoch",
        "epochs_done > 0"},
    [XB_DS_VAL_ACCURACY] = {XB_DS_VAL_ACCURACY, S, "/train/{point}/val_accuracy",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[epochs_done]", "1", NULL,
        "noiseless validation accuracy after each epoch", "epochs_done > 0"},
    [XB_DS_ENERGY] = {XB_DS_ENERGY, S, "/sweep/energy", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_votes]", "J", NULL,
        "energy of one inference by K votes (K of /sweep/votes) on the crossbars of the "
        "device and xbar groups (the engine defaults without them) at the prices of the energy "
        "group: K times the DAC, array, ADC and partial-sum energy of every weighted layer "
        "(xbar energy prints it per layer); the same at every point of the grid", NULL},
    [XB_DS_LATENCY_PIPELINED] = {XB_DS_LATENCY_PIPELINED, S, "/sweep/latency_pipelined",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_votes]", "s", NULL,
        "latency of K votes with the weighted layers as pipeline stages of tau_i each: "
        "sum tau_i + (K - 1) max tau_i, (L + K - 1) tau for L equal stages (paper 001 s. 2)",
        NULL},
    [XB_DS_LATENCY_SEQUENTIAL] = {XB_DS_LATENCY_SEQUENTIAL, S, "/sweep/latency_sequential",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_votes]", "s", NULL,
        "latency of K votes one after the other: K sum tau_i, K L tau for L equal stages "
        "(paper 001 s. 2)", NULL},

    /* ---- the N-dimensional view (sim/io/xb_study_layout.h); rank N + rank ---- */
    [XB_DS_STUDY] = {XB_DS_STUDY, S, "/study", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_STUDY_AXIS] = {XB_DS_STUDY_AXIS, S, "/study/axis_{point}", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[n_k]", "the key's", NULL,
        "the values of axis k of the study (float64; fixed-length strings for a string "
        "key), a dimension scale (H5DS) named by its key; attributes key, units (the "
        "registry's) and trains (1: one model per value)", NULL},
    [XB_DS_STUDY_ACCURACY] = {XB_DS_STUDY_ACCURACY, S, "/study/accuracy", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[n_0 x ... x n_{N-1} x n_repeat]", "1", NULL,
        "/sweep/accuracy over the study's axes: accuracy without voting of each repeat (chip "
        "instance in device mode); NaN where not done", NULL},
    [XB_DS_STUDY_ACCURACY_VOTE] = {XB_DS_STUDY_ACCURACY_VOTE, S, "/study/accuracy_vote",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_0 x ... x n_{N-1} x n_votes]", "1", NULL,
        "/sweep/accuracy_vote over the study's axes: index K-1 the accuracy of the majority of "
        "the first K votes; NaN where not done", NULL},
    [XB_DS_STUDY_SNR_MEASURED] = {XB_DS_STUDY_SNR_MEASURED, S, "/study/snr_db_measured",
        XB_FORM_ARRAY, XB_H5_F64, 0, "[n_0 x ... x n_{N-1}]", "dB", NULL,
        "/sweep/snr_db_measured over the study's axes: the measured SNR of the chip; NaN "
        "where not done", NULL},
    [XB_DS_STUDY_ENERGY] = {XB_DS_STUDY_ENERGY, S, "/study/energy", XB_FORM_ARRAY, XB_H5_F64,
        0, "[n_0 x ... x n_{N-1}]", "J", NULL,
        "energy of one inference by sweep.votes votes on the crossbars of each point's device "
        "and engine keys (as /sweep/energy for the point's settings; for a spiking model at "
        "the point's measured activity, sweep.votes times /sweep/spike_energy's crossbar "
        "figure); NaN where not done",
        NULL},
    [XB_DS_STUDY_LATENCY_PIPELINED] = {XB_DS_STUDY_LATENCY_PIPELINED, S,
        "/study/latency_pipelined", XB_FORM_ARRAY, XB_H5_F64, 0, "[n_0 x ... x n_{N-1}]", "s",
        NULL, "pipelined latency of sweep.votes votes at each point (as "
        "/sweep/latency_pipelined); NaN where not done", NULL},
    [XB_DS_STUDY_LATENCY_SEQUENTIAL] = {XB_DS_STUDY_LATENCY_SEQUENTIAL, S,
        "/study/latency_sequential", XB_FORM_ARRAY, XB_H5_F64, 0, "[n_0 x ... x n_{N-1}]", "s",
        NULL, "sequential latency of sweep.votes votes at each point (as "
        "/sweep/latency_sequential); NaN where not done", NULL},
    [XB_DS_STUDY_DONE] = {XB_DS_STUDY_DONE, S, "/study/done", XB_FORM_ARRAY, XB_H5_U8, 0,
        "[n_0 x ... x n_{N-1}]", "1", NULL, "/sweep/done over the study's axes", NULL},

    /* ---- xbar mvm -o -------------------------------------------------------- */
    [XB_DS_MVM_CONFIG] = {XB_DS_MVM_CONFIG, M, "/config", XB_FORM_TEXT, 0, 0, "", "", NULL,
        "resolved device and engine configuration (libconfig syntax; xbar mvm --config "
        "accepts it)", NULL},
    [XB_DS_W] = {XB_DS_W, M, "/W", XB_FORM_ARRAY, XB_H5_F32, 2, "[out x in]", "1", NULL,
        "weight matrix W [out x in], weight units", NULL},
    [XB_DS_X] = {XB_DS_X, M, "/X", XB_FORM_ARRAY, XB_H5_F32, 2, "[batch x in]", "1", NULL,
        "input batch X [batch x in], input units", NULL},
    [XB_DS_Y_IDEAL] = {XB_DS_Y_IDEAL, M, "/Y_ideal", XB_FORM_ARRAY, XB_H5_F32, 2,
        "[batch x out]", "1", NULL,
        "ideal product X W^T [batch x out] (float32 GEMM), weight x input units", NULL},
    [XB_DS_Y] = {XB_DS_Y, M, "/Y", XB_FORM_ARRAY, XB_H5_F32, 2, "[batch x out]", "1", NULL,
        "crossbar product [batch x out], weight x input units", NULL},
    [XB_DS_MVM] = {XB_DS_MVM, M, "/mvm", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL, NULL},
    [XB_DS_MVM_FIGURE] = {XB_DS_MVM_FIGURE, M, "/mvm/{figure}", XB_FORM_FIGURE, 0, 0, "",
        NULL, NULL, "one scalar per figure xbar mvm prints (xb_mvm_figures), with that "
        "figure's units and description", NULL},
    [XB_DS_DEVICE] = {XB_DS_DEVICE, M, "/device", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_DEVICE_PARAM] = {XB_DS_DEVICE_PARAM, M, "/device/{parameter}", XB_FORM_FIGURE, 0,
        0, "", NULL, NULL, "one float64 per parameter of the device type (xbar devices "
        "NAME), with that parameter's unit and help", NULL},

    /* ---- xbar snr-req -o (sim/study/xb_snrreq.h) ------------------------------ */
    [XB_DS_SNRREQ_CONFIG] = {XB_DS_SNRREQ_CONFIG, R, "/config", XB_FORM_TEXT, 0, 0, "", "",
        NULL, "the resolved experiment configuration: data, model, noise kind, repeats",
        NULL},
    [XB_DS_SNRREQ] = {XB_DS_SNRREQ, R, "/snrreq", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_SNRREQ_POINT] = {XB_DS_SNRREQ_POINT, R, "/snrreq/point", XB_FORM_ARRAY, XB_H5_I32,
        1, "[n_models]", "1", NULL,
        "which model of the model file (the attribute model) each row is: /models/{point}",
        NULL},
    [XB_DS_SNRREQ_SIGMA_TRAIN] = {XB_DS_SNRREQ_SIGMA_TRAIN, R, "/snrreq/sigma_train",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_models]", "1", "activation units",
        "noise std the model was trained with", NULL},
    [XB_DS_SNRREQ_VOTES] = {XB_DS_SNRREQ_VOTES, R, "/snrreq/votes", XB_FORM_ARRAY, XB_H5_I32,
        1, "[n_votes]", "1", NULL, "number of votes K of each answer (1 first)", NULL},
    [XB_DS_SNRREQ_LOSS] = {XB_DS_SNRREQ_LOSS, R, "/snrreq/loss", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[1]", "1", NULL,
        "accuracy loss allowed below the noiseless accuracy, a fraction (0.01: 1 point)",
        NULL},
    [XB_DS_SNRREQ_ACCURACY0] = {XB_DS_SNRREQ_ACCURACY0, R, "/snrreq/accuracy_noiseless",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_models]", "1", NULL,
        "test accuracy of each model without noise", NULL},
    [XB_DS_SNRREQ_TARGET] = {XB_DS_SNRREQ_TARGET, R, "/snrreq/accuracy_target",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_models]", "1", NULL,
        "accuracy_noiseless - loss: the mean accuracy over the repeats must stay at or above "
        "it", NULL},
    [XB_DS_SNRREQ_POWER] = {XB_DS_SNRREQ_POWER, R, "/snrreq/signal_power", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[n_models]", "activation units^2", NULL,
        "P, the mean square of the noise layers' inputs of each model without noise on its "
        "first eval_rows test samples: SNR = 10 log10(P / sigma^2)",
        "noise_model \"add\""},
    [XB_DS_SNRREQ_SIGMA] = {XB_DS_SNRREQ_SIGMA, R, "/snrreq/sigma", XB_FORM_ARRAY, XB_H5_F64,
        3, "[n_models x n_votes x 3]", "1", "activation units",
        "the largest noise std of inference that keeps the mean accuracy over the repeats "
        "within loss of accuracy_noiseless [model, K, 0], then the interval [.., 1] to "
        "[.., 2]: the same for the lower and the upper end of the repeats' confidence "
        "interval (attribute level) of the accuracy; inf if no sigma up to 128 (x sqrt(P) "
        "for add) loses that much", NULL},
    [XB_DS_SNRREQ_SNR_DB] = {XB_DS_SNRREQ_SNR_DB, R, "/snrreq/snr_db", XB_FORM_ARRAY,
        XB_H5_F64, 3, "[n_models x n_votes x 3]", "dB", NULL,
        "the SNR requirement: SNR of sigma (mult -20 log10 sigma; add 10 log10(P / "
        "sigma^2)) [model, K, 0], its interval [.., 1] (low) to [.., 2] (high)", NULL},
    [XB_DS_SNRREQ_GAIN_VOTE] = {XB_DS_SNRREQ_GAIN_VOTE, R, "/snrreq/gain_vote_db",
        XB_FORM_ARRAY, XB_H5_F64, 3, "[n_models x n_votes x 3]", "dB", NULL,
        "what K votes buy: the model's snr_db at K = 1 minus at K [model, K, 0], and the "
        "least [.., 1] and most [.., 2] that the intervals' ends allow", NULL},
    [XB_DS_SNRREQ_GAIN] = {XB_DS_SNRREQ_GAIN, R, "/snrreq/gain_db", XB_FORM_ARRAY, XB_H5_F64,
        3, "[n_models x n_votes x 3]", "dB", NULL,
        "what noise-injected training and K votes buy together: snr_db of the model "
        "trained with sigma_train = 0 at K = 1 minus this model's at K [model, K, 0], and "
        "the least [.., 1] and most [.., 2] the intervals' ends allow; NaN without that "
        "model", NULL},
    [XB_DS_SNRREQ_EVALS] = {XB_DS_SNRREQ_EVALS, R, "/snrreq/evaluations", XB_FORM_ARRAY,
        XB_H5_I32, 2, "[n_models x n_votes]", "1", NULL,
        "sigmas evaluated for the answer, each with repeats x K noisy inferences per test "
        "sample", NULL},
    /* ---- xbar attack -o --------------------------------------------------------- */
    [XB_DS_ATTACK] = {XB_DS_ATTACK, A, "/attack", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL,
        NULL},
    [XB_DS_ATTACK_KINDS] = {XB_DS_ATTACK_KINDS, A, "/attack/attacks", XB_FORM_TEXT, 0, 0, "",
        "", NULL, "the attack kinds of the rows of accuracy, comma-separated (models/attack: "
        "fgsm, bim, pgd, mim)", NULL},
    [XB_DS_ATTACK_EPS] = {XB_DS_ATTACK_EPS, A, "/attack/eps", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_eps]", "1", NULL, "L-infinity budgets of the columns of accuracy, pixels in [0, 1]",
        NULL},
    [XB_DS_ATTACK_CLEAN] = {XB_DS_ATTACK_CLEAN, A, "/attack/accuracy_clean", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[1]", "1", NULL,
        "accuracy on the clean images (paper 000's Ori.), scored as accuracy is", NULL},
    [XB_DS_ATTACK_ACCURACY] = {XB_DS_ATTACK_ACCURACY, A, "/attack/accuracy", XB_FORM_ARRAY,
        XB_H5_F64, 2, "[n_attacks x n_eps]", "1", NULL,
        "accuracy on the adversarial images [attack, eps]: the majority of attack.votes noisy "
        "inferences (one without voting) at votes 0 .. K-1, which the attack never draws; "
        "with attack.surrogates, the lowest over the surrogates", NULL},
    [XB_DS_ATTACK_SURROGATES] = {XB_DS_ATTACK_SURROGATES, A, "/attack/surrogates", XB_FORM_TEXT,
        0, 0, "", "", NULL, "the lif surrogates of the columns of accuracy_surrogate, "
        "comma-separated (models/layers/xb_spike.h)", "with attack.surrogates"},
    [XB_DS_ATTACK_ACCURACY_SURROGATE] = {XB_DS_ATTACK_ACCURACY_SURROGATE, A,
        "/attack/accuracy_surrogate", XB_FORM_ARRAY, XB_H5_F64, 3,
        "[n_attacks x n_eps x n_surrogates]", "1", NULL,
        "accuracy on the adversarial images of an attack whose gradients went through one "
        "surrogate [attack, eps, surrogate], scored as accuracy is (whose value is the row's "
        "least)", "with attack.surrogates"},
    /* ---- xbar eval -o ------------------------------------------------------------ */
    [XB_DS_EVAL] = {XB_DS_EVAL, E, "/eval", XB_FORM_GROUP, 0, -1, "", NULL, NULL, NULL, NULL},
    [XB_DS_EVAL_SIGMA] = {XB_DS_EVAL_SIGMA, E, "/eval/sigma_test", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_points]", "1", "activation units", "noise std of inference at each point",
        "noise mode"},
    [XB_DS_EVAL_T] = {XB_DS_EVAL_T, E, "/eval/t", XB_FORM_ARRAY, XB_H5_F64, 1, "[n_points]",
        "s", NULL, "read time after programming at each point", "device mode"},
    [XB_DS_EVAL_ACCURACY] = {XB_DS_EVAL_ACCURACY, E, "/eval/accuracy", XB_FORM_ARRAY, XB_H5_F64,
        2, "[n_points x n_repeat]", "1", NULL,
        "test accuracy without voting [point, r]: the r-th noisy inference (device mode: one "
        "read of chip instance r)", NULL},
    [XB_DS_EVAL_ACCURACY_VOTE] = {XB_DS_EVAL_ACCURACY_VOTE, E, "/eval/accuracy_vote",
        XB_FORM_ARRAY, XB_H5_F64, 2, "[n_points x n_votes]", "1", NULL,
        "test accuracy of the majority of the first K noisy inferences [point, K-1] (device "
        "mode: the mean over chip instances)", NULL},
    [XB_DS_EVAL_SNR] = {XB_DS_EVAL_SNR, E, "/eval/snr_db_measured", XB_FORM_ARRAY, XB_H5_F64, 1,
        "[n_points]", "dB", NULL,
        "measured SNR of the net's analog layers pooled: ideal output power over error power "
        "(models/eval/xb_snr.h)", NULL},
    [XB_DS_EVAL_SNR_LAYERS] = {XB_DS_EVAL_SNR_LAYERS, E, "/eval/snr_layers", XB_FORM_ARRAY,
        XB_H5_I32, 1, "[n_layers]", "1", NULL,
        "the position in the model of each layer of layer_snr_db", NULL},
    [XB_DS_EVAL_LAYER_SNR] = {XB_DS_EVAL_LAYER_SNR, E, "/eval/layer_snr_db", XB_FORM_ARRAY,
        XB_H5_F64, 2, "[n_points x n_layers]", "dB", NULL,
        "measured SNR of each analog layer's output [point, layer]", NULL},
    [XB_DS_EVAL_TILE_LAYERS] = {XB_DS_EVAL_TILE_LAYERS, E, "/eval/tile_layers", XB_FORM_ARRAY,
        XB_H5_I32, 1, "[n_tiles]", "1", NULL,
        "the position in the model of the layer each tile of tile_snr_db belongs to",
        "device mode, dense layers on tiles"},
    [XB_DS_EVAL_TILE_SNR] = {XB_DS_EVAL_TILE_SNR, E, "/eval/tile_snr_db", XB_FORM_ARRAY,
        XB_H5_F64, 2, "[n_points x n_tiles]", "dB", NULL,
        "measured SNR of each tile's ADC output [point, tile]",
        "device mode, dense layers on tiles"},
    [XB_DS_EVAL_SPIKE_LAYERS] = {XB_DS_EVAL_SPIKE_LAYERS, E, "/eval/spike_layers",
        XB_FORM_ARRAY, XB_H5_I32, 1, "[n_spiking]", "1", NULL,
        "the position in the model of each spiking layer of spike_activity", "a spiking model"},
    [XB_DS_EVAL_SPIKE_ACTIVITY] = {XB_DS_EVAL_SPIKE_ACTIVITY, E, "/eval/spike_activity",
        XB_FORM_ARRAY, XB_H5_F64, 3, "[n_points x n_spiking x 5]", "1", NULL,
        "each spiking layer's activity over every inference of a point [point, layer, "
        "figure], the 5 figures of /sweep/spike_activity: spikes per neuron per step, input "
        "rows driven per step, and per inference accumulate-only operations, multiply-"
        "accumulates and the ANN's multiply-accumulates", "a spiking model"},
    [XB_DS_EVAL_SPIKE_ENERGY] = {XB_DS_EVAL_SPIKE_ENERGY, E, "/eval/spike_energy",
        XB_FORM_ARRAY, XB_H5_F64, 2, "[n_points x 3]", "J", NULL,
        "energy per inference of the measured activity [point, kind]: on the crossbars, paper "
        "002 eqs. 7-8's digital SNN, the same net as a digital ANN (/sweep/spike_energy)",
        "a spiking model"},
    [XB_DS_ATTACK_SOURCE_ACCURACY] = {XB_DS_ATTACK_SOURCE_ACCURACY, A,
        "/attack/accuracy_source", XB_FORM_ARRAY, XB_H5_F64, 2, "[n_attacks x n_eps]", "1",
        NULL, "transfer (--source): the source model's own accuracy on the adversarial images "
        "made on it (white-box, scored as attack.* says); accuracy is then the target's, "
        "noiseless", NULL},
    [XB_DS_ATTACK_SIGMA_TEST] = {XB_DS_ATTACK_SIGMA_TEST, A, "/attack/sigma_test",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_sigma]", "1", NULL,
        "transfer (--source): the target's inference noise std (sweep.noise's kind) of the "
        "columns of accuracy_noisy", "transfer under abstract noise"},
    [XB_DS_ATTACK_T_TEST] = {XB_DS_ATTACK_T_TEST, A, "/attack/t_test", XB_FORM_ARRAY,
        XB_H5_F64, 1, "[n_t]", "s", NULL,
        "transfer (--source) onto a device: the read times after programming of the columns "
        "of accuracy_noisy", "transfer onto a device"},
    [XB_DS_ATTACK_NOISY] = {XB_DS_ATTACK_NOISY, A, "/attack/accuracy_noisy", XB_FORM_ARRAY,
        XB_H5_F64, 4, "[n_attacks x n_eps x n_sigma x n_repeats]", "1", NULL,
        "transfer (--source): the target's accuracy on the source's adversarial images, one "
        "single noisy inference per repeat (sweep.repeats) at each sigma_test; onto a device "
        "[n_attacks x n_eps x n_t x n_chips], chip instance r's one read at each t_test",
        "transfer"},
    [XB_DS_ATTACK_CHIP_CLEAN] = {XB_DS_ATTACK_CHIP_CLEAN, A, "/attack/accuracy_clean_chip",
        XB_FORM_ARRAY, XB_H5_F64, 1, "[n_chips]", "1", NULL,
        "on a device: each chip instance's accuracy on the clean images (sweep.repeats "
        "chips); accuracy_clean is their mean", "on a device"},
    [XB_DS_ATTACK_CHIP_ACCURACY] = {XB_DS_ATTACK_CHIP_ACCURACY, A, "/attack/accuracy_chip",
        XB_FORM_ARRAY, XB_H5_F64, 3, "[n_chips x n_attacks x n_eps]", "1", NULL,
        "on a device: each chip instance's accuracy on the adversarial images made against "
        "it [chip, attack, eps]; accuracy is their mean", "on a device"},
    [XB_DS_ATTACK_EXAMPLES] = {XB_DS_ATTACK_EXAMPLES, A, "/attack/examples", XB_FORM_ARRAY,
        XB_H5_F32, 4, "[n_attacks x n_eps x n_images x n_features]", "1", NULL,
        "the adversarial images [attack, eps, image, pixel] of the first n_images test images, "
        "pixels in [0, 1] (on a device, chip 0's; with attack.surrogates, those of the "
        "surrogate whose accuracy is reported)", "with attack.examples = true"},
    [XB_DS_ATTACK_LABELS] = {XB_DS_ATTACK_LABELS, A, "/attack/labels", XB_FORM_ARRAY,
        XB_H5_U8, 1, "[n_images]", "1", NULL,
        "the true class of each image of examples (the test set's first n_images)",
        "with attack.examples = true"},
};

#undef S
#undef M
#undef R
#undef A
#undef E

const struct xb_layout_row *xb_layout_row(enum xb_ds id)
{
    XB_ASSERT((unsigned)id < (unsigned)XB_DS_N);
    /* The modulo is a no-op after the assert; it shows the compiler the
     * index in bounds (GCC's -Warray-bounds cannot see through the assert). */
    return &rows[(unsigned)id % XB_DS_N];
}

const char *xb_layout_path(char *buf, enum xb_ds id, size_t point, const char *name)
{
    const char *p = xb_layout_row(id)->path, *open = strchr(p, '{');
    if (!open) {
        snprintf(buf, XB_LAYOUT_PATH_MAX, "%s", p);
        return buf;
    }
    const char *close = strchr(open, '}');
    XB_ASSERT(close);
    char fill[72];
    if (!strncmp(open, "{point}", 7))
        snprintf(fill, sizeof fill, "%zu", point);
    else
        snprintf(fill, sizeof fill, "%.63s", name ? name : "");
    snprintf(buf, XB_LAYOUT_PATH_MAX, "%.*s%s%s", (int)(open - p), p, fill, close + 1);
    return buf;
}

/* 1 if path is an instance of pattern: a braced name ({figure},
 * {parameter}) matches one non-empty path component, {point} a decimal
 * index. */
static int matches(const char *pattern, const char *path)
{
    while (*pattern) {
        if (*pattern == '{') {
            int digits = !strncmp(pattern, "{point}", 7);
            size_t n = strcspn(path, "/");
            if (n == 0)
                return 0;
            for (size_t k = 0; digits && k < n; k++)
                if (path[k] < '0' || path[k] > '9')
                    return 0;
            path += n;
            pattern = strchr(pattern, '}') + 1;
        } else if (*pattern++ != *path++) {
            return 0;
        }
    }
    return *path == '\0';
}

const struct xb_layout_row *xb_layout_find(unsigned kind, const char *path)
{
    for (int k = 0; k < XB_DS_N; k++)
        if ((rows[k].kinds & kind) && matches(rows[k].path, path))
            return &rows[k];
    return NULL;
}

int xb_layout_row_nd(const struct xb_layout_row *row)
{
    return row->form == XB_FORM_ARRAY && row->id >= XB_DS_STUDY_ACCURACY &&
           row->id <= XB_DS_STUDY_DONE;
}

const char *xb_layout_type_name(const struct xb_layout_row *row)
{
    static const char *const numeric[] = {"float32", "float64", "int32", "uint8", "uint64"};
    switch (row->form) {
    case XB_FORM_GROUP:
        return "group";
    case XB_FORM_ARRAY:
        return numeric[row->type];
    case XB_FORM_TEXT:
        return "string";
    case XB_FORM_FILES:
        return "{path, size, sha256}";
    case XB_FORM_FIGURE:
        return "scalar";
    }
    return "?";
}

unsigned xb_layout_kind_of_file(const char *path)
{
    if (xb_h5_exists(path, rows[XB_DS_MVM].path))
        return XB_LAYOUT_MVM;
    if (xb_h5_exists(path, rows[XB_DS_SNRREQ].path))
        return XB_LAYOUT_SNRREQ;
    if (xb_h5_exists(path, rows[XB_DS_ATTACK].path))
        return XB_LAYOUT_ATTACK;
    if (xb_h5_exists(path, rows[XB_DS_EVAL].path))
        return XB_LAYOUT_EVAL;
    return xb_h5_exists(path, rows[XB_DS_SWEEP].path) ? XB_LAYOUT_SWEEP : 0;
}

/* ---- writing -------------------------------------------------------------- */

enum xb_status xb_layout_write(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                               size_t point, const void *data, const size_t *dims, int add)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    XB_ASSERT(r->form == XB_FORM_ARRAY);
    char name[XB_LAYOUT_PATH_MAX];
    return xb_h5_write_array(ctx, f, xb_layout_path(name, id, point, NULL), r->type, data,
                             r->rank, dims, add && r->units_add ? r->units_add : r->units,
                             r->description);
}

enum xb_status xb_layout_write_text(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                    const char *text)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    XB_ASSERT(r->form == XB_FORM_TEXT);
    return xb_h5_write_text(ctx, f, r->path, text, r->description);
}

enum xb_status xb_layout_write_figures(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                       const struct xb_figure *figs, size_t n)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    XB_ASSERT(r->form == XB_FORM_FIGURE);
    /* The group: the pattern up to "/{name}". */
    char group[XB_LAYOUT_PATH_MAX];
    snprintf(group, sizeof group, "%.*s", (int)(strchr(r->path, '{') - 1 - r->path), r->path);
    return xb_h5_write_figures(ctx, f, group, figs, n);
}

enum xb_status xb_layout_write_attr(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_ds id,
                                    size_t point, const char *name, const char *value)
{
    XB_ASSERT(xb_layout_row(id)->form == XB_FORM_GROUP);
    char group[XB_LAYOUT_PATH_MAX];
    return xb_h5_write_attr(ctx, f, xb_layout_path(group, id, point, NULL), name, value);
}

/* ---- reading -------------------------------------------------------------- */

enum xb_status xb_layout_read(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                              size_t point, void *dst, size_t n, int finite, const char *what)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    XB_ASSERT(r->form == XB_FORM_ARRAY);
    char name[XB_LAYOUT_PATH_MAX], expect[256];
    snprintf(expect, sizeof expect, "%s %s; %s", xb_layout_type_name(r), r->shape, what);
    return xb_h5_read_exact(ctx, path, xb_layout_path(name, id, point, NULL), r->type, r->rank,
                            dst, n, finite, expect);
}

enum xb_status xb_layout_read_text(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                                   char **text)
{
    XB_ASSERT(xb_layout_row(id)->form == XB_FORM_TEXT);
    return xb_h5_read_text(ctx, path, xb_layout_row(id)->path, text);
}

int xb_layout_exists(const char *path, enum xb_ds id, size_t point)
{
    char name[XB_LAYOUT_PATH_MAX];
    return xb_h5_exists(path, xb_layout_path(name, id, point, NULL));
}

/* ---- listing -------------------------------------------------------------- */

struct listing {
    unsigned kind;
    char *text;
    size_t len, size;
};

static void append(struct listing *l, const char *s)
{
    size_t n = strlen(s);
    if (l->len + n + 1 > l->size) {
        size_t size = 2 * (l->len + n + 1);
        char *grown = xb_malloc(size, 1);
        if (l->len)
            memcpy(grown, l->text, l->len);
        xb_free(l->text);
        l->text = grown;
        l->size = size;
    }
    memcpy(l->text + l->len, s, n + 1);
    l->len += n;
}

/* The stored type and shape of dataset name: "float64 [3 x 2]". */
static void stored_shape(hid_t fid, const char *name, char *buf, size_t size)
{
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT);
    hid_t t = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    hid_t s = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    size_t bits = t >= 0 ? 8 * H5Tget_size(t) : 0;
    const char *sign = cls == H5T_INTEGER && H5Tget_sign(t) == H5T_SGN_NONE ? "u" : "";
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    hsize_t dims[8] = {0};
    if (rank > 0 && rank <= 8)
        H5Sget_simple_extent_dims(s, dims, NULL);
    int n = cls == H5T_FLOAT     ? snprintf(buf, size, "float%zu", bits)
            : cls == H5T_INTEGER ? snprintf(buf, size, "%sint%zu", sign, bits)
            : cls == H5T_STRING  ? snprintf(buf, size, "string")
            : cls == H5T_COMPOUND ? snprintf(buf, size, "compound")
                                  : snprintf(buf, size, "other");
    for (int k = 0; k < rank && k < 8 && n > 0 && (size_t)n < size; k++)
        n += snprintf(buf + n, size - (size_t)n, "%s%llu", k ? " x " : " [",
                      (unsigned long long)dims[k]);
    if (rank > 0 && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "]");
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
}

/* A string attribute of object name, or "" (xb_free). */
static char *attr_text(hid_t fid, const char *name, const char *attr)
{
    char *v = NULL;
    hid_t a = H5Aexists_by_name(fid, name, attr, H5P_DEFAULT) > 0
                  ? H5Aopen_by_name(fid, name, attr, H5P_DEFAULT, H5P_DEFAULT)
                  : H5I_INVALID_HID;
    if (a < 0 || !xb_h5_read_string(a, 1, &v))
        v = xb_strdup("");
    if (a >= 0)
        H5Aclose(a);
    return v;
}

static herr_t list_one(hid_t fid, const char *name, const H5O_info_t *info, void *data)
{
    struct listing *l = data;
    if (!strcmp(name, "."))
        return 0;
    char path[XB_LAYOUT_PATH_MAX + 8], shape[160], line[1024];
    snprintf(path, sizeof path, "/%s", name);
    const struct xb_layout_row *r = xb_layout_find(l->kind, path);
    if (info->type == H5O_TYPE_GROUP)
        snprintf(shape, sizeof shape, "group");
    else
        stored_shape(fid, name, shape, sizeof shape);
    if (!r)
        snprintf(line, sizeof line, "%s: %s; not in xbar's layout\n", path, shape);
    else if (r->form == XB_FORM_GROUP)
        snprintf(line, sizeof line, "%s: group\n", path);
    else if (r->form == XB_FORM_FIGURE) { /* the figure's own units and description */
        char *units = attr_text(fid, name, "units"), *desc = attr_text(fid, name, "description");
        snprintf(line, sizeof line, "%s: %s; units %s; %s\n", path, shape,
                 units[0] ? units : "none", desc);
        xb_free(units);
        xb_free(desc);
    } else {
        char units[96];
        snprintf(units, sizeof units, "%s%s%s%s", r->units[0] ? r->units : "none",
                 r->units_add ? " (additive noise: " : "", r->units_add ? r->units_add : "",
                 r->units_add ? ")" : "");
        snprintf(line, sizeof line, "%s: %s; units %s; %s\n", path, shape, units,
                 r->description);
    }
    append(l, line);
    return 0;
}

enum xb_status xb_layout_list(struct xb_ctx *ctx, const char *path, char **text)
{
    *text = NULL;
    hid_t fid;
    enum xb_status st = xb_h5_open_read(ctx, path, "an xbar result file", &fid);
    if (st)
        return st;
    struct listing l = {.kind = xb_layout_kind_of_file(path)};
    append(&l, "");
    if (H5Ovisit(fid, H5_INDEX_NAME, H5_ITER_INC, list_one, &l) < 0)
        st = xb_error(ctx, XB_EFORMAT, "%s: cannot list the groups and datasets", path);
    H5Fclose(fid);
    if (st)
        xb_free(l.text);
    else
        *text = l.text;
    return st;
}
