#include "xb_sweep_layout.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xb_alloc.h"
#include "xb_h5_impl.h"
#include "xb_experiment.h"
#include "xb_layout.h"
#include "xb_limits.h"

/* A grid beyond XB_MAX_H5_ELEMENTS (xb_limits.h) is not a sweep anyone
 * ran: refused before anything is allocated. */
#define XB_SWEEP_MAX_ELEMENTS XB_MAX_H5_ELEMENTS

#define XB_SWEEP_MAX_RANK 3

/* ---- arrays ------------------------------------------------------------- */

/* What one dataset must be: its row of the layout (xb_layout.h), and what
 * the row does not say. */
struct array_spec {
    const char *name;       /* the row's path */
    const char *type;       /* for messages: "float64" */
    H5T_class_t cls;        /* H5T_FLOAT or H5T_INTEGER */
    hid_t mem;              /* native memory type */
    size_t elem;            /* its size */
    int rank;
    const char *dims;       /* for messages: "[n_train x n_test x n_repeat]" */
    hsize_t most;           /* the largest a dimension of any size may be: what an
                             * experiment can make (XB_EXP_MAX_GRID points per axis,
                             * XB_EXP_MAX_REPEATS repeats and votes), checked before
                             * anything is allocated */
};

static struct array_spec spec_of(enum xb_ds id, hsize_t most)
{
    const struct xb_layout_row *r = xb_layout_row(id);
    hid_t file_type, mem;
    xb_h5_types(r->type, &file_type, &mem);
    return (struct array_spec){r->path, xb_layout_type_name(r),
                               r->type == XB_H5_F32 || r->type == XB_H5_F64 ? H5T_FLOAT
                                                                            : H5T_INTEGER,
                               mem, xb_h5_type_size(r->type), r->rank, r->shape, most};
}

/* "[3 x 6 x 5]" */
static void format_dims(char *buf, size_t size, const hsize_t *dims, int rank)
{
    size_t len = 0;
    snprintf(buf, size, "[");
    for (int d = 0; d < rank; d++) {
        len = strlen(buf);
        snprintf(buf + len, size - len, "%s%llu", d ? " x " : "", (unsigned long long)dims[d]);
    }
    len = strlen(buf);
    snprintf(buf + len, size - len, "]");
}

/* Reads dataset spec->name into a new array. want[d] is the expected size
 * of dimension d, or (hsize_t)-1 for "any"; on success got[] holds the
 * dimensions read. */
static enum xb_status read_array(struct xb_ctx *ctx, const char *path, hid_t fid,
                                 const struct array_spec *spec, const hsize_t *want,
                                 hsize_t *got, void **out)
{
    enum xb_status st = XB_OK;
    hid_t did = H5I_INVALID_HID, sid = H5I_INVALID_HID, tid = H5I_INVALID_HID;
    char shape[128], expected[128];
    *out = NULL;

    /* The expected shape, with names where any size will do. */
    size_t len = 0;
    for (int d = 0; d < spec->rank; d++) {
        int n = want[d] == (hsize_t)-1
                    ? snprintf(expected + len, sizeof expected - len, "%sany", d ? " x " : "[")
                    : snprintf(expected + len, sizeof expected - len, "%s%llu",
                               d ? " x " : "[", (unsigned long long)want[d]);
        if (n > 0 && (size_t)n < sizeof expected - len)
            len += (size_t)n;
    }
    snprintf(expected + len, sizeof expected - len, "]");

    if (H5Lexists(fid, spec->name, H5P_DEFAULT) <= 0) {
        st = xb_error(ctx, XB_ENOTFOUND, "%s: no dataset %s (expected %s %s); is this a sweep "
                      "result file?", path, spec->name, spec->type, spec->dims);
        goto done;
    }
    did = H5Dopen2(fid, spec->name, H5P_DEFAULT);
    if (did < 0) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s is not a dataset (expected %s %s)", path,
                      spec->name, spec->type, spec->dims);
        goto done;
    }
    sid = H5Dget_space(did);
    tid = H5Dget_type(did);
    if (tid < 0 || H5Tget_class(tid) != spec->cls) {
        st = xb_error(ctx, XB_EFORMAT, "%s: %s does not hold %s data (expected %s %s)", path,
                      spec->name, spec->cls == H5T_FLOAT ? "floating-point" : "integer",
                      spec->type, spec->dims);
        goto done;
    }
    int rank = sid >= 0 ? H5Sget_simple_extent_ndims(sid) : -1;
    hsize_t dims[XB_SWEEP_MAX_RANK] = {0};
    if (rank == spec->rank)
        H5Sget_simple_extent_dims(sid, dims, NULL);
    if (rank != spec->rank) {
        st = xb_error(ctx, XB_ESHAPE, "%s: %s has rank %d; expected rank %d: %s %s = %s", path,
                      spec->name, rank, spec->rank, spec->type, spec->dims, expected);
        goto done;
    }
    size_t n = 1;
    for (int d = 0; d < rank; d++) {
        if ((want[d] != (hsize_t)-1 && dims[d] != want[d]) ||
            (want[d] == (hsize_t)-1 && dims[d] > spec->most) ||
            (dims[d] && n > XB_SWEEP_MAX_ELEMENTS / dims[d])) {
            format_dims(shape, sizeof shape, dims, rank);
            st = xb_error(ctx, XB_ESHAPE, "%s: %s has shape %s; expected %s %s = %s, any "
                          "size at most %llu", path, spec->name, shape, spec->type, spec->dims,
                          expected, (unsigned long long)spec->most);
            goto done;
        }
        n *= (size_t)dims[d];
        got[d] = dims[d];
    }
    void *a = xb_malloc(n, spec->elem);
    if (n > 0 && H5Dread(did, spec->mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, a) < 0) {
        xb_free(a);
        st = xb_error(ctx, XB_EIO, "%s: cannot read %s (expected %s %s)", path, spec->name,
                      spec->type, spec->dims);
        goto done;
    }
    *out = a;
