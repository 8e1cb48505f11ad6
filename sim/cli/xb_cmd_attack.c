/*
 * xb_cmd_attack.c — `xbar attack CONFIG --model MODEL.h5`: a trained model
 * (xbar train, or point N of a sweep file) attacked on the first
 * attack.images test images with every kind of attack.attacks at every
 * attack.eps (models/attack/xb_attack.h), the target noiseless or with the
 * noise and votes of the attack group (EOT over attack.eot draws). Prints
 * the settings as `key: value` lines, then accuracy in % per eps × attack
 * in the layout of paper 000's Tables 2-3 (Ori., FGSM, BIM, PGD, MIM,
 * NAttack, DIM, TIM); -o writes it as HDF5 (sim/io/xb_layout.h). On a
 * device the target is the model programmed on sweep.repeats chips (as
 * xbar eval's), each attacked; the mean and 95 % interval over them. --check:
 * the obfuscated-gradient checklist instead (sim/cli/xb_attack_check.h).
 */
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_attack_check.h"
#include "xb_ci.h"
#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_cmd_transfer.h"
#include "xb_config.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_progress.h"
#include "xb_spike.h"
#include "xb_sweep_run.h"

enum { OPT_MODEL, OPT_POINT, OPT_OUTPUT, OPT_FORCE, OPT_CHECK, OPT_SOURCE, OPT_SOURCE_CONFIG };

static const struct xb_cli_opt attack_opts[] = {
    [OPT_MODEL] = {"model", 0, "MODEL.h5", NULL, "required",
                   "a file written by xbar train or xbar sweep"},
    [OPT_POINT] = {"point", 0, "N", NULL, "0", "which model of the file (sigma_train index)"},
    [OPT_OUTPUT] = {"output", 'o', "FILE.h5", NULL, "none",
                    "write the accuracies and the settings (HDF5)"},
    [OPT_FORCE] = {"force", 0, NULL, NULL, "false", "-o may replace an existing FILE.h5"},
    [OPT_CHECK] = {"check", 0, NULL, NULL, "false",
                   "the obfuscated-gradient checklist at the largest attack.eps instead; exit "
                   "0 if all pass, 3 if one fails"},
    [OPT_SOURCE] = {"source", 0, "SOURCE.h5", NULL, "none",
                    "transfer (black-box): make the adversarial images on this model (point "
                    "0) and evaluate them on --model at each sweep.sigma_test, or on a device "
                    "on its chips at each read time"},
    [OPT_SOURCE_CONFIG] = {"source-config", 0, "SRC.cfg", NULL, "CONFIG",
                           "the experiment file of the --source model (its model group)"},
    {"native", 0, NULL, "sweep.portable=false", "false", "products by OpenBLAS, not xbar's fixed-order GEMM: fast, but the last bits depend on the machine"},
};

