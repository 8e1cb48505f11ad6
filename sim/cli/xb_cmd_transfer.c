/*
 * xb_cmd_transfer.c — black-box transfer attacks (xb_cmd_transfer.h): the
 * adversarial images are made on a source model with the attack group's
 * kinds and eps (models/attack/xb_attack.h; attack.noise, sigma, eot and
 * votes describe the source as the attacker sees it) and evaluated on the
 * target model, noiselessly and with the inference noise of sweep.noise at
 * every sweep.sigma_test, sweep.repeats single noisy inferences each: the
 * mean and its 95 % Student-t interval (sim/report/xb_ci.h). Paper 001 §4
 * Table 11's measurement. On a device (xb_run_choose_device: sweep.test =
 * "device", --config DEVICE.cfg, --set device.*) the noisy target is the
 * model programmed on sweep.repeats chip instances instead, each
 * calibrated on the training split, aged to every read time sweep.t and
 * read once, as xbar eval's chips (models/eval/xb_eval.h): whether images
 * made on a software model fool the chip. The source and the target must
 * take the same images (input shape) and classes; their data set is
 * CONFIG's.
 */
#include "xb_cmd_transfer.h"

#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_data.h"
#include "xb_eval.h"
#include "xb_experiment.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_progress.h"
#include "xb_sweep_run.h"

/* The source's net must read the target's images and name its classes. */
static enum xb_status check_match(struct xb_ctx *ctx, const struct xb_transfer_run *o,
                                  const struct xb_experiment *e,
                                  const struct xb_experiment *es)
{
    const struct xb_net_config *t = &e->model, *s = &es->model;
    const char *src = o->source_config ? o->source_config : o->config;
    if (strcmp(e->dataset, es->dataset))
        return xb_error(ctx, XB_EINVAL, "%s: data.set = \"%s\", but the target's (%s) is "
                        "\"%s\": a transfer attack reads one data set", src, es->dataset,
                        o->config, e->dataset);
    if (t->input.c != s->input.c || t->input.h != s->input.h || t->input.w != s->input.w ||
        t->classes != s->classes)
        return xb_error(ctx, XB_EINVAL, "%s: model.input [%d, %d, %d] with %d classes, but the "
                        "target's (%s) is [%d, %d, %d] with %d: the source must take the "
                        "target's images", src, s->input.c, s->input.h, s->input.w, s->classes,
                        o->config, t->input.c, t->input.h, t->input.w, t->classes);
    return XB_OK;
}

struct result {
    size_t K, J, S, R;   /* kinds, eps, sigma_test (read times), repeats (chips) */
    double clean;        /* the target's, noiseless */
    double *source;      /* [K × J] the source's own (white-box) accuracy */
    double *target;      /* [K × J] the target's, noiseless */
    double *noisy;       /* [K × J × S × R] */
};

static enum xb_status write_result(struct xb_ctx *ctx, struct xb_cli *cli,
                                   const struct xb_transfer_run *o,
                                   const struct xb_experiment *e,
                                   const struct xb_dataset *test, const char *kinds,
                                   const struct result *r)
{
    struct xb_h5_file *f;
    enum xb_status st = xb_run_result_open(ctx, cli, o->output, e, &test->files, XB_DS_ATTACK,
                                           o->model, o->point, &f);
    if (st)
        return st;
    const size_t nj[1] = {r->J}, one[1] = {1}, kj[2] = {r->K, r->J}, ns[1] = {r->S},
                 all[4] = {r->K, r->J, r->S, r->R};
    st = xb_layout_write_text(ctx, f, XB_DS_ATTACK_KINDS, kinds);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_EPS, 0, e->attack_eps, nj, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_CLEAN, 0, &r->clean, one, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_ACCURACY, 0, r->target, kj, 0);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_SOURCE_ACCURACY, 0, r->source, kj, 0);
    if (!st)
        st = xb_layout_write(ctx, f, e->test_device ? XB_DS_ATTACK_T_TEST
                                                    : XB_DS_ATTACK_SIGMA_TEST, 0,
                             e->test_device ? e->t_test : e->sigma_test, ns, 0);
    if (!st && e->test_device)
        st = xb_layout_write_attr(ctx, f, XB_DS_ATTACK, 0, "device",
                                  e->device.xbar.device.type->name);
    if (!st)
        st = xb_layout_write(ctx, f, XB_DS_ATTACK_NOISY, 0, r->noisy, all, 0);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_ATTACK, 0, "source", o->source);
    if (!st)
        st = xb_layout_write_attr(ctx, f, XB_DS_ATTACK, 0, "source_config",
                                  o->source_config ? o->source_config : o->config);
    return xb_run_result_close(ctx, f, st);
}

/* One noiseless inference of net on X[n]. */
static enum xb_status noiseless(struct xb_ctx *ctx, struct xb_net *net, const float *X,
                                const uint8_t *y, size_t n, double *acc)
{
    struct xb_eval_params ep = {.repeats = 1, .votes = 1, .noise = XB_NOISE_NONE};
    double vote;
    return xb_eval_run(ctx, net, &ep, X, y, n, acc, &vote);
}

