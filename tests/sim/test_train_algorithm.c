/*
 * train.algorithm: the key picks the entry of the training table
 * (models/train/xb_train.h), train.hw_aware stays its older name for
 * hw-aware, the LR keys round-trip through the stored text, and
 * configurations the likelihood-ratio trainers cannot run fail at read
 * time naming the key.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_experiment.h"

static struct xb_ctx *ctx;
static struct xb_experiment e;

static void setup(void) { ctx = xb_ctx_create(NULL); }
static void teardown(void) { xb_ctx_free(ctx); }
TestSuite(train_algorithm, .init = setup, .fini = teardown);

static const char *const cfg = "configs/paper000/dense_nit_mnist.cfg";

static enum xb_status read_with(const char *const *sets, size_t n)
{
    return xb_experiment_read(ctx, cfg, sets, n, &e);
}

Test(train_algorithm, key_selects_the_entry)
{
    cr_assert_eq(read_with(NULL, 0), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(e.train.algorithm, XB_TRAIN_NIT);
    cr_assert_eq(e.train.lr.copies, 32u);
    cr_assert(e.train.lr.baseline);
    const char *const names[] = {"nit-s", "nit-s+", "nit", "backprop"};
    const enum xb_train_algorithm want[] = {XB_TRAIN_NIT_S, XB_TRAIN_NIT_S_PLUS, XB_TRAIN_NIT,
                                            XB_TRAIN_BACKPROP};
    for (size_t k = 0; k < 4; k++) {
        char set[64];
        snprintf(set, sizeof set, "train.algorithm=%s", names[k]);
        /* Each algorithm is given only the keys it reads (the others are
         * refused: test_experiment.c). */
        const int lr = want[k] >= XB_TRAIN_NIT, plus = want[k] == XB_TRAIN_NIT_S_PLUS;
        const char *sets[] = {set, lr ? "train.copies=7" : "train.baseline=false",
                              plus ? "train.switch_epoch=5" : "train.epochs=3"};
        cr_assert_eq(read_with(sets, 3), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert_eq(xb_train_algorithm_of(&e.train), want[k], "%s", names[k]);
        cr_assert_eq(e.train.lr.switch_epoch, plus ? 5 : 70);
        cr_assert_eq(xb_train_rows(&e.train), want[k] >= XB_TRAIN_NIT ? 7u * 32u : 32u);
        /* The stored text names the choice and reads back to the same
         * entry and keys. */
        char *text = xb_experiment_text(&e);
        char want_line[64];
        snprintf(want_line, sizeof want_line, "algorithm = \"%s\"", names[k]);
        cr_assert(k == 3 ? !strstr(text, "algorithm") : strstr(text, want_line) != NULL,
                  "%s", text);
        char path[] = "/tmp/xbar-train-algorithm-XXXXXX";
        int fd = mkstemp(path);
        cr_assert(fd >= 0);
        FILE *f = fdopen(fd, "w");
        cr_assert(f && fputs(text, f) >= 0 && fclose(f) == 0);
        const struct xb_train_params was = e.train;
        cr_assert_eq(xb_experiment_read(ctx, path, NULL, 0, &e), XB_OK, "%s\n%s",
                     xb_ctx_error(ctx), text);
        unlink(path);
        cr_assert_eq(xb_train_algorithm_of(&e.train), want[k], "%s read back", names[k]);
        cr_assert(e.train.lr.copies == was.lr.copies && e.train.lr.baseline == was.lr.baseline &&
                      e.train.lr.switch_epoch == was.lr.switch_epoch,
                  "%s: the LR keys read back other values", names[k]);
        xb_free(text);
    }
}

