#include "xb_experiment.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_cfgint.h"
#include "xb_data.h"
#include "xb_params.h"

/* ---- the key table ------------------------------------------------------ */

enum kind { K_STR, K_INT, K_REAL, K_REALS, K_NOISE, K_OPTIM, K_BOOL, K_TEST, K_INIT };

struct key {
    const char *group, *name;
    enum kind kind;
    size_t offset, size; /* of the field in struct xb_experiment (K_STR: buffer size) */
    double min, max;
    const char *help;
};

#define OFF(f) offsetof(struct xb_experiment, f)
static const struct key keys[] = {
    {"data", "set", K_STR, OFF(dataset), sizeof(((struct xb_experiment *)0)->dataset), 0, 0,
     "mnist, fashion-mnist, cifar10, mnist-strokes or synthetic"},
    {"data", "dir", K_STR, OFF(data_dir), sizeof(((struct xb_experiment *)0)->data_dir), 0, 0,
     "directory of the data files"},
    {"data", "validation", K_REAL, OFF(validation), 0, 0.0, 0.5, "fraction of train held out"},
    {"data", "steps", K_INT, OFF(data_steps), sizeof(int), 1, XB_STROKES_MAX_STEPS,
     "mnist-strokes: pen steps per sequence (padded / truncated)"},
    {"data", "features", K_INT, OFF(data_features), sizeof(int), 2, 4,
     "mnist-strokes: 2 (dx, dy) or 4 (dx, dy, eos, eod)"},
    {"model", "name", K_STR, OFF(model_name), sizeof(((struct xb_experiment *)0)->model_name),
     0, 0, "model name"},
    {"model", "init", K_INIT, OFF(model_init), 0, 0, 0,
     "initial weights and biases of the dense, conv2d and lstm layers that name none: "
     "he-uniform, glorot-uniform or pytorch (not set: he-uniform for dense and conv2d, "
     "glorot-uniform for lstm; models/xb_init.h)"},
    {"train", "optimizer", K_OPTIM, OFF(train.optim.kind), 0, 0, 0, "adam or sgd"},
    {"train", "lr", K_REAL, OFF(train.optim.lr), 0, 1e-12, 10.0, "learning rate"},
    {"train", "momentum", K_REAL, OFF(train.optim.beta1), 0, 0.0, 0.999999,
     "SGD momentum (Adam beta1)"},
    {"train", "beta1", K_REAL, OFF(train.optim.beta1), 0, 0.0, 0.999999, "Adam beta1"},
    {"train", "beta2", K_REAL, OFF(train.optim.beta2), 0, 0.0, 0.999999, "Adam beta2"},
    {"train", "batch", K_INT, OFF(train.batch), sizeof(size_t), 1, 65536, "samples per step"},
    {"train", "epochs", K_INT, OFF(epochs), sizeof(int), 0, 100000, "epochs per model"},
    {"train", "hw_aware", K_BOOL, OFF(train.hw_aware), 0, 0, 0,
     "forward passes on crossbars of the device group"},
    {"sweep", "noise", K_NOISE, OFF(noise), 0, 0, 0, "add or mult"},
    {"sweep", "sigma_train", K_REALS, OFF(sigma_train), OFF(n_train), 0.0, 1e6,
     "noise std of training"},
    {"sweep", "sigma_test", K_REALS, OFF(sigma_test), OFF(n_test), 0.0, 1e6,
     "noise std of inference"},
    {"sweep", "repeats", K_INT, OFF(repeats), sizeof(int), 1, XB_EXP_MAX_REPEATS, "inferences without voting"},
    {"sweep", "votes", K_INT, OFF(votes), sizeof(int), 1, XB_EXP_MAX_REPEATS, "largest number of votes"},
    {"sweep", "eval_rows", K_INT, OFF(eval_rows), sizeof(size_t), 1, 1 << 20,
     "rows per evaluation pass (votes × batch)"},
    {"sweep", "test", K_TEST, OFF(test_device), 0, 0, 0, "noise or device"},
    {"sweep", "t", K_REALS, OFF(t_test), OFF(n_t), 0.0, 1e12,
     "read times after programming [s] (device mode)"},
    {"sweep", "portable", K_BOOL, OFF(portable), 0, 0, 0,
     "every product by xbar's fixed-order GEMM (same bits on every machine); false: OpenBLAS"},
    {"sweep", "output", K_STR, OFF(output), sizeof(((struct xb_experiment *)0)->output), 0, 0,
     "result file"},
};
#define N_KEYS (sizeof keys / sizeof *keys)