/* The source's own score of its images: as xbar attack scores a target,
 * the majority of attack.votes inferences under attack.noise. */
static enum xb_status source_score(struct xb_ctx *ctx, struct xb_net *net,
                                   const struct xb_attack_params *p, const float *X,
                                   const uint8_t *y, size_t n, double *vote, double *acc)
{
    struct xb_eval_params ep = {.repeats = 1, .votes = p->votes, .noise = p->noise,
                                .sigma = p->sigma};
    double single;
    enum xb_status st = xb_eval_run(ctx, net, &ep, X, y, n, &single, vote);
    *acc = vote[p->votes - 1];
    return st;
}

/* The noisy target's accuracy on X, rep[R]: R single inferences with the
 * inference noise of sweep.noise at sigma_test[s], or on a device the first
 * read of each of R chips aged to t_test[s]. */
static enum xb_status target_noisy(struct xb_ctx *ctx, struct xb_net *net,
                                   const struct xb_experiment *e,
                                   const struct xb_xbar_params *xp, size_t s,
                                   const struct xb_dataset *train, const float *X,
                                   const uint8_t *y, size_t n, double *rep)
{
    double v1;
    if (e->test_device) {
        struct xb_chip_eval_params cp = {.xbar = xp, .t = e->t_test[s], .instances = e->repeats,
                                         .votes = 1, .cal_X = train->x, .cal_n = train->n};
        return xb_eval_chips(ctx, net, &cp, X, y, n, rep, &v1);
    }
    struct xb_eval_params ep = {.repeats = e->repeats, .votes = 1, .noise = e->noise,
                                .sigma = e->sigma_test[s]};
    return xb_eval_run(ctx, net, &ep, X, y, n, rep, &v1);
}

static void print_result(const struct xb_transfer_run *o, const struct xb_experiment *e,
                         const struct xb_attack_params *p, size_t n, const char *kinds,
                         const struct xb_attack_type *const *types, const struct result *r)
{
    const int dev = e->test_device;
    printf("model: %s\npoint: %ld\nsource: %s\nsource_config: %s\ndataset: %s\n"
           "test_images: %zu\nattacks: %s\nstep: %.17g\nsteps: %d\nrestarts: %d\nmu: %.17g\n"
           "source_noise: %s\nsource_sigma: %.17g\n",
           o->model, o->point, o->source, o->source_config ? o->source_config : o->config,
           e->dataset, n, kinds, p->step, p->steps, p->restarts, p->mu,
           xb_noise_kind_name(p->noise), p->sigma);
    if (dev)
        printf("device: %s\nchips: %zu\n", e->device.xbar.device.type->name, r->R);
    else
        printf("noise: %s\nrepeats: %zu\n", xb_noise_kind_name(e->noise), r->R);
    printf("gemm: %s\n\n", xb_gemm_impl_name(e->model.gemm));
    printf("target accuracy on clean images: %.2f %%\n\n", 100.0 * r->clean);
    printf("accuracy (%%) on the source's adversarial images: the source's own, the target's "
           "noiseless, then the target's %s (mean of %zu %s +- 95 %% CI)\n",
           dev ? "on the chips at each read time t" : "at each sigma_test", r->R,
           dev ? "chips" : "runs");
    printf("%-8s %-8s %8s %10s %12s %10s %10s\n", "eps", "attack", "source", "noiseless",
           dev ? "t_s" : "sigma_test", "target", "ci95");
    for (size_t k = 0; k < r->K; k++)
        for (size_t j = 0; j < r->J; j++)
            for (size_t s = 0; s < r->S; s++) {
                struct xb_ci ci;
                xb_ci_mean(r->noisy + ((k * r->J + j) * r->S + s) * r->R, r->R, 1, 0.95, &ci);
                printf("%-8g %-8s %8.2f %10.2f %12g %10.2f %10.2f\n", e->attack_eps[j],
                       types[k]->label, 100.0 * r->source[k * r->J + j],
                       100.0 * r->target[k * r->J + j],
                       dev ? e->t_test[s] : e->sigma_test[s], 100.0 * ci.mean,
                       r->R > 1 ? 100.0 * ci.half : 0.0);
            }
}

