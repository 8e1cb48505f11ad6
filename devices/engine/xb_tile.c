#include "xb_tile.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_rng.h"

void xb_tile_alloc(struct xb_tile *t, size_t rows, size_t cols)
{
    memset(t, 0, sizeof *t);
    t->rows = rows;
    t->cols = cols;
    t->n = rows * cols;
    float **f[] = {&t->gt_p, &t->gt_m, &t->gp_p, &t->gp_m, &t->gn_p,
                   &t->gn_m, &t->nu_p, &t->nu_m, &t->gd,   &t->s2};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++)
        *f[k] = xb_aligned(t->n, sizeof(float));
    t->st_p = xb_calloc(t->n, 1);
    t->st_m = xb_calloc(t->n, 1);
}

void xb_tile_release(struct xb_tile *t)
{
    if (!t)
        return;
    float *f[] = {t->gt_p, t->gt_m, t->gp_p, t->gp_m, t->gn_p,
                  t->gn_m, t->nu_p, t->nu_m, t->gd,   t->s2};
    for (size_t k = 0; k < sizeof f / sizeof *f; k++)
        xb_free(f[k]);
    xb_free(t->st_p);
    xb_free(t->st_m);
    memset(t, 0, sizeof *t);
}

static struct xb_stream tile_stream(const struct xb_tile_addr *a, enum xb_purpose p)
{
    struct xb_addr addr = {.purpose = p, .layer = a->layer, .instance = a->instance,
                           .sample = a->index};
    return xb_stream_at(a->seed, &addr);
}

static float quantise_level(float g, float gmin, float dg, double levels)
{
    if (levels < 2.0)
        return g;
    double steps = levels - 1.0;
    double k = rint((double)(g - gmin) / (double)dg * steps);
    return gmin + (float)(k / steps) * dg;
}

/* The target of the device on side s (0: G+, 1: G−) of a weight wn. */
static float target(float wn, int s, float gmin, float dg)
{
    float w = s == 0 ? wn : -wn;
    return gmin + (w > 0.0f ? w : 0.0f) * dg;
}

void xb_tile_program(struct xb_tile *t, const struct xb_device *d, const float *wn,
                     size_t ld, const struct xb_tile_addr *a, float *scratch)
{
    const double *p = d->p;
    const float gmin = (float)p[XB_DP_GMIN], gmax = (float)p[XB_DP_GMAX];
    const float dg = gmax - gmin;
    const double d2d = p[XB_DP_D2D], smin = p[XB_DP_STUCK_MIN], smax = p[XB_DP_STUCK_MAX];
    float *gt[2] = {t->gt_p, t->gt_m}, *gp[2] = {t->gp_p, t->gp_m};
    float *nu[2] = {t->nu_p, t->nu_m};
    unsigned char *st[2] = {t->st_p, t->st_m};

    /* Element 2c + s of each stream belongs to side s of cell c. */
    if (d2d > 0.0) {
        struct xb_stream s = tile_stream(a, XB_PURPOSE_D2D);
        xb_normal_fill(&s, 0, 2 * t->n, scratch);
    }
    for (size_t o = 0; o < t->cols; o++) {
        for (size_t i = 0; i < t->rows; i++) {
            size_t c = o * t->rows + i;
            for (int s = 0; s < 2; s++) {
                float g = quantise_level(target(wn[o * ld + i], s, gmin, dg), gmin, dg,
                                         p[XB_DP_LEVELS]);
                if (d2d > 0.0) {
                    double f = fmax(1.0 + d2d * (double)scratch[2 * c + (size_t)s], 0.0);
                    g = gmin + (float)((double)(g - gmin) * f);
                }
                gt[s][c] = g;
            }
        }
    }

    struct xb_stream fs = tile_stream(a, XB_PURPOSE_FAULT);
    for (size_t c = 0; c < t->n; c++) {
        for (int s = 0; s < 2; s++) {
            st[s][c] = 0;
            if (smin + smax > 0.0) {
                double u = xb_uniform53(&fs, 2 * c + (size_t)s);
                st[s][c] = u < smin ? 1 : (u < smin + smax ? 2 : 0);
            }
        }
    }

    struct xb_stream ps = tile_stream(a, XB_PURPOSE_PROG);
    xb_normal_fill(&ps, 0, 2 * t->n, scratch);
    for (size_t c = 0; c < t->n; c++) {
        for (int s = 0; s < 2; s++) {
            double g = gt[s][c];
            if (st[s][c] == 1) {
                gp[s][c] = gmin;
            } else if (st[s][c] == 2) {
                gp[s][c] = gmax;
            } else {
                double sig = d->type->prog_sigma(p, g);
                gp[s][c] = (float)fmax(g + sig * (double)scratch[2 * c + (size_t)s], 0.0);
            }
        }
    }
    struct xb_stream ns = tile_stream(a, XB_PURPOSE_DRIFT);
    xb_normal_fill(&ns, 0, 2 * t->n, scratch);
    for (size_t c = 0; c < t->n; c++) {
        for (int s = 0; s < 2; s++) {
            double mean = 0.0, sd = 0.0;
            if (st[s][c] == 0)
                d->type->drift_nu(p, gt[s][c], &mean, &sd);
            /* Folded at 0, as aihwkit: a device never drifts upwards. */
            nu[s][c] = (float)fabs(mean + sd * (double)scratch[2 * c + (size_t)s]);
        }
    }
}

