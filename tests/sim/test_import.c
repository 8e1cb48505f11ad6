/*
 * test_import.c — sim/io/xb_import: networks another program trained.
 *
 * Keras files are written here as Keras 2 writes them (layer_names and
 * weight_names attributes of fixed-length strings, each weight a dataset
 * at "<layer>/<layer>/<name>:0"), with weights in Keras's own orders
 * (channels last, kernels [in × out], conv kernels [k × k × C × U], LSTM
 * gates i, f, c, o). The imported net's logits are compared with a forward
 * pass computed here the way Keras defines it, in Keras's layout: conv,
 * batch normalisation with epsilon 1e-3, relu, channels-last flatten,
 * dense; and an LSTM. So a wrong transpose, permutation, gate order or
 * epsilon moves a logit by far more than the tolerance (float rounding of
 * sums of a few dozen terms of size ~1: 1e-4).
 */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_ctx.h"
#include "xb_h5.h"
#include "xb_import.h"
#include "xb_net.h"
#include "xb_test_net.h"

#define TOL 1e-4

/* A deterministic value in about [-1, 1] for element i of weight w. */
static float val(int w, size_t i)
{
    return (float)sin(1.7 * (double)w + 0.61 * (double)i + 0.3);
}

/* ---- writing Keras files ---------------------------------------------------- */

static void attr_strings(hid_t obj, const char *name, const char *const *v, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(v[i]) > len)
            len = strlen(v[i]);
    char *buf = calloc(n ? n : 1, len);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * len, v[i], strlen(v[i]));
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    hsize_t d = n;
    hid_t s = n ? H5Screate_simple(1, &d, NULL) : H5Screate(H5S_NULL);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (n)
        cr_assert_geq(H5Awrite(a, t, buf), 0);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    free(buf);
}

struct kw {
    const char *name; /* "kernel" */
    int rank;
    hsize_t dims[4];
    const float *v;
};

