/*
 * The analog MVM engine: plan (create, age, calibrate) and execute.
 * See xb_xbar.h for the contract and units.
 */
#include "xb_xbar.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_calib.h"
#include "xb_items.h"
#include "xb_omp.h"
#include "xb_tile.h"

struct xb_xbar {
    struct xb_xbar_params p;
    uint64_t seed;
    size_t out, in;
    size_t n_ti, n_to;         /* tiles along inputs, along outputs */
    struct xb_tile *tiles;     /* [n_to][n_ti] */
    float *W;                  /* copy of the weights [out × in] */
    float *w_scale;            /* [out]: weight units per normalised unit */
    float *adc_range;          /* [n_to × n_ti], normalised units */
    double dac_range;          /* input full scale in use (0: no scaling) */
    double drift_scale;        /* digital output scale of drift compensation */
    double ref_abs_sum;        /* sum |G+ − G−| at programming (uS) */
    int plain;                 /* ideal everything: one GEMM */
    /* With an ideal ADC nothing happens between tiles, so the tile sums are
     * one GEMM over the whole input width: the tiles' normalised weights
     * and read variances gathered into full [out × in] matrices at age(). */
    float *gd_full, *s2_full;
    int any_read;              /* some cell has read noise */
    struct xb_xbar_ws *ws;     /* execute's own workspace, made on first use */
};

struct workspace {
    float *xn, *xsq, *P, *V, *acc, *eps;
    struct xb_xbar_stats st; /* this thread's converter counts of one execute */
};

/* One workspace per OpenMP thread number. */
struct xb_xbar_ws {
    int slots;
    struct workspace *w;
};

void xb_xbar_params_default(struct xb_xbar_params *p)
{
    memset(p, 0, sizeof *p);
    enum xb_status st = xb_device_init(NULL, &p->device, "ideal");
    XB_ASSERT(st == XB_OK);
    p->tile_rows = 256;
    p->tile_cols = 256;
    p->scaling = XB_SCALE_LAYER;
    p->dac_signed = 1;
    p->adc_calib = XB_ADC_FIXED;
    p->noise = XB_NOISE_NONE;
}

enum xb_status xb_xbar_params_validate(struct xb_ctx *ctx, const struct xb_xbar_params *p)
{
    if (!p->device.type)
        return xb_error(ctx, XB_EINVAL, "no device type set");
    enum xb_status st = xb_device_validate(ctx, &p->device);
    if (st)
        return st;
    if (p->device.p[XB_DP_LEVELS] == 1.0)
        return xb_error(ctx, XB_ERANGE, "levels = 1: a device needs 0 (continuous) or >= 2 levels");
    if (p->tile_rows < 1 || p->tile_rows > 65536)
        return xb_error(ctx, XB_ERANGE, "tile_rows = %d: expected an integer in [1, 65536]",
                        p->tile_rows);
    if (p->tile_cols < 1 || p->tile_cols > 65536)
        return xb_error(ctx, XB_ERANGE, "tile_cols = %d: expected an integer in [1, 65536]",
                        p->tile_cols);
    if (p->dac_bits < 0 || p->dac_bits > XB_QUANT_MAX_BITS)
        return xb_error(ctx, XB_ERANGE, "dac_bits = %d: expected an integer in [0, %d]",
                        p->dac_bits, XB_QUANT_MAX_BITS);
    if (p->adc_bits < 0 || p->adc_bits > XB_QUANT_MAX_BITS)
        return xb_error(ctx, XB_ERANGE, "adc_bits = %d: expected an integer in [0, %d]",
                        p->adc_bits, XB_QUANT_MAX_BITS);
    if (!(p->dac_range >= 0.0) || !isfinite(p->dac_range))
        return xb_error(ctx, XB_ERANGE, "dac_range = %g: expected a finite value >= 0 "
                        "(0 = calibrate from data)", p->dac_range);
    if (p->adc_calib == XB_ADC_FIXED && p->adc_bits > 0 &&
        !(p->adc_value > 0.0 && isfinite(p->adc_value)))
        return xb_error(ctx, XB_ERANGE, "adc_range = %g: a fixed ADC range must be a "
                        "finite value > 0 (normalised units)", p->adc_value);
    if (p->adc_calib == XB_ADC_PERCENTILE && !(p->adc_value > 0.0 && p->adc_value <= 100.0))
        return xb_error(ctx, XB_ERANGE, "adc_range = p%g: the percentile must be in (0, 100]",
                        p->adc_value);
    if (!(p->sigma >= 0.0) || !isfinite(p->sigma))
        return xb_error(ctx, XB_ERANGE, "sigma = %g: expected a finite value >= 0", p->sigma);
    if (p->layer > XB_RNG_MAX_LAYER)
        return xb_error(ctx, XB_ERANGE, "layer = %u: expected at most %u", p->layer,
                        XB_RNG_MAX_LAYER);
    if (p->instance > XB_RNG_MAX_INSTANCE)
        return xb_error(ctx, XB_ERANGE, "instance = %u: expected at most %u", p->instance,
                        XB_RNG_MAX_INSTANCE);
    if (p->gemm != XB_GEMM_NATIVE && p->gemm != XB_GEMM_PORTABLE)
        return xb_error(ctx, XB_EINVAL, "gemm = %d: expected portable (0) or native (1)",
                        (int)p->gemm);
    return XB_OK;
}

