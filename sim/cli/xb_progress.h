/*
 * xb_progress.h — a progress bar with ETA on stderr, drawn only when
 * stderr is a terminal and not --quiet. Front end only.
 */
#ifndef XB_PROGRESS_H
#define XB_PROGRESS_H

#include <stddef.h>

struct xb_progress {
    int enabled;
    double start;          /* s, monotonic */
    size_t start_done;     /* units already done when started (resume) */
    char label[64];
};

void xb_progress_start(struct xb_progress *p, const char *label, size_t done, int quiet);
void xb_progress_update(struct xb_progress *p, size_t done, size_t total);
/* Ends the line; returns the elapsed seconds. */
double xb_progress_end(struct xb_progress *p);

/* Monotonic seconds. */
double xb_now(void);

#endif
