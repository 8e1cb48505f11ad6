/* The key registry (devices/cells/xb_key.h) held to account row by row: every
 * test walks the tables, so a new row is tested without a new test. Tables:
 * the engine keys (sim/config/xb_config), the experiment keys (sim/config/xb_experiment),
 * the layer fields (models/layers/xb_layer) and every device type's parameters. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_cli.h"
#include "xb_config.h"
#include "xb_experiment.h"
#include "xb_layer_impl.h"
#include "xb_net.h"

static struct xb_ctx *ctx;
static char tmp_dir[64];

static void setup(void)
{
    ctx = xb_ctx_create(NULL);
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/xbar-registry.XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
    cr_assert_eq(system(cmd), 0);
    xb_ctx_free(ctx);
}

TestSuite(registry, .init = setup, .fini = teardown);

/* Every kind of layer, to check the rows' kind lists against. */
static const char *const kinds[] = {"dense",   "conv2d",  "batchnorm", "relu", "maxpool",
                                    "flatten", "dropout", "noise",     "lstm"};
#define N_KINDS (sizeof kinds / sizeof *kinds)

struct table {
    char what[64];
    const struct xb_key *t;
    size_t n;
    int grouped; /* rows are told apart by (group, name) */
};

static size_t tables(struct table *out, size_t cap)
{
    size_t m = 0, n, nd;
    const struct xb_key *t = xb_config_keys(&n);
    out[m++] = (struct table){"engine keys", t, n, 0};
    t = xb_experiment_keys(&n);
    out[m++] = (struct table){"experiment keys", t, n, 1};
    t = xb_layer_keys(&n);
    out[m++] = (struct table){"layer fields", t, n, 0};
    t = xb_energy_keys(&n);
    out[m++] = (struct table){"energy keys", t, n, 1};
    const struct xb_device_type *const *types = xb_device_types(&nd);
    for (size_t i = 0; i < nd && m < cap; i++) {
        out[m] = (struct table){"", types[i]->params, types[i]->n_params, 0};
        snprintf(out[m].what, sizeof out[m].what, "device %s", types[i]->name);
        m++;
    }
    return m;
}

static int same_group(const struct xb_key *a, const struct xb_key *b)
{
    return (!a->group && !b->group) || (a->group && b->group && !strcmp(a->group, b->group));
}

/* A name twice in one table would make the second row unreachable (every
 * lookup finds the first); an engine key named like a device parameter
 * would make the bare KEY of --set ambiguous. */
Test(registry, no_name_twice)
{
    struct table tb[16];
    size_t nt = tables(tb, 16), n_engine;
    const struct xb_key *engine = xb_config_keys(&n_engine);
    for (size_t a = 0; a < nt; a++) {
        for (size_t i = 0; i < tb[a].n; i++) {
            const struct xb_key *k = &tb[a].t[i];
            cr_assert(k->name && k->name[0] && k->help && k->help[0] && k->source &&
                          k->source[0],
                      "%s: row %zu has no name, help or source", tb[a].what, i);
            for (size_t j = i + 1; j < tb[a].n; j++)
                cr_assert(strcmp(k->name, tb[a].t[j].name) ||
                              (tb[a].grouped && !same_group(k, &tb[a].t[j])),
                          "%s: '%s' is in the table twice", tb[a].what, k->name);
            if (!strncmp(tb[a].what, "device ", 7))
                cr_assert_null(xb_key_find(engine, n_engine, NULL, k->name),
                               "%s: '%s' is also an engine key", tb[a].what, k->name);
        }
    }
}

/* The text of v as a user would type it. */
static void num_text(const struct xb_key *k, double v, char *buf, size_t size)
{
    if (k->type == XB_KEY_INT)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.17g", v);
}

static void expect_refused(const struct xb_key *k, void *base, const char *text,
                           const char *what)
{
    char expected[256], msg[512];
    cr_assert_neq(xb_key_set(ctx, k, base, text, "o"), XB_OK, "%s: %s = %s was accepted", what,
                  k->name, text);
    if (k->type == XB_KEY_REALS)
        return; /* "o: 'TOK': expected numbers in [..]", checked below */
    xb_key_expected(k, expected, sizeof expected);
    snprintf(msg, sizeof msg, "o: expected %s", expected);
    cr_assert_str_eq(xb_ctx_error(ctx), msg, "%s: %s = %s", what, k->name, text);
}

