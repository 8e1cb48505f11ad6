/*
 * DIM, TIM and NAttack (models/attack/attack_{dim,tim,nattack}.c): DIM
 * with p = 0 and TIM with a 1 × 1 kernel are MIM with the same momentum,
 * bit for bit (and not with p = 1 or a 3 × 3 kernel); DIM's resize-and-pad
 * on known images against hand-computed pixels, and its adjoint against
 * <T x, v> = <x, T^T v>; TIM's kernel on a point by hand; NAttack on a
 * linear softmax model reached by queries only (the test's oracle has no
 * gradient to give), lowering its accuracy within its query budget, every
 * iterate in the eps-ball and [0, 1], deterministic; the net's NAttack
 * equals the search over a forward-only oracle of the same net. The
 * iterates of DIM and TIM in the eps-ball and [0, 1], their accuracy
 * against eps and every kind's thread identity are in test_attack.c
 * (which runs every kind of the table).
 *
 * Planted bugs that fail here (each tried, then removed): DIM's transform
 * drawn with p ignored; the resize's half-pixel offset dropped; the
 * adjoint's vertical weights swapped; TIM's kernel not normalised; NAttack
 * stepping up the loss (mu -= ...); NAttack's projection skipped; one
 * query row more than its budget per check.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack.h"
#include "xb_nattack.h"
#include "xb_net.h"
#include "xb_rng.h"
#include "xb_test_net.h"

static struct xb_ctx *ctx;

static void setup(void)
{
    struct xb_ctx_params cp = {.seed = 20261129, .threads = 0, .log = XB_LOG_QUIET};
    ctx = xb_ctx_create(&cp);
}
static void teardown(void) { xb_ctx_free(ctx); }

TestSuite(transfer, .init = setup, .fini = teardown);

static float *uniform(size_t n, uint32_t which)
{
    float *x = xb_aligned(n, sizeof(float));
    struct xb_addr a = {.purpose = XB_PURPOSE_TEST, .layer = which};
    struct xb_stream s = xb_stream_at(57, &a);
    xb_uniform_fill(&s, 0, n, x);
    return x;
}

/* 8 × 8 inputs, 64-24-4 with ReLU, random weights. */
static struct xb_net *mlp(size_t rows)
{
    struct xb_net_config cfg = {.input = {1, 8, 8}, .classes = 4, .n_layers = 4};
    cfg.layers[0] = xb_test_layer("flatten", 0);
    cfg.layers[1] = xb_test_layer("dense", 24);
    cfg.layers[2] = xb_test_layer("relu", 0);
    cfg.layers[3] = xb_test_layer("dense", 4);
    struct xb_net *net = xb_test_net(ctx, &cfg, rows);
    xb_net_init(net, 3);
    return net;
}

static void run(struct xb_net *net, const struct xb_attack_type *t,
                const struct xb_attack_params *p, const float *x, const uint8_t *y, size_t n,
                float *adv)
{
    cr_assert_eq(xb_attack_run(ctx, net, t, p, x, y, n, adv), XB_OK, "%s", xb_ctx_error(ctx));
}

/* ---- DIM and TIM against MIM ---------------------------------------------- */

