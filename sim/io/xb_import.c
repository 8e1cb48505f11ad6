/*
 * xb_import.c — parameters from xbar's own model layout or a Keras HDF5
 * weight file (xb_import.h says what is converted how).
 */
#include "xb_import.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5.h"
#include "xb_h5_impl.h"
#include "xb_layout.h"

/* Keras's BatchNormalization epsilon by default, and xbar's (layer_batchnorm.c). */
#define KERAS_BN_EPS 1e-3
#define XBAR_BN_EPS 1e-5

#define MAX_WEIGHTS 8 /* datasets of one Keras layer (BatchNormalization: 4) */

/* ---- the model's side ---------------------------------------------------- */

/* "layer 3 (dense, line 7)" */
static const char *layer_name(const struct xb_net_config *cfg, const struct xb_net *net,
                              size_t k, char *buf, size_t n)
{
    const struct xb_layer *l = xb_net_layer((struct xb_net *)net, k);
    if (cfg->layers[k].line > 0)
        snprintf(buf, n, "layer %zu (%s, line %d)", k, l->type->name, cfg->layers[k].line);
    else
        snprintf(buf, n, "layer %zu (%s)", k, l->type->name);
    return buf;
}

/* The weighted layers and their parameter counts, for an error message. */
static void model_summary(const struct xb_net *net, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < xb_net_n_layers(net) && len < n; k++) {
        const struct xb_layer *l = xb_net_layer((struct xb_net *)net, k);
        if (l->n_params == 0)
            continue;
        int w = snprintf(buf + len, n - len, "%s%s %zu", len ? ", " : "", l->type->name,
                         l->n_params);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/* ---- xbar's own layout ---------------------------------------------------- */

static enum xb_status import_xbar(struct xb_ctx *ctx, const char *path, size_t point,
                                  struct xb_net *net)
{
    char name[XB_LAYOUT_PATH_MAX];
    xb_layout_path(name, XB_DS_PARAMS, point, NULL);
    float *data = NULL;
    int rank = 0;
    size_t dims[8] = {0};
    enum xb_status st = xb_h5_read_array(ctx, path, name, XB_H5_F32, (void **)&data, &rank,
                                         dims);
    if (st != XB_OK)
        return st;
    size_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= dims[d];
    size_t want = xb_net_n_params(net);
    if (count != want) {
        char summary[1024];
        model_summary(net, summary, sizeof summary);
        xb_free(data);
        return xb_error(ctx, XB_EINVAL,
                        "%s: %s holds %zu values; the model needs %zu (its weighted layers "
                        "and their parameters: %s; each slice starts at a multiple of 16, "
                        "sim/README.md \"Model parameters\")",
                        path, name, count, want, summary);
    }
    for (size_t i = 0; i < count; i++)
        if (!isfinite(data[i])) {
            xb_free(data);
            return xb_error(ctx, XB_EFORMAT, "%s: %s[%zu] is not finite", path, name, i);
        }
    memcpy(xb_net_params(net), data, count * sizeof *data);
    xb_free(data);
    return XB_OK;
}

/* ---- Keras ----------------------------------------------------------------- */

struct keras_weight {
    char name[64];  /* "kernel", "bias", "recurrent_kernel", "gamma", ... */
    char path[256]; /* the dataset, for messages */
    float *v;
    int rank;
    size_t dims[4];
};

struct keras_layer {
    char name[128];
    size_t n;
    struct keras_weight w[MAX_WEIGHTS];
};

struct keras_file {
    const char *path;
    size_t n;                 /* layers with weights */
    struct keras_layer *layer;
};

static void keras_free(struct keras_file *kf)
{
    for (size_t i = 0; i < kf->n; i++)
        for (size_t j = 0; j < kf->layer[i].n; j++)
            xb_free(kf->layer[i].w[j].v);
    xb_free(kf->layer);
}

/* The strings of attribute name of obj, fixed- or variable-length, rank 0
 * or 1, into a new array of new strings (*n of them; free each and the
 * array with xb_free). -1 if it is missing or no string. */
static int read_strings(hid_t obj, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a < 0 ? -1 : H5Aget_type(a);
    hid_t s = a < 0 ? -1 : H5Aget_space(a);
    int ok = a >= 0 && t >= 0 && s >= 0 && H5Tget_class(t) == H5T_STRING &&
             H5Sget_simple_extent_ndims(s) <= 1;
    hssize_t count = ok ? H5Sget_simple_extent_npoints(s) : -1;
    char **v = NULL;
    if (ok && count >= 0) {
        v = xb_calloc((size_t)count + 1, sizeof *v);
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char **raw = xb_calloc((size_t)count + 1, sizeof *raw);
            ok = H5Aread(a, mt, raw) >= 0;
            for (hssize_t i = 0; ok && i < count; i++)
                v[i] = xb_strdup(raw[i] ? raw[i] : "");
            if (ok)
                xb_h5_reclaim(mt, s, raw);
            xb_free(raw);
            H5Tclose(mt);
        } else {
            size_t len = H5Tget_size(t);
            char *raw = xb_calloc((size_t)count + 1, len + 1);
            ok = H5Aread(a, t, raw) >= 0;
            for (hssize_t i = 0; ok && i < count; i++) {
                char *e = xb_calloc(len + 1, 1);
                memcpy(e, raw + (size_t)i * len, len);
                v[i] = e;
            }
            xb_free(raw);
        }
    }
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    if (!ok || count < 0) {
        for (size_t i = 0; v && v[i]; i++)
            xb_free(v[i]);
        xb_free(v);
        return -1;
    }
    *out = v;
    *n = (size_t)count;
    return 0;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        xb_free(v[i]);
    xb_free(v);
}

