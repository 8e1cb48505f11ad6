/*
 * The result layout (sim/io/xb_layout.h): every group and dataset of every
 * kind of file xbar writes — sweep results in noise and device mode,
 * additive and multiplicative, a checkpoint of an unfinished sweep, the
 * model of `xbar train`, `xbar mvm -o` — walked with H5Ovisit and held to
 * the table: each object is a row of its kind, with the row's type class,
 * element size and rank and the row's units and description attributes,
 * and every row the table says is always there is there. A writer that
 * bypasses the table (a path, a type or a description of its own) fails
 * here. Also: the readers check rank and type against the table, xbar
 * info's listing, and the model-parameter layout sim/README.md documents
 * against real nets.
 */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_config.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_layer.h"
#include "xb_layout.h"
#include "xb_mvm_study.h"
#include "xb_net.h"
#include "xb_snrreq.h"
#include "xb_sweep.h"
#include "xb_test_synth.h"

static struct xb_ctx *ctx;
static struct xb_dataset *train, *test;
static struct xb_sweep_data data;
static char dir[] = "/tmp/xbar-layout-XXXXXX";

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 5, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
    cr_assert_not_null(mkdtemp(dir));
    xb_test_synth_sweep(ctx, 200, 160, 100, &train, &test, &data);
}

static void teardown(void)
{
    xb_test_remove_dir(dir);
    xb_dataset_free(train);
    xb_dataset_free(test);
    xb_ctx_free(ctx);
}

TestSuite(layout, .init = setup, .fini = teardown);

/* ---- making each kind of file ------------------------------------------------ */

/* An experiment: the tiny MLP of tests/sim/test_sweep.c, one epoch; device
 * mode reads a PCM chip at t = 1 s and 1 day. */
static void experiment(struct xb_experiment *e, const char *optimizer, const char *noise,
                       int device, const char *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.cfg", dir, out);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "model = { name = \"tiny\"; input = [1, 8, 8]; classes = 10;\n"
            "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 16; },\n"
            "    { type = \"noise\"; }, { type = \"relu\"; }, { type = \"dense\"; units = 10; },\n"
            "    { type = \"noise\"; } ); };\n"
            "data = { set = \"synthetic\"; };\n"
            "train = { optimizer = \"%s\"; lr = 0.01; batch = 32; epochs = 1; };\n"
            "sweep = { noise = \"%s\"; sigma_train = [0.0, 0.5]; repeats = 2; votes = 3;\n"
            "  eval_rows = 100; output = \"%s/%s.h5\";\n%s };\n%s",
            optimizer, noise, dir, out,
            device ? "  test = \"device\"; t = [1.0, 86400.0];" : "  sigma_test = [0.0, 0.5];",
            device ? "device = { type = \"pcm\"; };\n"
                     "xbar = { dac_bits = 8; adc_bits = 8; adc_range = \"max\"; };\n"
                   : "");
    fclose(f);
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, e), XB_OK, "%s", xb_ctx_error(ctx));
}

/* Saves e after creating it, then runs at most `steps` steps (0: to the
 * end; -1: none), saving after each. */
