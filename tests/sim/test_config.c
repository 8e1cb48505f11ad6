/* sim/config/xb_config: the key space, config files, precedence and messages that
 * name file:line and key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_config.h"

/* Writes text to a fresh temporary file; the caller unlinks and frees. */
static char *write_temp(const char *text)
{
    char *path = xb_strdup("/tmp/xbar-test-config.XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Reads and resolves text as a config file; returns the status. */
static enum xb_status resolve_text(struct xb_ctx *ctx, const char *text, struct xb_config *c,
                                   char **path_out)
{
    struct xb_settings s = {0};
    char *path = write_temp(text);
    xb_config_default(c);
    enum xb_status st = xb_config_read(ctx, path, &s);
    if (st == XB_OK)
        st = xb_config_resolve(ctx, &s, c);
    xb_settings_free(&s);
    if (path_out)
        *path_out = path;
    else {
        unlink(path);
        xb_free(path);
    }
    return st;
}

Test(config, defaults)
{
    struct xb_config c;
    xb_config_default(&c);
    cr_assert_str_eq(c.xbar.device.type->name, "ideal");
    cr_assert_eq(c.xbar.adc_calib, XB_ADC_MAX);
    cr_assert_eq(c.xbar.tile_rows, 256);
    cr_assert_eq(c.xbar.adc_bits, 0);
    cr_assert_eq(c.t, 0.0);
}

Test(config, file_sets_device_and_engine)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_config c;
    const char *text = "device = { type = \"pcm\"; g_max = 30.0; prog_scale = 2; };\n"
                       "xbar = { tile_rows = 128; adc_bits = 6; adc_range = \"p99.5\";\n"
                       "  drift_comp = true; t = 3600.0; noise = \"mult\"; sigma = 0.25;\n"
                       "  scaling = \"column\"; };\n";
    enum xb_status st = resolve_text(ctx, text, &c, NULL);
    cr_assert_eq(st, XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(c.xbar.device.type->name, "pcm");
    cr_assert_eq(c.xbar.device.p[XB_DP_GMAX], 30.0);
    cr_assert_eq(c.xbar.tile_rows, 128);
    cr_assert_eq(c.xbar.adc_bits, 6);
    cr_assert_eq(c.xbar.adc_calib, XB_ADC_PERCENTILE);
    cr_assert_eq(c.xbar.adc_value, 99.5);
    cr_assert_eq(c.xbar.drift_comp, 1);
    cr_assert_eq(c.t, 3600.0);
    cr_assert_eq(c.xbar.noise, XB_NOISE_MULT);
    cr_assert_eq(c.xbar.sigma, 0.25);
    cr_assert_eq(c.xbar.scaling, XB_SCALE_COLUMN);
    xb_ctx_free(ctx);
}

Test(config, errors_name_file_line_and_key)
{
    struct {
        const char *text;
        int line;
        const char *key;
    } cases[] = {
        {"xbar = {\n  adc_bits = 6;\n  adc_bitz = 7;\n};\n", 3, "xbar.adc_bitz"},
        {"device = { type = \"pcm\";\n  g_maxx = 3.0; };\n", 2, "device.g_maxx"},
        {"xbar = { adc_bits = \"6\"; };\n", 1, "xbar.adc_bits"},
        {"xbar = { adc_bits = 2.5; };\n", 1, "xbar.adc_bits"},
        {"xbar = {\n  adc_bits = 25; };\n", 2, "xbar.adc_bits = 25"},
        {"xbar = { drift_comp = 1; };\n", 1, "xbar.drift_comp"},
        {"xbar = { noise = \"loud\"; };\n", 1, "xbar.noise"},
        {"xbar = { sigma = -0.5; };\n", 1, "xbar.sigma"},
        {"device = { type = \"nosuch\"; };\n", 1, "nosuch"},
        {"device = { type = \"pcm\"; g_max = -1.0; };\n", 1, "device.g_max"},
        {"\n\nmodel = { x = 1; };\n", 3, "model"},
        {"xbar = 3;\n", 1, "xbar"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xb_ctx *ctx = xb_ctx_create(NULL);
        struct xb_config c;
        char *path, want[256];
        enum xb_status st = resolve_text(ctx, cases[i].text, &c, &path);
        snprintf(want, sizeof want, "%s:%d:", path, cases[i].line);
        cr_assert_neq(st, XB_OK, "case %zu accepted", i);
        cr_assert(strstr(xb_ctx_error(ctx), want), "case %zu: '%s' lacks '%s'", i,
                  xb_ctx_error(ctx), want);
        cr_assert(strstr(xb_ctx_error(ctx), cases[i].key), "case %zu: '%s' lacks '%s'", i,
                  xb_ctx_error(ctx), cases[i].key);
        unlink(path);
        xb_free(path);
        xb_ctx_free(ctx);
    }
}

Test(config, syntax_error_names_line)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_config c;
    char *path, want[256];
    cr_assert_neq(resolve_text(ctx, "xbar = {\n adc_bits = 6;\n tile_rows = ;\n};\n", &c, &path),
                  XB_OK);
    snprintf(want, sizeof want, "%s:3:", path);
    cr_assert(strstr(xb_ctx_error(ctx), want), "%s", xb_ctx_error(ctx));
    unlink(path);
    xb_free(path);
    xb_ctx_free(ctx);
}

/* libconfig 1.5 exits the process on an @include of a directory or blocks
 * on a device (found by tests/fuzz/fuzz_config): refused first, by line. */
Test(config, include_of_a_directory_or_device)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_config c;
    char *path, want[256];
    cr_assert_neq(resolve_text(ctx, "# config\n@include \"/tmp\"\n", &c, &path), XB_OK);
    snprintf(want, sizeof want, "%s:2: @include \"/tmp\": /tmp is a directory", path);
    cr_assert(strstr(xb_ctx_error(ctx), want), "%s", xb_ctx_error(ctx));
    unlink(path);
    xb_free(path);
    cr_assert_neq(resolve_text(ctx, "@include \"/dev/zero\"\n", &c, &path), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "/dev/zero is not a regular file"), "%s",
              xb_ctx_error(ctx));
    unlink(path);
    xb_free(path);
    xb_ctx_free(ctx);
}

