/*
 * The helpers the layer kinds share (xb_layer_impl.h): error messages that
 * name the model line, the table of layer fields (the key registry's rows,
 * ARCHITECTURE.md §11) and the size and unused-field checks, initialisation,
 * and a layer's programmed crossbar. Apart from the kinds' table (xb_layer.c), so
 * that the kinds depend on these and the table on the kinds, never round.
 */
#include "xb_layer_impl.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "xb_net.h"
#include "xb_rng.h"
#include "xb_spike.h"

enum xb_status xb_layer_error(struct xb_ctx *ctx, enum xb_status status,
                              const struct xb_layer *l, const struct xb_layer_config *cfg,
                              const char *fmt, ...)
{
    char msg[384], where[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (cfg->line > 0)
        snprintf(where, sizeof where, "model line %d, layer %u (%s)", cfg->line,
                 (unsigned)l->id, cfg->type);
    else
        snprintf(where, sizeof where, "model layer %u (%s)", (unsigned)l->id, cfg->type);
    return xb_error(ctx, status, "%s: %s", where, msg);
}

enum xb_status xb_layer_check_size(struct xb_ctx *ctx, const struct xb_layer *l,
                                   const struct xb_layer_config *cfg, const char *what,
                                   size_t a, size_t b, size_t limit)
{
    if (b == 0 || a <= limit / b)
        return XB_OK;
    char size[64] = "";
    if (a != 1)
        snprintf(size, sizeof size, "%zu x %zu = ", a, b);
    return xb_layer_error(ctx, XB_ERANGE, l, cfg, "%s: %s%.3g floats; at most 2^%d "
                          "(models/layers/xb_net.h)", what, size, (double)a * (double)b,
                          limit == XB_NET_MAX_PARAMS ? 27 : 28);
}

/* The fields of a layer (struct xb_layer_config): one row each, .group
 * naming the kinds that use it. Adding a field is a row here and the code
 * of the kinds that use it (ARCHITECTURE.md, "how to add a key"). An
 * enum-valued field is an XB_KEY_ENUM row: its names in .choices, stored
 * as the index in an int. */
#define XB_LOFF(f) .offset = offsetof(struct xb_layer_config, f)
static const struct xb_key layer_keys[] = {
    {.name = "type", .type = XB_KEY_STRING, .unit = "", XB_LOFF(type),
     .size = sizeof(((struct xb_layer_config *)0)->type),
     .help = "dense, conv2d, batchnorm, relu, maxpool, flatten, dropout, noise, lstm, encode, "
             "lif, conv_lif or mfdv",
     .source = "xbar"},
    {.name = "units", .type = XB_KEY_INT, .unit = "1", .min = 1, .max = 1 << 20,
     XB_LOFF(units), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .group = "dense conv2d lstm lif conv_lif",
     .help = "dense, lif: outputs; conv2d, conv_lif: output channels; lstm: hidden size",
     .source = "xbar"},
    {.name = "kernel", .type = XB_KEY_INT, .unit = "1", .min = 1, .max = 64, XB_LOFF(kernel),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "conv2d conv_lif maxpool",
     .help = "conv2d, conv_lif: k x k kernel; maxpool: window", .source = "xbar"},
    {.name = "stride", .type = XB_KEY_INT, .unit = "1", .min = 1, .max = 64, XB_LOFF(stride),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "conv2d conv_lif maxpool",
     .help = "unset: 1 for conv2d and conv_lif, the kernel for maxpool", .source = "xbar"},
    {.name = "pad", .type = XB_KEY_INT, .unit = "1", .min = 0, .max = 64, XB_LOFF(pad),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "conv2d conv_lif",
     .help = "zero padding on each side", .source = "xbar"},
    {.name = "rate", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1, XB_LOFF(rate),
     .flags = XB_KEY_MAX_OPEN | XB_KEY_OMIT_DEFAULT, .group = "dropout",
     .help = "drop probability", .source = "xbar"},
    {.name = "fixed", .type = XB_KEY_BOOL, .unit = "", XB_LOFF(fixed), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .group = "batchnorm",
     .help = "fixed statistics and no learned scale/shift (paper 001 under additive noise)",
     .source = "paper 001"},
    {.name = "init", .type = XB_KEY_ENUM, .choices = xb_init_key_names, .min = XB_INIT_AUTO + 1,
     .max = XB_INIT_COUNT - 1, XB_LOFF(init), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .group = "dense conv2d lstm lif conv_lif",
     .help = "initial weights and biases: he-uniform, glorot-uniform or pytorch (unset: "
             "model.init, else he-uniform for dense, conv2d and lif, glorot-uniform for "
             "lstm)",
     .source = "models/layers/xb_init.h"},
    /* spiking layers (models/layers/xb_spike.h); every default 0 */
    {.name = "steps", .type = XB_KEY_INT, .unit = "1", .min = 1, .max = XB_RNG_MAX_STEP + 1.0,
     XB_LOFF(steps), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .group = "encode conv_lif flatten",
     .help = "encode: time steps T of the spiking layers above (required); conv_lif: T "
             "(required, dividing the input channels); flatten: T images in, T vectors out",
     .source = "xbar"},
    {.name = "image", .type = XB_KEY_BOOL, .unit = "", XB_LOFF(image), .store = XB_STORE_INT,
     .flags = XB_KEY_OMIT_DEFAULT, .group = "encode",
     .help = "give the T steps as images, {T*c, h, w}, for conv_lif (unset: {T, 1, c*h*w}, "
             "for lif)", .source = "models/layers/xb_spike.h"},
    {.name = "encoding", .type = XB_KEY_ENUM, .choices = xb_encoding_names, XB_LOFF(encoding),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "encode",
     .help = "direct (the analog input at every step), poisson or bernoulli (rate-coded "
             "spikes)", .source = "models/layers/xb_spike.h"},
    {.name = "gain", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1e6, XB_LOFF(gain),
     .flags = XB_KEY_OMIT_DEFAULT, .group = "encode",
     .help = "spike probability (bernoulli) or events per step (poisson) per unit input "
             "(unset: 1)", .source = "xbar"},
    {.name = "threshold", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1e6,
     XB_LOFF(threshold), .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "firing threshold V_th, in the units of W x (unset: 1)", .source = "paper 000"},
    {.name = "leak", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1, XB_LOFF(leak),
     .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "1 - k: the share of the membrane lost per step (0: integrate-and-fire)",
     .source = "paper 000"},
    {.name = "reset", .type = XB_KEY_ENUM, .choices = xb_lif_reset_names, XB_LOFF(reset),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "after a spike: zero (paper 000) or subtract the threshold",
     .source = "paper 000"},
    {.name = "surrogate", .type = XB_KEY_ENUM, .choices = xb_surrogate_names,
     XB_LOFF(surrogate), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .group = "lif conv_lif",
     .help = "ds/du in training: rectangular (STBP), triangle, fast-sigmoid or arctan",
     .source = "Wu et al. 2018"},
    {.name = "surrogate_width", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1e6,
     XB_LOFF(surrogate_width), .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "the surrogate's width a in membrane units; fast-sigmoid, arctan: 1/slope "
             "(unset: 1)", .source = "models/layers/xb_spike.h"},
    {.name = "readout", .type = XB_KEY_ENUM, .choices = xb_lif_readout_names,
     XB_LOFF(readout), .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT,
     .group = "lif conv_lif",
     .help = "spikes (all steps, hidden layers), last, count, membrane-sum or membrane-max",
     .source = "models/layers/xb_spike.h"},
    {.name = "learn_threshold", .type = XB_KEY_BOOL, .unit = "", XB_LOFF(learn_threshold),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "train V_th per neuron", .source = "xbar"},
    {.name = "learn_leak", .type = XB_KEY_BOOL, .unit = "", XB_LOFF(learn_leak),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "lif conv_lif",
     .help = "train k = 1 - leak per neuron", .source = "xbar"},
    {.name = "learn_sigma", .type = XB_KEY_BOOL, .unit = "", XB_LOFF(learn_sigma),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT, .group = "noise lif",
     .help = "a learned std per neuron (initialised to 1) scaling sigma: likelihood-ratio "
             "training (train.algorithm = nit, nit-s, nit-s+) needs it",
     .source = "paper 000 (Algorithm 1)"},
    {.name = "variance_weight", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1e6,
     XB_LOFF(variance_weight), .flags = XB_KEY_OMIT_DEFAULT, .group = "mfdv",
     .help = "lambda: the objective gets -lambda (1/D) sum_d ln s_d^2, a reward for large "
             "learned variances", .source = "paper 003 (MFDV)"},
    {.name = "sigma_init", .type = XB_KEY_REAL, .unit = "1", .min = 0, .max = 1e6,
     XB_LOFF(sigma_init), .flags = XB_KEY_OMIT_DEFAULT, .group = "mfdv",
     .help = "the learned stds s_d at initialisation (unset: 1)", .source = "xbar"},
};

const struct xb_key *xb_layer_keys(size_t *n)
{
    *n = sizeof layer_keys / sizeof *layer_keys;
    return layer_keys;
}

int xb_layer_key_used(const struct xb_key *k, const char *kind)
{
    if (!k->group)
        return 1;
    size_t len = strlen(kind);
    for (const char *p = k->group; (p = strstr(p, kind)) != NULL; p += len)
        if ((p == k->group || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return 1;
    return 0;
}

enum xb_status xb_layer_check_unused(struct xb_ctx *ctx, const struct xb_layer *l,
                                     const struct xb_layer_config *cfg)
{
    size_t n;
    const struct xb_key *keys = xb_layer_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (!xb_layer_key_used(&keys[i], cfg->type) && !xb_key_at_default(&keys[i], cfg))
            return xb_layer_error(ctx, XB_EINVAL, l, cfg,
                                  "field '%s' is set but a %s layer does not use it",
                                  keys[i].name, cfg->type);
    if (cfg->init != XB_INIT_AUTO && !xb_init_type(cfg->init)) {
        char names[128];
        xb_init_names(names, sizeof names);
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "init = %d: expected %s", (int)cfg->init,
                              names);
    }
    return XB_OK;
}

void xb_layer_chip_drop(struct xb_layer_chip *c)
{
    xb_xbar_ws_free(c->ws);
    xb_xbar_free(c->xb);
    c->ws = NULL;
    c->xb = NULL;
}

enum xb_status xb_layer_chip_program(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                     const struct xb_layer *l,
                                     const struct xb_xbar_params *params, size_t out, size_t in)
{
    xb_layer_chip_drop(c);
    struct xb_xbar_params xp = *params;
    xp.layer = l->id;
    enum xb_status st = xb_xbar_create(ctx, &xp, l->params, out, in, &c->xb);
    if (st)
        return st;
    c->ws = xb_xbar_ws_create(c->xb, 0);
    return XB_OK;
}

enum xb_status xb_layer_chip_ready(struct xb_ctx *ctx, const struct xb_layer_chip *c,
                                   const struct xb_layer *l, const char *what)
{
    if (c->xb)
        return XB_OK;
    return xb_error(ctx, XB_EINVAL, "layer %u (%s): %s before program", (unsigned)l->id,
                    l->type->name, what);
}

enum xb_status xb_layer_chip_age(struct xb_ctx *ctx, struct xb_layer_chip *c,
                                 const struct xb_layer *l, double t)
{
    enum xb_status st = xb_layer_chip_ready(ctx, c, l, "age");
    return st ? st : xb_xbar_age(ctx, c->xb, t);
}

enum xb_init xb_layer_init_kind(const struct xb_layer_config *cfg, const struct xb_layer_type *t)
{
    return cfg->init != XB_INIT_AUTO ? cfg->init : t->init_default;
}
