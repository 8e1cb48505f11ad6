/*
 * xb_test_synth.h — the synthetic data set the sweep tests run on, split
 * into the train / validation / test parts of a struct xb_sweep_data, and
 * removing a test's temporary directory; shared by tests/sim/test_sweep.c,
 * test_layout.c and test_resume_bounds.c (header-only: every
 * tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_SYNTH_H
#define XB_TEST_SYNTH_H

#include <criterion/criterion.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "xb_data.h"
#include "xb_sweep.h"

/* n_train + n_test synthetic images (seed 3); the first n_fit training
 * images are fitted, the rest (if any) validate. */
static inline void xb_test_synth_sweep(struct xb_ctx *ctx, size_t n_train, size_t n_fit,
                                       size_t n_test, struct xb_dataset **train,
                                       struct xb_dataset **test, struct xb_sweep_data *data)
{
    struct xb_data_synth_params sp;
    xb_data_synth_default(&sp);
    sp.n_train = n_train;
    sp.n_test = n_test;
    cr_assert_eq(xb_data_synth(ctx, &sp, 3, train, test), XB_OK, "%s", xb_ctx_error(ctx));
    const struct xb_dataset *tr = *train;
    *data = (struct xb_sweep_data){.train = {tr->x, tr->y, n_fit},
                                   .test = {(*test)->x, (*test)->y, (*test)->n}};
    if (n_fit < n_train)
        data->val = (struct xb_split){tr->x + n_fit * tr->dim, tr->y + n_fit,
                                                n_train - n_fit};
}

/* Runs sweep e to the end with threads (stopping after stop_after steps
 * if > 0), saving after every step as xbar sweep does. */
static inline void xb_test_sweep_run(struct xb_ctx *ctx, const struct xb_experiment *e,
                                     const struct xb_sweep_data *data, int threads, int resume,
                                     int stop_after)
{
    struct xb_sweep *s;
    omp_set_num_threads(threads);
    cr_assert_eq(xb_sweep_create(ctx, e, data, "test", resume, &s), XB_OK, "%s",
                 xb_ctx_error(ctx));
    for (int k = 0; xb_sweep_pending(s) && (stop_after <= 0 || k < stop_after); k++) {
        cr_assert_eq(xb_sweep_step(ctx, s, 0), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert_eq(xb_sweep_save(ctx, s), XB_OK, "%s", xb_ctx_error(ctx));
    }
    xb_sweep_free(s);
}

static inline void xb_test_remove_dir(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
