/*
 * xb_html.c — the report page of a sweep or attack result (xb_html.h).
 */
#include "xb_html.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_ci.h"
#include "xb_layout.h"
#include "xb_outfile.h"
#include "xb_plot.h"
#include "xb_plot_impl.h"
#include "xb_provenance.h"
#include "xb_study_read.h"
#include "xb_study_text.h"
#include "xb_summary.h"
#include "xb_sweep_layout.h"

/* ---- text -------------------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
}

/* The whole file at path as a new string (xb_free), NULL if unreadable. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    char *buf = NULL;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = xb_malloc((size_t)size + 1, 1);
        if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
            xb_free(buf);
            buf = NULL;
        } else {
            buf[size] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = xb_malloc(n + 1, 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* The SVG text from its <svg element on, every id and reference to one
 * prefixed with "fK-" (k = fig): gnuplot gives every figure the same ids
 * (gpPt0, gnuplot_canvas, ...), which must stay unique in one page. */
static void inline_svg(FILE *f, const char *svg, size_t fig)
{
    static const char *const pats[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    const char *s = strstr(svg, "<svg");
    if (!s)
        return;
    while (*s) {
        size_t best = (size_t)-1, which = 0;
        for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
            const char *hit = strstr(s, pats[k]);
            if (hit && (size_t)(hit - s) < best) {
                best = (size_t)(hit - s);
                which = k;
            }
        }
        if (best == (size_t)-1) {
            fputs(s, f);
            break;
        }
        size_t plen = strlen(pats[which]);
        fwrite(s, 1, best + plen, f);
        fprintf(f, "f%zu-", fig);
        s += best + plen;
    }
}

static void cell(FILE *f, double value, double scale, double half)
{
    if (!isfinite(value)) {
        fputs("<td class=\"none\">&ndash;</td>", f);
        return;
    }
    fprintf(f, "<td data-value=\"%.17g\">%.2f", value, value * scale);
    if (isfinite(half))
        fprintf(f, " &plusmn; %.2f", half * scale);
    fputs("</td>", f);
}

static void axis_head(FILE *f, const struct xb_sweep_result *r, const char *corner)
{
    fprintf(f, "<thead><tr><th>%s</th>", corner);
    for (size_t j = 0; j < r->n_test; j++)
        fprintf(f, "<th data-value=\"%.17g\">%g</th>", r->sigma_test[j], r->sigma_test[j]);
    fputs("</tr></thead>\n", f);
}

/* ---- the parts of the page ------------------------------------------------------ */

static void head(FILE *f, const char *path)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>xbar "
          "report: ", f);
    esc(f, path);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}\n"
          "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
          "padding:.2em .5em;text-align:right}th{background:#eee}\n"
          "td.none{color:#999;text-align:center}pre{background:#f6f6f6;padding:1em;"
          "overflow-x:auto}\nfigure{margin:1em 0}figure svg{width:100%;height:auto;"
          "max-width:800px}\ncaption{text-align:left;font-weight:bold;padding:.3em 0}\n"
          "</style>\n</head>\n<body>\n", f);
}

static size_t points_done(const struct xb_sweep_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_train; i++)
        for (size_t j = 0; j < r->n_test; j++)
            n += (size_t)xb_sweep_result_done(r, i, j);
    return n;
}

/* study: the grid sentence is study_intro's (the flat /sweep's counts
 * would be the study's points folded into two axes). */
static void intro(FILE *f, const struct xb_sweep_result *r, int study)
{
    fputs("<h1>xbar study: ", f);
    esc(f, r->path);
    fputs("</h1>\n<p id=\"study\">Model <b>", f);
    esc(f, r->model);
    fputs("</b> on <b>", f);
    esc(f, r->dataset);
    fputs("</b>, tested under <b>", f);
    esc(f, r->noise_model);
    if (study)
        fputs("</b>. Created ", f);
    else
        fprintf(f, "</b>: %zu &sigma;<sub>train</sub> &times; %zu %s, %zu repeats, up to %zu "
                "votes; <span id=\"done\">%zu</span> of %zu points done. Created ", r->n_train,
                r->n_test, r->test_is_t ? "read times t" : "&sigma;<sub>test</sub>",
                r->n_repeat, r->n_votes, points_done(r), r->n_train * r->n_test);
    esc(f, r->created);
    fputs(" by xbar ", f);
    esc(f, r->xbar_version);
    fputs(" (commit ", f);
    esc(f, r->git_commit);
    fputs(").</p>\n", f);
}