enum xb_status xb_adc_range_parse(struct xb_ctx *ctx, const char *text, const char *where,
                                  enum xb_adc_calib *calib, double *value)
{
    double v;
    if (!strcmp(text, "max")) {
        *calib = XB_ADC_MAX;
        *value = 100.0;
        return XB_OK;
    }
    if (text[0] == 'p' && xb_parse_double(text + 1, &v) && v > 0.0 && v <= 100.0) {
        *calib = XB_ADC_PERCENTILE;
        *value = v;
        return XB_OK;
    }
    if (xb_parse_double(text, &v) && v > 0.0) {
        *calib = XB_ADC_FIXED;
        *value = v;
        return XB_OK;
    }
    return xb_error(ctx, XB_EINVAL, "%s '%s': expected 'max', a percentile 'pNN' with "
                    "0 < NN <= 100 (e.g. p99.9), or a fixed range > 0", where, text);
}

static int is_plain(const struct xb_xbar_params *p)
{
    const double *d = p->device.p;
    return p->device.type == &xb_device_ideal && d[XB_DP_LEVELS] == 0.0 &&
           d[XB_DP_D2D] == 0.0 && d[XB_DP_STUCK_MIN] == 0.0 && d[XB_DP_STUCK_MAX] == 0.0 &&
           p->dac_bits == 0 && p->adc_bits == 0;
}

static struct xb_tile *tile_at(const struct xb_xbar *xb, size_t ti, size_t to)
{
    return &xb->tiles[to * xb->n_ti + ti];
}

static struct xb_tile_addr tile_addr(const struct xb_xbar *xb, size_t k)
{
    return (struct xb_tile_addr){.seed = xb->seed, .layer = xb->p.layer,
                                 .instance = xb->p.instance, .index = (uint32_t)k};
}

static void compute_scales(struct xb_xbar *xb)
{
    float layer_max = 0.0f;
    for (size_t o = 0; o < xb->out; o++) {
        float m = 0.0f;
        for (size_t i = 0; i < xb->in; i++)
            m = fmaxf(m, fabsf(xb->W[o * xb->in + i]));
        xb->w_scale[o] = m;
        layer_max = fmaxf(layer_max, m);
    }
    for (size_t o = 0; o < xb->out; o++) {
        if (xb->p.scaling == XB_SCALE_LAYER)
            xb->w_scale[o] = layer_max;
        if (xb->w_scale[o] == 0.0f) /* an all-zero row maps to idle pairs */
            xb->w_scale[o] = 1.0f;
    }
}

/* Normalised weights of tile (ti, to) into wn [cols × rows]. */
static void tile_weights(const struct xb_xbar *xb, size_t ti, size_t to, float *wn)
{
    const struct xb_tile *t = tile_at(xb, ti, to);
    size_t i0 = ti * (size_t)xb->p.tile_rows, o0 = to * (size_t)xb->p.tile_cols;
    for (size_t o = 0; o < t->cols; o++)
        for (size_t i = 0; i < t->rows; i++)
            wn[o * t->rows + i] = xb->W[(o0 + o) * xb->in + i0 + i] / xb->w_scale[o0 + o];
}

enum xb_status xb_xbar_create(struct xb_ctx *ctx, const struct xb_xbar_params *params,
                              const float *W, size_t out_dim, size_t in_dim,
                              struct xb_xbar **out)
{
    *out = NULL;
    enum xb_status st = xb_xbar_params_validate(ctx, params);
    if (st)
        return st;
    if (out_dim == 0 || in_dim == 0)
        return xb_error(ctx, XB_ESHAPE, "weight matrix %zu × %zu: both sizes must be >= 1",
                        out_dim, in_dim);
    for (size_t k = 0; k < out_dim * in_dim; k++)
        if (!isfinite(W[k]))
            return xb_error(ctx, XB_ENUMERIC, "weight [%zu, %zu] = %g is not finite",
                            k / in_dim, k % in_dim, (double)W[k]);

