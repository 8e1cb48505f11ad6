/*
 * conv2d — 2-D convolution by im2col onto the same product as dense.
 *
 * A sample is C × H × W; its P = OH·OW patches (k × k windows at stride s,
 * zero padding pad on each side) become the rows of a patch matrix
 * [P × C·k·k], and the output is patches · Wᵀ + b with
 * W[units × C·k·k] laid out (out channel, in channel, ky, kx), then
 * b[units]; the output sample is units × OH × OW.
 *
 * Off the device (training, abstract noise) a work item is one sample: its
 * patches are laid out transposed, T_s[C·k·k × P] (Caffe's layout: each
 * row a shifted copy of an input row, so im2col is branch-free copies), and
 * one sgemm Y_s[units × P] = W · T_s writes straight into the output layout
 * (OpenBLAS 0.3.21, one SkylakeX core, 32 × 800 weights, 784 patches:
 * about 95 GFLOP/s against 67 for W · patchesᵀ), in an OpenMP loop over samples
 * (fixed items, so bit-identical for any thread count). On the device, the
 * patches of a few samples go to the crossbar as rows [P × C·k·k],
 * addressed as samples (sample0 + s)·P + patch, so every patch of every
 * (sample, vote) gets its own read-noise draw, as a chip reading its
 * crossbar P times per image would.
 *
 * Backward per sample: dW_sᵀ = T_s dY_sᵀ (best of 5 on the same shapes:
 * 86 GFLOP/s, where dY_s T_sᵀ gives 64), db_s = Σ_p dY_s,
 * dT_s = Wᵀ dY_s scattered back onto the pixels by col2im. The per-sample
 * partials of a round of XB_CONV_ROUND samples are summed into the gradient
 * in sample order, so the reduction is the same whatever the thread count.
 *
 * Memory traffic, not arithmetic (every sum keeps its order, so no number
 * depends on these choices): at stride 1 the sample is first copied into a
 * zero-bordered [C × PH × PW] buffer, so each row of T is a strided block
 * copy with no padding tests, and col2im sums into such a buffer (the
 * borders collect the sums that fall off the image and are dropped); rows
 * of a known width compile to whole vector moves (on cnn6's shapes 3-4x
 * faster than the per-row loops with edge tests). The per-sample dWᵀ
 * partials are summed into a transposed copy of the gradient, so the
 * reduction reads both contiguously, and transposed back once per pass.
 */
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_clones.h"
#include "xb_layer_impl.h"
#include "xb_net.h"

#define XB_INLINE static inline __attribute__((always_inline))

/* Samples whose dW partials are held at once; fixed, not the thread count,
 * so the order of the gradient sum is fixed. */
#define XB_CONV_ROUND 16
/* Patch rows per engine call on the device path (a whole number of
 * samples, at least one). */
#define XB_CONV_DEVICE_ROWS 4096
/* Gradient elements per item of the partials' sum (16 KB of each partial). */
#define XB_CONV_SUM_BLOCK 4096

struct conv {
    int c, h, w, units, k, stride, pad, oh, ow;
    size_t P, ckk;              /* patches per sample, patch length */
    enum xb_init init;
    size_t ph, pw;              /* padded input height, width */
    int slots;                  /* per-thread scratch made for this many threads */
    float **cols, **dcols;      /* [slots][ckk × P]: T_s and dT_s */
    float **xpad, **dxpad;      /* [slots][C × PH × PW] (stride 1): the zero-bordered sample
                                   im2col reads, the padded sums col2im writes */
    float *partial;             /* [XB_CONV_ROUND][ckk × units (dWᵀ), then units (db)] */
    float *gt;                  /* [ckk × units, then units]: the gradient, transposed */
    /* device path, made by program() */
    struct xb_layer_chip chip; /* programmed crossbar, or empty */
    size_t dev_samples;         /* samples per engine call */
    float *dev_cols, *dev_out;  /* [dev_samples·P × ckk], [dev_samples·P × units] */
};