static void expect_accepted(const struct xb_key *k, void *base, const char *text, double want,
                            const char *what)
{
    cr_assert_eq(xb_key_set(ctx, k, base, text, "o"), XB_OK, "%s: %s = %s: %s", what, k->name,
                 text, xb_ctx_error(ctx));
    double got = k->type == XB_KEY_REALS ? *(const double *)((const char *)base + k->offset)
                                         : xb_key_load(k, base);
    cr_assert_eq(got, want, "%s: %s = %s stored %.17g", what, k->name, text, got);
}

/* A value just outside bound b (dir -1 below, +1 above): one integer, or a
 * relative 1e-9 (at least 1e-300, a normal double) for reals. */
static double beyond(const struct xb_key *k, double b, int dir)
{
    if (k->type == XB_KEY_INT)
        return b + dir;
    return b + dir * fmax(fabs(b) * 1e-9, 1e-300);
}

static void check_row(const struct xb_key *k, void *base, const char *what)
{
    char text[256];
    switch (k->type) {
    case XB_KEY_INT:
    case XB_KEY_REAL:
    case XB_KEY_REALS:
        num_text(k, k->min, text, sizeof text);
        expect_accepted(k, base, text, k->min, what);
        if (k->flags & XB_KEY_MAX_OPEN) {
            num_text(k, k->max, text, sizeof text);
            expect_refused(k, base, text, what);
            double below = nextafter(k->max, k->min);
            num_text(k, below, text, sizeof text);
            expect_accepted(k, base, text, below, what);
        } else {
            num_text(k, k->max, text, sizeof text);
            expect_accepted(k, base, text, k->max, what);
            num_text(k, beyond(k, k->max, +1), text, sizeof text);
            expect_refused(k, base, text, what);
        }
        num_text(k, beyond(k, k->min, -1), text, sizeof text);
        expect_refused(k, base, text, what);
        if (k->type == XB_KEY_REALS) {
            char range[64];
            snprintf(range, sizeof range, "[%g, %g]", k->min, k->max);
            cr_assert(strstr(xb_ctx_error(ctx), range), "%s: %s: %s lacks %s", what, k->name,
                      xb_ctx_error(ctx), range);
        }
        expect_refused(k, base, "1x", what);
        return;
    case XB_KEY_BOOL:
        expect_accepted(k, base, "true", 1.0, what);
        expect_accepted(k, base, "false", 0.0, what);
        expect_refused(k, base, "yes", what);
        return;
    case XB_KEY_ENUM: {
        int n = 0;
        while (k->choices[n])
            n++;
        int lo = (k->min != 0.0 || k->max != 0.0) ? (int)k->min : 0;
        int hi = (k->min != 0.0 || k->max != 0.0) ? (int)k->max : n - 1;
        for (int i = 0; i < n; i++) {
            if (i >= lo && i <= hi)
                expect_accepted(k, base, k->choices[i], (double)i, what);
            else
                expect_refused(k, base, k->choices[i], what);
        }
        expect_refused(k, base, "no-such-choice", what);
        return;
    }
    case XB_KEY_STRING: {
        char *s = xb_malloc(k->size + 1, 1);
        memset(s, 'a', k->size);
        s[k->size] = '\0';
        cr_assert_neq(xb_key_set(ctx, k, base, s, "o"), XB_OK, "%s: %s: %zu characters fit",
                      what, k->name, k->size);
        s[k->size - 1] = '\0';
        cr_assert_eq(xb_key_set(ctx, k, base, s, "o"), XB_OK, "%s: %s", what, k->name);
        cr_assert_str_eq((const char *)base + k->offset, s);
        xb_free(s);
        return;
    }
    case XB_KEY_CUSTOM:
        cr_assert_eq(xb_key_set(ctx, k, base, k->def_text, "o"), XB_OK, "%s: %s", what,
                     k->name);
        expect_refused(k, base, "no-such-value", what);
        return;
    }
}

static struct xb_experiment exp_a, exp_b;

