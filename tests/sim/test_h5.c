/* sim/io/xb_h5: matrices in and out, and result files that are never left
 * half-written at their final path. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_h5.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-h5.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* How many entries dir holds, temporary files included. */
static int count_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static char *path_in(const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* Writes a file with matrix M[rows × cols] at "M" and "g/M". */
static void write_file(const char *path, const float *M, size_t rows, size_t cols)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    struct xb_h5_file *f;
    cr_assert_eq(xb_h5_create(ctx, path, &f), XB_OK, "%s", xb_ctx_error(ctx));
    struct xb_h5_meta meta = {"xbar test", 7, 1, NULL, 0};
    struct xb_figure figs[] = {
        xb_figure_real("snr", 12.5, "dB", "a real"),
        xb_figure_int("n", 3, "1", "an int"),
        xb_figure_text("name", "pcm", "a text"),
    };
    cr_assert_eq(xb_h5_write_meta(ctx, f, &meta), XB_OK);
    cr_assert_eq(xb_h5_write_matrix(ctx, f, "M", M, rows, cols, "1", "matrix"), XB_OK);
    cr_assert_eq(xb_h5_write_matrix(ctx, f, "g/M", M, rows, cols, "1", "matrix"), XB_OK);
    cr_assert_eq(xb_h5_write_text(ctx, f, "config", "a = 1;\n", "text"), XB_OK);
    cr_assert_eq(xb_h5_write_figures(ctx, f, "fig", figs, 3), XB_OK);
    cr_assert_eq(xb_h5_commit(ctx, f), XB_OK, "%s", xb_ctx_error(ctx));
    xb_ctx_free(ctx);
}

Test(h5, round_trip, .init = make_dir, .fini = remove_dir)
{
    float M[6] = {1.0f, -2.0f, 3.5f, 0.0f, 1e-30f, -7.25f};
    char *path = path_in("r.h5");
    write_file(path, M, 2, 3);
    cr_assert_eq(count_files(), 1, "only the result is left");

    struct xb_ctx *ctx = xb_ctx_create(NULL);
    const char *specs[] = {"", ":/M", ":/g/M"};
    for (int k = 0; k < 3; k++) {
        char spec[256];
        float *A;
        size_t r, c;
        snprintf(spec, sizeof spec, "%s%s", path, specs[k]);
        cr_assert_eq(xb_h5_read_matrix(ctx, spec, "/M", "--w", "[a x b]", NULL, &A, &r, &c), XB_OK,
                     "%s", xb_ctx_error(ctx));
        cr_assert_eq(r, 2);
        cr_assert_eq(c, 3);
        cr_assert_arr_eq(A, M, sizeof M);
        xb_free(A);
    }
    xb_ctx_free(ctx);
    xb_free(path);
}

Test(h5, read_errors, .init = make_dir, .fini = remove_dir)
{
    float M[4] = {1.0f, NAN, 2.0f, 3.0f};
    char *path = path_in("bad.h5");
    write_file(path, M, 2, 2);
    struct {
        const char *suffix;
        enum xb_status st;
        const char *text;
    } cases[] = {
        {":/nope", XB_ENOTFOUND, "no dataset /nope"},
        {":/fig/snr", XB_ESHAPE, "rank 0"},
        {":/M", XB_ENUMERIC, "[0, 1] is nan"},
        {".missing", XB_EIO, "No such file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct xb_ctx *ctx = xb_ctx_create(NULL);
        char spec[256];
        float *A = (float *)1;
        size_t r, c;
        snprintf(spec, sizeof spec, "%s%s", path, cases[i].suffix);
        cr_assert_eq(xb_h5_read_matrix(ctx, spec, "/M", "--weights x", "[out x in]", NULL, &A,
                                       &r, &c),
                     cases[i].st, "case %zu: %s", i, xb_ctx_error(ctx));
        cr_assert_null(A);
        cr_assert(strstr(xb_ctx_error(ctx), cases[i].text), "%s", xb_ctx_error(ctx));
        cr_assert(strstr(xb_ctx_error(ctx), "--weights x"), "%s", xb_ctx_error(ctx));
        xb_ctx_free(ctx);
    }
    /* Not an HDF5 file at all. */
    char *txt = path_in("x.txt");
    FILE *f = fopen(txt, "w");
    fputs("hello\n", f);
    fclose(f);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    float *A;
    size_t r, c;
    cr_assert_eq(xb_h5_read_matrix(ctx, txt, "/M", "--w", "[a]", NULL, &A, &r, &c), XB_EFORMAT);
    xb_ctx_free(ctx);
    xb_free(txt);
    xb_free(path);
}

Test(h5, discard_leaves_nothing, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *path = path_in("d.h5");
    struct xb_h5_file *f;
    float M[1] = {1.0f};
    cr_assert_eq(xb_h5_create(ctx, path, &f), XB_OK);
    cr_assert_eq(xb_h5_write_matrix(ctx, f, "M", M, 1, 1, "1", "m"), XB_OK);
    cr_assert_eq(count_files(), 1, "the temporary file exists while writing");
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0, "nothing at the final path before commit");
    xb_h5_discard(f);
    xb_h5_discard(NULL);
    cr_assert_eq(count_files(), 0);
    xb_free(path);
    xb_ctx_free(ctx);
}

Test(h5, commit_replaces_whole_file, .init = make_dir, .fini = remove_dir)
{
    char *path = path_in("r.h5");
    float A[4] = {1, 2, 3, 4}, B[2] = {5, 6};
    write_file(path, A, 2, 2);
    write_file(path, B, 1, 2);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    float *M;
    size_t r, c;
    cr_assert_eq(xb_h5_read_matrix(ctx, path, "/M", "--w", "[a]", NULL, &M, &r, &c), XB_OK);
    cr_assert_eq(r, 1);
    cr_assert_arr_eq(M, B, sizeof B);
    cr_assert_eq(count_files(), 1);
    xb_free(M);
    xb_free(path);
    xb_ctx_free(ctx);
}

Test(h5, check_writable, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *ok = path_in("x.h5");
    cr_assert_eq(xb_h5_check_writable(ctx, ok, "-o x"), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(count_files(), 0, "the probe is removed");
    cr_assert_eq(xb_h5_check_writable(ctx, "/nonexistent/dir/x.h5", "-o y"), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), "-o y"));
    cr_assert_eq(xb_h5_check_writable(ctx, dir, "-o d"), XB_EINVAL);
    char *slash = path_in("");
    cr_assert_eq(xb_h5_check_writable(ctx, slash, "-o s"), XB_EINVAL);
    xb_free(slash);
    xb_free(ok);
    xb_ctx_free(ctx);
}