Test(transfer, dim_without_diversity_and_tim_with_a_point_kernel_are_mim)
{
    const size_t n = 12, F = 64;
    struct xb_net *net = mlp(n);
    float *x = uniform(n * F, 1), *mim = xb_aligned(n * F, sizeof(float));
    float *other = xb_aligned(n * F, sizeof(float));
    uint8_t y[12];
    for (size_t s = 0; s < n; s++)
        y[s] = (uint8_t)(s % 4);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.steps = 6, p.dim_min = 5, p.mu = 0.7, p.transfer_mu = 0.7;
    run(net, &xb_attack_mim, &p, x, y, n, mim);
    p.dim_p = 0.0;
    run(net, &xb_attack_dim, &p, x, y, n, other);
    cr_assert(!memcmp(mim, other, n * F * sizeof(float)), "DIM with p = 0 is not MIM");
    p.tim_kernel = 1;
    run(net, &xb_attack_tim, &p, x, y, n, other);
    cr_assert(!memcmp(mim, other, n * F * sizeof(float)), "TIM with a 1 x 1 kernel is not MIM");
    /* The comparison can see a difference: with the transform always on
     * and a 3 × 3 kernel both leave MIM's path. */
    p.dim_p = 1.0;
    run(net, &xb_attack_dim, &p, x, y, n, other);
    cr_assert(memcmp(mim, other, n * F * sizeof(float)), "DIM with p = 1 is MIM");
    p.tim_kernel = 3;
    run(net, &xb_attack_tim, &p, x, y, n, other);
    cr_assert(memcmp(mim, other, n * F * sizeof(float)), "TIM with a 3 x 3 kernel is MIM");
    /* And the momentum is transfer_mu, not mu. */
    p.dim_p = 0.0, p.transfer_mu = 0.0;
    run(net, &xb_attack_dim, &p, x, y, n, other);
    cr_assert(memcmp(mim, other, n * F * sizeof(float)), "DIM follows mu, not transfer_mu");
    xb_free(x), xb_free(mim), xb_free(other);
    xb_net_free(net);
}

/* ---- DIM's transform by hand ---------------------------------------------- */

/* 4 × 4 image x[i][j] = 4 i + j, resized to 2 × 2: half-pixel centres at
 * source 0.5 and 2.5, so each output is the mean of a 2 × 2 block — 2.5,
 * 4.5, 10.5, 12.5 — placed with its corner at (1, 2), zeros elsewhere. */
Test(transfer, resize_to_half_and_pad_by_hand)
{
    float x[16], y[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    const struct xb_attack_resize t = {.r = 2, .top = 1, .left = 2};
    xb_attack_resize_apply(4, &t, x, y);
    const float want[16] = {0, 0, 0,    0,    0, 0, 2.5f, 4.5f,
                            0, 0, 10.5f, 12.5f, 0, 0, 0,    0};
    for (int i = 0; i < 16; i++)
        cr_assert(y[i] == want[i], "pixel %d: %g, want %g", i, (double)y[i], (double)want[i]);
    /* The identity: r = side, no offset. */
    const struct xb_attack_resize id = {.r = 4};
    xb_attack_resize_apply(4, &id, x, y);
    cr_assert(!memcmp(x, y, sizeof x), "r = side is not the identity");
}

/* 4 × 4 to 3 × 3 at (0, 1): scale 4/3, source coordinates 1/6 (clamped
 * from -1/6 + 1/3 ... : (i + 1/2)·4/3 - 1/2 = 1/6, 3/2, 17/6), so output
 * row/column i reads source lo = 0, 1, 2 with weight f = 1/6, 1/2, 5/6 on
 * lo + 1. On x[i][j] = 4 i + j (linear, so bilinear is exact): out(i, j)
 * = 4 s_i + s_j with s = (1/6, 3/2, 17/6). */
Test(transfer, resize_to_three_quarters_by_hand)
{
    float x[16], y[16];
    for (int i = 0; i < 16; i++)
        x[i] = (float)i;
    const struct xb_attack_resize t = {.r = 3, .top = 0, .left = 1};
    xb_attack_resize_apply(4, &t, x, y);
    const double s[3] = {1.0 / 6.0, 1.5, 17.0 / 6.0};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            const double want = i < 3 && j >= 1 ? 4.0 * s[i] + s[j - 1] : 0.0;
            cr_assert(fabs((double)y[4 * i + j] - want) < 1e-5, "pixel (%d, %d): %.7g, want "
                      "%.7g", i, j, (double)y[4 * i + j], want);
        }
}

/* The adjoint: <T x, v> = <x, T^T v> for random x, v and every r, offset
 * of a 28 × 28 image, to float rounding (sums of 784 products of numbers
 * in [0, 1): 1e-4 relative is ~100 ulps of the sum). */