/* The ends of every range are accepted, a step beyond is refused with
 * "ORIGIN: expected <the row's range>"; every choice of an enum in its span
 * is stored as its index; strings fill their buffer and no more.
 * Mutants: config-int-min-off-by-one, config-real-max-unchecked,
 * config-grid-negative-sigma. */
Test(registry, every_row_range_ends)
{
    struct table tb[16];
    size_t nt = tables(tb, 16);
    struct xb_config c;
    struct xb_layer_config lc;
    struct xb_energy_params ep;
    for (size_t a = 0; a < nt; a++) {
        for (size_t i = 0; i < tb[a].n; i++) {
            const struct xb_key *k = &tb[a].t[i];
            double slot = 0.0;
            void *base = &slot; /* a device row lives at its index of the value array */
            if (!strcmp(tb[a].what, "engine keys")) {
                xb_config_default(&c);
                base = &c;
            } else if (!strcmp(tb[a].what, "experiment keys")) {
                memset(&exp_a, 0, sizeof exp_a);
                base = &exp_a;
            } else if (!strcmp(tb[a].what, "layer fields")) {
                memset(&lc, 0, sizeof lc);
                base = &lc;
            } else if (!strcmp(tb[a].what, "energy keys")) {
                xb_energy_params_default(&ep);
                base = &ep;
            }
            check_row(k, base, tb[a].what);
        }
    }
}

/* Candidate values of k other than its default, as --set takes them. */
static size_t candidates(const struct xb_key *k, char out[][64], size_t cap)
{
    size_t m = 0;
    switch (k->type) {
    case XB_KEY_INT:
    case XB_KEY_REAL: {
        /* The ends, the middle, and a step from the default (for rows a
         * cross-parameter rule bounds, such as g_min < g_max). */
        double top = k->flags & XB_KEY_MAX_OPEN ? nextafter(k->max, k->min) : k->max;
        double v[] = {top, k->min, (k->min + top) / 2, k->def + (top - k->def) * 1e-9,
                      (k->def + k->min) / 2};
        for (size_t i = 0; i < 5 && m < cap; i++) {
            double x = v[i];
            if (k->type == XB_KEY_INT)
                x = floor(x) == k->def && x < top ? k->def + 1 : floor(x);
            num_text(k, x, out[m++], 64);
        }
        return m;
    }
    case XB_KEY_REALS:
        snprintf(out[m++], 64, "%.17g", k->max);
        snprintf(out[m++], 64, "%.17g,%.17g", k->min, k->max);
        /* three that sum to max (data.split: fractions summing to 1) */
        snprintf(out[m++], 64, "%g,%g,%g", k->max / 2, k->max / 4, k->max / 4);
        return m;
    case XB_KEY_BOOL:
        snprintf(out[m++], 64, "true");
        snprintf(out[m++], 64, "false");
        return m;
    case XB_KEY_ENUM:
        for (size_t i = 0; k->choices[i] && m < cap; i++)
            snprintf(out[m++], 64, "%s", k->choices[i]);
        return m;
    case XB_KEY_STRING: {
        /* The last three: lists attack.attacks and attack.surrogates
         * accept, and one attack kind train.adv_attack accepts (the others
         * refuse them). */
        const char *s[] = {"synthetic", "mnist",           "rt \"q\" \\ x",
                           "pgd, fgsm", "arctan, triangle", "bim"};
        for (size_t i = 0; i < 6; i++)
            snprintf(out[m++], 64, "%s", s[i]);
        return m;
    }
    case XB_KEY_CUSTOM:
        snprintf(out[m++], 64, "p99.5");
        snprintf(out[m++], 64, "2.5");
        snprintf(out[m++], 64, "max");
        return m;
    }
    return m;
}

