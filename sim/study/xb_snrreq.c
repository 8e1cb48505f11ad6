/*
 * xb_snrreq.c — the SNR requirement: the accuracy curves under common
 * random numbers, memoised per K, and the search for their first crossing
 * of the target (the method: xb_snrreq.h).
 *
 * Of GSL only gsl_roots.h (gsl_math.h, gsl_errno.h, gsl_types.h): it does
 * not pull in gsl_cblas.h (ARCHITECTURE.md §10, header clash). GSL's error
 * handler aborts on a misuse: the solver is only ever set on a bracket
 * whose ends have opposite signs, and its function returns finite values.
 */
#include "xb_snrreq.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>
#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_eval.h"

/* Evaluations of one K beyond which a search is declared stuck: the
 * bracketing needs at most 28 (2^-20 .. 2^7), each Brent narrowing from a
 * factor 2 to XB_SNRREQ_TOL_DB about 10 to 20, and the three curves share
 * most points. */
#define MAX_EVALS 400
#define MAX_BRENT_ITER 100

/* The curve of K votes at the sigmas evaluated so far (σ = 0 first). */
struct memo {
    int votes;
    size_t n, cap;
    double *sigma, *mean, *half;
};

struct xb_snrreq {
    struct xb_net *net;
    struct xb_snrreq_params p;
    const float *X;
    const uint8_t *y;
    size_t n;
    double acc0, target, power, ref; /* ref: sigma at 0 dB (1, or sqrt(P)) */
    double *acc;                     /* [R] scratch */
    double *kv;                      /* [K] scratch, grown */
    int kv_size;
    struct memo *memo;
    size_t n_memo;
    gsl_root_fsolver *brent;
};

enum xb_status xb_snrreq_create(struct xb_ctx *ctx, struct xb_net *net,
                                const struct xb_snrreq_params *p, const float *X,
                                const uint8_t *y, size_t n, struct xb_snrreq **out)
{
    *out = NULL;
    if (p->noise != XB_NOISE_ADD && p->noise != XB_NOISE_MULT)
        return xb_error(ctx, XB_EINVAL, "the SNR requirement needs additive or "
                        "multiplicative noise, not %s", xb_noise_kind_name(p->noise));
    if (!(p->loss > 0 && p->loss < 1))
        return xb_error(ctx, XB_ERANGE, "accuracy loss %g: expected a fraction in (0, 1)",
                        p->loss);
    if (p->repeats < 2)
        return xb_error(ctx, XB_ERANGE, "repeats = %d: the interval on the answer needs at "
                        "least 2", p->repeats);
    if (!(p->level > 0 && p->level < 1))
        return xb_error(ctx, XB_ERANGE, "confidence level %g: expected (0, 1)", p->level);
    struct xb_snrreq *s = xb_calloc(1, sizeof *s);
    *s = (struct xb_snrreq){.net = net, .p = *p, .X = X, .y = y, .n = n,
                            .power = (double)NAN, .ref = 1.0};
    s->acc = xb_malloc((size_t)p->repeats, sizeof *s->acc);
    /* Noiseless: every inference agrees, one runs (xb_eval.h). */
    struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_NONE};
    double kv;
    enum xb_status st = xb_eval_run(ctx, net, &ep, X, y, n, &s->acc0, &kv);
    if (st) {
        xb_snrreq_free(s);
        return st;
    }
    s->target = s->acc0 - p->loss;
    if (p->noise == XB_NOISE_ADD) {
        /* The signal the noise meets, as a sweep measures it (sim/study/xb_sweep.c). */
        size_t rows = n < xb_net_max_rows(net) ? n : xb_net_max_rows(net);
        struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = rows,
                               .addr = {.batch = (uint32_t)rows}, .seed = xb_ctx_seed(ctx),
                               .noise = XB_NOISE_NONE, .measure_power = 1};
        xb_net_forward(net, &pass, X);
        s->power = xb_net_noise_input_power(net);
        if (!(s->power > 0)) {
            xb_snrreq_free(s);
            return xb_error(ctx, XB_EINVAL, "additive noise: the model's noise layers see no "
                            "signal (power %g), so no SNR can be given", s->power);
        }
        s->ref = sqrt(s->power);
    }
    s->brent = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    *out = s;
    return XB_OK;
}

void xb_snrreq_free(struct xb_snrreq *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n_memo; k++) {
        xb_free(s->memo[k].sigma);
        xb_free(s->memo[k].mean);
        xb_free(s->memo[k].half);
    }
    xb_free(s->memo);
    xb_free(s->acc);
    xb_free(s->kv);
    if (s->brent)
        gsl_root_fsolver_free(s->brent);
    xb_free(s);
}

double xb_snrreq_accuracy0(const struct xb_snrreq *s) { return s->acc0; }
double xb_snrreq_target(const struct xb_snrreq *s) { return s->target; }
double xb_snrreq_signal_power(const struct xb_snrreq *s) { return s->power; }

