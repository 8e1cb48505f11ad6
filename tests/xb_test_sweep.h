/*
 * xb_test_sweep.h — a synthetic sweep result file with known numbers,
 * written with HDF5 directly, and a temporary directory to write it in;
 * shared by tests/sim/test_plot.c and tests/sim/test_plot_figures.c (header-only:
 * every tests/<folder>/test_*.c is its own binary).
 */
#ifndef XB_TEST_SWEEP_H
#define XB_TEST_SWEEP_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xb_alloc.h"

/* The directory of the test running: .init = make_dir, .fini = remove_dir. */
static char dir[64];

static inline void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-plot.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static inline void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static inline char *path_in(const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* ---- a synthetic sweep ---------------------------------------------------- */

/* The grid in sorted order: σ_train {0, 0.5, 1}, σ_test {0, 0.5, 1}. The
 * file stores them permuted (file index -> sorted index) so that the
 * readers must sort. Means without voting, paper-001-like: */
static const double MEAN[3][3] = {
    /* σ_test:  0.0    0.5    1.0 */
    {0.995, 0.935, 0.211}, /* σ_train 0   */
    {0.996, 0.993, 0.777}, /* σ_train 0.5 */
    {0.990, 0.993, 0.860}, /* σ_train 1   (ties 0.5 at σ_test 0.5) */
};
/* Voted accuracy at K_max = 5. */
static const double VOTE[3][3] = {
    {0.995, 0.960, 0.387},
    {0.996, 0.994, 0.950},
    {0.991, 0.997, 0.984},
};
static const double SIGMA[3] = {0.0, 0.5, 1.0};
static const size_t TRAIN_PERM[3] = {1, 0, 2}; /* file σ_train = {0.5, 0, 1} */
static const size_t TEST_PERM[3] = {2, 0, 1};  /* file σ_test  = {1, 0, 0.5} */
#define NT 3
#define NS 3
#define NR 3
#define NK 5

struct synth {
    int n_votes;          /* NK, or 0 for no voting */
    int skip_train0;      /* write σ_train 0.25 instead of 0 */
    const char *omit;     /* a dataset or root attribute to leave out */
    int undone_i, undone_j; /* sorted indices of a point not done, or -1 */
    double poke;          /* if not 0: accuracy[0, 0, 0] = poke */
    int done_nan;         /* a done point holds NaN */
    int bad_vote_shape;   /* accuracy_vote with n_votes + 1 columns */
    int device;           /* device mode: test_axis "t", /sweep/t_test, pcm */
    int no_cost;          /* no /sweep/energy, /sweep/latency_*: a file made before them */
    int spiking;          /* /sweep/spike_energy: synth_spike_energy at every done point;
                             2: and -1 J at the first done point */
};

/* A spiking sweep's measured energy per inference at sorted point [a, b],
 * figure f (crossbars, digital SNN, digital ANN) [J]: each point its own,
 * below the SYNTH_ENERGY of full activity on the crossbars. */
static inline double synth_spike_energy(size_t a, size_t b, int f)
{
    double xbar = (1.0 + (double)a + 3.0 * (double)b) * 1e-11;
    return f == 0 ? xbar : f == 1 ? 20 * xbar : 1e-9;
}

/* The cost of one vote: energy [J] and one pipeline stage [s]. */
#define SYNTH_ENERGY 2.5e-10
#define SYNTH_TAU 1e-7

/* Device mode's read times [s], in place of SIGMA on the test axis. */
static const double T_READ[3] = {1.0, 3600.0, 86400.0};

static inline void synth_default(struct synth *s)
{
    memset(s, 0, sizeof *s);
    s->n_votes = NK;
    s->undone_i = s->undone_j = -1;
}

static inline void attr_str(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(a >= 0);
    cr_assert(H5Awrite(a, t, &value) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static inline void dataset(hid_t fid, const struct synth *s, const char *name, hid_t ftype,
                           hid_t mtype, int rank, const hsize_t *dims, const void *buf,
                           const char *units)
{
    if (s->omit && !strcmp(s->omit, name))
        return;
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(fid, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0, "create %s", name);
    cr_assert(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    attr_str(d, "units", units);
    attr_str(d, "description", "synthetic");
    H5Dclose(d);
    H5Sclose(sp);
}

/* Repeat r of point [a, b] (sorted indices): the mean ± 0.002, except
 * ties, which are exact. */
static inline double repeat_value(size_t a, size_t b, size_t r)
{
    static const double delta[NR] = {-0.002, 0.0, 0.002};
    return a >= 1 && b == 1 ? MEAN[a][b] : MEAN[a][b] + delta[r];
}

static inline void write_sweep(const char *path, const struct synth *s)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(fid >= 0);
    hid_t root = H5Gopen2(fid, "/", H5P_DEFAULT);
    const char *names[] = {"xbar_version", "git_commit", "created", "command_line"};
    const char *values[] = {"0.1.0", "abcdef123456", "2025-01-02T03:04:05Z",
                            "xbar sweep --config q.cfg"};
    for (int k = 0; k < 4; k++)
        if (!s->omit || strcmp(s->omit, names[k]))
            attr_str(root, names[k], values[k]);
    uint64_t seed = 42;
    int32_t threads = 2;
    hid_t sp = H5Screate(H5S_SCALAR);
    if (!s->omit || strcmp(s->omit, "seed")) {
        hid_t a = H5Acreate2(root, "seed", H5T_STD_U64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, H5T_NATIVE_UINT64, &seed);
        H5Aclose(a);
    }
    hid_t a = H5Acreate2(root, "threads", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT32, &threads);
    H5Aclose(a);
    H5Gclose(root);

    /* /config as a fixed-length string: the reader takes both kinds. */
    const char *config = "sweep = { sigma_train = [0.0, 0.5, 1.0]; };\n";
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(config));
    hid_t d = H5Dcreate2(fid, "/config", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, config);
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);

    hid_t g = H5Gcreate2(fid, "/sweep", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    attr_str(g, "noise_model", s->device ? "pcm" : "mult");
    if (s->device)
        attr_str(g, "test_axis", "t");
    attr_str(g, "dataset", "mnist");
    attr_str(g, "model", "cnn6");
    H5Gclose(g);

    double st[NT], ss[NS], snr[NS];
    for (size_t i = 0; i < NT; i++)
        st[i] = s->skip_train0 && TRAIN_PERM[i] == 0 ? 0.25 : SIGMA[TRAIN_PERM[i]];
    for (size_t j = 0; j < NS; j++) {
        ss[j] = s->device ? T_READ[TEST_PERM[j]] : SIGMA[TEST_PERM[j]];
        snr[j] = s->device ? (double)NAN : ss[j] > 0 ? -20 * log10(ss[j]) : (double)INFINITY;
    }
    size_t nk = (size_t)s->n_votes, nk_file = nk + (s->bad_vote_shape ? 1 : 0);
    int32_t votes[NK];
    double acc[NT * NS * NR], vote[NT * NS * (NK + 1)];
    uint8_t done[NT * NS];
    for (size_t k = 0; k < nk; k++)
        votes[k] = (int32_t)(k + 1);
    for (size_t i = 0; i < NT; i++)
        for (size_t j = 0; j < NS; j++) {
            size_t a2 = TRAIN_PERM[i], b = TEST_PERM[j];
            int is_done = !((int)a2 == s->undone_i && (int)b == s->undone_j);
            done[i * NS + j] = (uint8_t)is_done;
            for (size_t r = 0; r < NR; r++)
                acc[(i * NS + j) * NR + r] = is_done ? repeat_value(a2, b, r) : (double)NAN;
            /* Voting rises from the single-inference mean to VOTE at K_max. */
            for (size_t k = 0; k < nk_file; k++) {
                double f = nk > 1 ? (double)k / (double)(nk - 1) : 1;
                vote[(i * NS + j) * nk_file + k] =
                    is_done ? MEAN[a2][b] + fmin(f, 1) * (VOTE[a2][b] - MEAN[a2][b]) : (double)NAN;
            }
        }
    if (s->poke != 0)
        acc[0] = s->poke;
    if (s->done_nan)
        acc[1] = NAN;

    hsize_t d1t[1] = {NT}, d1s[1] = {NS}, d1k[1] = {nk};
    hsize_t d2[2] = {NT, NS}, d3r[3] = {NT, NS, NR}, d3k[3] = {NT, NS, nk_file};
    dataset(fid, s, "/sweep/sigma_train", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1t, st, "1");
    dataset(fid, s, s->device ? "/sweep/t_test" : "/sweep/sigma_test", H5T_IEEE_F64LE,
            H5T_NATIVE_DOUBLE, 1, d1s, ss, s->device ? "s" : "1");
    dataset(fid, s, "/sweep/snr_db", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1s, snr, "dB");
    dataset(fid, s, "/sweep/votes", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1k, votes, "1");
    dataset(fid, s, "/sweep/accuracy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3r, acc, "1");
    dataset(fid, s, "/sweep/accuracy_vote", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3k, vote,
            "1");
    dataset(fid, s, "/sweep/done", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, d2, done, "1");
    if (!s->no_cost) {
        /* The cost of K votes: K · SYNTH_ENERGY, and (2 + K − 1) stages of
         * SYNTH_TAU pipelined, K · 2 sequential. */
        double en[NK], lp[NK], ls[NK];
        for (size_t k = 0; k < nk; k++) {
            en[k] = (double)(k + 1) * SYNTH_ENERGY;
            lp[k] = (double)(k + 2) * SYNTH_TAU;
            ls[k] = (double)(2 * (k + 1)) * SYNTH_TAU;
        }
        dataset(fid, s, "/sweep/energy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1k, en, "J");
        dataset(fid, s, "/sweep/latency_pipelined", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1k,
                lp, "s");
        dataset(fid, s, "/sweep/latency_sequential", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1k,
                ls, "s");
    }
    if (s->spiking) {
        double se[NT * NS * 3];
        hsize_t d3e[3] = {NT, NS, 3};
        for (size_t i = 0; i < NT; i++)
            for (size_t j = 0; j < NS; j++)
                for (int f = 0; f < 3; f++)
                    se[(i * NS + j) * 3 + (size_t)f] =
                        done[i * NS + j] ? synth_spike_energy(TRAIN_PERM[i], TEST_PERM[j], f)
                                         : (double)NAN;
        if (s->spiking == 2)
            se[done[0] ? 0 : 3] = -1;
        dataset(fid, s, "/sweep/spike_energy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d3e, se,
                "J");
    }
    cr_assert(H5Fclose(fid) >= 0);
}

/* Writes the default sweep as dir/NAME and returns its path. */
static inline char *default_sweep(const char *name)
{
    struct synth s;
    synth_default(&s);
    char *path = path_in(name);
    write_sweep(path, &s);
    return path;
}

/* Asserts that text holds line as a whole line. */
static inline void has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
            return;
    cr_assert_fail("missing line\n[%s]\nin\n%s", line, text);
}

/* ---- the figures' data, where gnuplot reads it ------------------------------- */

static inline int have_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }

/* Entries of d, hidden ones included. */
static inline int count_entries(const char *d)
{
    DIR *dp = opendir(d);
    cr_assert(dp, "%s", d);
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dp);
    return n;
}

/* The figures' content, read where gnuplot reads it: a wrapper given as
 * the gnuplot program keeps a copy of the script and of its data file
 * (both removed by xb_plot once gnuplot exits) and runs gnuplot on them. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = xb_malloc((size_t)n + 1, 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* A gnuplot (dir/gnuplot-keep; xb_free the path) that keeps a copy of the
 * script as dir/kept.gp and of its data file as dir/kept.dat, then runs
 * gnuplot on them. */
static inline char *keeping_gnuplot(void)
{
    char *wrapper = path_in("gnuplot-keep"), *gp = path_in("kept.gp"), *dat = path_in("kept.dat");
    FILE *w = fopen(wrapper, "w");
    cr_assert(w);
    fprintf(w, "#!/bin/sh\ncp \"$1\" '%s' || exit 1\n"
               "cp \"$(sed -n \"s/^DATA = '\\(.*\\)'$/\\1/p\" \"$1\")\" '%s' || exit 1\n"
               "exec gnuplot \"$@\"\n", gp, dat);
    fclose(w);
    cr_assert_eq(chmod(wrapper, 0755), 0);
    xb_free(gp);
    xb_free(dat);
    return wrapper;
}

/* Rows of data block k (blocks end with two blank lines): up to max rows
 * of `cols` numbers into v; returns the rows. */
static inline size_t block_rows(const char *dat, int k, size_t cols, double *v, size_t max)
{
    const char *p = dat;
    for (int b = 0; b < k; b++) {
        p = strstr(p, "\n\n\n");
        cr_assert(p, "no data block %d", k);
        p += 3;
    }
    const char *end = strstr(p, "\n\n\n");
    cr_assert(end, "data block %d not ended", k);
    size_t rows = 0;
    while (p < end) {
        cr_assert_lt(rows, max, "block %d has more than %zu rows", k, max);
        for (size_t c = 0; c < cols; c++) {
            char *q;
            v[rows * cols + c] = strtod(p, &q);
            cr_assert(q != p, "block %d row %zu: column %zu is not a number", k, rows, c);
            p = q;
        }
        cr_assert(*p == '\n', "block %d row %zu: more than %zu columns", k, rows, cols);
        p++;
        rows++;
    }
    return rows;
}

#endif
