/*
 * The cost of one read on crossbar tiles (devices/engine/xb_energy): a read
 * counted and priced by hand, exact scaling with the number of tiles, the
 * Walden law of the ADC, ideal converters, and the key rows with the
 * published figures their defaults are derived from.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_energy.h"
#include "xb_test_energy.h"

/* 5 × 9 weights on 4 × 3 tiles: 3 tiles down the inputs (4 + 4 + 1), 2
 * across the outputs (3 + 2).
 *   DAC    9 inputs · 2 tile columns = 18 conversions · 2 bits · 2 J = 72 J
 *   array  2 · 9 · 5 = 90 device reads · 0.25 J                      = 22.5 J
 *   ADC    5 outputs · 3 tile rows = 15 conversions · 0.5 · 2^3 J    = 60 J
 *   sum    5 · (3 − 1) = 10 additions · 3 J                          = 30 J
 *   τ      0.5 s + ceil(min(5, 3) / 2 ADCs) / 4 per s                = 1 s */
Test(energy, read_by_hand)
{
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = xb_test_tiles(4, 3, 2, 3);
    struct xb_energy_read r;
    xb_energy_read(&e, &x, 5, 9, &r);
    cr_assert_eq(r.tiles_in, 3);
    cr_assert_eq(r.tiles_out, 2);
    cr_assert_eq(r.dac_conv, 18);
    cr_assert_eq(r.cell_reads, 90);
    cr_assert_eq(r.adc_conv, 15);
    cr_assert_eq(r.adds, 10);
    cr_assert_eq(r.e_dac, 72.0);
    cr_assert_eq(r.e_array, 22.5);
    cr_assert_eq(r.e_adc, 60.0);
    cr_assert_eq(r.e_add, 30.0);
    cr_assert_eq(xb_energy_read_total(&r), 184.5);
    cr_assert_eq(r.tau, 1.0);
}

/* A layer that needs 2 × 3 full tiles against one that fits one tile: every
 * per-tile part (DAC, array, ADC) is exactly 6 times as large, the time of
 * a read is the same (tiles work in parallel), and the partial sums appear
 * only with more than one tile down the inputs: (2 − 1) · 3C additions. */
Test(energy, scales_with_tiles)
{
    struct xb_energy_params e = xb_test_binary_prices();
    const int R = 64, C = 32;
    struct xb_xbar_params x = xb_test_tiles(R, C, 6, 8);
    struct xb_energy_read one, six;
    xb_energy_read(&e, &x, C, R, &one);
    xb_energy_read(&e, &x, 3 * C, 2 * R, &six);
    cr_assert_eq(one.tiles_in * one.tiles_out, 1);
    cr_assert_eq(six.tiles_in * six.tiles_out, 6);
    cr_assert_eq(six.dac_conv, 6 * one.dac_conv);
    cr_assert_eq(six.cell_reads, 6 * one.cell_reads);
    cr_assert_eq(six.adc_conv, 6 * one.adc_conv);
    cr_assert_eq(six.e_dac, 6 * one.e_dac);
    cr_assert_eq(six.e_array, 6 * one.e_array);
    cr_assert_eq(six.e_adc, 6 * one.e_adc);
    cr_assert_eq(one.adds, 0);
    cr_assert_eq(one.e_add, 0.0);
    cr_assert_eq(six.adds, (uint64_t)3 * C);
    cr_assert_eq(six.e_add, 3 * C * e.add_energy);
    cr_assert_eq(six.tau, one.tau);
}

/* Walden: one more bit doubles the energy of a conversion, exactly. */
Test(energy, adc_walden)
{
    struct xb_energy_params e;
    xb_energy_params_default(&e);
    struct xb_energy_read prev, r;
    struct xb_xbar_params x = xb_test_tiles(16, 16, 4, 1);
    xb_energy_read(&e, &x, 16, 16, &prev);
    for (int b = 2; b <= 14; b++) {
        x.adc_bits = b;
        xb_energy_read(&e, &x, 16, 16, &r);
        cr_assert_eq(r.e_adc, 2 * prev.e_adc, "%d bits", b);
        cr_assert_eq(r.e_dac, prev.e_dac);
        cr_assert_eq(r.e_array, prev.e_array);
        prev = r;
    }
}