    struct xb_xbar *xb = xb_calloc(1, sizeof *xb);
    xb->p = *params;
    xb->seed = xb_ctx_seed(ctx);
    xb->out = out_dim;
    xb->in = in_dim;
    xb->plain = is_plain(params);
    xb->W = xb_aligned(out_dim * in_dim, sizeof(float));
    memcpy(xb->W, W, out_dim * in_dim * sizeof(float));
    xb->w_scale = xb_malloc(out_dim, sizeof(float));
    compute_scales(xb);
    xb->dac_range = params->dac_range;
    xb->drift_scale = 1.0;
    xb->n_ti = (in_dim + (size_t)params->tile_rows - 1) / (size_t)params->tile_rows;
    xb->n_to = (out_dim + (size_t)params->tile_cols - 1) / (size_t)params->tile_cols;
    size_t nt = xb->n_ti * xb->n_to;
    xb->adc_range = xb_malloc(nt, sizeof(float));
    for (size_t k = 0; k < nt; k++)
        xb->adc_range[k] = (float)(params->adc_calib == XB_ADC_FIXED ? params->adc_value : 0.0);
    if (!xb->plain) {
        xb->tiles = xb_calloc(nt, sizeof *xb->tiles);
        for (size_t to = 0; to < xb->n_to; to++) {
            for (size_t ti = 0; ti < xb->n_ti; ti++) {
                size_t r = in_dim - ti * (size_t)params->tile_rows;
                size_t c = out_dim - to * (size_t)params->tile_cols;
                xb_tile_alloc(tile_at(xb, ti, to),
                              r < (size_t)params->tile_rows ? r : (size_t)params->tile_rows,
                              c < (size_t)params->tile_cols ? c : (size_t)params->tile_cols);
            }
        }
        const size_t tile_n = (size_t)params->tile_rows * (size_t)params->tile_cols;
        /* Tiles are independent: each is programmed from its own streams. */
#pragma omp parallel default(none) shared(xb, nt, tile_n)
        {
            float *wn = xb_aligned(tile_n, sizeof(float));
            float *scratch = xb_aligned(2 * tile_n, sizeof(float));
#pragma omp for schedule(static)
            for (size_t k = 0; k < nt; k++) {
                struct xb_tile_addr a = tile_addr(xb, k);
                tile_weights(xb, k % xb->n_ti, k / xb->n_ti, wn);
                xb_tile_program(&xb->tiles[k], &xb->p.device, wn, xb->tiles[k].rows, &a,
                                scratch);
            }
            xb_free(wn);
            xb_free(scratch);
        }
        for (size_t k = 0; k < nt; k++)
            xb->ref_abs_sum += xb_tile_abs_sum_prog(&xb->tiles[k]);
        if (params->adc_bits == 0) {
            xb->gd_full = xb_aligned(out_dim * in_dim, sizeof(float));
            xb->s2_full = xb_aligned(out_dim * in_dim, sizeof(float));
        }
    }
    st = xb_xbar_age(ctx, xb, 0.0);
    if (st) {
        xb_xbar_free(xb);
        return st;
    }
    *out = xb;
    return XB_OK;
}

void xb_xbar_free(struct xb_xbar *xb)
{
    if (!xb)
        return;
    if (xb->tiles)
        for (size_t k = 0; k < xb->n_ti * xb->n_to; k++)
            xb_tile_release(&xb->tiles[k]);
    xb_free(xb->tiles);
    xb_free(xb->W);
    xb_free(xb->w_scale);
    xb_free(xb->adc_range);
    xb_xbar_ws_free(xb->ws);
    xb_free(xb->gd_full);
    xb_free(xb->s2_full);
    xb_free(xb);
}

static void gather_full(struct xb_xbar *xb)
{
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    for (size_t to = 0; to < xb->n_to; to++)
        for (size_t ti = 0; ti < xb->n_ti; ti++) {
            const struct xb_tile *t = tile_at(xb, ti, to);
            for (size_t o = 0; o < t->cols; o++) {
                size_t dst = (to * TC + o) * xb->in + ti * TR;
                memcpy(xb->gd_full + dst, t->gd + o * t->rows, t->rows * sizeof(float));
                memcpy(xb->s2_full + dst, t->s2 + o * t->rows, t->rows * sizeof(float));
            }
        }
}

enum xb_status xb_xbar_age(struct xb_ctx *ctx, struct xb_xbar *xb, double t)
{
    if (!(t >= 0.0) || !isfinite(t))
        return xb_error(ctx, XB_ERANGE, "read time t = %g s: expected a finite value >= 0", t);
    xb->drift_scale = 1.0;
    if (xb->plain)
        return XB_OK;
    const size_t nt = xb->n_ti * xb->n_to;
    const size_t tile_n = (size_t)xb->p.tile_rows * (size_t)xb->p.tile_cols;
#pragma omp parallel default(none) shared(xb, nt, tile_n, t)
    {
        float *scratch = xb_aligned(2 * tile_n, sizeof(float));
#pragma omp for schedule(static)
        for (size_t k = 0; k < nt; k++) {
            struct xb_tile_addr a = tile_addr(xb, k);
            xb_tile_age(&xb->tiles[k], &xb->p.device, t, &a, scratch);
        }
        xb_free(scratch);
    }
    xb->any_read = 0;
    for (size_t k = 0; k < nt; k++)
        xb->any_read |= xb->tiles[k].has_read;
    if (xb->gd_full)
        gather_full(xb);
    if (xb->p.drift_comp) {
        /* A chip calibrates with a reference read (one-hot inputs): the
         * mean |output| after programming over the mean |output| now. The
         * expected read is used, i.e. read noise averages out. */
        double now = 0.0;
        for (size_t k = 0; k < nt; k++)
            now += xb_tile_abs_sum_now(&xb->tiles[k]);
        if (now > 0.0)
            xb->drift_scale = xb->ref_abs_sum / now;
    }
    return XB_OK;
}

