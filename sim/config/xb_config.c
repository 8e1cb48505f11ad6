#include "xb_config.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cfgfile.h"
#include "xb_cfgint.h"
#include "xb_params.h"

/* ---- the engine keys ---------------------------------------------------- */

static const char *const scaling_names[] = {"layer", "column", NULL};
static const char *const noise_names[] = {"none", "add", "mult", NULL};

/* adc_range is two fields: the calibration kind and its number. */
static enum xb_status adc_range_set(struct xb_ctx *ctx, const struct xb_key *k, void *base,
                                    const char *text, const char *origin)
{
    struct xb_config *c = base;
    enum xb_adc_calib calib;
    double v;
    if (xb_adc_range_parse(ctx, text, origin, &calib, &v) != XB_OK)
        return xb_error(ctx, XB_EINVAL, "%s: expected %s", origin, k->custom->expected);
    c->xbar.adc_calib = calib;
    c->xbar.adc_value = v;
    return XB_OK;
}

static void adc_range_get(const struct xb_key *k, const void *base, char *buf, size_t size)
{
    (void)k;
    const struct xb_config *c = base;
    if (c->xbar.adc_calib == XB_ADC_MAX) {
        snprintf(buf, size, "max");
    } else if (c->xbar.adc_calib == XB_ADC_PERCENTILE) {
        buf[0] = 'p';
        xb_key_format_double(c->xbar.adc_value, buf + 1, size - 1);
    } else {
        xb_key_format_double(c->xbar.adc_value, buf, size);
    }
}

/* A fixed range is a number in a config file, "max" and "pNN" are strings. */
static int adc_range_numeric(const struct xb_key *k, const void *base)
{
    (void)k;
    return ((const struct xb_config *)base)->xbar.adc_calib == XB_ADC_FIXED;
}

static const struct xb_key_custom adc_range_custom = {
    adc_range_set, adc_range_get, adc_range_numeric,
    "max, pNN (a percentile in (0, 100]) or a positive number"};

#define XB_OFF(field) .offset = offsetof(struct xb_config, xbar.field)
/* The enums of struct xb_xbar_params are stored as int (XB_STORE_INT). */
_Static_assert(sizeof(enum xb_scaling) == sizeof(int) && sizeof(enum xb_noise_kind) ==
                   sizeof(int) && sizeof(enum xb_gemm_impl) == sizeof(int),
               "an enum of the engine parameters is not int-sized");
#define XB_ENGINE "xbar"

/* Ranges: tiles beyond 65536 lines are not a crossbar anyone builds;
 * converter bits stop where xb_quant does; t up to ~30 000 years. The
 * defaults are the engine's (xb_xbar_params_default, checked by
 * test_config), except that the ADC range is calibrated as the max of the
 * ideal outputs, so that `--adc-bits N` alone is meaningful. */
