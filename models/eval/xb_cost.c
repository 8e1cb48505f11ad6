#include "xb_cost.h"

#include "xb_activity.h"

#include <string.h>

/* The totals from the layers, in layer order (the sums are then the same
 * whatever was changed last). */
static void totals(struct xb_cost *c)
{
    c->stages = 0;
    c->energy = c->tau_sum = c->tau_max = 0.0;
    for (size_t i = 0; i < c->n_layers; i++) {
        struct xb_cost_layer *l = &c->layer[i];
        c->energy += l->energy;
        c->stages += (size_t)l->analog;
        c->tau_sum += l->tau;
        if (l->tau > c->tau_max)
            c->tau_max = l->tau;
    }
}

void xb_cost_net(struct xb_cost *c, const struct xb_energy_params *e,
                 const struct xb_xbar_params *x, struct xb_net *net)
{
    memset(c, 0, sizeof *c);
    c->prices = *e;
    c->n_layers = xb_net_n_layers(net);
    for (size_t i = 0; i < c->n_layers; i++) {
        const struct xb_layer *nl = xb_net_layer(net, i);
        struct xb_cost_layer *l = &c->layer[i];
        l->kind = nl->type->name;
        l->spiking = nl->type->activity != NULL;
        if (!nl->type->mvm)
            continue;
        l->analog = 1;
        nl->type->mvm(nl, &l->mvm);
        xb_energy_read(e, x, l->mvm.out, l->mvm.in, &l->read);
        l->in_rate = 1.0;
        l->energy = (double)l->mvm.reads * xb_energy_read_total(&l->read);
        l->tau = (double)l->mvm.reads * l->read.tau;
    }
    totals(c);
}

void xb_cost_set_activity(struct xb_cost *c, size_t i, double in_rate, int spikes)
{
    XB_ASSERT(i < c->n_layers && c->layer[i].analog && in_rate >= 0.0 && in_rate <= 1.0);
    struct xb_cost_layer *l = &c->layer[i];
    l->in_rate = spikes ? in_rate : 1.0;
    const double read = spikes ? xb_energy_read_spiking(&c->prices, &l->read, in_rate)
                               : xb_energy_read_total(&l->read);
    l->energy = (double)l->mvm.reads * read;
    totals(c);
}

/* xb_cost_set_activity for every spiking layer of a that has run: its
 * measured input rate, spikes if every input was 0 or 1. */
static void set_activities(struct xb_cost *c, const struct xb_activity *a)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct xb_activity_layer *s = &a->layer[i];
        if (s->rows && c->layer[s->layer].analog)
            xb_cost_set_activity(c, s->layer, xb_activity_in_rate(a, i), s->in_binary);
    }
}

void xb_cost_spiking(const struct xb_energy_params *e, const struct xb_xbar_params *x,
                     struct xb_net *net, const struct xb_activity *a, double out[3])
{
    struct xb_cost c;
    xb_cost_net(&c, e, x, net);
    set_activities(&c, a);
    out[0] = xb_cost_energy(&c, 1);
    xb_activity_energy(a, e->ac_energy, e->mac_energy, &out[1], &out[2]);
}

double xb_cost_energy(const struct xb_cost *c, int votes)
{
    XB_ASSERT(votes >= 1);
    return (double)votes * c->energy;
}

double xb_cost_latency(const struct xb_cost *c, int votes, int pipelined)
{
    XB_ASSERT(votes >= 1);
    if (pipelined)
        return c->tau_sum + (double)(votes - 1) * c->tau_max;
    return (double)votes * c->tau_sum;
}
