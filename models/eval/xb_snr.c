/*
 * Measured SNR of a network's analog layers; the definitions and why are
 * in xb_snr.h.
 */
#include "xb_snr.h"

#include <math.h>
#include <string.h>

#include "xb_alloc.h"

/* An analog layer of a pass on a chip, or under abstract noise. */
static int is_analog(const struct xb_layer *l, size_t k, int on_device)
{
    if (on_device)
        return l->type->program != NULL;
    return l->type->noise_power != NULL || (k > 0 && !strcmp(l->type->name, "noise"));
}

void xb_snr_init(struct xb_snr *s, struct xb_net *net, int on_device)
{
    memset(s, 0, sizeof *s);
    s->on_device = on_device;
    for (size_t k = 0; k < xb_net_n_layers(net); k++)
        if (is_analog(xb_net_layer(net, k), k, on_device))
            s->layer[s->n++] = (uint32_t)k;
}

size_t xb_snr_scratch(struct xb_net *net, const struct xb_snr *s)
{
    size_t widest = 0;
    for (size_t i = 0; i < s->n; i++) {
        size_t w = xb_shape_size(xb_net_layer(net, s->layer[i])->out);
        widest = w > widest ? w : widest;
    }
    return xb_net_max_rows(net) * widest;
}

void xb_snr_add(struct xb_snr *s, struct xb_net *net, const struct xb_pass *p, const float *x,
                float *scratch)
{
    for (size_t i = 0; i < s->n; i++) {
        const size_t k = s->layer[i];
        const size_t n = p->rows * xb_shape_size(xb_net_layer(net, k)->out);
        xb_net_layer_ideal(net, p, k, x, scratch);
        const float *y = xb_net_output(net, k);
        /* xb_snr_db_measured's sums, term for term (xb_snr.h). */
        double ps = 0.0, pn = 0.0;
        for (size_t v = 0; v < n; v++) {
            double d = (double)y[v] - (double)scratch[v];
            ps += (double)scratch[v] * (double)scratch[v];
            pn += d * d;
        }
        s->signal[i] += ps;
        s->error[i] += pn;
        s->values[i] += n;
    }
    if (!s->on_device || !xb_snr_tiles(s, net))
        return;
    for (size_t i = 0, t = 0; i < s->n; i++) {
        const size_t k = s->layer[i];
        const struct xb_layer *l = xb_net_layer(net, k);
        if (!l->type->tile_energy)
            continue;
        t += l->type->tile_energy(l, p, k ? xb_net_output(net, k - 1) : x,
                                  s->tile_signal + t, s->tile_error + t);
    }
}

size_t xb_snr_tiles(struct xb_snr *s, struct xb_net *net)
{
    if (s->tiles_known || !s->on_device)
        return s->n_tiles;
    size_t t = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct xb_layer *l = xb_net_layer(net, s->layer[i]);
        const size_t nt = l->type->tile_energy ? l->type->tile_energy(l, NULL, NULL, NULL, NULL)
                                               : 0;
        for (size_t j = 0; j < nt && t + j < XB_SNR_MAX_TILES; j++)
            s->tile_layer[t + j] = s->layer[i];
        t += nt;
    }
    s->n_tiles = t <= XB_SNR_MAX_TILES ? t : 0;
    s->tiles_known = 1;
    return s->n_tiles;
}

double xb_snr_tile_db(const struct xb_snr *s, size_t t)
{
    XB_ASSERT(t < s->n_tiles);
    return 10.0 * log10(s->tile_signal[t] / s->tile_error[t]);
}

double xb_snr_layer_db(const struct xb_snr *s, size_t i)
{
    XB_ASSERT(i < s->n);
    if (s->values[i] == 0)
        return NAN;
    return 10.0 * log10(s->signal[i] / s->error[i]);
}

double xb_snr_net_db(const struct xb_snr *s)
{
    double ps = 0.0, pn = 0.0;
    uint64_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        ps += s->signal[i], pn += s->error[i], n += s->values[i];
    if (n == 0)
        return NAN;
    return 10.0 * log10(ps / pn);
}