/* Layer group `layer` with weights w[n] (n = 0: a layer without weights). */
static void keras_layer(hid_t root, const char *layer, const struct kw *w, size_t n)
{
    hid_t g = H5Gcreate2(root, layer, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    const char *names[8];
    char full[8][128];
    for (size_t i = 0; i < n; i++) {
        snprintf(full[i], sizeof full[i], "%s/%s:0", layer, w[i].name);
        names[i] = full[i];
        hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(lcpl, 1);
        hid_t s = H5Screate_simple(w[i].rank, w[i].dims, NULL);
        hid_t d = H5Dcreate2(g, full[i], H5T_IEEE_F32LE, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        cr_assert_geq(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, w[i].v), 0);
        H5Dclose(d);
        H5Sclose(s);
        H5Pclose(lcpl);
    }
    attr_strings(g, "weight_names", names, n);
    H5Gclose(g);
}

static hid_t keras_create(const char *path, const char *const *layers, size_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    attr_strings(f, "layer_names", layers, n);
    return f;
}

static void tmp_path(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/xb_test_import_%s_%d.h5", tag, (int)getpid());
}

/* ---- the conv net: conv2d 2x2 (C 2 -> U 3) on 2 x 3 x 3, batchnorm, relu,
 *      flatten, dense 12 -> 4 ---------------------------------------------- */

enum { C = 2, HH = 3, WW = 3, U = 3, KK = 2, OH = 2, OW = 2, NOUT = 4, NIN = U * OH * OW };

struct conv_weights {
    float kernel[KK * KK * C * U], bias[U];
    float gamma[U], beta[U], mean[U], var[U];
    float dk[NIN * NOUT], db[NOUT];
};

static void conv_weights_fill(struct conv_weights *w)
{
    for (size_t i = 0; i < sizeof w->kernel / sizeof *w->kernel; i++)
        w->kernel[i] = val(1, i);
    for (size_t i = 0; i < U; i++) {
        w->bias[i] = val(2, i);
        w->gamma[i] = 1.0f + 0.5f * val(3, i);
        w->beta[i] = 5.0f + 3.0f * val(4, i); /* about half the outputs pass the relu */
        w->mean[i] = 0.3f * val(5, i);
        /* Small variances make Keras's epsilon 1e-3 matter: a wrong epsilon
         * moves the normalised value by ~10 %. */
        w->var[i] = 0.004f + 0.003f * (float)i;
    }
    for (size_t i = 0; i < NIN * NOUT; i++)
        w->dk[i] = val(6, i);
    for (size_t i = 0; i < NOUT; i++)
        w->db[i] = val(7, i);
}

static void conv_keras_file(const char *path, const struct conv_weights *w, int extra_layer)
{
    const char *layers[] = {"conv2d", "batch_normalization", "re_lu", "flatten", "dense",
                            "dense_extra"};
    hid_t f = keras_create(path, layers, extra_layer ? 6 : 5);
    keras_layer(f, "conv2d",
                (struct kw[]){{"kernel", 4, {KK, KK, C, U}, w->kernel},
                              {"bias", 1, {U}, w->bias}}, 2);
    keras_layer(f, "batch_normalization",
                (struct kw[]){{"gamma", 1, {U}, w->gamma}, {"beta", 1, {U}, w->beta},
                              {"moving_mean", 1, {U}, w->mean},
                              {"moving_variance", 1, {U}, w->var}}, 4);
    keras_layer(f, "re_lu", NULL, 0);
    keras_layer(f, "flatten", NULL, 0);
    keras_layer(f, "dense",
                (struct kw[]){{"kernel", 2, {NIN, NOUT}, w->dk}, {"bias", 1, {NOUT}, w->db}}, 2);
    if (extra_layer)
        keras_layer(f, "dense_extra",
                    (struct kw[]){{"kernel", 2, {NOUT, NOUT}, w->dk}, {"bias", 1, {NOUT}, w->db}},
                    2);
    H5Fclose(f);
}

static struct xb_net_config conv_config(void)
{
    struct xb_net_config cfg = {.input = {C, HH, WW}, .classes = NOUT, .n_layers = 5};
    cfg.layers[0] = xb_test_layer("conv2d", U);
    cfg.layers[0].kernel = KK;
    cfg.layers[1] = xb_test_layer("batchnorm", 0);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("flatten", 0);
    cfg.layers[4] = xb_test_layer("dense", NOUT);
    return cfg;
}

/* Keras's forward of one image x[HH][WW][C] (channels last). */
static void conv_keras_forward(const struct conv_weights *w, const float *x, double *logits)
{
    double a[OH][OW][U];
    for (int i = 0; i < OH; i++)
        for (int j = 0; j < OW; j++)
            for (int u = 0; u < U; u++) {
                double s = w->bias[u];
                for (int r = 0; r < KK; r++)
                    for (int q = 0; q < KK; q++)
                        for (int c = 0; c < C; c++)
                            s += (double)x[((i + r) * WW + (j + q)) * C + c] *
                                 (double)w->kernel[((r * KK + q) * C + c) * U + u];
                s = (double)w->gamma[u] * (s - (double)w->mean[u]) /
                        sqrt((double)w->var[u] + 1e-3) + (double)w->beta[u];
                a[i][j][u] = s > 0.0 ? s : 0.0;
            }
    const double *flat = &a[0][0][0]; /* channels last, as Keras's Flatten */
    for (int o = 0; o < NOUT; o++) {
        double s = w->db[o];
        for (int k = 0; k < NIN; k++)
            s += flat[k] * (double)w->dk[k * NOUT + o];
        logits[o] = s;
    }
}

static const float *eval_forward(struct xb_net *net, const float *x, size_t rows)
{
    struct xb_pass p = {.phase = XB_PHASE_EVAL, .rows = rows,
                        .addr = {.batch = (uint32_t)rows}, .seed = 1};
    return xb_net_forward(net, &p, x);
}

Test(import, keras_conv_batchnorm_dense_logits)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char path[128];
    tmp_path(path, sizeof path, "conv");
    struct conv_weights w;
    conv_weights_fill(&w);
    conv_keras_file(path, &w, 0);
    struct xb_net_config cfg = conv_config();
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    cr_assert_eq(xb_import_format(path), XB_IMPORT_KERAS);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_OK, "%s", xb_ctx_error(ctx));

    enum { ROWS = 3 };
    float keras_x[ROWS][HH * WW * C], xbar_x[ROWS][C * HH * WW];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < C; c++)
            for (int i = 0; i < HH * WW; i++) {
                float v = 0.5f + 0.5f * val(10 + r, (size_t)(c * 31 + i));
                keras_x[r][i * C + c] = v;
                xbar_x[r][c * HH * WW + i] = v;
            }
    const float *y = eval_forward(net, &xbar_x[0][0], ROWS);
    double worst = 0.0, spread = 0.0;
    for (int r = 0; r < ROWS; r++) {
        double ref[NOUT];
        conv_keras_forward(&w, keras_x[r], ref);
        for (int o = 0; o < NOUT; o++) {
            worst = fmax(worst, fabs((double)y[r * NOUT + o] - ref[o]));
            spread = fmax(spread, fabs(ref[o]));
        }
    }
    cr_assert_gt(spread, 0.5, "the reference logits are too small to tell errors apart: %g",
                 spread);
    cr_assert_lt(worst, TOL * spread, "logits differ from Keras's by %g", worst);
    xb_net_free(net);
    xb_ctx_free(ctx);
    unlink(path);
}