static const struct xb_cli_spec attack_spec = {
    .name = "attack",
    .args = "CONFIG",
    .summary = "Attacks a trained model on the experiment's test images with FGSM, BIM, PGD,\n"
               "MIM, NAttack, DIM and TIM at every eps; prints accuracy per attack and eps.",
    .details = "The experiment file gives the model, the data and the attack group:\n"
               "  attack = { attacks = \"fgsm, bim, pgd, mim, nattack, dim, tim\"; eps = [0.1];\n"
               "             step = 0.01; steps = 15; restarts = 1; mu = 1.0; eot = 1;\n"
               "             noise = \"none\"; sigma = 0.0; votes = 1; transfer_mu = 0.9;\n"
               "             dim_p = 0.5; dim_min = 25; tim_kernel = 7; nattack_pop = 100;\n"
               "             nattack_iters = 50; nattack_sigma = 0.1; nattack_lr = 0.02;\n"
               "             images = 1000; };\n"
               "  attack = { attacks = \"fgsm, bim, pgd, mim\"; eps = [0.1, 0.3]; step = 0.01;\n"
               "             steps = 15; restarts = 1; mu = 1.0; eot = 1; noise = \"none\";\n"
               "             sigma = 0.0; votes = 1; vote = \"majority\"; images = 1000; };\n"
               "(--set attack.KEY=VALUE overrides them; every key and its default is listed\n"
               "above; attack.examples = true makes -o also hold the adversarial images and\n"
               "their labels). L-infinity, pixels in [0, 1]. A noisy target (attack.noise,\n"
               "sigma) is attacked with EOT over attack.eot draws per gradient, a voting one\n"
               "(attack.votes > 1) through the averaged softmax of its votes, which\n"
               "attack.vote = \"softmax\" also scores it by (M-sample averaging); the accuracy\n"
               "is scored with the target's noise and votes at draws the attack never saw.\n"
               "A spiking target's gradients are its lif layers' surrogates: with\n"
               "attack.surrogates = \"rectangular, triangle, fast-sigmoid, arctan\" every\n"
               "attack runs once per surrogate, the lowest accuracy is reported and each\n"
               "surrogate's is printed in a second table (and written by -o).\n"
               "On a device — sweep.test = \"device\", or a device given here with --config\n"
               "FILE (configs/devices/*.cfg) or --set device.* / xbar.* — the target is the\n"
               "model programmed on sweep.repeats chip instances, each calibrated on the\n"
               "training split and read at one time (sweep.t = [T], or xbar.t) as xbar eval's\n"
               "chips: its programming noise fixed per chip, read noise per read (EOT over\n"
               "attack.eot reads, attack.votes reads voting). Every attack runs on every\n"
               "chip; the table is the mean over the chips, then their 95 % intervals; -o\n"
               "also writes each chip's. attack.noise and attack.sigma are then an error.\n"
               "Keys the attack does not use (train.*, model.init, sweep.sigma_train,\n"
               "sigma_test, noise, votes, output; data.validation, repeats and t without a\n"
               "device) and attack keys that change nothing (eot or votes on a noiseless\n"
               "target, sigma without noise, mu without mim, restarts without pgd or\n"
               "random, step and steps without an iterative kind, transfer_mu without dim or\n"
               "tim, dim_*, tim_kernel and nattack_* without their kind, surrogates without\n"
               "lif layers) are an error (exit 2).\n"
               "--check runs the obfuscated-gradient checklist (paper 002 Table 4) at the\n"
               "largest attack.eps instead: one-step weaker than iterative, black-box\n"
               "(NAttack) weaker than white-box, PGD at eps 1 reaching <= 1 %, accuracy\n"
               "non-increasing in eps, random sampling (20 points) no stronger than PGD; one\n"
               "line per test with pass or FAIL and its numbers; exit 0 if all pass, 3 if\n"
               "one fails (on a device: on chip instance 0). attack.attacks is not run then.\n"
               "Examples:\n"
               "  xbar attack configs/attacks/paper000_mlp.cfg --model results/mlp.h5\n"
               "  xbar attack configs/attacks/paper001_mlp.cfg --model results/mlp.h5 \\\n"
               "      --set attack.noise=mult --set attack.sigma=0.5 --set attack.eot=8\n"
               "  xbar attack configs/attacks/paper000_mlp_mnist.cfg --model results/mlp.h5 \\\n"
               "      --config configs/devices/pcm_1h.cfg --set attack.eot=8\n"
               "  xbar attack configs/attacks/paper000_mlp_mnist.cfg --model results/mlp.h5 "
               "--check\n",
    .opts = attack_opts,
    .n_opts = sizeof attack_opts / sizeof attack_opts[0],
    .config_keys = XB_CLI_EXPERIMENT_KEYS,
};

struct attack_run {
    const char *model, *output, *output_origin;
    long point;
    int force, check;
};

/* What xbar attack measured: per chip r (R = 1 without a device) the
 * clean accuracy, and the accuracy per kind × eps (and surrogate run). */
struct attack_result {
    size_t K, J, S, R;   /* kinds, eps, surrogate runs, chips */
    double *clean;       /* [R] */
    double *acc;         /* [R × K × J] */
    double *per;         /* [R × K × J × S] */
    double *mean;        /* [K × J], then clean at [K × J]: the means over the chips */
    double *per_mean;    /* [K × J × S] */
    float *examples;     /* [K × J × n × F] chip 0's images (attack.examples), or NULL */
    size_t n, F;         /* images and their features */
};

static void result_alloc(struct attack_result *r, size_t K, size_t J, size_t S, size_t R)
{
    *r = (struct attack_result){.K = K, .J = J, .S = S, .R = R};
    r->clean = xb_malloc(R, sizeof *r->clean);
    r->acc = xb_malloc(R * K * J, sizeof *r->acc);
    r->per = xb_malloc(R * K * J * S, sizeof *r->per);
    r->mean = xb_malloc(K * J + 1, sizeof *r->mean);
    r->per_mean = xb_malloc(K * J * S, sizeof *r->per_mean);
}

