/*
 * xb_figure.h — one named result of a study, with its units.
 *
 * A study reports its figures as an array of these; the same array is
 * printed as `name: value` lines on stdout (for scripts) and written as
 * scalar HDF5 datasets carrying `units` and `description` attributes, so
 * the two outputs cannot disagree.
 */
#ifndef XB_FIGURE_H
#define XB_FIGURE_H

#include <stddef.h>

enum xb_figure_kind { XB_FIGURE_REAL = 0, XB_FIGURE_INT = 1, XB_FIGURE_TEXT = 2 };

struct xb_figure {
    const char *name;        /* key: [a-z0-9_]+ */
    enum xb_figure_kind kind;
    double real;             /* XB_FIGURE_REAL */
    long long integer;       /* XB_FIGURE_INT */
    const char *text;        /* XB_FIGURE_TEXT; borrowed, must outlive the array */
    const char *units;       /* "dB", "s", "1" (dimensionless), "" (text) */
    const char *description; /* one sentence */
};

static inline struct xb_figure xb_figure_real(const char *name, double v, const char *units,
                                              const char *description)
{
    return (struct xb_figure){name, XB_FIGURE_REAL, v, 0, NULL, units, description};
}
static inline struct xb_figure xb_figure_int(const char *name, long long v, const char *units,
                                             const char *description)
{
    return (struct xb_figure){name, XB_FIGURE_INT, 0.0, v, NULL, units, description};
}
static inline struct xb_figure xb_figure_text(const char *name, const char *v,
                                              const char *description)
{
    return (struct xb_figure){name, XB_FIGURE_TEXT, 0.0, 0, v, "", description};
}

/* Writes the value as text: reals with 9 significant digits (enough to
 * tell two float32 results apart), "inf"/"nan" as such. Thread-safe. */
void xb_figure_format(const struct xb_figure *f, char *buf, size_t size);

#endif
