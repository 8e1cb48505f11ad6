#include "xb_config.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xb_alloc.h"
#include "xb_cfgint.h"
#include "xb_params.h"

/* ---- the engine keys ---------------------------------------------------- */

static const char *const scaling_names[] = {"layer", "column", NULL};
static const char *const noise_names[] = {"none", "add", "mult", NULL};

#define XB_OFF(field) offsetof(struct xb_config, field)

/* Ranges: tiles beyond 65536 lines are not a crossbar anyone builds;
 * converter bits stop where xb_quant does; t up to ~30 000 years. */
static const struct xb_config_key engine_keys[] = {
    {"tile_rows", XB_KEY_INT, "1", 1, 65536, NULL, XB_OFF(tile_rows),
     "inputs per tile (crossbar rows)"},
    {"tile_cols", XB_KEY_INT, "1", 1, 65536, NULL, XB_OFF(tile_cols),
     "outputs per tile (crossbar columns)"},
    {"scaling", XB_KEY_CHOICE, "", 0, 0, scaling_names, XB_OFF(scaling),
     "weight-to-conductance scale: one per layer or one per output column"},
    {"dac_bits", XB_KEY_INT, "bits", 0, XB_QUANT_MAX_BITS, NULL, XB_OFF(dac_bits),
     "DAC resolution, 0 = ideal converter"},
    {"dac_range", XB_KEY_REAL, "input units", 0, 1e30, NULL, XB_OFF(dac_range),
     "DAC full scale, 0 = calibrate as max |x| of the batch"},
    {"dac_signed", XB_KEY_BOOL, "", 0, 1, NULL, XB_OFF(dac_signed),
     "inputs may be negative (signed DAC)"},
    {"adc_bits", XB_KEY_INT, "bits", 0, XB_QUANT_MAX_BITS, NULL, XB_OFF(adc_bits),
     "ADC resolution, 0 = ideal converter"},
    {"adc_range", XB_KEY_ADC_RANGE, "normalised", 0, 0, NULL, XB_OFF(adc_value),
     "ADC full scale: max or percentile of the ideal tile outputs, or fixed"},
    {"drift_comp", XB_KEY_BOOL, "", 0, 1, NULL, XB_OFF(drift_comp),
     "global drift compensation (one output scale per layer)"},
    {"t", XB_KEY_REAL, "s", 0, 1e12, NULL, XB_OFF(t), "read time after programming"},
    {"noise", XB_KEY_CHOICE, "", 0, 0, noise_names, XB_OFF(noise),
     "abstract noise at the MVM output (paper 001)"},
    {"sigma", XB_KEY_REAL, "1 or output units", 0, 1e6, NULL, XB_OFF(sigma),
     "std of the abstract noise (relative for mult)"},
    {"instance", XB_KEY_INT, "1", 0, XB_RNG_MAX_INSTANCE, NULL, XB_OFF(instance),
     "chip instance: selects the programming draws"},
    {"portable", XB_KEY_BOOL, "", 0, 1, NULL, XB_OFF(portable),
     "products by xbar's fixed-order GEMM (same bits on every machine); false: OpenBLAS"},
};

#define N_ENGINE_KEYS (sizeof engine_keys / sizeof engine_keys[0])

const struct xb_config_key *xb_config_keys(size_t *n)
{
    *n = N_ENGINE_KEYS;
    return engine_keys;
}

const struct xb_config_key *xb_config_key_find(const char *name)
{
    for (size_t i = 0; i < N_ENGINE_KEYS; i++)
        if (!strcmp(engine_keys[i].name, name))
            return &engine_keys[i];
    return NULL;
}

static int *int_field(struct xb_config *c, const struct xb_config_key *k)
{
    return (int *)((char *)c + k->offset);
}
static double *double_field(struct xb_config *c, const struct xb_config_key *k)
{
    return (double *)((char *)c + k->offset);
}
static int int_value(const struct xb_config *c, const struct xb_config_key *k)
{
    return *(const int *)((const char *)c + k->offset);
}
static double double_value(const struct xb_config *c, const struct xb_config_key *k)
{
    return *(const double *)((const char *)c + k->offset);
}

