/*
 * xb_data_synth.c — the synthetic data set: Gaussian clouds around seeded
 * class prototypes, for tests and quick end-to-end runs that must not
 * depend on downloaded files.
 *
 * Stream layout (DATA, layer XB_DATA_STREAM_SYNTHETIC, of the seed):
 * sample 0, vote 0 holds the prototypes (uniforms, class k at elements
 * k·dim ..); image j (train images first, then test) takes its noise from
 * sample j, vote 1, elements 0 .. dim-1. So the train set does not change
 * when n_test does, and a test image is a fresh draw, never a train image.
 */
#include "xb_data.h"

#include "xb_alloc.h"
#include "xb_rng.h"

void xb_data_synth_default(struct xb_data_synth_params *p)
{
    *p = (struct xb_data_synth_params){.classes = 10, .c = 1, .h = 8, .w = 8,
                                       .n_train = 2000, .n_test = 500, .sigma = 0.5};
}

/* Fills images first .. first+n of ds, global image numbers from j0. */
static void draw(const struct xb_data_synth_params *p, const struct xb_stream *s,
                 const float *proto, struct xb_dataset *ds, size_t j0)
{
    const size_t d = ds->dim;
    const float sigma = (float)p->sigma;
    for (size_t i = 0; i < ds->n; i++) {
        const size_t j = j0 + i;
        const int k = (int)(j % (size_t)p->classes);
        struct xb_stream sj = xb_stream_row(*s, (uint32_t)j, 1);
        float *x = ds->x + i * d;
        xb_normal_fill(&sj, 0, d, x);
        for (size_t e = 0; e < d; e++) {
            float v = proto[(size_t)k * d + e] + sigma * x[e];
            x[e] = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
        }
        ds->y[i] = (uint8_t)k;
    }
}

enum xb_status xb_data_synth(struct xb_ctx *ctx, const struct xb_data_synth_params *p,
                             uint64_t seed, struct xb_dataset **train,
                             struct xb_dataset **test)
{
    *train = *test = NULL;
    if (p->classes < 2 || p->classes > 256)
        return xb_error(ctx, XB_ERANGE, "synthetic classes = %d: expected 2 .. 256",
                        p->classes);
    if (p->c < 1 || p->h < 1 || p->w < 1 || p->c > 64 || p->h > 4096 || p->w > 4096)
        return xb_error(ctx, XB_ERANGE,
                        "synthetic image shape %d x %d x %d: expected 1..64 channels of "
                        "1..4096 x 1..4096 pixels",
                        p->c, p->h, p->w);
    if (p->n_train < 1 || p->n_train + p->n_test >= UINT32_MAX)
        return xb_error(ctx, XB_ERANGE,
                        "synthetic sizes %zu train + %zu test: expected 1 .. 2^32-2 images",
                        p->n_train, p->n_test);
    if (!(p->sigma >= 0.0 && p->sigma <= 1e3))
        return xb_error(ctx, XB_ERANGE, "synthetic sigma = %g: expected 0 .. 1000", p->sigma);

    struct xb_addr a = {.purpose = XB_PURPOSE_DATA, .layer = XB_DATA_STREAM_SYNTHETIC};
    const struct xb_stream s = xb_stream_at(seed, &a);
    struct xb_dataset *tr = xb_dataset_create(p->n_train, p->c, p->h, p->w, p->classes,
                                              "synthetic/train");
    struct xb_dataset *te = xb_dataset_create(p->n_test, p->c, p->h, p->w, p->classes,
                                              "synthetic/test");
    float *proto = xb_malloc((size_t)p->classes * tr->dim, sizeof *proto);
    xb_uniform_fill(&s, 0, (size_t)p->classes * tr->dim, proto);
    draw(p, &s, proto, tr, 0);
    draw(p, &s, proto, te, p->n_train);
    xb_free(proto);
    *train = tr;
    *test = te;
    return XB_OK;
}
