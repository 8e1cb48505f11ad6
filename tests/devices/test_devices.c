/*
 * test_devices.c — the device layer: one conformance suite over every
 * registered type, known answers from the published models, and the strict
 * parameter parser.
 *
 * Known answers come from shared/reference/device-models.md (aihwkit PCM and
 * ReRAM tables) or are recomputed here from the published formula (CrossSim
 * SONOS), independently of the code under test.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_ctx.h"
#include "xb_device.h"
#include "xb_params.h"

#define NEAR(a, b, eps, what)                                                             \
    cr_assert(fabs((a) - (b)) <= (eps), "%s: got %.6g, expected %.6g +- %g", (what),      \
              (double)(a), (double)(b), (double)(eps))

static const char *const common[XB_DP_COMMON_COUNT] = {
    "g_max", "g_min", "levels", "t0", "d2d", "stuck_min", "stuck_max",
};

/* Read times [s] the conformance grid visits: 0, sub-second, the aihwkit and
 * CrossSim tabulated points and their neighbours, years, and far beyond. */
static const double t_grid[] = {0.0,     1e-9,     1e-3,     0.5,   1.0,    20.0,   3600.0,
                                86400.0, 129600.0, 172800.0, 4.3e5, 1e6,    3.2e7,  1e9,
                                1e12,    1e30};

static struct xb_device init_or_die(struct xb_ctx *ctx, const char *name)
{
    struct xb_device d;
    enum xb_status st = xb_device_init(ctx, &d, name);
    cr_assert_eq(st, XB_OK, "init %s: %s", name, xb_ctx_error(ctx));
    return d;
}

static int key_chars_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

/* Every function of d finite and >= 0 on a grid of states and times. */
static void check_functions(const struct xb_device *d, const char *label)
{
    const struct xb_device_type *t = d->type;
    double gmax = xb_device_gmax(d);
    for (int i = 0; i <= 20; i++) {
        double g = gmax * i / 20.0;
        double s = t->prog_sigma(d->p, g);
        cr_assert(isfinite(s) && s >= 0.0, "%s: prog_sigma(%g) = %g", label, g, s);
        double mean = -1.0, std = -1.0;
        t->drift_nu(d->p, g, &mean, &std);
        cr_assert(isfinite(mean) && mean >= 0.0 && isfinite(std) && std >= 0.0,
                  "%s: drift_nu(%g) = %g, %g", label, g, mean, std);
        for (size_t k = 0; k < sizeof t_grid / sizeof t_grid[0]; k++) {
            double tt = t_grid[k];
            if (t->relax_sigma) {
                double r = t->relax_sigma(d->p, g, tt);
                cr_assert(isfinite(r) && r >= 0.0, "%s: relax_sigma(%g, %g) = %g", label, g,
                          tt, r);
            }
            const double g_now[] = {0.0, 0.5 * g, g, gmax};
            for (int j = 0; j < 4; j++) {
                double r = t->read_sigma(d->p, g, g_now[j], tt);
                cr_assert(isfinite(r) && r >= 0.0, "%s: read_sigma(%g, %g, %g) = %g", label,
                          g, g_now[j], tt, r);
            }
        }
    }
}

/* ---- conformance: every registered type ------------------------------- */