static char *write_file(const char *name, const char *text)
{
    char *path = xb_malloc(strlen(tmp_dir) + strlen(name) + 2, 1);
    sprintf(path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* What the two reads of one experiment may differ in: the file's path and
 * the config lines of the layers. */
static void normalise(struct xb_experiment *b, const struct xb_experiment *a)
{
    memcpy(b->path, a->path, sizeof b->path);
    for (size_t k = 0; k < XB_NET_MAX_LAYERS; k++)
        b->model.layers[k].line = a->model.layers[k].line;
}

/* Reads path (with sets), writes its text, reads the text back: the same
 * struct byte for byte and the same text. Returns 0 if the first read
 * refused the value (a cross-key rule). */
static int experiment_round_trip(const char *path, const char *const *sets, size_t n_sets,
                                 const char *what)
{
    if (xb_experiment_read(ctx, path, sets, n_sets, &exp_a) != XB_OK)
        return 0;
    char *text = xb_experiment_text(&exp_a);
    char *back = write_file("back.cfg", text);
    cr_assert_eq(xb_experiment_read(ctx, back, NULL, 0, &exp_b), XB_OK, "%s: %s\n%s", what,
                 xb_ctx_error(ctx), text);
    char *text2 = xb_experiment_text(&exp_b);
    cr_assert_str_eq(text, text2, "%s", what);
    normalise(&exp_b, &exp_a);
    cr_assert_eq(memcmp(&exp_a, &exp_b, sizeof exp_a), 0, "%s: the struct read back differs\n%s",
                 what, text);
    unlink(back);
    xb_free(back), xb_free(text), xb_free(text2);
    return 1;
}

static const char base_experiment[] =
    "data = { set = \"synthetic\"; };\n"
    "model = { name = \"rt\"; input = [1, 4, 4]; classes = 2;\n"
    "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 2; } ); };\n"
    "sweep = { t = [1.0]; };\n"
    "device = { type = \"pcm\"; };\n";

/* Every experiment key set by --set to each candidate value (a value other
 * than the base file's): parse -> /config text -> parse gives the same
 * struct (memcmp) and the same text. Every row is exercised at least once,
 * and so is every key type --set takes (INT, REAL, BOOL, ENUM, STRING,
 * REALS). */
/* The settings that make train.KEY read: the algorithm that reads it (the
 * likelihood-ratio ones also need additive noise and sigma_train > 0);
 * their count, into sets[0..2]. */
static size_t algorithm_of(const struct xb_key *k, const char **sets)
{
    static const char *const lr[] = {"copies", "baseline", "sigma_min", "sigma_max",
                                     "switch_epoch", "sign_zero", "sign_spikes"};
    static const char *const hire[] = {"periods", "noise_step", "noise_bound"};
    if (strcmp(k->group, "train"))
        return 0;
    if (!strcmp(k->name, "lr_decay_every")) { /* read under a decaying step only */
        sets[0] = "train.lr_decay=0.5";
        return 1;
    }
    for (size_t i = 0; i < sizeof lr / sizeof *lr; i++)
        if (!strcmp(k->name, lr[i])) {
            sets[0] = "train.algorithm=nit-s+";
            sets[1] = "sweep.noise=add";
            sets[2] = "sweep.sigma_train=1";
            return 3;
        }
    for (size_t i = 0; i < sizeof hire / sizeof *hire; i++)
        if (!strcmp(k->name, hire[i])) {
            sets[0] = "train.algorithm=hire";
            return 1;
        }
    if (!strncmp(k->name, "adv_", 4)) {
        sets[0] = "train.algorithm=adversarial";
        return 1;
    }
    return 0;
}

Test(registry, experiment_rows_round_trip)
{
    size_t n;
    const struct xb_key *keys = xb_experiment_keys(&n);
    char *path = write_file("base.cfg", base_experiment);
    static struct xb_experiment base;
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &base), XB_OK, "%s", xb_ctx_error(ctx));
    unsigned kinds_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &keys[i];
        const struct xb_key *stored = k; /* an alias: the row it names */
        for (size_t r = 0; r < n && (stored->flags & XB_KEY_ALIAS); r++)
            if (keys[r].offset == k->offset && !(keys[r].flags & XB_KEY_ALIAS))
                stored = &keys[r];
        char cand[8][64], set[256], before[4096], after[4096], what[320];
        size_t m = candidates(k, cand, 8);
        int done = 0;
        xb_key_get(stored, &base, before, sizeof before);
        for (size_t j = 0; j < m; j++) {
            snprintf(set, sizeof set, "%s.%s=%s", k->group, k->name, cand[j]);
            snprintf(what, sizeof what, "--set %s", set);
            /* A train.* key that only some algorithms read is refused with
             * another (test_experiment.c): set with its reader. */
            const char *sets[4] = {set};
            size_t n_sets = 1 + algorithm_of(k, sets + 1);
            if (!experiment_round_trip(path, sets, n_sets, what))
                continue;
            xb_key_get(stored, &exp_a, after, sizeof after);
            if (strcmp(before, after)) {
                done = 1;
                kinds_seen |= 1u << k->type;
            }
        }
        cr_assert(done, "%s.%s: no candidate value was accepted and differed from the base",
                  k->group, k->name);
    }
    unsigned want = 1u << XB_KEY_INT | 1u << XB_KEY_REAL | 1u << XB_KEY_BOOL |
                    1u << XB_KEY_ENUM | 1u << XB_KEY_STRING | 1u << XB_KEY_REALS;
    cr_assert_eq(kinds_seen & want, want, "key types exercised: %#x", kinds_seen);
    unlink(path);
    xb_free(path);
}