/* The group holding layer_names: / (save_weights) or /model_weights (save). */
static hid_t keras_root(hid_t fid)
{
    if (H5Aexists(fid, "layer_names") > 0)
        return H5Gopen2(fid, "/", H5P_DEFAULT);
    if (H5Lexists(fid, "/model_weights", H5P_DEFAULT) > 0) {
        hid_t g = H5Gopen2(fid, "/model_weights", H5P_DEFAULT);
        if (g >= 0 && H5Aexists(g, "layer_names") > 0)
            return g;
        if (g >= 0)
            H5Gclose(g);
    }
    return -1;
}

/* "dense_1/kernel:0" -> "kernel" */
static void weight_short_name(const char *full, char *out, size_t n)
{
    const char *s = strrchr(full, '/');
    s = s ? s + 1 : full;
    size_t len = strcspn(s, ":");
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

static enum xb_status read_weight(struct xb_ctx *ctx, const char *file, hid_t group,
                                  const char *gname, const char *wname, struct keras_weight *w)
{
    weight_short_name(wname, w->name, sizeof w->name);
    snprintf(w->path, sizeof w->path, "%s/%s", gname, wname);
    hid_t d = H5Dopen2(group, wname, H5P_DEFAULT);
    if (d < 0)
        return xb_error(ctx, XB_EFORMAT, "%s: weight_names lists %s, which is not a dataset",
                        file, w->path);
    hid_t s = H5Dget_space(d), t = H5Dget_type(d);
    int rank = s < 0 ? -1 : H5Sget_simple_extent_ndims(s);
    enum xb_status st = XB_OK;
    if (rank < 1 || rank > 4 || t < 0 || H5Tget_class(t) != H5T_FLOAT) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s is not a float array of rank 1 to 4", file,
                      w->path);
    } else {
        hsize_t dims[4];
        H5Sget_simple_extent_dims(s, dims, NULL);
        size_t count = 1;
        for (int i = 0; i < rank; i++) {
            w->dims[i] = (size_t)dims[i];
            count *= (size_t)dims[i];
        }
        w->rank = rank;
        w->v = xb_malloc(count ? count : 1, sizeof *w->v);
        if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w->v) < 0)
            st = xb_error(ctx, XB_EIO, "%s: %s cannot be read", file, w->path);
        for (size_t i = 0; st == XB_OK && i < count; i++)
            if (!isfinite(w->v[i]))
                st = xb_error(ctx, XB_EFORMAT, "%s: %s[%zu] is not finite", file, w->path, i);
    }
    if (t >= 0)
        H5Tclose(t);
    if (s >= 0)
        H5Sclose(s);
    H5Dclose(d);
    return st;
}

