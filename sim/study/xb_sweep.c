#include "xb_sweep.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xb_advtrain.h"
#include "xb_alloc.h"
#include "xb_cost.h"
#include "xb_eval.h"
#include "xb_h5.h"
#include "xb_import.h"
#include "xb_layout.h"
#include "xb_omp.h"
#include "xb_provenance.h"
#include "xb_study_grid.h"
#include "xb_sweep_impl.h"
#include "xb_sweep_layout.h"
#include "xb_threshold.h"

/* A trainer of experiment pe on net: its training parameters, noise and
 * (adversarial training) the sweep's attack, which every point shares. */
static enum xb_status point_trainer(struct xb_ctx *ctx, struct xb_sweep *s,
                                    const struct xb_experiment *pe, struct xb_net *net,
                                    struct xb_trainer **out)
{
    struct xb_train_params tp = pe->train;
    tp.noise = pe->noise;
    if (xb_train_algorithm_of(&tp) == XB_TRAIN_ADVERSARIAL) {
        s->adv = (struct xb_advtrain){.type = xb_attack_type_find(s->e->adv_attack),
                                      .p = s->e->adv};
        tp.adversary = xb_advtrain_hook(&s->adv);
    }
    return xb_trainer_create(ctx, net, &tp, out);
}

static enum xb_status make_slot(struct xb_ctx *ctx, struct xb_sweep *s, struct slot *sl)
{
    struct xb_ctx_params cp = {.seed = s->seed, .threads = 0, .log = XB_LOG_QUIET};
    sl->ctx = xb_ctx_create(&cp);
    if (s->study)
        sl->pe = xb_malloc(1, sizeof *sl->pe);
    enum xb_status st = xb_net_create(ctx, &s->e->model, s->rows, &sl->net);
    if (st)
        return st;
    return point_trainer(ctx, s, s->e, sl->net, &sl->trainer);
}

static void free_slot(struct slot *sl)
{
    xb_trainer_free(sl->trainer);
    xb_net_free(sl->net);
    xb_ctx_free(sl->ctx);
    xb_free(sl->pe);
}

/* The experiment of study point p into *out: e itself without a study
 * group (a caller may have adjusted it after reading), else read from
 * e->path with the sweep's overrides into buf. */
static enum xb_status point_exp(struct xb_ctx *ctx, const struct xb_sweep *s, size_t p,
                                struct xb_experiment *buf, const struct xb_experiment **out)
{
    if (!s->study) {
        *out = s->e;
        return XB_OK;
    }
    *out = buf;
    return xb_experiment_read_at(ctx, s->e->path, s->data->sets, s->data->n_sets, p, buf);
}

/* ---- resume ----------------------------------------------------------- */

static const char not_this[] = "not made by this config?";

static enum xb_status read_into(struct xb_ctx *ctx, const char *path, enum xb_ds id,
                                size_t point, void *dst, size_t n, int finite)
{
    return xb_layout_read(ctx, path, id, point, dst, n, finite, not_this);
}

/* What xbar info (xb_sweep_layout.h) holds a sweep file to, so that resume
 * never rewrites a file the reader rejects: done is 0 or 1; accuracies are
 * fractions in [0, 1], or NaN where the point is not done. */
static enum xb_status check_grid(struct xb_ctx *ctx, const struct xb_sweep *s,
                                 const char *path)
{
    size_t cells = s->NT * s->NS;
    const char *acc = xb_layout_row(XB_DS_ACCURACY)->path;
    const char *acc_vote = xb_layout_row(XB_DS_ACCURACY_VOTE)->path;
    for (size_t c = 0; c < cells; c++) {
        if (s->done[c] > 1)
            return xb_error(ctx, XB_ERANGE, "%s: %s[%zu, %zu] is %d; expected 0 or 1", path,
                            xb_layout_row(XB_DS_DONE)->path, c / s->NS, c % s->NS,
                            (int)s->done[c]);
        const double *v[2] = {s->acc + c * s->R, s->acc_vote + c * s->K};
        size_t len[2] = {s->R, s->K};
        for (int a = 0; a < 2; a++)
            for (size_t k = 0; k < len[a]; k++)
                if (isnan(v[a][k]) ? s->done[c] : !(v[a][k] >= 0 && v[a][k] <= 1))
                    return xb_error(ctx, XB_ERANGE, "%s: %s[%zu, %zu, %zu] is %g; "
                                    "expected a fraction in [0, 1] (NaN only where not done)",
                                    path, a ? acc_vote : acc, c / s->NS, c % s->NS, k,
                                    v[a][k]);
    }
    return XB_OK;
}

