/*
 * xb_plot_study.c — the study figures of xb_plot.h: resolving a view (axis
 * keys, --at values) against the files, and the figures' data blocks and
 * scripts, written into the plotter's files by xb_plot.c, which runs
 * gnuplot on them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"
#include "xb_pareto.h"
#include "xb_plot_impl.h"
#include "xb_summary.h"

/* ---- resolving a view ----------------------------------------------------- */

/* "a, b, c": the keys of r's axes, into buf. */
static const char *key_list(const struct xb_study_result *r, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t k = 0; k < r->n_axes; k++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", k ? ", " : "", r->axis[k].key);
    return buf;
}

/* "4, 5, 6": the values of axis a, into buf (cut with "..." if long). */
static const char *value_list(const struct xb_study_axis *a, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < a->n; i++) {
        size_t len = strlen(buf);
        if (len + strlen(a->label[i]) + 8 >= size) {
            snprintf(buf + len, size - len, ", ...");
            break;
        }
        snprintf(buf + len, size - len, "%s%s", i ? ", " : "", a->label[i]);
    }
    return buf;
}

/* The axis of key in r, or an error naming what (the option), the file and
 * its axes. */
static enum xb_status axis_of(struct xb_ctx *ctx, const struct xb_study_result *r,
                              const char *what, const char *key, int *out)
{
    char keys[512];
    *out = xb_study_axis_of(r, key);
    if (*out < 0)
        return xb_error(ctx, XB_EINVAL, "%s: %s %s: no such axis; expected one of %s", r->path,
                        what, key, key_list(r, keys, sizeof keys));
    return XB_OK;
}

/* The index of text on axis a: "#I" an index, else a value of the axis
 * (numbers within 1e-9 relative, as labels print them to 10 digits). -1
 * if it is not on the axis. */
static long index_on_axis(const struct xb_study_axis *a, const char *text)
{
    if (text[0] == '#') {
        char *end;
        errno = 0;
        unsigned long i = strtoul(text + 1, &end, 10);
        if (end == text + 1 || *end || errno || text[1] == '-' || i >= a->n)
            return -1;
        return (long)i;
    }
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->label[i], text))
            return (long)i;
    if (a->is_text)
        return -1;
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !isfinite(v))
        return -1;
    for (size_t i = 0; i < a->n; i++)
        if (fabs(a->value[i] - v) <= 1e-9 * fmax(fabs(v), 1e-300) || a->value[i] == v)
            return (long)i;
    return -1;
}

/* Applies --at KEY=VALUE to the file r (sel->fixed); *found says whether r
 * has the key. */
static enum xb_status apply_at(struct xb_ctx *ctx, const struct xb_study_result *r,
                               const char *at, struct xb_study_sel *sel, int *found)
{
    const char *eq = strchr(at, '=');
    *found = 0;
    if (!eq || eq == at || !eq[1])
        return xb_error(ctx, XB_EINVAL, "--at %s: expected KEY=VALUE or KEY=#INDEX", at);
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - at), at);
    int k = xb_study_axis_of(r, key);
    *found = k >= 0;
    if (k < 0)
        return XB_OK;
    const struct xb_study_axis *a = &r->axis[k];
    long i = index_on_axis(a, eq + 1);
    char values[512];
    if (i < 0)
        return xb_error(ctx, XB_EINVAL, "%s: --at %s: %s is not on the axis %s; expected one "
                        "of %s or #0 .. #%zu", r->path, at, eq + 1, key,
                        value_list(a, values, sizeof values), a->n - 1);
    if (k == sel->x || k == sel->curves || k == sel->hx || k == sel->hy)
        return xb_error(ctx, XB_EINVAL, "%s: --at %s: %s is an axis the figures draw (--x, "
                        "--curves or --heatmap); expected an axis held fixed", r->path, at,
                        key);
    sel->fixed[k] = (size_t)i;
    return XB_OK;
}

/* held[k]: axis k of r is named by an --at (its value is checked later). */
static void held_axes(const struct xb_study_result *r, const struct xb_study_view *v, int *held)
{
    for (size_t k = 0; k < r->n_axes; k++)
        held[k] = 0;
    for (size_t a = 0; a < v->n_at; a++) {
        const char *eq = strchr(v->at[a], '=');
        char key[256];
        snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - v->at[a]) : 0, v->at[a]);
        int k = xb_study_axis_of(r, key);
        if (k >= 0)
            held[k] = 1;
    }
}