Test(transfer, resize_adjoint_is_the_transpose)
{
    const int side = 28;
    const size_t F = (size_t)side * (size_t)side;
    float *x = uniform(F, 2), *v = uniform(F, 3), *tx = xb_aligned(F, sizeof(float));
    float *tv = xb_aligned(F, sizeof(float));
    for (int r = 20; r <= side; r++)
        for (int off = 0; off <= side - r; off += 3) {
            const struct xb_attack_resize t = {.r = r, .top = off, .left = side - r - off};
            xb_attack_resize_apply(side, &t, x, tx);
            xb_attack_resize_adjoint(side, &t, v, tv);
            double a = 0.0, b = 0.0;
            for (size_t i = 0; i < F; i++)
                a += (double)tx[i] * (double)v[i], b += (double)x[i] * (double)tv[i];
            cr_assert(fabs(a - b) <= 1e-4 * fabs(a), "r %d at %d: <Tx, v> = %.9g, <x, T'v> = "
                      "%.9g", r, off, a, b);
        }
    xb_free(x), xb_free(v), xb_free(tx), xb_free(tv);
}

/* ---- TIM's kernel by hand -------------------------------------------------- */

/* len 3: points -3, 0, 3, densities e^-4.5, 1, e^-4.5, normalised: k =
 * (a, c, a), a = e^-4.5 / (1 + 2 e^-4.5), c = 1 / (1 + 2 e^-4.5). A unit
 * point at the centre of 5 × 5 becomes outer(k, k) around it; at the
 * corner (0, 0) only the in-image quarter remains: c², a c, a². */
Test(transfer, tim_kernel_on_a_point_by_hand)
{
    const double e = exp(-4.5), a = e / (1.0 + 2.0 * e), c = 1.0 / (1.0 + 2.0 * e);
    const double k[3] = {a, c, a};
    float g[25] = {0}, out[25];
    g[12] = 1.0f;
    xb_attack_smooth(5, 3, g, out);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            const int in = i >= 1 && i <= 3 && j >= 1 && j <= 3;
            const double want = in ? k[i - 1] * k[j - 1] : 0.0;
            cr_assert(fabs((double)out[5 * i + j] - want) <= 1e-7, "(%d, %d): %.9g, want %.9g",
                      i, j, (double)out[5 * i + j], want);
        }
    memset(g, 0, sizeof g);
    g[0] = 1.0f;
    xb_attack_smooth(5, 3, g, out);
    cr_assert(fabs((double)out[0] - c * c) <= 1e-7 && fabs((double)out[1] - a * c) <= 1e-7 &&
              fabs((double)out[6] - a * a) <= 1e-7 && out[2] == 0.0f,
              "corner: %.9g %.9g %.9g %.9g", (double)out[0], (double)out[1], (double)out[6],
              (double)out[2]);
}

/* ---- NAttack ------------------------------------------------------------------ */

/* A linear softmax model z = W x + b that answers queries and nothing
 * else, counting them. */
struct linear_oracle {
    int F, C;
    float *W, *b, *z;
    size_t queries, rows, max_seen, max_rows;
};

static const float *linear_query(void *state, const float *x, size_t rows, uint32_t sample,
                                 uint32_t vote0)
{
    struct linear_oracle *o = state;
    (void)sample, (void)vote0;
    o->queries++, o->rows += rows;
    o->max_seen = rows > o->max_seen ? rows : o->max_seen;
    cr_assert(rows >= 1 && rows <= o->max_rows, "a query of %zu rows", rows);
    for (size_t r = 0; r < rows; r++)
        for (int c = 0; c < o->C; c++) {
            double acc = (double)o->b[c];
            for (int i = 0; i < o->F; i++)
                acc += (double)o->W[c * o->F + i] * (double)x[r * (size_t)o->F + (size_t)i];
            o->z[r * (size_t)o->C + (size_t)c] = (float)acc;
        }
    return o->z;
}