static enum xb_status resume(struct xb_ctx *ctx, struct xb_sweep *s)
{
    const char *path = s->e->output;
    if (access(path, F_OK) != 0)
        return XB_OK; /* nothing to resume: start afresh */
    char *text = NULL;
    enum xb_status st = xb_layout_read_text(ctx, path, XB_DS_CONFIG, &text);
    if (st)
        return st;
    int same = !strcmp(text, s->config_text);
    xb_free(text);
    if (!same)
        return xb_error(ctx, XB_EINVAL, "--resume: %s was made by a different configuration; "
                        "--force replaces it, or choose another sweep.output", path);
    /* The same config on another BLAS kernel or other data would not end
     * with the numbers of an uninterrupted run (ARCHITECTURE.md §9). */
    struct xb_provenance was, now;
    if ((st = xb_provenance_read(ctx, path, &was)))
        return st;
    const struct xb_prov_run run = {.command_line = s->command_line, .seed = s->seed,
                                    .portable = s->e->portable, .files = s->data->files};
    xb_provenance_collect(&run, &now);
    st = xb_provenance_check_resume(ctx, path, &was, &now);
    xb_provenance_free(&was);
    xb_provenance_free(&now);
    if (st)
        return st;
    size_t cells = s->NT * s->NS;
    st = read_into(ctx, path, XB_DS_ACCURACY, 0, s->acc, cells * s->R, 0);
    if (!st)
        st = read_into(ctx, path, XB_DS_ACCURACY_VOTE, 0, s->acc_vote, cells * s->K, 0);
    if (!st)
        st = read_into(ctx, path, XB_DS_DONE, 0, s->done, cells, 0);
    if (!st)
        st = read_into(ctx, path, XB_DS_SNR_MEASURED, 0, s->snr_net, cells, 0);
    if (!st && s->NL)
        st = read_into(ctx, path, XB_DS_LAYER_SNR_DB, 0, s->snr_layer, cells * s->NL, 0);
    if (!st && s->NTI)
        st = read_into(ctx, path, XB_DS_TILE_SNR_DB, 0, s->snr_tile, cells * s->NTI, 0);
    if (!st && s->NA)
        st = read_into(ctx, path, XB_DS_SPIKE_ACTIVITY, 0, s->spike_act,
                       cells * s->NA * XB_ACTIVITY_FIGURES, 0);
    if (!st && s->NA)
        st = read_into(ctx, path, XB_DS_SPIKE_ENERGY, 0, s->spike_energy, cells * 3, 0);
    if (!st)
        st = check_grid(ctx, s, path);
    for (size_t i = 0; i < s->NT && !st; i++) {
        struct point *p = &s->pt[i];
        int32_t ep;
        st = read_into(ctx, path, XB_DS_EPOCHS_DONE, i, &ep, 1, 0);
        if (st)
            break;
        /* The learning curves hold e->epochs values at most; a point is
         * evaluated only once trained. */
        size_t first_done = 0;
        while (first_done < s->NS && !s->done[i * s->NS + first_done])
            first_done++;
        if (ep < 0 || ep > p->n_epochs || (ep < p->n_epochs && first_done < s->NS)) {
            char name[XB_LAYOUT_PATH_MAX];
            st = xb_error(ctx, XB_ERANGE, "%s: %s is %d; expected 0 .. train.epochs = %d (and "
                          "train.epochs where a point is done)", path,
                          xb_layout_path(name, XB_DS_EPOCHS_DONE, i, NULL), (int)ep,
                          p->n_epochs);
            break;
        }
        p->epochs = ep;
        if (ep == 0)
            continue;
        st = read_into(ctx, path, XB_DS_STEPS, i, &p->steps, 1, 0);
        if (!st)
            st = read_into(ctx, path, XB_DS_PARAMS, i, p->params, s->n_params, 1);
        if (!st)
            st = read_into(ctx, path, XB_DS_OPTIMIZER_M, i, p->m, s->n_params, 1);
        if (!st && p->v)
            st = read_into(ctx, path, XB_DS_OPTIMIZER_V, i, p->v, s->n_params, 1);
        if (!st && p->carry)
            st = read_into(ctx, path, XB_DS_TRAIN_CARRY, i, p->carry, p->n_carry, 1);
        if (!st)
            st = read_into(ctx, path, XB_DS_LOSS, i, p->loss, (size_t)ep, 0);
        if (!st)
            st = read_into(ctx, path, XB_DS_VAL_ACCURACY, i, p->val_acc, (size_t)ep, 0);
        p->evals = 0;
        xb_sweep_count_evals(s, i);
    }
    return st;
}

/* ---- create ------------------------------------------------------------- */

/* Images the thresholds are set from (Rathi & Roy's code: one batch of 512
 * training images). */
#define XB_THRESHOLD_IMAGES 512

/* train.ann and train.threshold_percentile: where a spiking net starts
 * (models/train/xb_threshold.h), before every training point copies it. */
static enum xb_status start_from_ann(struct xb_ctx *ctx, struct xb_sweep *s)
{
    const struct xb_experiment *e = s->e;
    struct xb_net *net = s->slots[0].net;
    enum xb_status st = XB_OK;
    if (e->ann[0]) {
        if (!e->ann_config[0])
            return xb_error(ctx, XB_EINVAL, "train.ann = \"%s\": train.ann_config must name "
                            "the experiment file of its model", e->ann);
        struct xb_experiment *ae = xb_malloc(1, sizeof *ae);
        struct xb_net *ann = NULL;
        st = xb_experiment_read(ctx, e->ann_config, NULL, 0, ae);
        if (!st)
            st = xb_net_create(ctx, &ae->model, 1, &ann);
        if (!st)
            st = xb_import_params(ctx, e->ann, 0, &ae->model, ann);
        if (!st)
            st = xb_snn_copy_ann(ctx, net, ann);
        xb_net_free(ann);
        xb_free(ae);
        if (st) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
            return xb_error(ctx, st, "train.ann = \"%s\": %s", e->ann, msg);
        }
    }
    if (e->threshold_percentile > 0.0) {
        const struct xb_split *tr = &s->data->train;
        st = xb_snn_init_thresholds(ctx, net, tr->X,
                                    tr->n < XB_THRESHOLD_IMAGES ? tr->n : XB_THRESHOLD_IMAGES,
                                    e->threshold_percentile, e->threshold_scale, s->seed, NULL);
    }
    return st;
}

