/*
 * dev_pcm.c — `pcm`: IBM aihwkit's PCMLikeNoiseModel.
 *
 * Statistical model of phase-change memory calibrated on a one-million-device
 * PCM chip (Nandakumar et al., ICECS 2019), as coded in aihwkit
 * src/aihwkit/inference/noise/pcm.py. With x = g/g_max:
 *
 *   programming  σ_prog = |c0 + c1·x + c2·x²| · g_max/g_ref · prog_scale   [uS]
 *                c = (0.26348, 1.9650, −1.1731) uS fitted at g_ref = 25 uS
 *   drift        x_ν = max(x, 1e−7)
 *                μ_ν = clamp(−0.0155·ln x_ν + 0.0244, 0.049, 0.1) · drift_scale
 *                σ_ν = clamp(−0.0125·ln x_ν − 0.0059, 0.008, 0.045) · drift_scale
 *                (aihwkit draws ν = |μ_ν + σ_ν·N(0,1)|·drift_scale, the
 *                engine's "folded at 0" draw)
 *   1/f read     Q = min(0.0088 / max((g_prog/g_max)^0.65, 1e−3), 0.2)
 *                σ_read = g_t · Q · sqrt(ln((t + t0 + t_read)/(2·t_read))) · read_scale
 *
 * Time. aihwkit's t is t_inference + t0 (t0 = 20 s after programming ends),
 * and xbar's t is seconds after programming ends (xb_device.h), so the 1/f
 * term uses t + t0 where aihwkit writes t. aihwkit re-draws this term at each
 * drift_analog_weights call (one snapshot per inference time); xbar draws it
 * per read with the same std, which is the engine's contract for read noise.
 *
 * The drift fit and the 1/f constants are not parameters: aihwkit hard-codes
 * them too and only exposes the three scales, which is what a sweep varies.
 * The programming polynomial is evaluated at x clamped to [0, 1], the range it
 * was fitted on (aihwkit never maps a target above g_max).
 */
#include <math.h>

#include "xb_device.h"

enum {
    P_C0 = XB_DP_COMMON_COUNT,
    P_C1,
    P_C2,
    P_GREF,
    P_TREAD,
    P_PROG_SCALE,
    P_DRIFT_SCALE,
    P_READ_SCALE,
    P_COUNT
};

#define SRC_PCM                                                                       \
    "IBM/aihwkit src/aihwkit/inference/noise/pcm.py PCMLikeNoiseModel; "              \
    "Nandakumar et al., ICECS 2019"

/* Drift exponent fit (aihwkit generate_drift_coefficients), relative g. */
static const double nu_mean_slope = -0.0155, nu_mean_icpt = 0.0244;
static const double nu_mean_lo = 0.049, nu_mean_hi = 0.1;
static const double nu_std_slope = -0.0125, nu_std_icpt = -0.0059;
static const double nu_std_lo = 0.008, nu_std_hi = 0.045;
static const double nu_g_floor = 1e-7; /* aihwkit _ZERO_CLIP */

/* 1/f noise fit (aihwkit apply_drift_noise_to_conductance). */
static const double q_coeff = 0.0088, q_exp = 0.65, q_floor = 1e-3, q_max = 0.2;

