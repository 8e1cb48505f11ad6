/*
 * Study axes (sim/config/xb_axes.h): read from an experiment's study group,
 * every point checked as --set would check it, points numbered row-major,
 * the resolved text reading back to the same axes.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_test_expect.h"

static struct xb_ctx *ctx;
static struct xb_experiment *e;
static char dir[] = "/tmp/xbar-axes-XXXXXX";
static char path[256];

static void setup(void)
{
    ctx = xb_ctx_create(NULL);
    e = xb_malloc(1, sizeof *e);
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/s.cfg", dir);
}
static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    xb_free(e);
    xb_ctx_free(ctx);
}
TestSuite(axes, .init = setup, .fini = teardown);

static const char *head =
    "model = { name = \"t\"; input = [1, 8, 8]; classes = 10;\n"
    "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 10; } ); };\n"
    "sweep = { test = \"device\"; t = [1.0]; };\n"
    "device = { type = \"pcm\"; };\n";

static enum xb_status read_study(const char *study)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(head, f);
    fputs(study, f);
    fclose(f);
    return xb_experiment_read(ctx, path, NULL, 0, e);
}

static void expect(enum xb_status st, const char *a, const char *b)
{
    xb_test_expect_error(ctx, st, a, b);
}

Test(axes, values_ranges_and_row_major_points)
{
    cr_assert_eq(read_study("study = { axes = (\n"
                            "  { key = \"xbar.adc_bits\"; values = [4, 6, 8]; },\n"
                            "  { key = \"xbar.t\"; from = 1.0; to = 10000.0; points = 5; "
                            "scale = \"log\"; },\n"
                            "  { key = \"train.lr\"; from = 0.001; to = 0.003; points = 3; } ); };\n"),
                 XB_OK, "%s", xb_ctx_error(ctx));
    const struct xb_axes *a = &e->study;
    cr_assert_eq(a->n, 3);
    cr_assert_eq(a->axis[0].line, 6);
    cr_assert_str_eq(a->axis[0].value[2], "8");
    /* log range: 1, 10, 100, 1000, 10000 up to the last bit of exp/log */
    const char *t[] = {"1", "10", "100", "1000", "10000"};
    for (int i = 0; i < 5; i++) {
        double v = strtod(a->axis[1].value[i], NULL), want = strtod(t[i], NULL);
        cr_assert(fabs(v - want) <= 4e-15 * want, "t[%d] = %s", i, a->axis[1].value[i]);
    }
    cr_assert_str_eq(a->axis[1].value[0], "1");
    cr_assert_str_eq(a->axis[1].value[4], "10000");
    cr_assert_str_eq(a->axis[2].value[1], "0.002");
    cr_assert_eq(xb_axes_points(a), 45);
    size_t idx[3];
    xb_axes_coords(a, 0, idx);
    cr_assert(idx[0] == 0 && idx[1] == 0 && idx[2] == 0);
    xb_axes_coords(a, 1, idx); /* the last axis fastest */
    cr_assert(idx[0] == 0 && idx[1] == 0 && idx[2] == 1);
    xb_axes_coords(a, 3 * 5 + 2 * 3 + 1, idx);
    cr_assert(idx[0] == 1 && idx[1] == 2 && idx[2] == 1);
    xb_axes_coords(a, 44, idx);
    cr_assert(idx[0] == 2 && idx[1] == 4 && idx[2] == 2);
}