/* Energy and latency of an inference by 1 .. K votes on the crossbars of
 * the experiment's engine: the same at every point of the grid. */
static void cost_of_votes(struct xb_sweep *s, struct xb_net *net)
{
    struct xb_cost *c = xb_malloc(1, sizeof *c);
    xb_cost_net(c, &s->e->device.energy, &s->e->device.xbar, net);
    s->energy = xb_malloc(s->K, sizeof(double));
    s->lat_pipe = xb_malloc(s->K, sizeof(double));
    s->lat_seq = xb_malloc(s->K, sizeof(double));
    for (size_t k = 0; k < s->K; k++) {
        s->energy[k] = xb_cost_energy(c, (int)k + 1);
        s->lat_pipe[k] = xb_cost_latency(c, (int)k + 1, 1);
        s->lat_seq[k] = xb_cost_latency(c, (int)k + 1, 0);
    }
    xb_free(c);
}

/* A tile-size axis: each point has tiles of its own, so no one list of
 * tiles (snr_tile_layers) describes the study. */
static int tiles_vary(const struct xb_experiment *e)
{
    for (size_t k = 0; k < e->study.n; k++)
        if (!strncmp(e->study.axis[k].key, "xbar.tile_", 10))
            return 1;
    return 0;
}

/* A study's points, each read once (none held): the sigma_train and
 * epochs of every training point, the test value of every evaluation
 * point and the largest training step. */
static enum xb_status scan_points(struct xb_ctx *ctx, struct xb_sweep *s)
{
    const struct xb_study_grid *g = &s->g;
    struct xb_experiment *buf = xb_malloc(1, sizeof *buf);
    enum xb_status st = XB_OK;
    for (size_t it = 0; it < g->NTs && !st; it++)
        for (size_t js = 0; js < g->NSs && !st; js++) {
            const struct xb_experiment *pe;
            size_t i = it, j = js * g->n_test_list;
            if ((st = point_exp(ctx, s, xb_study_grid_point(g, i, j), buf, &pe)))
                break;
            for (size_t jl = 0; it == 0 && jl < g->n_test_list; jl++)
                s->test_x[j + jl] = pe->test_device ? pe->t_test[jl] : pe->sigma_test[jl];
            for (size_t il = 0; js == 0 && il < g->n_train_list; il++) {
                s->pt[il * g->NTs + it].sigma = pe->sigma_train[il];
                s->pt[il * g->NTs + it].n_epochs = pe->epochs;
            }
            size_t rows = xb_train_rows(&pe->train);
            if (rows > s->rows)
                s->rows = rows;
        }
    xb_free(buf);
    return st;
}

/* How many values training point i's algorithm carries between epochs
 * (HIRE's crafted noise: one per input value of a batch): its own, where a
 * train.* axis (train.batch) changes it. */
static enum xb_status carry_size(struct xb_ctx *ctx, struct xb_sweep *s, size_t i, size_t *n)
{
    xb_trainer_carried(s->slots[0].trainer, n);
    if (!*n || !s->study || s->g.NTs == 1)
        return XB_OK;
    struct xb_experiment *buf = xb_malloc(1, sizeof *buf);
    const struct xb_experiment *pe;
    struct xb_trainer *t = NULL;
    enum xb_status st = point_exp(ctx, s, xb_study_grid_point(&s->g, i, 0), buf, &pe);
    if (!st)
        st = point_trainer(ctx, s, pe, s->slots[0].net, &t);
    if (!st)
        xb_trainer_carried(t, n);
    xb_trainer_free(t);
    xb_free(buf);
    return st;
}

/* The energy and latency by K votes at every study point, on net. */
static enum xb_status cost_of_points(struct xb_ctx *ctx, struct xb_sweep *s, struct xb_net *net)
{
    size_t n = xb_axes_points(&s->e->study);
    s->pt_energy = xb_malloc(n, sizeof(double));
    s->pt_lat_pipe = xb_malloc(n, sizeof(double));
    s->pt_lat_seq = xb_malloc(n, sizeof(double));
    struct xb_experiment *buf = xb_malloc(1, sizeof *buf);
    struct xb_cost *c = xb_malloc(1, sizeof *c);
    enum xb_status st = XB_OK;
    for (size_t p = 0; p < n && !st; p++) {
        const struct xb_experiment *pe;
        if ((st = point_exp(ctx, s, p, buf, &pe)))
            break;
        xb_cost_net(c, &pe->device.energy, &pe->device.xbar, net);
        s->pt_energy[p] = xb_cost_energy(c, (int)s->K);
        s->pt_lat_pipe[p] = xb_cost_latency(c, (int)s->K, 1);
        s->pt_lat_seq[p] = xb_cost_latency(c, (int)s->K, 0);
    }
    xb_free(c);
    xb_free(buf);
    return st;
}

