/*
 * xb_provenance.c — the table of provenance fields and what is done with
 * it: collecting this run's values, printing them, and the checks of
 * --resume. Reading and writing the HDF5 side is xb_provenance_h5.c.
 *
 * OpenBLAS's cblas.h is included here (for openblas_get_config and
 * openblas_get_corename); of GSL only gsl_version.h, which does not pull in
 * gsl_cblas.h (ARCHITECTURE.md §10, header clash).
 */
#include "xb_provenance.h"

#include <cblas.h>
#include <gsl/gsl_version.h>
#include <hdf5.h>
#include <libconfig.h>
#include <nettle/version.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "xb_alloc.h"
#include "xb_rng.h"
#include "xb_version.h"

#if defined(__GNUC__) && !defined(__clang__)
#define XB_COMPILER "gcc " __VERSION__
#else
#define XB_COMPILER __VERSION__
#endif

/* ---- how each value is obtained ----------------------------------------- */

static void put(char *buf, size_t size, const char *text)
{
    snprintf(buf, size, "%s", text && text[0] ? text : "unknown");
}

/* Word k (0-based) of OpenBLAS's configuration string, "OpenBLAS 0.3.21
 * NO_LAPACKE DYNAMIC_ARCH ... Haswell MAX_THREADS=64". */
static void blas_config_word(int k, char *buf, size_t size)
{
    const char *s = openblas_get_config();
    for (int i = 0; s && i < k; i++) {
        s += strcspn(s, " ");
        s += strspn(s, " ");
    }
    size_t len = s ? strcspn(s, " ") : 0;
    if (len == 0 || len >= size) {
        put(buf, size, NULL);
        return;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
}

static void get_xbar_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, xb_version());
}

static void get_git_commit(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, xb_git_commit());
}

static void get_created(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void get_seed(const struct xb_prov_run *r, char *buf, size_t size)
{
    snprintf(buf, size, "%llu", (unsigned long long)r->seed);
}

static void get_threads(const struct xb_prov_run *r, char *buf, size_t size)
{
    snprintf(buf, size, "%d", r->threads);
}

static void get_command_line(const struct xb_prov_run *r, char *buf, size_t size)
{
    snprintf(buf, size, "%s", r->command_line ? r->command_line : "");
}

static void get_portable(const struct xb_prov_run *r, char *buf, size_t size)
{
    snprintf(buf, size, "%d", r->portable ? 1 : 0);
}

static void get_blas_library(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    blas_config_word(0, buf, size);
}

static void get_blas_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    blas_config_word(1, buf, size);
}

static void get_blas_config(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, openblas_get_config());
}

static void get_blas_kernel(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, openblas_get_corename());
}

static void get_blas_threads(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    snprintf(buf, size, "%d", openblas_get_num_threads());
}

/* The first "model name" of /proc/cpuinfo (x86; other machines name it
 * otherwise, and get "unknown"). */
static void get_cpu_model(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, NULL);
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10))
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            continue;
        v += 1 + strspn(v + 1, " \t");
        line[strcspn(line, "\n")] = '\0';
        put(buf, size, v);
        break;
    }
    fclose(f);
}

static void get_isa_level(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, xb_isa_level());
}

static void get_compiler(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, XB_COMPILER);
}

static void get_compiler_flags(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, xb_build_flags());
}

static void get_gsl_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, gsl_version);
}

static void get_hdf5_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    unsigned a = 0, b = 0, c = 0;
    if (H5get_libversion(&a, &b, &c) < 0)
        put(buf, size, NULL);
    else
        snprintf(buf, size, "%u.%u.%u", a, b, c);
}

static void get_libconfig_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    snprintf(buf, size, "%d.%d.%d", LIBCONFIG_VER_MAJOR, LIBCONFIG_VER_MINOR,
             LIBCONFIG_VER_REVISION);
}

static void get_zlib_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    put(buf, size, zlibVersion());
}

static void get_nettle_version(const struct xb_prov_run *r, char *buf, size_t size)
{
    (void)r;
    snprintf(buf, size, "%d.%d", nettle_version_major(), nettle_version_minor());
}

/* ---- the table ------------------------------------------------------------ */

