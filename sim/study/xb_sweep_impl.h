/*
 * xb_sweep_impl.h — the state of a sweep, shared by xb_sweep.c (creating,
 * resuming, stepping, saving) and xb_sweep_units.c (its units of work as
 * messages, for runners that spread them over processes). Private to
 * sim/; not part of xb_sweep.h.
 */
#ifndef XB_SWEEP_IMPL_H
#define XB_SWEEP_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_activity.h"
#include "xb_advtrain.h"
#include "xb_study_grid.h"
#include "xb_sweep.h"

/* The state of one training point's model, enough to continue it exactly. */
struct point {
    float *params, *m, *v; /* v NULL for SGD */
    float *carry;          /* the trainer's carried state (xb_trainer_carried); NULL: none */
    size_t n_carry;
    uint64_t steps;
    double sigma;          /* its sigma_train */
    int n_epochs;          /* its train.epochs */
    int epochs;            /* trained so far */
    int evals;             /* sigma_test points evaluated (in order) */
    double *loss, *val_acc; /* [e->epochs] */
};

/* What one thread needs to work on a point. */
struct slot {
    struct xb_ctx *ctx;
    struct xb_net *net;
    struct xb_trainer *trainer;
    size_t trainer_of;      /* 1 + the training-axes coordinate its trainer was made
                             * for; 0: the experiment's own training parameters */
    struct xb_experiment *pe; /* a study: the experiment of the unit at hand */
};

struct xb_sweep {
    const struct xb_experiment *e;
    const struct xb_sweep_data *data;
    char *command_line;
    char *config_text;
    uint64_t seed;
    size_t n_params;
    size_t NT, NS, R, K;
    struct xb_study_grid g; /* the training and evaluation points (xb_study_grid.h) */
    int study;              /* the experiment has a study group */
    size_t rows;            /* rows of the slots' nets: eval_rows or the largest training step */
    double *test_x;         /* [NS]: each evaluation point's sigma_test, or read time t [s] */
    /* A study's cost of every study point by K votes (xb_cost.h). */
    double *pt_energy, *pt_lat_pipe, *pt_lat_seq;
    struct point *pt;
    double *acc, *acc_vote, *snr_db;
    /* Measured SNR (models/eval/xb_snr.h) of every point: the pooled
     * figure [NT × NS] and each analog layer's [NT × NS × NL]. */
    double *snr_net, *snr_layer;
    size_t NL;
    int32_t *snr_layers;   /* [NL]: their positions in the model */
    /* Device mode: each tile's SNR at its ADC output [NT × NS × NTI], the
     * tiles of the layers that give them (xb_snr.h), and their layers. */
    double *snr_tile;
    size_t NTI;
    int32_t *tile_layers;
    /* A spiking net: each spiking layer's activity at every point [NT ×
     * NS × NA × XB_ACTIVITY_FIGURES] (models/eval/xb_activity.h), their
     * positions in the model [NA], and the energy per inference (one vote)
     * that activity costs [NT × NS × 3]: on the crossbars (xb_cost with the
     * measured input rates), and paper 002 eqs. 7–8's digital SNN and ANN. */
    size_t NA;
    int32_t *spike_layers;
    double *spike_act, *spike_energy;
    uint8_t *done;
    int snr_measured;      /* additive: snr_db filled from model 0 */
    double *energy, *lat_pipe, *lat_seq; /* [K]: per inference by k + 1 votes (xb_cost.h) */
    struct slot *slots;
    int n_slots;
    struct xb_advtrain adv; /* train.algorithm = "adversarial": the slots' attack */
};

/* Advances point i's evaluation count over the cells done in order (the
 * count resume rebuilds, and xb_sweep_step's next test point). */
void xb_sweep_count_evals(struct xb_sweep *s, size_t i);

#endif
