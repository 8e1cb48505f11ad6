/*
 * conv2d off the device, bit for bit against its definition
 * (models/layers/layer_conv2d.c): per sample, T[C·k·k × P] built by the
 * plain loop with padding tests, Y = W·T onto the bias, dT = Wᵀ·dY summed
 * back onto the pixels in (c, ky, kx, oy, ox) order from 0, dWᵀ = T·dYᵀ and
 * db = Σ_q dY in double, the partials added into the gradient in sample
 * order. The layer reorganises how it moves the data (a zero-bordered copy
 * of the sample, rows as whole vector moves) but must not change a bit; the
 * shapes make rows of every length class the copies and sums treat apart
 * (under 8 floats, 8, 9-16, 17-24, 25-32, over 32), with and without
 * padding, more samples than a backward round (16), both GEMMs.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "xb_test_layers.h"
#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_sgemm.h"

TestSuite(conv, .init = setup, .fini = teardown);

struct shape {
    int c, h, w, units, k, pad;
};

/* The direct T of one sample [C × H × W]. */
static void ref_im2col(const struct shape *s, int oh, int ow, const float *x, float *T)
{
    const size_t P = (size_t)oh * (size_t)ow;
    for (int c = 0; c < s->c; c++)
        for (int ky = 0; ky < s->k; ky++)
            for (int kx = 0; kx < s->k; kx++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        const int iy = oy - s->pad + ky, ix = ox - s->pad + kx;
                        const size_t r = (((size_t)c * (size_t)s->k + (size_t)ky) *
                                              (size_t)s->k + (size_t)kx);
                        T[r * P + (size_t)oy * (size_t)ow + (size_t)ox] =
                            iy >= 0 && iy < s->h && ix >= 0 && ix < s->w
                                ? x[((size_t)c * (size_t)s->h + (size_t)iy) * (size_t)s->w +
                                    (size_t)ix]
                                : 0.0f;
                    }
}

static void same_bits(const char *what, const float *got, const float *want, size_t n,
                      const struct shape *s, enum xb_gemm_impl impl)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(!memcmp(&got[i], &want[i], sizeof(float)),
                  "%s[%zu] = %a, want %a (C %d, %d x %d, k %d, pad %d, %s)", what, i,
                  (double)got[i], (double)want[i], s->c, s->h, s->w, s->k, s->pad,
                  xb_gemm_impl_name(impl));
}