done:
    if (tid >= 0)
        H5Tclose(tid);
    if (sid >= 0)
        H5Sclose(sid);
    if (did >= 0)
        H5Dclose(did);
    return st;
}

/* ---- values ------------------------------------------------------------- */

static enum xb_status check_sigmas(struct xb_ctx *ctx, const char *path, const char *name,
                                   const double *x, size_t n)
{
    int is_t = !strcmp(name, xb_layout_row(XB_DS_T_TEST)->path);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || x[i] < 0)
            return xb_error(ctx, isfinite(x[i]) ? XB_ERANGE : XB_ENUMERIC,
                            "%s: %s[%zu] is %g; expected a finite %s >= 0", path, name, i,
                            x[i], is_t ? "read time (s)" : "sigma");
    return XB_OK;
}

/* Accuracies of done points are in [0, 1]; the others may be NaN (or a
 * value in [0, 1] left from an earlier write). */
static enum xb_status check_accuracy(struct xb_ctx *ctx, const struct xb_sweep_result *s,
                                     const char *name, const double *a, size_t n_last)
{
    for (size_t i = 0; i < s->n_train; i++)
        for (size_t j = 0; j < s->n_test; j++)
            for (size_t k = 0; k < n_last; k++) {
                double v = a[(i * s->n_test + j) * n_last + k];
                int done = xb_sweep_result_done(s, i, j);
                if (isnan(v) && !done)
                    continue;
                if (isnan(v))
                    return xb_error(ctx, XB_ENUMERIC, "%s: %s[%zu, %zu, %zu] is NaN but "
                                    "%s[%zu, %zu] = 1; expected a fraction in [0, 1] at a "
                                    "done point", s->path, name, i, j, k,
                                    xb_layout_row(XB_DS_DONE)->path, i, j);
                if (!(v >= 0 && v <= 1))
                    return xb_error(ctx, XB_ERANGE, "%s: %s[%zu, %zu, %zu] is %g; expected a "
                                    "fraction in [0, 1] (or NaN where not done)", s->path,
                                    name, i, j, k, v);
            }
    return XB_OK;
}