static const struct key *find_key(const char *group, const char *name)
{
    for (size_t k = 0; k < N_KEYS; k++)
        if (!strcmp(keys[k].group, group) && !strcmp(keys[k].name, name))
            return &keys[k];
    return NULL;
}

static void list_keys(const char *group, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < N_KEYS && len < size; k++)
        if (!strcmp(keys[k].group, group))
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "", keys[k].name);
}

/* ---- setting one key from text (both files and --set go through here) --- */

static enum xb_status set_scalar(struct xb_ctx *ctx, const char *where, const struct key *k,
                                 const char *text, struct xb_experiment *e)
{
    char *base = (char *)e;
    double v;
    long n;
    switch (k->kind) {
    case K_STR:
        if (strlen(text) >= k->size)
            return xb_error(ctx, XB_ERANGE, "%s: %s.%s: longer than %zu characters", where,
                            k->group, k->name, k->size - 1);
        strcpy(base + k->offset, text);
        return XB_OK;
    case K_NOISE: {
        int kind = xb_noise_kind_parse(text);
        if (kind != XB_NOISE_ADD && kind != XB_NOISE_MULT)
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s = \"%s\": expected \"add\" or \"mult\"",
                            where, k->group, k->name, text);
        *(enum xb_noise_kind *)(base + k->offset) = (enum xb_noise_kind)kind;
        return XB_OK;
    }
    case K_BOOL:
        if (strcmp(text, "true") && strcmp(text, "false"))
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s = %s: expected true or false", where,
                            k->group, k->name, text);
        *(int *)(base + k->offset) = !strcmp(text, "true");
        return XB_OK;
    case K_TEST:
        if (strcmp(text, "noise") && strcmp(text, "device"))
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s = \"%s\": expected \"noise\" or "
                            "\"device\"", where, k->group, k->name, text);
        *(int *)(base + k->offset) = !strcmp(text, "device");
        return XB_OK;
    case K_INIT: {
        int kind = xb_init_parse(text);
        char names[128];
        xb_init_names(names, sizeof names);
        if (kind < 0)
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s = \"%s\": unknown; expected %s", where,
                            k->group, k->name, text, names);
        *(enum xb_init *)(base + k->offset) = (enum xb_init)kind;
        return XB_OK;
    }
    case K_OPTIM: {
        int kind = xb_optim_kind_parse(text);
        if (kind < 0)
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s = \"%s\": expected \"adam\" or \"sgd\"",
                            where, k->group, k->name, text);
        *(enum xb_optim_kind *)(base + k->offset) = (enum xb_optim_kind)kind;
        return XB_OK;
    }
    case K_INT:
        if (!xb_parse_long(text, &n) || n < (long)k->min || n > (long)k->max)
            return xb_error(ctx, XB_ERANGE, "%s: %s.%s = %s: expected an integer in [%g, %g]",
                            where, k->group, k->name, text, k->min, k->max);
        if (k->size == sizeof(size_t))
            *(size_t *)(base + k->offset) = (size_t)n;
        else
            *(int *)(base + k->offset) = (int)n;
        return XB_OK;
    case K_REAL:
        if (!xb_parse_double(text, &v) || v < k->min || v > k->max)
            return xb_error(ctx, XB_ERANGE, "%s: %s.%s = %s: expected a number in [%g, %g]",
                            where, k->group, k->name, text, k->min, k->max);
        *(double *)(base + k->offset) = v;
        return XB_OK;
    case K_REALS: {
        /* A comma-separated list: "0,0.5,1". */
        double *arr = (double *)(base + k->offset);
        size_t *count = (size_t *)(base + k->size), m = 0;
        char buf[4096];
        if (strlen(text) >= sizeof buf)
            return xb_error(ctx, XB_ERANGE, "%s: %s.%s: list too long", where, k->group, k->name);
        strcpy(buf, text);
        for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
            if (m == XB_EXP_MAX_GRID)
                return xb_error(ctx, XB_ERANGE, "%s: %s.%s: at most %d values", where, k->group,
                                k->name, XB_EXP_MAX_GRID);
            while (*tok == ' ')
                tok++;
            if (!xb_parse_double(tok, &v) || v < k->min || v > k->max)
                return xb_error(ctx, XB_ERANGE, "%s: %s.%s: '%s': expected numbers in [%g, %g]",
                                where, k->group, k->name, tok, k->min, k->max);
            arr[m++] = v;
        }
        if (m == 0)
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s: the grid is empty", where, k->group,
                            k->name);
        *count = m;
        return XB_OK;
    }
    }
    return XB_EINVAL;
}

