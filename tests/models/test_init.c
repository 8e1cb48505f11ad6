/*
 * Initialisation as a key (models/layers/xb_init.h): every kind draws exactly the
 * documented numbers from the documented stream address, their
 * distributions have the documented bounds and moments, a layer without a
 * key keeps its kind's old default bit for bit, bad values are refused
 * naming the key and the accepted names, and the resolved choice is written
 * into the experiment text that result files store as /config.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_net.h"
#include "xb_rng.h"

static struct xb_ctx *ctx;
static char dir[] = "/tmp/xbar-init-XXXXXX";
static void setup(void)
{
    ctx = xb_ctx_create(NULL);
    cr_assert_not_null(mkdtemp(dir));
}
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    xb_ctx_free(ctx);
}
TestSuite(init, .init = setup, .fini = teardown);

#define SEED 20261129u

static struct xb_layer_config layer(const char *type, int units, int kernel, enum xb_init init)
{
    struct xb_layer_config c = {.units = units, .kernel = kernel, .init = init};
    snprintf(c.type, sizeof c.type, "%s", type);
    return c;
}

/* The three shapes under test, each weighted layer first (layer id 0), then
 * what brings the output to `classes`:
 *   dense  784 -> 200:            n_w = 156,800, fan_in 784, fan_out 200;
 *   conv2d 32 x 12 x 12, 64 3x3:  n_w = 18,432,  fan_in 288, fan_out 576;
 *   lstm   28 steps of 28, H 64:  n_w = 23,552,  K = 92, fan_out 64. */
enum shape { DENSE, CONV, LSTM };

static struct xb_net *make(enum shape s, enum xb_init init)
{
    struct xb_net_config c = {0};
    if (s == DENSE) {
        c.input = (struct xb_shape){784, 1, 1};
        c.classes = 200;
        c.layers[c.n_layers++] = layer("dense", 200, 0, init);
    } else if (s == CONV) {
        c.input = (struct xb_shape){32, 12, 12};
        c.classes = 10;
        c.layers[c.n_layers++] = layer("conv2d", 64, 3, init);
        c.layers[c.n_layers++] = layer("dense", 10, 0, XB_INIT_AUTO);
    } else {
        c.input = (struct xb_shape){1, 28, 28};
        c.classes = 64;
        c.layers[c.n_layers++] = layer("lstm", 64, 0, init);
    }
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &c, 4, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, SEED);
    return net;
}

struct geometry {
    size_t n_w, n_b;
    double fan_in, fan_out, torch_fan;
    int terms; /* PyTorch's bias terms */
};
static const struct geometry GEO[] = {
    [DENSE] = {784 * 200, 200, 784, 200, 784, 1},
    [CONV] = {64 * 288, 64, 288, 576, 288, 1},
    [LSTM] = {256 * 92, 256, 92, 64, 64, 2},
};

static double weight_limit(enum shape s, enum xb_init k)
{
    const struct geometry *g = &GEO[s];
    return k == XB_INIT_HE_UNIFORM       ? sqrt(6.0 / g->fan_in)
           : k == XB_INIT_GLOROT_UNIFORM ? sqrt(6.0 / (g->fan_in + g->fan_out))
                                         : 1.0 / sqrt(g->torch_fan);
}

/* (2u - 1) limit of uniform elements first .. first + n - 1 of layer 0's
 * WEIGHTS stream: the address models/layers/xb_init.h documents. */
static float *expected_uniforms(uint64_t first, size_t n, double limit)
{
    const struct xb_addr a = {.purpose = XB_PURPOSE_WEIGHTS, .layer = 0};
    const struct xb_stream st = xb_stream_at(SEED, &a);
    float *u = xb_malloc(n, sizeof(float));
    xb_uniform_fill(&st, first, n, u);
    for (size_t i = 0; i < n; i++)
        u[i] = (float)((2.0 * (double)u[i] - 1.0) * limit);
    return u;
}