static void result_free(struct attack_result *r)
{
    xb_free(r->clean), xb_free(r->acc), xb_free(r->per), xb_free(r->mean);
    xb_free(r->per_mean), xb_free(r->examples);
}

/* The means over the chips, summed in chip order (the same bits for any
 * thread count; one chip's mean is its value). */
static void result_means(struct attack_result *r)
{
    const size_t KJ = r->K * r->J, KJS = KJ * r->S;
    for (size_t i = 0; i <= KJ; i++) {
        double s = 0.0;
        for (size_t c = 0; c < r->R; c++)
            s += i < KJ ? r->acc[c * KJ + i] : r->clean[c];
        r->mean[i] = s / (double)r->R;
    }
    for (size_t i = 0; i < KJS; i++) {
        double s = 0.0;
        for (size_t c = 0; c < r->R; c++)
            s += r->per[c * KJS + i];
        r->per_mean[i] = s / (double)r->R;
    }
}

static enum xb_status write_result(struct xb_ctx *ctx, struct xb_cli *cli,
                                   const struct attack_run *o, const struct xb_experiment *e,
                                   const struct xb_dataset *test, const char *kinds,
                                   const struct attack_result *r, const char *surrogates)
{
    struct xb_h5_file *f;
    enum xb_status st = xb_run_result_open(ctx, cli, o->output, e, &test->files, XB_DS_ATTACK,
                                           o->model, o->point, &f);
    if (st)
        return st;
    const size_t ne[1] = {r->J}, one[1] = {1}, nd[2] = {r->K, r->J};
    const size_t ns[3] = {r->K, r->J, r->S}, nr[1] = {r->R}, nc[3] = {r->R, r->K, r->J};
    st = xb_layout_write_text(ctx, f, XB_DS_ATTACK_KINDS, kinds);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_EPS, 0, e->attack_eps, ne, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_CLEAN, 0, &r->mean[r->K * r->J], one, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_ACCURACY, 0, r->mean, nd, 0);
    if (!st && surrogates[0])
        st = xb_layout_write_text(ctx, f, XB_DS_ATTACK_SURROGATES, surrogates);
    if (!st && surrogates[0])
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_ACCURACY_SURROGATE, 0, r->per_mean, ns, 0);
    if (!st && e->test_device)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_CHIP_CLEAN, 0, r->clean, nr, 0);
    if (!st && e->test_device)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_CHIP_ACCURACY, 0, r->acc, nc, 0);
    if (!st && e->test_device)
        st = xb_layout_write_attr(ctx, f, XB_DS_ATTACK, 0, "device",
                                  e->device.xbar.device.type->name);
    const size_t nx[4] = {r->K, r->J, r->n, r->F}, ny[1] = {r->n};
    if (!st && r->examples)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_EXAMPLES, 0, r->examples, nx, 0);
    if (!st && r->examples)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_LABELS, 0, test->y, ny, 0);
    return xb_run_result_close(ctx, f, st);
}

/* Every kind at every eps on the target as it stands (p: noiseless, with
 * abstract noise, or chip p->instance of a programmed net), scored by
 * xb_attack_score: chip c's clean accuracy and its rows of r. */
static enum xb_status attack_target(struct xb_ctx *ctx, const struct xb_cli *cli,
                                    struct xb_net *net, const struct xb_experiment *e,
                                    const struct xb_attack_type *const *types,
                                    struct xb_attack_params *p, const int *sur,
                                    const struct xb_dataset *test, size_t n, float *adv,
                                    struct attack_result *r, size_t c)
{
    const size_t KJ = r->K * r->J;
    enum xb_status st = xb_attack_score(ctx, net, p, test->x, test->y, n, &r->clean[c]);
    for (size_t k = 0; k < r->K && !st; k++)
        for (size_t j = 0; j < r->J && !st; j++) {
            const double t0 = xb_now();
            p->eps = e->attack_eps[j];
            double *a = &r->acc[c * KJ + k * r->J + j];
            float *keep = r->examples && c == 0
                              ? r->examples + (k * r->J + j) * n * r->F : NULL;
            st = xb_attack_lowest(ctx, net, types[k], p, sur, r->S, test->x, test->y, n, adv,
                                  &r->per[(c * KJ + k * r->J + j) * r->S], a, keep);
            if (!st && !cli->quiet) {
                if (e->test_device)
                    fprintf(stderr, "xbar attack: chip %zu: ", c);
                else
                    fprintf(stderr, "xbar attack: ");
                fprintf(stderr, "%s at eps %g: %.2f %% (%.1f s)\n", types[k]->label, p->eps,
                        100.0 * *a, xb_now() - t0);
            }
        }
    return st;
}