/* The text of a libconfig scalar or numeric array, checked against the
 * key's kind. */
static enum xb_status setting_to_text(struct xb_ctx *ctx, const char *where,
                                      const struct key *k, const config_setting_t *s,
                                      char *buf, size_t size)
{
    int t = config_setting_type(s);
    int want_str = k->kind == K_STR || k->kind == K_NOISE || k->kind == K_OPTIM ||
                   k->kind == K_TEST || k->kind == K_INIT;
    if (k->kind == K_BOOL) {
        if (t != CONFIG_TYPE_BOOL)
            return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected true or false", where,
                            k->group, k->name);
        snprintf(buf, size, "%s", config_setting_get_bool(s) ? "true" : "false");
        return XB_OK;
    }
    if (want_str) {
        if (t != CONFIG_TYPE_STRING)
            return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected a string", where, k->group,
                            k->name);
        snprintf(buf, size, "%s", config_setting_get_string(s));
        return XB_OK;
    }
    if (k->kind == K_REALS) {
        if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
            return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected an array [a, b, ...]", where,
                            k->group, k->name);
        size_t len = 0;
        buf[0] = '\0';
        int n = config_setting_length(s);
        if (n == 0)
            return xb_error(ctx, XB_EINVAL, "%s: %s.%s: the grid is empty", where, k->group,
                            k->name);
        for (int i = 0; i < n; i++) {
            const config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
            int et = config_setting_type(el);
            double v;
            if (et == CONFIG_TYPE_FLOAT)
                v = config_setting_get_float(el);
            else if (et == CONFIG_TYPE_INT || et == CONFIG_TYPE_INT64)
                v = (double)config_setting_get_int64(el);
            else
                return xb_error(ctx, XB_EFORMAT, "%s: %s.%s[%d]: expected a number", where,
                                k->group, k->name, i);
            len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "%s%.17g",
                                    i ? "," : "", v);
        }
        return XB_OK;
    }
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        snprintf(buf, size, "%lld", (long long)config_setting_get_int64(s));
        return XB_OK;
    }
    if (t == CONFIG_TYPE_FLOAT && k->kind == K_REAL) {
        snprintf(buf, size, "%.17g", config_setting_get_float(s));
        return XB_OK;
    }
    return xb_error(ctx, XB_EFORMAT, "%s: %s.%s: expected %s", where, k->group, k->name,
                    k->kind == K_INT ? "an integer" : "a number");
}

/* ---- the model group ---------------------------------------------------- */

static enum xb_status int_field(struct xb_ctx *ctx, const char *where, const char *name,
                                const config_setting_t *s, long min, long max, int *out)
{
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return xb_error(ctx, XB_EFORMAT, "%s: %s: expected an integer", where, name);
    long long v = config_setting_get_int64(s);
    if (v < min || v > max)
        return xb_error(ctx, XB_ERANGE, "%s: %s = %lld: expected an integer in [%ld, %ld]",
                        where, name, v, min, max);
    *out = (int)v;
    return XB_OK;
}

