/*
 * xb_activity.h — the spiking activity of a network over an evaluation,
 * and the compute it stands for (issue 11 item 2; paper 002 §5.4).
 *
 * Every lif layer records what its last forward did (struct
 * xb_spike_activity, models/layers/xb_spike.h). An evaluation runs many
 * passes (batches, votes); xb_activity_add sums each spiking layer's
 * record after every pass, in pass order, in integers and doubles, so the
 * sums are the same for any thread count. Per layer, over all inferences
 * (one inference = one row of a pass: a sample's vote):
 *
 *   rate     spikes per neuron per step: out_spikes / (rows · T · units),
 *            paper 002's time-averaged spiking activity (TASA = SA / T)
 *   ac       accumulate-only operations per inference: an input spike
 *            adds a weight column (binary inputs: in_spikes · units / rows)
 *   mac      multiply-accumulates per inference of analog inputs (direct
 *            encoding: the first layer multiplies at every step)
 *   ann_mac  the same layer's multiply-accumulates in an ANN, per inference
 *   in_rate  the fraction of the layer's input rows a spike drives per step
 *            (binary inputs; 1 for analog ones): what a crossbar read of the
 *            layer pays DAC pulses and device currents for (xb_cost)
 *
 * Paper 002 eqs. 7–8 price them digitally: E_SNN = Σ_l (mac_l · E_MAC +
 * ac_l · E_AC) — eq. 8's first term is the direct-input layer's MACs, eq. 7
 * has none — against E_ANN = Σ_l ann_mac_l · E_MAC.
 *
 * Plain data; nothing here allocates.
 */
#ifndef XB_ACTIVITY_H
#define XB_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_net.h"

struct xb_activity_layer {
    size_t layer;            /* position in the net's layer list */
    uint64_t rows;           /* inferences summed */
    uint64_t neuron_steps;   /* rows · T · units */
    uint64_t input_steps;    /* rows · T · in */
    uint64_t in_spikes, out_spikes;
    int in_binary;           /* every input of every pass was 0 or 1 */
    double ac, mac, ann_mac; /* summed over the passes */
};

struct xb_activity {
    size_t n;                /* spiking layers of the net */
    struct xb_activity_layer layer[XB_NET_MAX_LAYERS];
};

/* Sets up *a for net: its spiking layers in order, every sum 0. */
void xb_activity_init(struct xb_activity *a, struct xb_net *net);

/* Adds the last forward of each spiking layer of net. */
void xb_activity_add(struct xb_activity *a, struct xb_net *net);

/* Layer i's figures, as above (NaN before any pass). */
double xb_activity_rate(const struct xb_activity *a, size_t i);
double xb_activity_in_rate(const struct xb_activity *a, size_t i);
double xb_activity_ac(const struct xb_activity *a, size_t i);
double xb_activity_mac(const struct xb_activity *a, size_t i);
double xb_activity_ann_mac(const struct xb_activity *a, size_t i);

/* Layer i's five figures in this order (the columns of a result file's
 * spike_activity): rate, in_rate, ac, mac, ann_mac. */
enum { XB_ACTIVITY_FIGURES = 5 };
void xb_activity_figures(const struct xb_activity *a, size_t i,
                         double out[XB_ACTIVITY_FIGURES]);

/* Paper 002 eqs. 7–8 at e_ac and e_mac J per operation, per inference:
 * the spiking net's compute energy into *snn and the same net as an ANN
 * into *ann [J] (NaN before any pass). */
void xb_activity_energy(const struct xb_activity *a, double e_ac, double e_mac, double *snn,
                        double *ann);

#endif