static void run(const struct xb_experiment *e, int steps)
{
    struct xb_sweep *s;
    cr_assert_eq(xb_sweep_create(ctx, e, &data, "test", 0, &s), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_sweep_save(ctx, s), XB_OK, "%s", xb_ctx_error(ctx));
    for (int k = 0; xb_sweep_pending(s) && (steps == 0 || k < steps); k++) {
        cr_assert_eq(xb_sweep_step(ctx, s, 1), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert_eq(xb_sweep_save(ctx, s), XB_OK, "%s", xb_ctx_error(ctx));
    }
    xb_sweep_free(s);
}

/* `xbar mvm -o`: an 8 x 12 product of a batch of 4 on the default device. */
static void mvm_file(const char *path, struct xb_mvm_study *s, struct xb_figure *figs,
                     size_t *n_figs)
{
    float *W, *X;
    struct xb_mvm_result r;
    memset(s, 0, sizeof *s);
    struct xb_settings none = {0};
    xb_config_default(&s->cfg);
    cr_assert_eq(xb_config_resolve(ctx, &none, &s->cfg), XB_OK, "%s", xb_ctx_error(ctx));
    s->rows = 8, s->cols = 12, s->batch = 4;
    cr_assert_eq(xb_mvm_load(ctx, s, &W, &X), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_mvm_run(ctx, s, W, X, &r), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_h5_meta meta = {.command_line = "test", .seed = 5, .threads = 1,
                              .files = &s->files};
    cr_assert_eq(xb_mvm_write(ctx, path, &meta, s, W, X, &r), XB_OK, "%s", xb_ctx_error(ctx));
    *n_figs = xb_mvm_figures(s, 5, &r, figs);
    xb_mvm_result_free(&r);
    xb_free(W), xb_free(X);
}

/* `xbar snr-req -o`: two models, K = 1 and 3 (the numbers are not the
 * point here; sim/study/xb_snrreq.h makes them). */
static void snrreq_file(const char *path, enum xb_noise_kind noise)
{
    const int point[2] = {0, 1}, votes[2] = {1, 3};
    const double sigma_train[2] = {0, 0.5}, acc0[2] = {0.9, 0.8}, target[2] = {0.89, 0.79},
                 power[2] = {2, 3};
    double gain[12] = {0}, gain_vote[12] = {0};
    struct xb_snrreq_answer ans[4] = {{.votes = 1}, {.votes = 3}, {.votes = 1}, {.votes = 3}};
    struct xb_snrreq_report r = {
        .config = "sweep = { };", .model = "model.h5", .dataset = "synthetic",
        .noise = noise, .loss = 0.01, .level = 0.95, .n_models = 2, .n_votes = 2,
        .point = point, .sigma_train = sigma_train, .accuracy0 = acc0, .target = target,
        .signal_power = power, .votes = votes, .answers = ans, .gain_vote = gain_vote,
        .gain = gain};
    struct xb_h5_meta meta = {.command_line = "test", .seed = 5, .threads = 1};
    cr_assert_eq(xb_snrreq_write(ctx, path, &meta, &r), XB_OK, "%s", xb_ctx_error(ctx));
}

/* ---- the walk ------------------------------------------------------------------ */

struct walk {
    const char *file;
    unsigned kind;
    int add;                       /* additive noise: sigma in activation units */
    const struct xb_figure *figs;  /* mvm: its figures, and the device's parameters */
    size_t n_figs;
    const struct xb_device *device;
    int seen[XB_DS_N];
    int objects;
};

static char *attr(hid_t fid, const char *name, const char *a)
{
    hid_t id = H5Aopen_by_name(fid, name, a, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(id, 0, "%s: %s has no attribute %s", "file", name, a);
    hid_t t = H5Aget_type(id);
    cr_assert_eq(H5Tget_class(t), H5T_STRING, "%s: %s of %s is no string", "file", a, name);
    size_t size = H5Tget_size(t);
    char *v = xb_calloc(size + 1, 1);
    hid_t mem = H5Tcopy(t); /* the file's character set; room for the nul */
    H5Tset_size(mem, size + 1);
    cr_assert_geq(H5Aread(id, mem, v), 0, "%s: attribute %s", name, a);
    H5Tclose(mem), H5Tclose(t), H5Aclose(id);
    return v;
}

static void expect_attr(hid_t fid, const struct walk *w, const char *name, const char *a,
                        const char *want)
{
    char *v = attr(fid, name, a);
    cr_assert_str_eq(v, want, "%s: /%s: attribute %s is \"%s\"; the table says \"%s\"", w->file,
                     name, a, v, want);
    xb_free(v);
}

/* The figure (or device parameter) the dataset /group/NAME was written from. */
static void expect_figure(hid_t fid, const struct walk *w, const char *name,
                          const struct xb_layout_row *r)
{
    const char *leaf = strrchr(name, '/') + 1;
    if (r->id == XB_DS_MVM_FIGURE) {
        for (size_t i = 0; i < w->n_figs; i++)
            if (!strcmp(w->figs[i].name, leaf)) {
                expect_attr(fid, w, name, "units", w->figs[i].units);
                expect_attr(fid, w, name, "description", w->figs[i].description);
                return;
            }
    } else {
        const struct xb_device_type *t = w->device->type;
        for (size_t i = 0; i < t->n_params; i++)
            if (!strcmp(t->params[i].name, leaf)) {
                expect_attr(fid, w, name, "units", t->params[i].unit);
                expect_attr(fid, w, name, "description", t->params[i].help);
                return;
            }
    }
    cr_assert_fail("%s: /%s is no figure or device parameter", w->file, name);
}

/* The axes of the file's /study view: /study/axis_0, axis_1, ... */
static int study_axes(hid_t fid)
{
    int n = 0;
    for (;; n++) {
        char name[XB_LAYOUT_PATH_MAX];
        if (H5Lexists(fid, xb_layout_path(name, XB_DS_STUDY_AXIS, (size_t)n, NULL),
                      H5P_DEFAULT) <= 0)
            return n;
    }
}

static herr_t visit(hid_t fid, const char *name, const H5O_info_t *info, void *arg)
{
    struct walk *w = arg;
    if (!strcmp(name, "."))
        return 0;
    char path[256];
    snprintf(path, sizeof path, "/%s", name);
    const struct xb_layout_row *r = xb_layout_find(w->kind, path);
    cr_assert_not_null(r, "%s: %s is not in the layout table", w->file, path);
    w->seen[r->id]++;
    w->objects++;
    if (info->type == H5O_TYPE_GROUP) {
        cr_assert_eq(r->form, XB_FORM_GROUP, "%s: %s is a group; the table says %s", w->file,
                     path, xb_layout_type_name(r));
        return 0;
    }
    cr_assert_eq(info->type, H5O_TYPE_DATASET, "%s: %s", w->file, path);
    cr_assert_neq(r->form, XB_FORM_GROUP, "%s: %s is a dataset; the table says group", w->file,
                  path);
    hid_t d = H5Dopen2(fid, name, H5P_DEFAULT), t = H5Dget_type(d), s = H5Dget_space(d);
    H5T_class_t cls = H5Tget_class(t);
    int rank = H5Sget_simple_extent_ndims(s);
    switch (r->form) {
    case XB_FORM_ARRAY: {
        static const size_t size[] = {4, 8, 4, 1, 8};
        if (r->id == XB_DS_STUDY_AXIS && cls == H5T_STRING) {
            /* A string axis (sim/io/xb_study_layout.h): fixed-length strings. */
            cr_assert_eq(rank, 1, "%s: %s", w->file, path);
            break;
        }
        int is_float = r->type == XB_H5_F32 || r->type == XB_H5_F64;
        int is_signed = r->type == XB_H5_I32;
        cr_assert_eq(cls, is_float ? H5T_FLOAT : H5T_INTEGER, "%s: %s: type class %d; the table "
                     "says %s", w->file, path, (int)cls, xb_layout_type_name(r));
        cr_assert_eq(H5Tget_size(t), size[r->type], "%s: %s: %zu-byte elements; the table says "
                     "%s", w->file, path, H5Tget_size(t), xb_layout_type_name(r));
        if (!is_float)
            cr_assert_eq(H5Tget_sign(t), is_signed ? H5T_SGN_2 : H5T_SGN_NONE, "%s: %s", w->file,
                         path);
        /* The /study arrays: the study's N axes plus the row's rank. */
        int want = r->rank + (xb_layout_row_nd(r) ? study_axes(fid) : 0);
        cr_assert_eq(rank, want, "%s: %s has rank %d; the table says %d %s", w->file, path,
                     rank, want, r->shape);
        break;
    }
    case XB_FORM_TEXT:
        cr_assert(cls == H5T_STRING && H5Sget_simple_extent_type(s) == H5S_SCALAR,
                  "%s: %s: the table says a scalar string", w->file, path);
        break;
    case XB_FORM_FILES:
        cr_assert(cls == H5T_COMPOUND && rank == r->rank && H5Tget_nmembers(t) == 3,
                  "%s: %s: the table says %s rows", w->file, path, xb_layout_type_name(r));
        break;
    case XB_FORM_FIGURE:
        cr_assert(H5Sget_simple_extent_type(s) == H5S_SCALAR &&
                      (cls == H5T_FLOAT || cls == H5T_INTEGER || cls == H5T_STRING),
                  "%s: %s: the table says a scalar", w->file, path);
        break;
    case XB_FORM_GROUP:
        break;
    }
    H5Sclose(s), H5Tclose(t), H5Dclose(d);
    if (r->form == XB_FORM_FIGURE) {
        expect_figure(fid, w, name, r);
    } else {
        if (r->id == XB_DS_STUDY_AXIS) /* the axis key's own units: present */
            xb_free(attr(fid, name, "units"));
        else
            expect_attr(fid, w, name, "units",
                        w->add && r->units_add ? r->units_add : r->units);
        expect_attr(fid, w, name, "description", r->description);
    }
    return 0;
}

/* A walk of file, a result of kind. */
static struct walk check_file(const char *file, unsigned kind, int add)
{
    return (struct walk){.file = file, .kind = kind, .add = add};
}

/* Visits every object of the file, then checks that every row of its kind
 * that is always present was seen. */
static void walk(struct walk *w)
{
    hid_t fid = H5Fopen(w->file, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(fid, 0, "%s", w->file);
    cr_assert_geq(H5Ovisit(fid, H5_INDEX_NAME, H5_ITER_INC, visit, w), 0);
    H5Fclose(fid);
    cr_assert_eq(xb_layout_kind_of_file(w->file), w->kind, "%s", w->file);
    for (int k = 0; k < XB_DS_N; k++) {
        const struct xb_layout_row *r = xb_layout_row((enum xb_ds)k);
        if ((r->kinds & w->kind) && !r->when)
            cr_assert_gt(w->seen[k], 0, "%s: %s, always written, is missing", w->file, r->path);
    }
}

static char *out_path(const char *name)
{
    char *p = xb_malloc(strlen(dir) + strlen(name) + 8, 1);
    sprintf(p, "%s/%s.h5", dir, name);
    return p;
}

Test(layout, every_dataset_of_every_file_kind_is_a_row_of_the_table, .timeout = 300)
{
    struct xb_experiment *e = xb_malloc(1, sizeof *e);

    /* A multiplicative sweep with Adam, to the end. */
    experiment(e, "adam", "mult", 0, "mult");
    run(e, 0);
    struct walk w = check_file(e->output, XB_LAYOUT_SWEEP, 0);
    walk(&w);
    cr_assert(w.seen[XB_DS_SIGMA_TEST] && !w.seen[XB_DS_T_TEST]);
    cr_assert_eq(w.seen[XB_DS_PARAMS], 2, "a model per sigma_train");
    cr_assert_eq(w.seen[XB_DS_OPTIMIZER_V], 2, "Adam keeps its second moment");
    cr_assert_eq(w.seen[XB_DS_LOSS], 2);

    /* Additive with SGD: sigma in activation units, no second moment. */
    experiment(e, "sgd", "add", 0, "add");
    run(e, 0);
    w = check_file(e->output, XB_LAYOUT_SWEEP, 1);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_OPTIMIZER_V], 0);
    cr_assert_eq(w.seen[XB_DS_OPTIMIZER_M], 2);

    /* A checkpoint: saved before anything ran, and after one step. */
    experiment(e, "adam", "mult", 0, "checkpoint");
    run(e, -1);
    w = check_file(e->output, XB_LAYOUT_SWEEP, 0);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_EPOCHS_DONE], 2);
    cr_assert_eq(w.seen[XB_DS_PARAMS], 0, "no model is trained yet");
    run(e, 1);
    w = check_file(e->output, XB_LAYOUT_SWEEP, 0);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_PARAMS], 1, "one model trained one epoch");

    /* Device mode: the test axis is t. */
    experiment(e, "adam", "mult", 1, "device");
    run(e, 0);
    w = check_file(e->output, XB_LAYOUT_SWEEP, 0);
    walk(&w);
    cr_assert(w.seen[XB_DS_T_TEST] && !w.seen[XB_DS_SIGMA_TEST]);

    /* xbar train: one model, no test axis (as xb_run_sweep sets it up). */
    experiment(e, "adam", "mult", 0, "model");
    e->n_train = 1;
    e->n_test = 0;
    e->n_t = 0;
    run(e, 0);
    w = check_file(e->output, XB_LAYOUT_SWEEP, 0);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_PARAMS], 1);

    /* xbar mvm -o */
    struct xb_mvm_study s;
    struct xb_figure figs[XB_MVM_MAX_FIGURES];
    char *mvm = out_path("mvm");
    w = check_file(mvm, XB_LAYOUT_MVM, 0);
    mvm_file(mvm, &s, figs, &w.n_figs);
    w.figs = figs;
    w.device = &s.cfg.xbar.device;
    walk(&w);
    cr_assert_eq((size_t)w.seen[XB_DS_MVM_FIGURE], w.n_figs, "every figure is written");
    cr_assert_eq((size_t)w.seen[XB_DS_DEVICE_PARAM], s.cfg.xbar.device.type->n_params);
    xb_data_files_free(&s.files);
    xb_free(mvm);

    /* xbar snr-req -o, multiplicative and additive (signal_power) */
    char *req = out_path("snrreq");
    snrreq_file(req, XB_NOISE_MULT);
    w = check_file(req, XB_LAYOUT_SNRREQ, 0);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_SNRREQ_POWER], 0);
    cr_assert_eq(remove(req), 0);
    snrreq_file(req, XB_NOISE_ADD);
    w = check_file(req, XB_LAYOUT_SNRREQ, 1);
    walk(&w);
    cr_assert_eq(w.seen[XB_DS_SNRREQ_POWER], 1);
    xb_free(req);
    xb_free(e);
}