static enum xb_status check_values(struct xb_ctx *ctx, const struct xb_sweep_result *s)
{
    enum xb_status st = check_sigmas(ctx, s->path, xb_layout_row(XB_DS_SIGMA_TRAIN)->path,
                                     s->sigma_train, s->n_train);
    if (st == XB_OK)
        st = check_sigmas(ctx, s->path,
                          xb_layout_row(s->test_is_t ? XB_DS_T_TEST : XB_DS_SIGMA_TEST)->path,
                          s->sigma_test, s->n_test);
    if (st != XB_OK)
        return st;
    /* snr_db may be NaN (not measured) or +inf (sigma_test = 0). */
    for (size_t k = 0; k < s->n_votes; k++)
        if (s->votes[k] < 1 || (k > 0 && s->votes[k] <= s->votes[k - 1]))
            return xb_error(ctx, XB_ERANGE, "%s: %s[%zu] is %d; expected increasing vote "
                            "counts >= 1", s->path, xb_layout_row(XB_DS_VOTES)->path, k, (int)s->votes[k]);
    for (size_t i = 0; i < s->n_train * s->n_test; i++)
        if (s->done[i] > 1)
            return xb_error(ctx, XB_ERANGE, "%s: %s[%zu, %zu] is %d; expected 0 or 1", s->path,
                            xb_layout_row(XB_DS_DONE)->path, i / s->n_test, i % s->n_test,
                            (int)s->done[i]);
    st = check_accuracy(ctx, s, xb_layout_row(XB_DS_ACCURACY)->path, s->accuracy,
                        s->n_repeat);
    if (st == XB_OK && s->n_votes)
        st = check_accuracy(ctx, s, xb_layout_row(XB_DS_ACCURACY_VOTE)->path,
                            s->accuracy_vote, s->n_votes);
    return st;
}

/* ---- the file ----------------------------------------------------------- */

static const hsize_t ANY = (hsize_t)-1;

static enum xb_status read_grid(struct xb_ctx *ctx, hid_t fid, struct xb_sweep_result *s)
{
    struct array_spec a;
    hsize_t want[XB_SWEEP_MAX_RANK], got[XB_SWEEP_MAX_RANK];
    void *p;
    enum xb_status st;
    const char *path = s->path;

    a = spec_of(XB_DS_SIGMA_TRAIN, XB_EXP_MAX_GRID);
    want[0] = ANY;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->sigma_train = p;
    s->n_train = (size_t)got[0];

    a = spec_of(s->test_is_t ? XB_DS_T_TEST : XB_DS_SIGMA_TEST, XB_EXP_MAX_GRID);
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->sigma_test = p;
    s->n_test = (size_t)got[0];
    if (s->n_train == 0 || s->n_test == 0)
        return xb_error(ctx, XB_ESHAPE, "%s: the grid is empty (%zu sigma_train x %zu "
                        "%s); expected at least one of each", path, s->n_train, s->n_test,
                        s->test_is_t ? "t_test" : "sigma_test");

    a = spec_of(XB_DS_SNR_DB, XB_EXP_MAX_GRID);
    want[0] = s->n_test;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->snr_db = p;

    a = spec_of(XB_DS_VOTES, XB_EXP_MAX_REPEATS);
    want[0] = ANY;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->votes = p;
    s->n_votes = (size_t)got[0];

    a = spec_of(XB_DS_DONE, XB_EXP_MAX_GRID);
    want[0] = s->n_train;
    want[1] = s->n_test;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->done = p;

    a = spec_of(XB_DS_ACCURACY, XB_EXP_MAX_REPEATS);
    want[2] = ANY;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->accuracy = p;
    s->n_repeat = (size_t)got[2];
    if (s->n_repeat == 0)
        return xb_error(ctx, XB_ESHAPE, "%s: %s has no repeats; expected n_repeat >= 1", path,
                        a.name);

    a = spec_of(XB_DS_ACCURACY_VOTE, XB_EXP_MAX_REPEATS);
    want[2] = s->n_votes;
    if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->accuracy_vote = p;
    if (s->n_votes == 0) {
        xb_free(s->votes);
        xb_free(s->accuracy_vote);
        s->votes = NULL;
        s->accuracy_vote = NULL;
        return XB_OK;
    }
    /* The cost of the votes, where the file has it. */
    const enum xb_ds cost_ids[2] = {XB_DS_ENERGY, XB_DS_LATENCY_PIPELINED};
    double **cost[2] = {&s->energy, &s->latency};
    for (int c = 0; c < 2; c++) {
        a = spec_of(cost_ids[c], XB_EXP_MAX_REPEATS);
        if (H5Lexists(fid, a.name, H5P_DEFAULT) <= 0)
            continue;
        want[0] = s->n_votes;
        if ((st = read_array(ctx, path, fid, &a, want, got, &p)) != XB_OK)
            return st;
        *cost[c] = p;
        for (size_t k = 0; k < s->n_votes; k++)
            if (!(isfinite((*cost[c])[k]) && (*cost[c])[k] >= 0))
                return xb_error(ctx, XB_ERANGE, "%s: %s[%zu] is %g; expected a finite value "
                                ">= 0", path, a.name, k, (*cost[c])[k]);
    }
    return XB_OK;
}