Test(axes, a_point_is_the_experiment_with_its_values_set)
{
    const char *study = "study = { axes = (\n"
                        "  { key = \"xbar.adc_range\"; values = [\"max\", \"p99\"]; },\n"
                        "  { key = \"xbar.adc_bits\"; values = [4, 8]; },\n"
                        "  { key = \"train.lr\"; values = [0.01, 0.1]; } ); };\n";
    cr_assert_eq(read_study(study), XB_OK, "%s", xb_ctx_error(ctx));
    /* point 6 = (1, 1, 0): adc_range p99, 8 bits, lr 0.01 */
    cr_assert_eq(xb_experiment_read_point(ctx, path, NULL, 0, 6, e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(e->device.xbar.adc_calib, XB_ADC_PERCENTILE);
    cr_assert_eq(e->device.xbar.adc_value, 99.0);
    cr_assert_eq(e->device.xbar.adc_bits, 8);
    cr_assert_eq(e->train.optim.lr, 0.01);
    cr_assert_eq(e->study.n, 3);
    cr_assert_eq(xb_experiment_read_point(ctx, path, NULL, 0, 1, e), XB_OK);
    cr_assert_eq(e->device.xbar.adc_calib, XB_ADC_MAX);
    cr_assert_eq(e->device.xbar.adc_bits, 4);
    cr_assert_eq(e->train.optim.lr, 0.1);
    /* --set applies under the axes: the axis value wins at every point */
    const char *sets[] = {"xbar.adc_bits=6", "train.epochs=3"};
    cr_assert_eq(xb_experiment_read_point(ctx, path, sets, 2, 3, e), XB_OK);
    cr_assert_eq(e->device.xbar.adc_bits, 8);
    cr_assert_eq(e->epochs, 3);
    expect(xb_experiment_read_point(ctx, path, NULL, 0, 8, e), "study point 8",
           "has 8 points");
}

Test(axes, which_axes_train)
{
    cr_assert(xb_axis_trains("train.lr", 0));
    cr_assert(xb_axis_trains("sweep.sigma_train", 0));
    cr_assert(xb_axis_trains("data.validation", 0));
    cr_assert(xb_axis_trains("model.init", 0));
    cr_assert(!xb_axis_trains("sweep.sigma_test", 1));
    cr_assert(!xb_axis_trains("xbar.adc_bits", 0));
    cr_assert(xb_axis_trains("xbar.adc_bits", 1));
    cr_assert(!xb_axis_trains("device.read_noise_scale", 0));
    cr_assert(xb_axis_trains("device.read_noise_scale", 1));
}

Test(axes, every_point_is_checked_with_the_axis_line)
{
    /* 30 bits is out of range: named with the axis's line, key and value */
    expect(read_study("study = { axes = (\n"
                      "  { key = \"xbar.adc_bits\"; values = [4, 30]; } ); };\n"),
           ":6: study axis xbar.adc_bits, value 30", "expected an integer in [0, 24]");
    expect(read_study("study = { axes = ( { key = \"device.nosuch\"; values = [1]; } ); };\n"),
           "study axis device.nosuch", NULL);
    expect(read_study("study = { axes = ( { key = \"train.nosuch\"; values = [1]; } ); };\n"),
           "unknown key", NULL);
    /* a device parameter out of its range, at the second value only */
    expect(read_study("study = { axes = ( { key = \"device.g_max\"; values = [25.0, -3.0] } ); };\n"),
           "study axis device.g_max, value -3", NULL);
}

Test(axes, bad_axes_name_the_line)
{
    expect(read_study("study = { axes = ( { key = \"sweep.output\"; values = [\"a\"]; } ); };\n"),
           ":5: study.axes[0]", "one result file");
    expect(read_study("study = { axes = ( { key = \"sweep.repeats\"; values = [1, 2]; } ); };\n"),
           "cannot be an axis", NULL);
    expect(read_study("study = { axes = ( { key = \"device.type\"; values = [\"pcm\"]; } ); };\n"),
           "one study per device", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; values = [1.0]; },\n"
                      "  { key = \"xbar.t\"; values = [2.0]; } ); };\n"),
           "already the axis of line 5", NULL);
    expect(read_study("study = { axes = ( { key = \"adc_bits\"; values = [1]; } ); };\n"),
           "expected group.name", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; values = []; } ); };\n"),
           "values: expected an array of 1 to 64", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; values = [1.0]; from = 1.0; } ); };\n"),
           "not both", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; from = 0.0; to = 1.0; points = 3; "
                      "scale = \"log\"; } ); };\n"),
           "from > 0", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; from = 1.0; to = 2.0; points = 1; } ); };\n"),
           "points = 1", NULL);
    expect(read_study("study = { axes = ( { key = \"xbar.t\"; values = [1.0]; step = 2; } ); };\n"),
           "step: unknown key", NULL);
    expect(read_study("study = { dims = 3; };\n"), "study.dims: unknown key; expected axes", NULL);
    expect(read_study("study = { axes = (); };\n"), "expected a list of 1 to 8 axes", NULL);
    /* the axis and a sweep list both giving read times: one would be ignored */
    const char *sets[] = {"sweep.t=1,2"};
    FILE *f = fopen(path, "w");
    fputs(head, f);
    fputs("study = { axes = ( { key = \"sweep.t\"; values = [3.0]; } ); };\n", f);
    fclose(f);
    expect(xb_experiment_read(ctx, path, sets, 1, e), "sweep.t also lists 2 values", NULL);
}

Test(axes, resolved_text_reads_back_to_the_same_axes)
{
    cr_assert_eq(read_study("study = { axes = (\n"
                            "  { key = \"xbar.t\"; values = [1.0, 0.5, 3600.0]; },\n"
                            "  { key = \"xbar.adc_range\"; values = [\"max\", \"p99.9\"]; },\n"
                            "  { key = \"xbar.drift_comp\"; values = [true, false]; } ); };\n"),
                 XB_OK, "%s", xb_ctx_error(ctx));
    char *text = xb_experiment_text(e);
    cr_assert(strstr(text, "values = [1.0, 0.5, 3600.0]") != NULL, "%s", text);
    struct xb_axes before = e->study;
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    xb_free(text);
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, e), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e->study.n, before.n);
    for (size_t k = 0; k < before.n; k++) {
        cr_assert_str_eq(e->study.axis[k].key, before.axis[k].key);
        cr_assert_eq(e->study.axis[k].n, before.axis[k].n);
        for (size_t i = 0; i < before.axis[k].n; i++)
            cr_assert_str_eq(e->study.axis[k].value[i], before.axis[k].value[i]);
    }
}
