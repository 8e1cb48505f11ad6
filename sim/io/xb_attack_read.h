/*
 * xb_attack_read.h — the reader of an `xbar attack -o` file (`xbar info`,
 * `xbar plot`, `xbar report`): the /attack rows of sim/io/xb_layout.c
 * (sim/README.md "Result files"), which the writers
 * (sim/cli/xb_cmd_attack.c, sim/cli/xb_cmd_transfer.c) use too.
 *
 * Three shapes of file, told apart by the datasets present:
 *   white-box     /attack/accuracy [n_attacks x n_eps] and accuracy_clean;
 *   on a device   also accuracy_chip [n_chips x n_attacks x n_eps] and
 *                 accuracy_clean_chip [n_chips] (accuracy is their mean);
 *   transfer      also accuracy_source [n_attacks x n_eps], sigma_test
 *                 [n_sigma] and accuracy_noisy [n_attacks x n_eps x n_sigma
 *                 x n_repeats] (accuracy is the target's, noiseless); onto a
 *                 device t_test [n_t] in place of sigma_test, and the
 *                 repeats are chips.
 * Checked on reading: the rows' types and ranks, shapes that agree with
 * /attack/attacks and /attack/eps, eps in [0, 1], accuracies in [0, 1];
 * errors (XB_EFORMAT, XB_ESHAPE, XB_ERANGE, XB_ENOTFOUND) name the file
 * and the dataset. HDF5 is not thread-safe in Debian's build: call from one
 * thread.
 */
#ifndef XB_ATTACK_READ_H
#define XB_ATTACK_READ_H

#include <stddef.h>

#include "xb_ctx.h"

/* The most attack kinds a file's rows name. */
#define XB_ATTACK_FILE_MAX_KINDS 16

struct xb_attack_file {
    char *path;                               /* as given */
    size_t K, J;                              /* kinds, eps */
    char *kinds_text;                         /* /attack/attacks */
    char *names;                              /* its copy, split at the commas */
    const char *kind[XB_ATTACK_FILE_MAX_KINDS]; /* each kind's name (in names) */
    const char *label[XB_ATTACK_FILE_MAX_KINDS]; /* paper 000's column ("PGD"), else the name */
    double *eps;                              /* [J] */
    double clean;                             /* accuracy_clean */
    double *acc;                              /* [K × J] */
    size_t R;                                 /* chips (on a device), else 0 */
    double *acc_chip;                         /* [R × K × J] or NULL */
    double *clean_chip;                       /* [R] or NULL */
    size_t S, N;                              /* transfer: sigma_test (or t), repeats
                                                 (or chips); else 0 */
    int test_is_t;                            /* transfer onto a device: sigma_test holds
                                                 the read times t [s] */
    double *sigma_test;                       /* [S] or NULL */
    double *source;                           /* [K × J] or NULL */
    double *noisy;                            /* [K × J × S × N] or NULL */
};

/* Reads the file at path into *out (freed with xb_attack_file_free, also
 * on error). XB_EFORMAT if it is no attack file. */
enum xb_status xb_attack_file_read(struct xb_ctx *ctx, const char *path,
                                   struct xb_attack_file *out);

void xb_attack_file_free(struct xb_attack_file *f);

#endif