static void figures(FILE *f, char *const *svg, char *const *name, size_t n)
{
    fputs("<h2>Figures</h2>\n", f);
    for (size_t k = 0; k < n; k++) {
        fputs("<figure id=\"fig-", f);
        esc(f, name[k]);
        fputs("\">\n", f);
        inline_svg(f, svg[k], k);
        fputs("\n<figcaption>", f);
        esc(f, name[k]);
        fputs("</figcaption>\n</figure>\n", f);
    }
}

static void accuracy_tables(FILE *f, const struct xb_sweep_result *r)
{
    const char *axis = r->test_is_t ? "&sigma;<sub>train</sub> \\ t [s]"
                                    : "&sigma;<sub>train</sub> \\ &sigma;<sub>test</sub>";
    fputs("<h2>Tables</h2>\n<table id=\"accuracy\">\n<caption>Accuracy without voting (%): "
          "mean over repeats &plusmn; 95 % interval</caption>\n", f);
    axis_head(f, r, axis);
    fputs("<tbody>\n", f);
    for (size_t i = 0; i < r->n_train; i++) {
        fprintf(f, "<tr><th data-value=\"%.17g\">%g</th>", r->sigma_train[i], r->sigma_train[i]);
        for (size_t j = 0; j < r->n_test; j++) {
            struct xb_ci ci;
            xb_summary_point(r, i, j, &ci);
            cell(f, ci.n ? ci.mean : (double)NAN, 100.0, ci.half);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    if (r->n_votes == 0)
        return;
    size_t K = r->n_votes - 1;
    fprintf(f, "<table id=\"accuracy_vote\">\n<caption>Accuracy with %d votes (%%)</caption>\n",
            (int)r->votes[K]);
    axis_head(f, r, axis);
    fputs("<tbody>\n", f);
    for (size_t i = 0; i < r->n_train; i++) {
        fprintf(f, "<tr><th data-value=\"%.17g\">%g</th>", r->sigma_train[i], r->sigma_train[i]);
        for (size_t j = 0; j < r->n_test; j++)
            cell(f, xb_sweep_result_done(r, i, j) ? xb_sweep_result_acc_vote(r, i, j, K) : (double)NAN,
                 100.0, (double)NAN);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void sigma_cell(FILE *f, const struct xb_sweep_result *r, long by)
{
    if (by < 0)
        fputs("<td class=\"none\">&ndash;</td>", f);
    else
        fprintf(f, "<td data-value=\"%.17g\">%g</td>", r->sigma_train[by], r->sigma_train[by]);
}

static void summary_table(FILE *f, const struct xb_sweep_result *r)
{
    struct xb_summary s;
    xb_summary_compute(r, &s);
    fputs("<table id=\"summary\">\n<caption>Paper 001's tables (%): columns by increasing "
          "test point</caption>\n<thead><tr><th></th>", f);
    for (size_t c = 0; c < s.n_cols; c++)
        fprintf(f, "<th>%g%s</th>", r->sigma_test[s.col[c].test], s.col[c].complete ? "" : "*");
    fputs("</tr></thead>\n<tbody>\n", f);
    static const char *const rows[] = {"&sigma;<sub>train</sub> = 0, no voting",
                                       "best, no voting", "its &sigma;<sub>train</sub>",
                                       "best with K<sub>max</sub> votes",
                                       "its &sigma;<sub>train</sub>"};
    for (size_t row = 0; row < sizeof rows / sizeof *rows; row++) {
        if (row >= 3 && s.k_max == 0)
            break;
        fprintf(f, "<tr><th>%s</th>", rows[row]);
        for (size_t c = 0; c < s.n_cols; c++) {
            const struct xb_summary_col *col = &s.col[c];
            switch (row) {
            case 0: cell(f, s.train0 >= 0 ? col->zero : (double)NAN, 100.0, (double)NAN); break;
            case 1: cell(f, col->best, 100.0, (double)NAN); break;
            case 2: sigma_cell(f, r, col->best_by); break;
            case 3: cell(f, col->vote_best, 100.0, (double)NAN); break;
            default: sigma_cell(f, r, col->vote_by); break;
            }
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
    xb_summary_free(&s);
}

/* A study's page (xb_study_is_study): its axes, then one row per point —
 * the axis values, accuracy over the repeats ± the 95 % interval, the
 * majority of the most votes, the measured SNR, the energy per
 * inference. The paper-001 tables of the flat /sweep are not shown: they
 * would repeat the study's models under one sigma_train. */
static void study_intro(FILE *f, const struct xb_study_result *s)
{
    size_t done = 0;
    for (size_t c = 0; c < s->n_points; c++)
        done += s->done[c] != 0;
    fprintf(f, "<h2>Study</h2>\n<p id=\"axes\">%zu axes, %zu repeats, up to %zu votes; "
            "<span id=\"study-done\">%zu</span> of %zu points done.</p>\n<ul>\n", s->n_axes,
            s->n_repeat, s->n_votes, done, s->n_points);
    for (size_t k = 0; k < s->n_axes; k++) {
        const struct xb_study_axis *a = &s->axis[k];
        fputs("<li><code>", f);
        esc(f, a->key);
        fprintf(f, "</code> [%s], %s:", a->units[0] ? a->units : "1",
                a->trains ? "trains" : "evaluated");
        for (size_t i = 0; i < a->n; i++) {
            fputs(i ? ", " : " ", f);
            esc(f, a->label[i]);
        }
        fputs("</li>\n", f);
    }
    fputs("</ul>\n", f);
}

static void study_table(FILE *f, const struct xb_study_result *s)
{
    fputs("<table id=\"points\">\n<caption>Every point: accuracy (%) mean over repeats "
          "&plusmn; 95 % interval, voted by the most votes</caption>\n<thead><tr>", f);
    for (size_t k = 0; k < s->n_axes; k++) {
        fputs("<th>", f);
        esc(f, s->axis[k].key);
        fputs("</th>", f);
    }
    fprintf(f, "<th>accuracy</th><th>voted (K = %zu)</th><th>SNR [dB]</th><th>energy [J]</th>"
            "</tr></thead>\n<tbody>\n", s->n_votes);
    for (size_t c = 0; c < s->n_points; c++) {
        size_t idx[XB_STUDY_MAX_AXES], rest = c;
        for (size_t k = s->n_axes; k-- > 0;)
            idx[k] = rest % s->axis[k].n, rest /= s->axis[k].n;
        fputs("<tr>", f);
        for (size_t k = 0; k < s->n_axes; k++) {
            fprintf(f, "<th data-value=\"%.17g\">", s->axis[k].value[idx[k]]);
            esc(f, s->axis[k].label[idx[k]]);
            fputs("</th>", f);
        }
        struct xb_ci ci = {.mean = NAN, .half = NAN};
        if (s->done[c])
            xb_ci_mean(s->accuracy + c * s->n_repeat, s->n_repeat, 1, 0.95, &ci);
        cell(f, ci.mean, 100.0, ci.half);
        cell(f, s->done[c] && s->accuracy_vote ? s->accuracy_vote[c * s->n_votes + s->n_votes - 1]
                                               : (double)NAN, 100.0, (double)NAN);
        cell(f, s->snr_db[c], 1.0, (double)NAN);
        cell(f, s->energy ? s->energy[c] : (double)NAN, 1.0, (double)NAN);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void cost_table(FILE *f, const struct xb_sweep_result *r)
{
    if (!r->energy || !r->latency || r->n_votes == 0)
        return;
    fprintf(f, "<table id=\"cost\">\n<caption>Energy and pipelined latency per inference by K "
            "votes%s</caption>\n<thead><tr><th>K</th><th>energy [J]</th><th>latency [s]</th>"
            "</tr></thead>\n<tbody>\n", r->spike_energy ? ", every spiking layer at full "
            "activity (the accuracy-vs-energy figure prices each point's measured activity, "
            "/sweep/spike_energy)" : "");
    for (size_t k = 0; k < r->n_votes; k++)
        fprintf(f, "<tr><th>%d</th><td data-value=\"%.17g\">%.4g</td><td data-value=\"%.17g\">"
                "%.4g</td></tr>\n", (int)r->votes[k], r->energy[k], r->energy[k],
                r->latency[k], r->latency[k]);
    fputs("</tbody>\n</table>\n", f);
}

static void config_and_provenance(FILE *f, const char *config, const char *prov)
{
    fputs("<h2>Configuration</h2>\n<pre id=\"config\">", f);
    esc(f, config);
    fputs("</pre>\n<h2>Provenance</h2>\n<table id=\"provenance\">\n<tbody>\n", f);
    for (const char *line = prov; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        char *key = dup_n(line, colon ? (size_t)(colon - line) : len);
        char *value = colon ? dup_n(colon + 1 + (colon[1] == ' '), len - (size_t)(colon -
                                         line) - 1 - (colon[1] == ' '))
                            : xb_strdup("");
        fputs("<tr><th>", f);
        esc(f, key);
        fputs("</th><td style=\"text-align:left\">", f);
        esc(f, value);
        fputs("</td></tr>\n", f);
        xb_free(key);
        xb_free(value);
        line = end ? end + 1 : line + len;
    }
    fputs("</tbody>\n</table>\n</body>\n</html>\n", f);
}

/* ---- an attack result (xbar attack -o) ------------------------------------------ */

static void attack_intro(FILE *f, const struct xb_attack_file *a)
{
    fputs("<h1>xbar attack: ", f);
    esc(f, a->path);
    fputs("</h1>\n<p id=\"study\">Attacks <b>", f);
    esc(f, a->kinds_text);
    fprintf(f, "</b> at %zu L<sub>&infin;</sub> budgets &epsilon;", a->J);
    if (a->R)
        fprintf(f, " on %zu chips of a device: each chip attacked, the mean over them "
                "&plusmn; 95 %% interval", a->R);
    else if (a->noisy)
        fprintf(f, ", made on a source model and read by the target noiselessly and at %zu "
                "&sigma;<sub>test</sub> (%zu runs each)", a->S, a->N);
    fputs(".</p>\n", f);
}

/* One robustness table in paper 000's layout (Tables 2-3): a row per eps,
 * Ori. (NaN: none), a column per kind; kind k at eps j is the mean (and
 * 95 % interval) of x[(k·J + j)·stride + i·step], i < n. */
static void attack_table(FILE *f, const struct xb_attack_file *a, const char *id,
                         const char *caption, double ori, const double *x, size_t n,
                         size_t stride, size_t step)
{
    fprintf(f, "<table id=\"%s\">\n<caption>%s</caption>\n<thead><tr><th>&epsilon;</th>"
            "<th>Ori.</th>", id, caption);
    for (size_t k = 0; k < a->K; k++) {
        fputs("<th>", f);
        esc(f, a->label[k]);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t j = 0; j < a->J; j++) {
        fprintf(f, "<tr><th data-value=\"%.17g\">%g</th>", a->eps[j], a->eps[j]);
        cell(f, ori, 100.0, (double)NAN);
        for (size_t k = 0; k < a->K; k++) {
            struct xb_ci ci;
            xb_ci_mean(x + (k * a->J + j) * stride, n, step, 0.95, &ci);
            cell(f, ci.mean, 100.0, n > 1 ? ci.half : (double)NAN);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void attack_tables(FILE *f, const struct xb_attack_file *a)
{
    fputs("<h2>Tables</h2>\n", f);
    if (a->R)
        attack_table(f, a, "accuracy", "Accuracy (%): mean over the chips &plusmn; 95 % "
                     "interval", a->clean, a->acc_chip, a->R, 1, a->K * a->J);
    else
        attack_table(f, a, "accuracy", a->noisy ? "Accuracy (%) of the target, noiseless"
                                                : "Accuracy (%)",
                     a->clean, a->acc, 1, 1, 1);
    if (!a->noisy)
        return;
    attack_table(f, a, "accuracy_source", "The source's own accuracy (%) on its adversarial "
                 "images", (double)NAN, a->source, 1, 1, 1);
    for (size_t s = 0; s < a->S; s++) {
        char id[48], caption[160];
        snprintf(id, sizeof id, "accuracy_noisy_%zu", s);
        snprintf(caption, sizeof caption, "The target at &sigma;<sub>test</sub> = %g: accuracy "
                 "(%%), mean of %zu runs &plusmn; 95 %% interval", a->sigma_test[s], a->N);
        attack_table(f, a, id, caption, (double)NAN, a->noisy + s * a->N, a->N, a->S * a->N,
                     1);
    }
}

/* ---- the figures' temporary folder -------------------------------------------- */

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        for (struct dirent *e; (e = readdir(d));) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = xb_malloc(strlen(dir) + strlen(e->d_name) + 2, 1);
            sprintf(p, "%s/%s", dir, e->d_name);
            unlink(p);
            xb_free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

struct figs {
    size_t n;
    char *svg[XB_PLOT_MAX_FILES], *name[XB_PLOT_MAX_FILES];
};

static void figs_free(struct figs *g)
{
    for (size_t k = 0; k < g->n; k++) {
        xb_free(g->svg[k]);
        xb_free(g->name[k]);
    }
    g->n = 0;
}

/* Draws the SVG figures of r (or of the attack result a) into a hidden
 * folder beside target, reads them into g, removes the folder. */
static enum xb_status draw(struct xb_ctx *ctx, const struct xb_sweep_result *r,
                           const struct xb_attack_file *a,
                           const struct xb_study_result *study, const char *target,
                           const char *gnuplot, struct figs *g)
{
    char *dir = xb_outfile_dir(target);
    char *tmpl = xb_malloc(strlen(dir) + 32, 1);
    sprintf(tmpl, "%s/.xbar-report.XXXXXX", dir);
    xb_free(dir);
    if (!mkdtemp(tmpl)) {
        enum xb_status st = xb_error(ctx, XB_EIO, "%s: cannot make a folder for the figures: "
                                     "%s", tmpl, strerror(errno));
        xb_free(tmpl);
        return st;
    }
    struct xb_plot_params pp = {.out_dir = tmpl, .gnuplot = gnuplot};
    struct xb_plot_files files;
    const struct xb_study_view view = {0}; /* the default view, as xbar plot's */
    enum xb_status st = a       ? xb_plot_attack(ctx, a, 1, &pp, &files)
                        : study ? xb_plot_study(ctx, study, 1, &view, &pp, &files)
                                : xb_plot_sweep(ctx, r, &pp, &files);
    for (size_t k = 0; st == XB_OK && k < files.n; k++) {
        const char *p = files.path[k];
        size_t len = strlen(p);
        if (len < 4 || strcmp(p + len - 4, ".svg"))
            continue;
        char *text = slurp(p);
        if (!text) {
            st = xb_error(ctx, XB_EIO, "%s: cannot read the figure gnuplot wrote", p);
            break;
        }
        /* "DIR/STEM_acc_vs_sigma.svg" -> "acc_vs_sigma": the names are
         * xb_plot.h's, after the stem's last '_'-joined part. */
        const char *base = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
        const char *stem_end = base + strlen(base) - 4;
        const char *name = base;
        for (const char *hit = base; study && (hit = strstr(hit, "_study_")); hit++)
            name = hit + 1; /* "STEM_study_heatmap" -> "study_heatmap" */
        for (size_t s = 0; !study && s < XB_PLOT_N_FIGURES; s++) {
            size_t fl = strlen(xb_plot_figure_names[s]);
            if ((size_t)(stem_end - base) > fl && stem_end[-(long)fl - 1] == '_' &&
                !strncmp(stem_end - fl, xb_plot_figure_names[s], fl))
                name = stem_end - fl;
        }
        g->svg[g->n] = text;
        g->name[g->n++] = dup_n(name, (size_t)(stem_end - name));
    }
    if (st == XB_OK)
        xb_plot_files_free(&files);
    remove_dir(tmpl);
    xb_free(tmpl);
    if (st != XB_OK)
        figs_free(g);
    return st;
}

/* ---- entry ------------------------------------------------------------------------ */

/* The result at path: an attack result into *a (with its /config text),
 * else a sweep result into *r; *is_attack says which. */
static enum xb_status read_result(struct xb_ctx *ctx, const char *path, int *is_attack,
                                  struct xb_sweep_result *r, struct xb_attack_file *a,
                                  char **config)
{
    *is_attack = xb_layout_kind_of_file(path) == XB_LAYOUT_ATTACK;
    if (!*is_attack)
        return xb_sweep_read(ctx, path, r);
    enum xb_status st = xb_attack_file_read(ctx, path, a);
    return st ? st : xb_layout_read_text(ctx, path, XB_DS_CONFIG, config);
}

static void result_free(int is_attack, struct xb_sweep_result *r, struct xb_attack_file *a,
                        char *config)
{
    if (is_attack)
        xb_attack_file_free(a);
    else
        xb_sweep_result_free(r);
    xb_free(config);
}

enum xb_status xb_html_check(struct xb_ctx *ctx, const char *path, const char *page,
                             const char *origin)
{
    struct xb_sweep_result r = {0};
    struct xb_attack_file a = {0};
    char *config = NULL;
    int is_attack;
    enum xb_status st = read_result(ctx, path, &is_attack, &r, &a, &config);
    result_free(is_attack, &r, &a, config);
    return st != XB_OK ? st : xb_outfile_check(ctx, page, origin);
}

static enum xb_status write_page(struct xb_ctx *ctx, const struct xb_sweep_result *r,
                                 const struct xb_attack_file *a,
                                 const struct xb_study_result *study, const char *config,
                                 const struct figs *g, const char *prov, const char *target)
{
    char *tmp;
    enum xb_status st = xb_outfile_temp(ctx, target, &tmp);
    if (st != XB_OK)
        return st;
    FILE *f = fopen(tmp, "w");
    if (f && a) {
        head(f, a->path);
        attack_intro(f, a);
        figures(f, g->svg, g->name, g->n);
        attack_tables(f, a);
        config_and_provenance(f, config, prov);
    } else if (f) {
        head(f, r->path);
        intro(f, r, study != NULL);
        if (study)
            study_intro(f, study);
        figures(f, g->svg, g->name, g->n);
        if (study) {
            fputs("<h2>Tables</h2>\n", f);
            study_table(f, study);
        } else { /* a study's energies are per point, in its table */
            accuracy_tables(f, r);
            summary_table(f, r);
            cost_table(f, r);
        }
        config_and_provenance(f, r->config, prov);
    }
    int bad = !f || fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int err = errno;
    if (f && fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (!bad && rename(tmp, target) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        unlink(tmp);
        st = xb_error(ctx, XB_EIO, "%s: cannot write the page: %s", target, strerror(err));
    }
    xb_free(tmp);
    return st;
}

enum xb_status xb_html_report(struct xb_ctx *ctx, const char *path, const char *page,
                              const char *origin, const char *gnuplot)
{
    struct xb_sweep_result r = {0};
    struct xb_attack_file a = {0};
    char *config = NULL;
    int is_attack;
    enum xb_status st = read_result(ctx, path, &is_attack, &r, &a, &config);
    if (st != XB_OK) {
        result_free(is_attack, &r, &a, config);
        return st;
    }
    const struct xb_attack_file *att = is_attack ? &a : NULL;
    char *target = NULL;
    struct xb_provenance prov = {0};
    struct figs g = {0};
    char *prov_text = NULL;
    struct xb_study_result study = {0};
    int is_study = 0;
    st = xb_outfile_check(ctx, page, origin);
    if (st == XB_OK && xb_study_exists(path) && (st = xb_study_read(ctx, path, &study)) == XB_OK)
        is_study = xb_study_is_study(&study);
    if (st == XB_OK)
        st = xb_outfile_target(ctx, page, origin, &target);
    if (st == XB_OK)
        st = xb_provenance_read(ctx, path, &prov);
    if (st == XB_OK) {
        prov_text = xb_provenance_text(&prov, XB_PROVENANCE_FILES_SHOWN);
        st = draw(ctx, &r, att, is_study ? &study : NULL, target, gnuplot, &g);
    }
    if (st == XB_OK)
        st = write_page(ctx, &r, att, is_study ? &study : NULL, config, &g, prov_text, target);
    xb_study_result_free(&study);
    figs_free(&g);
    xb_free(prov_text);
    xb_provenance_free(&prov);
    xb_free(target);
    result_free(is_attack, &r, &a, config);
    return st;
}
