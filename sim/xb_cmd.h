/*
 * xb_cmd.h — the subcommands of `xbar`, each `int fn(argc, argv)` with
 * argv[0] the subcommand's name, returning the process exit status
 * (0 success, 2 usage or bad input, 1 failure; xb_cli.h). main.c
 * dispatches to them from its table.
 */
#ifndef XB_CMD_H
#define XB_CMD_H

/* `xbar devices [NAME]`: the device presets, or every parameter of one. */
int xb_cmd_devices(int argc, char **argv);

/* `xbar mvm`: one crossbar MVM against the ideal product. */
int xb_cmd_mvm(int argc, char **argv);

#endif
