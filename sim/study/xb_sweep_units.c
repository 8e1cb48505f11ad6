#include <string.h>

#include "xb_sweep_impl.h"

size_t xb_sweep_unit_slots(const struct xb_sweep *s) { return s->NT * (s->NS + 1); }

/* Point i's epoch at i * (NS + 1), its evaluation j right after. */
size_t xb_sweep_unit_id(const struct xb_sweep *s, const struct xb_sweep_unit *u)
{
    return u->point * (s->NS + 1) + (u->test == XB_SWEEP_EPOCH ? 0 : 1 + u->test);
}

size_t xb_sweep_ready(const struct xb_sweep *s, const uint8_t *busy, struct xb_sweep_unit *out,
                      size_t max)
{
    size_t n = 0;
    /* Epochs of the points least trained first: the training points
     * advance together, so none is left to train alone at the end while
     * the other ranks have only its evaluations to wait for. */
    for (size_t i = 0; i < s->NT; i++) {
        const struct xb_sweep_unit u = {i, XB_SWEEP_EPOCH};
        if (s->pt[i].epochs < s->pt[i].n_epochs && !busy[xb_sweep_unit_id(s, &u)]) {
            size_t at = n < max ? n++ : max;
            while (at > 0 && s->pt[out[at - 1].point].epochs > s->pt[i].epochs) {
                if (at < max)
                    out[at] = out[at - 1];
                at--;
            }
            if (at < max)
                out[at] = u;
        }
    }
    for (size_t i = 0; i < s->NT && n < max; i++) {
        if (s->pt[i].epochs < s->pt[i].n_epochs)
            continue;
        for (size_t j = 0; j < s->NS && n < max; j++) {
            const struct xb_sweep_unit u = {i, j};
            if (!s->done[i * s->NS + j] && !busy[xb_sweep_unit_id(s, &u)])
                out[n++] = u;
        }
    }
    return n;
}

struct field {
    void *p;
    size_t bytes;
};

/* The fields of unit u's message, in order; e: the epoch an epoch unit
 * trains (its loss and validation accuracy land at [e]). One list serves
 * packing and unpacking, so the two cannot disagree. */
static size_t fields(const struct xb_sweep *s, const struct xb_sweep_unit *u, int result,
                     int e, struct field *f)
{
    struct point *p = &s->pt[u->point];
    const size_t np = s->n_params * sizeof(float);
    size_t n = 0;
    if (u->test != XB_SWEEP_EPOCH && !result) {
        f[n++] = (struct field){p->params, np};
        return n;
    }
    if (u->test != XB_SWEEP_EPOCH) {
        const size_t c = u->point * s->NS + u->test;
        f[n++] = (struct field){s->acc + c * s->R, s->R * sizeof(double)};
        f[n++] = (struct field){s->acc_vote + c * s->K, s->K * sizeof(double)};
        f[n++] = (struct field){s->snr_net + c, sizeof(double)};
        f[n++] = (struct field){s->snr_layer + c * s->NL, s->NL * sizeof(double)};
        f[n++] = (struct field){s->snr_tile + c * s->NTI, s->NTI * sizeof(double)};
        f[n++] = (struct field){s->spike_act + c * s->NA * XB_ACTIVITY_FIGURES,
                                s->NA * XB_ACTIVITY_FIGURES * sizeof(double)};
        f[n++] = (struct field){s->spike_energy + c * 3, (s->NA ? 3 : 0) * sizeof(double)};
        return n;
    }
    f[n++] = (struct field){p->params, np};
    f[n++] = (struct field){p->m, np};
    if (p->v)
        f[n++] = (struct field){p->v, np};
    f[n++] = (struct field){&p->steps, sizeof p->steps};
    if (p->carry) /* HIRE's crafted noise (xb_trainer_carried) */
        f[n++] = (struct field){p->carry, p->n_carry * sizeof(float)};
    if (result) {
        f[n++] = (struct field){p->loss + e, sizeof(double)};
        f[n++] = (struct field){p->val_acc + e, sizeof(double)};
    } else {
        f[n++] = (struct field){&p->epochs, sizeof p->epochs};
    }
    return n;
}

enum { MAX_FIELDS = 8 }; /* the most a unit sends: an evaluation's 7 */

size_t xb_sweep_unit_bytes(const struct xb_sweep *s, const struct xb_sweep_unit *u, int result)
{
    struct field f[MAX_FIELDS];
    size_t n = fields(s, u, result, 0, f), bytes = 0;
    for (size_t k = 0; k < n; k++)
        bytes += f[k].bytes;
    return bytes;
}

void xb_sweep_unit_pack(const struct xb_sweep *s, const struct xb_sweep_unit *u, int result,
                        void *buf)
{
    struct field f[MAX_FIELDS];
    /* After the epoch ran here, its loss sits one below the count. */
    size_t n = fields(s, u, result, s->pt[u->point].epochs - 1, f);
    char *b = buf;
    for (size_t k = 0; k < n; k++, b += f[k - 1].bytes)
        memcpy(b, f[k].p, f[k].bytes);
}

void xb_sweep_unit_unpack(struct xb_sweep *s, const struct xb_sweep_unit *u, int result,
                          const void *buf)
{
    struct field f[MAX_FIELDS];
    struct point *p = &s->pt[u->point];
    size_t n = fields(s, u, result, p->epochs, f);
    const char *b = buf;
    for (size_t k = 0; k < n; k++, b += f[k - 1].bytes)
        memcpy(f[k].p, b, f[k].bytes);
    if (!result)
        return;
    if (u->test == XB_SWEEP_EPOCH) {
        p->epochs++;
    } else {
        s->done[u->point * s->NS + u->test] = 1;
        xb_sweep_count_evals(s, u->point);
    }
}