double xb_snrreq_snr_db(const struct xb_snrreq *s, double sigma)
{
    return s->p.noise == XB_NOISE_ADD ? xb_snr_db_add(sigma, s->power) : xb_snr_db_mult(sigma);
}

/* ---- the curves ------------------------------------------------------------ */

static void memo_push(struct memo *m, double sigma, double mean, double half)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 32;
        double *grown[3] = {xb_malloc(cap, sizeof(double)), xb_malloc(cap, sizeof(double)),
                            xb_malloc(cap, sizeof(double))};
        double **old[3] = {&m->sigma, &m->mean, &m->half};
        for (int k = 0; k < 3; k++) {
            if (m->n)
                memcpy(grown[k], *old[k], m->n * sizeof(double));
            xb_free(*old[k]);
            *old[k] = grown[k];
        }
        m->cap = cap;
    }
    m->sigma[m->n] = sigma;
    m->mean[m->n] = mean;
    m->half[m->n] = half;
    m->n++;
}

/* The memo of K, made with its noiseless point. */
static struct memo *memo_of(struct xb_snrreq *s, int votes)
{
    for (size_t k = 0; k < s->n_memo; k++)
        if (s->memo[k].votes == votes)
            return &s->memo[k];
    struct memo *grown = xb_malloc(s->n_memo + 1, sizeof *grown);
    if (s->n_memo)
        memcpy(grown, s->memo, s->n_memo * sizeof *grown);
    xb_free(s->memo);
    s->memo = grown;
    struct memo *m = &s->memo[s->n_memo++];
    *m = (struct memo){.votes = votes};
    memo_push(m, 0.0, s->acc0, 0.0);
    return m;
}

/* Repeat r is the majority of votes r·K .. r·K + K - 1 (xb_snrreq.h). */
static enum xb_status evaluate(struct xb_ctx *ctx, struct xb_snrreq *s, struct memo *m,
                               double sigma, size_t *at)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->sigma[i] == sigma) {
            *at = i;
            return XB_OK;
        }
    const int K = m->votes, R = s->p.repeats;
    if ((uint64_t)R * (uint64_t)K - 1 > XB_RNG_MAX_VOTE)
        return xb_error(ctx, XB_ERANGE, "%d repeats of %d votes need votes 0 .. %llu: at most "
                        "%u are addressable", R, K,
                        (unsigned long long)((uint64_t)R * (uint64_t)K - 1), XB_RNG_MAX_VOTE);
    if (K > s->kv_size) {
        xb_free(s->kv);
        s->kv = xb_malloc((size_t)K, sizeof *s->kv);
        s->kv_size = K;
    }
    for (int r = 0; r < R; r++) {
        struct xb_eval_params ep = {.repeats = 1, .votes = K, .noise = s->p.noise,
                                    .sigma = sigma, .vote0 = (uint32_t)(r * K)};
        double single;
        enum xb_status st = xb_eval_run(ctx, s->net, &ep, s->X, s->y, s->n, &single, s->kv);
        if (st)
            return st;
        s->acc[r] = s->kv[K - 1];
    }
    struct xb_ci ci;
    xb_ci_mean(s->acc, (size_t)R, 1, s->p.level, &ci);
    memo_push(m, sigma, ci.mean, ci.half);
    *at = m->n - 1;
    return XB_OK;
}

enum xb_status xb_snrreq_accuracy(struct xb_ctx *ctx, struct xb_snrreq *s, int votes,
                                  double sigma, double *mean, double *half)
{
    XB_ASSERT(votes >= 1 && sigma >= 0);
    struct memo *m = memo_of(s, votes);
    size_t i;
    enum xb_status st = evaluate(ctx, s, m, sigma, &i);
    if (st)
        return st;
    *mean = m->mean[i];
    *half = m->half[i];
    return XB_OK;
}

/* Curve c at point i minus the target: >= 0 meets it. */
static double margin(const struct xb_snrreq *s, const struct memo *m, int c, size_t i)
{
    static const double side[3] = {[XB_SNRREQ_MEAN] = 0, [XB_SNRREQ_LOW] = -1,
                                   [XB_SNRREQ_HIGH] = 1};
    return m->mean[i] + side[c] * m->half[i] - s->target;
}

/* The bracket the memo shows for curve c: *hi the smallest failing sigma
 * (+inf if none), *lo the largest passing one below it (0 at worst: the
 * noiseless point always passes, loss > 0). */
static void bracket(const struct xb_snrreq *s, const struct memo *m, int c, double *lo,
                    double *hi)
{
    *hi = (double)INFINITY;
    for (size_t i = 0; i < m->n; i++)
        if (margin(s, m, c, i) < 0 && m->sigma[i] < *hi)
            *hi = m->sigma[i];
    *lo = 0;
    for (size_t i = 0; i < m->n; i++)
        if (margin(s, m, c, i) >= 0 && m->sigma[i] < *hi && m->sigma[i] > *lo)
            *lo = m->sigma[i];
}

static double tol_rel(void)
{
    return pow(10.0, XB_SNRREQ_TOL_DB / 20.0) - 1.0;
}