Test(device_conformance, registry_is_consistent)
{
    size_t n = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    cr_assert_geq(n, 5);
    const char *expected[] = {"ideal", "generic", "pcm", "reram", "flash"};
    for (size_t i = 0; i < 5; i++)
        cr_assert_not_null(xb_device_type_find(expected[i]), "%s not registered", expected[i]);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(xb_device_type_find(types[i]->name), types[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(types[i]->name, types[j]->name);
        cr_assert(types[i]->summary && *types[i]->summary, "%s: no summary", types[i]->name);
        cr_assert(types[i]->source && *types[i]->source, "%s: no source", types[i]->name);
        cr_assert(types[i]->prog_sigma && types[i]->drift_nu && types[i]->read_sigma,
                  "%s: missing a required function", types[i]->name);
    }
    cr_assert_null(xb_device_type_find("nonexistent"));
    cr_assert_null(xb_device_type_find(NULL));
}

Test(device_conformance, spec_tables_are_valid)
{
    size_t n = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    for (size_t k = 0; k < n; k++) {
        const struct xb_device_type *t = types[k];
        cr_assert(t->n_params >= XB_DP_COMMON_COUNT && t->n_params <= XB_DEVICE_MAX_PARAMS,
                  "%s: %zu params", t->name, t->n_params);
        for (size_t i = 0; i < XB_DP_COMMON_COUNT; i++)
            cr_assert_str_eq(t->params[i].name, common[i],
                             "%s: row %zu must be the common parameter %s", t->name, i,
                             common[i]);
        for (size_t i = 0; i < t->n_params; i++) {
            const struct xb_key *s = &t->params[i];
            cr_assert(key_chars_ok(s->name), "%s: bad key '%s'", t->name, s->name);
            cr_assert(s->unit && *s->unit, "%s.%s: no unit", t->name, s->name);
            cr_assert(s->help && *s->help, "%s.%s: no help", t->name, s->name);
            cr_assert(s->source && *s->source, "%s.%s: no source", t->name, s->name);
            cr_assert(isfinite(s->def) && isfinite(s->min) && isfinite(s->max),
                      "%s.%s: non-finite spec", t->name, s->name);
            cr_assert(s->min <= s->def && s->def <= s->max, "%s.%s: default %g not in [%g, %g]",
                      t->name, s->name, s->def, s->min, s->max);
            if (s->type == XB_KEY_INT)
                cr_assert(s->def == floor(s->def), "%s.%s: integer default %g", t->name,
                          s->name, s->def);
            for (size_t j = 0; j < i; j++)
                cr_assert_str_neq(s->name, t->params[j].name, "%s: duplicate key %s", t->name,
                                  s->name);
            cr_assert_eq(xb_params_find(t->params, t->n_params, s->name), (int)i);
        }
    }
}

Test(device_conformance, defaults_init_and_validate)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    size_t n = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    for (size_t k = 0; k < n; k++) {
        struct xb_device d = init_or_die(ctx, types[k]->name);
        cr_assert_eq(d.type, types[k]);
        for (size_t i = 0; i < types[k]->n_params; i++)
            cr_assert_eq(d.p[i], types[k]->params[i].def);
        cr_assert_eq(xb_device_validate(ctx, &d), XB_OK, "%s: %s", types[k]->name,
                     xb_ctx_error(ctx));
    }
    xb_ctx_free(ctx);
}

Test(device_conformance, functions_finite_nonnegative_at_defaults)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    size_t n = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    for (size_t k = 0; k < n; k++) {
        struct xb_device d = init_or_die(ctx, types[k]->name);
        check_functions(&d, types[k]->name);
    }
    xb_ctx_free(ctx);
}

/* Every parameter at each end of its valid range (others at default), as a
 * sweep would push it: the models must stay finite and >= 0 wherever the
 * device validates. */
Test(device_conformance, functions_finite_nonnegative_at_range_ends)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    size_t n = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    for (size_t k = 0; k < n; k++) {
        const struct xb_device_type *t = types[k];
        for (size_t i = 0; i < t->n_params; i++) {
            for (int end = 0; end < 2; end++) {
                struct xb_device d = init_or_die(ctx, t->name);
                double v = end ? t->params[i].max : t->params[i].min;
                cr_assert_eq(xb_device_set_value(ctx, &d, t->params[i].name, v, "test"), XB_OK,
                             "%s", xb_ctx_error(ctx));
                if (xb_device_validate(ctx, &d) != XB_OK)
                    continue; /* e.g. g_min at its max crosses g_max */
                char label[96];
                snprintf(label, sizeof label, "%s with %s = %g", t->name, t->params[i].name, v);
                check_functions(&d, label);
            }
        }
    }
    xb_ctx_free(ctx);
}

/* ---- known answers ---------------------------------------------------- */