Test(train_algorithm, paper000_dense_configs_parse)
{
    const char *files[] = {"configs/paper000/dense_nit_mnist.cfg",
                           "configs/paper000/dense_nit_s_mnist.cfg",
                           "configs/paper000/dense_nit_s_plus_mnist.cfg"};
    const enum xb_train_algorithm want[] = {XB_TRAIN_NIT, XB_TRAIN_NIT_S, XB_TRAIN_NIT_S_PLUS};
    for (size_t k = 0; k < 3; k++) {
        cr_assert_eq(xb_experiment_read(ctx, files[k], NULL, 0, &e), XB_OK, "%s",
                     xb_ctx_error(ctx));
        cr_assert_eq(e.train.algorithm, want[k], "%s", files[k]);
        cr_assert(e.model.layers[2].learn_sigma && e.model.layers[5].learn_sigma, "%s",
                  files[k]);
    }
}

Test(train_algorithm, unknown_name_is_refused)
{
    const char *sets[] = {"train.algorithm=stbp"};
    cr_assert_neq(read_with(sets, 1), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "train.algorithm"), "%s", xb_ctx_error(ctx));
    cr_assert(strstr(xb_ctx_error(ctx), "nit-s+"), "%s", xb_ctx_error(ctx));
}

Test(train_algorithm, lr_needs_additive_noise_and_a_positive_sigma)
{
    const char *mult[] = {"sweep.noise=mult"};
    cr_assert_neq(read_with(mult, 1), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "sweep.noise"), "%s", xb_ctx_error(ctx));
    const char *zero[] = {"sweep.sigma_train=0,1"};
    cr_assert_neq(read_with(zero, 1), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "sigma_train > 0"), "%s", xb_ctx_error(ctx));
    const char *bounds[] = {"train.sigma_min=2", "train.sigma_max=1"};
    cr_assert_neq(read_with(bounds, 2), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "train.sigma_min"), "%s", xb_ctx_error(ctx));
}

/* A sign key of NIT-S (train.KEY, names NAME0 and NAME1, the second set
 * as `set`): refused under `other_alg` ("" for the default, backprop)
 * naming the key and its readers; under `alg` it sets *field (and leaves
 * *other clear) and is stored in the text; `bad` is refused listing both
 * names; unset, *field is clear and the text does not write the key. */
static void check_sign_key(const char *key, const char *name0, const char *name1,
                           const char *bad, const char *other_alg, const char *alg,
                           const int *field, const int *other)
{
    char full[64], set_key[64], set_bad[64], set_alg[64], set_other[64], stored[64];
    snprintf(full, sizeof full, "train.%s", key);
    snprintf(set_key, sizeof set_key, "train.%s=%s", key, name1);
    snprintf(set_bad, sizeof set_bad, "train.%s=%s", key, bad);
    snprintf(set_alg, sizeof set_alg, "train.algorithm=%s", alg);
    snprintf(set_other, sizeof set_other, "train.algorithm=%s", other_alg);
    snprintf(stored, sizeof stored, "%s = \"%s\"", key, name1);
    const char *wrong[] = {set_key, set_other};
    cr_assert_neq(read_with(wrong, *other_alg ? 2 : 1), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), full) && strstr(xb_ctx_error(ctx), "nit-s and nit-s+"),
              "%s", xb_ctx_error(ctx));
    const char *good[] = {set_alg, set_key};
    cr_assert_eq(read_with(good, 2), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(*field && !*other);
    char *text = xb_experiment_text(&e);
    cr_assert(strstr(text, stored), "%s", text);
    xb_free(text);
    const char *refused[] = {set_alg, set_bad};
    cr_assert_neq(read_with(refused, 2), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), name0) && strstr(xb_ctx_error(ctx), name1), "%s",
              xb_ctx_error(ctx));
    const char *none[] = {set_alg};
    cr_assert_eq(read_with(none, 1), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert(!*field);
    text = xb_experiment_text(&e);
    cr_assert(!strstr(text, key), "%s", text);
    xb_free(text);
}

/* train.sign_zero: read by the sign entries alone; "plus" is eq. 3's sgn(0)
 * = +1, any other name refused with the accepted ones. */