static enum xb_status conv_create(struct xb_ctx *ctx, struct xb_layer *l,
                                  const struct xb_layer_config *cfg)
{
    enum xb_status st = xb_layer_check_unused(ctx, l, cfg);
    if (st)
        return st;
    const int stride = cfg->stride ? cfg->stride : 1;
    if (cfg->units < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "units = %d: expected >= 1 (output "
                              "channels)", cfg->units);
    if (cfg->kernel < 1)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "kernel = %d: expected >= 1",
                              cfg->kernel);
    if (cfg->stride < 0)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "stride = %d: expected >= 1 (or 0 "
                              "for 1)", cfg->stride);
    if (cfg->pad < 0 || cfg->pad >= cfg->kernel)
        return xb_layer_error(ctx, XB_EINVAL, l, cfg, "pad = %d: expected 0 <= pad < "
                              "kernel = %d", cfg->pad, cfg->kernel);
    const int ph = l->in.h + 2 * cfg->pad, pw = l->in.w + 2 * cfg->pad;
    if (cfg->kernel > ph || cfg->kernel > pw)
        return xb_layer_error(ctx, XB_ESHAPE, l, cfg, "kernel = %d: larger than the "
                              "padded input %d × %d (input %d × %d × %d, pad %d)",
                              cfg->kernel, ph, pw, l->in.c, l->in.h, l->in.w, cfg->pad);
    /* The sizes below come from the config: bounded before allocating. */
    const size_t P = (size_t)((ph - cfg->kernel) / stride + 1) *
                     (size_t)((pw - cfg->kernel) / stride + 1);
    const size_t ckk = (size_t)l->in.c * (size_t)cfg->kernel * (size_t)cfg->kernel;
    if ((st = xb_layer_check_size(ctx, l, cfg, "patches x patch length (im2col)", P, ckk,
                                  XB_NET_MAX_ACTIVATIONS)) ||
        (st = xb_layer_check_size(ctx, l, cfg, "units x (patch length + 1) (parameters)",
                                  (size_t)cfg->units, ckk + 1, XB_NET_MAX_PARAMS)))
        return st;
    struct conv *cv = xb_calloc(1, sizeof *cv);
    cv->c = l->in.c, cv->h = l->in.h, cv->w = l->in.w;
    cv->units = cfg->units, cv->k = cfg->kernel, cv->stride = stride, cv->pad = cfg->pad;
    cv->init = xb_layer_init_kind(cfg, l->type);
    cv->oh = (ph - cv->k) / stride + 1;
    cv->ow = (pw - cv->k) / stride + 1;
    cv->P = (size_t)cv->oh * (size_t)cv->ow;
    cv->ckk = (size_t)cv->c * (size_t)cv->k * (size_t)cv->k;
    cv->ph = (size_t)ph, cv->pw = (size_t)pw;
    cv->slots = xb_omp_max_threads();
    cv->cols = xb_calloc((size_t)cv->slots, sizeof *cv->cols);
    cv->dcols = xb_calloc((size_t)cv->slots, sizeof *cv->dcols);
    cv->xpad = xb_calloc((size_t)cv->slots, sizeof *cv->xpad);
    cv->dxpad = xb_calloc((size_t)cv->slots, sizeof *cv->dxpad);
    const size_t padded = (size_t)cv->c * cv->ph * cv->pw;
    for (int t = 0; t < cv->slots; t++) {
        cv->cols[t] = xb_aligned(cv->P * cv->ckk, sizeof(float));
        cv->dcols[t] = xb_aligned(cv->P * cv->ckk, sizeof(float));
        if (stride == 1) {
            /* The borders stay 0: im2col only ever writes the interior. */
            cv->xpad[t] = xb_calloc(padded, sizeof(float));
            cv->dxpad[t] = xb_aligned(padded, sizeof(float));
        }
    }
    const size_t np = (size_t)cv->units * cv->ckk + (size_t)cv->units;
    cv->partial = xb_aligned(XB_CONV_ROUND * np, sizeof(float));
    cv->gt = xb_aligned(np, sizeof(float));
    l->out = (struct xb_shape){cv->units, cv->oh, cv->ow};
    l->n_params = np;
    l->state = cv;
    return XB_OK;
}