/* ---- execute ---------------------------------------------------------- */

/* Per-thread scratch of execute, sized for one work item. The plain path
 * needs only eps. */
static void ws_alloc(struct workspace *w, const struct xb_xbar *xb)
{
    memset(w, 0, sizeof *w);
    w->eps = xb_aligned(xb->out > XB_ITEMS_COLS ? xb->out : XB_ITEMS_COLS, sizeof(float));
    if (xb->plain)
        return;
    w->xn = xb_aligned(XB_ITEMS_ROWS * xb->in, sizeof(float));
    w->xsq = xb_aligned(XB_ITEMS_ROWS * xb->in, sizeof(float));
    w->P = xb_aligned(XB_ITEMS_ROWS * XB_ITEMS_COLS, sizeof(float));
    w->V = xb_aligned(XB_ITEMS_ROWS * XB_ITEMS_COLS, sizeof(float));
    w->acc = xb_aligned(XB_ITEMS_ROWS * XB_ITEMS_COLS, sizeof(float));
}

static void ws_free(struct workspace *w)
{
    xb_free(w->xn);
    xb_free(w->xsq);
    xb_free(w->P);
    xb_free(w->V);
    xb_free(w->acc);
    xb_free(w->eps);
}

struct xb_xbar_ws *xb_xbar_ws_create(const struct xb_xbar *xb, int threads)
{
    struct xb_xbar_ws *ws = xb_calloc(1, sizeof *ws);
    ws->slots = threads > 0 ? threads : xb_omp_max_threads();
    ws->w = xb_calloc((size_t)ws->slots, sizeof *ws->w);
    for (int k = 0; k < ws->slots; k++)
        ws_alloc(&ws->w[k], xb);
    return ws;
}

void xb_xbar_ws_free(struct xb_xbar_ws *ws)
{
    if (!ws)
        return;
    for (int k = 0; k < ws->slots; k++)
        ws_free(&ws->w[k]);
    xb_free(ws->w);
    xb_free(ws);
}

static struct xb_quant dac_of(const struct xb_xbar *xb)
{
    return (struct xb_quant){.bits = xb->p.dac_bits, .range = (float)xb->dac_range,
                             .is_signed = xb->p.dac_signed};
}

/* DAC: quantise rows [r0, r0+m) of X and scale them to |x| <= 1. Returns
 * the number of clipped inputs. */
static uint64_t dac_rows(const struct xb_xbar *xb, const float *X, size_t r0, size_t m,
                         float *xn)
{
    struct xb_quant q = dac_of(xb);
    size_t n = m * xb->in;
    uint64_t clipped = 0;
    if (q.bits > 0 && q.range > 0.0f)
        clipped = xb_quant_to(&q, X + r0 * xb->in, xn, n);
    else
        memcpy(xn, X + r0 * xb->in, n * sizeof(float));
    if (xb->dac_range > 0.0) {
        float inv = (float)(1.0 / xb->dac_range);
        for (size_t k = 0; k < n; k++)
            xn[k] *= inv;
    }
    return clipped;
}

static struct xb_stream read_stream(const struct xb_xbar *xb, const struct xb_rows *a)
{
    struct xb_addr addr = {.purpose = XB_PURPOSE_READ, .layer = xb->p.layer,
                           .instance = xb->p.instance, .step = a->step};
    return xb_stream_at(xb->seed, &addr);
}

static struct xb_stream noise_stream(const struct xb_xbar *xb, const struct xb_rows *a)
{
    struct xb_addr addr = {.purpose = XB_PURPOSE_NOISE, .layer = xb->p.layer,
                           .instance = xb->p.instance, .step = a->step};
    return xb_stream_at(xb->seed, &addr);
}

/* ADC on n tile outputs of tile (ti, to); returns the clipped count. */
static uint64_t adc_tile(const struct xb_xbar *xb, size_t ti, size_t to, float *P, size_t n)
{
    if (xb->p.adc_bits == 0)
        return 0;
    struct xb_quant q = {.bits = xb->p.adc_bits, .range = xb->adc_range[to * xb->n_ti + ti],
                         .is_signed = 1};
    return xb_quant_apply(&q, P, n);
}

/* Columns [o0, o0 + w) of rows [r0, r0 + m): acc (normalised, row stride
 * w) -> Y in weight units, + bias, + abstract noise. */
static void finish_block(const struct xb_xbar *xb, const float *acc, size_t r0, size_t m,
                         size_t o0, size_t w, const float *bias, float *Y,
                         const struct xb_rows *a, float *eps)
{
    const double xs = xb->dac_range > 0.0 ? xb->dac_range : 1.0;
    float *scale = eps; /* eps is free until the noise below */
    for (size_t c = 0; c < w; c++)
        scale[c] = (float)((double)xb->w_scale[o0 + c] * xs * xb->drift_scale);
    for (size_t r = 0; r < m; r++) {
        float *y = Y + (r0 + r) * xb->out + o0;
        const float *s = acc + r * w;
        if (bias)
            for (size_t c = 0; c < w; c++)
                y[c] = s[c] * scale[c] + bias[o0 + c];
        else
            for (size_t c = 0; c < w; c++)
                y[c] = s[c] * scale[c];
    }
    struct xb_stream ns = noise_stream(xb, a);
    xb_noise_apply(xb->p.noise, (float)xb->p.sigma, &ns, a, r0, r0 + m, o0, w, Y, xb->out,
                   eps);
}