Test(device_pcm, programming_sigma_matches_aihwkit)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    const struct xb_device_type *t = d.type;
    NEAR(xb_device_gmax(&d), 25.0, 0.0, "g_max");
    NEAR(d.p[XB_DP_T0], 20.0, 0.0, "t0");
    const double x[] = {0.0, 0.25, 0.5, 1.0};
    const double want[] = {0.26, 0.68, 0.95, 1.06};
    for (int i = 0; i < 4; i++)
        NEAR(t->prog_sigma(d.p, x[i] * 25.0), want[i], 0.01, "pcm sigma_prog");
    /* The fit scales with g_max/25 uS: same relative noise at 50 uS. */
    cr_assert_eq(xb_device_set(ctx, &d, "g_max", "50", "test"), XB_OK);
    NEAR(t->prog_sigma(d.p, 50.0), 2.0 * 1.05538, 1e-4, "pcm sigma_prog at g_max 50");
    cr_assert_eq(xb_device_set(ctx, &d, "prog_scale", "0", "test"), XB_OK);
    NEAR(t->prog_sigma(d.p, 25.0), 0.0, 0.0, "prog_scale 0");
    xb_ctx_free(ctx);
}

Test(device_pcm, drift_exponent_matches_aihwkit)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    double m, s;
    d.type->drift_nu(d.p, 0.1 * 25.0, &m, &s);
    NEAR(m, 0.060, 0.001, "nu mean at g_rel 0.1");
    NEAR(s, 0.023, 0.001, "nu std at g_rel 0.1");
    d.type->drift_nu(d.p, 0.01 * 25.0, &m, &s);
    NEAR(m, 0.096, 0.001, "nu mean at g_rel 0.01");
    NEAR(s, 0.045, 1e-12, "nu std at g_rel 0.01 (cap)");
    /* The mean reaches its 0.049 floor at g_rel ~ 0.2, the std its 0.008
     * floor only at g_rel = exp(-(0.008 + 0.0059)/0.0125) = 0.329: at 0.2 the
     * aihwkit formula gives 0.0142, not the floor. */
    const double high[] = {0.2, 0.33, 0.5, 1.0};
    for (int i = 0; i < 4; i++) {
        d.type->drift_nu(d.p, high[i] * 25.0, &m, &s);
        NEAR(m, 0.049, 0.0005, "nu mean floor");
        if (high[i] >= 0.33)
            NEAR(s, 0.008, 1e-12, "nu std floor");
    }
    d.type->drift_nu(d.p, 0.2 * 25.0, &m, &s);
    NEAR(s, -0.0125 * log(0.2) - 0.0059, 1e-12, "nu std at g_rel 0.2");
    NEAR(s, 0.0142, 0.0001, "nu std at g_rel 0.2");
    /* g = 0 is clipped at 1e-7 relative: both at their caps. */
    d.type->drift_nu(d.p, 0.0, &m, &s);
    NEAR(m, 0.1, 1e-12, "nu mean cap at g = 0");
    NEAR(s, 0.045, 1e-12, "nu std cap at g = 0");
    cr_assert_eq(xb_device_set(ctx, &d, "drift_scale", "2", "test"), XB_OK);
    d.type->drift_nu(d.p, 25.0, &m, &s);
    NEAR(m, 0.098, 1e-12, "drift_scale scales the mean");
    NEAR(s, 0.016, 1e-12, "drift_scale scales the std");
    xb_ctx_free(ctx);
}

Test(device_pcm, read_noise_matches_aihwkit)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    const struct xb_device_type *t = d.type;
    /* 1 h after programming: aihwkit's t = 3600 + 20 s, sqrt(ln(.)) = 4.77. */
    double rel = t->read_sigma(d.p, 25.0, 25.0, 3600.0) / 25.0;
    NEAR(rel, 0.0088 * 4.77, 0.0005, "pcm relative 1/f sigma at g_max, 1 h");
    NEAR(rel, 0.042, 0.0005, "pcm 4.2 % at 1 h");
    double exact = 0.0088 * sqrt(log((3600.0 + 20.0 + 250e-9) / (2.0 * 250e-9)));
    NEAR(rel, exact, 1e-12, "pcm 1/f formula");
    /* 1 s after programming: sqrt(ln) = 4.19. */
    NEAR(t->read_sigma(d.p, 25.0, 25.0, 1.0) / 25.0, 0.0088 * 4.19, 0.0003, "pcm 1 s");
    /* g_rel 0.1: Q = 0.0088/0.1^0.65 = 0.039, about 19 % at 1 h. */
    NEAR(t->read_sigma(d.p, 2.5, 2.5, 3600.0) / 2.5, 0.19, 0.005, "pcm g_rel 0.1, 1 h");
    /* Q depends on the programmed state, the scale on the drifted one. */
    NEAR(t->read_sigma(d.p, 25.0, 12.5, 3600.0), 0.5 * rel * 25.0, 1e-12, "pcm g_t scaling");
    NEAR(t->read_sigma(d.p, 0.0, 0.0, 3600.0), 0.0, 0.0, "pcm at 0");
    cr_assert_null(t->relax_sigma);
    xb_ctx_free(ctx);
}