/* The default x: the last axis not held that trains no model, else the
 * last not held, else the last. */
static int default_x(const struct xb_study_result *r, const int *held)
{
    for (size_t k = r->n_axes; k-- > 0;)
        if (!r->axis[k].trains && !held[k])
            return (int)k;
    for (size_t k = r->n_axes; k-- > 0;)
        if (!held[k])
            return (int)k;
    return (int)r->n_axes - 1;
}

/* The x, curves and heatmap axes of one file; axes held by --at are not
 * defaults. */
static enum xb_status resolve_axes(struct xb_ctx *ctx, const struct xb_study_result *r,
                                   const struct xb_study_view *v, struct xb_study_sel *sel)
{
    enum xb_status st;
    int held[XB_STUDY_MAX_AXES];
    held_axes(r, v, held);
    sel->x = default_x(r, held);
    sel->curves = sel->hx = sel->hy = -1;
    if (v->x && (st = axis_of(ctx, r, "--x", v->x, &sel->x)) != XB_OK)
        return st;
    if (v->curves) {
        if ((st = axis_of(ctx, r, "--curves", v->curves, &sel->curves)) != XB_OK)
            return st;
        if (sel->curves == sel->x)
            return xb_error(ctx, XB_EINVAL, "%s: --curves %s is the x axis; expected another "
                            "axis", r->path, v->curves);
    } else {
        for (size_t k = 0; k < r->n_axes && sel->curves < 0; k++)
            if ((int)k != sel->x && !held[k])
                sel->curves = (int)k;
    }
    if (v->heatmap) {
        const char *comma = strchr(v->heatmap, ',');
        char first[256];
        if (!comma || comma == v->heatmap || !comma[1])
            return xb_error(ctx, XB_EINVAL, "--heatmap %s: expected KEY,KEY", v->heatmap);
        snprintf(first, sizeof first, "%.*s", (int)(comma - v->heatmap), v->heatmap);
        if ((st = axis_of(ctx, r, "--heatmap", first, &sel->hx)) != XB_OK ||
            (st = axis_of(ctx, r, "--heatmap", comma + 1, &sel->hy)) != XB_OK)
            return st;
        if (sel->hx == sel->hy)
            return xb_error(ctx, XB_EINVAL, "--heatmap %s: expected two different axes",
                            v->heatmap);
    } else if (sel->curves >= 0) {
        sel->hx = sel->x;
        sel->hy = sel->curves;
    }
    return XB_OK;
}

/* An axis key every file has: v->x, else the default x of the first file
 * if all have it, else the first file's last axis all have. */
static enum xb_status shared_x(struct xb_ctx *ctx, const struct xb_study_result *files,
                               size_t n, const struct xb_study_view *v, struct xb_study_sel *sel)
{
    const struct xb_study_result *r0 = &files[0];
    const char *key = NULL;
    if (v->x) {
        key = v->x;
    } else {
        int held[XB_STUDY_MAX_AXES];
        held_axes(r0, v, held);
        int want = default_x(r0, held);
        for (size_t pass = 0; pass < 2 && !key; pass++)
            for (size_t k = r0->n_axes; k-- > 0 && !key;) {
                if (pass == 0 && (int)k != want)
                    continue;
                size_t f = 1;
                while (f < n && xb_study_axis_of(&files[f], r0->axis[k].key) >= 0)
                    f++;
                if (f == n)
                    key = r0->axis[k].key;
            }
        if (!key) {
            char *list;
            size_t len;
            FILE *m = xb_plot_mem_open(&list, &len);
            for (size_t f = 0; f < n; f++) {
                char keys[512];
                fprintf(m, "%s%s: %s", f ? "; " : "", files[f].path,
                        key_list(&files[f], keys, sizeof keys));
            }
            fclose(m);
            enum xb_status st = xb_error(ctx, XB_EINVAL, "the %zu files have no axis in common "
                                         "(%s); expected files that share an axis key", n,
                                         list);
            free(list);
            return st;
        }
    }
    for (size_t f = 0; f < n; f++) {
        char keys[512];
        sel[f].x = xb_study_axis_of(&files[f], key);
        sel[f].curves = sel[f].hx = sel[f].hy = -1;
        if (sel[f].x < 0)
            return xb_error(ctx, XB_EINVAL, "%s: --x %s: no such axis; expected one of %s (every "
                            "file must have the x axis)", files[f].path, key,
                            key_list(&files[f], keys, sizeof keys));
    }
    return XB_OK;
}