/* Every energy key set by --set energy.KEY to each candidate value, in an
 * experiment with a device group and in one without (the prices do not
 * make a device sweep): parse -> /config text (an energy group of the keys
 * off their defaults) -> parse gives the same struct and text, and the
 * value is the one set. At the defaults the text has no energy group, so
 * the /config of runs that set no price is what it was before the group
 * existed. */
Test(registry, energy_rows_round_trip)
{
    size_t n;
    const struct xb_key *keys = xb_energy_keys(&n);
    static const char noise_only[] =
        "data = { set = \"synthetic\"; };\n"
        "model = { name = \"rt\"; input = [1, 4, 4]; classes = 2;\n"
        "  layers = ( { type = \"flatten\"; }, { type = \"dense\"; units = 2; } ); };\n";
    const char *bases[] = {base_experiment, noise_only};
    for (size_t b = 0; b < 2; b++) {
        char *path = write_file("energy.cfg", bases[b]);
        cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &exp_a), XB_OK, "%s",
                     xb_ctx_error(ctx));
        const int have_device = exp_a.have_device;
        char *text = xb_experiment_text(&exp_a);
        cr_assert_null(strstr(text, "energy"), "%s", text);
        xb_free(text);
        for (size_t i = 0; i < n; i++) {
            char cand[8][64], set[256], what[320];
            size_t m = candidates(&keys[i], cand, 8), done = 0;
            for (size_t j = 0; j < m; j++) {
                snprintf(set, sizeof set, "energy.%s=%s", keys[i].name, cand[j]);
                snprintf(what, sizeof what, "--set %s (%s)", set, b ? "noise" : "device");
                const char *sets[] = {set};
                cr_assert(experiment_round_trip(path, sets, 1, what), "%s: %s", what,
                          xb_ctx_error(ctx));
                cr_assert_eq(exp_b.have_device, have_device, "%s", what);
                struct xb_energy_params want;
                xb_energy_params_default(&want);
                cr_assert_eq(xb_key_set(ctx, &keys[i], &want, cand[j], "o"), XB_OK);
                cr_assert_eq(xb_key_load(&keys[i], &exp_b.device.energy),
                             xb_key_load(&keys[i], &want), "%s", what);
                done += !xb_key_at_default(&keys[i], &exp_b.device.energy);
            }
            cr_assert_gt(done, 0, "energy.%s: no candidate differed from the default",
                         keys[i].name);
        }
        unlink(path);
        xb_free(path);
    }
}

/* Every layer field, written in a layer of a kind that uses it: file ->
 * text -> file gives the same struct and text. */
Test(registry, layer_rows_round_trip)
{
    size_t n;
    const struct xb_key *lk = xb_layer_keys(&n);
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &lk[i];
        if (!k->group)
            continue; /* type: every file has it */
        char kind[32], cand[8][64], text[1024], what[128];
        snprintf(kind, sizeof kind, "%s", k->group);
        kind[strcspn(kind, " ")] = '\0';
        size_t m = candidates(k, cand, 8);
        int done = 0;
        for (size_t j = 0; j < m; j++) {
            struct xb_layer_config lc = {0};
            if (xb_key_set(ctx, k, &lc, cand[j], "o") || xb_key_at_default(k, &lc))
                continue;
            const char *q = k->type == XB_KEY_STRING || k->type == XB_KEY_ENUM ? "\"" : "";
            snprintf(text, sizeof text,
                     "model = { input = [1, 4, 4]; classes = 2;\n"
                     "  layers = ( { type = \"%s\"; %s = %s%s%s; },\n"
                     "    { type = \"dense\"; units = 2; } ); };\n",
                     kind, k->name, q, cand[j], q);
            snprintf(what, sizeof what, "%s.%s = %s", kind, k->name, cand[j]);
            char *path = write_file("layer.cfg", text);
            done |= experiment_round_trip(path, NULL, 0, what);
            cr_assert_eq(xb_key_load(k, &exp_a.model.layers[0]), xb_key_load(k, &lc), "%s",
                         what);
            unlink(path);
            xb_free(path);
        }
        cr_assert(done, "layer field %s: no candidate round-tripped", k->name);
    }
}

