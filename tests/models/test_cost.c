/*
 * A network's energy and latency (models/eval/xb_cost): each weighted layer
 * priced as its reads on the engine's tiles, digital layers free, exact
 * scaling with K votes and with the tiles a layer needs, paper 001 §2's
 * pipelined and sequential latencies, and the accumulate-only entry point.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "xb_cost.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_test_energy.h"
#include "xb_test_net.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 1, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(cost, .init = setup, .fini = teardown);

/* The tiles of these tests: 2-bit DAC, 3-bit ADC. */
static struct xb_xbar_params tiles(int rows, int cols)
{
    return xb_test_tiles(rows, cols, 2, 3);
}

/* A dense net in -> units[0] -> relu -> ... -> units[n-1]. */
static struct xb_net *dense_net(int in, const int *units, size_t n)
{
    struct xb_net_config cfg = {.input = {in, 1, 1}, .classes = units[n - 1]};
    for (size_t i = 0; i < n; i++) {
        cfg.layers[cfg.n_layers++] = xb_test_layer("dense", units[i]);
        if (i + 1 < n)
            cfg.layers[cfg.n_layers++] = xb_test_layer("relu", 0);
    }
    return xb_test_net(ctx, &cfg, 4);
}

/* dense 9 -> 5, relu, dense 5 -> 2 on 4 × 3 tiles: the first layer is the
 * read of tests/devices/test_energy.c (184.5 J, τ 1 s); the second, 2 × 5
 * on 2 × 1 tiles: DAC 5 · 1 · 2 bits · 2 J = 20, array 2 · 5 · 2 · 0.25 =
 * 5, ADC 2 · 2 · 4 = 16, sums 2 · 1 · 3 = 6: 47 J, τ 0.5 + ceil(2/2)/4 =
 * 0.75 s. The relu costs nothing and is no stage. */
Test(cost, net_by_hand)
{
    const int units[] = {5, 2};
    struct xb_net *net = dense_net(9, units, 2);
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(4, 3);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    cr_assert_eq(c.n_layers, 3);
    cr_assert_eq(c.stages, 2);
    cr_assert_str_eq(c.layer[0].kind, "dense");
    cr_assert_eq(c.layer[0].mvm.out, 5);
    cr_assert_eq(c.layer[0].mvm.in, 9);
    cr_assert_eq(c.layer[0].mvm.reads, 1);
    cr_assert_eq(c.layer[0].energy, 184.5);
    cr_assert_eq(c.layer[0].tau, 1.0);
    cr_assert_eq(c.layer[1].analog, 0);
    cr_assert_eq(c.layer[1].energy, 0.0);
    cr_assert_eq(c.layer[1].tau, 0.0);
    cr_assert_eq(c.layer[2].energy, 47.0);
    cr_assert_eq(c.layer[2].tau, 0.75);
    cr_assert_eq(c.energy, 231.5);
    cr_assert_eq(c.tau_sum, 1.75);
    cr_assert_eq(c.tau_max, 1.0);
    xb_net_free(net);
}

/* K votes are K reads of every layer: energy K times one vote, exactly. */
Test(cost, energy_scales_with_votes)
{
    const int units[] = {300, 64, 10};
    struct xb_net *net = dense_net(784, units, 3);
    struct xb_energy_params e;
    xb_energy_params_default(&e);
    struct xb_xbar_params x = tiles(256, 256);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    const double one = xb_cost_energy(&c, 1);
    cr_assert_gt(one, 0.0);
    double sum = 0.0;
    for (size_t i = 0; i < c.n_layers; i++)
        sum += c.layer[i].energy;
    cr_assert_eq(one, sum);
    for (int k = 1; k <= 40; k++)
        cr_assert_eq(xb_cost_energy(&c, k), k * one, "K = %d", k);
    xb_net_free(net);
}

/* A layer that needs 2 × 3 tiles against one that needs one: the net's
 * per-tile energy is 6 times as large, plus the partial sums of the tile
 * below (3C additions per read). Binary prices: the sums are exact. */
Test(cost, energy_scales_with_tiles)
{
    const int R = 32, C = 16;
    const int one_u[] = {C}, six_u[] = {3 * C};
    struct xb_net *one = dense_net(R, one_u, 1), *six = dense_net(2 * R, six_u, 1);
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(R, C);
    struct xb_cost a, b;
    xb_cost_net(&a, &e, &x, one);
    xb_cost_net(&b, &e, &x, six);
    const struct xb_energy_read *ra = &a.layer[0].read, *rb = &b.layer[0].read;
    cr_assert_eq(rb->tiles_in * rb->tiles_out, 6 * ra->tiles_in * ra->tiles_out);
    cr_assert_eq(b.energy - rb->e_add, 6 * (a.energy - ra->e_add));
    cr_assert_eq(ra->e_add, 0.0);
    cr_assert_eq(rb->e_add, 3 * C * e.add_energy);
    cr_assert_eq(b.tau_sum, a.tau_sum);
    xb_net_free(one);
    xb_net_free(six);
}

/* L equal stages: paper 001 §2's (L + K − 1)·τ pipelined and K·L·τ
 * sequential, exactly (τ = 0.75 s, sums exact in binary). */
Test(cost, latency_formulas)
{
    const int units[] = {2, 2, 2, 2};
    const size_t L = 4;
    struct xb_net *net = dense_net(2, units, L);
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(4, 3);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    cr_assert_eq(c.stages, L);
    const double tau = 0.75;
    for (size_t i = 0; i < c.n_layers; i++)
        cr_assert_eq(c.layer[i].tau, c.layer[i].analog ? tau : 0.0);
    for (int k = 1; k <= 30; k++) {
        cr_assert_eq(xb_cost_latency(&c, k, 1), (double)(L + (size_t)k - 1) * tau, "K = %d", k);
        cr_assert_eq(xb_cost_latency(&c, k, 0), (double)((size_t)k * L) * tau, "K = %d", k);
    }
    xb_net_free(net);
}