Test(import, keras_mismatches_name_the_layer_and_shapes)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char path[128];
    tmp_path(path, sizeof path, "bad");
    struct conv_weights w;
    conv_weights_fill(&w);
    struct xb_net_config cfg = conv_config();
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    float before = xb_net_params(net)[0] = 123.0f;

    conv_keras_file(path, &w, 1); /* one Keras layer too many */
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "'dense_extra'"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_net_params(net)[0], before, "a failed import changed the net");

    cfg.layers[4].units = NOUT + 1; /* the dense layer wants 5 outputs */
    cfg.classes = NOUT + 1;
    struct xb_net *net5 = xb_test_net(ctx, &cfg, 4);
    conv_keras_file(path, &w, 0);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net5), XB_EINVAL);
    const char *e = xb_ctx_error(ctx);
    cr_assert(strstr(e, "dense/dense/kernel:0 is [12 x 4]") && strstr(e, "layer 4 (dense) needs [12 x 5]"), "%s", e);
    cr_assert_eq(xb_import_params(ctx, path, 1, &cfg, net5), XB_EINVAL, "point 1 of Keras");
    xb_net_free(net5);

    /* a non-finite weight */
    w.dk[5] = NAN;
    conv_keras_file(path, &w, 0);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_EFORMAT);
    cr_assert(strstr(xb_ctx_error(ctx), "dense/dense/kernel:0[5] is not finite"), "%s",
              xb_ctx_error(ctx));

    /* an HDF5 file that is neither layout */
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    cr_assert_eq(xb_import_format(path), 0);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_EFORMAT);
    cr_assert(strstr(xb_ctx_error(ctx), "neither xbar's model layout"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_net_params(net)[0], before);
    xb_net_free(net);
    xb_ctx_free(ctx);
    unlink(path);
}

/* ---- LSTM: 4 steps of 3 features, 5 hidden, then dense 5 -> 2 ---------------- */

enum { T = 4, F = 3, HID = 5, G = 4 * HID, CL = 2 };

static double sigm(double v) { return 1.0 / (1.0 + exp(-v)); }

