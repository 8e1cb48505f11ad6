/*
 * dev_ideal.c — `ideal`: a device that stores exactly what it is told.
 *
 * The reference every other model is compared against: no programming
 * error, no drift, no relaxation, no read noise; only the common rows
 * (quantisation levels, stuck-at faults, d2d) can perturb it, and they are
 * off by default. With g_min = 0 the crossbar of an ideal device is a plain
 * GEMM, which is what the engine's tests check against.
 */
#include "xb_device.h"

#define SRC_IDEAL                                                                     \
    "xbar: the exact device, like CrossSim IdealDevice "                              \
    "(sandialabs/cross-sim simulator/devices/idevice.py); 1 uS is a unit scale, "     \
    "g_min 0 makes weight 0 exactly 0"

static const struct xb_key ideal_specs[] = {
    XB_DEVICE_COMMON_SPECS(1.0, 0.0, 0.0, 20.0, SRC_IDEAL,
                           "aihwkit t_0 (src/aihwkit/inference/noise/pcm.py); unused: no drift"),
};

_Static_assert(sizeof ideal_specs / sizeof ideal_specs[0] == XB_DP_COMMON_COUNT,
               "ideal has only the common parameters");

static double ideal_prog_sigma(const double *p, double g)
{
    (void)p;
    (void)g;
    return 0.0;
}

static void ideal_drift_nu(const double *p, double g, double *mean, double *std)
{
    (void)p;
    (void)g;
    *mean = 0.0;
    *std = 0.0;
}

static double ideal_read_sigma(const double *p, double g_prog, double g_t, double t)
{
    (void)p;
    (void)g_prog;
    (void)g_t;
    (void)t;
    return 0.0;
}

const struct xb_device_type xb_device_ideal = {
    .name = "ideal",
    .summary = "exact device: no programming error, drift or read noise",
    .source = SRC_IDEAL,
    .params = ideal_specs,
    .n_params = sizeof ideal_specs / sizeof ideal_specs[0],
    .prog_sigma = ideal_prog_sigma,
    .drift_nu = ideal_drift_nu,
    .relax_sigma = NULL,
    .read_sigma = ideal_read_sigma,
};