/* The device mode's checks: one read time, and no abstract noise (the
 * noise layers inject nothing on a chip). */
static enum xb_status check_device(struct xb_ctx *ctx, const char *config,
                                   const struct xb_experiment *e)
{
    if (e->n_t != 1)
        return xb_error(ctx, XB_EINVAL, "%s: sweep.t has %zu read times: xbar attack reads "
                        "each chip at one time (sweep.t = [T] or xbar.t)", config, e->n_t);
    if (e->attack.noise != XB_NOISE_NONE || e->attack.sigma != 0.0)
        return xb_error(ctx, XB_EINVAL, "%s: attack.noise = \"%s\", attack.sigma = %g: on a "
                        "device the target's noise is the chip's (its programming noise per "
                        "chip, read noise per read); set neither", config,
                        xb_noise_kind_name(e->attack.noise), e->attack.sigma);
    return XB_OK;
}

/* One table in paper 000's layout: eps, Ori., a column per kind. */
static void print_table(const struct xb_experiment *e, const char *labels, double clean,
                        const double *acc, size_t K)
{
    printf("%-8s %8s%s\n", "eps", "Ori.", labels);
    for (size_t j = 0; j < e->n_attack_eps; j++) {
        printf("%-8g %8.2f", e->attack_eps[j], 100.0 * clean);
        for (size_t k = 0; k < K; k++)
            printf(" %8.2f", 100.0 * acc[k * e->n_attack_eps + j]);
        printf("\n");
    }
}

/* The 95 % Student-t half-widths over the chips, in print_table's layout. */
static void print_chip_ci(const struct xb_experiment *e, const char *labels,
                          const struct attack_result *r)
{
    const size_t KJ = r->K * r->J;
    double *half = xb_malloc(KJ + 1, sizeof *half);
    struct xb_ci ci;
    for (size_t i = 0; i <= KJ; i++) {
        if (i < KJ)
            xb_ci_mean(r->acc + i, r->R, KJ, 0.95, &ci);
        else
            xb_ci_mean(r->clean, r->R, 1, 0.95, &ci);
        half[i] = ci.half;
    }
    printf("\n95 %% interval half-width over %zu chips (%%)\n", r->R);
    print_table(e, labels, half[KJ], half, r->K);
    xb_free(half);
}

static void print_result(const struct attack_run *o, const struct xb_experiment *e,
                         const struct xb_net *net, const struct xb_attack_params *p, size_t n,
                         const char *kinds, const char *labels, const char *surrogates,
                         const int *sur, const struct attack_result *r)
{
    printf("model: %s\npoint: %ld\ndataset: %s\ntest_images: %zu\nattacks: %s\nstep: %.17g\n"
           "steps: %d\nrestarts: %d\nmu: %.17g\neot: %d\nnoise: %s\nsigma: %.17g\nvotes: %d\n"
           "%sgemm: %s\n", o->model, o->point, e->dataset, n, kinds, p->step, p->steps,
           p->restarts, p->mu, xb_attack_draws(net, p), xb_noise_kind_name(p->noise), p->sigma,
           p->votes, p->vote == XB_VOTE_SOFTMAX ? "vote: softmax\n" : "",
           xb_gemm_impl_name(e->model.gemm));
    if (e->test_device)
        printf("device: %s\nt: %.17g\nchips: %zu\n", e->device.xbar.device.type->name,
               e->t_test[0], r->R);
    if (surrogates[0])
        printf("surrogates: %s (accuracy: the lowest)\n", surrogates);
    printf("\n");
    printf("accuracy (%%)%s\n", e->test_device ? ", the mean over the chips" : "");
    print_table(e, labels, r->mean[r->K * r->J], r->mean, r->K);
    if (e->test_device && r->R > 1)
        print_chip_ci(e, labels, r);
    if (surrogates[0]) {
        printf("\naccuracy by surrogate (%%)\n%-8s %-14s%s\n", "eps", "surrogate", labels);
        for (size_t j = 0; j < r->J; j++)
            for (size_t i = 0; i < r->S; i++) {
                printf("%-8g %-14s", e->attack_eps[j], xb_surrogate_names[sur[i]]);
                for (size_t k = 0; k < r->K; k++)
                    printf(" %8.2f", 100.0 * r->per_mean[(k * r->J + j) * r->S + i]);
                printf("\n");
            }
    }
}