/* A spiking model's measured energy per inference, where the file has it:
 * finite and >= 0 at every done point (NaN where not done). */
static enum xb_status read_spike_energy(struct xb_ctx *ctx, hid_t fid, struct xb_sweep_result *s)
{
    struct array_spec a = spec_of(XB_DS_SPIKE_ENERGY, XB_EXP_MAX_GRID);
    hsize_t want[XB_SWEEP_MAX_RANK] = {s->n_train, s->n_test, 3}, got[XB_SWEEP_MAX_RANK];
    void *p;
    enum xb_status st;
    if (H5Lexists(fid, a.name, H5P_DEFAULT) <= 0)
        return XB_OK;
    if ((st = read_array(ctx, s->path, fid, &a, want, got, &p)) != XB_OK)
        return st;
    s->spike_energy = p;
    for (size_t c = 0; c < s->n_train * s->n_test; c++)
        for (size_t k = 0; k < 3 && s->done[c]; k++) {
            double v = s->spike_energy[c * 3 + k];
            if (!(isfinite(v) && v >= 0))
                return xb_error(ctx, XB_ERANGE, "%s: %s[%zu, %zu, %zu] is %g at a done point; "
                                "expected a finite value >= 0", s->path, a.name, c / s->n_test,
                                c % s->n_test, k, v);
        }
    return XB_OK;
}

static enum xb_status read_provenance(struct xb_ctx *ctx, hid_t fid, struct xb_sweep_result *s)
{
    const char *path = s->path;
    enum xb_status st;
    uint64_t seed;
    int32_t threads;
    const char *root = "/"; /* the root group: not a dataset of the layout */
    if ((st = xb_h5_read_attr_string(ctx, path, fid, root, XB_SWEEP_ATTR_XBAR_VERSION,
                                     &s->xbar_version)) != XB_OK ||
        (st = xb_h5_read_attr_string(ctx, path, fid, root, XB_SWEEP_ATTR_GIT_COMMIT,
                                     &s->git_commit)) != XB_OK ||
        (st = xb_h5_read_attr_string(ctx, path, fid, root, XB_SWEEP_ATTR_CREATED,
                                     &s->created)) != XB_OK ||
        (st = xb_h5_read_attr_string(ctx, path, fid, root, XB_SWEEP_ATTR_COMMAND_LINE,
                                     &s->command_line)) != XB_OK ||
        (st = xb_h5_read_attr_integer(ctx, path, fid, XB_SWEEP_ATTR_SEED, H5T_NATIVE_UINT64,
                                      &seed)) != XB_OK ||
        (st = xb_h5_read_attr_integer(ctx, path, fid, XB_SWEEP_ATTR_THREADS, H5T_NATIVE_INT32,
                                      &threads)) != XB_OK)
        return st;
    s->seed = seed;
    s->threads = (int)threads;

    const char *config = xb_layout_row(XB_DS_CONFIG)->path;
    const char *group = xb_layout_row(XB_DS_SWEEP)->path;
    if (H5Lexists(fid, config, H5P_DEFAULT) <= 0)
        return xb_error(ctx, XB_ENOTFOUND, "%s: no dataset %s (expected the resolved config "
                        "as a scalar string)", path, config);
    hid_t d = H5Dopen2(fid, config, H5P_DEFAULT);
    int ok = d >= 0 && xb_h5_read_string(d, 0, &s->config);
    if (d >= 0)
        H5Dclose(d);
    if (!ok)
        return xb_error(ctx, XB_EFORMAT, "%s: %s is not a scalar string dataset (expected the "
                        "resolved config text)", path, config);