/* Total std after programming and relaxation at t, as aihwkit draws it. */
static double total_sigma(const struct xb_device *d, double g, double t)
{
    double p = d->type->prog_sigma(d->p, g);
    double r = d->type->relax_sigma ? d->type->relax_sigma(d->p, g, t) : 0.0;
    return sqrt(p * p + r * r);
}

Test(device_reram, programming_and_relaxation_match_aihwkit)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "reram");
    const struct xb_device_type *t = d.type;
    NEAR(xb_device_gmax(&d), 40.0, 0.0, "g_max");
    const double x[] = {0.25, 0.5, 1.0};
    const double at_1s[] = {2.26, 2.02, 1.10};
    const double at_1d[] = {3.72, 3.91, 2.65};
    const double at_2d[] = {3.66, 3.93, 2.68};
    for (int i = 0; i < 3; i++) {
        double g = x[i] * 40.0;
        NEAR(t->prog_sigma(d.p, g), at_1s[i], 0.01, "reram sigma 1 s");
        NEAR(total_sigma(&d, g, 86400.0), at_1d[i], 0.01, "reram sigma 1 day");
        NEAR(total_sigma(&d, g, 172800.0), at_2d[i], 0.01, "reram sigma 2 days");
        /* No relaxation up to 1 s; held at the 2-day value beyond. */
        NEAR(t->relax_sigma(d.p, g, 0.0), 0.0, 0.0, "reram relax at 0");
        NEAR(t->relax_sigma(d.p, g, 1.0), 0.0, 0.0, "reram relax at 1 s");
        NEAR(t->relax_sigma(d.p, g, 3.2e7), t->relax_sigma(d.p, g, 172800.0), 1e-12,
             "reram held after 2 days");
        /* Linear in ln t: at the geometric middle of 1 s and 1 day the total
         * std is the mean of the two tabulated ones. */
        NEAR(total_sigma(&d, g, sqrt(86400.0)), 0.5 * (total_sigma(&d, g, 1.0) +
                                                      total_sigma(&d, g, 86400.0)),
             1e-9, "reram ln-t interpolation");
    }
    /* Read noise: 1 % of g_max, any state. */
    NEAR(t->read_sigma(d.p, 0.0, 0.0, 0.0), 0.4, 1e-12, "reram read at 0");
    NEAR(t->read_sigma(d.p, 40.0, 40.0, 3600.0), 0.4, 1e-12, "reram read at g_max");
    double m, s;
    t->drift_nu(d.p, 20.0, &m, &s);
    cr_assert(m == 0.0 && s == 0.0, "reram has no drift exponent");
    xb_ctx_free(ctx);
}

/* CrossSim SONOS: max(A - A exp(-I/B), 0) nA, I = G * v_read. */
static double sonos(double a, double b, double g_uS, double v)
{
    double i = g_uS * v * 1000.0;
    return (a - a * exp(-i / b)) / (v * 1000.0);
}