static enum xb_status read_layer(struct xb_ctx *ctx, const char *path, const config_setting_t *g,
                                 int index, struct xb_layer_config *lc)
{
    char where[4200];
    memset(lc, 0, sizeof *lc);
    lc->line = config_setting_source_line(g);
    snprintf(where, sizeof where, "%s:%d: model.layers[%d]", path, lc->line, index);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return xb_error(ctx, XB_EFORMAT, "%s: expected a group { type = ...; }", where);
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(e);
        snprintf(where, sizeof where, "%s:%d: model.layers[%d]", path,
                 config_setting_source_line(e), index);
        enum xb_status st = XB_OK;
        if (!strcmp(name, "type")) {
            if (config_setting_type(e) != CONFIG_TYPE_STRING)
                return xb_error(ctx, XB_EFORMAT, "%s: type: expected a string", where);
            const char *v = config_setting_get_string(e);
            if (!xb_layer_type_find(v))
                return xb_error(ctx, XB_ENOTFOUND, "%s: type = \"%s\": unknown layer; expected "
                                "dense, conv2d, batchnorm, relu, maxpool, flatten, dropout, lstm or "
                                "noise", where, v);
            snprintf(lc->type, sizeof lc->type, "%s", v);
        } else if (!strcmp(name, "units")) {
            st = int_field(ctx, where, name, e, 1, 1 << 20, &lc->units);
        } else if (!strcmp(name, "kernel")) {
            st = int_field(ctx, where, name, e, 1, 64, &lc->kernel);
        } else if (!strcmp(name, "stride")) {
            st = int_field(ctx, where, name, e, 1, 64, &lc->stride);
        } else if (!strcmp(name, "pad")) {
            st = int_field(ctx, where, name, e, 0, 64, &lc->pad);
        } else if (!strcmp(name, "fixed")) {
            if (config_setting_type(e) != CONFIG_TYPE_BOOL)
                return xb_error(ctx, XB_EFORMAT, "%s: fixed: expected true or false", where);
            lc->fixed = config_setting_get_bool(e);
        } else if (!strcmp(name, "rate")) {
            int t = config_setting_type(e);
            double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(e)
                       : (t == CONFIG_TYPE_INT ? (double)config_setting_get_int(e) : -1.0);
            if (!(v >= 0.0 && v < 1.0))
                return xb_error(ctx, XB_ERANGE, "%s: rate: expected a number in [0, 1)", where);
            lc->rate = v;
        } else if (!strcmp(name, "init")) {
            char names[128];
            xb_init_names(names, sizeof names);
            if (config_setting_type(e) != CONFIG_TYPE_STRING)
                return xb_error(ctx, XB_EFORMAT, "%s: init: expected %s (a string)", where,
                                names);
            int kind = xb_init_parse(config_setting_get_string(e));
            if (kind < 0)
                return xb_error(ctx, XB_EINVAL, "%s: init = \"%s\": unknown; expected %s",
                                where, config_setting_get_string(e), names);
            lc->init = (enum xb_init)kind;
        } else {
            return xb_error(ctx, XB_ENOTFOUND, "%s: %s: unknown key; expected type, units, "
                            "kernel, stride, pad, rate, fixed or init", where, name);
        }
        if (st)
            return st;
    }
    if (!lc->type[0])
        return xb_error(ctx, XB_EINVAL, "%s:%d: model.layers[%d]: no type", path, lc->line,
                        index);
    return XB_OK;
}

