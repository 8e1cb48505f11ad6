#include "xb_sweep_run.h"

#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_data.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_import.h"
#include "xb_layout.h"
#include "xb_mpi.h"
#include "xb_progress.h"
#include "xb_report.h"
#include "xb_study_grid.h"
#include "xb_spike.h"
#include "xb_sweep.h"

/* Validation carved from train with the experiment's seed: fixed per seed.
 * With data.split, the set's train and test parts pooled and split in
 * three by the seed (sim/data/xb_data.h, xb_dataset_pool_split). */
enum xb_status xb_run_load_data(struct xb_ctx *ctx, const struct xb_experiment *e,
                                struct xb_dataset **train, struct xb_dataset **val,
                                struct xb_dataset **test)
{
    struct xb_dataset *all = NULL;
    *train = *val = *test = NULL;
    const struct xb_data_spec spec = {.name = e->dataset,
                                      .dir = e->data_dir[0] ? e->data_dir : NULL,
                                      .seed = xb_ctx_seed(ctx),
                                      .steps = e->data_steps,
                                      .features = e->data_features};
    enum xb_status st = xb_dataset_load(ctx, &spec, &all, test);
    if (st)
        return st;
    if (e->n_split == 3) {
        struct xb_dataset *shipped = *test;
        st = xb_dataset_pool_split(ctx, all, shipped, e->split, e->limit, xb_ctx_seed(ctx),
                                   train, val, test);
        xb_dataset_free(shipped);
    } else {
        if (e->limit) {
            struct xb_dataset *kept = xb_dataset_limit(all, e->limit, xb_ctx_seed(ctx));
            xb_dataset_free(all);
            all = kept;
        }
        st = xb_dataset_split(ctx, all, e->validation, xb_ctx_seed(ctx), train, val);
    }
    xb_dataset_free(all);
    if (st)
        return st;
    const struct xb_shape in = e->model.input;
    if ((*train)->c != in.c || (*train)->h != in.h || (*train)->w != in.w ||
        (*train)->classes != e->model.classes)
        return xb_error(ctx, XB_ESHAPE, "%s: model.input = [%d, %d, %d], classes = %d, but "
                        "data set %s has images %d x %d x %d and %d classes", e->path, in.c,
                        in.h, in.w, e->model.classes, e->dataset, (*train)->c, (*train)->h,
                        (*train)->w, (*train)->classes);
    return XB_OK;
}

enum xb_status xb_run_result_open(struct xb_ctx *ctx, const struct xb_cli *cli,
                                  const char *path, const struct xb_experiment *e,
                                  const struct xb_data_files *files, int group,
                                  const char *model, long point, struct xb_h5_file **f)
{
    enum xb_status st = xb_h5_create(ctx, path, f);
    if (st)
        return st;
    const struct xb_h5_meta meta = {cli->command_line, cli->seed, xb_cli_threads_in_use(),
                                    files, e->model.gemm == XB_GEMM_PORTABLE};
    char *config = xb_experiment_text(e), pt[32];
    snprintf(pt, sizeof pt, "%ld", point);
    st = xb_h5_write_meta(ctx, *f, &meta);
    if (!st)
        st = xb_layout_write_text(ctx, *f, XB_DS_CONFIG, config);
    if (!st)
        st = xb_layout_write_attr(ctx, *f, (enum xb_ds)group, 0, "model", model);
    if (!st)
        st = xb_layout_write_attr(ctx, *f, (enum xb_ds)group, 0, "point", pt);
    xb_free(config);
    if (st) {
        xb_h5_discard(*f);
        *f = NULL;
    }
    return st;
}

enum xb_status xb_run_result_close(struct xb_ctx *ctx, struct xb_h5_file *f, enum xb_status st)
{
    if (st) {
        xb_h5_discard(f);
        return st;
    }
    return xb_h5_commit(ctx, f);
}

enum xb_status xb_run_load_model(struct xb_ctx *ctx, const char *path, long point,
                                 const struct xb_net_config *cfg, struct xb_net *net)
{
    enum xb_status st = xb_import_params(ctx, path, (size_t)point, cfg, net);
    if (st == XB_ENOTFOUND && point > 0) { /* say which option asked for it */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
        xb_error(ctx, st, "--point %ld: %s", point, msg);
    }
    return st;
}