static void plain_block(const struct xb_xbar *xb, const float *X, const struct xb_item *b,
                        const float *bias, float *Y, const struct xb_rows *a, float *eps)
{
    if (bias)
        for (size_t r = 0; r < b->m; r++)
            memcpy(Y + (b->r0 + r) * xb->out + b->c0, bias + b->c0, b->w * sizeof(float));
    xb_sgemm(xb->p.gemm, 0, 1, b->m, b->w, xb->in, 1.0f, X + b->r0 * xb->in, xb->in,
             xb->W + b->c0 * xb->in, xb->in, bias ? 1.0f : 0.0f, Y + b->r0 * xb->out + b->c0,
             xb->out);
    struct xb_stream ns = noise_stream(xb, a);
    xb_noise_apply(xb->p.noise, (float)xb->p.sigma, &ns, a, b->r0, b->r0 + b->m, b->c0, b->w,
                   Y, xb->out, eps);
}

/* P[r, c] += sqrt(V[r, c]) * N(0,1), the normals of each row's READ stream
 * at elements first .. first + w. */
static void add_read_noise(const struct xb_stream *rs, const struct xb_rows *a,
                           const struct xb_item *b, uint64_t first, const float *V, float *P,
                           float *eps)
{
    for (size_t r = 0; r < b->m; r++) {
        struct xb_stream s = xb_stream_row(*rs, xb_rows_sample(a, b->r0 + r),
                                           xb_rows_vote(a, b->r0 + r));
        xb_normal_fill(&s, first, b->w, eps);
        float *p = P + r * b->w;
        const float *v = V + r * b->w;
        for (size_t c = 0; c < b->w; c++)
            p[c] += (v[c] > 0.0f ? sqrtf(v[c]) : 0.0f) * eps[c];
    }
}

static void device_block(const struct xb_xbar *xb, const float *X, const struct xb_item *b,
                         const float *bias, float *Y, const struct xb_rows *a,
                         struct workspace *w, struct xb_xbar_stats *st)
{
    const size_t in = xb->in, out = xb->out, m = b->m, W = b->w;
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    /* The DAC runs once per row; its count is taken by the first column
     * block of the row chunk only. */
    const float *xn = X + b->r0 * in; /* the inputs as the tiles see them */
    if (xb->p.dac_bits > 0 || xb->dac_range > 0.0) {
        uint64_t clipped = dac_rows(xb, X, b->r0, m, w->xn);
        xn = w->xn;
        if (b->c0 == 0)
            st->dac_clipped += clipped;
    }
    if (b->c0 == 0)
        st->dac_values += m * in;
    const int any_read = xb->any_read;
    if (any_read)
        for (size_t k = 0; k < m * in; k++)
            w->xsq[k] = xn[k] * xn[k];
    struct xb_stream rs = read_stream(xb, a);
    if (xb->gd_full) {
        /* Ideal ADC: one GEMM over all input tiles for the sums, one for
         * the read variances, one normal per output (exact: the tiles'
         * noises are independent Gaussians). Element n_ti * out + o. */
        xb_sgemm(xb->p.gemm, 0, 1, m, W, in, 1.0f, xn, in, xb->gd_full + b->c0 * in, in, 0.0f,
                 w->acc, W);
        if (any_read) {
            xb_sgemm(xb->p.gemm, 0, 1, m, W, in, 1.0f, w->xsq, in, xb->s2_full + b->c0 * in, in,
                     0.0f, w->V, W);
            add_read_noise(&rs, a, b, (uint64_t)xb->n_ti * out + b->c0, w->V, w->acc, w->eps);
        }
        finish_block(xb, w->acc, b->r0, m, b->c0, W, bias, Y, a, w->eps);
        return;
    }
    /* With an ADC each tile's output is noisy and quantised on its own:
     * tile ti's read-noise draw for output o is element ti * out + o. The
     * item's span is its output tile (items never cross one). */
    memset(w->acc, 0, m * W * sizeof(float));
    const size_t c0 = b->c0 - b->span * TC; /* first column inside the tile */
    for (size_t ti = 0; ti < xb->n_ti; ti++) {
        const struct xb_tile *t = tile_at(xb, ti, b->span);
        const size_t R = t->rows;
        xb_sgemm(xb->p.gemm, 0, 1, m, W, R, 1.0f, xn + ti * TR, in, t->gd + c0 * R, R, 0.0f,
                 w->P, W);
        if (t->has_read) {
            /* Exact aggregation: independent Gaussian cell noise of std
             * s_ij sums to N(0, sum_j s_ij² x_j²) per column output. */
            xb_sgemm(xb->p.gemm, 0, 1, m, W, R, 1.0f, w->xsq + ti * TR, in, t->s2 + c0 * R, R,
                     0.0f, w->V, W);
            add_read_noise(&rs, a, b, (uint64_t)ti * out + b->c0, w->V, w->P, w->eps);
        }
        st->adc_clipped += adc_tile(xb, ti, b->span, w->P, m * W);
        st->adc_values += m * W;
        for (size_t k = 0; k < m * W; k++)
            w->acc[k] += w->P[k];
    }
    finish_block(xb, w->acc, b->r0, m, b->c0, W, bias, Y, a, w->eps);
}