enum xb_status xb_sweep_create(struct xb_ctx *ctx, const struct xb_experiment *e,
                               const struct xb_sweep_data *data, const char *command_line,
                               int resume_flag, struct xb_sweep **out)
{
    *out = NULL;
    enum xb_status st = xb_h5_check_writable(ctx, e->output, "sweep.output");
    if (st)
        return st;
    if (data->train.n == 0 || data->test.n == 0)
        return xb_error(ctx, XB_ESHAPE, "the data set has an empty train or test split");
    struct xb_sweep *s = xb_calloc(1, sizeof *s);
    s->e = e;
    s->data = data;
    s->command_line = xb_strdup(command_line ? command_line : "");
    s->config_text = xb_experiment_text(e);
    s->seed = xb_ctx_seed(ctx);
    if (e->test_device && e->repeats > (int)XB_TRAIN_INSTANCE0) {
        /* The upper instances are hardware-aware training's (xb_train.h). */
        enum xb_status bad = xb_error(ctx, XB_ERANGE, "%s: sweep.repeats = %d: device mode "
                                      "programs one chip instance per repeat, at most %d",
                                      e->path, e->repeats, (int)XB_TRAIN_INSTANCE0);
        xb_free(s->command_line), xb_free(s->config_text), xb_free(s);
        return bad;
    }
    s->study = e->study.n > 0;
    st = xb_study_grid_make(ctx, e, &s->g);
    if (st) {
        xb_free(s->command_line), xb_free(s->config_text), xb_free(s);
        return st;
    }
    s->NT = s->g.NT, s->NS = s->g.NS, s->R = (size_t)e->repeats, s->K = (size_t)e->votes;
    s->test_x = xb_malloc(s->NS, sizeof(double));
    s->pt = xb_calloc(s->NT, sizeof *s->pt);
    const size_t train_rows = xb_train_rows(&e->train);
    s->rows = e->eval_rows > train_rows ? e->eval_rows : train_rows;
    if (s->study) {
        st = scan_points(ctx, s);
        if (st) {
            xb_sweep_free(s);
            return st;
        }
    } else {
        memcpy(s->test_x, e->test_device ? e->t_test : e->sigma_test, s->NS * sizeof(double));
        for (size_t i = 0; i < s->NT; i++)
            s->pt[i].sigma = e->sigma_train[i], s->pt[i].n_epochs = e->epochs;
    }
    size_t cells = s->NT * s->NS;
    s->acc = xb_malloc(cells * s->R, sizeof(double));
    s->acc_vote = xb_malloc(cells * s->K, sizeof(double));
    for (size_t k = 0; k < cells * s->R; k++)
        s->acc[k] = NAN;
    for (size_t k = 0; k < cells * s->K; k++)
        s->acc_vote[k] = NAN;
    s->done = xb_calloc(cells, 1);
    s->snr_db = xb_malloc(s->NS, sizeof(double));
    for (size_t j = 0; j < s->NS; j++)
        s->snr_db[j] = e->noise == XB_NOISE_MULT && !e->test_device
                           ? xb_snr_db_mult(s->test_x[j]) : (double)NAN;
    /* Slot 0 also tells the parameter count and initialises every point. */
    s->n_slots = 1;
    s->slots = xb_calloc(1, sizeof *s->slots);
    st = make_slot(ctx, s, &s->slots[0]);
    if (st) {
        xb_sweep_free(s);
        return st;
    }
    s->n_params = xb_net_n_params(s->slots[0].net);
    struct xb_snr layers;
    xb_snr_init(&layers, s->slots[0].net, e->test_device);
    s->NL = layers.n;
    s->snr_layers = xb_malloc(s->NL + 1, sizeof *s->snr_layers);
    for (size_t l = 0; l < s->NL; l++)
        s->snr_layers[l] = (int32_t)layers.layer[l];
    s->snr_net = xb_malloc(cells, sizeof(double));
    s->snr_layer = xb_malloc(cells * s->NL + 1, sizeof(double));
    for (size_t c = 0; c < cells; c++)
        s->snr_net[c] = NAN;
    for (size_t c = 0; c < cells * s->NL; c++)
        s->snr_layer[c] = NAN;
    if (e->test_device && !tiles_vary(e)) {
        /* The tiles are known once a chip is programmed: instance 0, once. */
        struct xb_xbar_params xp;
        xb_config_xbar_params(&e->device, &xp);
        st = xb_net_program(ctx, s->slots[0].net, &xp);
        if (st) {
            xb_sweep_free(s);
            return st;
        }
        xb_snr_init(&layers, s->slots[0].net, 1);
        s->NTI = xb_snr_tiles(&layers, s->slots[0].net);
        xb_net_unprogram(s->slots[0].net);
    }
    s->tile_layers = xb_malloc(s->NTI + 1, sizeof *s->tile_layers);
    for (size_t t = 0; t < s->NTI; t++)
        s->tile_layers[t] = (int32_t)layers.tile_layer[t];
    s->snr_tile = xb_malloc(cells * s->NTI + 1, sizeof(double));
    for (size_t c = 0; c < cells * s->NTI; c++)
        s->snr_tile[c] = NAN;
    struct xb_activity act;
    xb_activity_init(&act, s->slots[0].net);
    s->NA = act.n;
    s->spike_layers = xb_malloc(s->NA + 1, sizeof *s->spike_layers);
    for (size_t l = 0; l < s->NA; l++)
        s->spike_layers[l] = (int32_t)act.layer[l].layer;
    s->spike_act = xb_malloc(cells * s->NA * XB_ACTIVITY_FIGURES + 1, sizeof(double));
    s->spike_energy = xb_malloc(cells * 3 + 1, sizeof(double));
    for (size_t c = 0; c < cells * s->NA * XB_ACTIVITY_FIGURES; c++)
        s->spike_act[c] = NAN;
    for (size_t c = 0; c < cells * 3 * (s->NA > 0); c++)
        s->spike_energy[c] = NAN;
    cost_of_votes(s, s->slots[0].net);
    st = cost_of_points(ctx, s, s->slots[0].net);
    if (st) {
        xb_sweep_free(s);
        return st;
    }
    /* Every training point starts from the same initial weights. */
    xb_net_init(s->slots[0].net, s->seed);
    if (!resume_flag && (st = start_from_ann(ctx, s))) {
        xb_sweep_free(s);
        return st;
    }
    for (size_t i = 0; i < s->NT; i++) {
        struct point *p = &s->pt[i];
        p->params = xb_aligned(s->n_params, sizeof(float));
        p->m = xb_calloc(s->n_params, sizeof(float));
        p->v = e->train.optim.kind == XB_OPTIM_ADAM ? xb_calloc(s->n_params, sizeof(float)) : NULL;
        p->loss = xb_calloc((size_t)p->n_epochs + 1, sizeof(double));
        p->val_acc = xb_calloc((size_t)p->n_epochs + 1, sizeof(double));
        memcpy(p->params, xb_net_params(s->slots[0].net), s->n_params * sizeof(float));
        if ((st = carry_size(ctx, s, i, &p->n_carry))) {
            xb_sweep_free(s);
            return st;
        }
        p->carry = p->n_carry ? xb_calloc(p->n_carry, sizeof(float)) : NULL;
    }
    if (resume_flag) {
        st = resume(ctx, s);
        if (st) {
            xb_sweep_free(s);
            return st;
        }
    }
    *out = s;
    return XB_OK;
}

