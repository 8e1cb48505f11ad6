#include "bench_gsl.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>

struct bench_gsl_rng {
    gsl_rng *rng;
};

struct bench_gsl_rng *bench_gsl_rng_create(unsigned long seed)
{
    struct bench_gsl_rng *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->rng = gsl_rng_alloc(gsl_rng_taus2);
    if (!r->rng) {
        free(r);
        return NULL;
    }
    gsl_rng_set(r->rng, seed);
    return r;
}

void bench_gsl_rng_free(struct bench_gsl_rng *r)
{
    if (!r)
        return;
    gsl_rng_free(r->rng);
    free(r);
}

void bench_gsl_ziggurat_fill(struct bench_gsl_rng *r, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)gsl_ran_gaussian_ziggurat(r->rng, 1.0);
}
