/* sim/data/xb_data_strokes: de Jong's MNIST stroke-sequence text format on
 * generated files — known values, padding and truncation, gzip, whole
 * directories, and an error naming file:line for every kind of bad file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_data.h"

static char dir[64];
static struct xb_ctx *ctx;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-strokes.XXXXXX");
    cr_assert(mkdtemp(dir));
    ctx = xb_ctx_create(NULL);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    xb_ctx_free(ctx);
}

TestSuite(strokes, .init = setup, .fini = teardown);

/* Writes text to dir/name (gzip-compressed when gz); the path into buf. */
static char *put(char *buf, size_t size, const char *name, const char *text, int gz)
{
    snprintf(buf, size, "%s/%s", dir, name);
    if (gz) {
        gzFile f = gzopen(buf, "wb");
        cr_assert(f);
        cr_assert_eq(gzputs(f, text), (int)strlen(text));
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(buf, "w");
        cr_assert(f);
        cr_assert_eq(fputs(text, f) >= 0, 1);
        cr_assert_eq(fclose(f), 0);
    }
    return buf;
}

/* The target file of a sequence of `steps` pen steps with label `label`. */
static void target_text(char *buf, size_t size, int label, int steps)
{
    size_t len = 0;
    for (int s = 0; s < steps; s++) {
        for (int k = 0; k < 10; k++)
            len += (size_t)snprintf(buf + len, size - len, "%d ", k == label);
        len += (size_t)snprintf(buf + len, size - len, "0 1 0 %d\n", s == steps - 1);
    }
}

static const char three_steps[] = "5 10 0 0\n1 -1 1 0\n0 1 0 1\n";

/* Writes sequence STEM (three_steps, label `label`); paths into in, tg. */
static void put_three_steps(char in[128], char tg[128], const char *stem, int label, int gz)
{
    char name[64], t[1024];
    snprintf(name, sizeof name, "%s-inputdata.txt", stem);
    put(in, 128, name, three_steps, gz);
    target_text(t, sizeof t, label, 3);
    snprintf(name, sizeof name, "%s-targetdata.txt", stem);
    put(tg, 128, name, t, gz);
}

Test(strokes, known_values_padding_and_features)
{
    char in[128], tg[128];
    put_three_steps(in, tg, "a", 7, 0);
    float x[5 * 4];
    memset(x, 0xFF, sizeof x); /* NaN: padding must overwrite it */
    uint8_t label = 0;
    int length = 0;
    cr_assert_eq(xb_strokes_read(ctx, in, tg, 5, 2, x, &label, &length), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(label, 7);
    cr_assert_eq(length, 3);
    const float want2[10] = {5 / 28.0f, 10 / 28.0f, 1 / 28.0f, -1 / 28.0f, 0, 1 / 28.0f,
                             0,         0,          0,         0};
    for (int k = 0; k < 10; k++)
        cr_assert_eq(x[k], want2[k], "x[%d] = %g, want %g", k, (double)x[k], (double)want2[k]);
    cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 4, x, &label, NULL), XB_OK);
    const float want4[16] = {5 / 28.0f, 10 / 28.0f, 0, 0, 1 / 28.0f, -1 / 28.0f, 1, 0,
                             0,         1 / 28.0f,  0, 1, 0,         0,          0, 0};
    for (int k = 0; k < 16; k++)
        cr_assert_eq(x[k], want4[k], "x[%d] = %g, want %g", k, (double)x[k], (double)want4[k]);
}

