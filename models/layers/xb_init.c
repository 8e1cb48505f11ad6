/*
 * The initialisation kinds (xb_init.h): one row each, name → bounds.
 */
#include "xb_init.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_error.h"
#include "xb_rng.h"

static double zero(const struct xb_init_fans *f)
{
    (void)f;
    return 0.0;
}

static double he_limit(const struct xb_init_fans *f) { return sqrt(6.0 / f->fan_in); }

static double glorot_limit(const struct xb_init_fans *f)
{
    return sqrt(6.0 / (f->fan_in + f->fan_out));
}

static double torch_limit(const struct xb_init_fans *f) { return 1.0 / sqrt(f->torch_fan); }

/* Each name once, for the table and the registry's list of choices. */
#define NAME_HE "he-uniform"
#define NAME_GLOROT "glorot-uniform"
#define NAME_TORCH "pytorch"

/* Indexed by enum xb_init; row 0 (AUTO) is not a kind. */
static const struct xb_init_type kinds[XB_INIT_COUNT] = {
    [XB_INIT_HE_UNIFORM] = {NAME_HE, "W ~ U(±sqrt(6/fan_in)), zero bias (He et al. 2015)",
                            he_limit, zero},
    [XB_INIT_GLOROT_UNIFORM] = {NAME_GLOROT,
                                "W ~ U(±sqrt(6/(fan_in + fan_out))), zero bias (Keras's default)",
                                glorot_limit, zero},
    [XB_INIT_PYTORCH] = {NAME_TORCH, "W and b ~ U(±1/sqrt(fan_in)); lstm: U(±1/sqrt(H)) "
                         "(PyTorch's default)", torch_limit, torch_limit},
};

const struct xb_init_type *xb_init_type(enum xb_init kind)
{
    if ((int)kind <= (int)XB_INIT_AUTO || (int)kind >= (int)XB_INIT_COUNT)
        return NULL;
    return &kinds[kind];
}

const char *const xb_init_key_names[XB_INIT_COUNT + 1] = {
    [XB_INIT_AUTO] = "auto",          [XB_INIT_HE_UNIFORM] = NAME_HE,
    [XB_INIT_GLOROT_UNIFORM] = NAME_GLOROT, [XB_INIT_PYTORCH] = NAME_TORCH, [XB_INIT_COUNT] = NULL};

int xb_init_parse(const char *name)
{
    for (int k = XB_INIT_AUTO + 1; k < XB_INIT_COUNT; k++)
        if (!strcmp(kinds[k].name, name))
            return k;
    return -1;
}

const char *xb_init_name(enum xb_init kind)
{
    const struct xb_init_type *t = xb_init_type(kind);
    return t ? t->name : "auto";
}

void xb_init_names(char *buf, size_t size)
{
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (int k = XB_INIT_AUTO + 1; k < XB_INIT_COUNT && len < size; k++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s",
                                k == XB_INIT_AUTO + 1 ? "" : k + 1 < XB_INIT_COUNT ? ", " : " or ",
                                kinds[k].name);
}

/* out[i] = (2u − 1)·limit for uniform elements first .. first + n − 1 of s:
 * the very expression layers used before initialisation was a key, so
 * he-uniform keeps its bits. */
static void uniform_into(const struct xb_stream *s, uint64_t first, size_t n, double limit,
                         float *out)
{
    xb_uniform_fill(s, first, n, out);
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((2.0 * (double)out[i] - 1.0) * limit);
}

void xb_init_fill(enum xb_init kind, const struct xb_init_fans *f, float *params,
                  uint64_t seed, uint32_t layer)
{
    const struct xb_init_type *t = xb_init_type(kind);
    XB_ASSERT(t != NULL);
    XB_ASSERT(f->fan_in >= 1.0 && f->fan_out >= 1.0 && f->torch_fan >= 1.0);
    XB_ASSERT(f->torch_bias_terms >= 1);
    const struct xb_addr a = {.purpose = XB_PURPOSE_WEIGHTS, .layer = layer};
    const struct xb_stream s = xb_stream_at(seed, &a);
    uniform_into(&s, 0, f->n_w, t->weight_limit(f), params);
    float *b = params + f->n_w;
    const double bl = t->bias_limit(f);
    memset(b, 0, f->n_b * sizeof(float));
    if (bl == 0.0 || f->n_b == 0)
        return;
    /* The terms are summed in double and rounded once. */
    float term[256];
    for (size_t j0 = 0; j0 < f->n_b; j0 += 256) {
        const size_t m = f->n_b - j0 < 256 ? f->n_b - j0 : 256;
        double acc[256] = {0};
        for (int k = 0; k < f->torch_bias_terms; k++) {
            uniform_into(&s, f->n_w + (uint64_t)k * f->n_b + j0, m, bl, term);
            for (size_t j = 0; j < m; j++)
                acc[j] += (double)term[j];
        }
        for (size_t j = 0; j < m; j++)
            b[j0 + j] = (float)acc[j];
    }
}