static int run_attack(struct xb_cli *cli, const char *config, const struct attack_run *o)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_net *net = NULL;
    struct attack_result r = {0};
    float *adv = NULL;
    int code = XB_EXIT_USAGE;
    char **sets = xb_cli_assignments(cli);
    const struct xb_attack_type *types[XB_EXP_MAX_ATTACKS];
    size_t n_kinds = 0;
    if (xb_experiment_read(ctx, config, (const char *const *)sets, cli->settings.n, e) != XB_OK ||
        xb_run_choose_device(ctx, &cli->settings, e, "attack", "attacks chips") != XB_OK)
        goto done;
    e->attack.on_device = e->test_device; /* a chip is a random target (EOT applies) */
    /* The checklist runs its own kinds (and validates them): none of their
     * keys is unused, and attack.attacks is not run. */
    char names[sizeof e->attack_names];
    snprintf(names, sizeof names, "%s", e->attack_names);
    if (o->check)
        snprintf(e->attack_names, sizeof e->attack_names, "%s", XB_ATTACK_CHECK_KINDS);
    if (xb_run_check_given(ctx, e, XB_RUN_ATTACK, "attack", 0, &cli->settings) != XB_OK)
        goto done;
    snprintf(e->attack_names, sizeof e->attack_names, "%s", names);
    e->have_attack = 1; /* the defaults are the settings then; /config shows them */
    if (e->test_device && check_device(ctx, config, e) != XB_OK)
        goto done;
    if (e->attack_examples && !o->output) {
        xb_error(ctx, XB_EINVAL, "%s: attack.examples = true: the images go to -o FILE.h5, "
                 "and none is given%s", config, o->check ? " (--check writes no file)" : "");
        goto done;
    }
    if (xb_experiment_attack_types(ctx, e, types, XB_EXP_MAX_ATTACKS, &n_kinds) != XB_OK)
        goto done;
    int sur[XB_EXP_MAX_SURROGATES] = {-1}; /* none named: each lif layer's own */
    size_t n_sur = 0;
    if (xb_experiment_attack_surrogates(ctx, e, sur, XB_EXP_MAX_SURROGATES, &n_sur) != XB_OK)
        goto done;
    const size_t n_runs = n_sur ? n_sur : 1;
    if (o->output && (xb_h5_check_writable(ctx, o->output, o->output_origin) != XB_OK ||
                      (!o->force && xb_cli_check_new(ctx, o->output, o->output_origin, 0))))
        goto done;
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK ||
        xb_net_create(ctx, &e->model, e->eval_rows, &net) != XB_OK)
        goto done;
    if (xb_run_load_model(ctx, o->model, o->point, &e->model, net) != XB_OK)
        goto done;
    /* Every kind at every eps checked before the work. */
    struct xb_attack_params p = e->attack;
    p.surrogate = sur[0];
    for (size_t k = 0; k < n_kinds && !o->check; k++)
        for (size_t j = 0; j < e->n_attack_eps; j++) {
            p.eps = e->attack_eps[j];
            if (xb_attack_params_validate(ctx, net, types[k], &p) != XB_OK) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
                xb_error(ctx, XB_ERANGE, "%s: %s", config, msg);
                goto done;
            }
        }
    code = XB_EXIT_FAIL;
    const size_t n = e->attack_images && e->attack_images < test->n ? e->attack_images
                                                                      : test->n;
    struct xb_xbar_params xp;
    if (e->test_device)
        xb_config_xbar_params(&e->device, &xp);
    if (o->check) {
        double eps = 0.0;
        for (size_t j = 0; j < e->n_attack_eps; j++)
            eps = e->attack_eps[j] > eps ? e->attack_eps[j] : eps;
        /* On a device: chip instance 0. */
        if (e->test_device && xb_chip_prepare(ctx, net, &xp, 0, e->t_test[0], train->x,
                                              train->n) != XB_OK)
            goto done;
        code = xb_attack_check_print(ctx, net, &p, sur, n_sur, eps, test->x, test->y, n);
        goto done;
    }
    const size_t F = test->dim, R = e->test_device ? (size_t)e->repeats : 1;
    adv = xb_aligned(n * F, sizeof(float));
    result_alloc(&r, n_kinds, e->n_attack_eps, n_runs, R);
    r.n = n, r.F = F;
    if (e->attack_examples)
        r.examples = xb_malloc(n_kinds * e->n_attack_eps * n * F, sizeof(float));
    char kinds[256] = "", labels[256] = "";
    for (size_t k = 0; k < n_kinds; k++) {
        snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", k ? "," : "",
                 types[k]->name);
        snprintf(labels + strlen(labels), sizeof labels - strlen(labels), " %8s",
                 types[k]->label);
    }
    for (size_t c = 0; c < R; c++) {
        /* Chip c: programmed (its programming noise), calibrated on the
         * training split and aged as xbar eval's chips; read noise per read. */
        if (e->test_device && xb_chip_prepare(ctx, net, &xp, (uint32_t)c, e->t_test[0],
                                              train->x, train->n) != XB_OK)
            goto done;
        p.instance = (uint32_t)c;
        if (attack_target(ctx, cli, net, e, types, &p, sur, test, n, adv, &r, c) != XB_OK)
            goto done;
    }
    xb_net_unprogram(net);
    result_means(&r);
    char surrogates[128] = "";
    for (size_t i = 0; i < n_sur; i++)
        snprintf(surrogates + strlen(surrogates), sizeof surrogates - strlen(surrogates),
                 "%s%s", i ? "," : "", xb_surrogate_names[sur[i]]);
    print_result(o, e, net, &p, n, kinds, labels, surrogates, sur, &r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(ctx, XB_EIO, "cannot write the results to stdout");
        goto done;
    }
    if (o->output) {
        if (write_result(ctx, cli, o, e, test, kinds, &r, surrogates) != XB_OK)
            goto done;
        if (!cli->quiet)
            fprintf(stderr, "xbar attack: wrote %s\n", o->output);
    }
    code = XB_EXIT_OK;
