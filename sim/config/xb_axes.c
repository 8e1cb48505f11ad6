#include "xb_axes.h"

#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_cfgfile.h"
#include "xb_key.h"

/* Keys that are not a property of the simulated chip or its training: one
 * study writes one file, and repeats and votes are dimensions of every
 * point already (xb_axes.h). */
static const struct {
    const char *key, *why;
} not_axes[] = {
    {"sweep.output", "a study writes one result file"},
    {"sweep.repeats", "repeats are a dimension of every point"},
    {"sweep.votes", "votes are a dimension of every point"},
    {"sweep.eval_rows", "the rows of a pass change no result"},
    {"sweep.test", "the study's axes say what is evaluated"},
    {"sweep.portable", "one study uses one kind of product throughout"},
    {"data.dir", "a folder is not a property of the data"},
    {"device.type", "each preset has its own parameters: one study per device "
                    "(configs/studies/)"},
};

static enum xb_status check_key(struct xb_ctx *ctx, const char *where, const char *key,
                                const struct xb_axes *a)
{
    const char *dot = strchr(key, '.');
    size_t len = strlen(key);
    int ok = dot && dot != key && dot[1] && len < sizeof a->axis[0].key;
    for (const char *c = key; ok && *c; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '.';
    if (!ok)
        return xb_error(ctx, XB_EINVAL, "%s: key = \"%s\": expected group.name, as --set "
                        "takes it (e.g. \"xbar.adc_bits\")", where, key);
    for (size_t i = 0; i < sizeof not_axes / sizeof *not_axes; i++)
        if (!strcmp(key, not_axes[i].key))
            return xb_error(ctx, XB_EINVAL, "%s: key = \"%s\" cannot be an axis: %s", where, key,
                            not_axes[i].why);
    for (size_t k = 0; k < a->n; k++)
        if (!strcmp(a->axis[k].key, key))
            return xb_error(ctx, XB_EINVAL, "%s: key = \"%s\" is already the axis of line %d",
                            where, key, a->axis[k].line);
    return XB_OK;
}

static enum xb_status read_values(struct xb_ctx *ctx, const char *where,
                                  const config_setting_t *v, struct xb_axis *ax)
{
    int n = config_setting_type(v) == CONFIG_TYPE_ARRAY ? config_setting_length(v) : -1;
    if (n < 1 || n > XB_AXIS_MAX_VALUES)
        return xb_error(ctx, XB_EFORMAT, "%s: values: expected an array of 1 to %d numbers, "
                        "strings or booleans, e.g. [4, 6, 8]", where, XB_AXIS_MAX_VALUES);
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
        char *out = ax->value[i];
        switch (config_setting_type(e)) {
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
            snprintf(out, XB_AXIS_VALUE_SIZE, "%lld", config_setting_get_int64(e));
            break;
        case CONFIG_TYPE_FLOAT:
            xb_key_format_double(config_setting_get_float(e), out, XB_AXIS_VALUE_SIZE);
            break;
        case CONFIG_TYPE_BOOL:
            snprintf(out, XB_AXIS_VALUE_SIZE, "%s", config_setting_get_bool(e) ? "true" : "false");
            break;
        case CONFIG_TYPE_STRING: {
            const char *s = config_setting_get_string(e);
            if (!s[0] || strlen(s) >= XB_AXIS_VALUE_SIZE || strpbrk(s, "\"\\\n"))
                return xb_error(ctx, XB_EFORMAT, "%s: values[%d] = \"%s\": expected a non-empty "
                                "name of at most %d characters without quotes or backslashes",
                                where, i, s, XB_AXIS_VALUE_SIZE - 1);
            snprintf(out, XB_AXIS_VALUE_SIZE, "%s", s);
            ax->quoted = 1;
            break;
        }
        default:
            return xb_error(ctx, XB_EFORMAT, "%s: values[%d]: expected a number, a string or a "
                            "boolean, got %s", where, i,
                            xb_cfgfile_type_name(config_setting_type(e)));
        }
    }
    ax->n = (size_t)n;
    return XB_OK;
}