    hid_t g = H5Lexists(fid, group, H5P_DEFAULT) > 0
                  ? H5Gopen2(fid, group, H5P_DEFAULT)
                  : H5I_INVALID_HID;
    if (g >= 0)
        H5Gclose(g);
    else
        return xb_error(ctx, XB_ENOTFOUND, "%s: no group %s; expected a sweep result file "
                        "(xbar sweep)", path, group);
    if ((st = xb_h5_read_attr_string(ctx, path, fid, group,
                                     XB_SWEEP_ATTR_NOISE_MODEL, &s->noise_model)) != XB_OK ||
        (st = xb_h5_read_attr_string(ctx, path, fid, group, XB_SWEEP_ATTR_DATASET,
                                     &s->dataset)) != XB_OK ||
        (st = xb_h5_read_attr_string(ctx, path, fid, group, XB_SWEEP_ATTR_MODEL,
                                     &s->model)) != XB_OK)
        return st;
    /* Files from before device sweeps have no test_axis: sigma_test. */
    if (H5Aexists_by_name(fid, group, XB_SWEEP_ATTR_TEST_AXIS, H5P_DEFAULT) > 0) {
        if ((st = xb_h5_read_attr_string(ctx, path, fid, group,
                                         XB_SWEEP_ATTR_TEST_AXIS, &s->test_axis)) != XB_OK)
            return st;
        if (strcmp(s->test_axis, XB_SWEEP_AXIS_SIGMA) && strcmp(s->test_axis, XB_SWEEP_AXIS_T))
            return xb_error(ctx, XB_EFORMAT, "%s: attribute '%s' of %s is \"%s\"; expected "
                            "\"%s\" or \"%s\"", path, XB_SWEEP_ATTR_TEST_AXIS, group,
                            s->test_axis, XB_SWEEP_AXIS_SIGMA, XB_SWEEP_AXIS_T);
    } else {
        s->test_axis = xb_strdup(XB_SWEEP_AXIS_SIGMA);
    }
    s->test_is_t = !strcmp(s->test_axis, XB_SWEEP_AXIS_T);
    return XB_OK;
}

enum xb_status xb_sweep_read(struct xb_ctx *ctx, const char *path, struct xb_sweep_result *s)
{
    enum xb_status st;
    hid_t fid = H5I_INVALID_HID;

    memset(s, 0, sizeof *s);
    if ((st = xb_h5_open_read(ctx, path, "a sweep result (xbar sweep)", &fid)))
        return st;

    s->path = xb_strdup(path);
    st = read_provenance(ctx, fid, s);
    if (st == XB_OK)
        st = read_grid(ctx, fid, s);
    if (st == XB_OK)
        st = check_values(ctx, s);
    if (st == XB_OK)
        st = read_spike_energy(ctx, fid, s);
    H5Fclose(fid);
    if (st != XB_OK)
        xb_sweep_result_free(s);
    return st;
}

int xb_sweep_is_model(const char *path)
{
    xb_h5_quiet();
    hid_t fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0)
        return 0;
    int model = 0;
    const char *axes[] = {xb_layout_row(XB_DS_SIGMA_TEST)->path,
                          xb_layout_row(XB_DS_T_TEST)->path};
    for (int k = 0; k < 2 && !model; k++) {
        if (H5Lexists(fid, xb_layout_row(XB_DS_SWEEP)->path, H5P_DEFAULT) <= 0 ||
            H5Lexists(fid, axes[k], H5P_DEFAULT) <= 0)
            continue;
        hid_t d = H5Dopen2(fid, axes[k], H5P_DEFAULT);
        hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
        model = sp >= 0 && H5Sget_simple_extent_npoints(sp) == 0;
        if (sp >= 0)
            H5Sclose(sp);
        if (d >= 0)
            H5Dclose(d);
    }
    H5Fclose(fid);
    return model;
}

void xb_sweep_result_free(struct xb_sweep_result *s)
{
    if (!s)
        return;
    char **strings[] = {&s->path,         &s->xbar_version, &s->git_commit,
                        &s->created,      &s->command_line, &s->config,
                        &s->noise_model,  &s->dataset,      &s->model,
                        &s->test_axis};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        xb_free(*strings[i]);
    xb_free(s->sigma_train);
    xb_free(s->sigma_test);
    xb_free(s->snr_db);
    xb_free(s->votes);
    xb_free(s->accuracy);
    xb_free(s->accuracy_vote);
    xb_free(s->done);
    xb_free(s->energy);
    xb_free(s->latency);
    xb_free(s->spike_energy);
    memset(s, 0, sizeof *s);
}