/* ---- strict values ------------------------------------------------------ */

void xb_config_format_double(double v, char *buf, size_t size)
{
    /* Whole numbers as such: 3600, not the shorter 3.6e+03. */
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

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

static int parse_bool(const char *text, int *out)
{
    if (!strcmp(text, "true") || !strcmp(text, "1")) {
        *out = 1;
        return 1;
    }
    if (!strcmp(text, "false") || !strcmp(text, "0")) {
        *out = 0;
        return 1;
    }
    return 0;
}

static void join_choices(const char *const *choices, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i] && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", choices[i]);
}

void xb_config_expected(const struct xb_config_key *k, char *buf, size_t size)
{
    char list[128];
    switch (k->kind) {
    case XB_KEY_INT:
        snprintf(buf, size, "an integer in [%.0f, %.0f]", k->min, k->max);
        return;
    case XB_KEY_REAL:
        snprintf(buf, size, "a number in [%g, %g]", k->min, k->max);
        return;
    case XB_KEY_BOOL:
        snprintf(buf, size, "true or false");
        return;
    case XB_KEY_CHOICE:
        join_choices(k->choices, list, sizeof list);
        snprintf(buf, size, "one of %s", list);
        return;
    case XB_KEY_ADC_RANGE:
        snprintf(buf, size, "max, pNN (a percentile in (0, 100]) or a positive number");
        return;
    }
}

void xb_config_format(const struct xb_config *c, const struct xb_config_key *k, char *buf,
                      size_t size)
{
    switch (k->kind) {
    case XB_KEY_INT:
        snprintf(buf, size, "%d", int_value(c, k));
        return;
    case XB_KEY_REAL:
        xb_config_format_double(double_value(c, k), buf, size);
        return;
    case XB_KEY_BOOL:
        snprintf(buf, size, "%s", int_value(c, k) ? "true" : "false");
        return;
    case XB_KEY_CHOICE:
        snprintf(buf, size, "%s", k->choices[int_value(c, k)]);
        return;
    case XB_KEY_ADC_RANGE:
        if (c->adc_calib == XB_ADC_MAX) {
            snprintf(buf, size, "max");
        } else if (c->adc_calib == XB_ADC_PERCENTILE) {
            buf[0] = 'p';
            xb_config_format_double(c->adc_value, buf + 1, size - 1);
        } else {
            xb_config_format_double(c->adc_value, buf, size);
        }
        return;
    }
}

/* Sets engine key k of c from text. */
static enum xb_status set_engine(struct xb_ctx *ctx, struct xb_config *c,
                                 const struct xb_config_key *k, const char *text,
                                 const char *origin)
{
    char expected[160];
    long l;
    double d;
    int b;
    enum xb_status st;

    switch (k->kind) {
    case XB_KEY_INT:
        st = xb_config_parse_long(ctx, origin, text, (long)k->min, (long)k->max, &l);
        if (st == XB_OK)
            *int_field(c, k) = (int)l;
        return st;
    case XB_KEY_REAL:
        st = xb_config_parse_double(ctx, origin, text, k->min, k->max, &d);
        if (st == XB_OK)
            *double_field(c, k) = d;
        return st;
    case XB_KEY_BOOL:
        if (!parse_bool(text, &b)) {
            xb_config_expected(k, expected, sizeof expected);
            return xb_error(ctx, XB_EINVAL, "%s: expected %s", origin, expected);
        }
        *int_field(c, k) = b;
        return XB_OK;
    case XB_KEY_CHOICE:
        for (int i = 0; k->choices[i]; i++) {
            if (!strcmp(k->choices[i], text)) {
                *int_field(c, k) = i;
                return XB_OK;
            }
        }
        xb_config_expected(k, expected, sizeof expected);
        return xb_error(ctx, XB_EINVAL, "%s: expected %s", origin, expected);
    case XB_KEY_ADC_RANGE: {
        enum xb_adc_calib calib;
        if (xb_adc_range_parse(ctx, text, origin, &calib, &d) != XB_OK) {
            xb_config_expected(k, expected, sizeof expected);
            return xb_error(ctx, XB_EINVAL, "%s: expected %s", origin, expected);
        }
        c->adc_calib = (int)calib;
        c->adc_value = d;
        return XB_OK;
    }
    }
    return xb_error(ctx, XB_EINVAL, "%s: unhandled key kind", origin);
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

static const char *type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "an integer";
    case CONFIG_TYPE_FLOAT:
        return "a float";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_GROUP:
        return "a group";
    case CONFIG_TYPE_ARRAY:
        return "an array";
    case CONFIG_TYPE_LIST:
        return "a list";
    }
    return "an unknown type";
}

