#include "xb_study_grid.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_energy.h"
#include "xb_study_layout.h"

static int prefix(const char *key, const char *p)
{
    return !strncmp(key, p, strlen(p));
}

/* Why axis key cannot be varied by this experiment's runner, or NULL. */
static const char *refused(const char *key, const struct xb_experiment *e, int hw_aware)
{
    if (prefix(key, "data.") || prefix(key, "model."))
        return "the sweep runner holds one data set and one model shape; run one file per "
               "value";
    if (prefix(key, "attack."))
        return "xbar sweep runs no attack";
    if (!hw_aware && (prefix(key, "device.") || prefix(key, "xbar."))) {
        if (!e->test_device)
            return "it changes nothing in noise mode (sweep.test = \"noise\" evaluates by "
                   "sweep.noise); set sweep.test = \"device\" or train.hw_aware = true";
        if (!strcmp(key, "xbar.t"))
            return "device mode reads at the times of sweep.t; make sweep.t the axis";
    }
    if (!strcmp(key, "sweep.sigma_test") && e->test_device)
        return "device mode reads chips at the times of sweep.t, not at a sigma_test";
    if (!strcmp(key, "sweep.t") && !e->test_device)
        return "noise mode evaluates at sweep.sigma_test; sweep.t needs sweep.test = "
               "\"device\"";
    return NULL;
}

/* Training on the device at some point makes the device's axes train. */
static int any_hw_aware(const struct xb_experiment *e)
{
    if (e->train.hw_aware)
        return 1;
    for (size_t k = 0; k < e->study.n; k++)
        if (!strcmp(e->study.axis[k].key, "train.hw_aware") ||
            !strcmp(e->study.axis[k].key, "train.algorithm"))
            return 1;
    return 0;
}

enum xb_status xb_study_grid_make(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  struct xb_study_grid *g)
{
    memset(g, 0, sizeof *g);
    g->axes = &e->study;
    const int hw = any_hw_aware(e);
    g->NTs = g->NSs = 1;
    for (size_t k = 0; k < e->study.n; k++) {
        const struct xb_axis *ax = &e->study.axis[k];
        const char *why = refused(ax->key, e, hw);
        if (why)
            return xb_error(ctx, XB_EINVAL, "%s:%d: study axis %s: %s", e->path, ax->line,
                            ax->key, why);
        /* sweep.noise is the kind of noise training injects as well. */
        g->trains[k] = xb_axis_trains(ax->key, hw) || !strcmp(ax->key, "sweep.noise");
        if (g->trains[k])
            g->NTs *= ax->n;
        else
            g->NSs *= ax->n;
    }
    g->n_train_list = e->n_train;
    g->n_test_list = e->test_device ? e->n_t : e->n_test;
    g->NT = g->n_train_list * g->NTs;
    g->NS = g->NSs * g->n_test_list;
    const int plain = e->study.n == 0;
    if (plain || g->n_train_list > 1)
        g->dim[g->rank++] = (struct xb_study_dim){XB_STUDY_DIM_TRAIN_LIST, 0, g->n_train_list};
    for (size_t k = 0; k < e->study.n; k++)
        g->dim[g->rank++] = (struct xb_study_dim){XB_STUDY_DIM_AXIS, k, e->study.axis[k].n};
    if (plain || g->n_test_list > 1)
        g->dim[g->rank++] = (struct xb_study_dim){XB_STUDY_DIM_TEST_LIST, 0, g->n_test_list};
    return XB_OK;
}

size_t xb_study_grid_train_list(const struct xb_study_grid *g, size_t i)
{
    return i / g->NTs;
}

size_t xb_study_grid_test_list(const struct xb_study_grid *g, size_t j)
{
    return j % g->n_test_list;
}

size_t xb_study_grid_point(const struct xb_study_grid *g, size_t i, size_t j)
{
    /* Unpack the training and evaluation coords (last axis fastest), then
     * pack all axes row-major in declaration order. */
    size_t it = i % g->NTs, js = j / g->n_test_list, idx[XB_AXES_MAX];
    for (size_t k = g->axes->n; k-- > 0;) {
        size_t n = g->axes->axis[k].n;
        if (g->trains[k])
            idx[k] = it % n, it /= n;
        else
            idx[k] = js % n, js /= n;
    }
    size_t p = 0;
    for (size_t k = 0; k < g->axes->n; k++)
        p = p * g->axes->axis[k].n + idx[k];
    return p;
}

size_t xb_study_grid_cells(const struct xb_study_grid *g)
{
    return g->NT * g->NS;
}

void xb_study_grid_cell(const struct xb_study_grid *g, size_t nd, size_t *i, size_t *j)
{
    size_t c[XB_STUDY_MAX_DIMS];
    for (size_t d = g->rank; d-- > 0;)
        c[d] = nd % g->dim[d].n, nd /= g->dim[d].n;
    size_t il = 0, it = 0, js = 0, jl = 0;
    for (size_t d = 0; d < g->rank; d++) {
        const struct xb_study_dim *dm = &g->dim[d];
        if (dm->kind == XB_STUDY_DIM_TRAIN_LIST)
            il = c[d];
        else if (dm->kind == XB_STUDY_DIM_TEST_LIST)
            jl = c[d];
        else if (g->trains[dm->axis])
            it = it * dm->n + c[d];
        else
            js = js * dm->n + c[d];
    }
    *i = il * g->NTs + it;
    *j = js * g->n_test_list + jl;
}