/* The last setting of key in s, or -1. */
static long given_at(const struct xb_settings *s, const char *key)
{
    for (size_t i = s->n; i-- > 0;)
        if (!strcmp(s->v[i].key, key))
            return (long)i;
    return -1;
}

enum xb_status xb_run_choose_device(struct xb_ctx *ctx, const struct xb_settings *s,
                                    struct xb_experiment *e, const char *name,
                                    const char *what)
{
    long dev = -1;
    for (size_t i = 0; i < s->n; i++)
        if (!strncmp(s->v[i].key, "device.", 7) || !strncmp(s->v[i].key, "xbar.", 5))
            dev = (long)i;
    long test = given_at(s, "sweep.test"), xt = given_at(s, "xbar.t"), st = given_at(s, "sweep.t");
    if (dev >= 0 && test >= 0 && !e->test_device)
        return xb_error(ctx, XB_EINVAL, "%s: contradicts %s: a device given to xbar %s "
                        "%s (sweep.test = \"device\")", s->v[test].origin,
                        s->v[dev].origin, name, what);
    if (dev >= 0)
        e->test_device = 1;
    if (!e->test_device)
        return XB_OK;
    if (xt >= 0 && st >= 0)
        return xb_error(ctx, XB_EINVAL, "%s: contradicts %s: both give the read times; set "
                        "one", s->v[xt].origin, s->v[st].origin);
    if (xt >= 0 || e->n_t == 0) {
        e->t_test[0] = e->device.t;
        e->n_t = 1;
    }
    if (e->repeats > (int)XB_TRAIN_INSTANCE0)
        return xb_error(ctx, XB_ERANGE, "%s: sweep.repeats = %d: on a device each repeat is "
                        "a chip instance, at most %d", e->path, e->repeats,
                        (int)XB_TRAIN_INSTANCE0);
    return XB_OK;
}

/* ---- keys that a subcommand would not use ------------------------------ */

static int always(const struct xb_experiment *e, int has_sigma)
{
    (void)e, (void)has_sigma;
    return 1;
}
static int given_sigma(const struct xb_experiment *e, int has_sigma)
{
    (void)e;
    return has_sigma;
}
static int no_device_use(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !e->test_device && !e->train.hw_aware;
}
static int no_hw_aware(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !e->train.hw_aware;
}
static int device_mode(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return e->test_device;
}
static int noise_mode(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !e->test_device;
}

/* attack.attacks names kind (a comma-separated list, checked on reading). */
static int attacks_name(const struct xb_experiment *e, const char *kind)
{
    const size_t len = strlen(kind);
    for (const char *p = e->attack_names; (p = strstr(p, kind)); p += len) {
        const int starts = p == e->attack_names || p[-1] == ',' || p[-1] == ' ';
        if (starts && (p[len] == '\0' || p[len] == ',' || p[len] == ' '))
            return 1;
    }
    return 0;
}
static int attack_deterministic(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    for (size_t k = 0; k < e->model.n_layers; k++) /* a rate encoder draws its spikes */
        if (!strcmp(e->model.layers[k].type, "encode") &&
            e->model.layers[k].encoding != XB_ENCODE_DIRECT)
            return 0;
    return !xb_attack_random_target(&e->attack);
}
static int attack_no_noise(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return e->attack.noise == XB_NOISE_NONE;
}
static int attack_no_sigma(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return e->attack.sigma == 0.0;
}
static int attack_no_mim(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "mim");
}
static int attack_one_step(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "bim") && !attacks_name(e, "pgd") && !attacks_name(e, "mim") &&
           !attacks_name(e, "dim") && !attacks_name(e, "tim");
}
static int attack_no_random_start(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "pgd") && !attacks_name(e, "random");
}
static int attack_no_transfer(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "dim") && !attacks_name(e, "tim");
}
static int attack_no_dim(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "dim");
}
static int attack_no_tim(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "tim");
}
static int attack_no_nattack(const struct xb_experiment *e, int has_sigma)
{
    (void)has_sigma;
    return !attacks_name(e, "nattack");
}