static uint8_t argmax(const float *z, int C)
{
    int best = 0;
    for (int c = 1; c < C; c++)
        best = z[c] > z[best] ? c : best;
    return (uint8_t)best;
}

/* 40 images of 64 pixels, 3 classes, labelled by the model itself (clean
 * accuracy 1); NAttack at eps 0.2 with 40 samples × 30 iterations. The
 * budget: at most 30 · 40 + 3 rows per image (the mean checked at
 * iterations 0, 10, 20), all of it when nothing can be fooled. */
Test(transfer, nattack_lowers_a_linear_models_accuracy_by_queries_alone)
{
    const int F = 64, C = 3;
    const size_t n = 40;
    struct linear_oracle lo = {.F = F, .C = C, .max_rows = 64};
    lo.W = uniform((size_t)(F * C), 4), lo.b = xb_aligned((size_t)C, sizeof(float));
    lo.z = xb_aligned(lo.max_rows * (size_t)C, sizeof(float));
    for (int i = 0; i < F * C; i++)
        lo.W[i] = 2.0f * lo.W[i] - 1.0f;
    for (int c = 0; c < C; c++)
        lo.b[c] = 0.0f;
    float *x = uniform(n * (size_t)F, 5), *adv = xb_aligned(n * (size_t)F, sizeof(float));
    float *again = xb_aligned(n * (size_t)F, sizeof(float));
    uint8_t y[40];
    for (size_t s = 0; s < n; s++)
        y[s] = argmax(linear_query(&lo, x + s * (size_t)F, 1, 0, 0), C);
    lo.queries = lo.rows = lo.max_seen = 0;
    const struct xb_attack_oracle o = {.state = &lo, .query = linear_query,
                                       .features = (size_t)F, .max_rows = lo.max_rows,
                                       .classes = C};
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.eps = 0.2, p.nattack_pop = 40, p.nattack_iters = 30;
    cr_assert_eq(xb_nattack_run(ctx, &o, &p, x, y, n, adv), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_leq(lo.rows, n * (30 * 40 + 3), "%zu rows queried", lo.rows);
    cr_assert_eq(lo.max_seen, 40);
    size_t right = 0;
    for (size_t s = 0; s < n; s++) {
        for (int i = 0; i < F; i++) {
            const float v = adv[s * (size_t)F + (size_t)i], v0 = x[s * (size_t)F + (size_t)i];
            cr_assert(v >= 0.0f && v <= 1.0f && fabs((double)v - (double)v0) <= 0.2 + 1e-7,
                      "image %zu pixel %d: %.9g from %.9g", s, i, (double)v, (double)v0);
        }
        right += argmax(linear_query(&lo, adv + s * (size_t)F, 1, 0, 0), C) == y[s];
    }
    cr_log_info("NAttack on the linear model: accuracy %zu / %zu, %zu rows", right, n,
                lo.rows);
    cr_assert_lt(right, n / 2, "NAttack left %zu of %zu images right", right, n);
    /* Deterministic: the same search again. */
    cr_assert_eq(xb_nattack_run(ctx, &o, &p, x, y, n, again), XB_OK);
    cr_assert(!memcmp(adv, again, n * (size_t)F * sizeof(float)), "a second run differs");
    /* The whole budget, exactly, when no image can be fooled (eps = 0):
     * 30 queries of 40 rows and 3 checks of 1 row per image. */
    lo.queries = lo.rows = 0;
    p.eps = 0.0;
    cr_assert_eq(xb_nattack_run(ctx, &o, &p, x, y, n, again), XB_OK);
    cr_assert_eq(lo.rows, n * (30 * 40 + 3), "%zu rows", lo.rows);
    cr_assert_eq(lo.queries, n * (30 + 3), "%zu queries", lo.queries);
    cr_assert(!memcmp(x, again, n * (size_t)F * sizeof(float)), "eps = 0 moved an image");
    xb_free(lo.W), xb_free(lo.b), xb_free(lo.z), xb_free(x), xb_free(adv), xb_free(again);
}

/* The table's NAttack on a net is the search over the net's forward pass
 * alone: the same bits as an oracle that runs xb_net_forward with no
 * backward and is asked for nothing else. */
struct forward_oracle {
    struct xb_net *net;
    uint64_t seed;
};

static const float *forward_query(void *state, const float *x, size_t rows, uint32_t sample,
                                  uint32_t vote0)
{
    struct forward_oracle *o = state;
    const struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = rows,
                                 .addr = {.sample0 = sample, .batch = 1, .vote0 = vote0},
                                 .seed = o->seed};
    return xb_net_forward(o->net, &pass, x);
}