/* The Keras layers that hold weights, in the file's order. */
static enum xb_status keras_read(struct xb_ctx *ctx, const char *path, struct keras_file *kf)
{
    memset(kf, 0, sizeof *kf);
    kf->path = path;
    hid_t fid;
    enum xb_status st = xb_h5_open_read(ctx, path, "a Keras weight file", &fid);
    if (st != XB_OK)
        return st;
    hid_t root = keras_root(fid);
    char **names = NULL;
    size_t n = 0;
    if (root < 0 || read_strings(root, "layer_names", &names, &n) != 0) {
        st = xb_error(ctx, XB_EFORMAT, "%s: no layer_names attribute of strings at / or "
                      "/model_weights; expected a Keras HDF5 weight file", path);
        goto out;
    }
    kf->layer = xb_calloc(n ? n : 1, sizeof *kf->layer);
    for (size_t i = 0; i < n && st == XB_OK; i++) {
        hid_t g = H5Gopen2(root, names[i], H5P_DEFAULT);
        if (g < 0) {
            st = xb_error(ctx, XB_EFORMAT, "%s: layer_names lists '%s', which is not a group",
                          path, names[i]);
            break;
        }
        char **wn = NULL;
        size_t nw = 0;
        if (read_strings(g, "weight_names", &wn, &nw) != 0) {
            st = xb_error(ctx, XB_EFORMAT, "%s: layer '%s' has no weight_names attribute of "
                          "strings", path, names[i]);
        } else if (nw > MAX_WEIGHTS) {
            st = xb_error(ctx, XB_EFORMAT, "%s: layer '%s' has %zu weights; at most %d are "
                          "read", path, names[i], nw, MAX_WEIGHTS);
        } else if (nw > 0) {
            struct keras_layer *kl = &kf->layer[kf->n++];
            snprintf(kl->name, sizeof kl->name, "%s", names[i]);
            for (size_t j = 0; j < nw && st == XB_OK; j++, kl->n++)
                st = read_weight(ctx, path, g, names[i], wn[j], &kl->w[j]);
        }
        free_strings(wn, nw);
        H5Gclose(g);
    }
out:
    free_strings(names, n);
    if (root >= 0)
        H5Gclose(root);
    H5Fclose(fid);
    if (st != XB_OK)
        keras_free(kf);
    return st;
}

/* The weight called name of kl, or NULL. */
static const struct keras_weight *weight(const struct keras_layer *kl, const char *name)
{
    for (size_t j = 0; j < kl->n; j++)
        if (!strcmp(kl->w[j].name, name))
            return &kl->w[j];
    return NULL;
}

static const char *shape_text(const struct keras_weight *w, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < w->rank && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%zu", i ? " x " : "", w->dims[i]);
    if (len < n)
        snprintf(buf + len, n - len, "]");
    return buf;
}

/* Checks that kl has weight name of rank and dims; the error names the
 * file, the Keras dataset, the model's layer and both shapes. */
static enum xb_status need(struct xb_ctx *ctx, const struct keras_file *kf,
                           const struct keras_layer *kl, const char *name, int rank,
                           const size_t *dims, const char *model_layer,
                           const struct keras_weight **out)
{
    const struct keras_weight *w = weight(kl, name);
    char want[96];
    size_t len = (size_t)snprintf(want, sizeof want, "[");
    for (int i = 0; i < rank; i++)
        len += (size_t)snprintf(want + len, sizeof want - len, "%s%zu", i ? " x " : "", dims[i]);
    snprintf(want + len, sizeof want - len, "]");
    if (!w)
        return xb_error(ctx, XB_EINVAL, "%s: Keras layer '%s' has no %s; %s needs %s %s",
                        kf->path, kl->name, name, model_layer, name, want);
    int same = w->rank == rank;
    for (int i = 0; same && i < rank; i++)
        same = w->dims[i] == dims[i];
    if (!same) {
        char got[96];
        return xb_error(ctx, XB_EINVAL, "%s: %s is %s; %s needs %s", kf->path, w->path,
                        shape_text(w, got, sizeof got), model_layer, want);
    }
    *out = w;
    return XB_OK;
}

/* The input shape of layer k as its producer made it: through view layers
 * (flatten), the shape before them. */
static struct xb_shape producer_shape(const struct xb_net *net, size_t k)
{
    struct xb_shape s = xb_net_layer((struct xb_net *)net, k)->in;
    while (k > 0 && xb_net_layer((struct xb_net *)net, k - 1)->type->view) {
        k--;
        s = xb_net_layer((struct xb_net *)net, k)->in;
    }
    return s;
}