static const struct xb_key engine_keys[] = {
    {.name = "tile_rows", .type = XB_KEY_INT, .unit = "1", .def = 256, .min = 1, .max = 65536,
     XB_OFF(tile_rows), .store = XB_STORE_INT, .help = "inputs per tile (crossbar rows)",
     .source = XB_ENGINE},
    {.name = "tile_cols", .type = XB_KEY_INT, .unit = "1", .def = 256, .min = 1, .max = 65536,
     XB_OFF(tile_cols), .store = XB_STORE_INT, .help = "outputs per tile (crossbar columns)",
     .source = XB_ENGINE},
    {.name = "scaling", .type = XB_KEY_ENUM, .unit = "", .def = XB_SCALE_LAYER,
     .choices = scaling_names, XB_OFF(scaling), .store = XB_STORE_INT,
     .help = "weight-to-conductance scale: one per layer or one per output column",
     .source = XB_ENGINE},
    {.name = "dac_bits", .type = XB_KEY_INT, .unit = "bits", .min = 0,
     .max = XB_QUANT_MAX_BITS, XB_OFF(dac_bits), .store = XB_STORE_INT,
     .help = "DAC resolution, 0 = ideal converter", .source = XB_ENGINE},
    {.name = "dac_range", .type = XB_KEY_REAL, .unit = "input units", .min = 0, .max = 1e30,
     XB_OFF(dac_range), .help = "DAC full scale, 0 = calibrate as max |x| of the batch",
     .source = XB_ENGINE},
    {.name = "dac_signed", .type = XB_KEY_BOOL, .unit = "", .def = 1, XB_OFF(dac_signed),
     .store = XB_STORE_INT, .help = "inputs may be negative (signed DAC)", .source = XB_ENGINE},
    {.name = "adc_bits", .type = XB_KEY_INT, .unit = "bits", .min = 0,
     .max = XB_QUANT_MAX_BITS, XB_OFF(adc_bits), .store = XB_STORE_INT,
     .help = "ADC resolution, 0 = ideal converter", .source = XB_ENGINE},
    {.name = "adc_range", .type = XB_KEY_CUSTOM, .unit = "normalised", .def_text = "max",
     .custom = &adc_range_custom,
     .help = "ADC full scale: max or percentile of the ideal tile outputs, or fixed",
     .source = "xbar (aihwkit's out_bound convention for a fixed range)"},
    {.name = "drift_comp", .type = XB_KEY_BOOL, .unit = "", XB_OFF(drift_comp),
     .store = XB_STORE_INT, .help = "global drift compensation (one output scale per layer)",
     .source = XB_ENGINE},
    {.name = "t", .type = XB_KEY_REAL, .unit = "s", .min = 0, .max = 1e12,
     .offset = offsetof(struct xb_config, t),
     .help = "read time after programming", .source = XB_ENGINE},
    {.name = "noise", .type = XB_KEY_ENUM, .unit = "", .def = XB_NOISE_NONE,
     .choices = noise_names, XB_OFF(noise), .store = XB_STORE_INT,
     .help = "abstract noise at the MVM output (paper 001)", .source = XB_ENGINE},
    {.name = "sigma", .type = XB_KEY_REAL, .unit = "1 or output units", .min = 0, .max = 1e6,
     XB_OFF(sigma), .help = "std of the abstract noise (relative for mult)",
     .source = XB_ENGINE},
    {.name = "instance", .type = XB_KEY_INT, .unit = "1", .min = 0, .max = XB_RNG_MAX_INSTANCE,
     XB_OFF(instance), .store = XB_STORE_U32,
     .help = "chip instance: selects the programming draws", .source = XB_ENGINE},
    /* At its default (on) it is left out of /config: the key's text
     * appears only in the files of native runs. */
    {.name = "portable", .type = XB_KEY_BOOL, .unit = "", .def = 1, XB_OFF(gemm),
     .store = XB_STORE_INT, .flags = XB_KEY_OMIT_DEFAULT | XB_KEY_NEGATE, /* 0: portable */
     .help = "products by xbar's fixed-order GEMM (same bits on every machine); false: OpenBLAS",
     .source = XB_ENGINE},
};

#define N_ENGINE_KEYS (sizeof engine_keys / sizeof engine_keys[0])

const struct xb_key *xb_config_keys(size_t *n)
{
    *n = N_ENGINE_KEYS;
    return engine_keys;
}

const struct xb_key *xb_config_key_find(const char *name)
{
    return xb_key_find(engine_keys, N_ENGINE_KEYS, NULL, name);
}

/* ---- strict values ------------------------------------------------------ */

enum xb_status xb_config_parse_long(struct xb_ctx *ctx, const char *origin, const char *text,
                                    long min, long max, long *out)
{
    long v;
    if (!xb_parse_long(text, &v))
        return xb_error(ctx, XB_EINVAL, "%s: expected an integer in [%ld, %ld]", origin, min,
                        max);
    if (v < min || v > max)
        return xb_error(ctx, XB_ERANGE, "%s: expected an integer in [%ld, %ld]", origin, min,
                        max);
    *out = v;
    return XB_OK;
}

