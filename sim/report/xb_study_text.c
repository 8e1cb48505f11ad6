#include "xb_study_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"

int xb_study_is_study(const struct xb_study_view *v)
{
    return !(v->rank == 2 && !strcmp(v->key[0], "sweep.sigma_train") &&
             (!strcmp(v->key[1], "sweep.sigma_test") || !strcmp(v->key[1], "sweep.t")));
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

char *xb_study_text(const struct xb_study_view *v)
{
    struct buf b = {xb_malloc(4096, 1), 0, 4096};
    b.t[0] = '\0';
    size_t done = 0;
    for (size_t c = 0; c < v->cells; c++)
        done += v->done[c] != 0;
    put(&b, "study         %zu axes, %zu points, %zu done; %zu repeats, votes K = 1..%zu\n",
        v->rank, v->cells, done, v->repeats, v->votes);
    size_t width[XB_STUDY_MAX_RANK];
    for (size_t k = 0; k < v->rank; k++) {
        put(&b, "axis %zu        %s [%s], %s:", k, v->key[k], v->units[k][0] ? v->units[k] : "1",
            v->trains[k] ? "trains" : "evaluated");
        width[k] = strlen(v->key[k]);
        for (size_t i = 0; i < v->n[k]; i++) {
            put(&b, "%s %s", i ? "," : "", v->value[k][i]);
            if (strlen(v->value[k][i]) > width[k])
                width[k] = strlen(v->value[k][i]);
        }
        put(&b, "\n");
    }
    put(&b, "\n");
    for (size_t k = 0; k < v->rank; k++)
        put(&b, "%-*s  ", (int)width[k], v->key[k]);
    put(&b, "%9s  %9s  %8s  %10s\n", "accuracy", "voted", "SNR (dB)", "energy (J)");
    size_t rows = v->cells < XB_STUDY_TEXT_MAX_ROWS ? v->cells : XB_STUDY_TEXT_MAX_ROWS;
    for (size_t c = 0; c < rows; c++) {
        size_t rest = c;
        size_t idx[XB_STUDY_MAX_RANK];
        for (size_t k = v->rank; k-- > 0;)
            idx[k] = rest % v->n[k], rest /= v->n[k];
        for (size_t k = 0; k < v->rank; k++)
            put(&b, "%-*s  ", (int)width[k], v->value[k][idx[k]]);
        double mean = 0.0;
        for (size_t r = 0; r < v->repeats; r++)
            mean += v->accuracy[c * v->repeats + r];
        mean /= (double)v->repeats;
        char acc[16], vote[16];
        percent(acc, sizeof acc, v->done[c] ? mean : (double)NAN);
        percent(vote, sizeof vote,
                v->done[c] ? v->accuracy_vote[c * v->votes + v->votes - 1] : (double)NAN);
        put(&b, "%9s  %9s  %8.2f  %10.3g\n", acc, vote, v->snr[c], v->energy[c]);
    }
    if (rows < v->cells)
        put(&b, "... %zu more points (h5dump -d /study/accuracy)\n", v->cells - rows);
    put(&b, "accuracy: mean over the repeats; voted: the majority of K = %zu votes\n",
        v->votes);
    return b.t;
}