enum xb_status xb_plot_study_check(struct xb_ctx *ctx, const struct xb_study_result *files,
                                   size_t n, const struct xb_study_view *view,
                                   struct xb_study_sel *sel_out)
{
    static const struct xb_study_view none = {0};
    const struct xb_study_view *v = view ? view : &none;
    if (n < 1 || n > XB_PLOT_MAX_INPUTS)
        return xb_error(ctx, XB_EINVAL, "%zu result files; expected 1 to %d", n,
                        XB_PLOT_MAX_INPUTS);
    if (n > 1 && (v->curves || v->heatmap))
        return xb_error(ctx, XB_EINVAL, "--%s %s: one file only; with several files each file "
                        "is a curve", v->curves ? "curves" : "heatmap",
                        v->curves ? v->curves : v->heatmap);
    struct xb_study_sel *sel = xb_calloc(n, sizeof *sel);
    enum xb_status st = n == 1 ? resolve_axes(ctx, &files[0], v, sel)
                               : shared_x(ctx, files, n, v, sel);
    for (size_t a = 0; a < v->n_at && !st; a++) {
        int any = 0;
        for (size_t f = 0; f < n && !st; f++) {
            int found = 0;
            st = apply_at(ctx, &files[f], v->at[a], &sel[f], &found);
            any |= found;
        }
        if (!st && !any) {
            char keys[512];
            st = xb_error(ctx, XB_EINVAL, "%s: --at %s: no such axis; expected a key of %s", files[0].path,
                          v->at[a], key_list(&files[0], keys, sizeof keys));
        }
    }
    for (size_t f = 0; f < n && !st && v->votes; f++)
        if ((size_t)v->votes > files[f].n_votes)
            st = xb_error(ctx, XB_EINVAL, "%s: --votes %d: the file has accuracy_vote for K = 1 "
                          ".. %zu; expected a K in that range", files[f].path, v->votes,
                          files[f].n_votes);
    if (!st && sel_out)
        memcpy(sel_out, sel, n * sizeof *sel);
    xb_free(sel);
    return st;
}

/* ---- values --------------------------------------------------------------- */

/* Accuracy (%) of point q of r, mean and interval over the repeats (or
 * the vote of K); 0 if the point is not done. */
static int point_value(const struct plotter *p, const struct xb_study_result *r, size_t q,
                       double *m, double *lo, double *hi)
{
    if (!r->done[q])
        return 0;
    if (p->view && p->view->votes) {
        *m = *lo = *hi = 100 * r->accuracy_vote[q * r->n_votes + (size_t)p->view->votes - 1];
        return 1;
    }
    struct xb_ci ci;
    xb_ci_mean(r->accuracy + q * r->n_repeat, r->n_repeat, 1, XB_SUMMARY_LEVEL, &ci);
    double half = isnan(ci.half) ? 0 : ci.half;
    *m = 100 * ci.mean;
    *lo = 100 * (ci.mean - half);
    *hi = 100 * (ci.mean + half);
    return 1;
}

/* The y label of the accuracy figures. */
static const char *y_label(const struct plotter *p)
{
    return p->view && p->view->votes ? "accuracy (%), majority of K votes"
                                     : "accuracy (%), mean and 95% CI";
}

/* Ends a data block; returns its index. */
static int end_block(struct plotter *p)
{
    fputs("\n\n", p->dat);
    return p->block++;
}

static void skip(struct plotter *p, const char *why)
{
    p->files->skipped[p->files->n_skipped++] = why;
}

/* A title, quoted, not enhanced (keys have underscores). */
static void title(FILE *f, const char *fmt_what, const char *where)
{
    fputs("set title ", f);
    char *t = xb_plot_str_printf("%s%s", fmt_what, where);
    xb_plot_gp_quote(f, t);
    xb_free(t);
    fputs(" noenhanced\n", f);
}

/* " at k = v, ...": the axes of r held fixed, all but s->x and s->curves
 * (a figure passes the axes it draws there); malloc'd. */
