/*
 * dev_reram.c — `reram`: IBM aihwkit's ReRamWan2022NoiseModel.
 *
 * aihwkit's approximation of the RRAM data of Wan et al., "A compute-in-
 * memory chip based on resistive random-access memory", Nature 608 (2022)
 * (src/aihwkit/inference/noise/reram.py). The spread of the conductance
 * around its target was read off the published figures at three times after
 * programming and fitted, per time, by a 4th-order polynomial in x = G/g_max
 * (in uS, at the reference g_max = 40 uS):
 *
 *   σ_k(x) = Σ_i c_ki x^i,   t_k = 1 s, 86 400 s (1 day), 172 800 s (2 days)
 *
 * aihwkit uses the 1 s polynomial as programming noise and, at inference time
 * t_k, re-draws the whole deviation with σ_k from the target; any other t is
 * an error there. xbar needs a σ at every t, and splits it into the parts the
 * engine models:
 *
 *   programming  σ_prog(g)     = σ_1s(x) · g_max/g_ref · prog_scale
 *   relaxation   σ_relax(g, t) = sqrt(max(σ_t(x)² − σ_1s(x)², 0)) · g_max/g_ref · relax_scale
 *                so that programming + relaxation have the total std σ_t
 *                that aihwkit draws at the tabulated times;
 *                σ_t is interpolated linearly in ln t between the tabulated
 *                times, held at σ_1s below 1 s and at σ_2d above 2 days
 *                (no data there: xbar does not extrapolate a fit);
 *   read         σ_read = read_rel · g_max, constant: aihwkit has no read
 *                noise in this model and recommends forward.w_noise ≈ 0.01
 *                (WeightNoiseType.ADDITIVE_CONSTANT) for "about 1 %"
 *                short-term read noise.
 *   drift        none (aihwkit: "ReRAM does not show drift in the usual sense").
 *
 * Scaling by g_max/g_ref. aihwkit means to rescale the fit for g_max ≠ 40 uS
 * (its comment says so) but stores 40 in prog_coeff_g_max_reference and
 * scales by coeff_g_max_reference (= g_max), i.e. never rescales. xbar
 * applies the intended rescaling; at the default g_max = g_ref = 40 uS both
 * agree exactly. The polynomials are evaluated at x clamped to [0, 1], the
 * range they were fitted on.
 */
#include <math.h>

#include "xb_device.h"

enum {
    P_GREF = XB_DP_COMMON_COUNT,
    P_PROG_SCALE,
    P_RELAX_SCALE,
    P_READ_REL,
    P_COUNT
};

#define SRC_RERAM                                                                     \
    "IBM/aihwkit src/aihwkit/inference/noise/reram.py ReRamWan2022NoiseModel; "       \
    "Wan et al., Nature 608, 504 (2022)"

/* aihwkit's coeff_dic, lowest order first, [uS] at g_max = 40 uS. */
#define N_TIMES 3
static const double tab_t[N_TIMES] = {1.0, 86400.0, 172800.0};
static const double tab_c[N_TIMES][5] = {
    {0.348, 16.030, -43.853, 45.393, -16.815},
    {0.701, 22.086, -50.773, 47.095, -16.458},
    {0.782, 20.274, -43.507, 37.062, -11.934},
};

static const struct xb_key reram_specs[] = {
    XB_DEVICE_COMMON_SPECS(40.0, 0.0, 0.0, 20.0,
                           SRC_RERAM " (reference g_max 40 uS); g_min 0 as aihwkit's "
                           "default SinglePairConductanceConverter "
                           "(src/aihwkit/inference/converter/conductance.py); continuous",
                           "unused: the model has no drift exponent"),
    [P_GREF] = XB_KEY_ROW("g_ref", "uS", 40.0, 1e-6, 1e6, XB_KEY_REAL,
                "g_max the polynomials were fitted at; sigmas scale with g_max/g_ref",
                SRC_RERAM " prog_coeff_g_max_reference = 40"),
    [P_PROG_SCALE] = XB_KEY_ROW("prog_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                      "scale of the programming noise (the 1 s polynomial)",
                      SRC_RERAM " noise_scale"),
    [P_RELAX_SCALE] = XB_KEY_ROW("relax_scale", "1", 1.0, 0.0, 100.0, XB_KEY_REAL,
                       "scale of the relaxation after 1 s (1 s..2 d, linear in ln t, "
                       "held constant outside)",
                       SRC_RERAM " noise_scale (one scale for both there)"),
    [P_READ_REL] = XB_KEY_ROW("read_rel", "1", 0.01, 0.0, 1.0, XB_KEY_REAL,
                    "per-read noise std relative to g_max, every state alike (a pair "
                    "gives sqrt(2) times this on the weight)",
                    SRC_RERAM " docstring: forward.w_noise ~ 0.01 ADDITIVE_CONSTANT for "
                    "about 1 % short-term read noise"),
};

_Static_assert(sizeof reram_specs / sizeof reram_specs[0] == P_COUNT,
               "reram spec table and enum disagree");
_Static_assert(P_COUNT <= XB_DEVICE_MAX_PARAMS, "too many reram parameters");

/* σ_k(x) in uS at the reference g_max; |.| as aihwkit multiplies it by
 * N(0,1), where the sign does not matter. */
static double poly(int k, double x)
{
    const double *c = tab_c[k];
    return fabs(c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4]))));
}

static double rel(const double *p, double g)
{
    return fmin(fmax(g / p[XB_DP_GMAX], 0.0), 1.0);
}

/* σ_t(x) at the reference g_max, linear in ln t between the tabulated times. */
static double sigma_at(double x, double t)
{
    if (!(t > tab_t[0]))
        return poly(0, x);
    for (int k = 1; k < N_TIMES; k++) {
        if (t <= tab_t[k]) {
            double w = (log(t) - log(tab_t[k - 1])) / (log(tab_t[k]) - log(tab_t[k - 1]));
            return (1.0 - w) * poly(k - 1, x) + w * poly(k, x);
        }
    }
    return poly(N_TIMES - 1, x);
}

static double reram_prog_sigma(const double *p, double g)
{
    return poly(0, rel(p, g)) * (p[XB_DP_GMAX] / p[P_GREF]) * p[P_PROG_SCALE];
}

static void reram_drift_nu(const double *p, double g, double *mean, double *std)
{
    (void)p;
    (void)g;
    *mean = 0.0;
    *std = 0.0;
}

static double reram_relax_sigma(const double *p, double g, double t)
{
    double x = rel(p, g);
    double s1 = poly(0, x), st = sigma_at(x, t);
    double v = st * st - s1 * s1;
    return (v > 0.0 ? sqrt(v) : 0.0) * (p[XB_DP_GMAX] / p[P_GREF]) * p[P_RELAX_SCALE];
}

static double reram_read_sigma(const double *p, double g_prog, double g_t, double t)
{
    (void)g_prog;
    (void)g_t;
    (void)t;
    return p[P_READ_REL] * p[XB_DP_GMAX];
}

const struct xb_device_type xb_device_reram = {
    .name = "reram",
    .summary = "resistive RAM (aihwkit ReRamWan2022NoiseModel): state-dependent programming "
               "noise, relaxation to 2 days, 1 % constant read noise; 40 uS, no drift",
    .source = SRC_RERAM,
    .params = reram_specs,
    .n_params = sizeof reram_specs / sizeof reram_specs[0],
    .prog_sigma = reram_prog_sigma,
    .drift_nu = reram_drift_nu,
    .relax_sigma = reram_relax_sigma,
    .read_sigma = reram_read_sigma,
};
