/*
 * xb_snr.h — the measured SNR of a network's analog layers (issue 10):
 * each analog layer's output in a noisy or on-chip pass against what the
 * layer gives for the same inputs off the chip and without noise
 * (xb_net_layer_ideal), as signal energy over error energy,
 *
 *   SNR_l = 10 log10( sum ideal^2 / sum (output - ideal)^2 )  [dB],
 *
 * the sums over every output value of the rows measured — the formula of
 * `xbar mvm` (xb_snr_db_measured), so a one-layer net on a chip measures
 * what `xbar mvm` measures for the same matrix, inputs and settings.
 *
 * The analog layers of a pass are where it makes its errors:
 *   on a chip (xb_pass.on_device)  every weighted layer (dense, conv2d,
 *                                  lstm: the layer kinds with `program`),
 *                                  its output the crossbar's product + bias;
 *   abstract noise                 every noise layer after the first
 *                                  position and every layer with noise
 *                                  inside (lstm), the points whose signal
 *                                  xb_net_noise_input_power measures.
 * Inputs are the layer's inputs in the same pass (upstream errors
 * included), so SNR_l is the layer's own contribution.
 *
 * The chip's figure, xb_snr_net_db, pools every analog output value of
 * every layer: sum of all signal energies over sum of all error energies.
 * For paper 001's noise models it is the SNR the sweeps already report:
 * under multiplicative noise every value has error energy sigma^2 times
 * its signal, so the pool is -20 log10 sigma; under additive noise the
 * error energy per value is sigma^2 and the signal is the pooled mean
 * square P of xb_net_noise_input_power, so it is 10 log10(P / sigma^2).
 * A device point therefore sits on the same SNR axis as the
 * abstract-noise points. (An lstm's output is its hidden sequence, after
 * the gates' nonlinearities and the recurrence: its SNR is the layer's,
 * not its gates', and a net with one is not held to those formulas.) Pooling weights a layer by its output energy
 * (conv layers with many outputs weigh more); a mean of per-layer dB would
 * let a tiny, exact layer hide a noisy one, and the last layer alone would
 * ignore the errors of every layer before it.
 *
 * Sums are double, in row-major order, serial: bit-identical for any
 * thread count and batch split only if the passes are the same, which
 * they are (models/eval/xb_eval.h cuts them by the net's rows).
 */
#ifndef XB_SNR_H
#define XB_SNR_H

#include <stddef.h>
#include <stdint.h>

#include "xb_net.h"

/* Tiles measured at most (their sums are in the struct, which lives on
 * the caller's stack); a chip with more gives no tile figures. */
#define XB_SNR_MAX_TILES 1024

struct xb_snr {
    int on_device;                      /* the mode of xb_snr_init */
    size_t n;                           /* analog layers */
    uint32_t layer[XB_NET_MAX_LAYERS];  /* their positions in the net, increasing */
    double signal[XB_NET_MAX_LAYERS];   /* sum of ideal^2 */
    double error[XB_NET_MAX_LAYERS];    /* sum of (output - ideal)^2 */
    uint64_t values[XB_NET_MAX_LAYERS]; /* output values summed */
    /* On a chip, the SNR of each tile's ADC output too (the layer kinds
     * with tile_energy: dense): every such layer's tiles, in layer order and
     * within a layer in the engine's order to · n_ti + ti. Known from the
     * first xb_snr_add on a programmed net (xb_snr_tiles before it). */
    size_t n_tiles;
    int tiles_known;
    uint32_t tile_layer[XB_SNR_MAX_TILES];  /* the position of each tile's layer */
    double tile_signal[XB_SNR_MAX_TILES];   /* normalised units^2 */
    double tile_error[XB_SNR_MAX_TILES];
};

/* The analog layers of net for passes on a chip (on_device) or under
 * abstract noise, sums zeroed. */
void xb_snr_init(struct xb_snr *s, struct xb_net *net, int on_device);

/* Floats of scratch xb_snr_add needs for net: max_rows × the widest
 * analog layer output. */
size_t xb_snr_scratch(struct xb_net *net, const struct xb_snr *s);

/* Adds the last forward of net (pass p of input x) to the sums. scratch:
 * xb_snr_scratch floats. */
void xb_snr_add(struct xb_snr *s, struct xb_net *net, const struct xb_pass *p, const float *x,
                float *scratch);

/* On a chip: the tiles of the programmed net's analog layers (0 without
 * the hook or above XB_SNR_MAX_TILES), recorded in s (n_tiles,
 * tile_layer, tiles_known). */
size_t xb_snr_tiles(struct xb_snr *s, struct xb_net *net);

/* SNR of tile t (t < s->n_tiles) at its ADC output in dB. */
double xb_snr_tile_db(const struct xb_snr *s, size_t t);

/* SNR of analog layer i (i < s->n) in dB: +inf without error, NaN with
 * nothing summed. */
double xb_snr_layer_db(const struct xb_snr *s, size_t i);

/* The chip's SNR in dB: every layer's sums pooled (see above). NaN with
 * no analog layer or nothing summed. */
double xb_snr_net_db(const struct xb_snr *s);

#endif