#define ATTACK_DETERMINISTIC "the target is deterministic (attack.noise = \"none\" or " \
                             "attack.sigma = 0, and no rate-coded input): one draw is its " \
                             "gradient, and its votes agree"

#define TRAIN_NO_TEST "xbar train evaluates nothing (xbar eval and xbar sweep do)"
#define SNRREQ_NO_DEVICE "the SNR requirement is of the abstract noise of sweep.noise"
#define ATTACK_ON_DEVICE "on a device the noise layers inject nothing: the target's noise is " \
                         "the chip's (programming noise per chip, read noise per read)"
#define ATTACK_TARGET "the attacked target's noise and votes are attack.noise, attack.sigma " \
                      "and attack.votes"

/* One row per (subcommands, key) that is unused when unused(e) holds; a
 * key ending in '.' is a whole group. */
static const struct {
    unsigned kinds;
    const char *key;
    int (*unused)(const struct xb_experiment *e, int has_sigma);
    const char *why;
} unused_keys[] = {
    {XB_RUN_EVAL, "train.", always, "xbar eval trains nothing"},
    {XB_RUN_EVAL, "data.validation", noise_mode, "the validation split is used in training, "
     "and on a device to choose the calibration inputs; this evaluation has no device"},
    {XB_RUN_EVAL | XB_RUN_ATTACK, "sweep.sigma_train", always, "the model comes from --model"},
    {XB_RUN_EVAL | XB_RUN_ATTACK, "model.init", always, "the weights come from --model"},
    {XB_RUN_EVAL, "sweep.output", always, "the model comes from --model; xbar eval writes no file"},
    {XB_RUN_EVAL | XB_RUN_ATTACK | XB_RUN_TRANSFER, "sweep.t", noise_mode, "read times belong "
     "to a device (sweep.test = \"device\", --config DEVICE.cfg or --set device.*)"},
    {XB_RUN_EVAL | XB_RUN_TRANSFER, "sweep.sigma_test", device_mode, "on a device the test "
     "points are the read times t (sweep.t or xbar.t)"},
    {XB_RUN_EVAL | XB_RUN_TRANSFER, "sweep.noise", device_mode, "on a device the noise layers "
     "inject nothing (sweep.noise is the training noise)"},
    {XB_RUN_TRAIN | XB_RUN_EVAL | XB_RUN_SNRREQ | XB_RUN_ATTACK, "energy.", always,
     "it reports no energy (xbar energy and the result files of xbar sweep do)"},
    {XB_RUN_ATTACK, "attack.noise", device_mode, ATTACK_ON_DEVICE},
    {XB_RUN_ATTACK, "attack.sigma", device_mode, ATTACK_ON_DEVICE},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "train.", always, "xbar attack trains nothing"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "data.validation", noise_mode, "the validation split is "
     "used in training, and on a device to choose the calibration inputs; this target is no "
     "chip"},
    {XB_RUN_ATTACK, "sweep.output", always, "the model comes from --model; -o FILE.h5 names "
     "the file of xbar attack"},
    {XB_RUN_ATTACK, "sweep.sigma_test", always, ATTACK_TARGET},
    {XB_RUN_ATTACK, "sweep.noise", always, ATTACK_TARGET},
    {XB_RUN_ATTACK, "sweep.repeats", noise_mode, ATTACK_TARGET "; sweep.repeats counts the "
     "chips of an attack on a device"},
    {XB_RUN_ATTACK, "sweep.votes", always, ATTACK_TARGET},
    {XB_RUN_SWEEP | XB_RUN_TRAIN | XB_RUN_EVAL | XB_RUN_SNRREQ, "attack.", always,
     "attack.* keys are read by xbar attack only"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.eot", attack_deterministic, ATTACK_DETERMINISTIC},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.votes", attack_deterministic, ATTACK_DETERMINISTIC},
    {XB_RUN_ATTACK, "attack.vote", attack_deterministic, ATTACK_DETERMINISTIC},
    {XB_RUN_ATTACK, "attack.sigma", attack_no_noise, "attack.noise = \"none\""},
    {XB_RUN_ATTACK, "attack.noise", attack_no_sigma, "needs attack.sigma > 0"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.mu", attack_no_mim, "attack.attacks has no mim"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.restarts", attack_no_random_start,
     "attack.attacks has no pgd or "
     "random (the kinds with a random start)"},
    {XB_RUN_ATTACK, "attack.step", attack_one_step, "attack.attacks has only fgsm (one step "
     "of eps) and kinds without gradient steps"},
    {XB_RUN_ATTACK, "attack.steps", attack_one_step, "attack.attacks has only fgsm (one step "
     "of eps) and kinds without gradient steps"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.transfer_mu", attack_no_transfer,
     "attack.attacks has no dim or tim"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.dim_p", attack_no_dim, "attack.attacks has no dim"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.dim_min", attack_no_dim, "attack.attacks has no dim"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.tim_kernel", attack_no_tim,
     "attack.attacks has no tim"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.nattack_pop", attack_no_nattack,
     "attack.attacks has no nattack"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.nattack_sigma", attack_no_nattack,
     "attack.attacks has no nattack"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.nattack_lr", attack_no_nattack,
     "attack.attacks has no nattack"},
    {XB_RUN_ATTACK | XB_RUN_TRANSFER, "attack.nattack_iters", attack_no_nattack,
     "attack.attacks has no nattack"},
    {XB_RUN_TRANSFER, "energy.", always, "it reports no energy"},
    {XB_RUN_TRANSFER, "attack.examples", always, "a transfer attack writes its accuracies "
     "only (xbar attack on the source model writes the images)"},
    {XB_RUN_TRANSFER, "model.init", always, "the weights come from --model and --source"},
    {XB_RUN_TRANSFER, "sweep.sigma_train", always, "the models come from --model and --source"},
    {XB_RUN_TRANSFER, "sweep.output", always, "-o FILE.h5 names the file of xbar attack"},
    {XB_RUN_TRANSFER, "sweep.votes", always, "the target's runs are single noisy inferences "
     "(sweep.repeats of them at each sweep.sigma_test)"},
    {XB_RUN_TRAIN, "sweep.sigma_test", always, TRAIN_NO_TEST},
    {XB_RUN_TRAIN, "sweep.repeats", always, TRAIN_NO_TEST},
    {XB_RUN_TRAIN, "sweep.t", always, TRAIN_NO_TEST},
    {XB_RUN_TRAIN, "sweep.test", always, TRAIN_NO_TEST},
    {XB_RUN_TRAIN, "sweep.output", always, "-o MODEL.h5 names the file of xbar train"},
    {XB_RUN_TRAIN, "sweep.sigma_train", given_sigma, "--sigma replaces it"},
    {XB_RUN_TRAIN, "device.", no_hw_aware, "xbar train uses a device with train.hw_aware = true "
     "only"},
    {XB_RUN_TRAIN, "xbar.", no_hw_aware, "xbar train uses a device with train.hw_aware = true "
     "only"},
    {XB_RUN_SWEEP, "device.", no_device_use, "the device is used by sweep.test = \"device\" and "
     "train.hw_aware = true, and this experiment has neither"},
    {XB_RUN_SWEEP, "xbar.", no_device_use, "the device is used by sweep.test = \"device\" and "
     "train.hw_aware = true, and this experiment has neither"},
    {XB_RUN_SWEEP, "sweep.sigma_test", device_mode, "sweep.test = \"device\" reads at each "
     "sweep.t; sigma_test is not used"},
    {XB_RUN_SWEEP, "sweep.t", noise_mode, "read times belong to sweep.test = \"device\""},
    {XB_RUN_SNRREQ, "device.", always, SNRREQ_NO_DEVICE},
    {XB_RUN_SNRREQ, "xbar.", always, SNRREQ_NO_DEVICE},
    {XB_RUN_SNRREQ, "train.", always, "xbar snr-req trains nothing"},
    {XB_RUN_SNRREQ, "data.validation", always, "the validation split is used in training only"},
    {XB_RUN_SNRREQ, "sweep.sigma_train", always, "the models come from --model"},
    {XB_RUN_SNRREQ, "model.init", always, "the weights come from --model"},
    {XB_RUN_SNRREQ, "sweep.sigma_test", always, "xbar snr-req chooses the sigmas it evaluates"},
    {XB_RUN_SNRREQ, "sweep.output", always, "xbar snr-req writes -o FILE.h5"},
    {XB_RUN_SNRREQ, "sweep.t", always, "xbar snr-req varies abstract noise, not read time"},
};