static enum xb_status keras_dense(struct xb_ctx *ctx, const struct keras_file *kf,
                                  const struct keras_layer *kl, const struct xb_net *net,
                                  size_t k, const char *ml, float *p)
{
    const struct xb_layer *l = xb_net_layer((struct xb_net *)net, k);
    size_t in = xb_shape_size(l->in), out = xb_shape_size(l->out);
    const struct keras_weight *K, *b;
    enum xb_status st = need(ctx, kf, kl, "kernel", 2, (size_t[]){in, out}, ml, &K);
    if (st == XB_OK)
        st = need(ctx, kf, kl, "bias", 1, (size_t[]){out}, ml, &b);
    if (st != XB_OK)
        return st;
    /* Keras flattens channels last: feature (c, h, w) is row (h·W + w)·C + c
     * of its kernel; xbar's is c·H·W + h·W + w. */
    struct xb_shape s = producer_shape(net, k);
    int permute = s.c > 1 && (size_t)s.h * (size_t)s.w > 1 && xb_shape_size(s) == in;
    for (size_t i = 0; i < in; i++) {
        size_t ki = i;
        if (permute) {
            size_t hw = (size_t)s.h * (size_t)s.w, c = i / hw, pos = i % hw;
            ki = pos * (size_t)s.c + c;
        }
        for (size_t o = 0; o < out; o++)
            p[o * in + i] = K->v[ki * out + o];
    }
    memcpy(p + in * out, b->v, out * sizeof *p);
    return XB_OK;
}

static enum xb_status keras_conv2d(struct xb_ctx *ctx, const struct keras_file *kf,
                                   const struct keras_layer *kl, const struct xb_net *net,
                                   const struct xb_layer_config *c, size_t k, const char *ml,
                                   float *p)
{
    const struct xb_layer *l = xb_net_layer((struct xb_net *)net, k);
    size_t U = (size_t)c->units, C = (size_t)l->in.c, kk = (size_t)c->kernel;
    const struct keras_weight *K, *b;
    enum xb_status st = need(ctx, kf, kl, "kernel", 4, (size_t[]){kk, kk, C, U}, ml, &K);
    if (st == XB_OK)
        st = need(ctx, kf, kl, "bias", 1, (size_t[]){U}, ml, &b);
    if (st != XB_OK)
        return st;
    for (size_t u = 0; u < U; u++)
        for (size_t ch = 0; ch < C; ch++)
            for (size_t r = 0; r < kk; r++)
                for (size_t q = 0; q < kk; q++)
                    p[((u * C + ch) * kk + r) * kk + q] = K->v[((r * kk + q) * C + ch) * U + u];
    memcpy(p + U * C * kk * kk, b->v, U * sizeof *p);
    return XB_OK;
}

static enum xb_status keras_batchnorm(struct xb_ctx *ctx, const struct keras_file *kf,
                                      const struct keras_layer *kl, const struct xb_net *net,
                                      const struct xb_layer_config *c, size_t k,
                                      const char *ml, float *p)
{
    size_t C = (size_t)xb_net_layer((struct xb_net *)net, k)->in.c;
    const struct keras_weight *mean, *var, *gamma = NULL, *beta = NULL;
    enum xb_status st = need(ctx, kf, kl, "moving_mean", 1, (size_t[]){C}, ml, &mean);
    if (st == XB_OK)
        st = need(ctx, kf, kl, "moving_variance", 1, (size_t[]){C}, ml, &var);
    if (st == XB_OK && weight(kl, "gamma"))
        st = need(ctx, kf, kl, "gamma", 1, (size_t[]){C}, ml, &gamma);
    if (st == XB_OK && weight(kl, "beta"))
        st = need(ctx, kf, kl, "beta", 1, (size_t[]){C}, ml, &beta);
    if (st != XB_OK)
        return st;
    if (c->fixed && (gamma || beta))
        return xb_error(ctx, XB_EINVAL, "%s: Keras layer '%s' learns a scale or shift; %s "
                        "has fixed = true (statistics only)", kf->path, kl->name, ml);
    float *m = p, *v = p + C;
    if (!c->fixed) {
        for (size_t i = 0; i < C; i++) {
            p[i] = gamma ? gamma->v[i] : 1.0f;
            p[C + i] = beta ? beta->v[i] : 0.0f;
        }
        m = p + 2 * C;
        v = p + 3 * C;
    }
    for (size_t i = 0; i < C; i++) {
        m[i] = mean->v[i];
        v[i] = (float)((double)var->v[i] + (KERAS_BN_EPS - XBAR_BN_EPS));
    }
    return XB_OK;
}

static enum xb_status keras_lstm(struct xb_ctx *ctx, const struct keras_file *kf,
                                 const struct keras_layer *kl, const struct xb_net *net,
                                 const struct xb_layer_config *c, size_t k, const char *ml,
                                 float *p)
{
    size_t H = (size_t)c->units, F = (size_t)xb_net_layer((struct xb_net *)net, k)->in.w;
    size_t G = 4 * H, K = F + H;
    const struct keras_weight *W, *R, *b;
    enum xb_status st = need(ctx, kf, kl, "kernel", 2, (size_t[]){F, G}, ml, &W);
    if (st == XB_OK)
        st = need(ctx, kf, kl, "recurrent_kernel", 2, (size_t[]){H, G}, ml, &R);
    if (st == XB_OK)
        st = need(ctx, kf, kl, "bias", 1, (size_t[]){G}, ml, &b);
    if (st != XB_OK)
        return st;
    for (size_t g = 0; g < G; g++) {
        for (size_t f = 0; f < F; f++)
            p[g * K + f] = W->v[f * G + g];
        for (size_t h = 0; h < H; h++)
            p[g * K + F + h] = R->v[h * G + g];
    }
    memcpy(p + G * K, b->v, G * sizeof *p);
    return XB_OK;
}

