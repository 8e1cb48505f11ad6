/*
 * xb_test_energy.h — prices and tilings exact in binary, so every product
 * and sum of the energy model is exact and tests can ask for equality
 * (header-only: tests/devices/test_energy.c, tests/models/test_cost.c).
 */
#ifndef XB_TEST_ENERGY_H
#define XB_TEST_ENERGY_H

#include "xb_energy.h"
#include "xb_xbar.h"

static inline struct xb_energy_params xb_test_binary_prices(void)
{
    struct xb_energy_params e;
    xb_energy_params_default(&e);
    e.dac_energy = 2.0;
    e.cell_energy = 0.25;
    e.adc_fom = 0.5;
    e.add_energy = 3.0;
    e.t_read = 0.5;
    e.adc_rate = 4.0;
    e.adcs_per_tile = 2;
    return e;
}

/* rows × cols tiles with dac_bits and adc_bits converters. */
static inline struct xb_xbar_params xb_test_tiles(int rows, int cols, int dac_bits, int adc_bits)
{
    struct xb_xbar_params x;
    xb_xbar_params_default(&x);
    x.tile_rows = rows;
    x.tile_cols = cols;
    x.dac_bits = dac_bits;
    x.adc_bits = adc_bits;
    return x;
}

#endif
