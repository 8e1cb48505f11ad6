/*
 * xb_snrreq_file.c — the result file of `xbar snr-req -o`: the rows
 * XB_DS_SNRREQ_* of sim/io/xb_layout.c, written crash-safely (xb_h5.h).
 */
#include <stdio.h>

#include "xb_alloc.h"
#include "xb_layout.h"
#include "xb_snrreq.h"

/* [n_models × n_votes × 3] of one member of the answers. */
static double *answers3(const struct xb_snrreq_report *r, size_t offset)
{
    size_t n = r->n_models * r->n_votes;
    double *out = xb_malloc(3 * n, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        const double *v = (const double *)((const char *)&r->answers[i] + offset);
        for (int c = 0; c < 3; c++)
            out[3 * i + (size_t)c] = v[c];
    }
    return out;
}

enum xb_status xb_snrreq_write(struct xb_ctx *ctx, const char *path,
                               const struct xb_h5_meta *meta, const struct xb_snrreq_report *r)
{
    struct xb_h5_file *f = NULL;
    enum xb_status st = xb_h5_create(ctx, path, &f);
    if (st)
        return st;
    const int add = r->noise == XB_NOISE_ADD;
    const size_t NM = r->n_models, NK = r->n_votes, d3[3] = {NM, NK, 3}, d2[2] = {NM, NK},
                 one = 1;
    double *sigma = answers3(r, offsetof(struct xb_snrreq_answer, sigma));
    double *snr = answers3(r, offsetof(struct xb_snrreq_answer, snr_db));
    int32_t *evals = xb_malloc(NM * NK, sizeof *evals);
    int32_t *point = xb_malloc(NM, sizeof *point), *votes = xb_malloc(NK, sizeof *votes);
    for (size_t i = 0; i < NM * NK; i++)
        evals[i] = r->answers[i].evaluations;
    for (size_t i = 0; i < NM; i++)
        point[i] = r->point[i];
    for (size_t k = 0; k < NK; k++)
        votes[k] = r->votes[k];
    char level[32];
    snprintf(level, sizeof level, "%g", r->level);

    st = xb_h5_write_meta(ctx, f, meta);
    if (!st)
        st = xb_layout_write_text(ctx, f, XB_DS_SNRREQ_CONFIG, r->config);
    const struct { const char *name, *value; } attrs[] = {
        {"noise_model", xb_noise_kind_name(r->noise)}, {"model", r->model},
        {"dataset", r->dataset}, {"level", level},
    };
    for (size_t a = 0; !st && a < sizeof attrs / sizeof attrs[0]; a++)
        st = xb_layout_write_attr(ctx, f, XB_DS_SNRREQ, 0, attrs[a].name, attrs[a].value);
    const struct { enum xb_ds id; const void *data; const size_t *dims; int skip; } ds[] = {
        {XB_DS_SNRREQ_POINT, point, &NM, 0},
        {XB_DS_SNRREQ_SIGMA_TRAIN, r->sigma_train, &NM, 0},
        {XB_DS_SNRREQ_VOTES, votes, &NK, 0},
        {XB_DS_SNRREQ_LOSS, &r->loss, &one, 0},
        {XB_DS_SNRREQ_ACCURACY0, r->accuracy0, &NM, 0},
        {XB_DS_SNRREQ_TARGET, r->target, &NM, 0},
        {XB_DS_SNRREQ_POWER, r->signal_power, &NM, !add},
        {XB_DS_SNRREQ_SIGMA, sigma, d3, 0},
        {XB_DS_SNRREQ_SNR_DB, snr, d3, 0},
        {XB_DS_SNRREQ_GAIN_VOTE, r->gain_vote, d3, 0},
        {XB_DS_SNRREQ_GAIN, r->gain, d3, 0},
        {XB_DS_SNRREQ_EVALS, evals, d2, 0},
    };
    for (size_t k = 0; !st && k < sizeof ds / sizeof ds[0]; k++)
        if (!ds[k].skip)
            st = xb_layout_write(ctx, f, ds[k].id, 0, ds[k].data, ds[k].dims, add);
    xb_free(sigma), xb_free(snr), xb_free(evals), xb_free(point), xb_free(votes);
    if (st) {
        xb_h5_discard(f);
        return st;
    }
    return xb_h5_commit(ctx, f);
}