void xb_sweep_free(struct xb_sweep *s)
{
    if (!s)
        return;
    for (int k = 0; k < s->n_slots; k++)
        free_slot(&s->slots[k]);
    xb_free(s->slots);
    if (s->pt)
        for (size_t i = 0; i < s->NT; i++) {
            xb_free(s->pt[i].params), xb_free(s->pt[i].m), xb_free(s->pt[i].v);
            xb_free(s->pt[i].carry);
            xb_free(s->pt[i].loss), xb_free(s->pt[i].val_acc);
        }
    xb_free(s->pt);
    xb_free(s->acc), xb_free(s->acc_vote), xb_free(s->snr_db), xb_free(s->done);
    xb_free(s->snr_net), xb_free(s->snr_layer), xb_free(s->snr_layers);
    xb_free(s->snr_tile), xb_free(s->tile_layers);
    xb_free(s->spike_layers), xb_free(s->spike_act), xb_free(s->spike_energy);
    xb_free(s->energy), xb_free(s->lat_pipe), xb_free(s->lat_seq);
    xb_free(s->pt_energy), xb_free(s->pt_lat_pipe), xb_free(s->pt_lat_seq), xb_free(s->test_x);
    xb_free(s->command_line), xb_free(s->config_text);
    xb_free(s);
}

/* ---- steps -------------------------------------------------------------- */

static int point_pending(const struct xb_sweep *s, size_t i)
{
    return s->pt[i].epochs < s->pt[i].n_epochs || (size_t)s->pt[i].evals < s->NS;
}

int xb_sweep_pending(const struct xb_sweep *s)
{
    for (size_t i = 0; i < s->NT; i++)
        if (point_pending(s, i))
            return 1;
    return 0;
}

void xb_sweep_progress(const struct xb_sweep *s, size_t *done, size_t *total)
{
    *done = 0;
    *total = 0;
    /* Evaluations done counted one by one: a runner over processes
     * (xb_sweep_units.c) finishes them out of order. */
    for (size_t i = 0; i < s->NT; i++) {
        *total += (size_t)s->pt[i].n_epochs + s->NS;
        *done += (size_t)s->pt[i].epochs;
        for (size_t j = 0; j < s->NS; j++)
            *done += s->done[i * s->NS + j];
    }
}

/* The measured SNR of point (i, j) from its sums. */
static void keep_snr(struct xb_sweep *s, size_t i, size_t j, const struct xb_snr *m)
{
    s->snr_net[i * s->NS + j] = xb_snr_net_db(m);
    for (size_t l = 0; l < s->NL; l++)
        s->snr_layer[(i * s->NS + j) * s->NL + l] = xb_snr_layer_db(m, l);
    for (size_t t = 0; t < s->NTI && t < m->n_tiles; t++)
        s->snr_tile[(i * s->NS + j) * s->NTI + t] = xb_snr_tile_db(m, t);
}

/* The spiking activity of point (i, j) and the energy it costs, on the
 * point's own device and engine keys. */
static void keep_activity(struct xb_sweep *s, size_t i, size_t j, const struct slot *sl,
                          const struct xb_activity *a)
{
    if (!s->NA)
        return;
    const size_t c = i * s->NS + j;
    for (size_t l = 0; l < s->NA; l++)
        xb_activity_figures(a, l, s->spike_act + (c * s->NA + l) * XB_ACTIVITY_FIGURES);
    const struct xb_config *dev = s->study ? &sl->pe->device : &s->e->device;
    xb_cost_spiking(&dev->energy, &dev->xbar, sl->net, a, s->spike_energy + c * 3);
}

/* Device mode, point (i, j): the model programmed onto chip instance r
 * (r < R), its converter ranges calibrated on training data, aged to t_j,
 * and read K times (models/eval/xb_eval.h, xb_eval_chips).
 * accuracy[i, j, r] is instance r's first read; accuracy_vote[i, j, k] the
 * mean over instances of the majority of k+1 reads. Programming is redone
 * per t because a point is the unit of work (and of resuming); it costs
 * far less than the K reads. */