/* fan_in = C·k·k, fan_out = units·k·k (models/layers/xb_init.h). */
static void conv_init(struct xb_layer *l, uint64_t seed)
{
    const struct conv *cv = l->state;
    const size_t kk = (size_t)cv->k * (size_t)cv->k;
    const struct xb_init_fans f = {.n_w = (size_t)cv->units * cv->ckk, .n_b = (size_t)cv->units,
                                   .fan_in = (double)cv->ckk,
                                   .fan_out = (double)((size_t)cv->units * kk),
                                   .torch_fan = (double)cv->ckk, .torch_bias_terms = 1};
    xb_init_fill(cv->init, &f, l->params, seed, l->id);
}

/* The patch matrix [P × ckk] of one sample x[C × H × W]: the rows the
 * crossbar reads. */
static void im2col(const struct conv *cv, const float *x, float *cols)
{
    for (int oy = 0; oy < cv->oh; oy++)
        for (int ox = 0; ox < cv->ow; ox++) {
            float *row = cols + ((size_t)oy * (size_t)cv->ow + (size_t)ox) * cv->ckk;
            const int y0 = oy * cv->stride - cv->pad, x0 = ox * cv->stride - cv->pad;
            for (int c = 0; c < cv->c; c++) {
                const float *xc = x + (size_t)c * (size_t)cv->h * (size_t)cv->w;
                for (int ky = 0; ky < cv->k; ky++) {
                    const int iy = y0 + ky;
                    float *dst = row + ((size_t)c * (size_t)cv->k + (size_t)ky) * (size_t)cv->k;
                    if (iy < 0 || iy >= cv->h) {
                        memset(dst, 0, (size_t)cv->k * sizeof(float));
                        continue;
                    }
                    for (int kx = 0; kx < cv->k; kx++) {
                        const int ix = x0 + kx;
                        dst[kx] = ix >= 0 && ix < cv->w ? xc[(size_t)iy * (size_t)cv->w +
                                                             (size_t)ix]
                                                        : 0.0f;
                    }
                }
            }
        }
}

/* Output columns ox of a kernel column kx whose input column
 * ix = ox·stride − pad + kx lies inside [0, W): [*lo, *hi). */
static void valid_cols(const struct conv *cv, int kx, int *lo, int *hi)
{
    const int a = cv->pad - kx; /* ox·stride >= a */
    int l = a <= 0 ? 0 : (a + cv->stride - 1) / cv->stride;
    int h = (cv->w - 1 + cv->pad - kx) < 0 ? 0 : (cv->w - 1 + cv->pad - kx) / cv->stride + 1;
    *lo = l < cv->ow ? l : cv->ow;
    *hi = h < cv->ow ? h : cv->ow;
    if (*hi < *lo)
        *hi = *lo;
}

/* T[ckk × P] of one sample: row (c, ky, kx) holds, for every output
 * position, the input pixel that kernel tap reads (0 in the padding). */
static void im2col_t(const struct conv *cv, const float *x, float *T)
{
    const size_t ow = (size_t)cv->ow;
    for (int c = 0; c < cv->c; c++)
        for (int ky = 0; ky < cv->k; ky++)
            for (int kx = 0; kx < cv->k; kx++) {
                float *row = T + (((size_t)c * (size_t)cv->k + (size_t)ky) * (size_t)cv->k +
                                  (size_t)kx) * cv->P;
                int lo, hi;
                valid_cols(cv, kx, &lo, &hi);
                for (int oy = 0; oy < cv->oh; oy++) {
                    float *d = row + (size_t)oy * ow;
                    const int iy = oy * cv->stride - cv->pad + ky;
                    if (iy < 0 || iy >= cv->h) {
                        memset(d, 0, ow * sizeof(float));
                        continue;
                    }
                    const float *src = x + ((size_t)c * (size_t)cv->h + (size_t)iy) *
                                               (size_t)cv->w;
                    for (int ox = 0; ox < lo; ox++)
                        d[ox] = 0.0f;
                    const int ix0 = lo * cv->stride - cv->pad + kx;
                    if (cv->stride == 1) /* a loop: a call per short row costs more */
                        for (int ox = lo; ox < hi; ox++)
                            d[ox] = src[ix0 + (ox - lo)];
                    else
                        for (int ox = lo; ox < hi; ox++)
                            d[ox] = src[ix0 + (ox - lo) * cv->stride];
                    for (int ox = hi; ox < cv->ow; ox++)
                        d[ox] = 0.0f;
                }
            }
}