Test(transfer, nattack_on_a_net_is_the_search_over_its_forward_pass)
{
    const size_t n = 6, F = 64;
    struct xb_net *net = mlp(32);
    float *x = uniform(n * F, 6), *adv = xb_aligned(n * F, sizeof(float));
    float *via = xb_aligned(n * F, sizeof(float));
    const uint8_t y[6] = {0, 1, 2, 3, 0, 1};
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    p.nattack_pop = 32, p.nattack_iters = 15;
    run(net, &xb_attack_nattack, &p, x, y, n, adv);
    struct forward_oracle fo = {.net = net, .seed = xb_ctx_seed(ctx)};
    const struct xb_attack_oracle o = {.state = &fo, .query = forward_query, .features = F,
                                       .max_rows = 32, .classes = 4};
    cr_assert_eq(xb_nattack_run(ctx, &o, &p, x, y, n, via), XB_OK);
    cr_assert(!memcmp(adv, via, n * F * sizeof(float)), "the net's NAttack is not the search");
    /* Its budget is checked against the net's rows. */
    p.nattack_pop = 33;
    cr_assert_eq(xb_attack_run(ctx, net, &xb_attack_nattack, &p, x, y, n, adv), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "nattack_pop = 33"), "%s", xb_ctx_error(ctx));
    struct xb_attack *a;
    p.nattack_pop = 8;
    cr_assert_eq(xb_attack_create(ctx, net, &xb_attack_nattack, &p, &a), XB_EINVAL,
                 "NAttack stepped as a gradient attack");
    xb_free(x), xb_free(adv), xb_free(via);
    xb_net_free(net);
}

/* DIM's and TIM's geometry: a 10-feature input is not an image. */
Test(transfer, dim_and_tim_need_a_square_image)
{
    struct xb_net_config cfg = {.input = {1, 1, 10}, .classes = 2, .n_layers = 1};
    cfg.layers[0] = xb_test_layer("dense", 2);
    struct xb_net *net = xb_test_net(ctx, &cfg, 4);
    struct xb_attack_params p;
    xb_attack_params_default(&p);
    cr_assert_eq(xb_attack_params_validate(ctx, net, &xb_attack_dim, &p), XB_EINVAL);
    cr_assert(strstr(xb_ctx_error(ctx), "square"), "%s", xb_ctx_error(ctx));
    cr_assert_eq(xb_attack_params_validate(ctx, net, &xb_attack_tim, &p), XB_EINVAL);
    xb_net_free(net);
    struct xb_net *img = mlp(4);
    p.dim_min = 8; /* the image is 8 × 8: the resize must shrink it */
    cr_assert_eq(xb_attack_params_validate(ctx, img, &xb_attack_dim, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "dim_min = 8"), "%s", xb_ctx_error(ctx));
    p.tim_kernel = 4;
    cr_assert_eq(xb_attack_params_validate(ctx, img, &xb_attack_tim, &p), XB_ERANGE);
    cr_assert(strstr(xb_ctx_error(ctx), "tim_kernel = 4"), "%s", xb_ctx_error(ctx));
    xb_net_free(img);
}
