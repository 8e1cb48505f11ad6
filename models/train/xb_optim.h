/*
 * xb_optim.h — optimisers over a network's flat parameter array.
 *
 * Adam (Kingma & Ba 2015, bias-corrected) and SGD with (heavy-ball)
 * momentum. A parameter whose gradient is always 0 (the batchnorm running
 * statistics kept in the flat array) is never moved by either.
 */
#ifndef XB_OPTIM_H
#define XB_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "xb_ctx.h"

enum xb_optim_kind { XB_OPTIM_ADAM = 0, XB_OPTIM_SGD = 1 };

struct xb_optim_params {
    enum xb_optim_kind kind;
    double lr;       /* learning rate, > 0 */
    double beta1;    /* Adam first moment decay; SGD momentum in [0, 1) */
    double beta2;    /* Adam second moment decay */
    double eps;      /* Adam denominator guard */
};

/* Adam: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8. */
void xb_optim_params_default(struct xb_optim_params *p);
enum xb_status xb_optim_params_validate(struct xb_ctx *ctx, const struct xb_optim_params *p);

/* Parses "adam" / "sgd"; -1 if neither. */
int xb_optim_kind_parse(const char *s);

struct xb_optim;

struct xb_optim *xb_optim_create(const struct xb_optim_params *p, size_t n);
void xb_optim_free(struct xb_optim *o);

/* One update of params[0..n) from grads. Parallel inside; deterministic. */
void xb_optim_step(struct xb_optim *o, float *params, const float *grads);

/* Sets the step size of the steps that follow (a schedule's; > 0). */
void xb_optim_set_lr(struct xb_optim *o, double lr);

/* The state, for checkpoints: moment arrays (n floats each; v is NULL for
 * SGD) and the number of steps taken. */
float *xb_optim_m(struct xb_optim *o);
float *xb_optim_v(struct xb_optim *o);
uint64_t xb_optim_steps(const struct xb_optim *o);
void xb_optim_set_steps(struct xb_optim *o, uint64_t steps);

#endif