/* ---- the table itself ----------------------------------------------------------- */

/* Every row's path, filled, is found again as that row: no two rows of a
 * kind overlap, so a path names one row. */
Test(layout, paths_fill_and_match_one_row)
{
    char buf[XB_LAYOUT_PATH_MAX];
    cr_assert_str_eq(xb_layout_path(buf, XB_DS_PARAMS, 3, NULL), "/models/3/params");
    cr_assert_str_eq(xb_layout_path(buf, XB_DS_LOSS, 12, NULL), "/train/12/loss");
    cr_assert_str_eq(xb_layout_path(buf, XB_DS_MVM_FIGURE, 0, "snr_db"), "/mvm/snr_db");
    cr_assert_str_eq(xb_layout_path(buf, XB_DS_DONE, 7, NULL), "/sweep/done");
    for (int k = 0; k < XB_DS_N; k++) {
        const struct xb_layout_row *r = xb_layout_row((enum xb_ds)k);
        cr_assert_eq((int)r->id, k, "row %d says it is %d", k, (int)r->id);
        for (unsigned kind = 1; kind <= XB_LAYOUT_EVAL; kind <<= 1)
            if (r->kinds & kind)
                cr_assert_eq(xb_layout_find(kind, xb_layout_path(buf, r->id, 7, "name")), r,
                             "%s", buf);
        if (r->form == XB_FORM_ARRAY || r->form == XB_FORM_TEXT || r->form == XB_FORM_FILES)
            cr_assert(r->units && r->description && r->description[0], "%s", r->path);
    }
    cr_assert_null(xb_layout_find(XB_LAYOUT_SWEEP, "/models/x/params"));
    cr_assert_null(xb_layout_find(XB_LAYOUT_SWEEP, "/models//params"));
    cr_assert_null(xb_layout_find(XB_LAYOUT_SWEEP, "/models/1/params/more"));
    cr_assert_null(xb_layout_find(XB_LAYOUT_MVM, "/sweep/done"));
    cr_assert_eq(xb_layout_find(XB_LAYOUT_MVM, "/config"), xb_layout_row(XB_DS_MVM_CONFIG));
    cr_assert_eq(xb_layout_find(XB_LAYOUT_SWEEP, "/config"), xb_layout_row(XB_DS_CONFIG));
    cr_assert_eq(xb_layout_find(XB_LAYOUT_SNRREQ, "/config"),
                 xb_layout_row(XB_DS_SNRREQ_CONFIG));
    cr_assert_eq(xb_layout_find(XB_LAYOUT_ATTACK, "/config"), xb_layout_row(XB_DS_CONFIG));
    cr_assert_eq(xb_layout_find(XB_LAYOUT_EVAL, "/config"), xb_layout_row(XB_DS_CONFIG));
}

