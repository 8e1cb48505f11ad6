/*
 * Experiment files: the shipped configs parse; bad ones fail before any
 * work, naming the file, the line and the key.
 */
#include <glob.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_test_expect.h"

static struct xb_ctx *ctx;
static struct xb_experiment e;
static char dir[] = "/tmp/xbar-exp-XXXXXX";

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
TestSuite(experiment, .init = setup, .fini = teardown);

static const char *model =
    "model = { name = \"t\"; input = [1, 8, 8]; classes = 10;\n"
    "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 10; } ); };\n";

/* Writes model + body into a file and reads it; returns the status. */
static enum xb_status read_text(const char *body, const char *const *sets, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/e.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(model, f);
    fputs(body, f);
    fclose(f);
    return xb_experiment_read(ctx, path, sets, n, &e);
}

static void expect(enum xb_status st, const char *a, const char *b)
{
    xb_test_expect_error(ctx, st, a, b);
}

/* The resolved text of e, written to dir/name and read back, gives the same
 * text; returned (xb_free). */
static char *round_trip(const char *name)
{
    char *text = xb_experiment_text(&e), path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    struct xb_experiment e2;
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e2), XB_OK, "%s", xb_ctx_error(ctx));
    char *text2 = xb_experiment_text(&e2);
    cr_assert_str_eq(text, text2);
    xb_free(text2);
    return text;
}

Test(experiment, shipped_configs_parse)
{
    /* Every experiment file shipped, found by pattern so a new one cannot
     * be missed (configs/models/ and configs/devices/ hold fragments that
     * experiments include). */
    glob_t g;
    cr_assert_eq(glob("configs/*.cfg", 0, NULL, &g), 0);
    cr_assert_eq(glob("configs/[!dm]*/*.cfg", GLOB_APPEND, NULL, &g), 0);
    cr_assert_geq(g.gl_pathc, 30, "only %zu shipped experiment files found", g.gl_pathc);
    for (size_t k = 0; k < g.gl_pathc; k++)
        cr_assert_eq(xb_experiment_read(ctx, g.gl_pathv[k], NULL, 0, &e), XB_OK, "%s: %s",
                     g.gl_pathv[k], xb_ctx_error(ctx));
    globfree(&g);
    /* Paper 000's spiking attack files: each model group (snn50 for STBP and
     * STBP-N, snn50_lr for the NIT rows), its data and the shared attack
     * group with the paper's settings (§4) and the four surrogates. */
    const char *atk[] = {"configs/attacks/paper000_snn50_mnist.cfg",
                         "configs/attacks/paper000_snn50_lr_mnist.cfg",
                         "configs/attacks/paper000_snn50_fashion.cfg",
                         "configs/attacks/paper000_snn50_lr_fashion.cfg"};
    for (size_t k = 0; k < sizeof atk / sizeof *atk; k++) {
        cr_assert_eq(xb_experiment_read(ctx, atk[k], NULL, 0, &e), XB_OK, "%s: %s", atk[k],
                     xb_ctx_error(ctx));
        cr_assert(e.have_attack && e.n_attack_eps == 1 && e.attack_eps[0] == 0.1, "%s", atk[k]);
        cr_assert(e.attack.step == 0.01 && e.attack.steps == 15 && e.attack_images == 1000 &&
                  e.attack.nattack_pop == 100 && e.attack.nattack_iters == 50 &&
                  e.attack.transfer_mu == 0.9, "%s", atk[k]);
        int sur[XB_EXP_MAX_SURROGATES];
        size_t n_sur = 0;
        cr_assert_eq(xb_experiment_attack_surrogates(ctx, &e, sur, XB_EXP_MAX_SURROGATES, &n_sur),
                     XB_OK);
        cr_assert_eq(n_sur, 4, "%s", atk[k]);
        cr_assert_str_eq(e.model_name, k % 2 ? "snn50_lr" : "snn50");
        cr_assert_str_eq(e.dataset, k < 2 ? "mnist" : "fashion-mnist");
    }
    cr_assert_eq(xb_experiment_read(ctx, "configs/quickstart.cfg", NULL, 0, &e), XB_OK);
    cr_assert_eq(e.n_train, 3);
    cr_assert_eq(e.n_test, 6);
    cr_assert_eq(e.votes, 20);
    cr_assert_eq(e.noise, XB_NOISE_MULT);
    cr_assert_eq(e.model.n_layers, 9);
    cr_assert_str_eq(e.model_name, "mlp");
    /* The stroke sequences' options reach the experiment and its text. */
    cr_assert_eq(xb_experiment_read(ctx, "configs/paper001/lstm128_strokes_mult.cfg", NULL, 0, &e),
                 XB_OK);
    cr_assert_eq(e.data_steps, 64);
    cr_assert_eq(e.data_features, 2);
    char *st = xb_experiment_text(&e);
    cr_assert(strstr(st, "steps = 64; features = 2;"), "%s", st);
    xb_free(st);
    cr_assert_eq(xb_experiment_read(ctx, "configs/quickstart.cfg", NULL, 0, &e), XB_OK);
    xb_free(round_trip("round.cfg"));
}

