#include "xb_rng.h"

#include <Random123/philox.h>

#include "xb_error.h"

struct xb_stream xb_stream_at(uint64_t seed, const struct xb_addr *a)
{
    XB_ASSERT(a->layer <= XB_RNG_MAX_LAYER);
    XB_ASSERT(a->instance <= XB_RNG_MAX_INSTANCE);
    XB_ASSERT(a->vote <= XB_RNG_MAX_VOTE);
    XB_ASSERT(a->step <= XB_RNG_MAX_STEP);
    XB_ASSERT((unsigned)a->purpose < 256u);
    struct xb_stream s;
    s.key[0] = (uint32_t)seed;
    s.key[1] = (uint32_t)(seed >> 32);
    s.ctr[0] = a->sample;
    s.ctr[1] = a->vote | (a->step << 16);
    s.ctr[2] = (uint32_t)a->purpose | (a->layer << 8) | (a->instance << 20);
    return s;
}

struct xb_stream xb_stream_row(struct xb_stream s, uint32_t sample, uint32_t vote)
{
    XB_ASSERT(vote <= XB_RNG_MAX_VOTE);
    s.ctr[0] = sample;
    s.ctr[1] = (s.ctr[1] & 0xFFFF0000u) | vote;
    return s;
}

/* The reference implementation: Random123's own Philox. The vectorised
 * kernel in xb_gauss.c is tested against it word for word. */
void xb_philox_block(const struct xb_stream *s, uint32_t c0, uint32_t out[4])
{
    philox4x32_ctr_t ctr = {{c0, s->ctr[0], s->ctr[1], s->ctr[2]}};
    philox4x32_key_t key = {{s->key[0], s->key[1]}};
    philox4x32_ctr_t r = philox4x32(ctr, key);
    for (int i = 0; i < 4; i++)
        out[i] = r.v[i];
}

double xb_uniform53(const struct xb_stream *s, uint64_t element)
{
    uint64_t w = 2 * element;
    uint32_t b[4];
    xb_philox_block(s, (uint32_t)(w >> 2), b);
    /* w is even, so words w%4 and w%4+1 sit in the same block. */
    /* 52 bits, so that k + 1/2 is exact and the result stays below 1. */
    uint64_t hi = b[w & 3] >> 6, lo = b[(w & 3) + 1] >> 6;
    return ((double)(hi * 67108864u + lo) + 0.5) * 0x1p-52;
}

void xb_permutation(const struct xb_stream *s, size_t n, uint32_t *perm)
{
    XB_ASSERT(n < UINT32_MAX);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(xb_uniform53(s, i) * (double)i);
        uint32_t tmp = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = tmp;
    }
}
