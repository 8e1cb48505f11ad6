/*
 * Layers whose loops are organised for speed, bit for bit against the
 * plain loops of their definitions: the reorganisation may change how the
 * data move, never a sum's order, so every output, index and gradient must
 * be the same bits.
 *
 * conv2d off the device (models/layers/layer_conv2d.c): per sample, T[C·k·k × P] built by the
 * plain loop with padding tests, Y = W·T onto the bias, dT = Wᵀ·dY summed
 * back onto the pixels in (c, ky, kx, oy, ox) order from 0, dWᵀ = T·dYᵀ and
 * db = Σ_q dY in double, the partials added into the gradient in sample
 * order. The layer reorganises how it moves the data (a zero-bordered copy
 * of the sample, rows as whole vector moves) but must not change a bit; the
 * shapes make rows of every length class the copies and sums treat apart
 * (under 8 floats, 8, 9-16, 17-24, 25-32, over 32), with and without
 * padding, more samples than a backward round (16), both GEMMs.
 *
 * batchnorm (models/layers/layer_batchnorm.c): per channel, the double sums
 * over rows then positions, the float affine map, the running statistics
 * and the backward sums and dx, for channel counts 1 to 9 (groups of 4 and
 * the remainders), with positions 1 (dense) and 6, TRAIN and EVAL, learned
 * and fixed.
 *
 * maxpool (models/layers/layer_maxpool.c): the scalar window scan (first
 * maximum on ties, NaN taken), on data full of ties, signed zeros, −inf and
 * NaN, for strides below, at and above the window; the chosen inputs seen
 * through backward with a distinct gradient per output.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_test_layers.h"
#include "xb_alloc.h"
#include "xb_layer.h"
#include "xb_layer_impl.h"
#include "xb_sgemm.h"

TestSuite(bits, .init = setup, .fini = teardown);

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

static void bits_eq(const char *what, const float *got, const float *want, size_t n,
                    const char *where)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(!memcmp(&got[i], &want[i], sizeof(float)), "%s[%zu] = %a, want %a (%s)",
                  what, i, (double)got[i], (double)want[i], where);
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

Test(bits, conv2d_stride1_as_direct_im2col)
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

/* ---- batchnorm ----------------------------------------------------------- */

/* The definition, one channel at a time (eps 1e-5, momentum 0.1). params:
 * the layer's layout, updated as the layer updates it; g: gradients added
 * to. */
static void ref_bn(size_t C, size_t hw, size_t rows, int fixed, int train, float *params,
                   const float *x, const float *dy, float *y, float *dx, float *g)
{
    const size_t f = C * hw;
    float *gamma = fixed ? NULL : params, *beta = fixed ? NULL : params + C;
    float *rm = params + (fixed ? 0 : 2 * C), *rv = rm + C;
    for (size_t c = 0; c < C; c++) {
        double mean, inv;
        float bm = 0.0f, binv = 0.0f;
        const double n = (double)(rows * hw);
        if (train) {
            double s = 0.0, v = 0.0;
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < hw; i++)
                    s += (double)x[r * f + c * hw + i];
            mean = s / n;
            for (size_t r = 0; r < rows; r++)
                for (size_t i = 0; i < hw; i++) {
                    const double d = (double)x[r * f + c * hw + i] - mean;
                    v += d * d;
                }
            const double var = v / n;
            inv = 1.0 / sqrt(var + 1e-5);
            bm = (float)mean, binv = (float)inv;
            const double unbiased = n > 1.0 ? var * n / (n - 1.0) : var;
            rm[c] = (float)((1.0 - 0.1) * (double)rm[c] + 0.1 * mean);
            rv[c] = (float)((1.0 - 0.1) * (double)rv[c] + 0.1 * unbiased);
        } else {
            mean = (double)rm[c];
            inv = 1.0 / sqrt((double)rv[c] + 1e-5);
        }
        const double gm = gamma ? (double)gamma[c] : 1.0;
        const float scale = (float)(gm * inv);
        const float shift = (float)((beta ? (double)beta[c] : 0.0) - mean * gm * inv);
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < hw; i++)
                y[r * f + c * hw + i] = x[r * f + c * hw + i] * scale + shift;
        /* backward, with the statistics the layer kept (floats in TRAIN) */
        const double bmean = train ? (double)bm : mean, binvd = train ? (double)binv : inv;
        double sdy = 0.0, sdyx = 0.0;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < hw; i++) {
                const size_t e = r * f + c * hw + i;
                sdy += (double)dy[e];
                sdyx += (double)dy[e] * ((double)x[e] - bmean) * binvd;
            }
        if (gamma) {
            g[c] += (float)sdyx;
            g[C + c] += (float)sdy;
        }
        const double k = gm * binvd;
        const double a = train ? sdy / n : 0.0, bb = train ? sdyx / n : 0.0;
        for (size_t r = 0; r < rows; r++)
            for (size_t i = 0; i < hw; i++) {
                const size_t e = r * f + c * hw + i;
                const double xh = ((double)x[e] - bmean) * binvd;
                dx[e] = (float)(k * ((double)dy[e] - a - xh * bb));
            }
    }
}