static const struct xb_prov_field fields[XB_PROV_N] = {
    [XB_PROV_XBAR_VERSION] = {"xbar_version", XB_PROV_TEXT, "the xbar release",
                              "XB_VERSION (sim/io/xb_version.h)", get_xbar_version},
    [XB_PROV_GIT_COMMIT] = {"git_commit", XB_PROV_TEXT,
                            "the source commit the binary was built from, -dirty if the tree "
                            "differed", "-DXB_GIT_COMMIT from the Makefile (git rev-parse)",
                            get_git_commit},
    [XB_PROV_CREATED] = {"created", XB_PROV_TEXT, "when the file was written, UTC, ISO 8601",
                         "time(2), gmtime_r", get_created},
    [XB_PROV_SEED] = {"seed", XB_PROV_UINT64, "the master seed of every random stream",
                      "--seed", get_seed},
    [XB_PROV_THREADS] = {"threads", XB_PROV_INT32, "OpenMP threads that ran",
                         "omp_get_max_threads() after --threads", get_threads},
    [XB_PROV_COMMAND_LINE] = {"command_line", XB_PROV_TEXT, "the command that ran",
                              "argv, joined", get_command_line},
    [XB_PROV_PORTABLE] = {"portable", XB_PROV_INT32,
                          "1 if the run was in portable mode (numbers independent of the "
                          "BLAS kernel), else 0", "xb_ctx_params.portable", get_portable},
    [XB_PROV_BLAS_LIBRARY] = {"blas_library", XB_PROV_TEXT, "the BLAS library linked",
                              "openblas_get_config(), first word", get_blas_library},
    [XB_PROV_BLAS_VERSION] = {"blas_version", XB_PROV_TEXT, "its version",
                              "openblas_get_config(), second word", get_blas_version},
    [XB_PROV_BLAS_CONFIG] = {"blas_config", XB_PROV_TEXT,
                             "its version and build options (threading, DYNAMIC_ARCH, ...)",
                             "openblas_get_config()", get_blas_config},
    [XB_PROV_BLAS_KERNEL] = {"blas_kernel", XB_PROV_TEXT,
                             "the kernel OpenBLAS chose at load time (by CPU, or "
                             "OPENBLAS_CORETYPE); sums differ in the last bits between kernels",
                             "openblas_get_corename()", get_blas_kernel},
    [XB_PROV_BLAS_THREADS] = {"blas_threads", XB_PROV_INT32, "threads OpenBLAS may use",
                              "openblas_get_num_threads()", get_blas_threads},
    [XB_PROV_CPU_MODEL] = {"cpu_model", XB_PROV_TEXT, "the processor",
                           "/proc/cpuinfo, the first \"model name\"", get_cpu_model},
    [XB_PROV_ISA_LEVEL] = {"isa_level", XB_PROV_TEXT,
                           "the instruction-set level xbar's own kernels dispatched to (the "
                           "same numbers on every level)",
                           "xb_isa_level() (noise/xb_gauss.c, noise/xb_clones.h)",
                           get_isa_level},
    [XB_PROV_COMPILER] = {"compiler", XB_PROV_TEXT, "the compiler that built xbar",
                          "__VERSION__", get_compiler},
    [XB_PROV_COMPILER_FLAGS] = {"compiler_flags", XB_PROV_TEXT,
                                "the flags that can move a number (optimisation, -std, "
                                "OpenMP, sanitizers, defines)",
                                "-DXB_BUILD_FLAGS from the Makefile", get_compiler_flags},
    [XB_PROV_GSL_VERSION] = {"gsl_version", XB_PROV_TEXT, "GSL, the library loaded",
                             "gsl_version", get_gsl_version},
    [XB_PROV_HDF5_VERSION] = {"hdf5_version", XB_PROV_TEXT, "HDF5, the library loaded",
                              "H5get_libversion()", get_hdf5_version},
    [XB_PROV_LIBCONFIG_VERSION] = {"libconfig_version", XB_PROV_TEXT,
                                   "libconfig, the headers built against (it has no run-time "
                                   "query)", "LIBCONFIG_VER_MAJOR/MINOR/REVISION",
                                   get_libconfig_version},
    [XB_PROV_ZLIB_VERSION] = {"zlib_version", XB_PROV_TEXT, "zlib, the library loaded",
                              "zlibVersion()", get_zlib_version},
    [XB_PROV_NETTLE_VERSION] = {"nettle_version", XB_PROV_TEXT,
                                "nettle (the SHA-256 of the data files), the library loaded",
                                "nettle_version_major(), nettle_version_minor()",
                                get_nettle_version},
};

