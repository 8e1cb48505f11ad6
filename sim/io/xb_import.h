/*
 * xb_import.h — the parameters of a trained network from a file another
 * program wrote (issue 13, item 2; sim/README.md "Importing trained
 * networks").
 *
 * Two layouts are read:
 *   - xbar's own: /models/{point}/params, the flat float vector whose
 *     slices sim/README.md "Model parameters" documents (what `xbar train`
 *     writes, and what the h5py snippet of the README writes from a
 *     PyTorch state_dict);
 *   - a Keras (2.x) HDF5 weight file, as `model.save_weights("w.h5")` or
 *     `model.save("m.h5")` writes it: the root (or /model_weights) lists
 *     `layer_names`; each layer group lists `weight_names`. The Keras
 *     layers that hold weights are matched in order to the model's
 *     weighted layers and converted:
 *       Dense     kernel [in × out] -> W [out × in]; after a Flatten of a
 *                 C × H × W tensor (C > 1, H·W > 1) the rows are permuted
 *                 from Keras's channels-last order to xbar's channels-first;
 *       Conv2D    kernel [k × k × C × U] -> W [U × C × k × k];
 *       BatchNormalization  gamma, beta, moving_mean, moving_variance;
 *                 Keras's default epsilon 1e-3 is folded into the variance
 *                 (xbar evaluates with 1e-5: var + 1e-3 − 1e-5 gives the same
 *                 outputs); a layer without center or scale reads β = 0, γ = 1;
 *       LSTM      kernel [F × 4H], recurrent_kernel [H × 4H], bias [4H] ->
 *                 W [4H × (F + H)], b [4H]; Keras's gate order i, f, c, o is
 *                 xbar's i, f, g, o.
 *     Layer kinds Keras has no counterpart of (lif, a noise layer with
 *     learned stds) are refused.
 * Whatever does not fit is an error that names the file, the Keras layer or
 * dataset, the model's layer (kind and config line) and both shapes.
 * Nothing prints.
 */
#ifndef XB_IMPORT_H
#define XB_IMPORT_H

#include <stddef.h>

#include "xb_ctx.h"
#include "xb_net.h"

/* The layouts xb_import_params reads. */
enum xb_import_format { XB_IMPORT_XBAR = 1, XB_IMPORT_KERAS = 2 };

/* Which layout the file at path has (0: neither, or no HDF5 file). */
int xb_import_format(const char *path);

/* Reads the parameters of model point (xbar's layout; a Keras file holds
 * one model and takes point 0 only) of the file at path into net, built
 * from cfg. On error the net's parameters are left as they were. */
enum xb_status xb_import_params(struct xb_ctx *ctx, const char *path, size_t point,
                                const struct xb_net_config *cfg, struct xb_net *net);

#endif