static int is_number(int type)
{
    return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 || type == CONFIG_TYPE_FLOAT;
}

/* The value of a scalar setting as text, and as it is shown in messages. */
static void setting_text(const config_setting_t *e, char *text, size_t size, char *shown,
                         size_t shown_size)
{
    switch (config_setting_type(e)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(text, size, "%lld", config_setting_get_int64(e));
        break;
    case CONFIG_TYPE_FLOAT:
        xb_config_format_double(config_setting_get_float(e), text, size);
        break;
    case CONFIG_TYPE_BOOL:
        snprintf(text, size, "%s", config_setting_get_bool(e) ? "true" : "false");
        break;
    case CONFIG_TYPE_STRING:
        snprintf(text, size, "%s", config_setting_get_string(e));
        snprintf(shown, shown_size, "\"%s\"", text);
        return;
    default:
        snprintf(text, size, "?");
        break;
    }
    snprintf(shown, shown_size, "%s", text);
}

/* Checks the type of setting e (group.name) against what the key takes. */
static enum xb_status check_type(struct xb_ctx *ctx, const char *where, const char *group,
                                 const char *name, int type, const struct xb_config_key *k)
{
    int ok;
    const char *want;
    if (!k && !strcmp(name, "type")) { /* device.type */
        ok = type == CONFIG_TYPE_STRING;
        want = "a string (a device preset name)";
    } else if (!k) { /* a device parameter */
        ok = is_number(type);
        want = "a number";
    } else {
        switch (k->kind) {
        case XB_KEY_INT:
            ok = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
            want = "an integer";
            break;
        case XB_KEY_REAL:
            ok = is_number(type);
            want = "a number";
            break;
        case XB_KEY_BOOL:
            ok = type == CONFIG_TYPE_BOOL;
            want = "true or false";
            break;
        case XB_KEY_CHOICE:
            ok = type == CONFIG_TYPE_STRING;
            want = "a string";
            break;
        default: /* XB_KEY_ADC_RANGE */
            ok = type == CONFIG_TYPE_STRING || is_number(type);
            want = "a string (\"max\", \"pNN\") or a number";
            break;
        }
    }
    if (ok)
        return XB_OK;
    return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected %s, got %s", where, group, name, want,
                    type_name(type));
}

static enum xb_status read_group(struct xb_ctx *ctx, const char *path,
                                 const config_setting_t *g, struct xb_settings *s)
{
    const char *group = config_setting_name(g);
    int is_xbar = !strcmp(group, "xbar");
    char where[4200], key[256], text[256], shown[300];
    char origin[sizeof where + sizeof key + sizeof shown + 8];

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        snprintf(where, sizeof where, "%s:%d", path, config_setting_source_line(e));
        const struct xb_config_key *k = NULL;
        if (is_xbar) {
            k = xb_config_key_find(name);
            if (!k) {
                char list[512];
                size_t len = 0;
                list[0] = '\0';
                for (size_t j = 0; j < N_ENGINE_KEYS && len < sizeof list; j++)
                    len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                            j ? ", " : "", engine_keys[j].name);
                return xb_error(ctx, XB_ENOTFOUND, "%s: xbar.%s: unknown key; expected one of %s",
                                where, name, list);
            }
        }
        enum xb_status st = check_type(ctx, where, group, name, config_setting_type(e), k);
        if (st != XB_OK)
            return st;
        setting_text(e, text, sizeof text, shown, sizeof shown);
        snprintf(key, sizeof key, "%s.%s", group, name);
        snprintf(origin, sizeof origin, "%s: %s = %s", where, key, shown);
        xb_settings_add(s, key, text, origin);
    }
    return XB_OK;
}