static int narrow(double lo, double hi)
{
    return hi - lo <= tol_rel() * lo;
}

/* What Brent's function needs: the curve, and the first error. */
struct closure {
    struct xb_ctx *ctx;
    struct xb_snrreq *s;
    struct memo *m;
    int curve;
    enum xb_status st;
};

/* c(sigma) - target, never 0 where it passes (a zero would end Brent's
 * search on the passing side of the jump, not at it); 0 after an error,
 * which ends the search at once. */
static double brent_f(double sigma, void *arg)
{
    struct closure *cl = arg;
    size_t i;
    if (cl->st || (cl->st = evaluate(cl->ctx, cl->s, cl->m, sigma, &i)) != XB_OK)
        return 0.0;
    double v = margin(cl->s, cl->m, cl->curve, i);
    return v >= 0 && v < DBL_MIN ? DBL_MIN : v;
}

/* Evaluates until curve c's bracket is narrow, unbounded above, or at the
 * bottom of the range. */
static enum xb_status settle(struct xb_ctx *ctx, struct xb_snrreq *s, struct memo *m, int c)
{
    struct closure cl = {ctx, s, m, c, XB_OK};
    size_t at;
    for (;;) {
        if (m->n > MAX_EVALS)
            return xb_error(ctx, XB_ERANGE, "the SNR requirement with %d votes did not settle "
                            "after %d evaluations: the accuracy curve crosses the target "
                            "too often", m->votes, MAX_EVALS);
        double lo, hi, next;
        bracket(s, m, c, &lo, &hi);
        if (isinf(hi)) { /* every sigma so far passes: double the largest */
            next = lo > 0 ? 2 * lo : XB_SNRREQ_SIGMA_START * s->ref;
            if (next > XB_SNRREQ_SIGMA_MAX * s->ref)
                return XB_OK;
        } else if (lo == 0) { /* nothing evaluated below hi passes: halve it */
            next = hi / 2;
            if (next < XB_SNRREQ_SIGMA_MIN * s->ref)
                return XB_OK;
        } else if (narrow(lo, hi)) {
            return XB_OK;
        } else {
            gsl_function F = {brent_f, &cl};
            gsl_root_fsolver_set(s->brent, &F, lo, hi);
            for (int it = 0; it < MAX_BRENT_ITER && !cl.st; it++) {
                gsl_root_fsolver_iterate(s->brent);
                if (narrow(gsl_root_fsolver_x_lower(s->brent),
                           gsl_root_fsolver_x_upper(s->brent)))
                    break;
            }
            if (cl.st)
                return cl.st;
            continue;
        }
        enum xb_status st = evaluate(ctx, s, m, next, &at);
        if (st)
            return st;
    }
}

enum xb_status xb_snrreq_solve(struct xb_ctx *ctx, struct xb_snrreq *s, int votes,
                               struct xb_snrreq_answer *a)
{
    XB_ASSERT(votes >= 1);
    struct memo *m = memo_of(s, votes);
    /* Until a round of the three curves evaluates nothing new: then every
     * answer is settled against every point (xb_snrreq.h). */
    size_t before;
    do {
        before = m->n;
        for (int c = 0; c < 3; c++) {
            enum xb_status st = settle(ctx, s, m, c);
            if (st)
                return st;
        }
    } while (m->n != before);
    a->votes = votes;
    a->evaluations = (int)m->n - 1;
    for (int c = 0; c < 3; c++) {
        double lo, hi;
        bracket(s, m, c, &lo, &hi);
        a->sigma[c] = isinf(hi) ? (double)INFINITY : lo;
        a->sigma_fail[c] = hi;
    }
    const double snr[3] = {xb_snrreq_snr_db(s, a->sigma[0]), xb_snrreq_snr_db(s, a->sigma[1]),
                           xb_snrreq_snr_db(s, a->sigma[2])};
    a->snr_db[XB_SNRREQ_MEAN] = snr[XB_SNRREQ_MEAN];
    a->snr_db[XB_SNRREQ_LOW] = snr[XB_SNRREQ_HIGH];
    a->snr_db[XB_SNRREQ_HIGH] = snr[XB_SNRREQ_LOW];
    return XB_OK;
}

void xb_snrreq_gain(const struct xb_snrreq_answer *base, const struct xb_snrreq_answer *a,
                    double out[3])
{
    if (base == a) { /* exactly nothing, not the spread of the interval against itself */
        out[0] = out[1] = out[2] = 0.0;
        return;
    }
    const double *b = base->snr_db, *x = a->snr_db;
    out[XB_SNRREQ_MEAN] = b[XB_SNRREQ_MEAN] - x[XB_SNRREQ_MEAN];
    out[XB_SNRREQ_LOW] = b[XB_SNRREQ_LOW] - x[XB_SNRREQ_HIGH];
    out[XB_SNRREQ_HIGH] = b[XB_SNRREQ_HIGH] - x[XB_SNRREQ_LOW];
    for (int c = 0; c < 3; c++)
        if (!isfinite(out[c]))
            out[c] = (double)NAN;
}