/* sim/README.md "Result files" names every row, so the page cannot lose
 * a dataset the table gains. */
Test(layout, the_readme_names_every_row)
{
    FILE *f = fopen("sim/README.md", "rb");
    cr_assert_not_null(f, "run from the repository root");
    char *text = xb_calloc(1 << 20, 1);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    cr_assert_gt(n, 0);
    for (int k = 0; k < XB_DS_N; k++) {
        char want[XB_LAYOUT_PATH_MAX + 2];
        snprintf(want, sizeof want, "`%s`", xb_layout_row((enum xb_ds)k)->path);
        cr_assert(strstr(text, want), "sim/README.md does not name %s", want);
    }
    xb_free(text);
}

/* Replaces dataset name of file with a float32 array of dims. */
static void replace(const char *file, const char *name, hid_t type, int rank,
                    const hsize_t *dims)
{
    hid_t fid = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(fid, 0);
    cr_assert_geq(H5Ldelete(fid, name, H5P_DEFAULT), 0);
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(fid, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t n = 1;
    for (int k = 0; k < rank; k++)
        n *= dims[k];
    float *zero = xb_calloc(n, sizeof *zero);
    cr_assert_geq(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zero), 0);
    xb_free(zero);
    H5Dclose(d), H5Sclose(s), H5Fclose(fid);
}