Test(strokes, longer_sequences_are_truncated_and_gzip_is_read)
{
    char in[128], tg[128];
    put_three_steps(in, tg, "b", 2, 1);
    float x[2 * 2];
    uint8_t label;
    int length;
    cr_assert_eq(xb_strokes_read(ctx, in, tg, 2, 2, x, &label, &length), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(length, 3, "the file's length, not the kept one");
    cr_assert_eq(label, 2);
    cr_assert_eq(x[0], 5 / 28.0f);
    cr_assert_eq(x[3], -1 / 28.0f);
}

/* Reads input text `in_text` (with a good label-3 target) and expects a
 * format error whose message contains `want`. */
static void expect_input_error(const char *in_text, const char *want)
{
    char in[128], tg[128], t[1024];
    put(in, sizeof in, "bad-inputdata.txt", in_text, 0);
    target_text(t, sizeof t, 3, 3);
    put(tg, sizeof tg, "bad-targetdata.txt", t, 0);
    float x[8];
    uint8_t label;
    cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 2, x, &label, NULL), XB_EFORMAT,
                 "no error for %s", want);
    char full[256];
    snprintf(full, sizeof full, "%s/%s", dir, want);
    cr_assert(strstr(xb_ctx_error(ctx), full), "message \"%s\" lacks \"%s\"", xb_ctx_error(ctx),
              full);
}

Test(strokes, bad_input_files_name_file_and_line)
{
    expect_input_error("5 10 0 0\n1 -1 1\n0 1 0 1\n", "bad-inputdata.txt:2: 3 columns");
    expect_input_error("5 10 0 0\n1 -1 1 0 7\n", "bad-inputdata.txt:2: more than 4 columns");
    expect_input_error("5 10 0 0\n1 x 1 0\n0 1 0 1\n",
                       "bad-inputdata.txt:2: column 2: \"x\" is not an integer");
    expect_input_error("5 1.5 0 0\n", "bad-inputdata.txt:1: column 2: \"1.5\"");
    expect_input_error("5 10 0 0\n1 -1 1 0\n", "bad-inputdata.txt:2: truncated");
    expect_input_error("5 10 0 1\n1 -1 1 0\n", "bad-inputdata.txt:2: a pen step after the end");
    expect_input_error("5 10 2 0\n", "bad-inputdata.txt:1: eos = 2");
    expect_input_error("", "bad-inputdata.txt: no pen steps");
    expect_input_error("\n  \n", "bad-inputdata.txt: no pen steps");
}

Test(strokes, bad_target_files_name_file_and_line)
{
    char in[128], tg[128];
    put(in, sizeof in, "c-inputdata.txt", three_steps, 0);
    float x[8];
    uint8_t label;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"0 0 1 0 0 0 0 0 0 0 0 1 0 0\n0 0 1 1 0 0 0 0 0 0 0 1 0 0\n",
         "c-targetdata.txt:2: columns 1-10 are not a one-hot"},
        {"0 0 1 0 0 0 0 0 0 0 0 1 0 0\n0 0 0 1 0 0 0 0 0 0 0 1 0 0\n",
         "c-targetdata.txt:2: label 3, but line 1 says 2"},
        {"0 0 1 0 0 0 0 0 0 0 0 1 0\n", "c-targetdata.txt:1: 13 columns"},
        {"0 0 2 0 0 0 0 0 0 0 0 1 0 0\n", "c-targetdata.txt:1: columns 1-10"},
        {"", "c-targetdata.txt: empty"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        put(tg, sizeof tg, "c-targetdata.txt", cases[c].text, 0);
        cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 2, x, &label, NULL), XB_EFORMAT, "%s",
                     cases[c].want);
        cr_assert(strstr(xb_ctx_error(ctx), cases[c].want), "message \"%s\" lacks \"%s\"",
                  xb_ctx_error(ctx), cases[c].want);
    }
    snprintf(tg, sizeof tg, "%s/none-targetdata.txt", dir);
    cr_assert_eq(xb_strokes_read(ctx, in, tg, 4, 2, x, &label, NULL), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "none-targetdata.txt: cannot open"));
}

