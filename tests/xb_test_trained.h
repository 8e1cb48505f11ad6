/*
 * xb_test_trained.h — the small trained model the attack tests run on
 * (tests/models/test_attack.c, test_attack_device.c; header-only: every
 * tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_TRAINED_H
#define XB_TEST_TRAINED_H

#include <criterion/criterion.h>

#include "xb_data.h"
#include "xb_net.h"
#include "xb_test_net.h"
#include "xb_train.h"

struct xb_test_trained {
    struct xb_net *net;
    struct xb_dataset *train, *test;
};

/* 8 × 8 synthetic digits (sim/data/xb_data_synth.c, pixel noise 0.35;
 * 1000 training and 200 test images), 64-32-10 MLP with a noise layer
 * after each product, 4 epochs of Adam; passes of up to rows rows. */
static inline struct xb_test_trained xb_test_train_mlp(struct xb_ctx *ctx, size_t rows)
{
    struct xb_test_trained m;
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = 1000, sp.n_test = 200, sp.sigma = 0.35;
    cr_assert_eq(xb_data_synth(ctx, &sp, 7, &m.train, &m.test), XB_OK);
    struct xb_net_config cfg = {.input = {1, 8, 8}, .classes = 10, .n_layers = 6};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("dense", 32);
    cfg.layers[2] = xb_test_layer("noise", 0);
    cfg.layers[3] = xb_test_layer("relu", 0);
    cfg.layers[4] = xb_test_layer("dense", 10);
    cfg.layers[5] = xb_test_layer("noise", 0);
    m.net = xb_test_net(ctx, &cfg, rows);
    xb_net_init(m.net, 11);
    struct xb_train_params tp;
    xb_train_params_default(&tp);
    tp.optim.lr = 0.01;
    struct xb_trainer *tr;
    cr_assert_eq(xb_trainer_create(ctx, m.net, &tp, &tr), XB_OK);
    for (int e = 0; e < 4; e++) {
        double loss;
        cr_assert_eq(xb_trainer_epoch(ctx, tr, m.train->x, m.train->y, m.train->n, &loss),
                     XB_OK);
    }
    xb_trainer_free(tr);
    return m;
}

static inline void xb_test_trained_free(struct xb_test_trained *m)
{
    xb_net_free(m->net);
    xb_dataset_free(m->train), xb_dataset_free(m->test);
}

#endif