enum xb_status xb_config_parse_double(struct xb_ctx *ctx, const char *origin,
                                      const char *text, double min, double max,
                                      double *out)
{
    double v;
    if (!xb_parse_double(text, &v))
        return xb_error(ctx, XB_EINVAL, "%s: expected a number in [%g, %g]", origin, min, max);
    if (!(v >= min && v <= max))
        return xb_error(ctx, XB_ERANGE, "%s: expected a number in [%g, %g]", origin, min, max);
    *out = v;
    return XB_OK;
}

/* ---- the settings list -------------------------------------------------- */

void xb_settings_free(struct xb_settings *s)
{
    for (size_t i = 0; i < s->n; i++) {
        xb_free(s->v[i].key);
        xb_free(s->v[i].value);
        xb_free(s->v[i].origin);
    }
    xb_free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void xb_settings_add(struct xb_settings *s, const char *key, const char *value,
                     const char *origin)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct xb_setting *v = xb_malloc(cap, sizeof *v);
        if (s->n)
            memcpy(v, s->v, s->n * sizeof *v);
        xb_free(s->v);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].key = xb_strdup(key);
    s->v[s->n].value = xb_strdup(value);
    s->v[s->n].origin = xb_strdup(origin);
    s->n++;
}

void xb_settings_extend(struct xb_settings *dst, const struct xb_settings *src)
{
    for (size_t i = 0; i < src->n; i++)
        xb_settings_add(dst, src->v[i].key, src->v[i].value, src->v[i].origin);
}

enum xb_status xb_settings_add_assignment(struct xb_ctx *ctx, struct xb_settings *s,
                                          const char *text, const char *origin)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return xb_error(ctx, XB_EINVAL, "%s: expected key=value (keys: see --help)", origin);
    size_t len = (size_t)(eq - text);
    char *key = xb_malloc(len + 1, 1);
    memcpy(key, text, len);
    key[len] = '\0';
    xb_settings_add(s, key, eq + 1, origin);
    xb_free(key);
    return XB_OK;
}

/* ---- config files ------------------------------------------------------- */

/* What a device group's settings are before the device type is known:
 * its type a string, its parameters numbers (checked by xb_config_resolve
 * against the type in force at the end). */
static const struct xb_key device_type_key = {.name = "type", .type = XB_KEY_STRING};

static enum xb_status read_group(struct xb_ctx *ctx, const char *path,
                                 const config_setting_t *g, struct xb_settings *s)
{
    const char *group = config_setting_name(g);
    int is_xbar = !strcmp(group, "xbar"), is_energy = !strcmp(group, "energy");
    size_t n_energy;
    const struct xb_key *energy = xb_energy_keys(&n_energy);
    char where[4200], key[256], text[4096], origin[8600];

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        snprintf(where, sizeof where, "%s:%d", path, config_setting_source_line(e));
        const struct xb_key *k = NULL;
        if (is_xbar) {
            k = xb_config_key_find(name);
            if (!k) {
                char list[512];
                xb_key_names(engine_keys, N_ENGINE_KEYS, NULL, list, sizeof list);
                return xb_error(ctx, XB_ENOTFOUND, "%s: xbar.%s: unknown key; expected one of %s",
                                where, name, list);
            }
        } else if (is_energy) {
            k = xb_key_find(energy, n_energy, NULL, name);
            if (!k) {
                char list[512];
                xb_key_names(energy, n_energy, NULL, list, sizeof list);
                return xb_error(ctx, XB_ENOTFOUND, "%s: energy.%s: unknown key; expected one "
                                "of %s", where, name, list);
            }
        } else if (!strcmp(name, "type")) {
            k = &device_type_key;
        }
        enum xb_status st = xb_cfgfile_value(ctx, where, group, e, k, text, sizeof text, origin,
                                             sizeof origin);
        if (st != XB_OK)
            return st;
        snprintf(key, sizeof key, "%s.%s", group, name);
        xb_settings_add(s, key, text, origin);
    }
    return XB_OK;
}

