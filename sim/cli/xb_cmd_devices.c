/*
 * xb_cmd_devices.c — `xbar devices [NAME]`: the device presets with their
 * key parameters and sources, or every parameter of one (name, unit,
 * default, range, help, source). With --set or --config the resolved value
 * is shown next to the default.
 */
#include <stdio.h>
#include <string.h>

#include "xb_cli.h"
#include "xb_cmd.h"
#include "xb_device.h"

static const struct xb_cli_unused devices_unused[] = {
    {"seed", "nothing in it is random"},
    {"threads", "it computes nothing in parallel"},
    {"quiet", "it prints no notes on stderr"},
    {NULL, NULL},
};

static const struct xb_cli_spec devices_spec = {
    .name = "devices",
    .args = "[NAME]",
    .summary = "Without NAME: the device presets with their conductance window, levels and\n"
               "source. With NAME: every parameter of that device, with unit, default, valid\n"
               "range, meaning and the published source of the default; --set and --config\n"
               "add the resolved value.",
    .details = "Every parameter shown is a key of --set KEY=VALUE and of the device group of a\n"
               "config file. Engine keys (xbar.*) are not device parameters: --set of one is\n"
               "an error (exit 2), while the xbar group of a --config file is passed over\n"
               "(the file configures xbar mvm as a whole; its device part is shown).\n",
    .opts = NULL,
    .n_opts = 0,
    .config_keys = 0,
    .unused = devices_unused,
};

static void list_presets(void)
{
    size_t n;
    const struct xb_device_type *const *types = xb_device_types(&n);
    printf("%-8s %9s %9s %7s  %s\n", "device", "g_max/uS", "g_min/uS", "levels", "model");
    for (size_t i = 0; i < n; i++) {
        const struct xb_key *p = types[i]->params;
        printf("%-8s %9g %9g %7g  %s\n", types[i]->name, p[XB_DP_GMAX].def, p[XB_DP_GMIN].def,
               p[XB_DP_LEVELS].def, types[i]->summary);
        printf("%-8s %29s  source: %s\n", "", "", types[i]->source);
    }
    printf("\nlevels 0 = continuous. 'xbar devices NAME' lists every parameter.\n");
}

static void show_device(const struct xb_device *d, int show_value)
{
    const struct xb_device_type *t = d->type;
    printf("%s: %s\nsource: %s\n\n", t->name, t->summary, t->source);
    printf("%-12s %-5s %12s", "name", "unit", "default");
    if (show_value)
        printf(" %12s", "value");
    printf("  %-22s %s\n", "range", "meaning");
    for (size_t i = 0; i < t->n_params; i++) {
        const struct xb_key *p = &t->params[i];
        char range[64];
        snprintf(range, sizeof range, "[%g, %g]%s", p->min, p->max, p->type == XB_KEY_INT ? " int" : "");
        printf("%-12s %-5s %12g", p->name, p->unit, p->def);
        if (show_value)
            printf(" %12g", d->p[i]);
        printf("  %-22s %s\n", range, p->help);
        printf("%-12s source: %s\n", "", p->source);
    }
}

int xb_cmd_devices(int argc, char **argv)
{
    struct xb_cli cli;
    xb_cli_init(&cli, &devices_spec, argc, argv);
    while (xb_cli_next(&cli) >= 0)
        ; /* no options of its own */
    if (cli.state != XB_CLI_DONE)
        return xb_cli_exit(&cli);
    if (argc - cli.optind > 1) {
        xb_error(cli.ctx, XB_EINVAL, "%s: unexpected argument; expected at most one NAME",
                 argv[cli.optind + 1]);
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    }
    /* An engine key on the command line would be dropped: say so. */
    for (size_t i = cli.n_config; i < cli.settings.n; i++) {
        const char *key = cli.settings.v[i].key;
        int engine = !strncmp(key, "xbar.", 5) ||
                     (strncmp(key, "device.", 7) && xb_config_key_find(key));
        if (engine) {
            xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar devices: an engine key, not a "
                     "device parameter (xbar mvm --help lists the engine keys)",
                     cli.settings.v[i].origin);
            return xb_cli_fail(&cli, XB_EXIT_USAGE);
        }
        if (!strncmp(key, "energy.", 7)) {
            xb_error(cli.ctx, XB_EINVAL, "%s: not used by xbar devices: a price of the energy "
                     "model (xbar energy --help lists them)", cli.settings.v[i].origin);
            return xb_cli_fail(&cli, XB_EXIT_USAGE);
        }
    }
    int overridden = cli.settings.n > 0;
    if (cli.optind == argc && !overridden) {
        list_presets();
        xb_cli_free(&cli);
        return XB_EXIT_OK;
    }
    /* NAME is the last word on the device type, after any config file. */
    if (cli.optind < argc)
        xb_settings_add(&cli.settings, "device.type", argv[cli.optind], argv[cli.optind]);
    struct xb_config cfg;
    xb_config_default(&cfg);
    if (xb_config_resolve(cli.ctx, &cli.settings, &cfg) != XB_OK)
        return xb_cli_fail(&cli, XB_EXIT_USAGE);
    show_device(&cfg.xbar.device, overridden);
    xb_cli_free(&cli);
    return XB_EXIT_OK;
}
