/*
 * xb_advtrain.h — the attack of adversarial training (train.algorithm =
 * "adversarial", models/train/train_adversarial.c): an attack kind and its
 * parameters as the trainer's hook (struct xb_train_adversary,
 * models/train/xb_train.h). It lives here, not in models/train/, because
 * attacks sit above training in the layering (ARCHITECTURE.md §2); the
 * trainer only calls the hook.
 *
 * The hook is xb_attack_run on the batch's adversarial rows against the
 * net as it stands (noiseless, evaluation phase: batchnorm's running
 * statistics, no dropout — the model the attack will face), its random
 * starts at stream ATTACK, layer XB_ATTACK_STREAM_TRAIN, step = the epoch,
 * sample = the row's position in the epoch's order (xb_attack.h). Noise
 * and votes of p are ignored: the attacker sees the deterministic net.
 */
#ifndef XB_ADVTRAIN_H
#define XB_ADVTRAIN_H

#include "xb_attack.h"
#include "xb_train.h"

struct xb_advtrain {
    const struct xb_attack_type *type; /* e.g. &xb_attack_pgd (Madry et al.) */
    struct xb_attack_params p;         /* eps, step, steps, restarts (mu for MIM) */
};

/* The hook over a (borrowed: a must outlive the trainer). */
struct xb_train_adversary xb_advtrain_hook(const struct xb_advtrain *a);

/* The attack parameters the hook runs for images at positions sample0 ..
 * of epoch `epoch`'s order: a's, noiseless, addressed as above. */
struct xb_attack_params xb_advtrain_params(const struct xb_advtrain *a, uint32_t sample0,
                                           uint32_t epoch);

#endif
