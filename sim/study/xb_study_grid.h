/*
 * xb_study_grid.h — how a study's points map onto the sweep runner
 * (issue 10 item 1; the result format in sim/README.md "Studies").
 *
 * The runner (xb_sweep.h) trains one model per training point and
 * evaluates each at every evaluation point. The training points are the
 * product of sweep.sigma_train's list and the axes that train
 * (xb_axis_trains); the evaluation points the product of the other axes
 * and the test list (sweep.sigma_test in noise mode, sweep.t in device
 * mode). Both are row-major:
 *   training point i = i_list · NTs + (the training axes' coords, row-major)
 *   evaluation point j = (the evaluation axes' coords, row-major) · n_test_list + j_list
 * so a sweep without a study group keeps i = sigma_train index and
 * j = test-list index, as before studies existed.
 *
 * The N-dimensional view of the results has, in order: sweep.sigma_train
 * (when its list has more than one value, or there is no study group),
 * the declared axes, then sweep.sigma_test or sweep.t (likewise).
 *
 * Axes that would change nothing are refused (issue 8: nothing is
 * ignored): a device.* or xbar.* axis in noise mode, sweep.sigma_test in
 * device mode, sweep.t in noise mode, xbar.t in device mode (the read
 * times are sweep.t's), attack.*. data.* and model.* axes are refused
 * too: the runner holds one data set and one model shape.
 */
#ifndef XB_STUDY_GRID_H
#define XB_STUDY_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "xb_experiment.h"

#define XB_STUDY_MAX_DIMS (XB_AXES_MAX + 2)

/* Where a dimension of the N-D view comes from. */
enum xb_study_dim_kind {
    XB_STUDY_DIM_TRAIN_LIST, /* sweep.sigma_train's list */
    XB_STUDY_DIM_AXIS,       /* a declared axis */
    XB_STUDY_DIM_TEST_LIST,  /* sweep.sigma_test's list, or sweep.t's in device mode */
};

struct xb_study_dim {
    enum xb_study_dim_kind kind;
    size_t axis;   /* XB_STUDY_DIM_AXIS: the declared axis */
    size_t n;      /* values */
};

struct xb_study_grid {
    const struct xb_axes *axes;        /* the experiment's */
    int trains[XB_AXES_MAX];           /* per declared axis */
    size_t n_train_list, n_test_list;
    size_t NTs, NSs;                   /* products of the training / evaluation axes */
    size_t NT, NS;                     /* training and evaluation points */
    size_t rank;                       /* dimensions of the N-D view */
    struct xb_study_dim dim[XB_STUDY_MAX_DIMS];
};

/* The grid of experiment e; XB_EINVAL naming the axis's file:line when an
 * axis would change nothing or is one the runner cannot vary (above). */
enum xb_status xb_study_grid_make(struct xb_ctx *ctx, const struct xb_experiment *e,
                                  struct xb_study_grid *g);

/* The study point (xb_experiment_read_point's numbering) of training
 * point i and evaluation point j, and their list indices. */
size_t xb_study_grid_point(const struct xb_study_grid *g, size_t i, size_t j);
size_t xb_study_grid_train_list(const struct xb_study_grid *g, size_t i);
size_t xb_study_grid_test_list(const struct xb_study_grid *g, size_t j);

/* The cell (i, j) of the N-D view's point nd (row-major over dim[], the
 * last fastest). */
void xb_study_grid_cell(const struct xb_study_grid *g, size_t nd, size_t *i, size_t *j);

/* Points of the N-D view: NT · NS. */
size_t xb_study_grid_cells(const struct xb_study_grid *g);

/* The registry's unit of an axis key ("bits", "s", "1", ...; "" when the
 * registry has none): device.* from e's device type, xbar.* and energy.*
 * from the engine's rows, the others from the experiment's. */
const char *xb_study_key_units(const struct xb_experiment *e, const char *key);

/* A sweep's results on its flat grid: cell c = i · NS + j of training
 * point i and evaluation point j; the costs per study point. */
struct xb_study_flat {
    size_t repeats, votes;
    const double *accuracy;      /* [NT x NS x repeats] */
    const double *accuracy_vote; /* [NT x NS x votes] */
    const double *snr;           /* [NT x NS] the measured SNR */
    const uint8_t *done;         /* [NT x NS] */
    const double *energy, *latency_pipelined, *latency_sequential; /* [study points]: by
                                  * `votes` votes */
    const double *spike_energy;  /* [NT x NS x 3] a spiking model's energy per inference at
                                  * each point's measured activity (/sweep/spike_energy), or
                                  * NULL: /study/energy is then `votes` times its crossbar
                                  * figure, not energy's full-activity price */
};

/* Writes the /study view of flat into f (sim/io/xb_study_layout.h): the
 * dimensions of g, each an axis with its key, units and values, and every
 * array reshaped over them; costs NaN where a point is not done. */
struct xb_h5_file;
enum xb_status xb_study_grid_write(struct xb_ctx *ctx, struct xb_h5_file *f,
                                   const struct xb_experiment *e, const struct xb_study_grid *g,
                                   const struct xb_study_flat *flat);

#endif