done:
    xb_cli_assignments_free(cli, sets);
    result_free(&r);
    xb_free(adv);
    xb_net_free(net);
    xb_dataset_free(train), xb_dataset_free(val), xb_dataset_free(test);
    xb_free(e);
    return code;
}

int xb_cmd_attack(int argc, char **argv)
{
    struct xb_cli cli;
    struct attack_run o = {0};
    struct xb_transfer_run transfer = {0};
    char origin[sizeof cli.origin] = "", force[sizeof cli.origin] = "";
    xb_cli_init(&cli, &attack_spec, argc, argv);
    for (int i; (i = xb_cli_next(&cli)) >= 0;) {
        if (i == OPT_MODEL) {
            o.model = cli.arg;
        } else if (i == OPT_POINT) {
            if (xb_config_parse_long(cli.ctx, cli.origin, cli.arg, 0, 63, &o.point) != XB_OK)
                xb_cli_stop(&cli);
        } else if (i == OPT_OUTPUT) {
            o.output = cli.arg;
            snprintf(origin, sizeof origin, "%s", cli.origin);
        } else if (i == OPT_CHECK) {
            o.check = 1;
        } else if (i == OPT_FORCE) {
            o.force = 1;
            snprintf(force, sizeof force, "%s", cli.origin);
        } else if (i == OPT_SOURCE) {
            transfer.source = cli.arg;
        } else if (i == OPT_SOURCE_CONFIG) {
            transfer.source_config = cli.arg;
        }
    }
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (cli.optind != argc - 1 || !o.model) {
        xb_error(cli.ctx, XB_EINVAL, "expected an experiment file and --model MODEL.h5; see "
                 "'xbar attack --help'");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if (transfer.source_config && !transfer.source) {
        xb_error(cli.ctx, XB_EINVAL, "--source-config: not used without --source SOURCE.h5");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if (o.force && !o.output) {
        xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar attack with no -o FILE.h5 to "
                 "replace", force);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    if (o.check && o.output) {
        xb_error(cli.ctx, XB_EINVAL, "%s: the checklist (--check) writes no file", origin);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    o.output_origin = origin;
    if (o.check && transfer.source) {
        xb_error(cli.ctx, XB_EINVAL, "--check: not used with --source: the checklist attacks "
                 "the --model itself");
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    transfer.config = argv[cli.optind], transfer.model = o.model, transfer.point = o.point;
    transfer.output = o.output, transfer.output_origin = origin, transfer.force = o.force;
    int code = transfer.source ? xb_transfer_run(&cli, &transfer)
                               : run_attack(&cli, argv[cli.optind], &o);
    if (code == XB_EXIT_CHECK_FAILED) {
        xb_cli_free(&cli);
        return code;
    }
    if (code != XB_EXIT_OK)
        return xb_cli_fail(&cli, code);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
