/*
 * fuzz_config — the device config of `xbar mvm --config FILE --set K=V`:
 * xb_config_read (libconfig text), xb_settings_add_assignment (--set) and
 * xb_config_resolve (devices/cells/xb_params.c parses every number), as
 * sim/cli/xb_cli.c chains them.
 *
 * Input: the config file, then optionally a line "%%" and one --set
 * assignment per line. Besides "no crash, no sanitizer report", a config
 * that resolves must survive the round trip its result files rely on:
 * xb_config_text reads back (file and resolution) to the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_config.h"
#include "xb_fuzz.h"

static enum xb_status resolve_file(struct xb_ctx *ctx, const char *path, const char *sets,
                                   struct xb_config *c)
{
    struct xb_settings s = {0};
    enum xb_status st = xb_config_read(ctx, path, &s);
    for (const char *p = sets; !st && p && *p;) {
        size_t len = strcspn(p, "\n");
        char *line = xb_fuzz_strndup((const uint8_t *)p, len);
        if (*line)
            st = xb_settings_add_assignment(ctx, &s, line, "--set");
        xb_free(line);
        p += len + (p[len] == '\n');
    }
    if (!st) {
        xb_config_default(c);
        st = xb_config_resolve(ctx, &s, c);
    }
    xb_settings_free(&s);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xb_ctx *ctx;
    static char path[4096], again[4096];
    if (!ctx) {
        ctx = xb_fuzz_ctx();
        xb_fuzz_path(path, "device.cfg");
        xb_fuzz_path(again, "again.cfg");
    }
    const uint8_t *file, *rest;
    size_t nfile, nrest;
    xb_fuzz_split(data, size, "\n%%\n", &file, &nfile, &rest, &nrest);
    xb_fuzz_write(path, file, nfile);
    char *sets = xb_fuzz_strndup(rest, nrest);
    struct xb_config c;
    if (xb_fuzz_outcome(ctx, "config", resolve_file(ctx, path, sets, &c)) == XB_OK) {
        char *text = xb_config_text(&c);
        xb_fuzz_write(again, text, strlen(text));
        struct xb_config c2;
        enum xb_status st = resolve_file(ctx, again, NULL, &c2);
        xb_fuzz_check(st == XB_OK, "xb_config_text does not read back", xb_ctx_error(ctx));
        char *text2 = xb_config_text(&c2);
        xb_fuzz_check(!strcmp(text, text2), "xb_config_text changes on a round trip", text2);
        xb_free(text2);
        xb_free(text);
    }
    xb_free(sets);
    return 0;
}