/* One execute: its operands and its items, shared read-only by the items. */
struct exec_job {
    const struct xb_xbar *xb;
    struct xb_xbar_ws *ws;
    const float *X, *bias;
    float *Y;
    const struct xb_rows *addr;
    struct xb_items g;
};

static void exec_item(void *arg, size_t k, int thread)
{
    const struct exec_job *j = arg;
    const struct xb_item b = xb_items_at(&j->g, k);
    struct workspace *w = &j->ws->w[thread];
    if (j->xb->plain)
        plain_block(j->xb, j->X, &b, j->bias, j->Y, j->addr, w->eps);
    else
        device_block(j->xb, j->X, &b, j->bias, j->Y, j->addr, w, &w->st);
}

void xb_xbar_execute_ws(const struct xb_xbar *xb, struct xb_xbar_ws *ws, const float *X,
                        size_t rows, const float *bias, float *Y, const struct xb_rows *addr,
                        struct xb_xbar_stats *stats)
{
    XB_ASSERT(addr->batch >= 1);
    /* Column blocks never cross a tile edge (the plain path has one "tile"
     * as wide as the output): each block's ADC is one tile's. */
    struct exec_job j = {.xb = xb, .ws = ws, .X = X, .bias = bias, .Y = Y, .addr = addr,
                         .g = xb_items_xwt(rows, xb->out,
                                           xb->plain ? xb->out : (size_t)xb->p.tile_cols)};
    /* A workspace made when the runtime had fewer threads grows to the
     * threads it has now, so the team is never cut to the old count (the
     * items, not the team, fix the numbers). */
    const int threads = xb_omp_max_threads();
    if (threads > ws->slots) {
        struct workspace *grown = xb_calloc((size_t)threads, sizeof *grown);
        memcpy(grown, ws->w, (size_t)ws->slots * sizeof *grown);
        for (int t = ws->slots; t < threads; t++)
            ws_alloc(&grown[t], xb);
        xb_free(ws->w);
        ws->w = grown;
        ws->slots = threads;
    }
    for (int t = 0; t < ws->slots; t++)
        memset(&ws->w[t].st, 0, sizeof ws->w[t].st);
    xb_items_run(j.g.n, XB_ITEMS_BLOCKED, threads, exec_item, &j);
    if (stats) {
        for (int t = 0; t < ws->slots; t++) {
            stats->dac_values += ws->w[t].st.dac_values;
            stats->dac_clipped += ws->w[t].st.dac_clipped;
            stats->adc_values += ws->w[t].st.adc_values;
            stats->adc_clipped += ws->w[t].st.adc_clipped;
        }
    }
}

void xb_xbar_execute(struct xb_xbar *xb, const float *X, size_t rows, const float *bias,
                     float *Y, const struct xb_rows *addr, struct xb_xbar_stats *stats)
{
    if (!xb->ws)
        xb->ws = xb_xbar_ws_create(xb, 0);
    xb_xbar_execute_ws(xb, xb->ws, X, rows, bias, Y, addr, stats);
}

/* ---- reference path, calibration, inspection ---------------------------- */

void xb_xbar_execute_naive(const struct xb_xbar *xb, const float *X, size_t rows,
                           const float *bias, float *Y, const struct xb_rows *addr)
{
    if (xb->plain) {
        struct xb_xbar_ws *ws = xb_xbar_ws_create(xb, 0);
        xb_xbar_execute_ws(xb, ws, X, rows, bias, Y, addr, NULL);
        xb_xbar_ws_free(ws);
        return;
    }
    const size_t out = xb->out, in = xb->in;
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    float *xn = xb_aligned(in, sizeof(float)), *acc = xb_aligned(out, sizeof(float));
    float *P = xb_aligned(TC, sizeof(float)), *eps = xb_aligned(out, sizeof(float));
    float *cell_eps = xb_aligned(TR, sizeof(float));
    struct xb_stream rs = read_stream(xb, addr);
    /* Other elements than the aggregated path uses (from 2^40 on): the two
     * agree in distribution, not draw by draw. */
    const uint64_t base = (uint64_t)1 << 40;
    for (size_t r = 0; r < rows; r++) {
        dac_rows(xb, X, r, 1, xn);
        memset(acc, 0, out * sizeof(float));
        struct xb_stream s = xb_stream_row(rs, xb_rows_sample(addr, r), xb_rows_vote(addr, r));
        uint64_t cell = base;
        for (size_t to = 0; to < xb->n_to; to++) {
            for (size_t ti = 0; ti < xb->n_ti; ti++) {
                const struct xb_tile *t = tile_at(xb, ti, to);
                for (size_t o = 0; o < t->cols; o++) {
                    xb_normal_fill(&s, cell, t->rows, cell_eps);
                    cell += t->rows;
                    double y = 0.0;
                    for (size_t i = 0; i < t->rows; i++) {
                        size_t c = o * t->rows + i;
                        double g = (double)t->gd[c] +
                                   sqrt((double)t->s2[c]) * (double)cell_eps[i];
                        y += g * (double)xn[ti * TR + i];
                    }
                    P[o] = (float)y;
                }
                adc_tile(xb, ti, to, P, t->cols);
                for (size_t o = 0; o < t->cols; o++)
                    acc[to * TC + o] += P[o];
            }
        }
        finish_block(xb, acc, r, 1, 0, out, bias, Y, addr, eps);
    }
    xb_free(xn), xb_free(acc), xb_free(P), xb_free(eps), xb_free(cell_eps);
}