static enum xb_status eval_device(struct xb_sweep *s, size_t i, size_t j, struct slot *sl)
{
    const struct xb_experiment *e = s->e;
    struct xb_ctx *ctx = sl->ctx;
    struct xb_xbar_params xp;
    /* The chip of the evaluation point: its own device and engine keys. */
    xb_config_xbar_params(s->study ? &sl->pe->device : &e->device, &xp);
    const struct xb_split *tr = &s->data->train, *te = &s->data->test;
    double *acc = s->acc + (i * s->NS + j) * s->R, *vote = s->acc_vote + (i * s->NS + j) * s->K;
    struct xb_snr snr;
    xb_snr_init(&snr, sl->net, 1);
    struct xb_activity act;
    xb_activity_init(&act, sl->net);
    const struct xb_chip_eval_params cp = {.xbar = &xp, .t = s->test_x[j],
                                           .instances = e->repeats, .votes = e->votes,
                                           .cal_X = tr->X, .cal_n = tr->n, .snr = &snr,
                                           .activity = &act};
    enum xb_status st = xb_eval_chips(ctx, sl->net, &cp, te->X, te->y, te->n, acc, vote);
    if (st) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
        for (size_t r = 0; r < s->R; r++)
            acc[r] = NAN;
        for (size_t k = 0; k < s->K; k++)
            vote[k] = NAN;
        return xb_error(ctx, st, "sigma_train = %g, t = %g s: %s", s->pt[i].sigma,
                        s->test_x[j], msg);
    }
    keep_snr(s, i, j, &snr);
    keep_activity(s, i, j, sl, &act);
    return XB_OK;
}

/* One unit of point i on slot sl: an epoch (j = XB_SWEEP_EPOCH), or its
 * evaluation at test point j; xb_sweep_run_units counts the evaluation. */
static enum xb_status work(struct xb_sweep *s, size_t i, size_t j, struct slot *sl)
{
    const struct xb_experiment *e = s->e;
    struct point *p = &s->pt[i];
    struct xb_ctx *ctx = sl->ctx;
    memcpy(xb_net_params(sl->net), p->params, s->n_params * sizeof(float));
    if (j == XB_SWEEP_EPOCH) {
        struct xb_trainer *t = sl->trainer;
        struct xb_optim *o = xb_trainer_optim(t);
        memcpy(xb_optim_m(o), p->m, s->n_params * sizeof(float));
        if (p->v)
            memcpy(xb_optim_v(o), p->v, s->n_params * sizeof(float));
        xb_optim_set_steps(o, p->steps);
        size_t nc;
        float *carried = xb_trainer_carried(t, &nc);
        if (nc != p->n_carry)
            return xb_error(ctx, XB_EINVAL, "sigma_train = %g: the training algorithm carries "
                            "%zu values between epochs, the point %zu", p->sigma, nc,
                            p->n_carry);
        if (nc)
            memcpy(carried, p->carry, nc * sizeof(float));
        xb_trainer_set_epochs(t, p->epochs);
        xb_trainer_set_sigma(t, p->sigma);
        double loss;
        const struct xb_split *tr = &s->data->train;
        enum xb_status st = xb_trainer_epoch(ctx, t, tr->X, tr->y, tr->n, &loss);
        if (st) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
            return xb_error(ctx, st, "sigma_train = %g: %s", p->sigma, msg);
        }
        double val = NAN, vote;
        if (s->data->val.n > 0) {
            struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_NONE};
            st = xb_eval_run(ctx, sl->net, &ep, s->data->val.X, s->data->val.y, s->data->val.n,
                             &val, &vote);
            if (st)
                return st;
        }
        memcpy(p->params, xb_net_params(sl->net), s->n_params * sizeof(float));
        memcpy(p->m, xb_optim_m(o), s->n_params * sizeof(float));
        if (p->v)
            memcpy(p->v, xb_optim_v(o), s->n_params * sizeof(float));
        if (nc)
            memcpy(p->carry, carried, nc * sizeof(float));
        p->steps = xb_optim_steps(o);
        p->loss[p->epochs] = loss;
        p->val_acc[p->epochs] = val;
        p->epochs++;
        return XB_OK;
    }
    if (e->test_device) {
        enum xb_status st = eval_device(s, i, j, sl);
        if (st)
            return st;
        s->done[i * s->NS + j] = 1;
        return XB_OK;
    }
    struct xb_snr snr;
    xb_snr_init(&snr, sl->net, 0);
    struct xb_activity act;
    xb_activity_init(&act, sl->net);
    struct xb_eval_params ep = {.repeats = e->repeats, .votes = e->votes,
                                .noise = s->study ? sl->pe->noise : e->noise,
                                .sigma = s->test_x[j], .snr = &snr, .activity = &act};
    const struct xb_split *te = &s->data->test;
    enum xb_status st = xb_eval_run(ctx, sl->net, &ep, te->X, te->y, te->n,
                                    s->acc + (i * s->NS + j) * s->R,
                                    s->acc_vote + (i * s->NS + j) * s->K);
    if (st)
        return st;
    keep_snr(s, i, j, &snr);
    keep_activity(s, i, j, sl, &act);
    s->done[i * s->NS + j] = 1;
    return XB_OK;
}

void xb_sweep_count_evals(struct xb_sweep *s, size_t i)
{
    struct point *p = &s->pt[i];
    while ((size_t)p->evals < s->NS && s->done[i * s->NS + (size_t)p->evals])
        p->evals++;
}