/* Every kind's weights and biases are exactly the documented draws. */
Test(init, every_kind_draws_the_documented_numbers)
{
    const enum xb_init kinds[] = {XB_INIT_HE_UNIFORM, XB_INIT_GLOROT_UNIFORM, XB_INIT_PYTORCH};
    for (int s = DENSE; s <= LSTM; s++)
        for (size_t k = 0; k < 3; k++) {
            const struct geometry *g = &GEO[s];
            struct xb_net *net = make((enum shape)s, kinds[k]);
            const float *p = xb_net_layer(net, 0)->params;
            float *w = expected_uniforms(0, g->n_w, weight_limit((enum shape)s, kinds[k]));
            cr_assert_eq(memcmp(p, w, g->n_w * sizeof(float)), 0, "shape %d, %s: weights", s,
                         xb_init_name(kinds[k]));
            xb_free(w);
            float *b = xb_calloc(g->n_b, sizeof(float));
            if (kinds[k] == XB_INIT_PYTORCH) {
                /* Term t of bias j is element n_w + t n_b + j, the terms summed
                 * in double and rounded once. */
                double *acc = xb_calloc(g->n_b, sizeof(double));
                for (int t = 0; t < g->terms; t++) {
                    float *u = expected_uniforms(g->n_w + (size_t)t * g->n_b, g->n_b,
                                                 1.0 / sqrt(g->torch_fan));
                    for (size_t j = 0; j < g->n_b; j++)
                        acc[j] += (double)u[j];
                    xb_free(u);
                }
                for (size_t j = 0; j < g->n_b; j++)
                    b[j] = (float)acc[j];
                xb_free(acc);
            } else if (s == LSTM) {
                for (size_t j = 64; j < 128; j++)
                    b[j] = 1.0f; /* the forget gate of the zero-bias kinds */
            }
            cr_assert_eq(memcmp(p + g->n_w, b, g->n_b * sizeof(float)), 0, "shape %d, %s: bias",
                         s, xb_init_name(kinds[k]));
            xb_free(b);
            xb_net_free(net);
        }
}

/* No key: dense and conv2d give he-uniform's bits, lstm glorot-uniform's —
 * what each kind drew before initialisation was a key (the golden digests
 * of tests/sim/test_portable.c hold the dense case end to end). */
Test(init, no_key_keeps_each_kinds_old_default)
{
    const enum xb_init old[] = {[DENSE] = XB_INIT_HE_UNIFORM, [CONV] = XB_INIT_HE_UNIFORM,
                                [LSTM] = XB_INIT_GLOROT_UNIFORM};
    for (int s = DENSE; s <= LSTM; s++) {
        struct xb_net *a = make((enum shape)s, XB_INIT_AUTO), *b = make((enum shape)s, old[s]);
        const size_t n = GEO[s].n_w + GEO[s].n_b;
        cr_assert_eq(memcmp(xb_net_layer(a, 0)->params, xb_net_layer(b, 0)->params,
                            n * sizeof(float)), 0, "shape %d", s);
        xb_net_free(a);
        xb_net_free(b);
    }
}

/* n values, each a sum of `terms` independent U(-L, L): the bound, and the
 * first two moments within 5 standard errors (a false alarm below 1e-6 per
 * check). With m2 = E[v^2] = terms L^2 / 3 and E[v^4] = terms L^4 / 5 +
 * 3 terms (terms - 1) L^4 / 9 (the cross terms of a sum of two), the mean
 * has SE sqrt(m2 / n) and the mean of v^2 has SE sqrt((E[v^4] - m2^2) / n).
 * One term must also come near its bound: P(max |v| < L (1 - d)) =
 * (1 - d)^n, which is e^-30 for d = 30 / n. */
static void check_distribution(const float *v, size_t n, double L, int terms, const char *what)
{
    double s = 0.0, s2 = 0.0, mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        s += (double)v[i];
        s2 += (double)v[i] * (double)v[i];
        mx = fmax(mx, fabs((double)v[i]));
    }
    const double m2 = terms * L * L / 3.0;
    const double m4 = terms * pow(L, 4) / 5.0 + 3.0 * terms * (terms - 1) * pow(L, 4) / 9.0;
    cr_expect(mx <= (double)(float)(terms * L), "%s: max |v| %g beyond %g", what, mx, terms * L);
    if (terms == 1)
        cr_expect(mx >= L * (1.0 - 30.0 / (double)n), "%s: max |v| %g far below %g", what, mx, L);
    else /* P(|v| > L) = 1/4 for a sum of two: P(none of n) = (3/4)^n */
        cr_expect(mx > L, "%s: max |v| %g never beyond one term's bound %g", what, mx, L);
    cr_expect(fabs(s / (double)n) <= 5.0 * sqrt(m2 / (double)n), "%s: mean %g", what,
              s / (double)n);
    cr_expect(fabs(s2 / (double)n - m2) <= 5.0 * sqrt((m4 - m2 * m2) / (double)n),
              "%s: mean square %g, expected %g", what, s2 / (double)n, m2);
}

