/*
 * xb_plot.c — the plumbing of xb_plot_sweep: output and temporary file
 * names, finding and running gnuplot, and renaming the figures onto their
 * names once it has succeeded. The figures' data and scripts are written
 * by xb_plot_figures.c.
 */
#include "xb_plot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_attack_read.h"
#include "xb_outfile.h"
#include "xb_plot_impl.h"
#include "xb_summary.h"

/* gnuplot's output kept for the error message. */
#define GP_OUTPUT_MAX 8192

/* ---- small things ------------------------------------------------------- */

/* s as a POSIX shell single-quoted word. */
static void sh_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* The gnuplot program: name with a '/' as it is, else searched in PATH. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return access(name, X_OK) == 0 ? xb_strdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char *dir = xb_malloc(len + 1, 1);
        memcpy(dir, path, len);
        dir[len] = '\0';
        char *p = xb_plot_path_join(len ? dir : ".", name);
        xb_free(dir);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0)
            return p;
        xb_free(p);
        path += len + (path[len] == ':');
    }
    return NULL;
}

enum xb_status xb_plot_check_dir(struct xb_ctx *ctx, const char *result_path,
                                 const struct xb_plot_params *params, const char *origin)
{
    struct stat sb;
    enum xb_status st = XB_OK;
    char *dir = params && params->out_dir ? xb_strdup(params->out_dir)
                                          : xb_outfile_dir(result_path);
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT || mkdir(dir, 0777) != 0) {
            st = xb_error(ctx, XB_EIO, "%s: cannot use directory %s: %s", origin, dir,
                          strerror(errno));
            goto done;
        }
    } else if (!S_ISDIR(sb.st_mode)) {
        st = xb_error(ctx, XB_EIO, "%s: %s is not a directory", origin, dir);
        goto done;
    }
    /* Each figure's path, as xb_outfile.h checks it (which also tests the
     * directory by creating a file: access(2) misses read-only mounts). */
    char *stem = xb_plot_stem(result_path);
    for (size_t i = 0; i < XB_PLOT_N_FIGURES && st == XB_OK; i++) {
        for (int f = 0; f < 2 && st == XB_OK; f++) {
            char *path = xb_plot_str_printf("%s/%s_%s.%s", dir, stem, xb_plot_figure_names[i],
                                            xb_plot_formats[f]);
            st = xb_outfile_check(ctx, path, origin);
            xb_free(path);
        }
    }
    xb_free(stem);
done:
    xb_free(dir);
    return st;
}

/* ---- running gnuplot ---------------------------------------------------- */

/* The script's head: the data file and the terminals. */
static void script_head(struct plotter *p)
{
    fputs("# xbar plot: generated, run once, removed\nDATA = ", p->gp);
    xb_plot_gp_quote(p->gp, p->dat_path);
    fputs("\nif (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
          "    PNG = \"pngcairo enhanced font 'Sans,11' background rgb 'white'\"\n"
          "} else {\n"
          "    PNG = \"png enhanced background rgb 'white'\"\n"
          "}\n"
          "SVG = \"svg dynamic enhanced font 'Sans,11' background rgb 'white'\"\n\n",
          p->gp);
}

/* The last non-empty line of gnuplot's output: its error message. */
static void last_line(char *out, char *msg, size_t msg_size)
{
    size_t len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = '\0';
    char *nl = strrchr(out, '\n');
    snprintf(msg, msg_size, "%s", nl ? nl + 1 : out);
}

static enum xb_status run_gnuplot(struct plotter *p, const char *program)
{
    char *cmd;
    size_t len;
    FILE *c = xb_plot_mem_open(&cmd, &len);
    sh_quote(c, program);
    fputc(' ', c);
    sh_quote(c, p->gp_path);
    fputs(" 2>&1 </dev/null", c);
    fclose(c);