enum xb_status xb_config_read(struct xb_ctx *ctx, const char *path, struct xb_settings *s)
{
    /* Open it ourselves first: libconfig reports I/O errors without errno. */
    FILE *f = fopen(path, "r");
    if (!f)
        return xb_error(ctx, XB_EIO, "--config %s: cannot read: %s", path, strerror(errno));
    fclose(f);
    enum xb_status st = xb_config_check_includes(ctx, path, NULL);
    if (st != XB_OK)
        return st;

    config_t cf;
    config_init(&cf);
    if (!config_read_file(&cf, path)) {
        /* An @include'd file reports its own name. */
        const char *file = config_error_file(&cf) ? config_error_file(&cf) : path;
        st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s", file, config_error_line(&cf),
                      config_error_text(&cf));
        goto done;
    }
    /* Without an include directory libconfig finds @include files from the
     * working directory. */
    if ((st = xb_cfgint_check(ctx, path, ".")) != XB_OK)
        goto done;
    const config_setting_t *root = config_root_setting(&cf);
    for (int i = 0; i < config_setting_length(root) && st == XB_OK; i++) {
        const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *name = config_setting_name(g);
        int line = config_setting_source_line(g);
        if (strcmp(name, "device") && strcmp(name, "xbar") && strcmp(name, "energy")) {
            st = xb_error(ctx, XB_ENOTFOUND,
                          "%s:%d: %s: unknown key; expected the groups device = { ... }, "
                          "xbar = { ... } and energy = { ... }",
                          path, line, name);
        } else if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { ... }, got %s", path,
                          line, name, xb_cfgfile_type_name(config_setting_type(g)));
        } else {
            st = read_group(ctx, path, g, s);
        }
    }
done:
    config_destroy(&cf);
    return st;
}

enum xb_status xb_config_read_group(struct xb_ctx *ctx, const char *path,
                                    const struct config_setting_t *group, struct xb_settings *s)
{
    const char *name = config_setting_name(group);
    if (config_setting_type(group) != CONFIG_TYPE_GROUP)
        return xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { ... }, got %s", path,
                        config_setting_source_line(group), name,
                        xb_cfgfile_type_name(config_setting_type(group)));
    return read_group(ctx, path, group, s);
}

/* ---- resolution --------------------------------------------------------- */

void xb_config_default(struct xb_config *c)
{
    memset(c, 0, sizeof *c);
    xb_xbar_params_default(&c->xbar);
    xb_key_defaults(engine_keys, N_ENGINE_KEYS, c);
    xb_energy_params_default(&c->energy);
}

void xb_config_xbar_params(const struct xb_config *c, struct xb_xbar_params *p)
{
    *p = c->xbar;
}

static void device_names(char *buf, size_t size)
{
    size_t n, len = 0;
    const struct xb_device_type *const *types = xb_device_types(&n);
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", types[i]->name);
}

/* The message lists what the key could have been: the engine keys unless
 * it said device., the device's keys unless it said xbar. */
static enum xb_status unknown_key(struct xb_ctx *ctx, const struct xb_setting *st,
                                  int engine, const struct xb_device *d, int device,
                                  const char *type_origin)
{
    char keys[1600];
    size_t len = 0;
    keys[0] = '\0';
    if (engine) {
        len += (size_t)snprintf(keys + len, sizeof keys - len, "; engine keys: ");
        for (size_t j = 0; j < N_ENGINE_KEYS && len < sizeof keys; j++)
            len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", j ? ", " : "",
                                    engine_keys[j].name);
    }
    if (device && len < sizeof keys) {
        len += (size_t)snprintf(keys + len, sizeof keys - len, "; keys of device %s (%s): ",
                                d->type->name, type_origin);
        for (size_t j = 0; j < d->type->n_params && len < sizeof keys; j++)
            len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", j ? ", " : "",
                                    d->type->params[j].name);
    }
    return xb_error(ctx, XB_ENOTFOUND, "%s: unknown key '%s'%s", st->origin, st->key, keys);
}

