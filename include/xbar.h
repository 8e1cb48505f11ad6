/*
 * xbar.h — the one header a program that links libxbar includes
 * (`make install`; README.md "Using xbar as a library").
 *
 *   cc prog.c $(pkg-config --cflags --libs xbar)
 *
 * It pulls in the module headers of the library, layer by layer as
 * ARCHITECTURE.md §2 stacks them: the context, errors and counter-based
 * random streams (noise/), device presets, converters and the crossbar
 * engine (devices/), layers, nets, training, evaluation and attacks
 * (models/), and data sets, experiment files, result files and studies
 * (sim/). The command-line front end (sim/cli) is not part of the API.
 * Every header is installed into one folder, PREFIX/include/xbar, because
 * the modules include each other by bare file name.
 *
 * Ownership, errors and threads follow CONVENTIONS.md: every xb_*_create
 * has its xb_*_free; functions return enum xb_status and leave the
 * message in the xb_ctx; nothing prints.
 */
#ifndef XBAR_H
#define XBAR_H

/* noise/: context, errors, random streams, noise models */
#include "xb_ctx.h"
#include "xb_error.h"
#include "xb_rng.h"
#include "xb_noise.h"

/* devices/: cells, converters, the engine */
#include "xb_device.h"
#include "xb_params.h"
#include "xb_key.h"
#include "xb_quant.h"
#include "xb_calib.h"
#include "xb_sgemm.h"
#include "xb_tile.h"
#include "xb_xbar.h"
#include "xb_energy.h"

/* models/: losses, layers and nets, training, evaluation, attacks */
#include "xb_loss.h"
#include "xb_layer.h"
#include "xb_net.h"
#include "xb_spike.h"
#include "xb_optim.h"
#include "xb_train.h"
#include "xb_eval.h"
#include "xb_snr.h"
#include "xb_cost.h"
#include "xb_attack.h"

/* sim/: data, configuration, result files, reports, studies */
#include "xb_data.h"
#include "xb_config.h"
#include "xb_experiment.h"
#include "xb_axes.h"
#include "xb_h5.h"
#include "xb_layout.h"
#include "xb_provenance.h"
#include "xb_import.h"
#include "xb_version.h"
#include "xb_summary.h"
#include "xb_sweep.h"
#include "xb_snrreq.h"
#include "xb_mvm_study.h"

#endif
