#include "xb_activity.h"

#include <math.h>
#include <string.h>

#include "xb_spike.h"

void xb_activity_init(struct xb_activity *a, struct xb_net *net)
{
    memset(a, 0, sizeof *a);
    for (size_t l = 0; l < xb_net_n_layers(net); l++) {
        const struct xb_layer *nl = xb_net_layer(net, l);
        if (nl->type->activity) {
            a->layer[a->n].layer = l;
            a->layer[a->n].in_binary = 1;
            a->n++;
        }
    }
}

void xb_activity_add(struct xb_activity *a, struct xb_net *net)
{
    for (size_t i = 0; i < a->n; i++) {
        struct xb_activity_layer *s = &a->layer[i];
        struct xb_spike_activity f;
        if (!xb_spike_activity_of(xb_net_layer(net, s->layer), &f))
            continue;
        s->rows += f.rows;
        s->neuron_steps += (uint64_t)(f.rows * f.steps * f.units);
        s->input_steps += (uint64_t)(f.rows * f.steps * f.in);
        s->in_spikes += f.in_spikes;
        s->out_spikes += f.out_spikes;
        s->in_binary &= f.in_binary;
        s->ac += f.ac, s->mac += f.mac, s->ann_mac += f.ann_mac;
    }
}

static double per(double x, uint64_t n) { return n ? x / (double)n : (double)NAN; }

double xb_activity_rate(const struct xb_activity *a, size_t i)
{
    return per((double)a->layer[i].out_spikes, a->layer[i].neuron_steps);
}

double xb_activity_in_rate(const struct xb_activity *a, size_t i)
{
    const struct xb_activity_layer *s = &a->layer[i];
    if (!s->rows)
        return NAN;
    return s->in_binary ? per((double)s->in_spikes, s->input_steps) : 1.0;
}

double xb_activity_ac(const struct xb_activity *a, size_t i)
{
    return per(a->layer[i].ac, a->layer[i].rows);
}

double xb_activity_mac(const struct xb_activity *a, size_t i)
{
    return per(a->layer[i].mac, a->layer[i].rows);
}

double xb_activity_ann_mac(const struct xb_activity *a, size_t i)
{
    return per(a->layer[i].ann_mac, a->layer[i].rows);
}

void xb_activity_figures(const struct xb_activity *a, size_t i,
                         double out[XB_ACTIVITY_FIGURES])
{
    out[0] = xb_activity_rate(a, i);
    out[1] = xb_activity_in_rate(a, i);
    out[2] = xb_activity_ac(a, i);
    out[3] = xb_activity_mac(a, i);
    out[4] = xb_activity_ann_mac(a, i);
}

void xb_activity_energy(const struct xb_activity *a, double e_ac, double e_mac, double *snn,
                        double *ann)
{
    *snn = *ann = a->n ? 0.0 : (double)NAN;
    for (size_t i = 0; i < a->n; i++) {
        *snn += xb_activity_mac(a, i) * e_mac + xb_activity_ac(a, i) * e_ac;
        *ann += xb_activity_ann_mac(a, i) * e_mac;
    }
}
