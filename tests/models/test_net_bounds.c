/*
 * A model config is input: every size it implies is bounded before the
 * net allocates anything (XB_NET_MAX_PARAMS, XB_NET_MAX_ACTIVATIONS in
 * models/layers/xb_net.h). Each case here asked the allocator for terabytes and
 * aborted; now it is an XB_ERANGE naming the layer and the limit, and the
 * largest size within the limits still builds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "xb_net.h"

static struct xb_ctx *ctx;
static void setup(void) { ctx = xb_ctx_create(NULL); }
static void teardown(void) { xb_ctx_free(ctx); }
TestSuite(net_bounds, .init = setup, .fini = teardown);

static void layer(struct xb_net_config *c, const char *type, int units, int kernel)
{
    struct xb_layer_config *l = &c->layers[c->n_layers++];
    memset(l, 0, sizeof *l);
    snprintf(l->type, sizeof l->type, "%s", type);
    l->units = units;
    l->kernel = kernel;
    l->line = (int)c->n_layers;
}

/* Builds c for max_rows rows and expects status, with want in the message. */
static void build(const struct xb_net_config *c, size_t rows, enum xb_status status,
                  const char *want)
{
    struct xb_net *net = NULL;
    enum xb_status st = xb_net_create(ctx, c, rows, &net);
    cr_assert_eq(st, status, "status %d, want %d: %s", st, status, xb_ctx_error(ctx));
    if (want)
        cr_assert(strstr(xb_ctx_error(ctx), want), "want '%s' in: %s", want,
                  xb_ctx_error(ctx));
    xb_net_free(net);
}

Test(net_bounds, two_dense_layers_of_a_million_units)
{
    struct xb_net_config c = {.input = {1, 8, 8}, .classes = 10};
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", 1 << 20, 0);
    layer(&c, "dense", 1 << 20, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 64, XB_ERANGE, "model line 3, layer 2 (dense): parameters");
}

/* A dense layer of 7 inputs has 8 floats per unit: 2^24 units are the
 * limit, 2^24 + 1 exceed it by 8. */
Test(net_bounds, one_unit_beyond_the_parameter_limit)
{
    struct xb_net_config c = {.input = {1, 1, 7}, .classes = 2};
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", (int)(XB_NET_MAX_PARAMS / 8) + 1, 0);
    layer(&c, "dense", 2, 0);
    build(&c, 1, XB_ERANGE, "at most 2^27");
}

Test(net_bounds, activations_of_a_wide_input)
{
    /* 1 x 4096 x 4096 inputs, 640 rows: 1.1e10 floats in one buffer. */
    struct xb_net_config c = {.input = {1, 4096, 4096}, .classes = 10};
    layer(&c, "dropout", 0, 0);
    c.layers[0].rate = 0.5;
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 640, XB_ERANGE, "activations");
}

Test(net_bounds, conv_im2col_and_parameters)
{
    /* 121 x 121 patches of 1024 x 8 x 8: 9.6e8 floats per thread. */
    struct xb_net_config c = {.input = {1024, 128, 128}, .classes = 10};
    layer(&c, "conv2d", 16, 8);
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 1, XB_ERANGE, "im2col");
    c = (struct xb_net_config){.input = {256, 8, 8}, .classes = 10};
    layer(&c, "conv2d", 1 << 20, 8);
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 1, XB_ERANGE, "parameters");
}

Test(net_bounds, lstm_of_a_million_units)
{
    struct xb_net_config c = {.input = {1, 28, 28}, .classes = 10};
    layer(&c, "lstm", 1 << 20, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 32, XB_ERANGE, "(lstm)");
}

Test(net_bounds, sensible_models_still_build)
{
    struct xb_net_config c = {.input = {1, 28, 28}, .classes = 10};
    layer(&c, "flatten", 0, 0);
    layer(&c, "dense", 256, 0);
    layer(&c, "dense", 10, 0);
    build(&c, 640, XB_OK, NULL);
}