/* Resolves settings into c; the status. */
static enum xb_status resolve(const char *const *kv, size_t n, struct xb_config *c)
{
    struct xb_settings s = {0};
    enum xb_status st = XB_OK;
    for (size_t i = 0; i < n && !st; i++)
        st = xb_settings_add_assignment(ctx, &s, kv[i], kv[i]);
    xb_config_default(c);
    if (!st)
        st = xb_config_resolve(ctx, &s, c);
    xb_settings_free(&s);
    return st;
}

static void config_round_trip(const struct xb_config *a, const char *what)
{
    char *text = xb_config_text(a);
    char *path = write_file("dev.cfg", text);
    struct xb_settings s = {0};
    struct xb_config b;
    xb_config_default(&b);
    cr_assert_eq(xb_config_read(ctx, path, &s), XB_OK, "%s: %s", what, xb_ctx_error(ctx));
    cr_assert_eq(xb_config_resolve(ctx, &s, &b), XB_OK, "%s: %s\n%s", what, xb_ctx_error(ctx),
                 text);
    cr_assert_eq(memcmp(a, &b, sizeof b), 0, "%s: the config read back differs\n%s", what,
                 text);
    xb_settings_free(&s);
    unlink(path);
    xb_free(path), xb_free(text);
}

/* Every engine key (on pcm), and every parameter of every device type,
 * set by --set to each candidate: resolve -> /config text -> resolve gives
 * the same struct xb_config (memcmp). The custom kind (adc_range) is one
 * of them. */
Test(registry, engine_and_device_rows_round_trip)
{
    size_t n, nd;
    const struct xb_key *keys = xb_config_keys(&n);
    struct xb_config a;
    char set[256], type[64], cand[8][64];
    for (size_t i = 0; i < n; i++) {
        size_t m = candidates(&keys[i], cand, 8);
        int done = 0;
        for (size_t j = 0; j < m; j++) {
            snprintf(set, sizeof set, "xbar.%s=%s", keys[i].name, cand[j]);
            const char *kv[] = {"device.type=pcm", set};
            if (resolve(kv, 2, &a) != XB_OK || xb_key_at_default(&keys[i], &a))
                continue;
            config_round_trip(&a, set);
            done = 1;
        }
        cr_assert(done, "xbar.%s: no candidate round-tripped", keys[i].name);
    }
    const struct xb_device_type *const *types = xb_device_types(&nd);
    for (size_t t = 0; t < nd; t++) {
        snprintf(type, sizeof type, "device.type=%s", types[t]->name);
        for (size_t i = 0; i < types[t]->n_params; i++) {
            const struct xb_key *k = &types[t]->params[i];
            size_t m = candidates(k, cand, 8);
            int done = 0;
            for (size_t j = 0; j < m; j++) {
                snprintf(set, sizeof set, "device.%s=%s", k->name, cand[j]);
                const char *kv[] = {type, set};
                if (resolve(kv, 2, &a) != XB_OK || a.xbar.device.p[i] == k->def)
                    continue;
                config_round_trip(&a, set);
                done = 1;
            }
            cr_assert(done, "%s: device.%s: no candidate round-tripped", types[t]->name,
                      k->name);
        }
    }
}

/* The rows hold the defaults of the config layer; they must be the
 * engine's (xb_xbar_params_default, but for the ADC range the config
 * calibrates as max) and training's (xb_train_params_default). */
