/*
 * mse — mean squared error against the one-hot label, averaged over all
 * rows × n outputs (PyTorch's MSELoss with its default mean reduction):
 *
 *   L = Σ_r Σ_c (z_rc − t_rc)² / (rows · n),  t_rc = 1 if c = label_r else 0,
 *   dL/dz_rc = 2 (z_rc − t_rc) / (rows · n).
 *
 * A regression-style loss on the outputs themselves (no softmax): what a
 * spiking net's spike counts or rates are often trained against. Sums in
 * double, rows in order.
 */
#include "xb_error.h"
#include "xb_loss.h"

static double mse_eval(const float *z, const uint8_t *labels, size_t rows, size_t n,
                       float *grad)
{
    const double scale = 1.0 / ((double)rows * (double)n);
    double total = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *zr = z + r * n;
        XB_ASSERT(labels[r] < n);
        for (size_t c = 0; c < n; c++) {
            const double d = (double)zr[c] - (c == labels[r] ? 1.0 : 0.0);
            total += d * d;
            if (grad)
                grad[r * n + c] = (float)(2.0 * d * scale);
        }
    }
    return total * scale;
}

const struct xb_loss_type xb_loss_mse = {
    .name = "mse",
    .eval = mse_eval,
};