/* Unequal stages: a new vote enters each time the slowest stage frees. */
Test(cost, latency_unequal_stages)
{
    const int units[] = {5, 2};
    struct xb_net *net = dense_net(9, units, 2);
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(4, 3);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    /* stages 1 s and 0.75 s */
    cr_assert_eq(xb_cost_latency(&c, 1, 1), 1.75);
    cr_assert_eq(xb_cost_latency(&c, 5, 1), 1.75 + 4 * 1.0);
    cr_assert_eq(xb_cost_latency(&c, 5, 0), 5 * 1.75);
    xb_net_free(net);
}

/* 3 x 3 inputs, T = 6, lif 5 -> lif 2 (count readout). */
static struct xb_net *spiking_net(void)
{
    struct xb_net_config sc = {.input = {1, 3, 3}, .classes = 2};
    sc.layers[0] = xb_test_layer("encode", 0);
    sc.layers[0].steps = 6;
    sc.layers[1] = xb_test_layer("lif", 5);
    sc.layers[2] = xb_test_layer("lif", 2);
    sc.layers[2].readout = XB_READOUT_COUNT;
    sc.n_layers = 3;
    return xb_test_net(ctx, &sc, 4);
}

/* conv2d reads once per output position, lstm once per step. */
Test(cost, conv_and_lstm_reads)
{
    struct xb_net_config cfg = {.input = {2, 6, 6}, .classes = 3};
    cfg.layers[0] = xb_test_layer("conv2d", 4);
    cfg.layers[0].kernel = 3;
    cfg.layers[1] = xb_test_layer("flatten", 0);
    cfg.layers[2] = xb_test_layer("dense", 3);
    cfg.n_layers = 3;
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(4, 3);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    const struct xb_cost_layer *cv = &c.layer[0];
    cr_assert_eq(cv->mvm.out, 4);
    cr_assert_eq(cv->mvm.in, 2 * 3 * 3);
    cr_assert_eq(cv->mvm.reads, 16); /* 4 × 4 positions */
    cr_assert_eq(cv->energy, 16 * xb_energy_read_total(&cv->read));
    cr_assert_eq(cv->tau, 16 * cv->read.tau);
    cr_assert_eq(c.layer[2].mvm.in, 4 * 16);
    xb_net_free(net);

    struct xb_net_config lc = {.input = {1, 7, 3}, .classes = 2};
    lc.layers[0] = xb_test_layer("lstm", 5);
    lc.layers[1] = xb_test_layer("dense", 2);
    lc.n_layers = 2;
    net = xb_test_net(ctx, &lc, 4);
    xb_cost_net(&c, &e, &x, net);
    cr_assert_eq(c.layer[0].mvm.out, 4 * 5);
    cr_assert_eq(c.layer[0].mvm.in, 3 + 5);
    cr_assert_eq(c.layer[0].mvm.reads, 7);
    cr_assert_eq(c.layer[0].energy, 7 * xb_energy_read_total(&c.layer[0].read));
    xb_net_free(net);

    /* A spiking layer reads its weights once per time step. */
    net = spiking_net();
    xb_cost_net(&c, &e, &x, net);
    cr_assert_eq(c.layer[1].mvm.out, 5);
    cr_assert_eq(c.layer[1].mvm.in, 9);
    cr_assert_eq(c.layer[1].mvm.reads, 6);
    cr_assert_eq(c.layer[2].mvm.in, 5);
    cr_assert_eq(c.layer[2].mvm.reads, 6);
    cr_assert_eq(c.layer[1].energy, 6 * xb_energy_read_total(&c.layer[1].read));
    xb_net_free(net);
}

/* A spiking layer's reads at a measured input rate (xb_cost_set_activity):
 * 9 inputs on 4 x 3 tiles (n_to = 2), 2-bit DACs at 2 J a bit, cells at
 * 0.25 J: a full read pays 9 · 2 · 2 · 2 = 72 J of DAC and 2 · 9 · 5 ·
 * 0.25 = 22.5 J of array; a quarter of the rows spiking pay 0.25 · 9 · 2
 * one-bit pulses (9 J) and a quarter of the array (5.625 J); the ADCs and
 * sums are paid in full. Analog inputs (spikes = 0) keep the full read. */
Test(cost, spiking_reads_at_the_measured_rate)
{
    struct xb_net *net = spiking_net();
    struct xb_energy_params e = xb_test_binary_prices();
    struct xb_xbar_params x = tiles(4, 3);
    struct xb_cost c;
    xb_cost_net(&c, &e, &x, net);
    const struct xb_energy_read r = c.layer[1].read;
    cr_assert(r.e_dac == 72.0 && r.e_array == 22.5);
    const double full = c.energy, rest = r.e_adc + r.e_add;
    xb_cost_set_activity(&c, 1, 0.25, 0);
    cr_assert_eq(c.energy, full);
    xb_cost_set_activity(&c, 1, 0.25, 1);
    cr_assert_eq(c.layer[1].energy, 6.0 * (9.0 + 5.625 + rest));
    cr_assert_eq(c.energy, 6.0 * (9.0 + 5.625 + rest) + c.layer[2].energy);
    cr_assert_lt(c.energy, full);
    cr_assert_eq(c.layer[1].in_rate, 0.25);
    xb_cost_set_activity(&c, 1, 0.0, 1); /* silence: only the converters' reads remain */
    cr_assert_eq(c.layer[1].energy, 6.0 * rest);
    cr_assert_eq(c.tau_sum, c.layer[1].tau + c.layer[2].tau); /* no time saved */
    xb_net_free(net);
}