/* dx[C × H × W] = the transposed patch gradients dT[ckk × P] summed back
 * onto the pixels they were read from. */
static void col2im_t(const struct conv *cv, const float *dT, float *restrict dx)
{
    const size_t ow = (size_t)cv->ow;
    memset(dx, 0, (size_t)cv->c * (size_t)cv->h * (size_t)cv->w * sizeof(float));
    for (int c = 0; c < cv->c; c++)
        for (int ky = 0; ky < cv->k; ky++)
            for (int kx = 0; kx < cv->k; kx++) {
                const float *row = dT + (((size_t)c * (size_t)cv->k + (size_t)ky) *
                                             (size_t)cv->k + (size_t)kx) * cv->P;
                int lo, hi;
                valid_cols(cv, kx, &lo, &hi);
                for (int oy = 0; oy < cv->oh; oy++) {
                    const int iy = oy * cv->stride - cv->pad + ky;
                    if (iy < 0 || iy >= cv->h)
                        continue;
                    const float *restrict d = row + (size_t)oy * ow;
                    float *restrict dst = dx + ((size_t)c * (size_t)cv->h + (size_t)iy) *
                                                   (size_t)cv->w;
                    const int ix0 = lo * cv->stride - cv->pad + kx;
                    if (cv->stride == 1) /* contiguous: vectorises */
                        for (int ox = lo; ox < hi; ox++)
                            dst[ix0 + (ox - lo)] += d[ox];
                    else
                        for (int ox = lo; ox < hi; ox++)
                            dst[ix0 + (ox - lo) * cv->stride] += d[ox];
                }
            }
}

/* n rows of w floats, rows ds apart in d and ss apart in s. A copy of
 * w >= 8 floats is whole 8-float moves, the last one overlapping the one
 * before it (the same values written twice); chunk counts up to 4 (rows of
 * up to 32) each get a loop of their own so that a row is a few moves, not
 * a loop. */
XB_INLINE void copy8(float *restrict d, const float *restrict s)
{
    memcpy(d, s, 8 * sizeof(float));
}

XB_INLINE void copy_rows(float *restrict d, size_t ds, const float *restrict s, size_t ss,
                         size_t n, size_t w)
{
    const size_t t = w - 8;
    switch (w < 8 ? 0 : (w + 7) / 8) {
    case 1:
        for (size_t r = 0; r < n; r++, d += ds, s += ss)
            copy8(d, s);
        return;
    case 2:
        for (size_t r = 0; r < n; r++, d += ds, s += ss)
            copy8(d, s), copy8(d + t, s + t);
        return;
    case 3:
        for (size_t r = 0; r < n; r++, d += ds, s += ss)
            copy8(d, s), copy8(d + 8, s + 8), copy8(d + t, s + t);
        return;
    case 4:
        for (size_t r = 0; r < n; r++, d += ds, s += ss)
            copy8(d, s), copy8(d + 8, s + 8), copy8(d + 16, s + 16), copy8(d + t, s + t);
        return;
    default:
        for (size_t r = 0; r < n; r++, d += ds, s += ss)
            for (size_t i = 0; i < w; i++)
                d[i] = s[i];
        return;
    }
}

/* d[r][i] += s[r][i]: n rows of w floats. Sums cannot overlap, so a width
 * known when compiling (add_rows' cases) is what makes a short row whole
 * vector adds and no loop. */
