/*
 * xb_threshold.h — a spiking net started from a trained ANN (paper 002,
 * Algorithm 1 lines 4–8, after Rathi & Roy's hybrid conversion, DIET-SNN):
 * the ANN's weights copied into the SNN's products, then each firing
 * layer's threshold set from a high percentile of its input currents.
 *
 * Thresholds (initThreshold of Algorithm 1): the layers are set in order,
 * each with the thresholds of the layers below already set. For lif-family
 * layer l, its input currents I_t = W x_t + b over the images X (a forward
 * of the net without noise) give, per step t, the p-th percentile q_t of
 * the n · units values of that step (GSL's quantile: linear interpolation
 * between order statistics, q = v[floor(h)] + (h − floor(h)) (v[floor(h)+1]
 * − v[floor(h)]) with h = (n·units − 1) · p/100 over the sorted values);
 * V_th = scale · max_t q_t for every neuron of l. Rathi & Roy's code
 * takes p = 99.7 on 512 training images and scales by 0.7 for short
 * latencies. Membrane readouts (no firing) keep their threshold; a firing
 * layer must learn its thresholds (learn_threshold), so that the values
 * set are parameters: saved with the model, restored by --resume.
 */
#ifndef XB_THRESHOLD_H
#define XB_THRESHOLD_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"
#include "xb_net.h"

/* Sets the thresholds of snn's firing lif-family layers from X[n ×
 * features] as above (passes of at most the net's max_rows rows, seed for
 * the pass addresses), the values set into thresholds[k] for layer k (NAN
 * for the others) when not NULL. XB_ERANGE for p outside (0, 100], scale
 * <= 0 or n = 0; XB_EINVAL naming a firing layer that does not learn its
 * threshold; XB_ENUMERIC naming the layer if its currents give no
 * positive threshold. */
enum xb_status xb_snn_init_thresholds(struct xb_ctx *ctx, struct xb_net *snn, const float *X,
                                      size_t n, double percentile, double scale, uint64_t seed,
                                      double *thresholds);

/* Copies the weights of ann (a trained net of the same shape: a dense or
 * conv2d layer for each lif-family, dense or conv2d layer of snn, in
 * order, with the same parameter counts; layers without parameters
 * anywhere) into snn's products; the other parameters of snn (thresholds,
 * leaks) stay. XB_ESHAPE naming both layers when the weighted layers do
 * not pair up. */
enum xb_status xb_snn_copy_ann(struct xb_ctx *ctx, struct xb_net *snn, struct xb_net *ann);

#endif