const char *xb_study_key_units(const struct xb_experiment *e, const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot)
        return "";
    const struct xb_key *k = NULL;
    size_t n;
    if (prefix(key, "device.")) {
        const struct xb_device_type *t = e->device.xbar.device.type;
        k = t ? xb_key_find(t->params, t->n_params, NULL, dot + 1) : NULL;
    } else if (prefix(key, "xbar.")) {
        k = xb_config_key_find(dot + 1);
    } else if (prefix(key, "energy.")) {
        const struct xb_key *t = xb_energy_keys(&n);
        k = xb_key_find(t, n, NULL, dot + 1);
    } else {
        char group[64];
        snprintf(group, sizeof group, "%.*s", (int)(dot - key), key);
        const struct xb_key *t = xb_experiment_keys(&n);
        k = xb_key_find(t, n, group, dot + 1);
    }
    return k && k->unit ? k->unit : "";
}

enum xb_status xb_study_grid_write(struct xb_ctx *ctx, struct xb_h5_file *f,
                                   const struct xb_experiment *e, const struct xb_study_grid *g,
                                   const struct xb_study_flat *s)
{
    struct xb_study_out o = {.rank = g->rank, .repeats = s->repeats, .votes = s->votes};
    double *values[XB_STUDY_MAX_DIMS] = {0};
    const char *strings[XB_STUDY_MAX_DIMS][XB_AXIS_MAX_VALUES];
    for (size_t d = 0; d < g->rank; d++) {
        const struct xb_study_dim *dm = &g->dim[d];
        struct xb_study_axis_out *a = &o.axis[d];
        a->n = dm->n;
        values[d] = xb_malloc(dm->n, sizeof(double));
        a->values = values[d];
        if (dm->kind == XB_STUDY_DIM_TRAIN_LIST) {
            a->key = "sweep.sigma_train", a->trains = 1;
            memcpy(values[d], e->sigma_train, dm->n * sizeof(double));
        } else if (dm->kind == XB_STUDY_DIM_TEST_LIST) {
            a->key = e->test_device ? "sweep.t" : "sweep.sigma_test";
            memcpy(values[d], e->test_device ? e->t_test : e->sigma_test,
                   dm->n * sizeof(double));
        } else {
            const struct xb_axis *ax = &e->study.axis[dm->axis];
            a->key = ax->key, a->trains = g->trains[dm->axis];
            for (size_t v = 0; v < ax->n; v++) {
                strings[d][v] = ax->value[v];
                if (a->values && !xb_parse_double(ax->value[v], &values[d][v]))
                    a->values = NULL; /* a string (or boolean) axis */
            }
            if (!a->values)
                a->strings = strings[d];
        }
        a->units = xb_study_key_units(e, a->key);
        if (e->noise == XB_NOISE_ADD && !e->test_device &&
            (!strcmp(a->key, "sweep.sigma_train") || !strcmp(a->key, "sweep.sigma_test")))
            a->units = "activation units";
    }
    size_t cells = xb_study_grid_cells(g);
    double *acc = xb_malloc(cells * s->repeats, sizeof(double));
    double *vote = xb_malloc(cells * s->votes, sizeof(double));
    double *per = xb_malloc(4 * cells, sizeof(double));
    uint8_t *done = xb_malloc(cells, 1);
    for (size_t nd = 0; nd < cells; nd++) {
        size_t i, j;
        xb_study_grid_cell(g, nd, &i, &j);
        size_t c = i * g->NS + j, p = xb_study_grid_point(g, i, j);
        memcpy(acc + nd * s->repeats, s->accuracy + c * s->repeats, s->repeats * sizeof(double));
        memcpy(vote + nd * s->votes, s->accuracy_vote + c * s->votes, s->votes * sizeof(double));
        done[nd] = s->done[c];
        per[nd] = s->snr[c];
        per[cells + nd] = !done[nd]        ? (double)NAN
                          : s->spike_energy ? (double)s->votes * s->spike_energy[c * 3]
                                            : s->energy[p];
        per[2 * cells + nd] = done[nd] ? s->latency_pipelined[p] : (double)NAN;
        per[3 * cells + nd] = done[nd] ? s->latency_sequential[p] : (double)NAN;
    }
    o.accuracy = acc, o.accuracy_vote = vote, o.done = done;
    o.snr = per, o.energy = per + cells, o.latency_pipelined = per + 2 * cells;
    o.latency_sequential = per + 3 * cells;
    enum xb_status st = xb_study_write(ctx, f, &o);
    for (size_t d = 0; d < g->rank; d++)
        xb_free(values[d]);
    xb_free(acc), xb_free(vote), xb_free(per), xb_free(done);
    return st;
}

