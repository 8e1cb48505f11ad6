/*
 * The table of layer kinds (each kind is its own layer_<kind>.c; the helpers
 * they share are xb_layer_impl.c).
 */
#include "xb_layer.h"

#include <string.h>

#include "xb_layer_impl.h"

/* Every kind, in the order the documentation lists them. Adding a kind is
 * one file and one line here. */
static const struct xb_layer_type *const layer_types[] = {
    &xb_layer_dense,   &xb_layer_conv2d,  &xb_layer_batchnorm, &xb_layer_relu,
    &xb_layer_maxpool, &xb_layer_flatten, &xb_layer_dropout,   &xb_layer_noise,
    &xb_layer_lstm,    &xb_layer_encode,  &xb_layer_lif,       &xb_layer_conv_lif,
    &xb_layer_mfdv,
};

const struct xb_layer_type *xb_layer_type_find(const char *name)
{
    for (size_t k = 0; k < sizeof layer_types / sizeof *layer_types; k++)
        if (!strcmp(layer_types[k]->name, name))
            return layer_types[k];
    return NULL;
}

enum xb_init xb_layer_config_init(const struct xb_layer_config *lc, enum xb_init model)
{
    if (lc->init != XB_INIT_AUTO)
        return lc->init;
    const struct xb_layer_type *t = xb_layer_type_find(lc->type);
    if (!t || t->init_default == XB_INIT_AUTO)
        return XB_INIT_AUTO;
    return model != XB_INIT_AUTO ? model : t->init_default;
}