enum xb_status xb_sweep_step(struct xb_ctx *ctx, struct xb_sweep *s, int threads)
{
    if (threads <= 0)
        threads = xb_omp_max_threads();
    struct xb_sweep_unit u[XB_SWEEP_MAX_UNITS];
    int n = 0;
    for (size_t i = 0; i < s->NT && n < threads && n < XB_SWEEP_MAX_UNITS; i++)
        if (point_pending(s, i)) {
            const struct point *p = &s->pt[i];
            u[n].point = i;
            u[n++].test = p->epochs < p->n_epochs ? XB_SWEEP_EPOCH : (size_t)p->evals;
        }
    return xb_sweep_run_units(ctx, s, u, n);
}

enum xb_status xb_sweep_run_units(struct xb_ctx *ctx, struct xb_sweep *s,
                                  const struct xb_sweep_unit *u, int n)
{
    if (n <= 0)
        return XB_OK;
    while (s->n_slots < n) {
        struct slot *grown = xb_calloc((size_t)s->n_slots + 1, sizeof *grown);
        memcpy(grown, s->slots, (size_t)s->n_slots * sizeof *grown);
        xb_free(s->slots);
        s->slots = grown;
        enum xb_status st = make_slot(ctx, s, &s->slots[s->n_slots]);
        s->n_slots++;
        if (st)
            return st;
    }
    /* A study's units read their experiments here, serially (a point's
     * device for evaluation; its training parameters for an epoch). */
    for (int k = 0; k < n && s->study; k++) {
        struct slot *sl = &s->slots[k];
        int training = u[k].test == XB_SWEEP_EPOCH;
        size_t j = training ? 0 : u[k].test;
        const struct xb_experiment *pe;
        enum xb_status st = point_exp(ctx, s, xb_study_grid_point(&s->g, u[k].point, j), sl->pe,
                                      &pe);
        size_t coord = 1 + u[k].point % s->g.NTs;
        if (!st && training && s->g.NTs > 1 && sl->trainer_of != coord) {
            /* The point's own training parameters (train.* axes, and the
             * device of hardware-aware training); the state is restored
             * per unit (work). */
            xb_trainer_free(sl->trainer);
            sl->trainer = NULL;
            st = point_trainer(ctx, s, pe, sl->net, &sl->trainer);
            sl->trainer_of = st ? 0 : coord;
        }
        if (st)
            return st;
    }
    enum xb_status status[XB_SWEEP_MAX_UNITS];
    /* One point per thread (nested regions inside run on one thread); a
     * single point keeps all threads for itself, called outside any
     * region: inside even a serialised one, libgomp starts and ends fresh
     * threads for every region of the layers (measured: ~30 per training
     * step of lstm128, a third of its time). */
    if (n == 1) {
        status[0] = work(s, u[0].point, u[0].test, &s->slots[0]);
    } else {
#pragma omp parallel for schedule(static) num_threads(n) default(none) shared(s, u, n, status)
        for (int k = 0; k < n; k++)
            status[k] = work(s, u[k].point, u[k].test, &s->slots[k]);
    }
    for (int k = 0; k < n; k++)
        xb_sweep_count_evals(s, u[k].point);
    for (int k = 0; k < n; k++)
        if (status[k])
            return xb_error(ctx, status[k], "%s", xb_ctx_error(s->slots[k].ctx));
    return XB_OK;
}

/* ---- results ------------------------------------------------------------ */


/* Additive noise has no SNR of its own: measure the signal power at the
 * noise layers of the sigma_train[0] model, noise off, on the first
 * eval_rows test samples, once it is trained. Serial and fixed by the
 * model, so a resumed run measures the same. */
static void measure_snr(struct xb_sweep *s)
{
    const struct xb_experiment *e = s->e;
    if (e->test_device) {
        /* A device has no sigma: its SNR is the one measured at each t
         * (models/eval/xb_snr.h), the sigma_train[0] model's as above. */
        for (size_t j = 0; j < s->NS && s->NT; j++)
            s->snr_db[j] = s->snr_net[j];
        return;
    }
    if (e->noise != XB_NOISE_ADD || e->test_device || s->snr_measured || s->NS == 0 ||
        s->pt[0].epochs < s->pt[0].n_epochs)
        return;
    struct slot *sl = &s->slots[0];
    memcpy(xb_net_params(sl->net), s->pt[0].params, s->n_params * sizeof(float));
    size_t rows = s->data->test.n < e->eval_rows ? s->data->test.n : e->eval_rows;
    struct xb_pass pass = {.phase = XB_PHASE_EVAL, .rows = rows,
                           .addr = {.batch = (uint32_t)rows}, .seed = s->seed,
                           .noise = XB_NOISE_NONE, .measure_power = 1};
    xb_net_forward(sl->net, &pass, s->data->test.X);
    double power = xb_net_noise_input_power(sl->net);
    for (size_t j = 0; j < s->NS; j++)
        s->snr_db[j] = xb_snr_db_add(s->test_x[j], power);
    s->snr_measured = 1;
}