/* The readers hold a file to the table's rank and type, and say so. */
Test(layout, readers_check_rank_and_type_against_the_table, .timeout = 120)
{
    struct xb_experiment e;
    experiment(&e, "adam", "mult", 0, "r");
    e.n_train = 1;
    run(&e, 1);
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &e.model, 1, &net), XB_OK);
    size_t n = xb_net_n_params(net);
    float *p = xb_malloc(n, sizeof *p);
    cr_assert_eq(xb_layout_read(ctx, e.output, XB_DS_PARAMS, 0, p, n, 1, "the model"), XB_OK,
                 "%s", xb_ctx_error(ctx));

    /* The same values as a matrix: the count agrees, the rank does not. */
    hsize_t dims[2] = {n / 16, 16};
    cr_assert_eq(n % 16, 0);
    replace(e.output, "/models/0/params", H5T_IEEE_F32LE, 2, dims);
    cr_assert_eq(xb_layout_read(ctx, e.output, XB_DS_PARAMS, 0, p, n, 1, "the model"),
                 XB_ESHAPE);
    const char *msg = xb_ctx_error(ctx);
    cr_assert(strstr(msg, e.output) && strstr(msg, "/models/0/params") &&
                  strstr(msg, "rank 2") && strstr(msg, "float32 [n_params]"), "%s", msg);

    /* Integers where the table says float32. */
    dims[0] = n;
    replace(e.output, "/models/0/params", H5T_STD_I32LE, 1, dims);
    cr_assert_eq(xb_layout_read(ctx, e.output, XB_DS_PARAMS, 0, p, n, 1, "the model"),
                 XB_EFORMAT);
    msg = xb_ctx_error(ctx);
    cr_assert(strstr(msg, e.output) && strstr(msg, "/models/0/params") &&
                  strstr(msg, "float32 [n_params]"), "%s", msg);

    /* Missing: the expectation is named too. */
    cr_assert_eq(xb_layout_read(ctx, e.output, XB_DS_PARAMS, 4, p, n, 1, "the model"),
                 XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "/models/4/params") &&
              strstr(xb_ctx_error(ctx), "float32 [n_params]"), "%s", xb_ctx_error(ctx));
    xb_free(p);
    xb_net_free(net);
}