Test(import, keras_lstm_gates_and_recurrence)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char path[128];
    tmp_path(path, sizeof path, "lstm");
    float kern[F * G], rec[HID * G], bias[G], dk[HID * CL], db[CL];
    for (size_t i = 0; i < F * G; i++)
        kern[i] = val(20, i);
    for (size_t i = 0; i < HID * G; i++)
        rec[i] = 0.7f * val(21, i);
    for (size_t i = 0; i < G; i++)
        bias[i] = 0.5f * val(22, i);
    for (size_t i = 0; i < HID * CL; i++)
        dk[i] = 2.0f * val(23, i);
    for (size_t i = 0; i < CL; i++)
        db[i] = val(24, i);
    const char *layers[] = {"lstm", "dense"};
    hid_t f = keras_create(path, layers, 2);
    keras_layer(f, "lstm",
                (struct kw[]){{"kernel", 2, {F, G}, kern}, {"recurrent_kernel", 2, {HID, G}, rec},
                              {"bias", 1, {G}, bias}}, 3);
    keras_layer(f, "dense",
                (struct kw[]){{"kernel", 2, {HID, CL}, dk}, {"bias", 1, {CL}, db}}, 2);
    H5Fclose(f);

    struct xb_net_config cfg = {.input = {1, T, F}, .classes = CL, .n_layers = 2};
    cfg.layers[0] = xb_test_layer("lstm", HID);
    cfg.layers[1] = xb_test_layer("dense", CL);
    struct xb_net *net = xb_test_net(ctx, &cfg, 2);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_OK, "%s", xb_ctx_error(ctx));

    float x[T * F];
    for (size_t i = 0; i < T * F; i++)
        x[i] = 0.5f + 0.5f * val(25, i);
    const float *y = eval_forward(net, x, 1);

    /* Keras's LSTM: gates i, f, c, o in blocks of HID columns. */
    double h[HID] = {0}, c[HID] = {0};
    for (int t = 0; t < T; t++) {
        double z[G];
        for (int g = 0; g < G; g++) {
            double s = bias[g];
            for (int k = 0; k < F; k++)
                s += (double)x[t * F + k] * (double)kern[k * G + g];
            for (int k = 0; k < HID; k++)
                s += h[k] * (double)rec[k * G + g];
            z[g] = s;
        }
        for (int j = 0; j < HID; j++) {
            double ig = sigm(z[j]), fg = sigm(z[HID + j]), cg = tanh(z[2 * HID + j]),
                   og = sigm(z[3 * HID + j]);
            c[j] = fg * c[j] + ig * cg;
            h[j] = og * tanh(c[j]);
        }
    }
    double worst = 0.0, spread = 0.0;
    for (int o = 0; o < CL; o++) {
        double s = db[o];
        for (int j = 0; j < HID; j++)
            s += h[j] * (double)dk[j * CL + o];
        worst = fmax(worst, fabs((double)y[o] - s));
        spread = fmax(spread, fabs(s));
    }
    cr_assert_gt(spread, 0.5);
    cr_assert_lt(worst, TOL * spread, "logits differ from Keras's LSTM by %g", worst);
    xb_net_free(net);
    xb_ctx_free(ctx);
    unlink(path);
}

/* ---- xbar's own layout, written by another program ---------------------------- */

static void write_params(const char *path, const float *v, hsize_t n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "/models/0/params", H5T_IEEE_F32LE, s, lcpl, H5P_DEFAULT,
                         H5P_DEFAULT);
    cr_assert_geq(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Pclose(lcpl);
    H5Fclose(f);
}

Test(import, xbar_layout_from_outside)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char path[128];
    tmp_path(path, sizeof path, "xbar");
    struct xb_net_config cfg = conv_config();
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    size_t n = xb_net_n_params(net);
    float *v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = val(30, i);
    write_params(path, v, n);
    cr_assert_eq(xb_import_format(path), XB_IMPORT_XBAR);
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_arr_eq(xb_net_params(net), v, n * sizeof *v);

    write_params(path, v, n + 1); /* one value too many */
    cr_assert_eq(xb_import_params(ctx, path, 0, &cfg, net), XB_EINVAL);
    char want[160];
    snprintf(want, sizeof want, "holds %zu values; the model needs %zu", n + 1, n);
    cr_assert(strstr(xb_ctx_error(ctx), want) &&
              strstr(xb_ctx_error(ctx), "conv2d 27, batchnorm 12, dense 52"), "%s",
              xb_ctx_error(ctx));
    free(v);
    xb_net_free(net);
    xb_ctx_free(ctx);
    unlink(path);
}