    FILE *pipe = popen(cmd, "r");
    free(cmd);
    if (!pipe)
        return xb_error(p->ctx, XB_EIO, "cannot run %s: %s", program, strerror(errno));
    /* Read everything (a full pipe would block gnuplot); keep the start. */
    char *out = xb_malloc(GP_OUTPUT_MAX, 1);
    size_t n = 0;
    char chunk[1024];
    for (size_t got; (got = fread(chunk, 1, sizeof chunk, pipe)) > 0;) {
        size_t keep = got < GP_OUTPUT_MAX - 1 - n ? got : GP_OUTPUT_MAX - 1 - n;
        memcpy(out + n, chunk, keep);
        n += keep;
    }
    out[n] = '\0';
    int status = pclose(pipe);
    enum xb_status st = XB_OK;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[512];
        last_line(out, msg, sizeof msg);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            st = xb_error(p->ctx, XB_ENOTFOUND, "cannot run %s: %s", program, msg);
        else
            st = xb_error(p->ctx, XB_EIO, "gnuplot failed (%s %d) on the figures of %s: %s",
                          WIFEXITED(status) ? "exit status" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                          p->source, msg[0] ? msg : "no message");
    }
    xb_free(out);
    return st;
}

/* Every figure exists and is not empty: rename them all onto their names. */
static enum xb_status commit(struct plotter *p)
{
    for (size_t k = 0; k < p->n_out; k++) {
        struct stat sb;
        if (stat(p->tmp[k], &sb) != 0 || sb.st_size == 0)
            return xb_error(p->ctx, XB_EIO, "gnuplot exited normally but did not write %s",
                            p->final[k]);
    }
    for (size_t k = 0; k < p->n_out; k++) {
        /* What appeared meanwhile is checked again: rename would replace
         * a FIFO, or a symlink put there, as readily as a figure. */
        char *again;
        enum xb_status st = xb_outfile_target(p->ctx, p->final[k], p->final[k], &again);
        if (st != XB_OK)
            return st;
        int moved = strcmp(again, p->final[k]) != 0;
        xb_free(again);
        if (moved)
            return xb_error(p->ctx, XB_EIO, "%s changed while the figures were drawn; not "
                            "replaced", p->final[k]);
        if (rename(p->tmp[k], p->final[k]) != 0)
            return xb_error(p->ctx, XB_EIO, "cannot rename %s onto %s: %s", p->tmp[k],
                            p->final[k], strerror(errno));
        p->files->path[p->files->n++] = p->final[k];
        p->final[k] = NULL;
    }
    return XB_OK;
}

static enum xb_status close_file(struct xb_ctx *ctx, FILE **f, const char *path)
{
    int bad = ferror(*f);
    bad |= fclose(*f) != 0;
    *f = NULL;
    if (bad)
        return xb_error(ctx, XB_EIO, "cannot write %s: %s", path, strerror(errno));
    return XB_OK;
}

/* Draws what write puts into p's data and script (p->ctx, source, dir and
 * stem set by the caller; p->files zeroed): the temporaries, gnuplot, the
 * renaming; everything but the caller's fields is freed. */
static enum xb_status draw(struct plotter *p, const struct xb_plot_params *params,
                           void (*write)(struct plotter *))
{
    struct xb_ctx *ctx = p->ctx;
    enum xb_status st = XB_OK;
    const char *name = params && params->gnuplot ? params->gnuplot : "gnuplot";
    char *program = find_program(name);
    if (!program) {
        st = xb_error(ctx, XB_ENOTFOUND, "%s: no program '%s'%s; the figures need gnuplot "
                      "(Debian gnuplot-nox, installed by 'make deps')", p->source, name,
                      strchr(name, '/') ? "" : " in PATH");
        goto done;
    }

    char *dat = xb_plot_str_printf("%s/%s.dat", p->dir, p->stem);
    char *gp = xb_plot_str_printf("%s/%s.gp", p->dir, p->stem);
    st = xb_outfile_temp(ctx, dat, &p->dat_path);
    if (!st)
        st = xb_outfile_temp(ctx, gp, &p->gp_path);
    xb_free(dat);
    xb_free(gp);
    if (st)
        goto done;
    p->dat = fopen(p->dat_path, "w");
    p->gp = p->dat ? fopen(p->gp_path, "w") : NULL;
    if (!p->gp) {
        st = xb_error(ctx, XB_EIO, "cannot create %s: %s", p->dat ? p->gp_path : p->dat_path,
                      strerror(errno));
        goto done;
    }
    script_head(p);
    write(p);
    if ((st = close_file(ctx, &p->dat, p->dat_path)) != XB_OK ||
        (st = close_file(ctx, &p->gp, p->gp_path)) != XB_OK || (st = p->st) != XB_OK)
        goto done;
    if (p->n_out == 0)
        goto done; /* nothing done yet: nothing to draw */
    if ((st = run_gnuplot(p, program)) == XB_OK)
        st = commit(p);
done:
    if (p->dat)
        fclose(p->dat);
    if (p->gp)
        fclose(p->gp);
    if (p->dat_path)
        unlink(p->dat_path);
    if (p->gp_path)
        unlink(p->gp_path);
    for (size_t k = 0; k < p->n_out; k++) {
        if (p->final[k] && p->tmp[k])
            unlink(p->tmp[k]); /* not renamed: remove what gnuplot left */
        xb_free(p->tmp[k]);
        xb_free(p->final[k]);
    }
    if (st != XB_OK)
        xb_plot_files_free(p->files);
    xb_free(p->gp_path);
    xb_free(p->dat_path);
    xb_free(p->stem);
    xb_free(p->dir);
    xb_free(program);
    return st;
}