Test(config, later_wins_and_type_applies_to_all)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_settings s = {0};
    struct xb_config c;
    /* g_max given before the type: it still applies to the final type. */
    xb_settings_add(&s, "g_max", "30", "--set g_max=30");
    xb_settings_add(&s, "device.type", "pcm", "--device pcm");
    xb_settings_add(&s, "xbar.adc_bits", "4", "--adc-bits 4");
    xb_settings_add(&s, "adc_bits", "7", "--set adc_bits=7");
    xb_config_default(&c);
    cr_assert_eq(xb_config_resolve(ctx, &s, &c), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_str_eq(c.xbar.device.type->name, "pcm");
    cr_assert_eq(c.xbar.device.p[XB_DP_GMAX], 30.0);
    cr_assert_eq(c.xbar.adc_bits, 7);
    xb_settings_free(&s);
    xb_ctx_free(ctx);
}

Test(config, unknown_and_misplaced_keys)
{
    const char *keys[] = {"nosuch", "xbar.g_max", "device.adc_bits", "device.t"};
    for (size_t i = 0; i < 4; i++) {
        struct xb_ctx *ctx = xb_ctx_create(NULL);
        struct xb_settings s = {0};
        struct xb_config c;
        char origin[64];
        snprintf(origin, sizeof origin, "--set %s=1", keys[i]);
        xb_settings_add(&s, keys[i], "1", origin);
        xb_config_default(&c);
        cr_assert_eq(xb_config_resolve(ctx, &s, &c), XB_ENOTFOUND, "%s accepted", keys[i]);
        cr_assert(strstr(xb_ctx_error(ctx), origin), "%s", xb_ctx_error(ctx));
        xb_settings_free(&s);
        xb_ctx_free(ctx);
    }
}