static enum xb_status read_model(struct xb_ctx *ctx, const char *path, const config_setting_t *g,
                                 struct xb_experiment *e)
{
    char where[4200];
    int have_input = 0, have_layers = 0;
    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        snprintf(where, sizeof where, "%s:%d: model", path, config_setting_source_line(s));
        enum xb_status st = XB_OK;
        if (!strcmp(name, "name")) {
            if (config_setting_type(s) != CONFIG_TYPE_STRING)
                return xb_error(ctx, XB_EFORMAT, "%s: name: expected a string", where);
            const char *v = config_setting_get_string(s);
            if (strlen(v) >= sizeof e->model_name) /* not cut short in silence */
                return xb_error(ctx, XB_ERANGE, "%s: name: longer than %zu characters", where,
                                sizeof e->model_name - 1);
            snprintf(e->model_name, sizeof e->model_name, "%s", v);
        } else if (!strcmp(name, "input")) {
            if (config_setting_type(s) != CONFIG_TYPE_ARRAY || config_setting_length(s) != 3)
                return xb_error(ctx, XB_EFORMAT, "%s: input: expected [channels, height, width]",
                                where);
            int *dims[3] = {&e->model.input.c, &e->model.input.h, &e->model.input.w};
            for (int d = 0; d < 3 && !st; d++)
                st = int_field(ctx, where, "input", config_setting_get_elem(s, (unsigned)d), 1,
                               4096, dims[d]);
            have_input = 1;
        } else if (!strcmp(name, "classes")) {
            st = int_field(ctx, where, name, s, 2, 256, &e->model.classes);
        } else if (!strcmp(name, "init")) {
            char text[128];
            const struct key *k = find_key("model", "init");
            snprintf(where, sizeof where, "%s:%d", path, config_setting_source_line(s));
            st = setting_to_text(ctx, where, k, s, text, sizeof text);
            if (!st)
                st = set_scalar(ctx, where, k, text, e);
        } else if (!strcmp(name, "layers")) {
            if (config_setting_type(s) != CONFIG_TYPE_LIST)
                return xb_error(ctx, XB_EFORMAT, "%s: layers: expected a list ( {...}, ... )",
                                where);
            int n = config_setting_length(s);
            if (n == 0 || n > XB_NET_MAX_LAYERS)
                return xb_error(ctx, XB_ERANGE, "%s: layers: expected 1 to %d layers", where,
                                XB_NET_MAX_LAYERS);
            for (int k = 0; k < n && !st; k++)
                st = read_layer(ctx, path, config_setting_get_elem(s, (unsigned)k), k,
                                &e->model.layers[k]);
            e->model.n_layers = (size_t)n;
            have_layers = 1;
        } else {
            return xb_error(ctx, XB_ENOTFOUND, "%s: %s: unknown key; expected name, input, "
                            "classes, init or layers", where, name);
        }
        if (st)
            return st;
    }
    if (!have_input || !have_layers || e->model.classes == 0)
        return xb_error(ctx, XB_EINVAL, "%s:%d: model: needs input, classes and layers", path,
                        config_setting_source_line(g));
    return XB_OK;
}

/* ---- the file ----------------------------------------------------------- */

static void defaults(struct xb_experiment *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->dataset, sizeof e->dataset, "mnist");
    e->validation = 0.1;
    e->data_steps = 64;
    e->data_features = 2;
    xb_train_params_default(&e->train);
    e->epochs = 10;
    e->noise = XB_NOISE_MULT;
    e->n_train = 1;
    e->n_test = 1;
    e->repeats = 5;
    e->votes = 20;
    e->eval_rows = 640;
    e->portable = 1;
    snprintf(e->output, sizeof e->output, "results/sweep.h5");
}

