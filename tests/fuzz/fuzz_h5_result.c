/*
 * fuzz_h5_result — the result-file readers: `xbar info` (xb_sweep_read),
 * `xbar plot` and the exports (xb_study_read of the N-D view /study),
 * `xbar sweep --resume` (xb_sweep_create reading the checkpoint back) and
 * `xbar eval --model` (xb_layout_read of /models/N/params, as
 * sim/cli/xb_cmd_eval.c calls it).
 *
 * At start-up the harness runs a real study (synthetic data, a 640-weight
 * MLP, a train.lr axis of 2 values x 2 sigma_train x 2 sigma_test, one
 * epoch) into result.h5 and keeps its bytes. Each input is a list of
 * structural edits of a copy of it (xb_fuzz.h): up to 8 times, a byte
 * picks one of the file's datasets or attributes, and the following bytes
 * say what it becomes — gone, a group, or a dataset or attribute of any
 * type class, rank, shape (huge ones too) and values (NaN, infinities, out
 * of range). The three readers then read the file. Besides "no crash, no
 * sanitizer report": what they accept has the shape of the experiment.
 */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_fuzz.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_net.h"
#include "xb_study_read.h"
#include "xb_sweep.h"
#include "xb_sweep_layout.h"
#include "xb_sweep_run.h"

static const char *const datasets[] = {
    "/config", "/sweep/sigma_train", "/sweep/sigma_test", "/sweep/t_test", "/sweep/snr_db",
    "/sweep/votes", "/sweep/accuracy", "/sweep/accuracy_vote", "/sweep/done",
    "/models/0/params", "/models/0/epochs_done", "/models/0/steps", "/models/0/optimizer_m",
    "/models/0/optimizer_v", "/train/0/loss", "/train/0/val_accuracy", "/models/1/epochs_done",
    "/models/1/params", "/models/1/steps", "/train/1/loss", "/models",
    "/study/accuracy", "/study/accuracy_vote", "/study/axis_0", "/study/axis_1",
    "/study/axis_2", "/study/done", "/study/snr_db_measured", "/study/energy",
    "/study/latency_pipelined", "/study"};
#define N_DATASETS (sizeof datasets / sizeof *datasets)
static const char *const attrs[][2] = {
    {"/", "xbar_version"}, {"/", "git_commit"},      {"/", "created"},
    {"/", "seed"},         {"/", "threads"},         {"/", "command_line"},
    {"/sweep", "noise_model"}, {"/sweep", "dataset"}, {"/sweep", "model"},
    {"/sweep", "test_axis"}, {"/sweep/accuracy", "units"}, {"/config", "description"},
    {"/study/axis_0", "key"}, {"/study/axis_0", "trains"}, {"/study/axis_1", "units"},
    {"/study/axis_2", "key"}};
#define N_ATTRS (sizeof attrs / sizeof *attrs)

static struct xb_ctx *ctx;
static struct xb_experiment *e;
static struct xb_dataset *train, *val, *test;
static struct xb_sweep_data data;
static size_t n_params;
static char path[4096];
static unsigned char *base;
static size_t base_size;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_h5_result: %s: %s\n", what, xb_ctx_error(ctx));
    abort();
}

/* The experiment, its data and the bytes of its finished sweep. */
static void setup(void)
{
    ctx = xb_fuzz_ctx();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char cfg[4096];
    xb_fuzz_path(cfg, "base.cfg");
    xb_fuzz_path(path, "result.h5");
    char text[2048];
    int len = snprintf(text, sizeof text,
        "data = { set = \"synthetic\"; validation = 0.1; };\n"
        "model = { name = \"t\"; input = [1, 8, 8]; classes = 10;\n"
        "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 10; } ); };\n"
        "train = { optimizer = \"adam\"; lr = 0.01; batch = 32; epochs = 1; };\n"
        "sweep = { noise = \"mult\"; sigma_train = [0.0, 0.5]; sigma_test = [0.0, 0.5];\n"
        "  repeats = 2; votes = 3; eval_rows = 64; output = \"%s\"; };\n"
        "study = { axes = ( { key = \"train.lr\"; values = [0.01, 0.02]; } ); };\n", path);
    xb_fuzz_write(cfg, text, (size_t)len);
    e = xb_malloc(1, sizeof *e);
    struct xb_sweep *s;
    if (xb_experiment_read(ctx, cfg, NULL, 0, e) || xb_run_load_data(ctx, e, &train, &val, &test))
        die("experiment");
    data = (struct xb_sweep_data){.train = {train->x, train->y, train->n},
                                  .val = {val->x, val->y, val->n},
                                  .test = {test->x, test->y, test->n}};
    if (xb_sweep_create(ctx, e, &data, "fuzz", 0, &s))
        die("sweep");
    while (xb_sweep_pending(s))
        if (xb_sweep_step(ctx, s, 1))
            die("sweep step");
    if (xb_sweep_save(ctx, s))
        die("sweep save");
    xb_sweep_free(s);
    struct xb_net *net;
    if (xb_net_create(ctx, &e->model, e->eval_rows, &net))
        die("net");
    n_params = xb_net_n_params(net);
    xb_net_free(net);
    FILE *f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (base_size = (size_t)ftell(f)) == 0)
        die("result.h5");
    rewind(f);
    base = xb_malloc(base_size, 1);
    if (fread(base, 1, base_size, f) != base_size)
        die("result.h5");
    fclose(f);
}