Test(config, assignment_parsing)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_settings s = {0};
    cr_assert_eq(xb_settings_add_assignment(ctx, &s, "a=b=c", "--set a=b=c"), XB_OK);
    cr_assert_str_eq(s.v[0].key, "a");
    cr_assert_str_eq(s.v[0].value, "b=c");
    cr_assert_eq(xb_settings_add_assignment(ctx, &s, "=3", "--set =3"), XB_EINVAL);
    cr_assert_eq(xb_settings_add_assignment(ctx, &s, "g_max", "--set g_max"), XB_EINVAL);
    cr_assert_eq(s.n, 1);
    xb_settings_free(&s);
    xb_ctx_free(ctx);
}

Test(config, strict_numbers)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    long l;
    double d;
    cr_assert_eq(xb_config_parse_long(ctx, "o", "12", 0, 24, &l), XB_OK);
    cr_assert_eq(l, 12);
    const char *bad_long[] = {"", " 5", "5 ", "5x", "1e1", "0x10", "2.0", "25", "-1"};
    for (size_t i = 0; i < sizeof bad_long / sizeof bad_long[0]; i++)
        cr_assert_neq(xb_config_parse_long(ctx, "o", bad_long[i], 0, 24, &l), XB_OK, "'%s'",
                      bad_long[i]);
    cr_assert_str_eq(xb_ctx_error(ctx), "o: expected an integer in [0, 24]");
    cr_assert_eq(xb_config_parse_double(ctx, "o", "1e-3", 0, 1, &d), XB_OK);
    cr_assert_eq(d, 1e-3);
    const char *bad_double[] = {"nan", "inf", "-0.1", "1.5", "1,5", "1e999", "0.5s"};
    for (size_t i = 0; i < sizeof bad_double / sizeof bad_double[0]; i++)
        cr_assert_neq(xb_config_parse_double(ctx, "o", bad_double[i], 0, 1, &d), XB_OK, "'%s'",
                      bad_double[i]);
    xb_ctx_free(ctx);
}

/* The resolved text reads back to the same configuration. */
Test(config, text_round_trip)
{
    const char *adc[] = {"max", "p99.9", "3.5"};
    for (int k = 0; k < 3; k++) {
        struct xb_ctx *ctx = xb_ctx_create(NULL);
        struct xb_settings s = {0};
        struct xb_config a, b;
        xb_settings_add(&s, "device.type", "pcm", "t");
        xb_settings_add(&s, "c0", "0.1234567890123", "t");
        xb_settings_add(&s, "levels", "16", "t");
        xb_settings_add(&s, "adc_bits", "6", "t");
        xb_settings_add(&s, "adc_range", adc[k], "t");
        xb_settings_add(&s, "t", "3600", "t");
        xb_settings_add(&s, "sigma", "0.1", "t");
        xb_settings_add(&s, "noise", "add", "t");
        xb_settings_add(&s, "drift_comp", "true", "t");
        xb_config_default(&a);
        cr_assert_eq(xb_config_resolve(ctx, &s, &a), XB_OK, "%s", xb_ctx_error(ctx));
        char *text = xb_config_text(&a);
        char *path;
        cr_assert_eq(resolve_text(ctx, text, &b, &path), XB_OK, "%s\n%s", xb_ctx_error(ctx),
                     text);
        cr_assert_eq(a.xbar.device.type, b.xbar.device.type);
        for (size_t i = 0; i < a.xbar.device.type->n_params; i++)
            cr_assert_eq(a.xbar.device.p[i], b.xbar.device.p[i], "%s", a.xbar.device.type->params[i].name);
        size_t n;
        const struct xb_key *keys = xb_config_keys(&n);
        for (size_t i = 0; i < n; i++) {
            char va[64], vb[64];
            xb_key_get(&keys[i], &a, va, sizeof va);
            xb_key_get(&keys[i], &b, vb, sizeof vb);
            cr_assert_str_eq(va, vb, "%s", keys[i].name);
        }
        cr_assert_eq(a.xbar.adc_calib, b.xbar.adc_calib);
        cr_assert_eq(a.xbar.adc_value, b.xbar.adc_value);
        unlink(path);
        xb_free(path);
        xb_free(text);
        xb_settings_free(&s);
        xb_ctx_free(ctx);
    }
}