void xb_xbar_tile_energy(const struct xb_xbar *xb, const float *X, size_t rows,
                         const struct xb_rows *addr, double *signal, double *error)
{
    const size_t in = xb->in, out = xb->out, n = rows * in;
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    const float inv = (float)(1.0 / (xb->dac_range > 0.0 ? xb->dac_range : 1.0));
    float *xn = xb_aligned(n, sizeof(float)), *xi = xb_aligned(n, sizeof(float));
    float *xsq = xb_aligned(n, sizeof(float)), *wn = xb_aligned(TR * TC, sizeof(float));
    float *P = xb_aligned(rows * TC, sizeof(float)), *Q = xb_aligned(rows * TC, sizeof(float));
    float *V = xb_aligned(rows * TC, sizeof(float)), *eps = xb_aligned(TC, sizeof(float));
    dac_rows(xb, X, 0, rows, xn);
    for (size_t k = 0; k < n; k++) {
        xi[k] = X[k] * inv;
        xsq[k] = xn[k] * xn[k];
    }
    const struct xb_stream rs = read_stream(xb, addr);
    for (size_t k = 0; k < xb->n_ti * xb->n_to; k++) {
        const size_t ti = k % xb->n_ti, to = k / xb->n_ti;
        const size_t R = in - ti * TR < TR ? in - ti * TR : TR;
        const size_t C = out - to * TC < TC ? out - to * TC : TC;
        /* tile_weights' values; a plain plan has no tiles to ask for sizes. */
        for (size_t o = 0; o < C; o++)
            for (size_t i = 0; i < R; i++)
                wn[o * R + i] = xb->W[(to * TC + o) * in + ti * TR + i] / xb->w_scale[to * TC + o];
        xb_sgemm(xb->p.gemm, 0, 1, rows, C, R, 1.0f, xi + ti * TR, in, wn, R, 0.0f, Q, C);
        double ps = 0.0, pn = 0.0;
        if (xb->plain) {
            for (size_t v = 0; v < rows * C; v++)
                ps += (double)Q[v] * (double)Q[v];
            signal[k] += ps;
            continue;
        }
        const struct xb_tile *t = tile_at(xb, ti, to);
        xb_sgemm(xb->p.gemm, 0, 1, rows, C, R, 1.0f, xn + ti * TR, in, t->gd, R, 0.0f, P, C);
        if (t->has_read) {
            const struct xb_item b = {.r0 = 0, .m = rows, .c0 = to * TC, .w = C, .span = to};
            xb_sgemm(xb->p.gemm, 0, 1, rows, C, R, 1.0f, xsq + ti * TR, in, t->s2, R, 0.0f, V,
                     C);
            add_read_noise(&rs, addr, &b, (uint64_t)ti * out + to * TC, V, P, eps);
        }
        adc_tile(xb, ti, to, P, rows * C);
        for (size_t v = 0; v < rows * C; v++) {
            double d = (double)P[v] * xb->drift_scale - (double)Q[v];
            ps += (double)Q[v] * (double)Q[v];
            pn += d * d;
        }
        signal[k] += ps;
        error[k] += pn;
    }
    xb_free(xn), xb_free(xi), xb_free(xsq), xb_free(wn), xb_free(P), xb_free(Q), xb_free(V);
    xb_free(eps);
}

