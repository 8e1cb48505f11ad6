/*
 * xb_cost.h — the energy and latency of one inference of a network on
 * crossbars, layer by layer, and of K votes (paper 001 §2).
 *
 * Every weighted layer (its xb_layer_type.mvm) is a matrix read `reads`
 * times per sample; each read costs what devices/engine/xb_energy.h counts
 * for the tiles and converters of the engine parameters. A layer's energy
 * per inference is reads × one read's energy (a spiking layer's at its
 * measured activity once xb_cost_set_activity has it); its time, the
 * stage it holds in a pipeline, is τ_i = reads × τ of one read. Digital
 * layers (activations, pooling, batchnorm, a lif layer's membrane
 * update) are not costed.
 *
 * K votes are K inferences, so K times the energy: voting cannot be made
 * cheaper by parallel copies or pipelining (paper 001 §2). Latency, with
 * L analog layers as pipeline stages:
 *
 *   sequential   K · Σ_i τ_i                 (paper 001: K · L · τ)
 *   pipelined    Σ_i τ_i + (K − 1) · max_i τ_i   ((L + K − 1) · τ)
 *
 * — a new vote enters the pipeline each time the slowest stage frees;
 * with equal stages the two read as paper 001's formulas.
 *
 * Plain data and pure functions; nothing here allocates.
 */
#ifndef XB_COST_H
#define XB_COST_H

#include <stddef.h>

#include "xb_energy.h"
#include "xb_net.h"

struct xb_cost_layer {
    const char *kind;            /* the layer kind's name (static) */
    int analog;                  /* 1: a weighted layer on crossbars */
    struct xb_layer_mvm mvm;     /* analog: matrix and reads per sample */
    struct xb_energy_read read;  /* analog: one read */
    double in_rate;              /* analog: the fraction of input rows a read drives
                                    (1 until xb_cost_set_activity) */
    int spiking;                 /* a spiking layer (lif, conv_lif): at full activity, every
                                    row driven every step, until xb_cost_set_activity */
    double energy;               /* J per inference: reads × one read's energy */
    double tau;                  /* s: reads × τ (0 for a digital layer) */
};

struct xb_cost {
    struct xb_energy_params prices;
    size_t n_layers;
    struct xb_cost_layer layer[XB_NET_MAX_LAYERS];
    size_t stages;               /* analog layers: L */
    double energy;               /* J per inference (one vote) */
    double tau_sum, tau_max;     /* s: over the layers */
};

/* The cost of every layer of net on the tiles and converters of x at the
 * prices of e, every row of every read driven. */
void xb_cost_net(struct xb_cost *c, const struct xb_energy_params *e,
                 const struct xb_xbar_params *x, struct xb_net *net);

/* Sets the measured input activity of analog layer i (models/eval/
 * xb_activity.h): with spiking inputs (spikes = 1) each read is priced as
 * xb_energy_read_spiking at in_rate (only the spiking rows driven, by
 * 1-bit pulses); analog inputs (spikes = 0) drive every row at the costed
 * resolution, in_rate 1. Updates the totals; 0 <= in_rate <= 1. */
void xb_cost_set_activity(struct xb_cost *c, size_t i, double in_rate, int spikes);

struct xb_activity;

/* The energy per inference (one vote) of the activity a measured on net
 * [J]: out[0] on the tiles and converters of x at the prices of e, every
 * spiking layer that has run priced at its measured input rate
 * (xb_cost_set_activity; spikes if every input was 0 or 1); out[1] and out[2] paper 002 eqs. 7–8's digital
 * SNN and ANN at e->ac_energy and e->mac_energy (xb_activity_energy). */
void xb_cost_spiking(const struct xb_energy_params *e, const struct xb_xbar_params *x,
                     struct xb_net *net, const struct xb_activity *a, double out[3]);

/* Energy of an inference by `votes` >= 1 votes [J]: votes × c->energy. */
double xb_cost_energy(const struct xb_cost *c, int votes);

/* Latency of `votes` >= 1 votes [s]: pipelined (1) or sequential (0), as
 * above. */
double xb_cost_latency(const struct xb_cost *c, int votes, int pipelined);

#endif