void xb_tile_age(struct xb_tile *t, const struct xb_device *d, double t_s,
                 const struct xb_tile_addr *a, float *scratch)
{
    const double *p = d->p;
    const double gmax = p[XB_DP_GMAX], gmin = p[XB_DP_GMIN], t0 = p[XB_DP_T0];
    const double dg = gmax - gmin, inv_dg = 1.0 / dg;
    const double lt = log((t_s + t0) / t0);
    float *gt[2] = {t->gt_p, t->gt_m}, *gp[2] = {t->gp_p, t->gp_m};
    float *gn[2] = {t->gn_p, t->gn_m}, *nu[2] = {t->nu_p, t->nu_m};
    unsigned char *st[2] = {t->st_p, t->st_m};
    int relax = d->type->relax_sigma != NULL && t_s > 0.0;
    if (relax) {
        /* The same draws at every t: each device relaxes along one path. */
        struct xb_stream rs = tile_stream(a, XB_PURPOSE_RELAX);
        xb_normal_fill(&rs, 0, 2 * t->n, scratch);
    }
    int any = 0;
    for (size_t c = 0; c < t->n; c++) {
        double var = 0.0;
        for (int s = 0; s < 2; s++) {
            double g = gp[s][c];
            if (st[s][c] == 0) {
                g *= exp(-(double)nu[s][c] * lt);
                if (relax)
                    g += d->type->relax_sigma(p, gt[s][c], t_s) *
                         (double)scratch[2 * c + (size_t)s];
                g = fmax(g, 0.0);
            }
            gn[s][c] = (float)g;
            double r = d->type->read_sigma(p, gp[s][c], g, t_s);
            var += r * r;
        }
        t->gd[c] = (float)(((double)gn[0][c] - (double)gn[1][c]) * inv_dg);
        t->s2[c] = (float)(var * inv_dg * inv_dg);
        any |= t->s2[c] > 0.0f;
    }
    t->has_read = any;
}

static double abs_sum(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t c = 0; c < n; c++)
        s += fabs((double)a[c] - (double)b[c]);
    return s;
}

double xb_tile_abs_sum_prog(const struct xb_tile *t) { return abs_sum(t->gp_p, t->gp_m, t->n); }
double xb_tile_abs_sum_now(const struct xb_tile *t) { return abs_sum(t->gn_p, t->gn_m, t->n); }