static const struct xb_key pcm_specs[] = {
    XB_DEVICE_COMMON_SPECS(25.0, 0.0, 0.0, 20.0,
                           "IBM/aihwkit src/aihwkit/inference/converter/conductance.py "
                           "SinglePairConductanceConverter (g_max 25 uS, g_min 0); "
                           "continuous levels as aihwkit",
                           SRC_PCM " (t_0 = 20 s)"),
    [P_C0] = XB_KEY_ROW("c0", "uS", 0.26348, -100.0, 100.0, XB_KEY_REAL,
              "programming std polynomial, constant term (at g_max = g_ref)",
              SRC_PCM " prog_coeff[0]"),
    [P_C1] = XB_KEY_ROW("c1", "uS", 1.9650, -100.0, 100.0, XB_KEY_REAL,
              "programming std polynomial, coefficient of g/g_max", SRC_PCM " prog_coeff[1]"),
    [P_C2] = XB_KEY_ROW("c2", "uS", -1.1731, -100.0, 100.0, XB_KEY_REAL,
              "programming std polynomial, coefficient of (g/g_max)^2",
              SRC_PCM " prog_coeff[2]"),
    [P_GREF] = XB_KEY_ROW("g_ref", "uS", 25.0, 1e-6, 1e6, XB_KEY_REAL,
                "g_max the c0..c2 were fitted at; sigma_prog scales with g_max/g_ref",
                SRC_PCM " prog_coeff_g_max_reference = 25"),
    [P_TREAD] = XB_KEY_ROW("t_read", "s", 250e-9, 1e-12, 1.0, XB_KEY_REAL,
                 "read duration in the 1/f noise fit", SRC_PCM " t_read = 250 ns"),
    [P_PROG_SCALE] = XB_KEY_ROW("prog_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                      "scale of the programming noise", SRC_PCM " prog_noise_scale"),
    [P_DRIFT_SCALE] = XB_KEY_ROW("drift_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                       "scale of the drift exponent (mean and std)", SRC_PCM " drift_scale"),
    [P_READ_SCALE] = XB_KEY_ROW("read_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                      "scale of the 1/f read noise", SRC_PCM " read_noise_scale"),
};

_Static_assert(sizeof pcm_specs / sizeof pcm_specs[0] == P_COUNT,
               "pcm spec table and enum disagree");
_Static_assert(P_COUNT <= XB_DEVICE_MAX_PARAMS, "too many pcm parameters");

static double clamp(double v, double lo, double hi) { return fmin(fmax(v, lo), hi); }

static double pcm_prog_sigma(const double *p, double g)
{
    double gmax = p[XB_DP_GMAX];
    double x = clamp(g / gmax, 0.0, 1.0);
    /* |.|: aihwkit multiplies the polynomial by N(0,1), so its sign is
     * irrelevant; the absolute value is the same distribution. */
    double s = fabs(p[P_C0] + x * (p[P_C1] + x * p[P_C2]));
    return s * (gmax / p[P_GREF]) * p[P_PROG_SCALE];
}

static void pcm_drift_nu(const double *p, double g, double *mean, double *std)
{
    double x = fmax(fabs(g) / p[XB_DP_GMAX], nu_g_floor);
    double lx = log(x);
    *mean = clamp(nu_mean_slope * lx + nu_mean_icpt, nu_mean_lo, nu_mean_hi) * p[P_DRIFT_SCALE];
    *std = clamp(nu_std_slope * lx + nu_std_icpt, nu_std_lo, nu_std_hi) * p[P_DRIFT_SCALE];
}

static double pcm_read_sigma(const double *p, double g_prog, double g_t, double t)
{
    double gmax = p[XB_DP_GMAX], t0 = p[XB_DP_T0], tr = p[P_TREAD];
    double q = fmin(q_coeff / fmax(pow(fabs(g_prog) / gmax, q_exp), q_floor), q_max);
    /* The log is >= 0 whenever t + t0 >= t_read, i.e. for every sensible
     * setting; the floor keeps the result defined for any parameters. */
    double l = fmax(log((fmax(t, 0.0) + t0 + tr) / (2.0 * tr)), 0.0);
    return fabs(g_t) * q * sqrt(l) * p[P_READ_SCALE];
}

const struct xb_device_type xb_device_pcm = {
    .name = "pcm",
    .summary = "phase-change memory (aihwkit PCMLikeNoiseModel): state-dependent programming "
               "noise, power-law drift, 1/f read noise; 25 uS",
    .source = SRC_PCM,
    .params = pcm_specs,
    .n_params = sizeof pcm_specs / sizeof pcm_specs[0],
    .prog_sigma = pcm_prog_sigma,
    .drift_nu = pcm_drift_nu,
    .relax_sigma = NULL,
    .read_sigma = pcm_read_sigma,
};