const struct xb_prov_field *xb_provenance_fields(void) { return fields; }

/* ---- collecting, printing, freeing ---------------------------------------- */

void xb_provenance_collect(const struct xb_prov_run *run, struct xb_provenance *p)
{
    memset(p, 0, sizeof *p);
    char buf[4096];
    for (int k = 0; k < XB_PROV_N; k++) {
        fields[k].get(run, buf, sizeof buf);
        p->value[k] = xb_strdup(buf);
    }
    if (run->files)
        xb_data_files_merge(&p->files, run->files);
    p->has_files = 1;
}

void xb_provenance_free(struct xb_provenance *p)
{
    if (!p)
        return;
    for (int k = 0; k < XB_PROV_N; k++)
        xb_free(p->value[k]);
    xb_data_files_free(&p->files);
    memset(p, 0, sizeof *p);
}

/* Written through open_memstream: the block grows with the file list. */
char *xb_provenance_text(const struct xb_provenance *p, size_t max_files)
{
    char *s = NULL;
    size_t len = 0;
    FILE *t = open_memstream(&s, &len);
    XB_ASSERT(t); /* out of memory: abort, as xb_malloc does */
    for (int k = 0; k < XB_PROV_N; k++)
        fprintf(t, "%s: %s\n", fields[k].name, p->value[k] ? p->value[k] : "not recorded");
    if (!p->has_files) {
        fprintf(t, "data_files: not recorded\n");
    } else {
        fprintf(t, "data_files: %zu\n", p->files.n);
        for (size_t i = 0; i < p->files.n && i < max_files; i++) {
            char hex[XB_SHA256_HEX];
            xb_sha256_hex(p->files.v[i].sha256, hex);
            fprintf(t, "data_file[%zu]: sha256 %s, %llu bytes, %s\n", i, hex,
                    (unsigned long long)p->files.v[i].size, p->files.v[i].path);
        }
        if (p->files.n > max_files)
            fprintf(t, "data_files_not_shown: %zu (h5dump -d /data_files FILE lists them "
                    "all)\n", p->files.n - max_files);
    }
    int rc = fclose(t);
    XB_ASSERT(rc == 0 && s);
    return s;
}

/* ---- --resume --------------------------------------------------------------- */

static int is_one(const char *v) { return v && !strcmp(v, "1"); }

enum xb_status xb_provenance_check_resume(struct xb_ctx *ctx, const char *path,
                                          const struct xb_provenance *file,
                                          const struct xb_provenance *run)
{
    const char *lib = run->value[XB_PROV_BLAS_LIBRARY];
    const char *was = file->value[XB_PROV_BLAS_KERNEL], *now = run->value[XB_PROV_BLAS_KERNEL];
    int both_portable = is_one(file->value[XB_PROV_PORTABLE]) &&
                        is_one(run->value[XB_PROV_PORTABLE]);
    if (!both_portable && !was)
        return xb_error(ctx, XB_EINVAL, "--resume: %s records no BLAS kernel (written before "
                        "xbar recorded one); this run uses %s kernel %s: its numbers could "
                        "differ in the last bits; rerun without --resume", path, lib, now);
    if (!both_portable && strcmp(was, now))
        return xb_error(ctx, XB_EINVAL, "--resume: %s was made with %s kernel %s; this run "
                        "uses %s: its numbers would differ in the last bits; rerun without "
                        "--resume or use the same kernel", path, lib, was, now);
    if (!file->has_files)
        return xb_error(ctx, XB_EINVAL, "--resume: %s records no data files (written before "
                        "xbar recorded them), so it cannot show it was made from this run's "
                        "data; rerun without --resume", path);
    char why[768];
    if (xb_data_files_diff(&file->files, &run->files, why, sizeof why))
        return xb_error(ctx, XB_EINVAL, "--resume: %s was made from other data: %s; rerun "
                        "without --resume or use the same data", path, why);
    return XB_OK;
}