static void check_shape(const struct shape *s, enum xb_gemm_impl impl)
{
    enum { N = 19 };
    struct xb_layer_config cfg = {.type = "conv2d", .units = s->units, .kernel = s->k,
                                  .pad = s->pad};
    struct xb_layer l = {.type = &xb_layer_conv2d, .id = 3, .in = {s->c, s->h, s->w},
                         .max_rows = N};
    cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_OK, "%s", xb_ctx_error(ctx));
    const int oh = s->h + 2 * s->pad - s->k + 1, ow = s->w + 2 * s->pad - s->k + 1;
    cr_assert_eq(l.out.h, oh);
    cr_assert_eq(l.out.w, ow);
    const size_t P = (size_t)oh * (size_t)ow, ckk = (size_t)s->c * (size_t)s->k * (size_t)s->k;
    const size_t units = (size_t)s->units, nw = units * ckk, np = nw + units;
    const size_t in_sz = (size_t)s->c * (size_t)s->h * (size_t)s->w, out_sz = units * P;
    float *params = xb_aligned(np, sizeof(float)), *grads = xb_aligned(np, sizeof(float));
    float *x = xb_aligned(N * in_sz, sizeof(float)), *dy = xb_aligned(N * out_sz, sizeof(float));
    float *y = xb_aligned(N * out_sz, sizeof(float)), *dx = xb_aligned(N * in_sz, sizeof(float));
    float *ry = xb_aligned(N * out_sz, sizeof(float)), *rdx = xb_aligned(N * in_sz, sizeof(float));
    float *rg = xb_aligned(np, sizeof(float)), *part = xb_aligned(np, sizeof(float));
    float *T = xb_aligned(ckk * P, sizeof(float)), *dT = xb_aligned(ckk * P, sizeof(float));
    fill_normal(params, np, 60, 0.5f);
    fill_normal(x, N * in_sz, 61, 1.0f);
    fill_normal(dy, N * out_sz, 62, 1.0f);
    for (size_t i = 0; i < N * out_sz; i += 7)
        dy[i] = -0.0f; /* signed zeros: 0 + (−0) is +0, so the sums' start shows */
    l.params = params;
    l.grads = grads;
    for (size_t i = 0; i < np; i++)
        grads[i] = rg[i] = 0.25f * (float)(i % 5); /* backward adds to what is there */

    struct xb_pass p = pass_of(N, XB_PHASE_TRAIN);
    p.gemm = impl;
    l.type->forward(&l, &p, x, y);
    l.type->backward(&l, &p, x, y, dy, dx);

    const float *W = params, *b = params + nw;
    for (size_t n = 0; n < N; n++) {
        const float *dys = dy + n * out_sz;
        float *ys = ry + n * out_sz, *dxs = rdx + n * in_sz;
        ref_im2col(s, oh, ow, x + n * in_sz, T);
        for (size_t o = 0; o < units; o++)
            for (size_t q = 0; q < P; q++)
                ys[o * P + q] = b[o];
        xb_sgemm(impl, 0, 0, units, P, ckk, 1.0f, W, ckk, T, P, 1.0f, ys, P);
        xb_sgemm(impl, 0, 1, ckk, units, P, 1.0f, T, P, dys, P, 0.0f, part, units);
        for (size_t o = 0; o < units; o++) {
            double acc = 0.0;
            for (size_t q = 0; q < P; q++)
                acc += (double)dys[o * P + q];
            part[nw + o] = (float)acc;
        }
        for (size_t o = 0; o < units; o++)
            for (size_t q = 0; q < ckk; q++)
                rg[o * ckk + q] += part[q * units + o];
        for (size_t o = 0; o < units; o++)
            rg[nw + o] += part[nw + o];
        xb_sgemm(impl, 1, 0, ckk, P, units, 1.0f, W, ckk, dys, P, 0.0f, dT, P);
        memset(dxs, 0, in_sz * sizeof(float));
        for (int c = 0; c < s->c; c++)
            for (int ky = 0; ky < s->k; ky++)
                for (int kx = 0; kx < s->k; kx++)
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++) {
                            const int iy = oy - s->pad + ky, ix = ox - s->pad + kx;
                            if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w)
                                continue;
                            const size_t r = ((size_t)c * (size_t)s->k + (size_t)ky) *
                                                 (size_t)s->k + (size_t)kx;
                            dxs[((size_t)c * (size_t)s->h + (size_t)iy) * (size_t)s->w +
                                (size_t)ix] += dT[r * P + (size_t)oy * (size_t)ow + (size_t)ox];
                        }
    }
    same_bits("y", y, ry, N * out_sz, s, impl);
    same_bits("dx", dx, rdx, N * in_sz, s, impl);
    same_bits("grad", grads, rg, np, s, impl);
    l.type->destroy(&l);
    xb_free(params), xb_free(grads), xb_free(x), xb_free(dy), xb_free(y), xb_free(dx);
    xb_free(ry), xb_free(rdx), xb_free(rg), xb_free(part), xb_free(T), xb_free(dT);
}

Test(conv, stride1_same_bits_as_direct_im2col)
{
    /* Output row widths 5, 8, 9, 18, 24, 30, 40; input widths 3 to 40. */
    const struct shape shapes[] = {
        {2, 5, 3, 3, 3, 2},  /* ow 5 */
        {2, 6, 7, 9, 2, 1},  /* w 7, ow 8 */
        {3, 9, 9, 4, 3, 1},  /* ow 9 */
        {1, 20, 20, 8, 3, 0}, /* no padding: ow 18 */
        {2, 12, 28, 16, 5, 0}, /* ow 24 */
        {1, 30, 30, 5, 5, 2}, /* ow 30 */
        {1, 4, 40, 3, 3, 1},  /* ow 40 */
    };
    const enum xb_gemm_impl impls[] = {XB_GEMM_PORTABLE, XB_GEMM_NATIVE};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        for (int m = 0; m < 2; m++)
            check_shape(&shapes[i], impls[m]);
}