enum xb_status xb_run_check_study(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  const char *name)
{
    if (!e->study.n)
        return XB_OK;
    return xb_error(ctx, XB_EINVAL, "%s:%d: study: xbar %s does not run study axes yet (issue "
                    "10); remove the study group to run the sweep group's grid", e->path,
                    e->study.axis[0].line, name);
}

enum xb_status xb_run_check_given(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  enum xb_run_kind kind, const char *name, int has_sigma,
                                  const struct xb_settings *given)
{
    /* sweep and run step a study's points (sim/study/xb_study_grid.h). */
    enum xb_status st = kind == XB_RUN_SWEEP ? XB_OK : xb_run_check_study(ctx, e, name);
    if (st)
        return st;
    for (size_t i = 0; given && i < given->n; i++) {
        const char *key = given->v[i].key;
        for (size_t r = 0; r < sizeof unused_keys / sizeof unused_keys[0]; r++) {
            const char *k = unused_keys[r].key;
            size_t len = strlen(k);
            int match = k[len - 1] == '.' ? !strncmp(key, k, len) : !strcmp(key, k);
            if (match && (unused_keys[r].kinds & kind) && unused_keys[r].unused(e, has_sigma))
                return xb_error(ctx, XB_EINVAL, "%s: not used by xbar %s: %s",
                                given->v[i].origin, name, unused_keys[r].why);
        }
    }
    /* The device is in use: its keys as xbar mvm holds them. */
    if (given && e->have_device && !(kind & XB_RUN_SNRREQ) &&
        (!(kind & (XB_RUN_EVAL | XB_RUN_ATTACK | XB_RUN_TRANSFER)) || e->test_device))
        return xb_config_check_used(ctx, given, &e->device);
    return XB_OK;
}