enum xb_status xb_sweep_save(struct xb_ctx *ctx, struct xb_sweep *s)
{
    measure_snr(s);
    const struct xb_experiment *e = s->e;
    struct xb_h5_file *f;
    enum xb_status st = xb_h5_create(ctx, e->output, &f);
    if (st)
        return st;
    struct xb_h5_meta meta = {.command_line = s->command_line, .seed = s->seed,
                              .threads = xb_omp_max_threads(), .files = s->data->files,
                              .portable = s->e->portable};
    int32_t *votes = xb_malloc(s->K, sizeof *votes);
    double *sigma_train = xb_malloc(s->NT, sizeof *sigma_train);
    for (size_t i = 0; i < s->NT; i++)
        sigma_train[i] = s->pt[i].sigma;
    for (size_t k = 0; k < s->K; k++)
        votes[k] = (int32_t)(k + 1);
    size_t d3r[3] = {s->NT, s->NS, s->R}, d3k[3] = {s->NT, s->NS, s->K}, d2[2] = {s->NT, s->NS};
    const char *nm = xb_noise_kind_name(e->noise);
    /* Units and descriptions are the table's (xb_layout.c); sigma is in
     * activation units under additive noise. */
    const int add = e->noise == XB_NOISE_ADD;
    st = xb_h5_write_meta(ctx, f, &meta);
    if (!st)
        st = xb_layout_write_text(ctx, f, XB_DS_CONFIG, s->config_text);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_SIGMA_TRAIN, 0, sigma_train, &s->NT, add);
    if (!st)
        st = xb_layout_write(ctx, f, e->test_device ? XB_DS_T_TEST : XB_DS_SIGMA_TEST, 0,
                             s->test_x, &s->NS, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_SNR_DB, 0, s->snr_db, &s->NS, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_SNR_MEASURED, 0, s->snr_net, d2, add);
    if (!st && s->NL)
        st = xb_layout_write(ctx, f, XB_DS_SNR_LAYERS, 0, s->snr_layers, &s->NL, add);
    if (!st && s->NL) {
        size_t d3l[3] = {s->NT, s->NS, s->NL};
        st = xb_layout_write(ctx, f, XB_DS_LAYER_SNR_DB, 0, s->snr_layer, d3l, add);
    }
    if (!st && s->NTI)
        st = xb_layout_write(ctx, f, XB_DS_SNR_TILE_LAYERS, 0, s->tile_layers, &s->NTI, add);
    if (!st && s->NTI) {
        size_t d3t[3] = {s->NT, s->NS, s->NTI};
        st = xb_layout_write(ctx, f, XB_DS_TILE_SNR_DB, 0, s->snr_tile, d3t, add);
    }
    if (!st && s->NA)
        st = xb_layout_write(ctx, f, XB_DS_SPIKE_LAYERS, 0, s->spike_layers, &s->NA, add);
    if (!st && s->NA) {
        size_t d4[4] = {s->NT, s->NS, s->NA, XB_ACTIVITY_FIGURES}, d3e[3] = {s->NT, s->NS, 3};
        st = xb_layout_write(ctx, f, XB_DS_SPIKE_ACTIVITY, 0, s->spike_act, d4, add);
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_SPIKE_ENERGY, 0, s->spike_energy, d3e, add);
    }
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_VOTES, 0, votes, &s->K, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ACCURACY, 0, s->acc, d3r, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ACCURACY_VOTE, 0, s->acc_vote, d3k, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_DONE, 0, s->done, d2, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ENERGY, 0, s->energy, &s->K, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_LATENCY_PIPELINED, 0, s->lat_pipe, &s->K, add);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_LATENCY_SEQUENTIAL, 0, s->lat_seq, &s->K, add);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_SWEEP, 0, XB_SWEEP_ATTR_NOISE_MODEL,
                                  e->test_device ? e->device.xbar.device.type->name : nm);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_SWEEP, 0, XB_SWEEP_ATTR_TEST_AXIS,
                                  e->test_device ? XB_SWEEP_AXIS_T : XB_SWEEP_AXIS_SIGMA);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_SWEEP, 0, XB_SWEEP_ATTR_DATASET, e->dataset);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_SWEEP, 0, XB_SWEEP_ATTR_MODEL, e->model_name);
    if (!st) {
        const struct xb_study_flat flat = {
            .repeats = s->R, .votes = s->K, .accuracy = s->acc, .accuracy_vote = s->acc_vote,
            .snr = s->snr_net, .done = s->done, .energy = s->pt_energy,
            .latency_pipelined = s->pt_lat_pipe, .latency_sequential = s->pt_lat_seq,
            .spike_energy = s->NA ? s->spike_energy : NULL};
        st = xb_study_grid_write(ctx, f, e, &s->g, &flat);
    }
    for (size_t i = 0; i < s->NT && !st; i++) {
        const struct point *p = &s->pt[i];
        char sigma[32];
        size_t ne = (size_t)p->epochs, one = 1, np = s->n_params;
        int32_t ep = p->epochs;
        st = xb_layout_write(ctx, f, XB_DS_EPOCHS_DONE, i, &ep, &one, add);
        if (st || ne == 0)
            continue;
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_STEPS, i, &p->steps, &one, add);
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_PARAMS, i, p->params, &np, add);
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_OPTIMIZER_M, i, p->m, &np, add);
        if (!st && p->v)
            st = xb_layout_write(ctx, f, XB_DS_OPTIMIZER_V, i, p->v, &np, add);
        if (!st && p->carry)
            st = xb_layout_write(ctx, f, XB_DS_TRAIN_CARRY, i, p->carry, &p->n_carry, add);
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_LOSS, i, p->loss, &ne, add);
        if (!st)
            st = xb_layout_write(ctx, f, XB_DS_VAL_ACCURACY, i, p->val_acc, &ne, add);
        snprintf(sigma, sizeof sigma, "%.17g", p->sigma);
        if (!st)
            st = xb_layout_write_attr(ctx, f, XB_DS_MODEL, i, XB_SWEEP_ATTR_SIGMA_TRAIN, sigma);
    }
    xb_free(votes);
    xb_free(sigma_train);
    if (st) {
        xb_h5_discard(f);
        return st;
    }
    return xb_h5_commit(ctx, f);
}
