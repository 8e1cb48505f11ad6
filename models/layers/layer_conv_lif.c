/*
 * conv_lif — a layer of leaky integrate-and-fire neurons fed by a
 * convolution: the spiking conv layer of HIRE-SNN's small nets (Kundu,
 * Pedram & Beerel 2021, §5; their VGG5 is conv - LIF - pool blocks).
 *
 * The neurons, the recursion over the T steps, the surrogates, readouts,
 * noise addresses and STBP backward are lif's (xb_spike.h, layer_lif.c);
 * only the product differs: conv2d's (layer_conv2d.c, its fields units,
 * kernel, stride, pad, init), run once over the rows·T images of a pass
 * as lif runs dense once over rows·T rows, so on a device every step's
 * patches get their own read noise. A neuron is one output channel at one
 * position: V_th and k, when learned, are per neuron (units · OH · OW of
 * each), like lif's.
 *
 * Input: T steps of a C × H × W image, {T·C, H, W} (an encode layer with
 * image = true, or a conv_lif or maxpool below; `steps` = T must divide
 * the channels). Output: {T·units, OH, OW} spikes, which maxpool pools
 * plane by plane — step by step, channel by channel — and flatten with
 * `steps` turns into the {T, 1, F} a lif layer reads.
 */
#include "xb_layer_impl.h"
#include "xb_lif_impl.h"
#include "xb_rng.h"
#include "xb_spike.h"

static enum xb_status conv_lif_create(struct xb_ctx *ctx, struct xb_layer *l,
                                      const struct xb_layer_config *cfg)
{
    if (cfg->steps < 1 || (unsigned)cfg->steps > XB_RNG_MAX_STEP + 1u ||
        l->in.c % cfg->steps != 0)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "steps = %d: expected the time steps "
                              "T, dividing the input's %d channels (T images of C x H x W "
                              "one after the other: {T*C, H, W})", cfg->steps, l->in.c);
    const int T = cfg->steps;
    return xb_lif_create_on(ctx, l, cfg, &xb_layer_conv2d, (size_t)T,
                            (struct xb_shape){l->in.c / T, l->in.h, l->in.w});
}

const struct xb_layer_type xb_layer_conv_lif = {
    .name = "conv_lif",
    .init_default = XB_INIT_HE_UNIFORM,
    .create = conv_lif_create,
    .init = xb_lif_init,
    .forward = xb_lif_forward,
    .backward = xb_lif_backward,
    .program = xb_lif_program,
    .age = xb_lif_age,
    .calibrate = xb_lif_calibrate,
    .unprogram = xb_lif_unprogram,
    .deterministic = xb_lif_deterministic,
    .noise_power = xb_lif_noise_power,
    .mvm = xb_lif_mvm,
    .activity = xb_lif_activity,
    .spikes = xb_lif_spikes,
    .destroy = xb_lif_destroy,
};