Test(init, distributions_have_their_bounds_and_moments)
{
    const enum xb_init kinds[] = {XB_INIT_HE_UNIFORM, XB_INIT_GLOROT_UNIFORM, XB_INIT_PYTORCH};
    for (int s = DENSE; s <= LSTM; s++)
        for (size_t k = 0; k < 3; k++) {
            const struct geometry *g = &GEO[s];
            char what[96];
            struct xb_net *net = make((enum shape)s, kinds[k]);
            const float *p = xb_net_layer(net, 0)->params;
            snprintf(what, sizeof what, "shape %d, %s, weights", s, xb_init_name(kinds[k]));
            check_distribution(p, g->n_w, weight_limit((enum shape)s, kinds[k]), 1, what);
            snprintf(what, sizeof what, "shape %d, %s, bias", s, xb_init_name(kinds[k]));
            if (kinds[k] == XB_INIT_PYTORCH) {
                check_distribution(p + g->n_w, g->n_b, 1.0 / sqrt(g->torch_fan), g->terms,
                                   what);
            } else {
                for (size_t j = 0; j < g->n_b; j++)
                    cr_assert_eq(p[g->n_w + j], s == LSTM && j >= 64 && j < 128 ? 1.0f : 0.0f,
                                 "%s[%zu]", what, j);
            }
            xb_net_free(net);
        }
}

Test(init, names_round_trip)
{
    char names[128];
    xb_init_names(names, sizeof names);
    cr_assert_str_eq(names, "he-uniform, glorot-uniform or pytorch");
    for (int k = XB_INIT_AUTO + 1; k < XB_INIT_COUNT; k++) {
        cr_assert_eq(xb_init_parse(xb_init_name((enum xb_init)k)), k);
        cr_assert_str_eq(xb_init_type((enum xb_init)k)->name, xb_init_name((enum xb_init)k));
    }
    /* The key registry's choices (the layer field and model.init) are the
     * table's names, index for index, and end where the table does. */
    cr_assert_str_eq(xb_init_key_names[XB_INIT_AUTO], "auto");
    for (int k = XB_INIT_AUTO + 1; k < XB_INIT_COUNT; k++)
        cr_assert_str_eq(xb_init_key_names[k], xb_init_name((enum xb_init)k));
    cr_assert_null(xb_init_key_names[XB_INIT_COUNT]);
    cr_assert_eq(xb_init_parse("auto"), -1);
    cr_assert_eq(xb_init_parse("He-uniform"), -1);
    cr_assert_null(xb_init_type(XB_INIT_AUTO));
    cr_assert_null(xb_init_type(XB_INIT_COUNT));
}

/* The net refuses an init on a kind without weights, and a value outside
 * the enum, naming the layer, the field and the accepted names. */
Test(init, net_refuses_misplaced_and_unknown_values)
{
    struct xb_net_config c = {.input = {1, 1, 16}, .classes = 10, .n_layers = 2};
    c.layers[0] = layer("dense", 10, 0, XB_INIT_AUTO);
    c.layers[1] = layer("relu", 0, 0, XB_INIT_PYTORCH);
    c.layers[1].line = 7;
    struct xb_net *net = NULL;
    cr_assert_eq(xb_net_create(ctx, &c, 4, &net), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "model line 7, layer 1 (relu): field 'init' is set but "
                                        "a relu layer does not use it"), "%s", xb_ctx_error(ctx));
    c.layers[1] = layer("relu", 0, 0, XB_INIT_AUTO);
    c.layers[0].init = (enum xb_init)9;
    cr_assert_eq(xb_net_create(ctx, &c, 4, &net), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "layer 0 (dense): init = 9: expected he-uniform, "
                                        "glorot-uniform or pytorch"), "%s", xb_ctx_error(ctx));
    cr_assert_null(net);
}

