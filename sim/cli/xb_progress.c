#include "xb_progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double xb_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void xb_progress_start(struct xb_progress *p, const char *label, size_t done, int quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->start = xb_now();
    p->start_done = done;
    snprintf(p->label, sizeof p->label, "%s", label);
}

void xb_progress_update(struct xb_progress *p, size_t done, size_t total)
{
    if (!p->enabled || total == 0)
        return;
    double el = xb_now() - p->start, frac = (double)done / (double)total;
    size_t new_units = done - p->start_done;
    double eta = new_units ? el / (double)new_units * (double)(total - done) : 0.0;
    char bar[31];
    int fill = (int)(frac * 30.0 + 0.5);
    for (int k = 0; k < 30; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3.0f%% %zu/%zu  %.0f s elapsed, ETA %.0f s ", p->label, bar,
            100.0 * frac, done, total, el, eta);
    fflush(stderr);
}

double xb_progress_end(struct xb_progress *p)
{
    if (p->enabled)
        fputc('\n', stderr);
    return xb_now() - p->start;
}