int xb_transfer_run(struct xb_cli *cli, const struct xb_transfer_run *o)
{
    struct xb_ctx *ctx = cli->ctx;
    struct xb_experiment *e = xb_malloc(1, sizeof *e), *es = xb_malloc(1, sizeof *es);
    struct xb_dataset *train = NULL, *val = NULL, *test = NULL;
    struct xb_net *src = NULL, *tgt = NULL;
    struct result r = {0};
    double *vote = NULL, *rep = NULL;
    float *adv = NULL;
    int code = XB_EXIT_USAGE;
    char **sets = xb_cli_assignments(cli);
    const struct xb_attack_type *types[XB_EXP_MAX_ATTACKS];
    size_t n_kinds = 0;
    if (xb_experiment_read(ctx, o->config, (const char *const *)sets, cli->settings.n, e) ||
        xb_run_choose_device(ctx, &cli->settings, e, "attack --source", "reads the target "
                             "on chips") ||
        xb_run_check_given(ctx, e, XB_RUN_TRANSFER, "attack --source", 0, &cli->settings) ||
        xb_experiment_read(ctx, o->source_config ? o->source_config : o->config, NULL, 0, es) ||
        check_match(ctx, o, e, es))
        goto done;
    e->have_attack = 1;
    if (xb_experiment_attack_types(ctx, e, types, XB_EXP_MAX_ATTACKS, &n_kinds) != XB_OK)
        goto done;
    if (o->output && (xb_h5_check_writable(ctx, o->output, o->output_origin) != XB_OK ||
                      (!o->force && xb_cli_check_new(ctx, o->output, o->output_origin, 0))))
        goto done;
    if (xb_run_load_data(ctx, e, &train, &val, &test) != XB_OK ||
        xb_net_create(ctx, &es->model, e->eval_rows, &src) != XB_OK ||
        xb_net_create(ctx, &e->model, e->eval_rows, &tgt) != XB_OK ||
        xb_run_load_model(ctx, o->source, 0, &es->model, src) != XB_OK ||
        xb_run_load_model(ctx, o->model, o->point, &e->model, tgt) != XB_OK)
        goto done;
    struct xb_attack_params p = e->attack;
    for (size_t k = 0; k < n_kinds; k++)
        for (size_t j = 0; j < e->n_attack_eps; j++) {
            p.eps = e->attack_eps[j];
            if (xb_attack_params_validate(ctx, src, types[k], &p) != XB_OK) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s", xb_ctx_error(ctx));
                xb_error(ctx, XB_ERANGE, "%s: %s", o->config, msg);
                goto done;
            }
        }
    code = XB_EXIT_FAIL;
    const size_t n = e->attack_images && e->attack_images < test->n ? e->attack_images
                                                                      : test->n;
    const size_t F = test->dim;
    r.K = n_kinds, r.J = e->n_attack_eps, r.R = (size_t)e->repeats;
    r.S = e->test_device ? e->n_t : e->n_test;
    struct xb_xbar_params xp;
    if (e->test_device)
        xb_config_xbar_params(&e->device, &xp);
    adv = xb_aligned(n * F, sizeof(float));
    r.source = xb_malloc(r.K * r.J, sizeof(double));
    r.target = xb_malloc(r.K * r.J, sizeof(double));
    r.noisy = xb_malloc(r.K * r.J * r.S * r.R, sizeof(double));
    vote = xb_malloc((size_t)p.votes, sizeof *vote);
    rep = xb_malloc(r.R, sizeof *rep);
    char kinds[256] = "";
    for (size_t k = 0; k < n_kinds; k++)
        snprintf(kinds + strlen(kinds), sizeof kinds - strlen(kinds), "%s%s", k ? "," : "",
                 types[k]->name);
    if (noiseless(ctx, tgt, test->x, test->y, n, &r.clean) != XB_OK)
        goto done;
    for (size_t k = 0; k < r.K; k++)
        for (size_t j = 0; j < r.J; j++) {
            const double t0 = xb_now();
            const size_t kj = k * r.J + j;
            p.eps = e->attack_eps[j];
            if (xb_attack_run(ctx, src, types[k], &p, test->x, test->y, n, adv) != XB_OK ||
                source_score(ctx, src, &p, adv, test->y, n, vote, &r.source[kj]) != XB_OK ||
                noiseless(ctx, tgt, adv, test->y, n, &r.target[kj]) != XB_OK)
                goto done;
            for (size_t s = 0; s < r.S; s++) {
                if (target_noisy(ctx, tgt, e, &xp, s, train, adv, test->y, n, rep) != XB_OK)
                    goto done;
                memcpy(r.noisy + (kj * r.S + s) * r.R, rep, r.R * sizeof *rep);
            }
            if (!cli->quiet)
                fprintf(stderr, "xbar attack: %s at eps %g transferred: source %.2f %%, "
                        "target %.2f %% (%.1f s)\n", types[k]->label, p.eps,
                        100.0 * r.source[kj], 100.0 * r.target[kj], xb_now() - t0);
        }
    print_result(o, e, &p, n, kinds, types, &r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        xb_error(ctx, XB_EIO, "cannot write the results to stdout");
        goto done;
    }
    if (o->output) {
        if (write_result(ctx, cli, o, e, test, kinds, &r) != XB_OK)
            goto done;
        if (!cli->quiet)
            fprintf(stderr, "xbar attack: wrote %s\n", o->output);
    }
    code = XB_EXIT_OK;
done:
    xb_cli_assignments_free(cli, sets);
    xb_free(r.source), xb_free(r.target), xb_free(r.noisy), xb_free(vote), xb_free(rep);
    xb_free(adv);
    xb_net_free(src), xb_net_free(tgt);
    xb_dataset_free(train), xb_dataset_free(val), xb_dataset_free(test);
    xb_free(e), xb_free(es);
    return code;
}