/* The spiking layers' fields reach the layers and the resolved text, which
 * reads back to the same experiment; a spiking field on another kind and
 * an encoder without steps are refused, naming the field. */
Test(experiment, spiking_layers_round_trip)
{
    cr_assert_eq(xb_experiment_read(ctx, "configs/paper000/snn50_mnist_stbpn.cfg", NULL, 0, &e),
                 XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.model.n_layers, 3);
    cr_assert_eq(e.model.layers[0].steps, 10);
    cr_assert_eq(e.model.layers[0].encoding, 2); /* bernoulli */
    cr_assert(e.model.layers[2].leak == 0.5 && e.model.layers[2].readout == 3);
    char *text = round_trip("snn.cfg");
    cr_assert(strstr(text, "readout = \"membrane-sum\";"), "%s", text);
    cr_assert(strstr(text, "encoding = \"bernoulli\";"), "%s", text);
    xb_free(text);
    struct xb_net *net;
    struct xb_net_config bad = e.model;
    snprintf(bad.layers[1].type, sizeof bad.layers[1].type, "dense");
    bad.layers[1].readout = 0;
    cr_assert_neq(xb_net_create(ctx, &bad, 4, &net), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "field 'leak' is set but a dense layer does not use it"),
              "%s", xb_ctx_error(ctx));
    bad = e.model;
    bad.layers[0].steps = 0;
    cr_assert_neq(xb_net_create(ctx, &bad, 4, &net), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "steps = 0: expected the number of time steps"), "%s",
              xb_ctx_error(ctx));
}

/* `xbar train` runs a sweep with no test axis; its text (compared by
 * --resume) says so, whatever an earlier text left on the stack. */
Test(experiment, an_empty_test_axis_reads_as_empty)
{
    cr_assert_eq(xb_experiment_read(ctx, "configs/quickstart.cfg", NULL, 0, &e), XB_OK);
    char *full = xb_experiment_text(&e);
    e.n_test = 0;
    char *empty = xb_experiment_text(&e);
    cr_assert(strstr(empty, "  sigma_test = [];\n"), "%s", empty);
    xb_free(full), xb_free(empty);
}

Test(experiment, unknown_key_names_line)
{
    expect(read_text("train = { epochs = 3;\n  learning_rate = 0.1; };\n", NULL, 0), ":4:",
           "train.learning_rate");
}

Test(experiment, wrong_type)
{
    expect(read_text("train = { epochs = \"ten\"; };\n", NULL, 0), ":3:", "train.epochs");
}

Test(experiment, negative_sigma)
{
    expect(read_text("sweep = { sigma_test = [0.0, -0.5]; };\n", NULL, 0), ":3:",
           "sweep.sigma_test");
}

Test(experiment, empty_grid)
{
    expect(read_text("sweep = { sigma_train = []; };\n", NULL, 0), "sweep.sigma_train", "empty");
}

Test(experiment, unknown_data_set)
{
    expect(read_text("data = { set = \"imagenet\"; };\n", NULL, 0), "data.set", "imagenet");
}