/* n sequences PREFIX-i: i + 1 steps of (i, -i), label i mod 10. */
static void write_split(const char *prefix, int n)
{
    char name[64], path[128], in[512], t[4096];
    for (int i = 0; i < n; i++) {
        int steps = i % 6 + 1;
        size_t len = 0;
        for (int s = 0; s < steps; s++)
            len += (size_t)snprintf(in + len, sizeof in - len, "%d %d %d %d\n", i, -i,
                                    s == steps - 1, s == steps - 1);
        snprintf(name, sizeof name, "%s-%d-inputdata.txt", prefix, i);
        put(path, sizeof path, name, in, 0);
        target_text(t, sizeof t, i % 10, steps);
        snprintf(name, sizeof name, "%s-%d-targetdata.txt", prefix, i);
        put(path, sizeof path, name, t, 0);
    }
}

Test(strokes, a_directory_loads_as_a_data_set)
{
    write_split("trainimg", 23);
    write_split("testimg", 12);
    const struct xb_data_spec spec = {
        .name = "mnist-strokes", .dir = dir, .steps = 4, .features = 4};
    struct xb_dataset *train, *test;
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(train->n, 23);
    cr_assert_eq(test->n, 12);
    cr_assert_eq(train->c, 1);
    cr_assert_eq(train->h, 4);
    cr_assert_eq(train->w, 4);
    cr_assert_eq(train->classes, 10);
    for (size_t i = 0; i < train->n; i++) {
        cr_assert_eq(train->y[i], i % 10);
        const float *row = train->x + i * train->dim;
        int steps = (int)(i % 6) + 1, kept = steps < 4 ? steps : 4;
        for (int s = 0; s < 4; s++) {
            float want = s < kept ? (float)i / 28.0f : 0.0f;
            cr_assert_eq(row[4 * s], want, "sequence %zu step %d", i, s);
            cr_assert_eq(row[4 * s + 3], s < kept && s == steps - 1 ? 1.0f : 0.0f);
        }
    }
    xb_dataset_free(train);
    xb_dataset_free(test);
}

Test(strokes, a_gap_in_the_numbering_names_the_missing_file)
{
    write_split("trainimg", 6);
    write_split("testimg", 2);
    char path[128];
    snprintf(path, sizeof path, "%s/trainimg-3-inputdata.txt", dir);
    cr_assert_eq(unlink(path), 0);
    const struct xb_data_spec spec = {
        .name = "mnist-strokes", .dir = dir, .steps = 8, .features = 2};
    struct xb_dataset *train, *test;
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_ENOTFOUND);
    cr_assert_null(train);
    cr_assert_null(test);
    cr_assert(strstr(xb_ctx_error(ctx), "trainimg-3-inputdata.txt: missing"), "%s",
              xb_ctx_error(ctx));
}

Test(strokes, a_bad_file_in_a_directory_fails_the_load)
{
    write_split("trainimg", 4);
    write_split("testimg", 3);
    char path[128];
    put(path, sizeof path, "testimg-2-inputdata.txt", "1 1 0 0\n2 2 0\n", 0);
    const struct xb_data_spec spec = {
        .name = "mnist-strokes", .dir = dir, .steps = 8, .features = 2};
    struct xb_dataset *train, *test;
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_EFORMAT);
    cr_assert_null(train);
    cr_assert(strstr(xb_ctx_error(ctx), "testimg-2-inputdata.txt:2: 3 columns"), "%s",
              xb_ctx_error(ctx));
}

Test(strokes, options_and_missing_directories_are_checked)
{
    struct xb_dataset *train, *test;
    struct xb_data_spec spec = {.name = "mnist-strokes", .dir = dir, .steps = 8, .features = 3};
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "data.features = 3"));
    spec.features = 2;
    spec.steps = 0;
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "data.steps = 0"));
    spec.steps = 8;
    cr_assert_eq(xb_dataset_load(ctx, &spec, &train, &test), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "no trainimg-N-inputdata.txt files"), "%s",
              xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), "mnist-digits-stroke-sequence-data"), "a hint");
    cr_assert(xb_dataset_known("mnist-strokes"));
    cr_assert(!xb_dataset_known("mnist-stroke"));
}