static enum xb_status import_keras(struct xb_ctx *ctx, const char *path, size_t point,
                                   const struct xb_net_config *cfg, struct xb_net *net)
{
    if (point != 0)
        return xb_error(ctx, XB_EINVAL, "%s: a Keras weight file holds one model; point %zu "
                        "asked for", path, point);
    struct keras_file kf;
    enum xb_status st = keras_read(ctx, path, &kf);
    if (st != XB_OK)
        return st;
    size_t n_params = xb_net_n_params(net);
    float *params = xb_calloc(n_params ? n_params : 1, sizeof *params);
    const float *base = xb_net_params(net);
    size_t next = 0; /* the Keras layer the next weighted layer takes */
    char ml[128];
    for (size_t k = 0; k < xb_net_n_layers(net) && st == XB_OK; k++) {
        const struct xb_layer *l = xb_net_layer(net, k);
        if (l->n_params == 0)
            continue;
        layer_name(cfg, net, k, ml, sizeof ml);
        if (next == kf.n) {
            st = xb_error(ctx, XB_EINVAL, "%s: %zu Keras layers hold weights; the model has "
                          "more weighted layers, the first without one being %s", path, kf.n,
                          ml);
            break;
        }
        const struct keras_layer *kl = &kf.layer[next++];
        const struct xb_layer_config *c = &cfg->layers[k];
        float *p = params + (l->params - base);
        const char *kind = l->type->name;
        if (!strcmp(kind, "dense"))
            st = keras_dense(ctx, &kf, kl, net, k, ml, p);
        else if (!strcmp(kind, "conv2d"))
            st = keras_conv2d(ctx, &kf, kl, net, c, k, ml, p);
        else if (!strcmp(kind, "batchnorm"))
            st = keras_batchnorm(ctx, &kf, kl, net, c, k, ml, p);
        else if (!strcmp(kind, "lstm"))
            st = keras_lstm(ctx, &kf, kl, net, c, k, ml, p);
        else
            st = xb_error(ctx, XB_EINVAL, "%s: %s has no Keras counterpart to read from layer "
                          "'%s' (dense, conv2d, batchnorm and lstm are imported)", path, ml,
                          kl->name);
    }
    if (st == XB_OK && next < kf.n)
        st = xb_error(ctx, XB_EINVAL, "%s: Keras layer '%s' and %zu after it hold weights "
                      "that no layer of the model takes (the model has %zu weighted layers)",
                      path, kf.layer[next].name, kf.n - next - 1, next);
    if (st == XB_OK)
        memcpy(xb_net_params(net), params, n_params * sizeof *params);
    xb_free(params);
    keras_free(&kf);
    return st;
}

/* ---- entry ------------------------------------------------------------------ */

int xb_import_format(const char *path)
{
    if (xb_h5_exists(path, "/models"))
        return XB_IMPORT_XBAR;
    hid_t fid;
    xb_h5_quiet();
    fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0)
        return 0;
    hid_t root = keras_root(fid);
    int keras = root >= 0;
    if (root >= 0)
        H5Gclose(root);
    H5Fclose(fid);
    return keras ? XB_IMPORT_KERAS : 0;
}

enum xb_status xb_import_params(struct xb_ctx *ctx, const char *path, size_t point,
                                const struct xb_net_config *cfg, struct xb_net *net)
{
    switch (xb_import_format(path)) {
    case XB_IMPORT_XBAR:
        return import_xbar(ctx, path, point, net);
    case XB_IMPORT_KERAS:
        return import_keras(ctx, path, point, cfg, net);
    default:
        break;
    }
    hid_t fid;
    enum xb_status st = xb_h5_open_read(ctx, path, "a model file", &fid);
    if (st != XB_OK)
        return st;
    H5Fclose(fid);
    return xb_error(ctx, XB_EFORMAT, "%s: neither xbar's model layout (/models/N/params) nor "
                    "a Keras HDF5 weight file (layer_names); sim/README.md \"Importing trained "
                    "networks\" says how to write one", path);
}