Test(device_flash, sigmas_follow_crosssim_formula)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "flash");
    const struct xb_device_type *t = d.type;
    NEAR(xb_device_gmax(&d), 16.0, 0.0, "g_max");
    const double gs[] = {0.0, 1.0, 4.0, 8.0, 16.0};
    for (int v = 0; v < 2; v++) {
        double vr = v ? 0.2 : 0.1;
        if (v)
            cr_assert_eq(xb_device_set(ctx, &d, "v_read", "0.2", "test"), XB_OK);
        for (int i = 0; i < 5; i++) {
            double g = gs[i];
            NEAR(t->prog_sigma(d.p, g), sonos(19.88665, 176.3115, g, vr), 1e-12, "flash prog");
            NEAR(total_sigma(&d, g, 86400.0), sonos(25.59102, 186.85544, g, vr), 1e-12,
                 "flash 1 day");
            NEAR(total_sigma(&d, g, 5 * 86400.0), sonos(34.57909, 207.34309, g, vr), 1e-12,
                 "flash 5 days");
            /* 2.5 days: halfway between the 2- and 3-day fits. */
            NEAR(total_sigma(&d, g, 2.5 * 86400.0),
                 sonos(0.5 * (28.72753 + 31.04318), 0.5 * (193.56834 + 198.90332), g, vr),
                 1e-12, "flash 2.5 days");
            /* 10 days: the 4-5 day segment extended. */
            NEAR(total_sigma(&d, g, 10 * 86400.0),
                 sonos(34.57909 + 5 * (34.57909 - 33.76214),
                       207.34309 + 5 * (207.34309 - 204.77023), g, vr),
                 1e-12, "flash 10 days");
            NEAR(t->relax_sigma(d.p, g, 0.0), 0.0, 0.0, "flash relax at 0");
            NEAR(t->read_sigma(d.p, g, g, 3600.0), sonos(12.58037, 215.36557, g, vr), 1e-12,
                 "flash read");
        }
    }
    /* Numbers for the record: at 16 uS and 0.1 V (1600 nA) the programming
     * spread is 19.88 nA = 0.199 uS = 1.24 % of g_max; read noise 12.57 nA. */
    cr_assert_eq(xb_device_set(ctx, &d, "v_read", "0.1", "test"), XB_OK);
    NEAR(t->prog_sigma(d.p, 16.0), 0.1988, 0.0001, "flash prog at g_max");
    NEAR(t->read_sigma(d.p, 16.0, 16.0, 0.0), 0.1257, 0.0001, "flash read at g_max");
    xb_ctx_free(ctx);
}

Test(device_generic, blends_independent_and_proportional)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "generic");
    const struct xb_device_type *t = d.type;
    NEAR(t->prog_sigma(d.p, 5.0), 0.0, 0.0, "generic off by default");
    NEAR(t->read_sigma(d.p, 5.0, 5.0, 0.0), 0.0, 0.0, "generic off by default");
    cr_assert_eq(xb_device_set(ctx, &d, "prog_sigma", "0.05", "test"), XB_OK);
    NEAR(t->prog_sigma(d.p, 2.0), 0.5, 1e-12, "independent: 0.05 * g_max");
    cr_assert_eq(xb_device_set(ctx, &d, "prog_prop", "1", "test"), XB_OK);
    NEAR(t->prog_sigma(d.p, 2.0), 0.1, 1e-12, "proportional: 0.05 * G");
    cr_assert_eq(xb_device_set(ctx, &d, "read_sigma", "0.1", "test"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &d, "read_prop", "0.5", "test"), XB_OK);
    NEAR(t->read_sigma(d.p, 9.0, 4.0, 1.0), 0.1 * (5.0 + 2.0), 1e-12, "blend uses G now");
    cr_assert_eq(xb_device_set(ctx, &d, "nu_mean", "0.05", "test"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &d, "nu_std", "0.01", "test"), XB_OK);
    double m, s;
    t->drift_nu(d.p, 3.0, &m, &s);
    NEAR(m, 0.05, 0.0, "nu mean");
    NEAR(s, 0.01, 0.0, "nu std");
    xb_ctx_free(ctx);
}

Test(device_ideal, is_exact)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "ideal");
    NEAR(xb_device_gmax(&d), 1.0, 0.0, "g_max");
    NEAR(xb_device_gmin(&d), 0.0, 0.0, "g_min");
    NEAR(d.p[XB_DP_LEVELS], 0.0, 0.0, "continuous");
    for (size_t k = 0; k < sizeof t_grid / sizeof t_grid[0]; k++) {
        double m = 1, s = 1;
        d.type->drift_nu(d.p, 0.5, &m, &s);
        cr_assert(d.type->prog_sigma(d.p, 0.5) == 0.0 && m == 0.0 && s == 0.0 &&
                  d.type->read_sigma(d.p, 0.5, 0.5, t_grid[k]) == 0.0);
    }
    xb_ctx_free(ctx);
}