static enum xb_status number(struct xb_ctx *ctx, const char *where, const config_setting_t *g,
                             const char *name, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    int t = s ? config_setting_type(s) : CONFIG_TYPE_NONE;
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64 && t != CONFIG_TYPE_FLOAT)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: expected a number", where, name);
    *out = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                  : (double)config_setting_get_int64(s);
    return XB_OK;
}

/* from, to, points and scale: the values in order, each the shortest text
 * that reads back as the computed double. */
static enum xb_status read_range(struct xb_ctx *ctx, const char *where,
                                 const config_setting_t *g, struct xb_axis *ax)
{
    double from, to, points;
    enum xb_status st = number(ctx, where, g, "from", &from);
    if (!st)
        st = number(ctx, where, g, "to", &to);
    if (!st)
        st = number(ctx, where, g, "points", &points);
    if (st)
        return st;
    if (!(points >= 2 && points <= XB_AXIS_MAX_VALUES) || points != floor(points))
        return xb_error(ctx, XB_ERANGE, "%s: points = %g: expected an integer in [2, %d]", where,
                        points, XB_AXIS_MAX_VALUES);
    if (!isfinite(from) || !isfinite(to) || from == to)
        return xb_error(ctx, XB_ERANGE, "%s: from = %g, to = %g: expected two different finite "
                        "numbers", where, from, to);
    const char *scale = "linear";
    const config_setting_t *s = config_setting_get_member(g, "scale");
    if (s && !(scale = config_setting_get_string(s)))
        return xb_error(ctx, XB_EFORMAT, "%s: scale: expected \"linear\" or \"log\"", where);
    int log_scale = !strcmp(scale, "log");
    if (!log_scale && strcmp(scale, "linear"))
        return xb_error(ctx, XB_EINVAL, "%s: scale = \"%s\": expected \"linear\" or \"log\"",
                        where, scale);
    if (log_scale && !(from > 0.0 && to > 0.0))
        return xb_error(ctx, XB_ERANGE, "%s: scale = \"log\" needs from > 0 and to > 0 (from = "
                        "%g, to = %g)", where, from, to);
    ax->n = (size_t)points;
    for (size_t i = 0; i < ax->n; i++) {
        /* The ends exactly as given; the inner points by one formula. */
        double f = (double)i / (double)(ax->n - 1), v;
        if (i == 0)
            v = from;
        else if (i + 1 == ax->n)
            v = to;
        else
            v = log_scale ? exp(log(from) + f * (log(to) - log(from))) : from + f * (to - from);
        xb_key_format_double(v, ax->value[i], XB_AXIS_VALUE_SIZE);
    }
    return XB_OK;
}

static enum xb_status read_axis(struct xb_ctx *ctx, const char *file,
                                const config_setting_t *g, struct xb_axes *a)
{
    char where[4200];
    int line = config_setting_source_line(g);
    snprintf(where, sizeof where, "%s:%d: study.axes[%zu]", file, line, a->n);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return xb_error(ctx, XB_EFORMAT, "%s: expected a group { key = \"...\"; values = [...]; }",
                        where);
    static const char *const names[] = {"key", "values", "from", "to", "points", "scale"};
    for (int i = 0; i < config_setting_length(g); i++) {
        const char *name = config_setting_name(config_setting_get_elem(g, (unsigned)i));
        size_t k = 0;
        while (k < sizeof names / sizeof *names && strcmp(names[k], name))
            k++;
        if (k == sizeof names / sizeof *names)
            return xb_error(ctx, XB_ENOTFOUND, "%s: %s: unknown key; expected key and values, or "
                            "key, from, to, points and scale", where, name);
    }
    const char *key = NULL;
    if (!config_setting_lookup_string(g, "key", &key))
        return xb_error(ctx, XB_EFORMAT, "%s: key: expected the key of the axis as a string, "
                        "e.g. key = \"xbar.adc_bits\"", where);
    struct xb_axis *ax = &a->axis[a->n];
    memset(ax, 0, sizeof *ax);
    enum xb_status st = check_key(ctx, where, key, a);
    if (st)
        return st;
    snprintf(ax->key, sizeof ax->key, "%s", key);
    ax->line = line;
    const config_setting_t *v = config_setting_get_member(g, "values");
    int ranged = config_setting_get_member(g, "from") || config_setting_get_member(g, "to") ||
                 config_setting_get_member(g, "points") || config_setting_get_member(g, "scale");
    if (v && ranged)
        return xb_error(ctx, XB_EINVAL, "%s: %s: give values, or from, to and points, not both",
                        where, key);
    st = v ? read_values(ctx, where, v, ax) : read_range(ctx, where, g, ax);
    if (!st)
        a->n++;
    return st;
}