static char *fixed_text(const struct xb_study_result *r, const struct xb_study_sel *s)
{
    char *buf;
    size_t len;
    FILE *f = xb_plot_mem_open(&buf, &len);
    const char *sep = " at ";
    for (size_t k = 0; k < r->n_axes; k++) {
        if ((int)k == s->x || (int)k == s->curves)
            continue;
        fprintf(f, "%s%s = %s", sep, r->axis[k].key, r->axis[k].label[s->fixed[k]]);
        sep = ", ";
    }
    fclose(f);
    return buf;
}

/* "key (units)" as an axis label. */
static void axis_label(FILE *f, const char *which, const struct xb_study_axis *a)
{
    char *t = a->units[0] && strcmp(a->units, "1") ? xb_plot_str_printf("%s (%s)", a->key, a->units)
                                                    : xb_strdup(a->key);
    fprintf(f, "set %s ", which);
    xb_plot_gp_quote(f, t);
    fputs(" noenhanced\n", f);
    xb_free(t);
}

/* Tics at 0, 1, ...: the labels of a's values in the order order[] (NULL:
 * the file's). */
static void text_tics(FILE *f, const char *which, const struct xb_study_axis *a,
                      const size_t *order)
{
    fprintf(f, "set %s (", which);
    for (size_t i = 0; i < a->n; i++) {
        fputs(i ? ", " : "", f);
        xb_plot_gp_quote(f, a->label[order ? order[i] : i]);
        fprintf(f, " %zu", i);
    }
    fputs(")\n", f);
}

/* The x axis of an axis' values: its label, a log scale when every value
 * is positive and they span more than two decades (read times), its tics
 * when it is text. */
static void value_axis(FILE *f, const struct xb_study_axis *a)
{
    axis_label(f, "xlabel", a);
    if (a->is_text) {
        text_tics(f, "xtics", a, NULL);
        fprintf(f, "set xrange [-0.5:%g]\n", (double)a->n - 0.5);
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < a->n; i++) {
        lo = fmin(lo, a->value[i]);
        hi = fmax(hi, a->value[i]);
    }
    if (lo > 0 && hi / lo > 100) {
        fprintf(f, "set logscale x\nset format x \"%%g\"\nset xrange [%.10g:%.10g]\n", lo / 2,
                hi * 2);
    } else {
        double pad = hi > lo ? 0.03 * (hi - lo) : fmax(0.1 * fabs(lo), 0.1);
        fprintf(f, "set xrange [%.10g:%.10g]\n", lo - pad, hi + pad);
    }
}

/* The title of curve c: file c's name, with the axes it holds when held
 * (several files); the curves axis at its value c (axis >= 0); else the
 * file's name. */
static char *curve_title(const struct plotter *p, int axis, size_t c, int held)
{
    const struct xb_study_result *r = &p->study[0];
    if (p->n_study > 1) {
        char *stem = xb_plot_stem(p->study[c].path);
        if (!held)
            return stem;
        char *where = fixed_text(&p->study[c], &p->sel[c]);
        char *t = xb_plot_str_printf("%s%s", stem, where);
        xb_free(stem);
        free(where);
        return t;
    }
    if (axis >= 0)
        return xb_plot_str_printf("%s = %s", r->axis[axis].key, r->axis[axis].label[c]);
    return xb_strdup(p->stem);
}

/* The plot command of the curves block[n] ("x mean lo hi", -1: none) with
 * error bars, titled by curve_title. */
static void plot_curves(const struct plotter *p, FILE *f, const int *block, size_t n, int axis,
                        int held)
{
    const char *sep = "plot ";
    for (size_t c = 0; c < n; c++) {
        if (block[c] < 0)
            continue;
        fprintf(f, "%sDATA index %d using 1:2:3:4 with yerrorlines ", sep, block[c]);
        xb_plot_curve_style(f, c, n);
        char *t = curve_title(p, axis, c, held);
        fputs(" title ", f);
        xb_plot_gp_quote(f, t);
        xb_free(t);
        sep = ", \\\n     ";
    }
    fputs("\n", f);
}

/* ---- the figures of one file ----------------------------------------------- */

/* Block of "x mean lo hi" along sel->x of file r, with the curves axis (if
 * any) at index c; -1 if no point is done. */
