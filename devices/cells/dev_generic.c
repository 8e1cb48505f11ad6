/*
 * dev_generic.c — `generic`: the technology-free device architects sweep.
 *
 * Sandia CrossSim's generic families (simulator/devices/generic_device.py)
 * give a Gaussian error of std `magnitude` either independent of the state
 * (NormalIndependentDevice: G + N(0, σ), σ relative to G_max = 1) or
 * proportional to it (NormalProportionalDevice: G·(1 + N(0, σ))). Here one
 * knob `*_prop` blends the two,
 *
 *     std = sigma · ((1 − prop)·g_max + prop·G)
 *
 * so prop = 0 and prop = 1 are exactly CrossSim's two families and values in
 * between model a device with both an additive and a multiplicative part.
 * The same form is used for programming error (G = target) and read noise
 * (G = the conductance now). An optional drift exponent ν, independent of
 * the state, follows aihwkit's power law g·((t + t0)/t0)^−ν.
 *
 * Defaults: every error is off, as in CrossSim's default DeviceParameters
 * (simulator/parameters/xbar_parameters.py: all error models disabled), so a
 * sweep over one knob starts from a clean device and every non-zero number
 * in a result comes from the user.
 */
#include <math.h>

#include "xb_device.h"

enum {
    P_PROG_SIGMA = XB_DP_COMMON_COUNT,
    P_PROG_PROP,
    P_READ_SIGMA,
    P_READ_PROP,
    P_NU_MEAN,
    P_NU_STD,
    P_COUNT
};

#define SRC_CROSSSIM_GENERIC                                                          \
    "sandialabs/cross-sim simulator/devices/generic_device.py "                       \
    "(NormalIndependentDevice / NormalProportionalDevice)"
#define SRC_OFF "xbar: off by default like CrossSim's default DeviceParameters " \
                "(simulator/parameters/xbar_parameters.py); a sweep axis"

static const struct xb_key generic_specs[] = {
    XB_DEVICE_COMMON_SPECS(10.0, 1.0, 0.0, 20.0,
                           "on/off 10 as CrossSim's default Rmin 1 kOhm / Rmax 10 kOhm "
                           "(simulator/parameters/xbar_parameters.py); the 10 uS scale is "
                           "xbar's choice (errors are relative, so only the ratio matters); "
                           "levels 0 = CrossSim cell_bits 0",
                           "aihwkit t_0 = 20 s (src/aihwkit/inference/noise/pcm.py)"),
    [P_PROG_SIGMA] = XB_KEY_ROW("prog_sigma", "1", 0.0, 0.0, 10.0, XB_KEY_REAL,
                      "programming error std, relative (to g_max or G, see prog_prop)",
                      SRC_CROSSSIM_GENERIC " programming_error.magnitude; " SRC_OFF),
    [P_PROG_PROP] = XB_KEY_ROW("prog_prop", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,
                     "0: std = prog_sigma*g_max (independent); 1: std = prog_sigma*G "
                     "(proportional); between: a blend",
                     SRC_CROSSSIM_GENERIC "; default 0 = NormalIndependentDevice"),
    [P_READ_SIGMA] = XB_KEY_ROW("read_sigma", "1", 0.0, 0.0, 10.0, XB_KEY_REAL,
                      "per-read noise std, relative (to g_max or G now, see read_prop)",
                      SRC_CROSSSIM_GENERIC " read_noise.magnitude; " SRC_OFF),
    [P_READ_PROP] = XB_KEY_ROW("read_prop", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,
                     "0: std = read_sigma*g_max (independent); 1: std = read_sigma*G(t) "
                     "(proportional); between: a blend",
                     SRC_CROSSSIM_GENERIC "; default 0 = NormalIndependentDevice"),
    [P_NU_MEAN] = XB_KEY_ROW("nu_mean", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,
                   "mean drift exponent: g(t) = g*((t + t0)/t0)^-nu, all states alike",
                   "drift law of aihwkit src/aihwkit/inference/noise/pcm.py; "
                   "xbar: off by default (CrossSim generic devices do not drift)"),
    [P_NU_STD] = XB_KEY_ROW("nu_std", "1", 0.0, 0.0, 1.0, XB_KEY_REAL,
                  "device-to-device std of the drift exponent (folded at 0)",
                  "xbar: off by default"),
};

_Static_assert(sizeof generic_specs / sizeof generic_specs[0] == P_COUNT,
               "generic spec table and enum disagree");
_Static_assert(P_COUNT <= XB_DEVICE_MAX_PARAMS, "too many generic parameters");

/* The blended std of the header comment; G below 0 (never produced by the
 * engine, which clamps) is treated as 0 so the result stays >= 0. */
static double blend(double sigma, double prop, double gmax, double g)
{
    return sigma * ((1.0 - prop) * gmax + prop * fmax(g, 0.0));
}

static double generic_prog_sigma(const double *p, double g)
{
    return blend(p[P_PROG_SIGMA], p[P_PROG_PROP], p[XB_DP_GMAX], g);
}

static void generic_drift_nu(const double *p, double g, double *mean, double *std)
{
    (void)g;
    *mean = p[P_NU_MEAN];
    *std = p[P_NU_STD];
}

static double generic_read_sigma(const double *p, double g_prog, double g_t, double t)
{
    (void)g_prog;
    (void)t;
    return blend(p[P_READ_SIGMA], p[P_READ_PROP], p[XB_DP_GMAX], g_t);
}

const struct xb_device_type xb_device_generic = {
    .name = "generic",
    .summary = "technology-free Gaussian device: independent/proportional programming and "
               "read noise, optional drift; all off by default",
    .source = SRC_CROSSSIM_GENERIC "; drift law from aihwkit PCMLikeNoiseModel",
    .params = generic_specs,
    .n_params = sizeof generic_specs / sizeof generic_specs[0],
    .prog_sigma = generic_prog_sigma,
    .drift_nu = generic_drift_nu,
    .relax_sigma = NULL,
    .read_sigma = generic_read_sigma,
};