enum xb_status xb_axes_read(struct xb_ctx *ctx, const char *file,
                            const struct config_setting_t *g, struct xb_axes *a)
{
    memset(a, 0, sizeof *a);
    int line = config_setting_source_line(g);
    const config_setting_t *axes = NULL;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        if (strcmp(config_setting_name(s), "axes"))
            return xb_error(ctx, XB_ENOTFOUND, "%s:%d: study.%s: unknown key; expected axes",
                            file, config_setting_source_line(s), config_setting_name(s));
        axes = s;
    }
    if (!axes || config_setting_type(axes) != CONFIG_TYPE_LIST ||
        config_setting_length(axes) < 1 || config_setting_length(axes) > XB_AXES_MAX)
        return xb_error(ctx, XB_EFORMAT, "%s:%d: study.axes: expected a list of 1 to %d axes, "
                        "( { key = \"xbar.adc_bits\"; values = [4, 6, 8]; }, ... )", file,
                        axes ? (int)config_setting_source_line(axes) : line, XB_AXES_MAX);
    double points = 1.0;
    for (int i = 0; i < config_setting_length(axes); i++) {
        enum xb_status st = read_axis(ctx, file, config_setting_get_elem(axes, (unsigned)i), a);
        if (st)
            return st;
        points *= (double)a->axis[a->n - 1].n;
    }
    if (points > XB_AXES_MAX_POINTS)
        return xb_error(ctx, XB_ERANGE, "%s:%d: study.axes: %.0f points; at most %d", file,
                        config_setting_source_line(axes), points, XB_AXES_MAX_POINTS);
    return XB_OK;
}

size_t xb_axes_points(const struct xb_axes *a)
{
    size_t n = 1;
    for (size_t k = 0; k < a->n; k++)
        n *= a->axis[k].n;
    return n;
}

void xb_axes_coords(const struct xb_axes *a, size_t point, size_t *index)
{
    for (size_t k = a->n; k-- > 0;) {
        index[k] = point % a->axis[k].n;
        point /= a->axis[k].n;
    }
}

int xb_axis_trains(const char *key, int hw_aware)
{
    if (!strncmp(key, "data.", 5) || !strncmp(key, "model.", 6) || !strncmp(key, "train.", 6) ||
        !strcmp(key, "sweep.sigma_train"))
        return 1;
    return hw_aware && (!strncmp(key, "device.", 7) || !strncmp(key, "xbar.", 5));
}

/* A number that is not a whole number's text ("0.5", "1e-3"). */
static int is_real(const char *text)
{
    double d;
    long l;
    return xb_parse_double(text, &d) && !xb_parse_long(text, &l);
}

void xb_axes_write(const struct xb_axes *a, char *buf, size_t size, size_t *len)
{
#define PUT(...) *len += (size_t)snprintf(buf + *len, size > *len ? size - *len : 0, __VA_ARGS__)
    if (a->n == 0)
        return;
    PUT("study = {\n  axes = (\n");
    for (size_t k = 0; k < a->n; k++) {
        const struct xb_axis *ax = &a->axis[k];
        /* A libconfig array holds one type: when one value is a real, the
         * whole numbers are written as reals too ("1.0" reads back as the
         * text "1", the same value). */
        int reals = 0;
        for (size_t i = 0; i < ax->n && !ax->quoted; i++)
            reals |= is_real(ax->value[i]);
        PUT("    { key = \"%s\"; values = [", ax->key);
        for (size_t i = 0; i < ax->n; i++) {
            const char *q = ax->quoted ? "\"" : "";
            const char *v = ax->value[i];
            const char *dot = reals && !is_real(v) ? ".0" : "";
            PUT("%s%s%s%s%s", i ? ", " : "", q, v, dot, q);
        }
        PUT("]; }%s\n", k + 1 < a->n ? "," : "");
    }
    PUT("  );\n};\n");
#undef PUT
}
