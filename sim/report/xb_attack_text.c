#include "xb_attack_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_ci.h"

/* One table: a row per eps, the Ori. column (NaN: "-"), then per kind
 * 100 · v[k · kstride + j · jstride]. */
static void table(FILE *o, const struct xb_attack_file *f, const char *title, double ori,
                  const double *v, size_t kstride, size_t jstride)
{
    fprintf(o, "\n%s\n%-8s %8s", title, "eps", "Ori.");
    for (size_t k = 0; k < f->K; k++)
        fprintf(o, " %8s", f->label[k]);
    fputc('\n', o);
    for (size_t j = 0; j < f->J; j++) {
        fprintf(o, "%-8g", f->eps[j]);
        if (isnan(ori))
            fprintf(o, " %8s", "-");
        else
            fprintf(o, " %8.2f", 100.0 * ori);
        for (size_t k = 0; k < f->K; k++)
            fprintf(o, " %8.2f", 100.0 * v[k * kstride + j * jstride]);
        fputc('\n', o);
    }
}

/* Over n values x[0], x[stride], ...: the mean (m) or the 95 % half-width. */
static double stat(const double *x, size_t n, size_t stride, int half)
{
    struct xb_ci ci;
    xb_ci_mean(x, n, stride, 0.95, &ci);
    return half ? (isnan(ci.half) ? 0.0 : ci.half) : ci.mean;
}

/* The 95 % half-widths over the chips. */
static void chips(FILE *o, const struct xb_attack_file *f)
{
    const size_t KJ = f->K * f->J;
    double *h = xb_malloc(KJ, sizeof *h);
    for (size_t i = 0; i < KJ; i++)
        h[i] = stat(f->acc_chip + i, f->R, KJ, 1);
    char title[96];
    snprintf(title, sizeof title, "95 %% interval half-width over %zu chips (%%)", f->R);
    table(o, f, title, stat(f->clean_chip, f->R, 1, 1), h, f->J, 1);
    xb_free(h);
}

/* The target at each sigma_test: mean and half-width over the repeats. */
static void transfer(FILE *o, const struct xb_attack_file *f)
{
    table(o, f, "the source's own accuracy on its adversarial images (%)", NAN, f->source,
          f->J, 1);
    const size_t KJ = f->K * f->J;
    double *m = xb_malloc(2 * KJ, sizeof *m), *h = m + KJ;
    for (size_t s = 0; s < f->S; s++) {
        for (size_t i = 0; i < KJ; i++) {
            const double *x = f->noisy + (i * f->S + s) * f->N;
            m[i] = stat(x, f->N, 1, 0);
            h[i] = stat(x, f->N, 1, 1);
        }
        char title[160], at[64];
        if (f->test_is_t)
            snprintf(at, sizeof at, "on the chips at t = %g s", f->sigma_test[s]);
        else
            snprintf(at, sizeof at, "at sigma_test %g", f->sigma_test[s]);
        snprintf(title, sizeof title, "the target %s: accuracy (%%), the mean of %zu %s", at,
                 f->N, f->test_is_t ? "chips" : "runs");
        table(o, f, title, NAN, m, f->J, 1);
        snprintf(title, sizeof title, "the target %s: 95 %% interval half-width (%%)", at);
        table(o, f, title, NAN, h, f->J, 1);
    }
    xb_free(m);
}

char *xb_attack_text(const struct xb_attack_file *f)
{
    char *text = NULL;
    size_t len;
    FILE *o = open_memstream(&text, &len);
    XB_ASSERT(o);
    fprintf(o, "attacks: %s\n", f->kinds_text);
    if (f->R)
        fprintf(o, "chips: %zu\n", f->R);
    const char *what = f->noisy ? "the target's, noiseless"
                       : f->R   ? "the mean over the chips"
                                : "as xbar attack scored it";
    char title[160];
    snprintf(title, sizeof title, "robustness (paper 000 Tables 2-3): accuracy (%%), %s",
             what);
    table(o, f, title, f->clean, f->acc, f->J, 1);
    if (f->R > 1)
        chips(o, f);
    if (f->noisy)
        transfer(o, f);
    fclose(o);
    /* open_memstream's buffer is malloc'd; the caller frees with xb_free. */
    char *out = xb_strdup(text);
    free(text);
    return out;
}