/* xbar info --datasets: each object with the table's units and description;
 * an object xbar does not write is marked. */
Test(layout, info_lists_units_and_descriptions_from_the_table, .timeout = 120)
{
    struct xb_experiment e;
    experiment(&e, "adam", "mult", 0, "i");
    e.n_train = 1;
    run(&e, 0);
    hid_t fid = H5Fopen(e.output, H5F_ACC_RDWR, H5P_DEFAULT);
    hsize_t one = 1;
    hid_t s = H5Screate_simple(1, &one, NULL);
    H5Dclose(H5Dcreate2(fid, "extra", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT));
    H5Sclose(s), H5Fclose(fid);
    char *text;
    cr_assert_eq(xb_layout_list(ctx, e.output, &text), XB_OK, "%s", xb_ctx_error(ctx));
    char want[1024];
    const struct xb_layout_row *r = xb_layout_row(XB_DS_ACCURACY);
    snprintf(want, sizeof want, "%s: float64 [1 x 2 x 2]; units %s; %s\n", r->path, r->units,
             r->description);
    cr_assert(strstr(text, want), "%s\nlacks\n%s", text, want);
    r = xb_layout_row(XB_DS_LOSS);
    snprintf(want, sizeof want, "/train/0/loss: float64 [1]; units %s; %s\n", r->units,
             r->description);
    cr_assert(strstr(text, want), "%s\nlacks\n%s", text, want);
    cr_assert(strstr(text, "/extra: float64 [1]; not in xbar's layout\n"), "%s", text);
    cr_assert(strstr(text, "/models/0: group\n"), "%s", text);
    xb_free(text);
}

