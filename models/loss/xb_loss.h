/*
 * xb_loss.h — the losses a network is trained (and attacked) with: a
 * const type table, one file per kind (models/loss/loss_<kind>.c), as layers
 * are (models/layers/xb_layer.h).
 *
 * A loss compares the net's outputs out[rows × n] (logits, or whatever
 * the last layer gives) with one class label per row and returns the mean
 * over rows; its gradient is that of the mean, so a batch's gradient does
 * not grow with the batch. The value is summed in double, rows in order,
 * so it is the same for any thread count; the gradient is float, as every
 * activation gradient is.
 *
 * Kinds today: "cross_entropy" (softmax cross-entropy, the default, what
 * xbar has always trained with) and "mse" (mean squared error against the
 * one-hot label). The spiking networks will add rate-coded kinds; attacks
 * take dL/d(input) of any kind through xb_net_input_grad (models/layers/xb_net.h).
 */
#ifndef XB_LOSS_H
#define XB_LOSS_H

#include <stddef.h>
#include <stdint.h>

struct xb_loss_type {
    const char *name;
    /* The mean loss of out[rows × n] against labels[rows] (each < n).
     * grad non-NULL: dL/dout of that mean into grad[rows × n]. Value and
     * gradient are one function because they share their work (the
     * softmax). rows >= 1, n >= 2. Pure: no state, safe from any thread. */
    double (*eval)(const float *out, const uint8_t *labels, size_t rows, size_t n,
                   float *grad);
};

/* The kind called name, or NULL. */
const struct xb_loss_type *xb_loss_type_find(const char *name);

/* The k-th kind in the table (k = 0, 1, ...), NULL past the last: for
 * listing them in messages and help. */
const struct xb_loss_type *xb_loss_type_at(size_t k);

/* The kind a net uses when its config names none. */
extern const struct xb_loss_type *const xb_loss_default;

extern const struct xb_loss_type xb_loss_cross_entropy;
extern const struct xb_loss_type xb_loss_mse;

#endif