/* ---- @include ---------------------------------------------------------- */

/* libconfig's own include depth limit: deeper nesting is its error. The
 * scan also stops after this many files, so that a file that includes
 * itself several times costs little (libconfig fails on its first chain
 * of depth 10, the scan would otherwise follow every branch). */
#define XB_INCLUDE_MAX_DEPTH 10
#define XB_INCLUDE_MAX_FILES 64


/* If an @include directive starts at t[i] (after blanks at the start of a
 * line), its NAME (with libconfig's escapes \\ and \" undone) into name
 * and the index after its closing quote; else 0. *odd is set when NAME
 * holds a NUL byte or another backslash: libconfig then opens a name other
 * than the one written (it drops such a backslash and cuts at the NUL), so
 * the name is refused rather than guessed. */
static size_t include_at(const char *t, size_t n, size_t i, char *name, size_t size, int *odd)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (n - i < 9 || memcmp(t + i, "@include", 8) || (t[i + 8] != ' ' && t[i + 8] != '\t'))
        return 0;
    i += 8;
    while (i < n && (t[i] == ' ' || t[i] == '\t'))
        i++;
    if (i == n || t[i++] != '"')
        return 0;
    size_t len = 0;
    *odd = 0;
    for (; i < n && t[i] != '"'; i++) {
        if (t[i] == '\\' && i + 1 < n && (t[i + 1] == '\\' || t[i + 1] == '"'))
            i++;
        else if (t[i] == '\\' || t[i] == '\0')
            *odd = 1;
        if (len + 1 < size)
            name[len++] = t[i];
    }
    name[len] = '\0';
    return i < n ? i + 1 : 0;
}

static enum xb_status check_includes(struct xb_ctx *ctx, const char *path,
                                     const char *include_dir, int depth, int *files)
{
    /* Only regular files: reading a pipe (--config /dev/stdin) here would
     * leave nothing for libconfig. */
    size_t n;
    struct stat sb;
    char *t = depth <= XB_INCLUDE_MAX_DEPTH && (*files)++ < XB_INCLUDE_MAX_FILES &&
                      stat(path, &sb) == 0 && S_ISREG(sb.st_mode)
                  ? xb_cfgint_read_text(path, &n) : NULL;
    if (!t)
        return XB_OK; /* libconfig says what is wrong with it */
    /* libconfig's lexer: @include only at the start of a line outside
     * strings and comment blocks; comments are #, // and slash-star. */
    enum { CODE, STRING, BLOCK } state = CODE;
    enum xb_status st = XB_OK;
    int line = 1;
    char name[4096], full[8200];
    for (size_t i = 0; i < n && !st; i++) {
        if (state == CODE && (i == 0 || t[i - 1] == '\n')) {
            int odd;
            size_t end = include_at(t, n, i, name, sizeof name, &odd);
            if (end && odd) {
                st = xb_error(ctx, XB_EINVAL, "%s:%d: @include \"%s\": a NUL byte or a "
                              "backslash other than \\\\ and \\\"; expected a file name",
                              path, line, name);
                break;
            }
            if (end) {
                snprintf(full, sizeof full, "%s%s%s", include_dir ? include_dir : "",
                         include_dir ? "/" : "", name);
                if (stat(full, &sb) == 0 && !S_ISREG(sb.st_mode))
                    st = xb_error(ctx, XB_EINVAL, "%s:%d: @include \"%s\": %s is %s; expected "
                                  "a config file", path, line, name, full,
                                  S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
                else if (stat(full, &sb) == 0)
                    st = check_includes(ctx, full, include_dir, depth + 1, files);
                i = end - 1;
                continue;
            }
        }
        char c = t[i], next = i + 1 < n ? t[i + 1] : '\0';
        if (c == '\n')
            line++;
        if (state == STRING) {
            if (c == '\\' && next && next != '\n')
                i++;
            else if (c == '"')
                state = CODE;
        } else if (state == BLOCK) {
            if (c == '*' && next == '/')
                state = CODE, i++;
        } else if (c == '"') {
            state = STRING;
        } else if (c == '#' || (c == '/' && next == '/')) {
            while (i + 1 < n && t[i + 1] != '\n')
                i++;
        } else if (c == '/' && next == '*') {
            state = BLOCK, i++;
        }
    }
    xb_free(t);
    return st;
}

enum xb_status xb_config_check_includes(struct xb_ctx *ctx, const char *path,
                                        const char *include_dir)
{
    int files = 0;
    return check_includes(ctx, path, include_dir, 0, &files);
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
        if (strcmp(name, "device") && strcmp(name, "xbar")) {
            st = xb_error(ctx, XB_ENOTFOUND,
                          "%s:%d: %s: unknown key; expected the groups device = { ... } and "
                          "xbar = { ... }",
                          path, line, name);
        } else if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { ... }, got %s", path,
                          line, name, type_name(config_setting_type(g)));
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
                        type_name(config_setting_type(group)));
    return read_group(ctx, path, group, s);
}