Test(experiment, unknown_layer_type)
{
    char path[256];
    snprintf(path, sizeof path, "%s/l.cfg", dir);
    FILE *f = fopen(path, "w");
    fputs("model = { input = [1, 8, 8]; classes = 10;\n  layers = ( { type = \"dense\"; "
          "units = 10; },\n    { type = \"softplus\"; } ); };\n", f);
    fclose(f);
    expect(xb_experiment_read(ctx, path, NULL, 0, &e), ":3:", "softplus");
}

Test(experiment, unknown_group_and_syntax)
{
    expect(read_text("optimiser = { lr = 1; };\n", NULL, 0), ":3:", "optimiser");
    expect(read_text("train = { epochs = ; };\n", NULL, 0), "e.cfg:3", NULL);
}

/* libconfig 1.5 exits the process on an @include of a directory (found by
 * tests/fuzz/fuzz_experiment): the reader refuses it first, naming the
 * line; an @include in a comment or a string is not one. */
Test(experiment, include_of_a_directory)
{
    char sub[300];
    snprintf(sub, sizeof sub, "%s/models", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    expect(read_text("# x\n  @include \"models\"\n", NULL, 0), "e.cfg:4: @include \"models\"",
           "is a directory");
    /* libconfig drops a stray backslash (and cuts at a NUL), opening
     * "models" here: such names are refused, not guessed at. */
    expect(read_text("@include \"\\models\"\n", NULL, 0), "e.cfg:3: @include \"\\models\"",
           "a NUL byte or a backslash");
    expect(read_text("# @include \"models\"\n/*\n@include \"models\"\n*/\n"
                     "train = { epochs = ; };\n", NULL, 0), "e.cfg:7", NULL);
    cr_assert_null(strstr(xb_ctx_error(ctx), "@include"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(rmdir(sub), 0);
    /* A file that includes itself four times: libconfig stops at depth 10;
     * the check before it visits at most 64 files, not 4^10. */
    char path[256];
    snprintf(path, sizeof path, "%s/self.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (int k = 0; k < 4; k++)
        fputs("@include \"self.cfg\"\n", f);
    fclose(f);
    expect(xb_experiment_read(ctx, path, NULL, 0, &e), "nesting too deep", NULL);
}

/* libconfig ignores what follows an @include and an unclosed slash-star on
 * one line; the integer scan (sim/config/xb_cfgint.c) saw the self-includes after
 * it and branched 4^10 times (found by tests/fuzz/fuzz_experiment as a
 * hang). It stops after 64 files: the file reads at once; without the
 * bound, eight self-includes here are 8^10 scans and the test never ends. */
Test(experiment, integer_scan_bounded)
{
    char path[256];
    snprintf(path, sizeof path, "%s/m.cfg", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(model, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/self.cfg", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("@include \"m.cfg\" /*\n", f);
    for (int k = 0; k < 8; k++)
        fputs("@include \"self.cfg\"\n", f);
    fclose(f);
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(e.model_name, "t");
}

Test(experiment, set_overrides_and_errors)
{
    const char *ok[] = {"train.epochs=2", "sweep.sigma_test=0,0.5"};
    cr_assert_eq(read_text("", ok, 2), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.epochs, 2);
    cr_assert_eq(e.n_test, 2);
    cr_assert(e.sigma_test[1] == 0.5);
    const char *bad[] = {"train.epochs=-1"};
    expect(read_text("", bad, 1), "--set train.epochs=-1", NULL);
    const char *unknown[] = {"train.nope=1"};
    expect(read_text("", unknown, 1), "--set train.nope=1", "unknown");
}

Test(experiment, missing_file)
{
    expect(xb_experiment_read(ctx, "/nonexistent/x.cfg", NULL, 0, &e), "/nonexistent/x.cfg",
           NULL);
}

/* ---- device presets ------------------------------------------------------ */

static const char *device_body =
    "sweep = { sigma_train = [0.0, 0.3]; test = \"device\"; t = [1.0, 3600.0];\n"
    "  repeats = 2; votes = 3; };\n"
    "device = { type = \"pcm\"; g_max = 20.0; };\n"
    "xbar = { tile_rows = 128; adc_bits = 8; adc_range = \"max\"; drift_comp = true;\n"
    "  t = 60.0; };\n"
    "train = { hw_aware = true; };\n";

Test(experiment, shipped_device_config)
{
    cr_assert_eq(xb_experiment_read(ctx, "configs/pcm_mlp_mnist.cfg", NULL, 0, &e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert(e.test_device && e.have_device);
    cr_assert_str_eq(e.device.xbar.device.type->name, "pcm");
    cr_assert_eq(e.n_t, 4);
    cr_assert(e.t_test[3] == 2592000.0);
    cr_assert_eq(e.n_train, 3);
    cr_assert_eq(e.repeats, 3);
    cr_assert_eq(e.votes, 10);
    cr_assert_eq(e.device.xbar.tile_rows, 256);
    cr_assert_eq(e.device.xbar.dac_bits, 8);
    cr_assert_eq(e.device.xbar.adc_bits, 8);
    cr_assert(e.device.xbar.drift_comp);
    cr_assert(!e.train.hw_aware);
}

Test(experiment, device_groups_round_trip)
{
    cr_assert_eq(read_text(device_body, NULL, 0), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(e.test_device && e.train.hw_aware);
    cr_assert_eq(e.device.xbar.tile_rows, 128);
    /* hw_aware trains on the group's device, read at xbar.t. */
    cr_assert(e.train.device_t == 60.0);
    cr_assert_eq(e.train.device.tile_rows, 128);
    cr_assert_eq(e.train.device.adc_bits, 8);
    cr_assert_str_eq(e.train.device.device.type->name, "pcm");
    char *text = xb_experiment_text(&e), path[256];
    cr_assert(strstr(text, "test = \"device\"") && strstr(text, "hw_aware = true") &&
              strstr(text, "type = \"pcm\""), "%s", text);
    snprintf(path, sizeof path, "%s/round_dev.cfg", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    static struct xb_experiment e2;
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e2), XB_OK, "%s", xb_ctx_error(ctx));
    char *text2 = xb_experiment_text(&e2);
    cr_assert_str_eq(text, text2);
    xb_free(text), xb_free(text2);
    /* --set reaches the device groups too. */
    const char *sets[] = {"xbar.adc_bits=6", "device.g_max=25"};
    cr_assert_eq(read_text(device_body, sets, 2), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.device.xbar.adc_bits, 6);
}

/* Strings holding quotes, backslashes and control characters (found by
 * tests/fuzz/fuzz_experiment): the resolved text escapes them, so it reads
 * back to the same strings and the same text (--resume compares it). */
Test(experiment, strings_round_trip)
{
    cr_assert_eq(read_text("sweep = { output = \"a\\\"b\\\\c\\x01\\td\"; };\n"
                           "data = { dir = \"x\\ny\\x7F\\r\\f\"; set = \"synthetic\"; };\n",
                           NULL, 0),
                 XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(e.output, "a\"b\\c\x01\td");
    cr_assert_str_eq(e.data_dir, "x\ny\x7f\r\f");
    char *text = xb_experiment_text(&e), path[256];
    cr_assert(strstr(text, "output = \"a\\\"b\\\\c\\x01\\td\";"), "%s", text);
    snprintf(path, sizeof path, "%s/round_str.cfg", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    static struct xb_experiment e2;
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e2), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(e2.output, e.output);
    cr_assert_str_eq(e2.data_dir, e.data_dir);
    char *text2 = xb_experiment_text(&e2);
    cr_assert_str_eq(text, text2);
    xb_free(text), xb_free(text2);
}

Test(experiment, noise_text_unchanged_by_device_keys)
{
    /* A noise sweep's text (compared on --resume) mentions none of them. */
    cr_assert_eq(read_text("", NULL, 0), XB_OK, "%s", xb_ctx_error(ctx));
    char *text = xb_experiment_text(&e);
    cr_assert(!strstr(text, " test =") && !strstr(text, " t =") && !strstr(text, "hw_aware") &&
                  !strstr(text, "device = {") && !strstr(text, "xbar = {"),
              "%s", text);
    xb_free(text);
}

Test(experiment, bad_read_times)
{
    expect(read_text("sweep = { test = \"device\"; t = [1.0, -5.0]; };\n"
                     "device = { type = \"pcm\"; };\n", NULL, 0), ":3:", "sweep.t");
    expect(read_text("sweep = { test = \"device\"; t = []; };\n"
                     "device = { type = \"pcm\"; };\n", NULL, 0), "sweep.t", "empty");
    /* Device mode needs read times and a device. */
    expect(read_text("sweep = { test = \"device\"; };\ndevice = { type = \"pcm\"; };\n",
                     NULL, 0), "sweep.t", NULL);
    expect(read_text("sweep = { test = \"device\"; t = [1.0]; };\n", NULL, 0), "device",
           NULL);
    expect(read_text("sweep = { test = \"chip\"; };\n", NULL, 0), ":3:", "sweep.test");
    expect(read_text("train = { hw_aware = 1; };\n", NULL, 0), ":3:", "train.hw_aware");
}

Test(experiment, unknown_device_key_names_line)
{
    expect(read_text("sweep = { test = \"device\"; t = [1.0]; };\n"
                     "device = { type = \"pcm\";\n  g_maxx = 3.0; };\n", NULL, 0), ":5:",
           "g_maxx");
    expect(read_text("xbar = { tile_rows = 64;\n  adc_bitz = 8; };\n", NULL, 0), ":4:",
           "xbar.adc_bitz");
    expect(read_text("xbar = { adc_bits = 99; };\n", NULL, 0), ":3:", "adc_bits");
}

/* xbar train has no test axis (n_test = 0): its text, compared on
 * --resume, must say so and not show whatever the buffer held. */
Test(experiment, text_without_sigma_test)
{
    cr_assert_eq(xb_experiment_read(ctx, "configs/quickstart.cfg", NULL, 0, &e), XB_OK);
    e.n_test = 0;
    char *text = xb_experiment_text(&e);
    cr_assert(strstr(text, "  sigma_test = [];\n"), "%s", text);
    xb_free(text);
}

/* A train.* key that only other algorithms read is refused, naming the key
 * and its readers; at its default, or with its own algorithm, it is not. */
Test(experiment, algorithm_keys_refused_with_other_algorithms)
{
    const char *body = "train = { epochs = 1; };\n";
    const char *copies[] = {"train.copies=4"};
    expect(read_text(body, copies, 1), "train.copies = 4", "nit, nit-s and nit-s+");
    const char *periods[] = {"train.periods=2"};
    expect(read_text(body, periods, 1), "train.periods = 2", "\"backprop\"");
    const char *sw[] = {"train.algorithm=nit-s", "train.switch_epoch=3"};
    expect(read_text(body, sw, 2), "train.switch_epoch = 3", "\"nit-s\"");
    const char *adv[] = {"train.algorithm=hire", "train.adv_eps=0.1"};
    expect(read_text(body, adv, 2), "train.adv_eps = 0.1", "adversarial");
    const char *at_default[] = {"train.copies=32", "train.periods=1"};
    cr_assert_eq(read_text(body, at_default, 2), XB_OK, "%s", xb_ctx_error(ctx));
    const char *own[] = {"train.algorithm=hire", "train.periods=2", "train.noise_bound=0.1"};
    cr_assert_eq(read_text(body, own, 3), XB_OK, "%s", xb_ctx_error(ctx));
}

/* The step-size schedule: lr_decay_every without a decaying lr_decay would
 * be ignored, so it is refused naming both keys; with one it is read. */
Test(experiment, lr_decay_every_needs_lr_decay)
{
    const char *body = "train = { epochs = 1; };\n";
    const char *every[] = {"train.lr_decay_every=20"};
    expect(read_text(body, every, 1), "train.lr_decay_every = 20", "lr_decay");
    const char *both[] = {"train.lr_decay=0.8", "train.lr_decay_every=20"};
    cr_assert_eq(read_text(body, both, 2), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.train.lr_decay, 0.8);
    cr_assert_eq(e.train.lr_decay_every, 20);
    const char *zero[] = {"train.lr_decay=0"};
    expect(read_text(body, zero, 1), "lr_decay", "0");
}
