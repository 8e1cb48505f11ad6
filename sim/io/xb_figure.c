#include "xb_figure.h"

#include <stdio.h>

void xb_figure_format(const struct xb_figure *f, char *buf, size_t size)
{
    switch (f->kind) {
    case XB_FIGURE_REAL:
        snprintf(buf, size, "%.9g", f->real);
        return;
    case XB_FIGURE_INT:
        snprintf(buf, size, "%lld", f->integer);
        return;
    case XB_FIGURE_TEXT:
        snprintf(buf, size, "%s", f->text ? f->text : "");
        return;
    }
    snprintf(buf, size, "?");
}