Test(train_algorithm, sign_zero_belongs_to_the_sign_entries)
{
    check_sign_key("sign_zero", "zero", "plus", "one", "", "nit-s", &e.train.lr.sign_zero_plus,
                   &e.train.lr.sign_bipolar);
}

/* train.sign_spikes: read by the sign entries alone (nit-s+ too);
 * "bipolar" (paper 000 §3.3's ±1 spikes) stored, other names refused. */
Test(train_algorithm, sign_spikes_belongs_to_the_sign_entries)
{
    check_sign_key("sign_spikes", "binary", "bipolar", "pm1", "nit", "nit-s+",
                   &e.train.lr.sign_bipolar, &e.train.lr.sign_zero_plus);
}

/* hw_aware = true is the hw-aware entry; with another algorithm it is a
 * contradiction, refused. */
Test(train_algorithm, hw_aware_is_the_hw_aware_entry)
{
    const char *sets[] = {"train.hw_aware=true"};
    cr_assert_neq(read_with(sets, 1), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "train.hw_aware"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_experiment_read(ctx, "configs/pcm_mlp_mnist.cfg", NULL, 0, &e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_train_algorithm_of(&e.train), XB_TRAIN_BACKPROP);
    /* The older name alone selects the entry. */
    cr_assert_eq(xb_experiment_read(ctx, "configs/pcm_mlp_mnist.cfg", sets, 1, &e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert_eq(xb_train_algorithm_of(&e.train), XB_TRAIN_HW_AWARE);
    const char *alg[] = {"train.algorithm=hw-aware", "train.hw_aware=false"};
    cr_assert_eq(xb_experiment_read(ctx, "configs/pcm_mlp_mnist.cfg", alg, 2, &e), XB_OK, "%s",
                 xb_ctx_error(ctx));
    cr_assert(e.train.hw_aware, "algorithm = hw-aware did not set the device training");
    cr_assert_eq(xb_train_algorithm_of(&e.train), XB_TRAIN_HW_AWARE);
}

/* train.algorithm = "adversarial" with its attack keys (paper 001 §4's
 * configs); they round-trip through the stored text; an unknown attack
 * kind is refused naming the key; backprop configs keep their text. */
Test(train_algorithm, adversarial_reads_its_attack_keys)
{
    const char *file = "configs/paper001/advtrain_cnn4_mnist.cfg";
    cr_assert_eq(xb_experiment_read(ctx, file, NULL, 0, &e), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_train_algorithm_of(&e.train), XB_TRAIN_ADVERSARIAL);
    cr_assert_str_eq(e.adv_attack, "pgd");
    cr_assert(e.adv.eps == 0.3 && e.adv.step == 0.04 && e.adv.steps == 10);
    char *text = xb_experiment_text(&e);
    cr_assert(strstr(text, "adv_eps = 0.29999999999999999") && strstr(text, "adv_steps = 10") &&
              strstr(text, "adv_attack = \"pgd\""), "%s", text);
    xb_free(text);
    const char *bad[] = {"train.adv_attack=pgdx"};
    cr_assert_eq(xb_experiment_read(ctx, file, bad, 1, &e), XB_ENOTFOUND);
    cr_assert(strstr(xb_ctx_error(ctx), "train.adv_attack") &&
              strstr(xb_ctx_error(ctx), "pgdx"), "%s", xb_ctx_error(ctx));
    const char *range[] = {"train.adv_eps=1.5"};
    cr_assert_neq(xb_experiment_read(ctx, file, range, 1, &e), XB_OK);
    cr_assert(strstr(xb_ctx_error(ctx), "adv_eps"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(read_with(NULL, 0), XB_OK, "%s", xb_ctx_error(ctx));
    text = xb_experiment_text(&e);
    cr_assert(!strstr(text, "adv_"), "%s", text);
    xb_free(text);
}
