/*
 * fuzz_experiment — experiment files (`xbar sweep/run/train/eval CONFIG
 * --set group.key=value`): xb_experiment_read, which parses the libconfig
 * text, checks every key, takes the device and xbar groups through
 * sim/config/xb_config.c and devices/cells/xb_params.c, and applies the --set
 * overrides.
 *
 * Input: the experiment file, then optionally a line "%%" and one --set
 * override per line. `@include "models/NAME.cfg"` finds the shipped models
 * (the scratch directory links configs/models when run from the repository
 * root). Besides "no crash, no sanitizer report": an experiment that reads
 * must survive the round trip --resume relies on — xb_experiment_text
 * reads back to the same text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_experiment.h"
#include "xb_fuzz.h"

#define MAX_SETS 16

static enum xb_status read_experiment(struct xb_ctx *ctx, const char *path, char *sets,
                                      struct xb_experiment *e)
{
    const char *v[MAX_SETS];
    size_t n = 0;
    for (char *p = sets; p && *p && n < MAX_SETS;) {
        size_t len = strcspn(p, "\n");
        int last = p[len] == '\0';
        p[len] = '\0';
        if (len)
            v[n++] = p;
        p += len + !last;
    }
    return xb_experiment_read(ctx, path, v, n, e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xb_ctx *ctx;
    static struct xb_experiment *e, *e2;
    static char path[4096], again[4096];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        e = xb_malloc(1, sizeof *e);
        e2 = xb_malloc(1, sizeof *e2);
        xb_fuzz_path(path, "exp.cfg");
        xb_fuzz_path(again, "again.cfg");
        char models[4096], cwd[2048];
        if (getcwd(cwd, sizeof cwd)) {
            snprintf(models, sizeof models, "%s/configs/models", cwd);
            char link[4096];
            if (access(models, R_OK) == 0 && symlink(models, xb_fuzz_path(link, "models")))
                perror("fuzz: symlink models");
        }
    }
    const uint8_t *file, *rest;
    size_t nfile, nrest;
    xb_fuzz_split(data, size, "\n%%\n", &file, &nfile, &rest, &nrest);
    xb_fuzz_write(path, file, nfile);
    char *sets = xb_fuzz_strndup(rest, nrest);
    if (xb_fuzz_outcome(ctx, "experiment", read_experiment(ctx, path, sets, e)) == XB_OK) {
        char *text = xb_experiment_text(e);
        xb_fuzz_write(again, text, strlen(text));
        enum xb_status st = xb_experiment_read(ctx, again, NULL, 0, e2);
        xb_fuzz_check(st == XB_OK, "xb_experiment_text does not read back", xb_ctx_error(ctx));
        char *text2 = xb_experiment_text(e2);
        xb_fuzz_check(!strcmp(text, text2), "xb_experiment_text changes on a round trip", text2);
        xb_free(text2);
        xb_free(text);
    }
    xb_free(sets);
    return 0;
}