static enum xb_status read_file(struct xb_ctx *ctx, const char *path, struct xb_experiment *e,
                                struct xb_settings *dev)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return xb_error(ctx, XB_EIO, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    config_t cf;
    config_init(&cf);
    /* @include paths are relative to the including file's folder. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    config_set_include_dir(&cf, dir);
    enum xb_status st = xb_config_check_includes(ctx, path, dir);
    if (st)
        goto done;
    if (!config_read_file(&cf, path)) {
        const char *file = config_error_file(&cf) ? config_error_file(&cf) : path;
        st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s", file, config_error_line(&cf),
                      config_error_text(&cf));
        goto done;
    }
    if ((st = xb_cfgint_check(ctx, path, dir)) != XB_OK)
        goto done;
    const config_setting_t *root = config_root_setting(&cf);
    int have_model = 0;
    for (int i = 0; i < config_setting_length(root) && !st; i++) {
        const config_setting_t *g = config_setting_get_elem(root, (unsigned)i);
        const char *group = config_setting_name(g);
        int line = config_setting_source_line(g);
        const char *file = config_setting_source_file(g) ? config_setting_source_file(g) : path;
        if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
            st = xb_error(ctx, XB_EFORMAT, "%s:%d: %s: expected a group { ... }", file, line, group);
        } else if (!strcmp(group, "model")) {
            st = read_model(ctx, file, g, e);
            have_model = 1;
        } else if (!strcmp(group, "device") || !strcmp(group, "xbar")) {
            /* The device config's own reader: same keys, types and origins. */
            st = xb_config_read_group(ctx, file, g, dev);
            e->have_device = 1;
        } else if (!strcmp(group, "data") || !strcmp(group, "train") || !strcmp(group, "sweep")) {
            for (int j = 0; j < config_setting_length(g) && !st; j++) {
                const config_setting_t *s = config_setting_get_elem(g, (unsigned)j);
                char where[4200], text[4096], list[512];
                snprintf(where, sizeof where, "%s:%d", file, config_setting_source_line(s));
                const struct key *k = find_key(group, config_setting_name(s));
                if (!k) {
                    list_keys(group, list, sizeof list);
                    st = xb_error(ctx, XB_ENOTFOUND, "%s: %s.%s: unknown key; expected one of %s",
                                  where, group, config_setting_name(s), list);
                    break;
                }
                st = setting_to_text(ctx, where, k, s, text, sizeof text);
                if (!st)
                    st = set_scalar(ctx, where, k, text, e);
            }
        } else {
            st = xb_error(ctx, XB_ENOTFOUND, "%s:%d: %s: unknown group; expected data, model, "
                          "train, sweep, device and xbar", file, line, group);
        }
    }
    if (!st && !have_model)
        st = xb_error(ctx, XB_EINVAL, "%s: no model = { ... } group", path);
done:
    config_destroy(&cf);
    return st;
}

static enum xb_status validate(struct xb_ctx *ctx, const struct xb_experiment *e)
{
    if (!xb_dataset_known(e->dataset))
        return xb_error(ctx, XB_ENOTFOUND, "%s: data.set = \"%s\": unknown data set; expected "
                        "%s", e->path, e->dataset, xb_dataset_names());
    if (e->data_features == 3)
        return xb_error(ctx, XB_ERANGE, "%s: data.features = 3: expected 2 (dx, dy) or 4 (dx, "
                        "dy, eos, eod)", e->path);
    if ((size_t)e->votes > e->eval_rows || (size_t)e->repeats > e->eval_rows)
        return xb_error(ctx, XB_ERANGE, "%s: sweep.eval_rows = %zu: must hold at least votes "
                        "(%d) and repeats (%d) rows", e->path, e->eval_rows, e->votes, e->repeats);
    if (e->train.batch > e->eval_rows)
        return xb_error(ctx, XB_ERANGE, "%s: train.batch = %zu exceeds sweep.eval_rows = %zu",
                        e->path, e->train.batch, e->eval_rows);
    if (!e->output[0])
        return xb_error(ctx, XB_EINVAL, "%s: sweep.output is empty", e->path);
    if (e->test_device && !e->have_device)
        return xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\" needs a device = { ... } "
                        "group (and optionally xbar = { ... })", e->path);
    if (e->test_device && e->n_t == 0)
        return xb_error(ctx, XB_EINVAL, "%s: sweep.test = \"device\" needs sweep.t, the read "
                        "times [s], e.g. t = [1.0, 3600.0]", e->path);
    if (e->train.hw_aware && !e->have_device)
        return xb_error(ctx, XB_EINVAL, "%s: train.hw_aware = true needs a device = { ... } "
                        "group", e->path);
    return xb_optim_params_validate(ctx, &e->train.optim);
}