int xb_run_sweep(struct xb_ctx *ctx, const struct xb_run_options *o)
{
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_sweep *sw = NULL, *local = NULL;
    struct xb_data_files files = {0};
    int code = 2; /* bad input until the work starts */
    /* Over MPI (xb_mpi.h) rank 0 alone checks, resumes and writes the
     * result file; every rank reads the experiment and the data. */
    const int rank = xb_mpi_rank(), ranks = xb_mpi_size();
    int agreed = ranks == 1;
    double t0 = xb_now();
    if (xb_experiment_read(ctx, o->config, o->sets, o->n_sets, e) != XB_OK ||
        xb_run_check_given(ctx, e, o->train_only ? XB_RUN_TRAIN : XB_RUN_SWEEP, o->name,
                           o->has_sigma, o->given) != XB_OK)
        goto done;
    /* A study axis the runner would ignore is refused before any data are read. */
    struct xb_study_grid grid;
    if (xb_study_grid_make(ctx, e, &grid) != XB_OK)
        goto done;
    if (o->output)
        snprintf(e->output, sizeof e->output, "%s", o->output);
    /* An overnight result is not lost to a rerun (issue 8). */
    char origin[4200];
    if (o->output)
        snprintf(origin, sizeof origin, "-o %s", o->output);
    else
        snprintf(origin, sizeof origin, "%s: sweep.output", e->path);
    if (rank == 0 && !o->resume && !o->force &&
        xb_cli_check_new(ctx, e->output, origin, 1) != XB_OK)
        goto done;
    if (o->train_only) {
        /* One model of the grid (or the sigma asked for) and no test axis:
         * the result file holds its parameters, curves and checkpoint. */
        if (o->has_sigma)
            e->sigma_train[0] = o->sigma;
        e->n_train = 1;
        e->n_test = 0;
        e->n_t = 0;
    }
    /* Every file the run will write is checked before the data are loaded
     * (sim/io/xb_outfile.h): a bad path must not fail after the work. */
    if (rank == 0 &&
        (xb_h5_check_writable(ctx, e->output, o->output ? "--output" : "sweep.output") != XB_OK ||
         (o->report && xb_report_check(ctx, e->output, NULL) != XB_OK)))
        goto done;
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK)
        goto done;
    /* Every file read once, whichever splits came from it. */
    xb_data_files_merge(&files, &train->files);
    xb_data_files_merge(&files, &val->files);
    xb_data_files_merge(&files, &test->files);
    struct xb_sweep_data data = {
        .train = {train->x, train->y, train->n},
        .val = {val->x, val->y, val->n},
        .test = {test->x, test->y, test->n},
        .files = &files,
        .sets = o->sets,
        .n_sets = o->n_sets,
    };
    if (xb_sweep_create(ctx, e, &data, o->command_line, o->resume && rank == 0, &sw) != XB_OK ||
        (ranks > 1 && rank == 0 &&
         xb_sweep_create(ctx, e, &data, o->command_line, 0, &local) != XB_OK))
        goto done;
    agreed = 1;
    if (xb_mpi_agree(ctx, 1, NULL) != XB_OK)
        goto done;
    code = 1;
    if (rank > 0) {
        if (xb_mpi_sweep_work(ctx, sw) == XB_OK)
            code = 0;
        goto done;
    }
    size_t done_units, total;
    xb_sweep_progress(sw, &done_units, &total);
    struct xb_progress bar;
    char label[64];
    snprintf(label, sizeof label, "xbar %s", o->name);
    xb_progress_start(&bar, label, done_units, o->quiet);
    if (ranks > 1 && xb_mpi_sweep_serve(ctx, sw, local, &bar) != XB_OK) {
        xb_progress_end(&bar);
        goto done;
    }
    while (xb_sweep_pending(sw)) {
        if (xb_sweep_step(ctx, sw, 0) != XB_OK || xb_sweep_save(ctx, sw) != XB_OK) {
            xb_progress_end(&bar);
            goto done;
        }
        xb_sweep_progress(sw, &done_units, &total);
        xb_progress_update(&bar, done_units, total);
    }
    if (xb_sweep_save(ctx, sw) != XB_OK)
        goto done;
    xb_progress_end(&bar);
    if (!o->quiet)
        fprintf(stderr, "xbar %s: wrote %s (sweep %.1f s wall time)\n", o->name, e->output,
                xb_now() - t0);
    if (o->report && xb_report(ctx, e->output, NULL, o->quiet, stdout) != XB_OK)
        goto done;
    if (!o->quiet)
        fprintf(stderr, "xbar %s: %.1f s wall time\n", o->name, xb_now() - t0);
    code = 0;