/* ---- parameters: strict parsing and range checks ---------------------- */

static void expect_set_fails(const char *key, const char *text, enum xb_status want)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    struct xb_device before = d;
    enum xb_status st = xb_device_set(ctx, &d, key, text, "--set");
    cr_assert_eq(st, want, "%s = \"%s\": status %d (%s), want %d; message: %s", key, text,
                 (int)st, xb_status_str(st), (int)want, xb_ctx_error(ctx));
    cr_assert_eq(xb_ctx_status(ctx), want);
    cr_assert(strstr(xb_ctx_error(ctx), key) != NULL, "message lacks the key: %s",
              xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), "--set") != NULL, "message lacks where: %s",
              xb_ctx_error(ctx));
    cr_assert(memcmp(before.p, d.p, sizeof d.p) == 0, "a failed set changed the device");
    xb_ctx_free(ctx);
}

Test(device_params, rejects_malformed_numbers)
{
    expect_set_fails("g_max", "abc", XB_EFORMAT);
    expect_set_fails("g_max", "3x", XB_EFORMAT);
    expect_set_fails("g_max", "", XB_EFORMAT);
    expect_set_fails("g_max", " 3", XB_EFORMAT);
    expect_set_fails("g_max", "3 ", XB_EFORMAT);
    expect_set_fails("g_max", "3uS", XB_EFORMAT);
    expect_set_fails("g_max", "1e400", XB_ERANGE);
    expect_set_fails("g_max", "nan", XB_ENUMERIC);
    expect_set_fails("g_max", "inf", XB_ENUMERIC);
    expect_set_fails("g_max", "-Infinity", XB_ENUMERIC);
}

Test(device_params, rejects_out_of_range_with_a_precise_message)
{
    expect_set_fails("g_max", "-3", XB_ERANGE);
    expect_set_fails("stuck_min", "1.5", XB_ERANGE);
    expect_set_fails("t_read", "0", XB_ERANGE);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    xb_device_set(ctx, &d, "g_max", "-3", "--set");
    cr_assert_str_eq(xb_ctx_error(ctx), "--set: g_max = -3 is out of range [1e-06, 1e+06] uS");
    xb_device_set(ctx, &d, "stuck_min", "2", "dev.cfg:12");
    cr_assert_str_eq(xb_ctx_error(ctx), "dev.cfg:12: stuck_min = 2 is out of range [0, 1]");
    xb_ctx_free(ctx);
}

Test(device_params, integer_parameters_must_be_integral)
{
    expect_set_fails("levels", "2.5", XB_EINVAL);
    expect_set_fails("levels", "-1", XB_ERANGE);
    expect_set_fails("levels", "1e9", XB_ERANGE);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    cr_assert_eq(xb_device_set(ctx, &d, "levels", "256", "--set"), XB_OK);
    NEAR(d.p[XB_DP_LEVELS], 256.0, 0.0, "levels");
    cr_assert_eq(xb_device_set_value(ctx, &d, "levels", 3.5, "cfg:3"), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "levels") && strstr(xb_ctx_error(ctx), "cfg:3"),
              "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

Test(device_params, unknown_key_lists_valid_keys)
{
    expect_set_fails("gmax", "25", XB_ENOTFOUND);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "pcm");
    cr_assert_eq(xb_device_set(ctx, &d, "gmax", "25", "--set"), XB_ENOTFOUND);
    const char *msg = xb_ctx_error(ctx);
    const char *keys[] = {"g_max", "g_min", "levels", "c0", "t_read", "read_scale"};
    for (int i = 0; i < 6; i++)
        cr_assert(strstr(msg, keys[i]) != NULL, "message lacks %s: %s", keys[i], msg);
    cr_assert_eq(xb_device_set_value(ctx, &d, "nope", 1.0, "cfg:1"), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "nope") != NULL);
    xb_ctx_free(ctx);
}