static int block_along_x(struct plotter *p, const struct xb_study_result *r,
                         const struct xb_study_sel *s, size_t c)
{
    size_t idx[XB_STUDY_MAX_AXES], rows = 0;
    memcpy(idx, s->fixed, sizeof idx);
    if (s->curves >= 0)
        idx[s->curves] = c;
    const struct xb_study_axis *a = &r->axis[s->x];
    size_t *order = xb_malloc(a->n, sizeof *order);
    xb_summary_order(a->value, a->n, order);
    for (size_t i = 0; i < a->n; i++) {
        idx[s->x] = order[i];
        double m, lo, hi;
        if (!point_value(p, r, xb_study_point(r, idx), &m, &lo, &hi))
            continue;
        fprintf(p->dat, "%.17g %.17g %.17g %.17g\n", a->value[order[i]], m, lo, hi);
        rows++;
    }
    xb_free(order);
    return rows ? end_block(p) : -1;
}

static void fig_acc_vs_axis(struct plotter *p)
{
    const struct xb_study_result *r = &p->study[0];
    const struct xb_study_sel *s = &p->sel[0];
    size_t n_curves = s->curves >= 0 ? r->axis[s->curves].n : 1;
    int *block = xb_malloc(n_curves, sizeof *block), any = 0;
    for (size_t c = 0; c < n_curves; c++)
        any |= (block[c] = block_along_x(p, r, s, c)) >= 0;
    if (!any) {
        skip(p, "study_acc_vs_axis (no point done on these axes)");
        xb_free(block);
        return;
    }
    char *body, *where = fixed_text(r, s);
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    char *what = xb_plot_str_printf("%s: accuracy vs %s", p->stem, r->axis[s->x].key);
    title(f, what, where);
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom left noenhanced\n"
          "set yrange [0<*:*<100]\n", f);
    fprintf(f, "set ylabel \"%s\"\n", y_label(p));
    value_axis(f, &r->axis[s->x]);
    plot_curves(p, f, block, n_curves, s->curves, 0);
    fclose(f);
    xb_plot_emit(p, "study_acc_vs_axis", body, PLOT_W);
    free(body);
    xb_free(what);
    free(where);
    xb_free(block);
}

static void fig_heatmap(struct plotter *p)
{
    const struct xb_study_result *r = &p->study[0];
    const struct xb_study_sel *s = &p->sel[0];
    if (s->hx < 0) {
        skip(p, "study_heatmap (one axis)");
        return;
    }
    const struct xb_study_axis *ax = &r->axis[s->hx], *ay = &r->axis[s->hy];
    size_t idx[XB_STUDY_MAX_AXES];
    memcpy(idx, s->fixed, sizeof idx);
    /* Cells by increasing value on both axes (text axes: the file's order). */
    size_t *ox = xb_malloc(ax->n + ay->n, sizeof *ox), *oy = ox + ax->n;
    xb_summary_order(ax->value, ax->n, ox);
    xb_summary_order(ay->value, ay->n, oy);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < ay->n; j++)
        for (size_t i = 0; i < ax->n; i++) {
            idx[s->hx] = ox[i];
            idx[s->hy] = oy[j];
            double m, l, h;
            if (!point_value(p, r, xb_study_point(r, idx), &m, &l, &h))
                continue;
            fprintf(p->dat, "%zu %zu %.17g\n", i, j, m);
            lo = fmin(lo, m);
            hi = fmax(hi, m);
        }
    if (lo > hi) {
        skip(p, "study_heatmap (no point done on these axes)");
        xb_free(ox);
        return;
    }
    int block = end_block(p);
    if (hi - lo < 1e-9) {
        lo -= 0.5;
        hi += 0.5;
    }
    /* The title names the axes held fixed: all but the two of the map. */
    struct xb_study_sel held = *s;
    held.x = s->hx;
    held.curves = s->hy;
    char *body, *where = fixed_text(r, &held);
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    char *what = xb_plot_str_printf("%s: %s accuracy (%%)", p->stem,
                                    p->view && p->view->votes ? "voted" : "mean");
    title(f, what, where);
    fprintf(f, XB_PLOT_PALETTE "set cbrange [%.10g:%.10g]\nset cblabel \"accuracy (%%)\"\n"
            "set xrange [-0.5:%g]\nset yrange [-0.5:%g]\nset tics out nomirror\n"
            "set style fill solid 1.0 noborder\nMID = %.10g\n",
            lo, hi, (double)ax->n - 0.5, (double)ay->n - 0.5, lo + 0.45 * (hi - lo));
    axis_label(f, "xlabel", ax);
    axis_label(f, "ylabel", ay);
    text_tics(f, "xtics", ax, ox);
    text_tics(f, "ytics", ay, oy);
    xb_free(ox);
    fprintf(f, "plot DATA index %d using 1:2:(0.5):(0.5):3 with boxxyerror lc palette "
            "notitle, \\\n"
            "     DATA index %d using 1:2:($3 < MID ? sprintf(\"%%.1f\", $3) : \"\") with "
            "labels tc rgb \"white\" notitle, \\\n"
            "     DATA index %d using 1:2:($3 >= MID ? sprintf(\"%%.1f\", $3) : \"\") with "
            "labels tc rgb \"black\" notitle\n",
            block, block, block);
    fclose(f);
    xb_plot_emit(p, "study_heatmap", body, PLOT_W);
    free(body);
    xb_free(what);
    free(where);
}