Test(bits, batchnorm_as_per_channel_loops)
{
    enum { R = 7 };
    for (size_t C = 1; C <= 9; C++)
        for (int h = 0; h < 2; h++)
            for (int fixed = 0; fixed < 2; fixed++)
                for (int train = 0; train < 2; train++) {
                    const struct xb_shape in = {(int)C, h ? 2 : 1, h ? 3 : 1};
                    const size_t hw = (size_t)in.h * (size_t)in.w, n = R * C * hw;
                    struct xb_layer_config cfg = {.type = "batchnorm", .fixed = fixed};
                    struct xb_layer l = {.type = &xb_layer_batchnorm, .id = 4, .in = in,
                                         .max_rows = R};
                    cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_OK, "%s",
                                 xb_ctx_error(ctx));
                    const size_t np = l.n_params;
                    float *params = xb_aligned(np, sizeof(float));
                    float *rparams = xb_aligned(np, sizeof(float));
                    float *grads = xb_aligned(np, sizeof(float));
                    float *rgrads = xb_aligned(np, sizeof(float));
                    float *x = xb_aligned(n, sizeof(float)), *dy = xb_aligned(n, sizeof(float));
                    float *y = xb_aligned(n, sizeof(float)), *dx = xb_aligned(n, sizeof(float));
                    float *ry = xb_aligned(n, sizeof(float)), *rdx = xb_aligned(n, sizeof(float));
                    fill_normal(params, np, 70, 0.5f);
                    for (size_t i = np - C; i < np; i++)
                        params[i] = 0.5f + fabsf(params[i]); /* running variances */
                    fill_normal(x, n, 71, 2.0f);
                    fill_normal(dy, n, 72, 1.0f);
                    for (size_t i = 0; i < np; i++)
                        grads[i] = rgrads[i] = 0.125f * (float)(i % 3);
                    memcpy(rparams, params, np * sizeof(float));
                    l.params = params;
                    l.grads = grads;
                    struct xb_pass p = pass_of(R, train ? XB_PHASE_TRAIN : XB_PHASE_EVAL);
                    l.type->forward(&l, &p, x, y);
                    l.type->backward(&l, &p, x, y, dy, dx);
                    ref_bn(C, hw, R, fixed, train, rparams, x, dy, ry, rdx, rgrads);
                    char where[64];
                    snprintf(where, sizeof where, "C %zu, hw %zu, fixed %d, %s", C, hw, fixed,
                             train ? "train" : "eval");
                    bits_eq("y", y, ry, n, where);
                    bits_eq("dx", dx, rdx, n, where);
                    bits_eq("params", params, rparams, np, where);
                    bits_eq("grads", grads, rgrads, np, where);
                    l.type->destroy(&l);
                    xb_free(params), xb_free(rparams), xb_free(grads), xb_free(rgrads);
                    xb_free(x), xb_free(dy), xb_free(y), xb_free(dx), xb_free(ry), xb_free(rdx);
                }
}

/* ---- maxpool ------------------------------------------------------------- */