/* energy.KEY = value: always with its group (energy.adc_bits is not
 * xbar.adc_bits). */
static enum xb_status set_energy(struct xb_ctx *ctx, const struct xb_setting *st,
                                 struct xb_energy_params *e)
{
    size_t n;
    const struct xb_key *keys = xb_energy_keys(&n);
    const struct xb_key *k = xb_key_find(keys, n, NULL, st->key + 7);
    if (!k) {
        char list[512];
        xb_key_names(keys, n, NULL, list, sizeof list);
        return xb_error(ctx, XB_ENOTFOUND, "%s: unknown key '%s'; energy keys: %s", st->origin,
                        st->key, list);
    }
    return xb_key_set(ctx, k, e, st->value, st->origin);
}

enum xb_status xb_config_resolve(struct xb_ctx *ctx, const struct xb_settings *s,
                                 struct xb_config *c)
{
    /* The device type first: parameters apply to the type in force at the
     * end, whatever the order they were given in. */
    const struct xb_setting *type = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].key, "device.type"))
            type = &s->v[i];
    const char *type_origin = "the default";
    if (type) {
        if (!xb_device_type_find(type->value)) {
            char names[256];
            device_names(names, sizeof names);
            return xb_error(ctx, XB_ENOTFOUND, "%s: unknown device '%s'; expected one of %s",
                            type->origin, type->value, names);
        }
        enum xb_status st = xb_device_init(ctx, &c->xbar.device, type->value);
        if (st != XB_OK)
            return st;
        type_origin = type->origin;
    }

    for (size_t i = 0; i < s->n; i++) {
        const struct xb_setting *st = &s->v[i];
        if (st == type || !strcmp(st->key, "device.type"))
            continue;
        const char *key = st->key;
        int want_engine = 1, want_device = 1;
        if (!strncmp(key, "energy.", 7)) {
            enum xb_status rc = set_energy(ctx, st, &c->energy);
            if (rc != XB_OK)
                return rc;
            continue;
        }
        if (!strncmp(key, "xbar.", 5)) {
            key += 5;
            want_device = 0;
        } else if (!strncmp(key, "device.", 7)) {
            key += 7;
            want_engine = 0;
        }
        const struct xb_key *k = want_engine ? xb_config_key_find(key) : NULL;
        int di = want_device ? xb_params_find(c->xbar.device.type->params,
                                              c->xbar.device.type->n_params, key)
                             : -1;
        if (k && di >= 0)
            return xb_error(ctx, XB_EINVAL,
                            "%s: '%s' is both an engine key and a parameter of device %s; "
                            "write xbar.%s or device.%s",
                            st->origin, key, c->xbar.device.type->name, key, key);
        enum xb_status rc;
        if (k)
            rc = xb_key_set(ctx, k, c, st->value, st->origin);
        else if (di >= 0) /* a device row lives at its index of the value array */
            rc = xb_key_set(ctx, &c->xbar.device.type->params[di], &c->xbar.device.p[di], st->value,
                            st->origin);
        else
            rc = unknown_key(ctx, st, want_engine, &c->xbar.device, want_device, type_origin);
        if (rc != XB_OK)
            return rc;
    }

    enum xb_status rc = xb_device_validate(ctx, &c->xbar.device);
    if (rc != XB_OK)
        return rc;
    return xb_xbar_params_validate(ctx, &c->xbar);
}

/* ---- the resolved text -------------------------------------------------- */

size_t xb_config_energy_text(const struct xb_config *c, char *buf, size_t size, size_t len)
{
    size_t n;
    const struct xb_key *keys = xb_energy_keys(&n);
    for (size_t i = 0; i < n; i++)
        if (!xb_key_at_default(&keys[i], &c->energy)) {
            len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "energy = {\n");
            xb_cfgfile_write(keys, n, NULL, &c->energy, 1, 0, buf, size, &len);
            len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "};\n");
            break;
        }
    return len;
}