static void edit(hid_t fid, struct xb_fuzz_bytes *b)
{
    uint8_t k = xb_fuzz_byte(b) % (N_DATASETS + N_ATTRS);
    if (k < N_DATASETS) {
        const char *name = datasets[k];
        if (H5Lexists(fid, "/models", H5P_DEFAULT) > 0 || strncmp(name, "/models/", 8))
            if (H5Lexists(fid, name, H5P_DEFAULT) > 0)
                H5Ldelete(fid, name, H5P_DEFAULT);
        xb_fuzz_h5_object(fid, name, b);
        return;
    }
    const char *obj = attrs[k - N_DATASETS][0], *name = attrs[k - N_DATASETS][1];
    if (strcmp(obj, "/") && H5Lexists(fid, obj, H5P_DEFAULT) <= 0)
        return;
    hid_t o = H5Oopen(fid, obj, H5P_DEFAULT);
    if (o < 0)
        return;
    if (H5Aexists(o, name) > 0)
        H5Adelete(o, name);
    xb_fuzz_h5_attr(o, name, b);
    H5Oclose(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (!ctx)
        setup();
    xb_fuzz_write(path, base, base_size);
    struct xb_fuzz_bytes b = {bytes, size};
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (fid < 0)
        die("reopen");
    for (int i = 0; i < 8 && b.n; i++)
        edit(fid, &b);
    H5Fclose(fid);

    /* xbar info */
    struct xb_sweep_result r;
    if (xb_fuzz_outcome(ctx, "info", xb_sweep_read(ctx, path, &r)) == XB_OK) {
        xb_fuzz_check(r.n_train >= 1 && r.n_test >= 1, "info: an empty grid", NULL);
        xb_sweep_result_free(&r);
    }
    /* xbar plot, info --csv/--json */
    struct xb_study_result sr;
    if (xb_fuzz_outcome(ctx, "study", xb_study_read(ctx, path, &sr)) == XB_OK) {
        size_t n = 1;
        for (size_t k = 0; k < sr.n_axes; k++)
            n *= sr.axis[k].n;
        xb_fuzz_check(sr.n_axes >= 1 && sr.n_axes <= XB_STUDY_MAX_AXES && n == sr.n_points,
                      "study: the points are not the product of the axes", NULL);
        for (size_t i = 0; i < sr.n_points * sr.n_repeat; i++)
            xb_fuzz_check(!sr.done[i / sr.n_repeat] || (sr.accuracy[i] >= 0.0 &&
                                                         sr.accuracy[i] <= 1.0),
                          "study: a done accuracy outside [0, 1]", NULL);
        xb_study_result_free(&sr);
    }
    /* xbar sweep --resume */
    struct xb_sweep *s = NULL;
    if (xb_fuzz_outcome(ctx, "resume", xb_sweep_create(ctx, e, &data, "fuzz", 1, &s)) == XB_OK) {
        size_t done, total;
        xb_sweep_progress(s, &done, &total);
        xb_fuzz_check(done <= total, "resume: more done than the grid holds", NULL);
        xb_sweep_free(s);
    } else {
        xb_fuzz_check(s == NULL, "resume: a failed create left a sweep", NULL);
    }
    /* xbar eval --model FILE --point 0 */
    float *p = xb_malloc(n_params, sizeof *p);
    if (xb_fuzz_outcome(ctx, "eval", xb_layout_read(ctx, path, XB_DS_PARAMS, 0, p, n_params, 1,
                                                    "the model")) == XB_OK)
        for (size_t i = 0; i < n_params; i++)
            xb_fuzz_check(isfinite(p[i]), "eval: a non-finite parameter loaded", NULL);
    xb_free(p);
    return 0;
}