XB_INLINE void add_rows_w(float *restrict d, size_t ds, const float *restrict s, size_t ss,
                          size_t n, size_t w)
{
    for (size_t r = 0; r < n; r++, d += ds, s += ss)
        for (size_t i = 0; i < w; i++)
            d[i] += s[i];
}

XB_INLINE void add_rows(float *restrict d, size_t ds, const float *restrict s, size_t ss,
                        size_t n, size_t w)
{
    switch (w) {
#define XB_W(k) case k: add_rows_w(d, ds, s, ss, n, k); return;
#define XB_W4(k) XB_W(k) XB_W(k + 1) XB_W(k + 2) XB_W(k + 3)
    XB_W4(1) XB_W4(5) XB_W4(9) XB_W4(13) XB_W4(17) XB_W4(21) XB_W4(25) XB_W4(29)
#undef XB_W4
#undef XB_W
    default:
        add_rows_w(d, ds, s, ss, n, w);
        return;
    }
}

/* im2col_t at stride 1 (the same T): the sample into the interior of the
 * zero-bordered xp (or read in place without padding), then row (c, ky, kx)
 * of T is the OH × OW block of xp at (ky, kx). */
XB_CLONES static void im2col_t1(const struct conv *cv, const float *x, float *xp, float *T)
{
    const size_t k = (size_t)cv->k, pw = cv->pw, ph = cv->ph, h = (size_t)cv->h;
    const size_t w = (size_t)cv->w, pad = (size_t)cv->pad;
    if (pad) {
        for (size_t c = 0; c < (size_t)cv->c; c++)
            copy_rows(xp + (c * ph + pad) * pw + pad, pw, x + c * h * w, w, h, w);
        x = xp;
    }
    for (size_t c = 0; c < (size_t)cv->c; c++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++)
                copy_rows(T + ((c * k + ky) * k + kx) * cv->P, (size_t)cv->ow,
                          x + (c * ph + ky) * pw + kx, pw, (size_t)cv->oh, (size_t)cv->ow);
}

/* col2im_t at stride 1 (the same sums in the same order: every pixel gets
 * 0 + its terms in (ky, kx) order): summed into the padded dxp, whose
 * interior is dx (summed in place without padding). */
XB_CLONES static void col2im_t1(const struct conv *cv, const float *dT, float *dxp,
                                float *restrict dx)
{
    const size_t k = (size_t)cv->k, pw = cv->pw, ph = cv->ph, h = (size_t)cv->h;
    const size_t w = (size_t)cv->w, pad = (size_t)cv->pad;
    float *acc = pad ? dxp : dx;
    memset(acc, 0, (size_t)cv->c * ph * pw * sizeof(float));
    for (size_t c = 0; c < (size_t)cv->c; c++)
        for (size_t ky = 0; ky < k; ky++)
            for (size_t kx = 0; kx < k; kx++)
                add_rows(acc + (c * ph + ky) * pw + kx, pw,
                         dT + ((c * k + ky) * k + kx) * cv->P, (size_t)cv->ow, (size_t)cv->oh,
                         (size_t)cv->ow);
    if (pad)
        for (size_t c = 0; c < (size_t)cv->c; c++)
            copy_rows(dx + c * h * w, w, dxp + (c * ph + pad) * pw + pad, pw, h, w);
}

/* T_s of sample x into the slot's buffers. */
static void im2col_slot(const struct conv *cv, const float *x, int t)
{
    if (cv->stride == 1)
        im2col_t1(cv, x, cv->xpad[t], cv->cols[t]);
    else
        im2col_t(cv, x, cv->cols[t]);
}

/* db_s[o] = Σ_q dY_s[o][q] in double, q in order, for eight channels at a
 * time: their additions overlap instead of waiting on one another. */