Test(config, format_double_is_short_and_exact)
{
    char buf[64];
    double v[] = {3600.0, 0.26348, 2.5e-07, 1e-6, -1.1731, 0.1, 1.0 / 3.0, 1e300};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        xb_key_format_double(v[i], buf, sizeof buf);
        cr_assert_eq(strtod(buf, NULL), v[i], "%s", buf);
    }
    xb_key_format_double(3600.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "3600");
    xb_key_format_double(0.26348, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.26348");
}

/* Resolves the "key=value" pairs (origin "ARG i") and runs xb_config_check_used. */
static enum xb_status check_used(struct xb_ctx *ctx, const char *const *pairs, size_t n)
{
    struct xb_settings s = {0};
    struct xb_config c;
    char origin[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(origin, sizeof origin, "ARG %zu", i);
        cr_assert_eq(xb_settings_add_assignment(ctx, &s, pairs[i], origin), XB_OK);
    }
    xb_config_default(&c);
    enum xb_status st = xb_config_resolve(ctx, &s, &c);
    cr_assert_eq(st, XB_OK, "%s", xb_ctx_error(ctx));
    st = xb_config_check_used(ctx, &s, &c);
    xb_settings_free(&s);
    return st;
}

/* Issue 8: a key that changes nothing is an error naming the value in
 * force, unless a later setting of the key governing it made it moot. */
Test(config, settings_without_effect)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    const char *noise_alone[] = {"xbar.noise=mult"};
    cr_assert_eq(check_used(ctx, noise_alone, 1), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "ARG 0: needs --sigma > 0"), "%s", xb_ctx_error(ctx));
    const char *sigma_alone[] = {"noise=add", "noise=none", "sigma=0.5"};
    cr_assert_eq(check_used(ctx, sigma_alone, 3), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "ARG 2: no effect without abstract noise"));
    const char *range_then_bits[] = {"adc_range=p99", "adc_bits=6", "xbar.adc_bits=0"};
    cr_assert_eq(check_used(ctx, range_then_bits, 3), XB_OK, "%s", xb_ctx_error(ctx));
    const char *bits_then_range[] = {"adc_bits=0", "adc_range=p99"};
    cr_assert_eq(check_used(ctx, bits_then_range, 2), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "ARG 1: no effect with an ideal ADC"));
    const char *range_default[] = {"adc_range=max"};
    cr_assert_eq(check_used(ctx, range_default, 1), XB_OK);
    const char *unsigned_dac[] = {"dac_signed=false"};
    cr_assert_eq(check_used(ctx, unsigned_dac, 1), XB_EINVAL);
    const char *unsigned_dac8[] = {"dac_signed=false", "dac_bits=8"};
    cr_assert_eq(check_used(ctx, unsigned_dac8, 2), XB_OK);
    const char *noise_then_zero[] = {"noise=mult", "sigma=0.5", "sigma=0"};
    cr_assert_eq(check_used(ctx, noise_then_zero, 3), XB_OK);
    const char *zero_then_noise[] = {"sigma=0", "noise=mult"};
    cr_assert_eq(check_used(ctx, zero_then_noise, 2), XB_EINVAL);
    xb_ctx_free(ctx);
}
