/*
 * xb_sweep_run.h — what `xbar sweep` and `xbar run` do once the options are
 * parsed: read the experiment, load and split the data, check the model
 * against it, step the sweep to its end (progress on stderr), save after
 * every step, and for `run` make the plots and print the summary.
 */
#ifndef XB_SWEEP_RUN_H
#define XB_SWEEP_RUN_H

#include <stddef.h>

#include "xb_cli.h"
#include "xb_ctx.h"

struct xb_run_options {
    const char *config;        /* experiment file */
    const char *const *sets;   /* "group.key=value" overrides */
    size_t n_sets;
    int resume, quiet, report;
    int force;                 /* replace an existing result file */
    const char *command_line;
    const char *name;          /* subcommand, for messages */
    /* `xbar train`: one model, no evaluation. */
    int train_only;
    int has_sigma;             /* sigma_train given, else the first of the file's */
    double sigma;
    const char *output;        /* replaces sweep.output when not NULL */
    const struct xb_settings *given; /* --config and --set, with origins, or NULL */
};

/* Returns an exit code (0, 1 failure while running, 2 bad input); the
 * message is in ctx. Prints progress and the wall time on stderr. Over
 * MPI, a rank > 0 that failed before the work with rank 0's own message
 * has XB_RUN_SAID or'ed into the code: its caller exits with the code
 * without printing the message again. */
#define XB_RUN_SAID 0x100
int xb_run_sweep(struct xb_ctx *ctx, const struct xb_run_options *o);

/* The experiment's data: train less the validation share, validation,
 * test; checked against the model's input shape and classes. */
struct xb_experiment;
struct xb_dataset;
enum xb_status xb_run_load_data(struct xb_ctx *ctx, const struct xb_experiment *e,
                                struct xb_dataset **train, struct xb_dataset **val,
                                struct xb_dataset **test);

/* The result file of a command that read a model (xbar eval, xbar attack,
 * its --source transfer) at path: created crash-safely (xb_h5.h), with the
 * run's provenance (cli's command line, seed and threads, the data files,
 * portable or not), the resolved experiment e as /config, and the
 * attributes model and point on the group `group` (XB_DS_EVAL,
 * XB_DS_ATTACK) of xb_layout.h. The caller writes its datasets into *f and
 * ends with xb_run_result_close. On error nothing is left at path. */
struct xb_h5_file;
struct xb_data_files;
enum xb_status xb_run_result_open(struct xb_ctx *ctx, const struct xb_cli *cli,
                                  const char *path, const struct xb_experiment *e,
                                  const struct xb_data_files *files, int group,
                                  const char *model, long point, struct xb_h5_file **f);

/* Commits f when st is XB_OK, else discards it (the temporary removed, an
 * earlier file at the path untouched); returns the first error. */
enum xb_status xb_run_result_close(struct xb_ctx *ctx, struct xb_h5_file *f,
                                   enum xb_status st);

/* Reads the parameters of model `point` into net, built from cfg: a file
 * of xbar train or xbar sweep, or one another program wrote in xbar's
 * layout or as Keras weights (sim/io/xb_import.h): counts and shapes
 * checked before anything is copied, every value finite; a missing point
 * names --point. */
struct xb_net;
struct xb_net_config;
enum xb_status xb_run_load_model(struct xb_ctx *ctx, const char *path, long point,
                                 const struct xb_net_config *cfg, struct xb_net *net);

/* Decides noise or device mode and the read times of a command that
 * reads a model on chips (xbar eval, xbar attack): a device given on the
 * command line (--config DEVICE.cfg, --set device.* / xbar.*) makes it
 * device mode (e->test_device), and a sweep.test given there that says
 * otherwise contradicts it ("a device given to xbar NAME WHAT"); in device
 * mode the read times are sweep.t, or xbar.t (the device's t) when that is
 * given or sweep.t is not (both given: an error), and sweep.repeats (the
 * chip instances) is at most XB_TRAIN_INSTANCE0. */
struct xb_settings;
enum xb_status xb_run_choose_device(struct xb_ctx *ctx, const struct xb_settings *s,
                                    struct xb_experiment *e, const char *name,
                                    const char *what);

/* What an experiment subcommand does with it. */
enum xb_run_kind {
    XB_RUN_SWEEP = 1, XB_RUN_TRAIN = 2, XB_RUN_EVAL = 4, XB_RUN_SNRREQ = 8, XB_RUN_ATTACK = 16,
    XB_RUN_TRANSFER = 32 /* xbar attack --source */
};

/* A key given on the command line (--set, or a --config file) that kind
 * would not use with experiment e (issue 8: no option is ignored) is a
 * usage error naming its origin and why: e.g. train.* for eval, device.*
 * for a sweep with neither sweep.test = "device" nor train.hw_aware,
 * sweep.sigma_train for train --sigma. name: the subcommand, for the
 * message; has_sigma: train's --sigma. */
struct xb_experiment;
/* A study group (sim/config/xb_axes.h) is read and checked, but only
 * sweep and run step its points (sim/study/xb_study_grid.h): the other
 * commands get XB_EINVAL naming the group's file and line rather than run
 * the plain grid and ignore the axes. name: the subcommand. */
enum xb_status xb_run_check_study(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  const char *name);

enum xb_status xb_run_check_given(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  enum xb_run_kind kind, const char *name, int has_sigma,
                                  const struct xb_settings *given);

/* Hands the parsed --set pairs, --quiet and the command line of cli to
 * ro, runs it, reports and frees cli; returns the exit code (2 without
 * running if ro asks for both resume and force). */
int xb_run_with_settings(struct xb_cli *cli, struct xb_run_options *ro);

/* The subcommand parser shared by sweep and run. */
int xb_sweep_command(int argc, char **argv, const struct xb_cli_spec *spec, int then_report);

#endif