done:
    if (!agreed) {
        int echo;
        xb_mpi_agree(ctx, 0, &echo);
        if (echo)
            code |= XB_RUN_SAID;
    }
    xb_sweep_free(sw);
    xb_sweep_free(local);
    xb_dataset_free(train), xb_dataset_free(val), xb_dataset_free(test);
    xb_data_files_free(&files);
    xb_free(e);
    return code;
}

int xb_run_with_settings(struct xb_cli *cli, struct xb_run_options *ro)
{
    if (ro->resume && ro->force) {
        xb_error(cli->ctx, XB_EINVAL, "--force: contradicts --resume (replace the result file "
                 "or continue it, not both)");
        return xb_cli_fail(cli, XB_EXIT_USAGE);
    }
    /* --set pairs go to the experiment as written ("group.key=value"). */
    size_t n = cli->settings.n;
    char **owned = xb_cli_assignments(cli);
    ro->sets = (const char *const *)owned;
    ro->n_sets = n;
    ro->quiet = cli->quiet;
    ro->given = &cli->settings;
    ro->command_line = cli->command_line;
    int code = xb_run_sweep(cli->ctx, ro);
    xb_cli_assignments_free(cli, owned);
    if (code & XB_RUN_SAID) { /* rank 0 printed this very message */
        xb_cli_free(cli);
        return code & ~XB_RUN_SAID;
    }
    if (code != XB_EXIT_OK)
        return xb_cli_fail(cli, code);
    xb_cli_free(cli);
    return XB_EXIT_OK;
}