static void bias_sums(const float *dys, size_t units, size_t P, float *db)
{
    size_t o = 0;
    for (; o + 8 <= units; o += 8) {
        double a[8] = {0};
        for (size_t q = 0; q < P; q++)
            for (size_t j = 0; j < 8; j++)
                a[j] += (double)dys[(o + j) * P + q];
        for (size_t j = 0; j < 8; j++)
            db[o + j] = (float)a[j];
    }
    for (; o < units; o++) {
        double acc = 0.0;
        for (size_t q = 0; q < P; q++)
            acc += (double)dys[o * P + q];
        db[o] = (float)acc;
    }
}

/* The crossbar path: rows [r0, r1) of the pass, all of one vote, as one
 * engine call on their patches. */
static void conv_device_chunk(struct conv *cv, const float *bias, const struct xb_pass *p,
                              const float *x, float *y, size_t r0, size_t r1)
{
    const size_t n = r1 - r0, in_sz = (size_t)cv->c * (size_t)cv->h * (size_t)cv->w;
    const size_t out_sz = (size_t)cv->units * cv->P;
#pragma omp parallel for schedule(static) default(none) firstprivate(cv, x, r0, n, in_sz)
    for (size_t j = 0; j < n; j++)
        im2col(cv, x + (r0 + j) * in_sz, cv->dev_cols + j * cv->P * cv->ckk);
    const struct xb_rows *a = &p->addr;
    const uint64_t s0 = (uint64_t)xb_rows_sample(a, r0) * cv->P;
    XB_ASSERT(s0 + n * cv->P <= UINT32_MAX); /* patch addresses fit the counter */
    struct xb_rows pa = {.sample0 = (uint32_t)s0, .batch = (uint32_t)(n * cv->P),
                         .vote0 = xb_rows_vote(a, r0), .step = a->step};
    xb_xbar_execute_ws(cv->chip.xb, cv->chip.ws, cv->dev_cols, n * cv->P, bias, cv->dev_out, &pa, NULL);
    /* [patch × channel] rows back to the channel-major sample layout. */
#pragma omp parallel for schedule(static) default(none) firstprivate(cv, y, r0, n, out_sz)
    for (size_t j = 0; j < n; j++) {
        const float *src = cv->dev_out + j * cv->P * (size_t)cv->units;
        float *dst = y + (r0 + j) * out_sz;
        for (size_t q = 0; q < cv->P; q++)
            for (int o = 0; o < cv->units; o++)
                dst[(size_t)o * cv->P + q] = src[q * (size_t)cv->units + (size_t)o];
    }
}

static void conv_forward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                         float *y)
{
    struct conv *cv = l->state;
    const enum xb_gemm_impl gemm = p->gemm;
    const float *W = l->params, *b = l->params + (size_t)cv->units * cv->ckk;
    const size_t rows = p->rows;
    if (p->on_device) {
        XB_ASSERT(cv->chip.xb != NULL); /* xb_net_program first */
        /* Chunks never cross a vote boundary, so each is one (sample, vote)
         * address range. */
        const size_t batch = p->addr.batch;
        for (size_t r0 = 0; r0 < rows;) {
            size_t r1 = r0 + cv->dev_samples;
            const size_t vote_end = (r0 / batch + 1) * batch;
            r1 = r1 < vote_end ? r1 : vote_end;
            r1 = r1 < rows ? r1 : rows;
            conv_device_chunk(cv, b, p, x, y, r0, r1);
            r0 = r1;
        }
        return;
    }
    const size_t in_sz = (size_t)cv->c * (size_t)cv->h * (size_t)cv->w;
    const size_t out_sz = (size_t)cv->units * cv->P;
    const int nt = xb_omp_threads_for(cv->slots);
    (void)nt; /* unused without OpenMP */
#pragma omp parallel for schedule(static) num_threads(nt) default(none) \
    firstprivate(gemm, cv, W, b, x, y, rows, in_sz, out_sz)
    for (size_t s = 0; s < rows; s++) {
        const int t = xb_omp_thread_num();
        float *T = cv->cols[t];
        float *ys = y + s * out_sz;
        im2col_slot(cv, x + s * in_sz, t);
        for (int o = 0; o < cv->units; o++)
            for (size_t q = 0; q < cv->P; q++)
                ys[(size_t)o * cv->P + q] = b[o];
        xb_sgemm(gemm, 0, 0, (size_t)cv->units, cv->P, cv->ckk, 1.0f, W, cv->ckk, T, cv->P,
                 1.0f, ys, cv->P);
    }
}

