/*
 * xb_device.c — the registry of device types and the rules across their
 * parameters.
 *
 * The registry is a const table of pointers, so adding a technology is one
 * dev_<name>.c file plus one line here; nothing in this file knows what a
 * type models (CONVENTIONS.md "Names and files": generic code never
 * switches on the kind).
 */
#include "xb_device.h"

#include <stdio.h>
#include <string.h>

_Static_assert(XB_DP_COMMON_COUNT == 7, "update common_names[] with enum xb_device_common");

/* Display order: the reference device, the technology-free sweep device,
 * then the published technologies. */
static const struct xb_device_type *const registry[] = {
    &xb_device_ideal, &xb_device_generic, &xb_device_pcm, &xb_device_reram, &xb_device_flash,
};

/* The keys XB_DEVICE_COMMON_SPECS produces, in enum xb_device_common order.
 * The engine reads d->p[XB_DP_GMAX] etc. by index, so a type whose table
 * does not start with these rows would be silently misread. */
static const char *const common_names[XB_DP_COMMON_COUNT] = {
    "g_max", "g_min", "levels", "t0", "d2d", "stuck_min", "stuck_max",
};

const struct xb_device_type *const *xb_device_types(size_t *n)
{
    if (n)
        *n = sizeof registry / sizeof registry[0];
    return registry;
}

const struct xb_device_type *xb_device_type_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

/* A broken type table is a programmer error, caught on first use of the type
 * rather than by a wrong simulation. */
static void assert_type_shape(const struct xb_device_type *t)
{
    XB_ASSERT(t->n_params >= XB_DP_COMMON_COUNT && t->n_params <= XB_DEVICE_MAX_PARAMS);
    XB_ASSERT(t->prog_sigma && t->drift_nu && t->read_sigma);
    for (size_t i = 0; i < XB_DP_COMMON_COUNT; i++)
        XB_ASSERT(strcmp(t->params[i].name, common_names[i]) == 0);
}

enum xb_status xb_device_init(struct xb_ctx *ctx, struct xb_device *d, const char *name)
{
    XB_ASSERT(d);
    const struct xb_device_type *t = xb_device_type_find(name);
    if (!t) {
        char names[256];
        size_t used = 0;
        names[0] = '\0';
        for (size_t i = 0; i < sizeof registry / sizeof registry[0] && used < sizeof names; i++) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             registry[i]->name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return xb_error(ctx, XB_ENOTFOUND, "unknown device \"%s\"; valid presets: %s",
                        name ? name : "(null)", names);
    }
    assert_type_shape(t);
    memset(d, 0, sizeof *d);
    d->type = t;
    xb_params_defaults(t->params, t->n_params, d->p);
    return XB_OK;
}

enum xb_status xb_device_set(struct xb_ctx *ctx, struct xb_device *d, const char *key,
                             const char *text, const char *where)
{
    XB_ASSERT(d && d->type);
    return xb_params_set(ctx, d->type->params, d->type->n_params, d->p, key, text, where);
}

enum xb_status xb_device_set_value(struct xb_ctx *ctx, struct xb_device *d,
                                   const char *key, double value, const char *where)
{
    XB_ASSERT(d && d->type);
    return xb_params_set_value(ctx, d->type->params, d->type->n_params, d->p, key, value,
                               where);
}

enum xb_status xb_device_validate(struct xb_ctx *ctx, const struct xb_device *d)
{
    XB_ASSERT(d && d->type);
    const struct xb_device_type *t = d->type;
    char where[64];
    snprintf(where, sizeof where, "device %s", t->name);

    /* d->p is plain data that callers may fill directly, so every value is
     * re-checked against its spec, not only those that went through _set. */
    for (size_t i = 0; i < t->n_params; i++) {
        enum xb_status st = xb_params_check(ctx, &t->params[i], d->p[i], where);
        if (st != XB_OK)
            return st;
    }

    double gmax = d->p[XB_DP_GMAX], gmin = d->p[XB_DP_GMIN];
    if (!(gmin < gmax))
        return xb_error(ctx, XB_EINVAL,
                        "%s: g_min = %g uS must be smaller than g_max = %g uS "
                        "(the window [g_min, g_max] holds the weights)",
                        where, gmin, gmax);

    /* One level cannot encode a weight; 0 means continuous. */
    if (d->p[XB_DP_LEVELS] == 1.0)
        return xb_error(ctx, XB_EINVAL,
                        "%s: levels = 1 is not allowed (0 = continuous, or at least 2)", where);

    double smin = d->p[XB_DP_STUCK_MIN], smax = d->p[XB_DP_STUCK_MAX];
    if (smin + smax > 1.0)
        return xb_error(ctx, XB_EINVAL,
                        "%s: stuck_min + stuck_max = %g + %g = %g exceeds 1 "
                        "(they are fractions of the same devices)",
                        where, smin, smax, smin + smax);
    return XB_OK;
}