/* A point q, the value to sort it by (its SNR, energy or latency) and its
 * accuracy; sorted by key, ties by point, so the order is fixed. */
struct by_key {
    double key, acc;
    size_t q;
};

static int cmp_key(const void *a, const void *b)
{
    const struct by_key *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->q < y->q ? -1 : x->q > y->q;
}

/* Block of "snr mean lo hi" over the done points of r with a finite SNR,
 * by increasing SNR; with axis >= 0 only those whose index on it is c. -1
 * if there is none. */
static int block_vs_snr(struct plotter *p, const struct xb_study_result *r, int axis, size_t c)
{
    struct by_key *pt = xb_malloc(r->n_points, sizeof *pt);
    size_t n = 0, rows = 0, inner = 1; /* inner: the stride of axis in the flat index */
    for (size_t k = axis >= 0 ? (size_t)axis + 1 : r->n_axes; k < r->n_axes; k++)
        inner *= r->axis[k].n;
    for (size_t q = 0; q < r->n_points; q++)
        if (isfinite(r->snr_db[q]) && r->done[q] &&
            (axis < 0 || (q / inner) % r->axis[axis].n == c))
            pt[n++] = (struct by_key){r->snr_db[q], 0.0, q};
    qsort(pt, n, sizeof *pt, cmp_key);
    for (size_t i = 0; i < n; i++) {
        double m, lo, hi;
        if (!point_value(p, r, pt[i].q, &m, &lo, &hi))
            continue;
        fprintf(p->dat, "%.17g %.17g %.17g %.17g\n", pt[i].key, m, lo, hi);
        rows++;
    }
    xb_free(pt);
    return rows ? end_block(p) : -1;
}

/* Accuracy vs measured SNR: one curve per value of the curves axis (one
 * file), or per file. */
static void fig_vs_snr(struct plotter *p, const char *name)
{
    int multi = p->n_study > 1, axis = multi ? -1 : p->sel[0].curves;
    const struct xb_study_result *r = &p->study[0];
    size_t n = multi ? p->n_study : axis >= 0 ? r->axis[axis].n : 1;
    int *block = xb_malloc(n, sizeof *block), any = 0;
    for (size_t c = 0; c < n; c++)
        any |= (block[c] = block_vs_snr(p, multi ? &p->study[c] : r, axis, c)) >= 0;
    if (!any) {
        skip(p, multi ? "files_acc_vs_snr (no done point with a finite measured SNR)"
                      : "study_acc_vs_snr (no done point with a finite measured SNR)");
        xb_free(block);
        return;
    }
    char *body;
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    char *what = xb_plot_str_printf("%s: accuracy vs measured SNR%s", p->stem,
                                    multi ? ", every point of each file" : ", every point");
    title(f, what, "");
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom right noenhanced\n"
          "set xlabel \"measured SNR (dB)\"\nset yrange [0<*:*<100]\n", f);
    fprintf(f, "set ylabel \"%s\"\n", y_label(p));
    plot_curves(p, f, block, n, axis, 0);
    fclose(f);
    xb_plot_emit(p, name, body, PLOT_W);
    free(body);
    xb_free(what);
    xb_free(block);
}

/* Accuracy vs energy (or pipelined latency) per inference of every done
 * point of the study, and the front of the points no other point beats
 * (xb_pareto.h): the architect's trade-off across ADC bits, read noise,
 * tile sizes... Blocks: every point "cost acc" in point order, then the
 * front by increasing cost. */
