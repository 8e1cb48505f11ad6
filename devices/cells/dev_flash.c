/*
 * dev_flash.c — `flash`: charge-trap (SONOS) analog flash, Sandia CrossSim's
 * SONOS model.
 *
 * Empirical model of 128 K measured 40 nm SONOS cells operated in
 * subthreshold (Agrawal et al., "Subthreshold operation of SONOS analog
 * memory to enable accurate low-power neural network inference", IEDM 2022,
 * 21.7), as coded in sandialabs/cross-sim simulator/devices/custom/SONOS.py.
 * The fits are in cell current I [nA]; xbar works in conductance, so
 * I = G · v_read (1 uS · 1 V = 1000 nA) and a current std σ_I maps to
 * σ_G = σ_I / v_read.
 *
 *   programming  σ_I = max(A − A·e^(−I/B), 0), (A, B) = (19.88665, 176.3115) nA
 *                (CrossSim: write errors and device-to-device spread, Fig. 10a)
 *   retention    (A, B) measured at 1..5 days after programming, interpolated
 *                linearly in t [days] and extrapolated linearly beyond 5 days
 *                (as CrossSim's interp1d(..., fill_value="extrapolate"); it
 *                warns the extrapolation is not guaranteed accurate). CrossSim
 *                re-draws the whole spread with σ_I(t); xbar keeps the
 *                programming draw and adds relaxation
 *                σ_relax = sqrt(max(σ_I(t)² − σ_I(0)², 0)), the same total std.
 *                σ stays bounded for any t: both A and B grow linearly, so
 *                σ_I → I·(dA/dt)/(dB/dt) ≈ 0.32·I for very large t.
 *   read noise   σ_I = A_r − A_r·e^(−I/B_r), A_r = 12.58037, B_r = 215.36557 nA,
 *                per read, of the current conductance (Fig. 11b).
 *   drift        NOT MODELLED. CrossSim also shifts the mean current by a
 *                10th-order polynomial in I per day (Fig. 10b), an additive,
 *                state-dependent shift that is not a power law in time, so it
 *                cannot be expressed through drift_nu; the device interface
 *                has no hook for it. xbar's flash has no mean drift.
 *
 * Operating point. CrossSim's SONOS.py hard-codes I_max = 1600 nA (v3.0) and
 * documents "SUGGESTED ON/OFF RATIO : 1e7 (~0 to 16 uS)", i.e. 16 uS at its
 * default Vread = 0.1 V (simulator/parameters/xbar_parameters.py); its newer
 * version computes I_max = G_max·Vread and rejects I_max > 3200 nA (> 1800 nA
 * when drift is on). xbar's default v_read = 0.1 V reproduces that operating
 * point (16 uS <-> 1600 nA). v_read = 0.2 V puts 16 uS at the 3200 nA edge of
 * the fits and halves the relative noise; beyond it the fits are extrapolated.
 */
#include <math.h>

#include "xb_device.h"

enum {
    P_VREAD = XB_DP_COMMON_COUNT,
    P_PROG_SCALE,
    P_RELAX_SCALE,
    P_READ_SCALE,
    P_COUNT
};

#define SRC_SONOS                                                                     \
    "sandialabs/cross-sim simulator/devices/custom/SONOS.py; Agrawal et al., "        \
    "IEDM 2022, 21.7"

/* (A, B) of the programming/retention spread [nA] at 0..5 days (SONOS.py
 * _interpolate_drift As, Bs). */
#define N_DAYS 6
static const double tab_a[N_DAYS] = {19.88665, 25.59102, 28.72753, 31.04318, 33.76214, 34.57909};
static const double tab_b[N_DAYS] = {176.3115, 186.85544, 193.56834, 198.90332, 204.77023,
                                     207.34309};
/* Read noise (SONOS.py read_noise A_noise, B_noise) [nA]. */
static const double read_a = 12.58037, read_b = 215.36557;

static const double seconds_per_day = 86400.0;
static const double na_per_uS_V = 1000.0; /* 1 uS * 1 V = 1 uA = 1000 nA */

