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

/* `xbar energy CONFIG`: energy and latency per layer and inference. */
int xb_cmd_energy(int argc, char **argv);

/* `xbar plot FILE.h5`: the figures of a sweep result (xb_plot.h). */
int xb_cmd_plot(int argc, char **argv);

/* `xbar report FILE.h5`: one self-contained HTML page of a sweep (xb_html.h). */
int xb_cmd_report(int argc, char **argv);

/* `xbar info FILE.h5`: provenance and summary tables (xb_summary.h). */
int xb_cmd_info(int argc, char **argv);

/* `xbar sweep CONFIG`: the sigma_train x sigma_test sweep (xb_sweep.h). */
int xb_cmd_sweep(int argc, char **argv);

/* `xbar train CONFIG -o MODEL.h5`: one model, checkpointed each epoch. */
int xb_cmd_train(int argc, char **argv);

/* `xbar eval CONFIG --model MODEL.h5`: repeats and votes per sigma_test. */
int xb_cmd_eval(int argc, char **argv);
int xb_cmd_attack(int argc, char **argv);

/* `xbar snr-req CONFIG --model MODEL.h5`: the SNR requirement (xb_snrreq.h). */
int xb_cmd_snrreq(int argc, char **argv);

/* `xbar run CONFIG`: the sweep, then its plots and summary. */
int xb_cmd_run(int argc, char **argv);

#endif