Test(device_params, numeric_values_are_checked_too)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "reram");
    cr_assert_eq(xb_device_set_value(ctx, &d, "g_max", NAN, "cfg:2"), XB_ENUMERIC);
    cr_assert_eq(xb_device_set_value(ctx, &d, "g_max", INFINITY, "cfg:2"), XB_ENUMERIC);
    cr_assert_eq(xb_device_set_value(ctx, &d, "g_max", 2e6, "cfg:2"), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "g_max") != NULL);
    cr_assert_eq(xb_device_set_value(ctx, &d, "g_max", 80.0, "cfg:2"), XB_OK);
    NEAR(xb_device_gmax(&d), 80.0, 0.0, "g_max set");
    xb_ctx_free(ctx);
}

Test(device_params, strict_number_parsers)
{
    double v = -1.0;
    long l = -1;
    cr_assert(xb_parse_double("0.25", &v) && v == 0.25);
    cr_assert(xb_parse_double("-1e-3", &v) && v == -1e-3);
    cr_assert(!xb_parse_double("1,5", &v));
    cr_assert(!xb_parse_double("nan", &v));
    cr_assert(!xb_parse_double("1e400", &v));
    cr_assert(!xb_parse_double(NULL, &v));
    cr_assert(xb_parse_long("42", &l) && l == 42);
    cr_assert(xb_parse_long("-7", &l) && l == -7);
    cr_assert(!xb_parse_long("4.2", &l));
    cr_assert(!xb_parse_long("0x10", &l));
    cr_assert(!xb_parse_long(" 1", &l));
    cr_assert(!xb_parse_long("99999999999999999999999", &l));
    cr_assert(!xb_parse_long("", &l));
    cr_assert_eq(xb_params_find(xb_device_pcm.params, xb_device_pcm.n_params, NULL), -1);
}

/* ---- presets and cross-parameter rules -------------------------------- */

Test(device_registry, unknown_preset_lists_presets)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d;
    cr_assert_eq(xb_device_init(ctx, &d, "memristor"), XB_ENOTFOUND);
    const char *msg = xb_ctx_error(ctx);
    const char *names[] = {"memristor", "ideal", "generic", "pcm", "reram", "flash"};
    for (int i = 0; i < 6; i++)
        cr_assert(strstr(msg, names[i]) != NULL, "message lacks %s: %s", names[i], msg);
    cr_assert_eq(xb_device_init(ctx, &d, NULL), XB_ENOTFOUND);
    xb_ctx_free(ctx);
}

Test(device_registry, validate_rejects_inconsistent_devices)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_device d = init_or_die(ctx, "generic");

    cr_assert_eq(xb_device_set(ctx, &d, "g_min", "10", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_EINVAL, "g_min = g_max accepted");
    cr_assert(strstr(xb_ctx_error(ctx), "g_min") && strstr(xb_ctx_error(ctx), "g_max"), "%s",
              xb_ctx_error(ctx));
    cr_assert_eq(xb_device_set(ctx, &d, "g_min", "11", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_EINVAL, "g_min > g_max accepted");
    cr_assert_eq(xb_device_set(ctx, &d, "g_min", "9.99", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_OK, "%s", xb_ctx_error(ctx));

    cr_assert_eq(xb_device_set(ctx, &d, "stuck_min", "0.6", "--set"), XB_OK);
    cr_assert_eq(xb_device_set(ctx, &d, "stuck_max", "0.5", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_EINVAL, "stuck sum 1.1 accepted");
    cr_assert(strstr(xb_ctx_error(ctx), "stuck_min") != NULL, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_device_set(ctx, &d, "stuck_max", "0.4", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_OK, "%s", xb_ctx_error(ctx));

    cr_assert_eq(xb_device_set(ctx, &d, "levels", "1", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_EINVAL, "one level accepted");
    cr_assert_eq(xb_device_set(ctx, &d, "levels", "2", "--set"), XB_OK);
    cr_assert_eq(xb_device_validate(ctx, &d), XB_OK, "%s", xb_ctx_error(ctx));

    /* Values written straight into the plain struct are checked as well. */
    d.p[XB_DP_D2D] = 3.0;
    cr_assert_eq(xb_device_validate(ctx, &d), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "d2d") != NULL, "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}