static void conv_backward(struct xb_layer *l, const struct xb_pass *p, const float *x,
                          const float *y, const float *dy, float *dx)
{
    (void)y;
    struct conv *cv = l->state;
    const enum xb_gemm_impl gemm = p->gemm;
    const float *W = l->params;
    const size_t rows = p->rows, nw = (size_t)cv->units * cv->ckk, np = nw + (size_t)cv->units;
    const size_t in_sz = (size_t)cv->c * (size_t)cv->h * (size_t)cv->w;
    const size_t out_sz = (size_t)cv->units * cv->P;
    const int nt = xb_omp_threads_for(cv->slots);
    (void)nt; /* unused without OpenMP */
    float *g = l->grads, *gt = cv->gt;
    const size_t units = (size_t)cv->units, ckk = cv->ckk;
    const int params = !p->input_only; /* else dx alone */
    /* gt: the gradient with W's part transposed to the partials' layout
     * (element (o, q) at q·units + o); the bias as it is. */
    for (size_t o = 0; params && o < units; o++)
        for (size_t q = 0; q < ckk; q++)
            gt[q * units + o] = g[o * ckk + q];
    if (params)
        memcpy(gt + nw, g + nw, units * sizeof(float));
    for (size_t s0 = 0; s0 < rows; s0 += XB_CONV_ROUND) {
        const size_t n = rows - s0 < XB_CONV_ROUND ? rows - s0 : XB_CONV_ROUND;
#pragma omp parallel for schedule(static) num_threads(nt) default(none) \
    firstprivate(gemm, cv, W, x, dy, dx, s0, n, nw, np, in_sz, out_sz, params)
        for (size_t j = 0; j < n; j++) {
            const int t = xb_omp_thread_num();
            const size_t s = s0 + j;
            const float *dys = dy + s * out_sz;
            float *part = cv->partial + j * np;
            if (params) {
                im2col_slot(cv, x + s * in_sz, t);
                xb_sgemm(gemm, 0, 1, cv->ckk, (size_t)cv->units, cv->P, 1.0f, cv->cols[t],
                         cv->P, dys, cv->P, 0.0f, part, (size_t)cv->units);
                bias_sums(dys, (size_t)cv->units, cv->P, part + nw);
            }
            if (dx) {
                xb_sgemm(gemm, 1, 0, cv->ckk, cv->P, (size_t)cv->units, 1.0f, W, cv->ckk, dys,
                         cv->P, 0.0f, cv->dcols[t], cv->P);
                if (cv->stride == 1)
                    col2im_t1(cv, cv->dcols[t], cv->dxpad[t], dx + s * in_sz);
                else
                    col2im_t(cv, cv->dcols[t], dx + s * in_sz);
            }
        }
        /* Partials into the gradient in sample order, each element
         * gt[e] + partial 0 + partial 1 + ...; a block of elements at a
         * time, so both are read contiguously. */
        if (params)
#pragma omp parallel for schedule(static) default(none) \
    firstprivate(cv, gt, n, np) if (np * n > XB_LAYER_PAR_MIN)
        for (size_t e0 = 0; e0 < np; e0 += XB_CONV_SUM_BLOCK) {
            const size_t e1 = np - e0 < XB_CONV_SUM_BLOCK ? np : e0 + XB_CONV_SUM_BLOCK;
            for (size_t j = 0; j < n; j++) {
                const float *pj = cv->partial + j * np;
                for (size_t e = e0; e < e1; e++)
                    gt[e] += pj[e];
            }
        }
    }
    if (!params)
        return;
    for (size_t o = 0; o < units; o++)
        for (size_t q = 0; q < ckk; q++)
            g[o * ckk + q] = gt[q * units + o];
    memcpy(g + nw, gt + nw, units * sizeof(float));
}