Test(registry, defaults_agree_with_the_modules)
{
    struct xb_config c;
    struct xb_xbar_params p, q;
    xb_config_default(&c);
    xb_config_xbar_params(&c, &p);
    xb_xbar_params_default(&q);
    cr_assert_eq(p.adc_calib, XB_ADC_MAX);
    p.adc_calib = q.adc_calib;
    p.adc_value = q.adc_value;
    cr_assert_eq(memcmp(&p, &q, sizeof p), 0);
    cr_assert_eq(c.t, 0.0);

    char *path = write_file("min.cfg", "model = { input = [1, 4, 4]; classes = 2;\n"
                                       "  layers = ( { type = \"flatten\"; } ); };\n");
    cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &exp_a), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_train_params d;
    xb_train_params_default(&d);
    cr_assert_eq(memcmp(&exp_a.train.optim, &d.optim, sizeof d.optim), 0);
    cr_assert_eq(exp_a.train.batch, d.batch);
    unlink(path);
    xb_free(path);
}

/* A layer field's kinds are real kinds; a kind outside them refuses the
 * field when set (naming it), a kind inside accepts it. */
Test(registry, layer_fields_unused_by_a_kind_are_refused)
{
    size_t n;
    const struct xb_key *lk = xb_layer_keys(&n);
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *k = &lk[i];
        if (!k->group)
            continue;
        char words[128];
        snprintf(words, sizeof words, "%s", k->group);
        for (char *save = NULL, *w = strtok_r(words, " ", &save); w;
             w = strtok_r(NULL, " ", &save))
            cr_assert_not_null(xb_layer_type_find(w), "field %s: '%s' is not a layer kind",
                               k->name, w);
        char cand[8][64];
        size_t m = candidates(k, cand, 8);
        for (size_t kd = 0; kd < N_KINDS; kd++) {
            struct xb_layer_config lc = {0};
            snprintf(lc.type, sizeof lc.type, "%s", kinds[kd]);
            for (size_t j = 0; j < m && xb_key_at_default(k, &lc); j++)
                xb_key_set(ctx, k, &lc, cand[j], "o");
            cr_assert(!xb_key_at_default(k, &lc));
            struct xb_layer l = {.id = 3};
            enum xb_status st = xb_layer_check_unused(ctx, &l, &lc);
            if (xb_layer_key_used(k, kinds[kd])) {
                cr_assert_eq(st, XB_OK, "%s.%s: %s", kinds[kd], k->name, xb_ctx_error(ctx));
            } else {
                char want[128];
                snprintf(want, sizeof want, "field '%s' is set but a %s layer", k->name,
                         kinds[kd]);
                cr_assert_eq(st, XB_EINVAL, "%s.%s accepted", kinds[kd], k->name);
                cr_assert(strstr(xb_ctx_error(ctx), want), "%s", xb_ctx_error(ctx));
            }
        }
    }
}

/* The usage of a subcommand that takes keys lists every row, with its
 * default where it has one. */
Test(registry, usage_lists_every_row)
{
    static const struct xb_cli_spec spec = {
        .name = "test", .args = "", .summary = "a test",
        .config_keys = XB_CLI_ENGINE_KEYS | XB_CLI_EXPERIMENT_KEYS};
    char a0[] = "test", *argv[] = {a0, NULL};
    struct xb_cli cli;
    xb_cli_init(&cli, &spec, 1, argv);
    char *text = NULL;
    size_t size = 0, n;
    FILE *f = open_memstream(&text, &size);
    cr_assert_not_null(f);
    xb_cli_usage(&cli, f);
    fclose(f);
    char want[128];
    const struct xb_key *k = xb_config_keys(&n);
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "\n  %s=", k[i].name);
        cr_assert(strstr(text, want), "usage lacks %s", want + 1);
    }
    k = xb_experiment_keys(&n);
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "\n  %s.%s=", k[i].group, k[i].name);
        cr_assert(strstr(text, want), "usage lacks %s", want + 1);
    }
    k = xb_layer_keys(&n);
    for (size_t i = 0; i < n; i++) {
        snprintf(want, sizeof want, "\n  %s ", k[i].name);
        cr_assert(strstr(text, want), "usage lacks %s", want + 1);
    }
    free(text);
    xb_cli_free(&cli);
}