enum xb_status xb_xbar_calibrate(struct xb_ctx *ctx, struct xb_xbar *xb, const float *X,
                                 size_t batch)
{
    if (batch == 0)
        return xb_error(ctx, XB_ESHAPE, "calibration batch is empty");
    const size_t in = xb->in;
    if (xb->p.dac_range == 0.0) {
        /* One pass without an exit (fmaxf's value: m and |x| are not NaN
         * once every x is finite); the offender is looked up after. */
        float m = 0.0f;
        int finite = 1;
        for (size_t k = 0; k < batch * in; k++) {
            const float a = fabsf(X[k]);
            finite &= a <= FLT_MAX;
            m = a > m ? a : m;
        }
        for (size_t k = 0; !finite && k < batch * in; k++)
            if (!isfinite(X[k]))
                return xb_error(ctx, XB_ENUMERIC, "calibration input [%zu, %zu] = %g is "
                                "not finite", k / in, k % in, (double)X[k]);
        xb->dac_range = m > 0.0f ? (double)m : 1.0;
    }
    if (xb->p.adc_calib == XB_ADC_FIXED || xb->plain)
        return XB_OK;
    /* Each tile's range from its ideal column outputs: target weights, the
     * DAC-quantised inputs, no device error. The DAC runs over row chunks
     * (element-wise, so the chunks change nothing) and a work item is one
     * tile's whole product, the call it always was, so the ranges are the
     * same bits for any thread count; the tiles spread over the threads. */
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    const size_t n_tiles = xb->n_to * xb->n_ti;
    const size_t n_chunks = (batch + XB_ITEMS_ROWS - 1) / XB_ITEMS_ROWS;
    float *xn = xb_aligned(batch * in, sizeof(float));
#pragma omp parallel for schedule(static) default(none) shared(xb, X, xn, batch, n_chunks, in)
    for (size_t k = 0; k < n_chunks; k++) {
        const size_t r0 = k * XB_ITEMS_ROWS;
        const size_t m = batch - r0 < XB_ITEMS_ROWS ? batch - r0 : XB_ITEMS_ROWS;
        dac_rows(xb, X, r0, m, xn + r0 * in);
    }
#pragma omp parallel default(none) shared(xb, xn, batch, in, TR, TC, n_tiles)
    {
        float *wn = xb_aligned(TR * TC, sizeof(float));
        float *P = xb_aligned(batch * TC, sizeof(float));
#pragma omp for schedule(static)
        for (size_t k = 0; k < n_tiles; k++) {
            const size_t to = k / xb->n_ti, ti = k % xb->n_ti;
            const struct xb_tile *t = tile_at(xb, ti, to);
            tile_weights(xb, ti, to, wn);
            xb_sgemm(xb->p.gemm, 0, 1, batch, t->cols, t->rows, 1.0f, xn + ti * TR, in, wn,
                     t->rows, 0.0f, P, t->cols);
            double pct = xb->p.adc_calib == XB_ADC_MAX ? 100.0 : xb->p.adc_value;
            double r = xb_calib_abs_percentile(P, batch * t->cols, pct);
            xb->adc_range[k] = r > 0.0 ? (float)r : 1.0f;
        }
        xb_free(wn);
        xb_free(P);
    }
    xb_free(xn);
    return XB_OK;
}

size_t xb_xbar_out(const struct xb_xbar *xb) { return xb->out; }
size_t xb_xbar_in(const struct xb_xbar *xb) { return xb->in; }
size_t xb_xbar_tiles(const struct xb_xbar *xb) { return xb->n_ti * xb->n_to; }
double xb_xbar_drift_scale(const struct xb_xbar *xb) { return xb->drift_scale; }
double xb_xbar_dac_range(const struct xb_xbar *xb) { return xb->dac_range; }
const struct xb_xbar_params *xb_xbar_params(const struct xb_xbar *xb) { return &xb->p; }

double xb_xbar_adc_range(const struct xb_xbar *xb, size_t tile_in, size_t tile_out)
{
    XB_ASSERT(tile_in < xb->n_ti && tile_out < xb->n_to);
    return xb->adc_range[tile_out * xb->n_ti + tile_in];
}

void xb_xbar_effective_weights(const struct xb_xbar *xb, float *W_out)
{
    if (xb->plain) {
        memcpy(W_out, xb->W, xb->out * xb->in * sizeof(float));
        return;
    }
    const size_t TR = (size_t)xb->p.tile_rows, TC = (size_t)xb->p.tile_cols;
    for (size_t to = 0; to < xb->n_to; to++) {
        for (size_t ti = 0; ti < xb->n_ti; ti++) {
            const struct xb_tile *t = tile_at(xb, ti, to);
            for (size_t o = 0; o < t->cols; o++) {
                size_t og = to * TC + o;
                double s = (double)xb->w_scale[og] * xb->drift_scale;
                for (size_t i = 0; i < t->rows; i++)
                    W_out[og * xb->in + ti * TR + i] = (float)((double)t->gd[o * t->rows + i] * s);
            }
        }
    }
}

void xb_xbar_tile_view(const struct xb_xbar *xb, size_t k, struct xb_tile_view *v)
{
    memset(v, 0, sizeof *v);
    if (xb->plain) {
        XB_ASSERT(k < xb->n_ti * xb->n_to);
        return;
    }
    XB_ASSERT(k < xb->n_ti * xb->n_to);
    const struct xb_tile *t = &xb->tiles[k];
    *v = (struct xb_tile_view){
        .rows = t->rows, .cols = t->cols,
        .g_target_p = t->gt_p, .g_target_m = t->gt_m,
        .g_prog_p = t->gp_p, .g_prog_m = t->gp_m,
        .g_now_p = t->gn_p, .g_now_m = t->gn_m,
        .nu_p = t->nu_p, .nu_m = t->nu_m,
        .stuck_p = t->st_p, .stuck_m = t->st_m,
    };
}