enum xb_status xb_experiment_read(struct xb_ctx *ctx, const char *path, const char *const *sets,
                                  size_t n_sets, struct xb_experiment *e)
{
    struct xb_settings dev = {0};
    defaults(e);
    snprintf(e->path, sizeof e->path, "%s", path);
    enum xb_status st = read_file(ctx, path, e, &dev);
    for (size_t i = 0; i < n_sets && !st; i++) {
        char key[256], where[512];
        const char *eq = strchr(sets[i], '=');
        snprintf(where, sizeof where, "--set %s", sets[i]);
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof key) {
            st = xb_error(ctx, XB_EINVAL, "%s: expected group.key=value", where);
            break;
        }
        memcpy(key, sets[i], (size_t)(eq - sets[i]));
        key[eq - sets[i]] = '\0';
        if (!strncmp(key, "device.", 7) || !strncmp(key, "xbar.", 5)) {
            /* Checked with the file's device keys by xb_config_resolve. */
            st = xb_settings_add_assignment(ctx, &dev, sets[i], where);
            e->have_device = 1;
            continue;
        }
        char *dot = strchr(key, '.');
        const struct key *k = NULL;
        if (dot) {
            *dot = '\0';
            k = find_key(key, dot + 1);
        }
        if (!k) {
            st = xb_error(ctx, XB_ENOTFOUND, "%s: unknown key; expected data.*, model.init, train.*, "
                          "sweep.*, device.* or xbar.* (see xbar sweep --help)", where);
            break;
        }
        st = set_scalar(ctx, where, k, eq + 1, e);
    }
    if (!st && e->have_device) {
        xb_config_default(&e->device);
        st = xb_config_resolve(ctx, &dev, &e->device);
        /* The file's own text repeats sweep.portable in its xbar group; a
         * user's xbar.portable that disagrees would be ignored: refuse it. */
        for (size_t i = dev.n; i-- > 0 && !st;)
            if (!strcmp(dev.v[i].key, "xbar.portable") || !strcmp(dev.v[i].key, "portable")) {
                if (e->device.portable != e->portable)
                    st = xb_error(ctx, XB_EINVAL, "%s: xbar.portable = %s but sweep.portable = "
                                  "%s: in an experiment sweep.portable chooses the products "
                                  "of training and evaluation alike", dev.v[i].origin,
                                  e->device.portable ? "true" : "false",
                                  e->portable ? "true" : "false");
                break;
            }
        e->device.portable = e->portable;
    }
    e->model.gemm = e->portable ? XB_GEMM_PORTABLE : XB_GEMM_NATIVE;
    /* Every weighted layer's initialisation resolved, so the stored text
     * names it (models/xb_init.h). */
    for (size_t k = 0; k < e->model.n_layers; k++)
        e->model.layers[k].init = xb_layer_config_init(&e->model.layers[k], e->model_init);
    if (!st && e->train.hw_aware) {
        xb_config_xbar_params(&e->device, &e->train.device);
        e->train.device.instance = 0;
        e->train.device_t = e->device.t;
    }
    xb_settings_free(&dev);
    if (!st)
        st = validate(ctx, e);
    return st;
}

/* ---- the resolved text --------------------------------------------------- */

/* A double that reads back exactly and that libconfig takes as a float
 * (it must show a '.' or an exponent: "0" would be an integer). */
static void real_text(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.17g", v);
    if (!strpbrk(buf, ".eEn"))
        strncat(buf, ".0", size - strlen(buf) - 1);
}

/* s as the inside of a libconfig string literal, so that any text the
 * file held reads back the same: \\ and \" escaped, control characters
 * as \n, \r, \t, \f or \xNN (bytes from 0x80 pass as they are). The
 * caller frees it with xb_free. */
static char *config_string(const char *s)
{
    char *q = xb_malloc(4 * strlen(s) + 1, 1), *o = q;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char e = *p == '"' ? '"' : *p == '\\' ? '\\' : *p == '\n' ? 'n' : *p == '\r' ? 'r'
                 : *p == '\t' ? 't' : *p == '\f' ? 'f' : 0;
        if (e)
            *o++ = '\\', *o++ = e;
        else if (*p < 0x20 || *p == 0x7f)
            o += sprintf(o, "\\x%02X", *p);
        else
            *o++ = (char)*p;
    }
    *o = '\0';
    return q;
}