static void fig_vs_cost(struct plotter *p, int latency)
{
    const struct xb_study_result *r = &p->study[0];
    const double *cost = latency ? r->latency : r->energy;
    const char *name = latency ? "study_acc_vs_latency" : "study_acc_vs_energy";
    if (!cost) {
        skip(p, latency ? "study_acc_vs_latency (no /study/latency_pipelined in the file)"
                        : "study_acc_vs_energy (no /study/energy in the file)");
        return;
    }
    struct by_key *pt = xb_malloc(r->n_points, sizeof *pt);
    size_t n = 0;
    for (size_t q = 0; q < r->n_points; q++) {
        double m, lo, hi;
        if (isfinite(cost[q]) && cost[q] > 0 && point_value(p, r, q, &m, &lo, &hi))
            pt[n++] = (struct by_key){cost[q], m, q};
    }
    if (n == 0) {
        skip(p, latency ? "study_acc_vs_latency (no done point with a latency)"
                        : "study_acc_vs_energy (no done point with an energy)");
        xb_free(pt);
        return;
    }
    double *c = xb_malloc(n, sizeof *c), *a = xb_malloc(n, sizeof *a);
    unsigned char *on = xb_malloc(n, 1);
    for (size_t i = 0; i < n; i++)
        c[i] = pt[i].key, a[i] = pt[i].acc;
    xb_pareto_front(c, a, n, on);
    for (size_t i = 0; i < n; i++)
        fprintf(p->dat, "%.17g %.17g\n", pt[i].key, pt[i].acc);
    int all = end_block(p);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (on[i])
            pt[m++] = pt[i];
    qsort(pt, m, sizeof *pt, cmp_key);
    for (size_t i = 0; i < m; i++)
        fprintf(p->dat, "%.17g %.17g\n", pt[i].key, pt[i].acc);
    int front = end_block(p);
    char *body;
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    char *what = xb_plot_str_printf("%s: accuracy vs %s per inference, every point", p->stem,
                                    latency ? "pipelined latency" : "energy");
    title(f, what, "");
    fprintf(f, XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom right noenhanced\n"
            "set logscale x\nset format x \"%%g\"\nset xlabel \"%s\"\nset yrange [0<*:*<100]\n",
            latency ? "latency per inference, pipelined (s)" : "energy per inference (J)");
    fprintf(f, "set ylabel \"%s\"\n", y_label(p));
    fprintf(f, "plot DATA index %d using 1:2 with points pt 6 ps 0.8 title \"every point\", \\\n"
            "     DATA index %d using 1:2 with linespoints lw 2 pt 7 title \"no other point "
            "beats\"\n", all, front);
    fclose(f);
    xb_plot_emit(p, name, body, PLOT_W);
    free(body);
    xb_free(what);
    xb_free(c), xb_free(a), xb_free(on), xb_free(pt);
}

/* ---- several files -------------------------------------------------------- */

static void fig_files_vs_axis(struct plotter *p)
{
    size_t n = p->n_study;
    int *block = xb_malloc(n, sizeof *block), any = 0;
    for (size_t f = 0; f < n; f++)
        any |= (block[f] = block_along_x(p, &p->study[f], &p->sel[f], 0)) >= 0;
    if (!any) {
        skip(p, "files_acc_vs_axis (no point done on these axes)");
        xb_free(block);
        return;
    }
    const struct xb_study_axis *a = &p->study[0].axis[p->sel[0].x];
    char *body;
    size_t len;
    FILE *f = xb_plot_mem_open(&body, &len);
    char *what = xb_plot_str_printf("%s: accuracy vs %s, each file's other axes held fixed",
                                    p->stem, a->key);
    title(f, what, "");
    fputs(XB_PLOT_PALETTE "unset colorbox\nset grid\nset key bottom left noenhanced\n"
          "set yrange [0<*:*<100]\n", f);
    fprintf(f, "set ylabel \"%s\"\n", y_label(p));
    value_axis(f, a);
    plot_curves(p, f, block, n, -1, 1);
    fclose(f);
    xb_plot_emit(p, "files_acc_vs_axis", body, PLOT_W);
    free(body);
    xb_free(what);
    xb_free(block);
}

void xb_plot_write_study(struct plotter *p)
{
    if (p->n_study > 1) {
        fig_vs_snr(p, "files_acc_vs_snr");
        fig_files_vs_axis(p);
        return;
    }
    fig_acc_vs_axis(p);
    fig_heatmap(p);
    fig_vs_snr(p, "study_acc_vs_snr");
    fig_vs_cost(p, 0);
    fig_vs_cost(p, 1);
}
