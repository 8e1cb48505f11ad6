/*
 * The table of loss kinds (xb_loss.h).
 */
#include "xb_loss.h"

#include <string.h>

/* Every kind. Adding a kind is one file and one line here. */
static const struct xb_loss_type *const loss_types[] = {
    &xb_loss_cross_entropy,
    &xb_loss_mse,
};

const struct xb_loss_type *const xb_loss_default = &xb_loss_cross_entropy;

const struct xb_loss_type *xb_loss_type_find(const char *name)
{
    for (size_t k = 0; xb_loss_type_at(k); k++)
        if (!strcmp(loss_types[k]->name, name))
            return loss_types[k];
    return NULL;
}

const struct xb_loss_type *xb_loss_type_at(size_t k)
{
    return k < sizeof loss_types / sizeof *loss_types ? loss_types[k] : NULL;
}