static const struct xb_key flash_specs[] = {
    XB_DEVICE_COMMON_SPECS(16.0, 0.0, 0.0, 20.0,
                           SRC_SONOS ": suggested on/off 1e7 (~0 to 16 uS); g_min "
                           "16 uS/1e7 = 1.6 pS rounded to 0; continuous (CrossSim "
                           "cell_bits 0; its SONOS-TCAS.json preset uses 7-bit cells)",
                           "unused: the model has no drift exponent"),
    [P_VREAD] = XB_KEY_ROW("v_read", "V", 0.1, 1e-3, 10.0, XB_KEY_REAL,
                 "read voltage converting conductance to the fitted cell current "
                 "I = G*v_read; the fits cover g_max*v_read <= 3200 nA",
                 "CrossSim default Vread 0.1 V (simulator/parameters/xbar_parameters.py), "
                 "which maps 16 uS to SONOS.py's I_max = 1600 nA"),
    [P_PROG_SCALE] = XB_KEY_ROW("prog_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                      "scale of the programming spread at t = 0",
                      "xbar: a sweep knob (CrossSim has none)"),
    [P_RELAX_SCALE] = XB_KEY_ROW("relax_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                       "scale of the retention spread added after programming "
                       "(linear in days, extrapolated beyond 5 days)",
                       "xbar: a sweep knob (CrossSim has none)"),
    [P_READ_SCALE] = XB_KEY_ROW("read_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                      "scale of the per-read noise", "xbar: a sweep knob (CrossSim has none)"),
};

_Static_assert(sizeof flash_specs / sizeof flash_specs[0] == P_COUNT,
               "flash spec table and enum disagree");
_Static_assert(P_COUNT <= XB_DEVICE_MAX_PARAMS, "too many flash parameters");

/* Saturating-exponential std [nA] of CrossSim: max(A − A·e^(−I/B), 0). */
static double sat_exp(double a, double b, double i_na)
{
    return fmax(-a * expm1(-i_na / b), 0.0);
}

static double current_na(const double *p, double g)
{
    return fmax(g, 0.0) * p[P_VREAD] * na_per_uS_V;
}

/* A and B at t seconds: linear between the tabulated days, linear
 * extrapolation of the last interval beyond 5 days. */
static void ab_at(double t, double *a, double *b)
{
    double d = fmax(t, 0.0) / seconds_per_day;
    int k = (int)fmin(floor(d), (double)(N_DAYS - 2));
    double w = d - (double)k;
    *a = tab_a[k] + w * (tab_a[k + 1] - tab_a[k]);
    *b = tab_b[k] + w * (tab_b[k + 1] - tab_b[k]);
}

static double flash_prog_sigma(const double *p, double g)
{
    double s = sat_exp(tab_a[0], tab_b[0], current_na(p, g));
    return s / (p[P_VREAD] * na_per_uS_V) * p[P_PROG_SCALE];
}

static void flash_drift_nu(const double *p, double g, double *mean, double *std)
{
    (void)p;
    (void)g;
    *mean = 0.0;
    *std = 0.0;
}

static double flash_relax_sigma(const double *p, double g, double t)
{
    double i = current_na(p, g), a, b;
    ab_at(t, &a, &b);
    double s0 = sat_exp(tab_a[0], tab_b[0], i), st = sat_exp(a, b, i);
    double v = st * st - s0 * s0;
    return (v > 0.0 ? sqrt(v) : 0.0) / (p[P_VREAD] * na_per_uS_V) * p[P_RELAX_SCALE];
}

static double flash_read_sigma(const double *p, double g_prog, double g_t, double t)
{
    (void)g_prog;
    (void)t;
    double s = sat_exp(read_a, read_b, current_na(p, g_t));
    return s / (p[P_VREAD] * na_per_uS_V) * p[P_READ_SCALE];
}

const struct xb_device_type xb_device_flash = {
    .name = "flash",
    .summary = "charge-trap SONOS flash (CrossSim SONOS, Agrawal IEDM 2022): programming "
               "spread, retention spread over days, read noise; 16 uS at 0.1 V; "
               "mean drift not modelled",
    .source = SRC_SONOS,
    .params = flash_specs,
    .n_params = sizeof flash_specs / sizeof flash_specs[0],
    .prog_sigma = flash_prog_sigma,
    .drift_nu = flash_drift_nu,
    .relax_sigma = flash_relax_sigma,
    .read_sigma = flash_read_sigma,
};
