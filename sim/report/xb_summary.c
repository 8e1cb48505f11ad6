#include "xb_summary.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"

/* Widths of the table: the row label and each σ_test column (display
 * columns, not bytes: "σ" is two bytes and one column). */
#define LABEL_WIDTH 14
#define CELL_WIDTH 8
/* Device mode: read times as "2.592e+06" need two more. */
#define CELL_WIDTH_T 10

static size_t cell_width(const struct xb_sweep_result *r)
{
    return r->test_is_t ? CELL_WIDTH_T : CELL_WIDTH;
}

/* ---- numbers ------------------------------------------------------------ */

void xb_summary_order(const double *x, size_t n, size_t *idx)
{
    /* Insertion sort: grids are a dozen values, and it is stable. */
    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        while (k > 0 && x[idx[k - 1]] > x[i]) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = i;
    }
}

void xb_summary_point(const struct xb_sweep_result *r, size_t i, size_t j, struct xb_ci *out)
{
    if (!xb_sweep_result_done(r, i, j)) {
        xb_ci_mean(NULL, 0, 1, XB_SUMMARY_LEVEL, out);
        return;
    }
    xb_ci_mean(&r->accuracy[(i * r->n_test + j) * r->n_repeat], r->n_repeat, 1,
               XB_SUMMARY_LEVEL, out);
}

void xb_summary_compute(const struct xb_sweep_result *r, struct xb_summary *out)
{
    size_t *train = xb_malloc(r->n_train, sizeof *train);
    size_t *test = xb_malloc(r->n_test, sizeof *test);
    xb_summary_order(r->sigma_train, r->n_train, train);
    xb_summary_order(r->sigma_test, r->n_test, test);

    memset(out, 0, sizeof *out);
    out->n_cols = r->n_test;
    out->col = xb_calloc(r->n_test, sizeof *out->col);
    out->train0 = -1;
    for (size_t t = 0; t < r->n_train && out->train0 < 0; t++)
        if (r->sigma_train[train[t]] == 0)
            out->train0 = (long)train[t];
    out->k_max = r->n_votes ? r->votes[r->n_votes - 1] : 0;
    out->n_points = r->n_train * r->n_test;

    for (size_t c = 0; c < r->n_test; c++) {
        struct xb_summary_col *col = &out->col[c];
        size_t j = test[c];
        col->test = j;
        col->complete = 1;
        col->zero = col->best = col->vote_best = (double)NAN;
        col->best_by = col->vote_by = -1;
        /* In increasing σ_train with strict '>': ties go to the smaller. */
        for (size_t t = 0; t < r->n_train; t++) {
            size_t i = train[t];
            if (!xb_sweep_result_done(r, i, j)) {
                col->complete = 0;
                continue;
            }
            out->n_done++;
            struct xb_ci ci;
            xb_summary_point(r, i, j, &ci);
            if ((long)i == out->train0)
                col->zero = ci.mean;
            if (col->best_by < 0 || ci.mean > col->best) {
                col->best = ci.mean;
                col->best_by = (long)i;
            }
            if (r->n_votes) {
                double v = xb_sweep_result_acc_vote(r, i, j, r->n_votes - 1);
                if (col->vote_by < 0 || v > col->vote_best) {
                    col->vote_best = v;
                    col->vote_by = (long)i;
                }
            }
        }
    }
    xb_free(train);
    xb_free(test);
}

void xb_summary_free(struct xb_summary *s)
{
    if (!s)
        return;
    xb_free(s->col);
    memset(s, 0, sizeof *s);
}

void xb_summary_format_sigma(double sigma, char *buf, size_t size)
{
    snprintf(buf, size, "%g", sigma);
    /* "0" and "1" as the paper's "0.0" and "1.0". */
    if (isfinite(sigma) && !strpbrk(buf, ".e") && strlen(buf) + 3 <= size)
        strcat(buf, ".0");
}

/* ---- text --------------------------------------------------------------- */

/* A growing string. */
struct text {
    char *s;
    size_t len, cap;
};