/* ---- resolution --------------------------------------------------------- */

void xb_config_default(struct xb_config *c)
{
    struct xb_xbar_params p;
    xb_xbar_params_default(&p);
    memset(c, 0, sizeof *c);
    c->device = p.device;
    c->tile_rows = p.tile_rows;
    c->tile_cols = p.tile_cols;
    c->scaling = (int)p.scaling;
    c->dac_bits = p.dac_bits;
    c->dac_range = p.dac_range;
    c->dac_signed = p.dac_signed;
    c->adc_bits = p.adc_bits;
    c->adc_calib = XB_ADC_MAX; /* the engine's fixed 0 needs a value before use */
    c->adc_value = 0.0;
    c->drift_comp = p.drift_comp;
    c->t = 0.0;
    c->noise = (int)p.noise;
    c->sigma = p.sigma;
    c->instance = (int)p.instance;
    c->portable = p.gemm == XB_GEMM_PORTABLE;
}

void xb_config_xbar_params(const struct xb_config *c, struct xb_xbar_params *p)
{
    xb_xbar_params_default(p);
    p->device = c->device;
    p->tile_rows = c->tile_rows;
    p->tile_cols = c->tile_cols;
    p->scaling = (enum xb_scaling)c->scaling;
    p->dac_bits = c->dac_bits;
    p->dac_range = c->dac_range;
    p->dac_signed = c->dac_signed;
    p->adc_bits = c->adc_bits;
    p->adc_calib = (enum xb_adc_calib)c->adc_calib;
    p->adc_value = c->adc_value;
    p->drift_comp = c->drift_comp;
    p->noise = (enum xb_noise_kind)c->noise;
    p->sigma = c->sigma;
    p->instance = (uint32_t)c->instance;
    p->gemm = c->portable ? XB_GEMM_PORTABLE : XB_GEMM_NATIVE;
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

static enum xb_status set_device(struct xb_ctx *ctx, struct xb_device *d,
                                 const struct xb_param_spec *spec, const char *text,
                                 const char *origin)
{
    double v;
    long l;
    enum xb_status st;
    if (spec->integer) {
        st = xb_config_parse_long(ctx, origin, text, (long)spec->min, (long)spec->max, &l);
        v = (double)l;
    } else {
        st = xb_config_parse_double(ctx, origin, text, spec->min, spec->max, &v);
    }
    if (st != XB_OK)
        return st;
    return xb_device_set_value(ctx, d, spec->name, v, origin);
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
        enum xb_status st = xb_device_init(ctx, &c->device, type->value);
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
        if (!strncmp(key, "xbar.", 5)) {
            key += 5;
            want_device = 0;
        } else if (!strncmp(key, "device.", 7)) {
            key += 7;
            want_engine = 0;
        }
        const struct xb_config_key *k = want_engine ? xb_config_key_find(key) : NULL;
        int di = want_device ? xb_params_find(c->device.type->params,
                                              c->device.type->n_params, key)
                             : -1;
        if (k && di >= 0)
            return xb_error(ctx, XB_EINVAL,
                            "%s: '%s' is both an engine key and a parameter of device %s; "
                            "write xbar.%s or device.%s",
                            st->origin, key, c->device.type->name, key, key);
        enum xb_status rc;
        if (k)
            rc = set_engine(ctx, c, k, st->value, st->origin);
        else if (di >= 0)
            rc = set_device(ctx, &c->device, &c->device.type->params[di], st->value,
                            st->origin);
        else
            rc = unknown_key(ctx, st, want_engine, &c->device, want_device, type_origin);
        if (rc != XB_OK)
            return rc;
    }

    enum xb_status rc = xb_device_validate(ctx, &c->device);
    if (rc != XB_OK)
        return rc;
    struct xb_xbar_params p;
    xb_config_xbar_params(c, &p);
    return xb_xbar_params_validate(ctx, &p);
}

