/*
 * xb_lif_impl.h — the lif family's shared machinery (layer_lif.c), for the
 * kinds whose neurons are lif's with another product in front: conv_lif
 * (layer_conv_lif.c) runs the same membrane recursion, surrogate backward,
 * caches and readouts on the outputs of a conv2d product. Internal to
 * models/: not part of the public API.
 */
#ifndef XB_LIF_IMPL_H
#define XB_LIF_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "xb_layer.h"

/* Creates a lif layer on l whose product is a `product` layer (dense or
 * conv2d, created from cfg on the per-step input shape `step`), run over
 * T steps: its neurons are the product's outputs of a step. Spikes out:
 * {T, 1, units} after dense, {T·units, OH, OW} after conv2d (step t's
 * feature maps are channels t·units .. (t+1)·units − 1: the memory of T
 * images one after the other). */
enum xb_status xb_lif_create_on(struct xb_ctx *ctx, struct xb_layer *l,
                                const struct xb_layer_config *cfg,
                                const struct xb_layer_type *product, size_t T,
                                struct xb_shape step);

/* The members of struct xb_layer_type every lif kind shares. */
void xb_lif_init(struct xb_layer *l, uint64_t seed);
void xb_lif_forward(struct xb_layer *l, const struct xb_pass *p, const float *x, float *y);
void xb_lif_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                     const float *y, const float *dy, float *dx);
enum xb_status xb_lif_program(struct xb_ctx *ctx, struct xb_layer *l,
                              const struct xb_xbar_params *params);
enum xb_status xb_lif_age(struct xb_ctx *ctx, struct xb_layer *l, double t);
enum xb_status xb_lif_calibrate(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                size_t rows);
void xb_lif_unprogram(struct xb_layer *l);
int xb_lif_deterministic(const struct xb_layer *l, const struct xb_pass *p);
void xb_lif_noise_power(const struct xb_layer *l, double *sum, double *units);
void xb_lif_mvm(const struct xb_layer *l, struct xb_layer_mvm *m);
void xb_lif_activity(const struct xb_layer *l, struct xb_spike_activity *a);
int xb_lif_spikes(const struct xb_layer *l);
void xb_lif_destroy(struct xb_layer *l);

#endif