static void appendf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void appendf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    XB_ASSERT(n >= 0);
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = 2 * (t->len + (size_t)n + 1);
        char *s = xb_malloc(cap, 1);
        if (t->s)
            memcpy(s, t->s, t->len + 1);
        xb_free(t->s);
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Display columns of a UTF-8 string: every byte but continuation bytes. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* s padded to width display columns, left- or right-aligned. */
static void pad(struct text *t, const char *s, size_t width, int right)
{
    size_t w = display_width(s);
    size_t fill = w < width ? width - w : 0;
    if (right)
        appendf(t, "%*s%s", (int)fill, "", s);
    else
        appendf(t, "%s%*s", s, (int)fill, "");
}

static void cell_percent(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%.1f%%", 100 * v);
}

static void cell_sigma(const struct xb_sweep_result *r, char *buf, size_t size, long i)
{
    if (i < 0)
        snprintf(buf, size, "-");
    else
        xb_summary_format_sigma(r->sigma_train[i], buf, size);
}

/* The two header rows: σ_test ("*" where incomplete), or in device mode
 * the read times t, and SNR (dB), in device mode the measured SNR of the
 * chip (models/eval/xb_snr.h; "-" in files made before it was measured). */
static void header(struct text *t, const struct xb_sweep_result *r, const struct xb_summary *s)
{
    char cell[64];
    pad(t, r->test_is_t ? "t (s)" : "σ_test", LABEL_WIDTH, 0);
    for (size_t c = 0; c < s->n_cols; c++) {
        if (r->test_is_t) /* read times span decades: 1, 3600, 2.592e+06 */
            snprintf(cell, sizeof cell - 1, "%.6g", r->sigma_test[s->col[c].test]);
        else
            xb_summary_format_sigma(r->sigma_test[s->col[c].test], cell, sizeof cell - 1);
        if (!s->col[c].complete)
            strcat(cell, "*");
        pad(t, cell, cell_width(r), 1);
    }
    appendf(t, "\n");
    pad(t, "SNR (dB)", LABEL_WIDTH, 0);
    for (size_t c = 0; c < s->n_cols; c++) {
        double snr = r->snr_db[s->col[c].test];
        if (isnan(snr))
            snprintf(cell, sizeof cell, "-");
        else if (isinf(snr))
            snprintf(cell, sizeof cell, "%sinf", snr < 0 ? "-" : "");
        else /* no "-0.00" */
            snprintf(cell, sizeof cell, "%.2f", fabs(snr) < 0.005 ? 0.0 : snr);
        pad(t, cell, cell_width(r), 1);
    }
    appendf(t, "\n");
}

enum row_kind { ROW_ZERO, ROW_BEST, ROW_BEST_BY, ROW_VOTE, ROW_VOTE_BY };

static void row(struct text *t, const struct xb_sweep_result *r, const struct xb_summary *s,
                const char *label, enum row_kind kind)
{
    char cell[64];
    pad(t, label, LABEL_WIDTH, 0);
    for (size_t c = 0; c < s->n_cols; c++) {
        const struct xb_summary_col *col = &s->col[c];
        switch (kind) {
        case ROW_ZERO: cell_percent(cell, sizeof cell, col->zero); break;
        case ROW_BEST: cell_percent(cell, sizeof cell, col->best); break;
        case ROW_BEST_BY: cell_sigma(r, cell, sizeof cell, col->best_by); break;
        case ROW_VOTE: cell_percent(cell, sizeof cell, col->vote_best); break;
        case ROW_VOTE_BY: cell_sigma(r, cell, sizeof cell, col->vote_by); break;
        }
        pad(t, cell, cell_width(r), 1);
    }
    appendf(t, "\n");
}

static void provenance(struct text *t, const struct xb_sweep_result *r,
                       const struct xb_summary *s)
{
    /* The rest of the provenance is xb_provenance_text's block. */
    appendf(t, "file          %s\n", r->path);
    appendf(t, "sweep         data set %s, model %s, noise %s\n", r->dataset, r->model,
            r->noise_model);
    if (r->test_is_t)
        appendf(t, "grid          %zu sigma_train x %zu read times t, %zu chip instance%s, ",
                r->n_train, r->n_test, r->n_repeat, r->n_repeat == 1 ? "" : "s");
    else
        appendf(t, "grid          %zu sigma_train x %zu sigma_test, %zu repeat%s, ", r->n_train,
                r->n_test, r->n_repeat, r->n_repeat == 1 ? "" : "s");
    if (r->n_votes)
        appendf(t, "votes K = %d..%d\n", (int)r->votes[0], (int)s->k_max);
    else
        appendf(t, "no voting\n");
    appendf(t, "done          %zu of %zu points\n", s->n_done, s->n_points);
}