/* ---- the resolved text -------------------------------------------------- */

/* A number as libconfig reads it back with the same type. */
static void config_number(double v, int integer, char *buf, size_t size)
{
    if (integer) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    xb_config_format_double(v, buf, size);
    if (!strpbrk(buf, ".eEn")) /* "25" would read back as an integer */
        strncat(buf, ".0", size - strlen(buf) - 1);
}

char *xb_config_text(const struct xb_config *c)
{
    size_t size = 8192, len = 0;
    char *out = xb_malloc(size, 1);
    char value[128];
    const struct xb_device_type *t = c->device.type;

#define XB_PUT(...) len += (size_t)snprintf(out + len, len < size ? size - len : 0, __VA_ARGS__)
    XB_PUT("device = {\n  type = \"%s\";\n", t->name);
    for (size_t i = 0; i < t->n_params; i++) {
        config_number(c->device.p[i], t->params[i].integer, value, sizeof value);
        XB_PUT("  %s = %s;  # %s\n", t->params[i].name, value, t->params[i].unit);
    }
    XB_PUT("};\nxbar = {\n");
    for (size_t i = 0; i < N_ENGINE_KEYS; i++) {
        const struct xb_config_key *k = &engine_keys[i];
        /* At its default (on) it is left out: the key's text appears only
         * in the files of native runs. */
        if (k->offset == XB_OFF(portable) && c->portable)
            continue;
        switch (k->kind) {
        case XB_KEY_REAL:
            config_number(double_value(c, k), 0, value, sizeof value);
            XB_PUT("  %s = %s;\n", k->name, value);
            break;
        case XB_KEY_ADC_RANGE:
            /* a fixed range is a number, "max" and "pNN" are strings */
            xb_config_format(c, k, value, sizeof value);
            if (c->adc_calib == XB_ADC_FIXED)
                config_number(c->adc_value, 0, value, sizeof value);
            XB_PUT(c->adc_calib == XB_ADC_FIXED ? "  %s = %s;\n" : "  %s = \"%s\";\n", k->name,
                   value);
            break;
        case XB_KEY_CHOICE:
            xb_config_format(c, k, value, sizeof value);
            XB_PUT("  %s = \"%s\";\n", k->name, value);
            break;
        default:
            xb_config_format(c, k, value, sizeof value);
            XB_PUT("  %s = %s;\n", k->name, value);
            break;
        }
    }
    XB_PUT("};\n");
#undef XB_PUT
    XB_ASSERT(len < size); /* 32 device parameters and 13 keys fit with room */
    return out;
}

/* ---- settings without effect -------------------------------------------- */

static int adc_range_unused(const struct xb_config *c)
{
    return c->adc_bits == 0 && c->adc_calib != XB_ADC_MAX;
}
static int dac_signed_unused(const struct xb_config *c)
{
    return c->dac_bits == 0 && !c->dac_signed;
}
static int sigma_unused(const struct xb_config *c)
{
    return c->noise == XB_NOISE_NONE && c->sigma != 0.0;
}
static int noise_without_sigma(const struct xb_config *c)
{
    return c->noise != XB_NOISE_NONE && c->sigma == 0.0;
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