/* ---- the experiment file and its stored text ------------------------------ */

static struct xb_experiment e;

static enum xb_status read_model(const char *model_line, const char *dense_field,
                                 const char *const *sets, size_t n_sets)
{
    char path[256];
    snprintf(path, sizeof path, "%s/e.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "model = { name = \"t\"; input = [1, 8, 8]; classes = 10; %s\n"
            "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 16; %s },\n"
            "    { type = \"relu\"; }, { type = \"dense\"; units = 10; } ); };\n"
            "data = { set = \"synthetic\"; };\n",
            model_line, dense_field);
    fclose(f);
    return xb_experiment_read(ctx, path, sets, n_sets, &e);
}

static void expect_error(enum xb_status st, const char *want)
{
    cr_assert_neq(st, XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), want), "'%s' lacks '%s'", xb_ctx_error(ctx), want);
    cr_assert(strstr(xb_ctx_error(ctx), "expected one of he-uniform, glorot-uniform, pytorch"),
              "'%s' lacks the accepted names", xb_ctx_error(ctx));
}

Test(init, bad_values_name_the_key_and_the_accepted_names)
{
    expect_error(read_model("", "init = \"kaiming\";", NULL, 0),
                 "e.cfg:2: model.layers[1].init = \"kaiming\": expected one of");
    expect_error(read_model("init = \"xavier\";", "", NULL, 0),
                 "e.cfg:1: model.init = \"xavier\": expected one of");
    const char *set[] = {"model.init=torch"};
    expect_error(read_model("", "", set, 1), "--set model.init=torch: model.init = \"torch\"");
    expect_error(read_model("", "init = 3;", NULL, 0), "model.layers[1].init: expected one of he-uniform, glorot-uniform, pytorch (a string), got an integer");
}

/* The stored text names every weighted layer's resolved init (and nothing
 * on the others), a layer's own init wins over model.init, and the text
 * reads back to itself. */
Test(init, the_resolved_choice_is_in_the_stored_text)
{
    cr_assert_eq(read_model("", "", NULL, 0), XB_OK, "%s", xb_ctx_error(ctx));
    char *t = xb_experiment_text(&e);
    cr_assert(strstr(t, "{ type = \"dense\"; units = 16; init = \"he-uniform\"; }"), "%s", t);
    cr_assert(strstr(t, "{ type = \"dense\"; units = 10; init = \"he-uniform\"; }"), "%s", t);
    cr_assert(strstr(t, "{ type = \"relu\"; }"), "%s", t);
    xb_free(t);

    const char *set[] = {"model.init=pytorch"};
    cr_assert_eq(read_model("init = \"glorot-uniform\";", "init = \"he-uniform\";", set, 1),
                 XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.model.layers[1].init, XB_INIT_HE_UNIFORM);
    cr_assert_eq(e.model.layers[2].init, XB_INIT_AUTO);
    cr_assert_eq(e.model.layers[3].init, XB_INIT_PYTORCH);
    t = xb_experiment_text(&e);
    cr_assert(strstr(t, "units = 16; init = \"he-uniform\"; }"), "%s", t);
    cr_assert(strstr(t, "units = 10; init = \"pytorch\"; }"), "%s", t);
    char path[256];
    snprintf(path, sizeof path, "%s/back.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(t, f);
    fclose(f);
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e), XB_OK, "%s", xb_ctx_error(ctx));
    char *back = xb_experiment_text(&e);
    cr_assert_str_eq(back, t);
    xb_free(back);
    xb_free(t);
}

/* The shipped study of models/README.md parses and names its kind. */
Test(init, the_shipped_study_parses)
{
    const char *set[] = {"model.init=pytorch"};
    cr_assert_eq(xb_experiment_read(ctx, "configs/cnn6_init_robustness.cfg", set, 1, &e), XB_OK,
                 "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.model.n_layers, 25);
    cr_assert_eq(e.validation, 0.0);
    for (size_t k = 0; k < e.model.n_layers; k++) {
        const int weighted = !strcmp(e.model.layers[k].type, "conv2d") ||
                             !strcmp(e.model.layers[k].type, "dense");
        cr_assert_eq(e.model.layers[k].init, weighted ? XB_INIT_PYTORCH : XB_INIT_AUTO,
                     "layer %zu", k);
    }
}