char *xb_config_text(const struct xb_config *c)
{
    size_t size = 8192, len = 0;
    char *out = xb_malloc(size, 1);
    char value[128];
    const struct xb_device_type *t = c->xbar.device.type;

#define XB_PUT(...) len += (size_t)snprintf(out + len, len < size ? size - len : 0, __VA_ARGS__)
    XB_PUT("device = {\n  type = \"%s\";\n", t->name);
    for (size_t i = 0; i < t->n_params; i++) {
        if (t->params[i].type == XB_KEY_INT) /* libconfig reads it back as an integer */
            snprintf(value, sizeof value, "%.0f", c->xbar.device.p[i]);
        else
            xb_cfgfile_real(c->xbar.device.p[i], 0, value, sizeof value);
        XB_PUT("  %s = %s;  # %s\n", t->params[i].name, value, t->params[i].unit);
    }
    XB_PUT("};\nxbar = {\n");
    xb_cfgfile_write(engine_keys, N_ENGINE_KEYS, NULL, c, 1, 0, out, size, &len);
    XB_PUT("};\n");
    len = xb_config_energy_text(c, out, size, len);
#undef XB_PUT
    XB_ASSERT(len < size); /* 32 device parameters, 14 keys and 9 prices fit with room */
    return out;
}

/* ---- settings without effect -------------------------------------------- */

static int adc_range_unused(const struct xb_config *c)
{
    return c->xbar.adc_bits == 0 && c->xbar.adc_calib != XB_ADC_MAX;
}
static int dac_signed_unused(const struct xb_config *c)
{
    return c->xbar.dac_bits == 0 && !c->xbar.dac_signed;
}
static int sigma_unused(const struct xb_config *c)
{
    return c->xbar.noise == XB_NOISE_NONE && c->xbar.sigma != 0.0;
}
static int noise_without_sigma(const struct xb_config *c)
{
    return c->xbar.noise != XB_NOISE_NONE && c->xbar.sigma == 0.0;
}

/* An engine key whose value, given the key that governs it, changes
 * nothing: a value other than the default that would be dropped without a
 * word, or a noise model at sigma = 0. Defaults are left alone (a config
 * file may spell every key out), and so is a value that a later setting of
 * the governing key made moot on purpose (--config reram.cfg --adc-bits 0
 * asks for an ideal ADC; the file's ADC range goes with it). */
static const struct {
    const char *key, *governor;
    int (*unused)(const struct xb_config *c);
    const char *why;
} unused_keys[] = {
    {"adc_range", "adc_bits", adc_range_unused,
     "no effect with an ideal ADC (adc_bits = 0); set --adc-bits N, or leave it at max"},
    {"dac_signed", "dac_bits", dac_signed_unused,
     "no effect with an ideal DAC (dac_bits = 0); set --dac-bits N, or leave it true"},
    {"sigma", "noise", sigma_unused, "no effect without abstract noise (noise = none); set "
     "--noise add or mult, or leave it at 0"},
    {"noise", "sigma", noise_without_sigma,
     "needs --sigma > 0 (a noise model at sigma = 0 adds nothing)"},
};

/* The index of the last setting of engine key name (xbar.NAME or NAME) in
 * s, or -1. */
static long last_setting(const struct xb_settings *s, const char *name)
{
    for (size_t i = s->n; i-- > 0;) {
        const char *key = s->v[i].key;
        if (!strncmp(key, "xbar.", 5))
            key += 5;
        if (!strcmp(key, name))
            return (long)i;
    }
    return -1;
}

enum xb_status xb_config_check_used(struct xb_ctx *ctx, const struct xb_settings *s,
                                    const struct xb_config *c)
{
    for (size_t r = 0; r < sizeof unused_keys / sizeof unused_keys[0]; r++) {
        if (!unused_keys[r].unused(c))
            continue;
        long k = last_setting(s, unused_keys[r].key);
        if (k > last_setting(s, unused_keys[r].governor))
            return xb_error(ctx, XB_EINVAL, "%s: %s", s->v[k].origin, unused_keys[r].why);
    }
    return XB_OK;
}
