/*
 * The spiking layers' shared vocabulary (xb_spike.h): key names, the STBP
 * surrogates and their integrals, and the activity query. Apart from the
 * kinds so that the table of layer fields (xb_layer_impl.c) can name the
 * choices without depending on a kind.
 */
#include "xb_spike.h"

#include <math.h>

const char *const xb_encoding_names[] = {"direct", "poisson", "bernoulli", NULL};
const char *const xb_lif_reset_names[] = {"zero", "subtract", NULL};
const char *const xb_surrogate_names[] = {"rectangular", "triangle", "fast-sigmoid", "arctan",
                                          NULL};
const char *const xb_lif_readout_names[] = {"spikes", "last", "count", "membrane-sum",
                                            "membrane-max", NULL};


float xb_surrogate_step(enum xb_surrogate kind, float a, float x)
{
    const float ax = fabsf(x), z = x / a;
    switch (kind) {
    case XB_SURROGATE_RECT:
        return fminf(fmaxf(z + 0.5f, 0.0f), 1.0f);
    case XB_SURROGATE_TRIANGLE:
        if (ax >= a)
            return x > 0.0f ? 1.0f : 0.0f;
        return 0.5f + z - 0.5f * z * fabsf(z);
    case XB_SURROGATE_FAST_SIGMOID:
        return 0.5f + 0.5f * z / (1.0f + fabsf(z));
    case XB_SURROGATE_ARCTAN:
        return 0.5f + atanf(z) / XB_PI_F;
    }
    return 0.0f;
}

int xb_spike_activity_of(const struct xb_layer *l, struct xb_spike_activity *a)
{
    if (!l->type || !l->type->activity)
        return 0;
    l->type->activity(l, a);
    return a->rows > 0;
}