/* ---- the model-parameter layout of sim/README.md ------------------------------------ */

static size_t align16(size_t n) { return (n + 15) / 16 * 16; }

/* The documented slices of one layer, from its config and input shape:
 * sizes in order (weights, bias, or gamma, beta, running mean, running
 * var), as sim/README.md "Model parameters" states them. */
static size_t documented_slices(const struct xb_layer_config *c, struct xb_shape in,
                                size_t sizes[4])
{
    size_t C = (size_t)in.c, in_size = (size_t)in.c * (size_t)in.h * (size_t)in.w;
    size_t units = (size_t)c->units, k = (size_t)c->kernel;
    if (!strcmp(c->type, "dense")) {
        sizes[0] = units * in_size, sizes[1] = units;
        return 2;
    }
    if (!strcmp(c->type, "conv2d")) {
        sizes[0] = units * C * k * k, sizes[1] = units;
        return 2;
    }
    if (!strcmp(c->type, "lstm")) {
        size_t H = units, F = (size_t)in.w;
        sizes[0] = 4 * H * (F + H), sizes[1] = 4 * H;
        return 2;
    }
    if (!strcmp(c->type, "batchnorm")) {
        for (int j = 0; j < 4; j++)
            sizes[j] = C;
        return c->fixed ? 2 : 4;
    }
    return 0;
}

/* For a model config: the documented offsets equal the net's own views,
 * the documented total its parameter count; after initialisation the
 * slices hold what the documentation says they are (batchnorm: gamma 1,
 * beta 0, running mean 0, running var 1); and with every parameter 0 but
 * the documented bias of the last dense layer, the logits are that bias. */