static void conv_unprogram(struct xb_layer *l)
{
    struct conv *cv = l->state;
    xb_layer_chip_drop(&cv->chip);
    xb_free(cv->dev_cols);
    xb_free(cv->dev_out);
    cv->dev_cols = cv->dev_out = NULL;
}

/* One read per output position: the patches of a sample share the array. */
static void conv_mvm(const struct xb_layer *l, struct xb_layer_mvm *m)
{
    const struct conv *cv = l->state;
    *m = (struct xb_layer_mvm){.out = (size_t)cv->units, .in = cv->ckk, .reads = cv->P};
}

static enum xb_status conv_program(struct xb_ctx *ctx, struct xb_layer *l,
                                   const struct xb_xbar_params *params)
{
    struct conv *cv = l->state;
    conv_unprogram(l);
    enum xb_status st =
        xb_layer_chip_program(ctx, &cv->chip, l, params, (size_t)cv->units, cv->ckk);
    if (st)
        return st;
    cv->dev_samples = XB_CONV_DEVICE_ROWS / cv->P;
    if (cv->dev_samples < 1)
        cv->dev_samples = 1;
    if (cv->dev_samples > l->max_rows)
        cv->dev_samples = l->max_rows;
    cv->dev_cols = xb_aligned(cv->dev_samples * cv->P * cv->ckk, sizeof(float));
    cv->dev_out = xb_aligned(cv->dev_samples * cv->P * (size_t)cv->units, sizeof(float));
    return XB_OK;
}

static enum xb_status conv_age(struct xb_ctx *ctx, struct xb_layer *l, double t)
{
    struct conv *cv = l->state;
    return xb_layer_chip_age(ctx, &cv->chip, l, t);
}

static void conv_destroy(struct xb_layer *l)
{
    struct conv *cv = l->state;
    if (!cv)
        return;
    conv_unprogram(l);
    for (int t = 0; t < cv->slots; t++) {
        xb_free(cv->cols[t]);
        xb_free(cv->dcols[t]);
        xb_free(cv->xpad[t]);
        xb_free(cv->dxpad[t]);
    }
    xb_free(cv->cols);
    xb_free(cv->dcols);
    xb_free(cv->xpad);
    xb_free(cv->dxpad);
    xb_free(cv->partial);
    xb_free(cv->gt);
    xb_free(cv);
    l->state = NULL;
}

/* The crossbar sees patches, so the ranges come from the patches of the
 * first samples (as many as one device chunk holds: the buffer exists and
 * a few images give thousands of patches). */
static enum xb_status conv_calibrate(struct xb_ctx *ctx, struct xb_layer *l, const float *x,
                                     size_t rows)
{
    struct conv *cv = l->state;
    enum xb_status st = xb_layer_chip_ready(ctx, &cv->chip, l, "calibrate");
    if (st)
        return st;
    const size_t n = rows < cv->dev_samples ? rows : cv->dev_samples;
    const size_t in_sz = (size_t)cv->c * (size_t)cv->h * (size_t)cv->w;
    for (size_t j = 0; j < n; j++)
        im2col(cv, x + j * in_sz, cv->dev_cols + j * cv->P * cv->ckk);
    return xb_xbar_calibrate(ctx, cv->chip.xb, cv->dev_cols, n * cv->P);
}

static int conv_deterministic(const struct xb_layer *l, const struct xb_pass *p)
{
    (void)l;
    return !p->on_device;
}

const struct xb_layer_type xb_layer_conv2d = {
    .name = "conv2d",
    .init_default = XB_INIT_HE_UNIFORM,
    .create = conv_create,
    .init = conv_init,
    .forward = conv_forward,
    .backward = conv_backward,
    .program = conv_program,
    .age = conv_age,
    .calibrate = conv_calibrate,
    .unprogram = conv_unprogram,
    .mvm = conv_mvm,
    .deterministic = conv_deterministic,
    .destroy = conv_destroy,
};
