/*
 * cross_entropy — softmax cross-entropy on logits, the loss xbar trains
 * with by default (paper 001 trains its classifiers so).
 *
 * Per row: loss = log Σ exp z − z_label, computed as m + log Σ exp(z − m)
 * with m = max z so no exponential overflows (logits of ±1e38 give finite
 * values); the gradient of the mean is (softmax − onehot) / rows. All in
 * double; the mean sums rows in order.
 */
#include <math.h>

#include "xb_error.h"
#include "xb_loss.h"

static double xent_eval(const float *z, const uint8_t *labels, size_t rows, size_t C,
                        float *grad)
{
    double total = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *zr = z + r * C;
        XB_ASSERT(labels[r] < C);
        double m = (double)zr[0];
        for (size_t c = 1; c < C; c++)
            if ((double)zr[c] > m)
                m = (double)zr[c];
        double s = 0.0;
        for (size_t c = 0; c < C; c++)
            s += exp((double)zr[c] - m);
        total += m + log(s) - (double)zr[labels[r]];
        if (!grad)
            continue;
        float *g = grad + r * C;
        for (size_t c = 0; c < C; c++) {
            const double sm = exp((double)zr[c] - m) / s;
            g[c] = (float)((sm - (c == labels[r] ? 1.0 : 0.0)) / (double)rows);
        }
    }
    return total / (double)rows;
}

const struct xb_loss_type xb_loss_cross_entropy = {
    .name = "cross_entropy",
    .eval = xent_eval,
};
