/*
 * xb_energy.h — what one read of a weight matrix on crossbar tiles costs in
 * energy and time: the converters, the arrays and the digital sum of the
 * tiles' partial outputs, counted from the tiling of devices/engine/xb_xbar.h
 * (ARCHITECTURE.md §5) and priced by published constants.
 *
 * One read is one input vector of `in` values through a matrix of out × in
 * weights cut into tiles of tile_rows × tile_cols (n_ti = ceil(in /
 * tile_rows) tiles down the inputs, n_to = ceil(out / tile_cols) across the
 * outputs), every tile with its own DACs at the rows and ADCs at the
 * columns, as the engine computes it:
 *
 *   DAC    in · n_to conversions (each tile's rows are driven by their own
 *          DACs); a b-bit conversion costs b · dac_energy, what b 1-bit
 *          slices of a bit-serial input cost (ISAAC streams its inputs so)
 *   array  2 · in · out device reads (a weight is a differential pair, both
 *          devices conduct) at cell_energy each
 *   ADC    out · n_ti conversions (every tile digitises its own partial
 *          outputs) at the Walden figure of merit: adc_fom · 2^b each
 *   sum    out · (n_ti − 1) digital additions of partial outputs at
 *          add_energy each
 *
 * A converter the simulation takes as ideal (xbar.dac_bits or adc_bits 0)
 * is costed at ideal_dac_bits / ideal_adc_bits (0: not costed).
 *
 * Time of one read: the tiles work in parallel; each settles its array in
 * t_read (the DAC's drive included) and then converts its columns on
 * adcs_per_tile ADCs of adc_rate conversions per second, so
 *
 *   τ = t_read + ceil(min(out, tile_cols) / adcs_per_tile) / adc_rate
 *
 * and the partial-sum additions are pipelined behind the ADCs (ISAAC's
 * shift-and-add units). Everything else (buffers, interconnect, the
 * digital layers between analog ones) is not costed.
 *
 * The constants are key rows (devices/cells/xb_key.h), group "energy":
 * config files (`energy = { adc_fom = 5e-15; };`) and `--set energy.KEY=V`
 * set them, and each row names its published source. Pure functions; safe
 * from any thread.
 */
#ifndef XB_ENERGY_H
#define XB_ENERGY_H

#include <stddef.h>
#include <stdint.h>

#include "xb_key.h"
#include "xb_xbar.h"

/* The prices. Energies in J, times in s. */
struct xb_energy_params {
    double dac_energy;  /* J per DAC conversion and bit */
    double cell_energy; /* J per device per read */
    double adc_fom;     /* J per conversion step: an ADC conversion of b bits costs fom · 2^b */
    double add_energy;  /* J per digital addition (partial sums across tiles) */
    double t_read;      /* s: array read, DAC drive included */
    double adc_rate;    /* conversions per second of one ADC */
    int adcs_per_tile;  /* ADCs that share the columns of a tile, >= 1 */
    int ideal_dac_bits; /* bits costed for an ideal DAC (xbar.dac_bits = 0); 0: none */
    int ideal_adc_bits; /* bits costed for an ideal ADC (xbar.adc_bits = 0); 0: none */
    /* The digital reference of a spiking net (models/eval/xb_activity.h,
     * paper 002 eqs. 7–8): J per accumulate-only and per multiply-
     * accumulate operation. */
    double ac_energy, mac_energy;
};

/* The rows of struct xb_energy_params (offsets into it), group "energy". */
const struct xb_key *xb_energy_keys(size_t *n);

/* Every field at its row's default. */
void xb_energy_params_default(struct xb_energy_params *e);

/* One read of an out × in matrix: counts, energies [J] and time [s]. */
struct xb_energy_read {
    size_t tiles_in, tiles_out;  /* n_ti, n_to */
    int dac_bits, adc_bits;      /* the resolutions costed */
    uint64_t dac_conv, cell_reads, adc_conv, adds;
    double e_dac, e_array, e_adc, e_add; /* J */
    double tau;                  /* s */
};

/* The cost of one read of an out × in matrix (out, in >= 1) on the tiles
 * and converters of x (tile_rows, tile_cols, dac_bits, adc_bits; nothing
 * else of x matters) at the prices of e. */
void xb_energy_read(const struct xb_energy_params *e, const struct xb_xbar_params *x,
                    size_t out, size_t in, struct xb_energy_read *r);

/* e_dac + e_array + e_adc + e_add. */
double xb_energy_read_total(const struct xb_energy_read *r);

/* The same read driven by spikes, in_rate (in [0, 1]) of its input rows
 * carrying one on average: each such row is one 1-bit DAC pulse per tile
 * across (none if the DAC is not costed) and only its devices conduct;
 * the ADCs still convert every column and the partial sums are still
 * added. in_rate = 1 is a read of 1-bit inputs all on. [J] */
double xb_energy_read_spiking(const struct xb_energy_params *e, const struct xb_energy_read *r,
                              double in_rate);

#endif