enum xb_status xb_plot_sweep(struct xb_ctx *ctx, const struct xb_sweep_result *r,
                             const struct xb_plot_params *params, struct xb_plot_files *out)
{
    struct plotter p = {.ctx = ctx, .r = r, .source = r->path, .files = out};
    memset(out, 0, sizeof *out);
    p.dir = params && params->out_dir ? xb_strdup(params->out_dir) : xb_outfile_dir(r->path);
    p.stem = xb_plot_stem(r->path);
    p.train = xb_malloc(r->n_train, sizeof *p.train);
    p.test = xb_malloc(r->n_test, sizeof *p.test);
    xb_summary_order(r->sigma_train, r->n_train, p.train);
    xb_summary_order(r->sigma_test, r->n_test, p.test);
    p.ci = xb_malloc(r->n_train * r->n_test, sizeof *p.ci);
    for (size_t i = 0; i < r->n_train; i++)
        for (size_t j = 0; j < r->n_test; j++)
            xb_summary_point(r, i, j, &p.ci[i * r->n_test + j]);
    enum xb_status st = draw(&p, params, xb_plot_write_figures);
    xb_free(p.ci);
    xb_free(p.train);
    xb_free(p.test);
    return st;
}

enum xb_status xb_plot_study(struct xb_ctx *ctx, const struct xb_study_result *files, size_t n,
                             const struct xb_study_view *view,
                             const struct xb_plot_params *params, struct xb_plot_files *out)
{
    memset(out, 0, sizeof *out);
    XB_ASSERT(n >= 1 && n <= XB_PLOT_MAX_INPUTS);
    struct plotter p = {.ctx = ctx, .source = files[0].path, .files = out,
                        .study = files, .n_study = n, .view = view};
    p.sel = xb_calloc(n, sizeof *p.sel);
    enum xb_status st = xb_plot_study_check(ctx, files, n, view, p.sel);
    if (st == XB_OK) {
        p.dir = params && params->out_dir ? xb_strdup(params->out_dir)
                                          : xb_outfile_dir(files[0].path);
        p.stem = xb_plot_stem(files[0].path);
        st = draw(&p, params, xb_plot_write_study);
    }
    xb_free(p.sel);
    return st;
}

enum xb_status xb_plot_attack(struct xb_ctx *ctx, const struct xb_attack_file *files, size_t n,
                              const struct xb_plot_params *params, struct xb_plot_files *out)
{
    memset(out, 0, sizeof *out);
    XB_ASSERT(n >= 1 && n <= XB_PLOT_MAX_INPUTS);
    struct plotter p = {.ctx = ctx, .source = files[0].path, .files = out, .attack = files,
                        .n_attack = n};
    p.dir = params && params->out_dir ? xb_strdup(params->out_dir)
                                      : xb_outfile_dir(files[0].path);
    p.stem = xb_plot_stem(files[0].path);
    return draw(&p, params, xb_plot_write_attack);
}

void xb_plot_files_free(struct xb_plot_files *f)
{
    if (!f)
        return;
    for (size_t k = 0; k < f->n; k++)
        xb_free(f->path[k]);
    memset(f, 0, sizeof *f);
}
