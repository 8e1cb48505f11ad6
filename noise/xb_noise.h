/*
 * xb_noise.h — the abstract noise models of paper 001 (eqs. 2–4) and the
 * signal-to-noise figures architects read.
 *
 * Both kernels act on a batch-major matrix y[rows × cols] that holds the
 * affine outputs z of a layer. Row r is sample (sample0 + r % batch) of
 * vote (vote0 + r / batch): K votes of a batch are one call. Element j of a
 * row draws element j of the stream (purpose NOISE, the given layer), so
 * the noise of a given (sample, vote, layer, output) is fixed by the seed
 * whatever the batch split or thread count.
 *
 *   additive        z + sigma * eps                      (eq. 2)
 *   multiplicative  z * (1 + sigma * eps)                (eqs. 3–4)
 *
 * Pure kernels: no allocation, thread-safe; they run in the caller's
 * thread (the engine parallelises over rows).
 */
#ifndef XB_NOISE_H
#define XB_NOISE_H

#include <stddef.h>
#include <stdint.h>

#include "xb_rng.h"

enum xb_noise_kind { XB_NOISE_NONE = 0, XB_NOISE_ADD = 1, XB_NOISE_MULT = 2 };

/* Where rows of a matrix sit in the (sample, vote) address space
 * (noise/xb_rng.h's table of purposes says what each field carries). */
struct xb_rows {
    uint32_t sample0; /* sample index of row 0 */
    uint32_t batch;   /* rows per vote (>= 1) */
    /* The address's vote field of row 0. Evaluation: the vote (inference
     * index) of row 0, rows r >= batch belonging to further votes.
     * Training: the epoch, with batch = the pass's rows so every row has
     * it. Two names for the one counter field. */
    union {
        uint32_t vote0;
        uint32_t epoch;
    };
    uint32_t step;    /* time step (recurrent and spiking layers), else 0 */
};

/* Sample and vote of row r. */
static inline uint32_t xb_rows_sample(const struct xb_rows *a, size_t r)
{
    return a->sample0 + (uint32_t)(r % a->batch);
}
static inline uint32_t xb_rows_vote(const struct xb_rows *a, size_t r)
{
    return a->vote0 + (uint32_t)(r / a->batch);
}

/* Applies noise of kind and std sigma (dimensionless for MULT, output
 * units for ADD) in place to rows [r0, r1) × columns [c0, c0 + cols) of the
 * matrix y (row stride ld); column j draws element j of its row's stream.
 * base: the stream of this layer (purpose NOISE), sample/vote overwritten
 * per row. eps: scratch of cols floats. Thread-safe. */
void xb_noise_apply(enum xb_noise_kind kind, float sigma, const struct xb_stream *base,
                    const struct xb_rows *rows, size_t r0, size_t r1, size_t c0,
                    size_t cols, float *y, size_t ld, float *eps);

/* The two halves of xb_noise_apply, for layers that keep the draw for
 * their backward pass. xb_noise_draw: out[0..cols) = sigma · eps for
 * columns [c0, c0 + cols) of row r (eps from the row's stream, as above).
 * xb_noise_mix: y = x + s (ADD) or y = x + x · s (MULT) over n elements,
 * s from xb_noise_draw; y may be x. Applying both gives xb_noise_apply's
 * bits. */
void xb_noise_draw(float sigma, const struct xb_stream *base, const struct xb_rows *rows,
                   size_t r, size_t c0, size_t cols, float *out);
void xb_noise_mix(enum xb_noise_kind kind, const float *x, const float *s, float *y, size_t n);

/* Parses "none", "add", "mult". Returns -1 if unknown. */
int xb_noise_kind_parse(const char *s);
const char *xb_noise_kind_name(enum xb_noise_kind kind);

/* Multiplicative model: SNR = 1 / sigma^2 (paper 001 §2).
 * sigma = 1 -> 0 dB; sigma = 0.4 -> 7.96 dB; sigma = 0 -> +inf. */
double xb_snr_db_mult(double sigma);
double xb_sigma_mult(double snr_db);

/* Additive model: SNR = P_signal / sigma^2, with P_signal the mean square
 * of the noise-free outputs (output units squared). */
double xb_snr_db_add(double sigma, double signal_power);
double xb_sigma_add(double snr_db, double signal_power);

/* Mean square of x[0..n). */
double xb_signal_power(const float *x, size_t n);

/* Measured SNR in dB of a noisy result against its ideal:
 * 10 log10( sum ideal^2 / sum (noisy - ideal)^2 ). +inf when equal. */
double xb_snr_db_measured(const float *ideal, const float *noisy, size_t n);

/* Standard deviation of (noisy - ideal) / rms(ideal): the relative error. */
double xb_rel_error_std(const float *ideal, const float *noisy, size_t n);

#endif
