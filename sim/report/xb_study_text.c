#include "xb_study_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"

int xb_study_is_study(const struct xb_study_result *r)
{
    return !(r->n_axes == 2 && !strcmp(r->axis[0].key, "sweep.sigma_train") &&
             (!strcmp(r->axis[1].key, "sweep.sigma_test") || !strcmp(r->axis[1].key, "sweep.t")));
}

struct buf {
    char *t;
    size_t len, size;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->t + b->len, b->size - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->size - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t size = 2 * b->size + (n > 0 ? (size_t)n : 0);
        char *grown = xb_malloc(size, 1);
        memcpy(grown, b->t, b->len + 1);
        xb_free(b->t);
        b->t = grown, b->size = size;
    }
}

/* "91.25%", or "-" where not done. */
static void percent(char *out, size_t size, double x)
{
    if (isnan(x))
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.2f%%", 100.0 * x);
}

char *xb_study_text(const struct xb_study_result *r)
{
    struct buf b = {xb_malloc(4096, 1), 0, 4096};
    b.t[0] = '\0';
    size_t done = 0;
    for (size_t c = 0; c < r->n_points; c++)
        done += r->done[c] != 0;
    put(&b, "study         %zu axes, %zu points, %zu done; %zu repeats, votes K = 1..%zu\n",
        r->n_axes, r->n_points, done, r->n_repeat, r->n_votes);
    size_t width[XB_STUDY_MAX_AXES];
    for (size_t k = 0; k < r->n_axes; k++) {
        const struct xb_study_axis *a = &r->axis[k];
        put(&b, "axis %zu        %s [%s], %s:", k, a->key, a->units[0] ? a->units : "1",
            a->trains ? "trains" : "evaluated");
        width[k] = strlen(a->key);
        for (size_t i = 0; i < a->n; i++) {
            put(&b, "%s %s", i ? "," : "", a->label[i]);
            if (strlen(a->label[i]) > width[k])
                width[k] = strlen(a->label[i]);
        }
        put(&b, "\n");
    }
    put(&b, "\n");
    for (size_t k = 0; k < r->n_axes; k++)
        put(&b, "%-*s  ", (int)width[k], r->axis[k].key);
    put(&b, "%9s  %9s  %8s  %10s\n", "accuracy", "voted", "SNR (dB)", "energy (J)");
    size_t rows = r->n_points < XB_STUDY_TEXT_MAX_ROWS ? r->n_points : XB_STUDY_TEXT_MAX_ROWS;
    for (size_t c = 0; c < rows; c++) {
        size_t rest = c;
        size_t idx[XB_STUDY_MAX_AXES];
        for (size_t k = r->n_axes; k-- > 0;)
            idx[k] = rest % r->axis[k].n, rest /= r->axis[k].n;
        for (size_t k = 0; k < r->n_axes; k++)
            put(&b, "%-*s  ", (int)width[k], r->axis[k].label[idx[k]]);
        double mean = 0.0;
        for (size_t i = 0; i < r->n_repeat; i++)
            mean += r->accuracy[c * r->n_repeat + i];
        mean /= (double)r->n_repeat;
        char acc[16], vote[16];
        percent(acc, sizeof acc, r->done[c] ? mean : (double)NAN);
        percent(vote, sizeof vote,
                r->done[c] && r->accuracy_vote
                    ? r->accuracy_vote[c * r->n_votes + r->n_votes - 1] : (double)NAN);
        put(&b, "%9s  %9s  %8.2f  %10.3g\n", acc, vote, r->snr_db[c],
            r->energy ? r->energy[c] : (double)NAN);
    }
    if (rows < r->n_points)
        put(&b, "... %zu more points (h5dump -d /study/accuracy)\n", r->n_points - rows);
    put(&b, "accuracy: mean over the repeats; voted: the majority of K = %zu votes\n",
        r->n_votes);
    return b.t;
}