/* An ideal converter is costed at ideal_*_bits; at 0 it costs neither
 * energy nor, for the ADC, conversion time. */
Test(energy, ideal_converters)
{
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params ideal = xb_test_tiles(4, 3, 0, 0), real = xb_test_tiles(4, 3, 5, 7);
    e.ideal_dac_bits = 5;
    e.ideal_adc_bits = 7;
    struct xb_energy_read a, b;
    xb_energy_read(&e, &ideal, 5, 9, &a);
    xb_energy_read(&e, &real, 5, 9, &b);
    cr_assert_eq(a.dac_bits, 5);
    cr_assert_eq(a.adc_bits, 7);
    cr_assert_eq(xb_energy_read_total(&a), xb_energy_read_total(&b));
    cr_assert_eq(a.tau, b.tau);
    e.ideal_dac_bits = e.ideal_adc_bits = 0;
    xb_energy_read(&e, &ideal, 5, 9, &a);
    cr_assert_eq(a.dac_conv, 0);
    cr_assert_eq(a.adc_conv, 0);
    cr_assert_eq(a.e_dac + a.e_adc, 0.0);
    cr_assert_eq(a.e_array, b.e_array);
    cr_assert_eq(a.tau, e.t_read);
}

/* The defaults are the figures of ISAAC's Table I (Shafiee et al., ISCA
 * 2016) per event, recomputed here from the published powers: an 8-bit
 * conversion 2 mW / 1.28 GS/s, a 1-bit DAC conversion 4 mW over 1024 DACs
 * for 100 ns, a device read 2.4 mW over 8 · 128 · 128 cells for 100 ns.
 * The relative tolerance is a few ulps of the division chain. */
Test(energy, defaults_are_isaac)
{
    struct xb_energy_params e;
    xb_energy_params_default(&e);
    const double tol = 1e-14;
    cr_assert_float_eq(ldexp(e.adc_fom, 8), 2e-3 / 1.28e9, tol * 2e-12);
    cr_assert_float_eq(e.dac_energy, 4e-3 / 1024 * 100e-9, tol * 4e-13);
    cr_assert_float_eq(e.cell_energy, 2.4e-3 / (8.0 * 128 * 128) * 100e-9, tol * 2e-15);
    cr_assert_eq(e.t_read, 100e-9);
    cr_assert_eq(e.adc_rate, 1.28e9);
    cr_assert_eq(e.adcs_per_tile, 1);
    cr_assert_eq(e.ideal_adc_bits, 8);
    /* ISAAC's 128 columns on one ADC take 100 ns, as long as the read. */
    struct xb_xbar_params x = xb_test_tiles(128, 128, 1, 8);
    struct xb_energy_read r;
    xb_energy_read(&e, &x, 128, 128, &r);
    cr_assert_float_eq(r.tau, 200e-9, 1e-22);
}

/* Every row: group energy, a unit, help, a published source, a default in
 * its range; the names are the ones config files use. */
Test(energy, key_rows)
{
    size_t n;
    const struct xb_key *k = xb_energy_keys(&n);
    cr_assert_eq(n, 11);
    struct xb_energy_params e;
    memset(&e, 0xff, sizeof e);
    xb_energy_params_default(&e);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(k[i].group, "energy");
        cr_assert(k[i].unit && k[i].unit[0], "%s: unit", k[i].name);
        cr_assert(k[i].help && k[i].help[0], "%s: help", k[i].name);
        cr_assert(k[i].source && strlen(k[i].source) > 10, "%s: source", k[i].name);
        cr_assert(k[i].def >= k[i].min && k[i].def <= k[i].max, "%s: default", k[i].name);
        cr_assert_eq(xb_key_load(&k[i], &e), k[i].def, "%s: stored default", k[i].name);
    }
    cr_assert_not_null(xb_key_find(k, n, "energy", "adc_fom"));
    cr_assert_not_null(xb_key_find(k, n, "energy", "ideal_dac_bits"));
    /* paper 002 Table 7's 32-bit FP prices, the digital reference of a spiking net */
    cr_assert_eq(e.ac_energy, 0.9e-12);
    cr_assert_eq(e.mac_energy, 4.6e-12);
}