/* A spiking model's energy per inference at each point's measured activity
 * (/sweep/spike_energy), in nJ: a row per σ_train, the columns of the
 * accuracy tables; then the digital SNN and ANN of paper 002 eqs. 7-8 over
 * the done points, and the full-activity price of /sweep/energy beside it,
 * which is what it overstates. */
static void spike_energy(struct text *t, const struct xb_sweep_result *r,
                         const struct xb_summary *s)
{
    size_t *train = xb_malloc(r->n_train, sizeof *train);
    xb_summary_order(r->sigma_train, r->n_train, train);
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {0, 0, 0};
    char cell[48], label[64];
    appendf(t, "\nEnergy per inference (one vote) at the measured spiking activity, on the "
            "crossbars, nJ\n");
    header(t, r, s);
    for (size_t a = 0; a < r->n_train; a++) {
        size_t i = train[a];
        xb_summary_format_sigma(r->sigma_train[i], cell, sizeof cell);
        snprintf(label, sizeof label, "σ_train = %s", cell);
        pad(t, label, LABEL_WIDTH, 0);
        for (size_t c = 0; c < s->n_cols; c++) {
            size_t j = s->col[c].test;
            const double *e = &r->spike_energy[(i * r->n_test + j) * 3];
            if (!xb_sweep_result_done(r, i, j)) {
                snprintf(cell, sizeof cell, "-");
            } else {
                snprintf(cell, sizeof cell, "%.3g", e[0] * 1e9);
                for (int k = 0; k < 3; k++)
                    lo[k] = fmin(lo[k], e[k]), hi[k] = fmax(hi[k], e[k]);
            }
            pad(t, cell, cell_width(r), 1);
        }
        appendf(t, "\n");
    }
    if (isfinite(lo[0]))
        appendf(t, "digital SNN   %.3g..%.3g nJ, the same net as an ANN %.3g nJ (paper 002 eqs. "
                "7-8, over the done points)\n", lo[1] * 1e9, hi[1] * 1e9, hi[2] * 1e9);
    if (r->energy)
        appendf(t, "full activity %.3g nJ on the crossbars (/sweep/energy, K = %d)\n",
                r->energy[0] * 1e9, (int)r->votes[0]);
    xb_free(train);
}

char *xb_summary_text(const struct xb_sweep_result *r)
{
    struct text t = {0};
    struct xb_summary s;
    xb_summary_compute(r, &s);
    int incomplete = s.n_done < s.n_points;

    provenance(&t, r, &s);
    appendf(&t, "\nAccuracy without voting, mean of %zu %s%s (paper 001 Tables 2, 3)\n",
            r->n_repeat, r->test_is_t ? "chip instance" : "repeat", r->n_repeat == 1 ? "" : "s");
    header(&t, r, &s);
    if (s.train0 >= 0)
        row(&t, r, &s, "σ_train = 0", ROW_ZERO);
    row(&t, r, &s, "best", ROW_BEST);
    row(&t, r, &s, "by σ_train", ROW_BEST_BY);
    if (s.train0 < 0)
        appendf(&t, "(no sigma_train = 0 in this sweep: no noiseless-training row)\n");

    if (r->n_votes) {
        appendf(&t, "\nAccuracy with voting, majority of K = %d (paper 001 Table 7)\n",
                (int)s.k_max);
        header(&t, r, &s);
        row(&t, r, &s, "no voting", ROW_BEST);
        row(&t, r, &s, "best voting", ROW_VOTE);
        row(&t, r, &s, "by σ_train", ROW_VOTE_BY);
    } else {
        appendf(&t, "\n(no voting in this sweep: votes is empty)\n");
    }
    if (r->spike_energy)
        spike_energy(&t, r, &s);
    if (incomplete)
        appendf(&t, "\n* not every sigma_train is done at this %s; best is over those done\n",
                r->test_is_t ? "read time" : "sigma_test");
    xb_summary_free(&s);
    return t.s;
}
