/*
 * xb_cmd_transfer.h — `xbar attack CONFIG --model TARGET.h5 --source
 * SOURCE.h5 [--source-config SRC.cfg]`: black-box transfer (issue 12 items
 * 1 and 3, paper 001 §4). Its own file beside xb_cmd_attack.c, which parses
 * the options and hands the run here.
 */
#ifndef XB_CMD_TRANSFER_H
#define XB_CMD_TRANSFER_H

#include "xb_cli.h"

struct xb_transfer_run {
    const char *config;        /* CONFIG: the target, the data and the attack group */
    const char *model;         /* TARGET.h5 and its point */
    long point;
    const char *source;        /* SOURCE.h5 (point 0) */
    const char *source_config; /* its model; NULL: CONFIG's */
    const char *output, *output_origin;
    int force;
};

/* Runs it; returns the exit status (xb_cli.h), the message in cli->ctx. */
int xb_transfer_run(struct xb_cli *cli, const struct xb_transfer_run *o);

#endif
