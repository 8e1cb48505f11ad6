/* models/layers/xb_act: the vectorised sigmoid and tanh against double-precision
 * references on a dense grid, saturation, NaN, and the same bits whatever
 * the position in the array (vector body vs scalar tail). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "xb_act.h"

enum { N = 200001 };
static float *grid(void)
{
    float *x = malloc(N * sizeof *x);
    cr_assert(x);
    for (int i = 0; i < N; i++) /* -25 .. 25, step 2.5e-4, plus every multiple of it */
        x[i] = (float)(-25.0 + 50.0 * i / (N - 1));
    return x;
}

Test(act, tanh_accuracy)
{
    float *x = grid(), *y = malloc(N * sizeof *y);
    xb_tanh(x, y, N);
    double worst_abs = 0.0, worst_rel = 0.0;
    for (int i = 0; i < N; i++) {
        double want = tanh((double)x[i]), err = fabs((double)y[i] - want);
        worst_abs = fmax(worst_abs, err);
        if (fabs((double)x[i]) < 0.625 && want != 0.0)
            worst_rel = fmax(worst_rel, err / fabs(want));
        cr_assert_leq(fabs((double)y[i]), 1.0, "|tanh| > 1 at %g", (double)x[i]);
    }
    cr_assert_lt(worst_abs, 2e-7, "worst absolute error %g", worst_abs);
    cr_assert_lt(worst_rel, 3e-7, "worst relative error below 0.625: %g", worst_rel);
    const float tiny[3] = {1e-20f, -3e-8f, 0.0f};
    float t[3];
    xb_tanh(tiny, t, 3);
    cr_assert_eq(t[0], 1e-20f);
    cr_assert_eq(t[1], -3e-8f);
    cr_assert_eq(t[2], 0.0f);
    free(x), free(y);
}

Test(act, sigmoid_accuracy)
{
    float *x = grid(), *y = malloc(N * sizeof *y);
    xb_sigmoid(x, y, N);
    double worst_abs = 0.0, worst_rel = 0.0;
    for (int i = 0; i < N; i++) {
        double want = 1.0 / (1.0 + exp(-(double)x[i])), err = fabs((double)y[i] - want);
        worst_abs = fmax(worst_abs, err);
        worst_rel = fmax(worst_rel, err / want);
        cr_assert(y[i] >= 0.0f && y[i] <= 1.0f);
    }
    cr_assert_lt(worst_abs, 2e-7, "worst absolute error %g", worst_abs);
    cr_assert_lt(worst_rel, 1e-6, "worst relative error %g", worst_rel);
    free(x), free(y);
}

Test(act, saturation_and_nan)
{
    const float x[6] = {1e30f, -1e30f, INFINITY, -INFINITY, NAN, 100.0f};
    float s[6], t[6];
    xb_sigmoid(x, s, 6);
    xb_tanh(x, t, 6);
    cr_assert_eq(s[0], 1.0f);
    cr_assert_lt(s[1], 1e-37f);
    cr_assert_eq(s[2], 1.0f);
    cr_assert_lt(s[3], 1e-37f);
    cr_assert(isnan(s[4]), "NaN must reach the training's NaN guard");
    cr_assert_eq(t[0], 1.0f);
    cr_assert_eq(t[1], -1.0f);
    cr_assert_eq(t[2], 1.0f);
    cr_assert_eq(t[3], -1.0f);
    cr_assert(isnan(t[4]));
    cr_assert_eq(t[5], 1.0f);
}

/* Each element computed alone (the scalar tail) equals the same element
 * computed inside a long array (the vector body), and in place equals out
 * of place. */
Test(act, same_bits_anywhere)
{
    enum { M = 1003 };
    float x[M], a[M], b[M], one;
    for (int i = 0; i < M; i++)
        x[i] = (float)(0.037 * (i - 500)) + (float)i * 1e-4f;
    xb_tanh(x, a, M);
    for (int i = 0; i < M; i++) {
        xb_tanh(x + i, &one, 1);
        cr_assert_eq(one, a[i], "tanh(%a): %a alone, %a in the array", (double)x[i],
                     (double)one, (double)a[i]);
    }
    xb_sigmoid(x, a, M);
    for (int i = 0; i < M; i++) {
        xb_sigmoid(x + i, &one, 1);
        cr_assert_eq(one, a[i], "sigmoid(%a)", (double)x[i]);
    }
    for (int i = 0; i < M; i++)
        b[i] = x[i];
    xb_sigmoid(b + 1, b + 1, M - 1);
    for (int i = 1; i < M; i++)
        cr_assert_eq(b[i], a[i], "in place, shifted by one");
}