static void check_model(const char *config)
{
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    cr_assert_eq(xb_experiment_read(ctx, config, NULL, 0, e), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_net *net;
    cr_assert_eq(xb_net_create(ctx, &e->model, 1, &net), XB_OK, "%s", xb_ctx_error(ctx));
    xb_net_init(net, 3);
    float *base = xb_net_params(net);
    size_t off = 0, last_bias = 0, last_units = 0;
    int checked = 0;
    for (size_t k = 0; k < xb_net_n_layers(net); k++) {
        struct xb_layer *l = xb_net_layer(net, k);
        const struct xb_layer_config *c = &e->model.layers[k];
        size_t sizes[4], n = documented_slices(c, l->in, sizes), total = 0;
        for (size_t j = 0; j < n; j++)
            total += sizes[j];
        cr_assert_eq(l->n_params, total, "%s layer %zu (%s): %zu parameters, documented %zu",
                     config, k, c->type, l->n_params, total);
        if (!total)
            continue;
        off = align16(off);
        cr_assert_eq((size_t)(l->params - base), off, "%s layer %zu (%s): at %zu, documented %zu",
                     config, k, c->type, (size_t)(l->params - base), off);
        if (!strcmp(c->type, "batchnorm")) {
            const float want[4] = {1, 0, 0, 1}; /* gamma, beta, mean, var */
            size_t at = off;
            for (size_t j = 0; j < n; j++) {
                for (size_t i = 0; i < sizes[j]; i++)
                    cr_assert_eq(base[at + i], want[c->fixed ? j + 2 : j], "%s layer %zu",
                                 config, k);
                at += sizes[j];
            }
        }
        if (!strcmp(c->type, "dense"))
            last_bias = off + sizes[0], last_units = sizes[1];
        off += total;
        checked++;
    }
    cr_assert_eq(xb_net_n_params(net), align16(off), "%s: total", config);
    cr_assert_gt(checked, 0);

    memset(base, 0, xb_net_n_params(net) * sizeof *base);
    for (size_t j = 0; j < last_units; j++)
        base[last_bias + j] = 0.25f * (float)(j + 1);
    float *x = xb_calloc(xb_shape_size(e->model.input), sizeof *x);
    struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = 1, .addr = {.batch = 1},
                           .noise = XB_NOISE_NONE};
    const float *logits = xb_net_forward(net, &pass, x);
    for (size_t j = 0; j < last_units; j++)
        cr_assert_eq(logits[j], 0.25f * (float)(j + 1), "%s: logit %zu", config, j);
    xb_free(x);
    xb_net_free(net);
    xb_free(e);
}

Test(layout, documented_parameter_layout_matches_the_nets, .timeout = 120)
{
    /* Sizes that are not multiples of 16, so the rounding of offsets
     * shows: 30, 12, 6, 240, 60 and 60 parameters. */
    char odd[256];
    snprintf(odd, sizeof odd, "%s/odd.cfg", dir);
    FILE *f = fopen(odd, "w");
    cr_assert_not_null(f);
    fprintf(f, "model = { name = \"odd\"; input = [1, 8, 8]; classes = 10;\n"
               "  layers = ( { type = \"conv2d\"; units = 3; kernel = 3; },\n"
               "    { type = \"batchnorm\"; }, { type = \"batchnorm\"; fixed = true; },\n"
               "    { type = \"relu\"; }, { type = \"lstm\"; units = 5; },\n"
               "    { type = \"dense\"; units = 10; }, { type = \"dense\"; units = 10; } ); };\n"
               "data = { set = \"synthetic\"; };\n"
               "sweep = { sigma_train = [0.0]; sigma_test = [0.0]; };\n");
    fclose(f);
    check_model(odd);
    check_model("configs/quickstart.cfg");                  /* mlp */
    check_model("configs/paper001/cnn6_mnist_mult.cfg");    /* cnn6 */
    check_model("configs/paper001/cnn6_mnist_add.cfg");     /* cnn6, fixed batchnorm */
    check_model("configs/paper001/lstm128_mnist_mult.cfg"); /* lstm128 */
}