Test(bits, maxpool_as_scalar_window_scan)
{
    enum { R = 3 };
    /* {C, H, W, k, stride} */
    const int shapes[][5] = {{3, 8, 8, 2, 2}, {2, 7, 9, 2, 2}, {2, 9, 10, 3, 1},
                             {2, 9, 11, 3, 2}, {1, 10, 10, 2, 3}, {2, 5, 6, 1, 1},
                             {1, 20, 36, 2, 2}};
    for (size_t sh = 0; sh < sizeof shapes / sizeof *shapes; sh++) {
        const int C = shapes[sh][0], H = shapes[sh][1], W = shapes[sh][2];
        const int k = shapes[sh][3], st = shapes[sh][4];
        struct xb_layer_config cfg = {.type = "maxpool", .kernel = k, .stride = st};
        struct xb_layer l = {.type = &xb_layer_maxpool, .id = 5, .in = {C, H, W},
                             .max_rows = R};
        cr_assert_eq(l.type->create(ctx, &l, &cfg), XB_OK, "%s", xb_ctx_error(ctx));
        const int OH = (H - k) / st + 1, OW = (W - k) / st + 1;
        const size_t in_sz = (size_t)C * H * W, out_sz = (size_t)C * OH * OW;
        float *x = xb_aligned(R * in_sz, sizeof(float)), *y = xb_aligned(R * out_sz, sizeof(float));
        float *dy = xb_aligned(R * out_sz, sizeof(float)), *dx = xb_aligned(R * in_sz, sizeof(float));
        float *ry = xb_aligned(R * out_sz, sizeof(float)), *rdx = xb_aligned(R * in_sz, sizeof(float));
        fill_normal(x, R * in_sz, 80, 1.0f);
        const float odd[] = {0.0f, -0.0f, NAN, -INFINITY, 1.0f, 1.0f, 0.0f};
        for (size_t i = 0; i < R * in_sz; i++) {
            x[i] = roundf(x[i] * 2.0f); /* a few values: many ties */
            if (i % 5 == 0)
                x[i] = odd[(i / 5) % 7];
        }
        for (size_t i = 0; i < R * out_sz; i++)
            dy[i] = (float)(i + 1);
        struct xb_pass p = pass_of(R, XB_PHASE_TRAIN);
        l.type->forward(&l, &p, x, y);
        l.type->backward(&l, &p, x, y, dy, dx);
        memset(rdx, 0, R * in_sz * sizeof(float));
        for (size_t r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                for (int oy = 0; oy < OH; oy++)
                    for (int ox = 0; ox < OW; ox++) {
                        const float *xs = x + r * in_sz;
                        size_t best = ((size_t)c * H + (size_t)(oy * st)) * W + (size_t)(ox * st);
                        float m = xs[best];
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                const size_t i = ((size_t)c * H + (size_t)(oy * st + ky)) * W +
                                                 (size_t)(ox * st + kx);
                                if (xs[i] > m || (isnan(xs[i]) && !isnan(m))) {
                                    m = xs[i];
                                    best = i;
                                }
                            }
                        const size_t o = r * out_sz + ((size_t)c * OH + oy) * OW + ox;
                        ry[o] = m;
                        rdx[r * in_sz + best] += dy[o];
                    }
        char where[64];
        snprintf(where, sizeof where, "C %d, %d x %d, k %d, stride %d", C, H, W, k, st);
        bits_eq("y", y, ry, R * out_sz, where);
        bits_eq("dx", dx, rdx, R * in_sz, where);
        l.type->destroy(&l);
        xb_free(x), xb_free(y), xb_free(dy), xb_free(dx), xb_free(ry), xb_free(rdx);
    }
}

/* xb_clamp01 and xb_max0 (models/layers/xb_layer_impl.h), the comparisons
 * the spiking layers use for libm's fminf(fmaxf(v, 0), 1) and fmaxf(v, 0):
 * the same bits on the values where the two could part — signed zeros,
 * NaN, infinities, denormals, the bounds and their neighbours — and on a
 * spread of normals. */
Test(bits, clamps_are_libms)
{
    const float special[] = {0.0f, -0.0f, NAN, -NAN, INFINITY, -INFINITY, 1.0f, -1.0f,
                             0x1p-149f, -0x1p-149f, 0x1p-126f, nextafterf(1.0f, 2.0f),
                             nextafterf(1.0f, 0.0f), nextafterf(0.0f, -1.0f), 0.5f, 3.0f};
    float v[4096];
    fill_normal(v, 4096, 70, 2.0f);
    memcpy(v, special, sizeof special);
    for (size_t i = 0; i < 4096; i++) {
        const float got = xb_clamp01(v[i]), want = fminf(fmaxf(v[i], 0.0f), 1.0f);
        const float g0 = xb_max0(v[i]), w0 = fmaxf(v[i], 0.0f);
        cr_assert(!memcmp(&got, &want, sizeof got), "clamp01(%a) = %a, libm %a",
                  (double)v[i], (double)got, (double)want);
        cr_assert(!memcmp(&g0, &w0, sizeof g0), "max0(%a) = %a, libm %a", (double)v[i],
                  (double)g0, (double)w0);
    }
}