static void reals(char *buf, size_t size, const double *v, size_t n)
{
    size_t len = 0;
    char one[64];
    buf[0] = '\0'; /* an empty list (xbar train: no sigma_test) is "[]" */
    for (size_t i = 0; i < n; i++) {
        real_text(one, sizeof one, v[i]);
        len += (size_t)snprintf(buf + len, size > len ? size - len : 0, "%s%s", i ? ", " : "",
                                one);
    }
}

char *xb_experiment_text(const struct xb_experiment *e)
{
    size_t size = 65536, len = 0;
    char *t = xb_malloc(size, 1), a[4096], b[4096];
#define PUT(...) len += (size_t)snprintf(t + len, size > len ? size - len : 0, __VA_ARGS__)
    char r1[64], r2[64], r3[64], r4[64];
    real_text(r1, sizeof r1, e->validation);
    /* The free-text strings escaped: the text must read back the same. */
    char *dir = config_string(e->data_dir), *name = config_string(e->model_name),
         *output = config_string(e->output);
    if (!strcmp(e->dataset, "mnist-strokes"))
        PUT("data = { set = \"%s\"; dir = \"%s\"; validation = %s; steps = %d; features = %d; "
            "};\n", e->dataset, dir, r1, e->data_steps, e->data_features);
    else
        PUT("data = { set = \"%s\"; dir = \"%s\"; validation = %s; };\n", e->dataset, dir, r1);
    PUT("model = {\n  name = \"%s\";\n  input = [%d, %d, %d];\n  classes = %d;\n  layers = (\n",
        name, e->model.input.c, e->model.input.h, e->model.input.w, e->model.classes);
    for (size_t k = 0; k < e->model.n_layers; k++) {
        const struct xb_layer_config *l = &e->model.layers[k];
        PUT("    { type = \"%s\";", l->type);
        if (l->units)
            PUT(" units = %d;", l->units);
        if (l->kernel)
            PUT(" kernel = %d;", l->kernel);
        if (l->stride)
            PUT(" stride = %d;", l->stride);
        if (l->pad)
            PUT(" pad = %d;", l->pad);
        if (l->rate > 0.0) {
            real_text(r1, sizeof r1, l->rate);
            PUT(" rate = %s;", r1);
        }
        if (l->fixed)
            PUT(" fixed = true;");
        if (l->init != XB_INIT_AUTO)
            PUT(" init = \"%s\";", xb_init_name(l->init));
        PUT(" }%s\n", k + 1 < e->model.n_layers ? "," : "");
    }
    PUT("  );\n};\n");
    const struct xb_optim_params *o = &e->train.optim;
    real_text(r2, sizeof r2, o->lr);
    real_text(r3, sizeof r3, o->beta1);
    real_text(r4, sizeof r4, o->beta2);
    /* Keys at their defaults are left out, so a noise sweep's text (compared
     * on --resume) is what it was before device sweeps existed. */
    PUT("train = { optimizer = \"%s\"; lr = %s; beta1 = %s; beta2 = %s; batch = %zu; "
        "epochs = %d;%s };\n", o->kind == XB_OPTIM_SGD ? "sgd" : "adam", r2, r3, r4,
        e->train.batch, e->epochs, e->train.hw_aware ? " hw_aware = true;" : "");
    reals(a, sizeof a, e->sigma_train, e->n_train);
    reals(b, sizeof b, e->sigma_test, e->n_test);
    PUT("sweep = {\n  noise = \"%s\";\n  sigma_train = [%s];\n  sigma_test = [%s];\n",
        xb_noise_kind_name(e->noise), a, b);
    if (e->test_device)
        PUT("  test = \"device\";\n");
    if (e->n_t) {
        reals(a, sizeof a, e->t_test, e->n_t);
        PUT("  t = [%s];\n", a);
    }
    if (!e->portable)
        PUT("  portable = false;\n");
    PUT("  repeats = %d;\n  votes = %d;\n  eval_rows = %zu;\n  output = \"%s\";\n};\n",
        e->repeats, e->votes, e->eval_rows, output);
    xb_free(dir), xb_free(name), xb_free(output);
    if (e->have_device) {
        char *dev = xb_config_text(&e->device);
        PUT("%s", dev);
        xb_free(dev);
    }
#undef PUT
    return t;
}
