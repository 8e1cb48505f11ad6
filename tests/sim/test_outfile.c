/* sim/io/xb_outfile: output paths checked before the work, temporaries that
 * never collide with a stale one, stale ones of dead writers removed, any
 * legal name, and nothing but regular files ever replaced. Exercised
 * through xb_h5's writer, as every result file is. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xb_alloc.h"
#include "xb_h5.h"
#include "xb_outfile.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/xbar-test-outfile.XXXXXX");
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static char *path_in(const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static int exists(const char *name)
{
    char *p = path_in(name);
    struct stat sb;
    int yes = lstat(p, &sb) == 0;
    xb_free(p);
    return yes;
}

static void touch(const char *name)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "w");
    cr_assert(f, "%s: %s", p, strerror(errno));
    fputs("stale\n", f);
    fclose(f);
    xb_free(p);
}

/* How many entries dir holds. */
static int count_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Writes a one-value result file at path; the status of the commit (or of
 * the create, if that fails). */
static enum xb_status write_value(struct xb_ctx *ctx, const char *path, float value)
{
    struct xb_h5_file *f;
    enum xb_status st = xb_h5_create(ctx, path, &f);
    if (st)
        return st;
    cr_assert_eq(xb_h5_write_matrix(ctx, f, "M", &value, 1, 1, "1", "m"), XB_OK);
    return xb_h5_commit(ctx, f);
}

static float read_value(const char *path)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    float *M, v;
    size_t r, c;
    cr_assert_eq(xb_h5_read_matrix(ctx, path, "/M", "t", "[1 x 1]", NULL, &M, &r, &c), XB_OK, "%s",
                 xb_ctx_error(ctx));
    v = M[0];
    xb_free(M);
    xb_ctx_free(ctx);
    return v;
}

/* A PID no process has: a child that has exited and been reaped. (The
 * kernel hands PIDs out in increasing order, so it is not reused within
 * the test unless the PID space wraps meanwhile.) */
static long dead_pid(void)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0)
        _exit(0);
    cr_assert_eq(waitpid(pid, NULL, 0), pid);
    return (long)pid;
}

Test(outfile, a_stale_temporary_with_our_pid_is_stepped_over, .init = make_dir,
     .fini = remove_dir)
{
    /* What a killed run whose PID this process got again left behind, in
     * the older naming and in this one. */
    char name[64];
    snprintf(name, sizeof name, ".r.h5.%ld.tmp", (long)getpid());
    touch(name);
    snprintf(name, sizeof name, ".r.h5.%ld-0.tmp", (long)getpid());
    touch(name);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *path = path_in("r.h5");
    cr_assert_eq(write_value(ctx, path, 3.0f), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(read_value(path), 3.0f);
    /* Ours, so alive: left alone, and not written through. */
    cr_assert_eq(count_files(), 3);
    xb_free(path);
    xb_ctx_free(ctx);
}

Test(outfile, stale_temporaries_of_dead_writers_are_removed, .init = make_dir,
     .fini = remove_dir)
{
    long dead = dead_pid();
    char name[128];
    const char *gone[3], *kept[5];
    char buf[8][96];
    /* The target's own, dead: both namings. */
    snprintf(buf[0], 96, ".r.5.h5.%ld-0.tmp", dead);
    snprintf(buf[1], 96, ".r.5.h5.%ld-7.tmp", dead);
    snprintf(buf[2], 96, ".r.5.h5.%ld.tmp", dead);
    /* Another target's (one whose name extends this one's), a live
     * writer's (PID 1), and names that only look alike. */
    snprintf(buf[3], 96, ".r.5.h5.5.%ld-0.tmp", dead);
    snprintf(buf[4], 96, ".r.5.%ld-0.tmp", dead);
    snprintf(buf[5], 96, ".r.5.h5.1-0.tmp");
    snprintf(buf[6], 96, ".r.5.h5.%ld-x.tmp", dead);
    snprintf(buf[7], 96, "r.5.h5.%ld-0.tmp", dead);
    for (int k = 0; k < 3; k++)
        gone[k] = buf[k];
    for (int k = 0; k < 5; k++)
        kept[k] = buf[3 + k];
    for (int k = 0; k < 8; k++)
        touch(buf[k]);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *path = path_in("r.5.h5");
    cr_assert_eq(write_value(ctx, path, 1.0f), XB_OK, "%s", xb_ctx_error(ctx));
    for (int k = 0; k < 3; k++)
        cr_assert(!exists(gone[k]), "%s (PID %ld is dead) was not removed", gone[k], dead);
    for (int k = 0; k < 5; k++)
        cr_assert(exists(kept[k]), "%s was removed", kept[k]);
    snprintf(name, sizeof name, "r.5.h5");
    cr_assert(exists(name));
    cr_assert_eq(count_files(), 6);
    xb_free(path);
    xb_ctx_free(ctx);
}

/* A name of len bytes: "n" repeated, ".h5" at the end. */
static char *long_name(size_t len)
{
    char *s = xb_malloc(len + 1, 1);
    memset(s, 'n', len);
    memcpy(s + len - 3, ".h5", 4);
    return s;
}

Test(outfile, every_legal_name_works, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    long max = pathconf(dir, _PC_NAME_MAX);
    cr_assert(max >= 14);
    size_t lens[] = {200, 230, 250, (size_t)max};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        char *name = long_name(lens[k]), *path = path_in(name);
        cr_assert_eq(xb_h5_check_writable(ctx, path, "-o"), XB_OK, "%zu: %s", lens[k],
                     xb_ctx_error(ctx));
        cr_assert_eq(write_value(ctx, path, (float)k), XB_OK, "%zu: %s", lens[k],
                     xb_ctx_error(ctx));
        /* A second write finds the first's stale temporary names free. */
        cr_assert_eq(write_value(ctx, path, (float)k + 0.5f), XB_OK, "%s", xb_ctx_error(ctx));
        cr_assert_eq(read_value(path), (float)k + 0.5f);
        cr_assert_eq(count_files(), (int)k + 1, "nothing but the results is left");
        xb_free(path);
        xb_free(name);
    }
    /* One byte too long is the file system's error, before any work. */
    char *name = long_name((size_t)max + 1), *path = path_in(name);
    cr_assert_eq(xb_h5_check_writable(ctx, path, "-o"), XB_EIO);
    cr_assert(strstr(xb_ctx_error(ctx), strerror(ENAMETOOLONG)), "%s", xb_ctx_error(ctx));
    xb_free(path);
    xb_free(name);
    xb_ctx_free(ctx);
}

Test(outfile, long_names_that_share_a_prefix_keep_their_own_temporaries, .init = make_dir,
     .fini = remove_dir)
{
    /* The cut stems differ by their hash: a stale temporary of one is
     * never taken for the other's. */
    long max = pathconf(dir, _PC_NAME_MAX), dead = dead_pid();
    char *a = long_name((size_t)max), *b = long_name((size_t)max - 1);
    char *pa = path_in(a), *pb = path_in(b);
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *tmp;
    cr_assert_eq(xb_outfile_temp(ctx, pa, &tmp), XB_OK, "%s", xb_ctx_error(ctx));
    /* Give it a dead writer's PID: rename ".STEM.PID-0.tmp". */
    char *dash = strrchr(tmp, '-'), *dot = dash;
    while (dot[-1] != '.')
        dot--;
    char *stale = xb_malloc(strlen(tmp) + 16, 1);
    snprintf(stale, strlen(tmp) + 16, "%.*s%ld%s", (int)(dot - tmp), tmp, dead, dash);
    cr_assert_eq(rename(tmp, stale), 0);
    cr_assert_lt(strlen(strrchr(stale, '/') + 1), (size_t)max + 1);
    cr_assert_eq(xb_outfile_clean(pb), 0, "another target's temporary was removed");
    cr_assert_eq(xb_outfile_clean(pa), 1, "the target's own stale temporary stayed");
    cr_assert_eq(count_files(), 0);
    xb_free(stale), xb_free(tmp), xb_free(pa), xb_free(pb), xb_free(a), xb_free(b);
    xb_ctx_free(ctx);
}

Test(outfile, non_regular_files_are_never_replaced, .init = make_dir, .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *fifo = path_in("fifo"), *to_fifo = path_in("to_fifo"), *dangling = path_in("dangling");
    char *sub = path_in("sub");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    cr_assert_eq(symlink("fifo", to_fifo), 0);
    cr_assert_eq(symlink("nothing", dangling), 0);
    cr_assert_eq(mkdir(sub, 0700), 0);
    const char *paths[] = {fifo, to_fifo, dangling, sub};
    const char *why[] = {"is a FIFO", "is a symbolic link to a FIFO",
                         "is a symbolic link to nothing", "is a directory"};
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(xb_h5_check_writable(ctx, paths[k], "-o"), XB_EINVAL, "%s", paths[k]);
        cr_assert(strstr(xb_ctx_error(ctx), why[k]), "%s", xb_ctx_error(ctx));
        /* The writer refuses too, should the check be skipped or raced. */
        cr_assert_eq(write_value(ctx, paths[k], 1.0f), XB_EINVAL, "%s", paths[k]);
        cr_assert(strstr(xb_ctx_error(ctx), paths[k]), "%s", xb_ctx_error(ctx));
    }
    struct stat sb;
    cr_assert(lstat(fifo, &sb) == 0 && S_ISFIFO(sb.st_mode), "the FIFO was replaced");
    cr_assert(lstat(to_fifo, &sb) == 0 && S_ISLNK(sb.st_mode));
    cr_assert(lstat(dangling, &sb) == 0 && S_ISLNK(sb.st_mode));
    cr_assert(!exists("nothing"), "written through a dangling link");
    cr_assert_eq(count_files(), 4, "no temporary is left");
    xb_free(fifo), xb_free(to_fifo), xb_free(dangling), xb_free(sub);
    xb_ctx_free(ctx);
}

Test(outfile, a_symlink_to_a_regular_file_is_written_through, .init = make_dir,
     .fini = remove_dir)
{
    struct xb_ctx *ctx = xb_ctx_create(NULL);
    char *real = path_in("sub/real.h5"), *link = path_in("link.h5"), *sub = path_in("sub");
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(write_value(ctx, real, 1.0f), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(symlink("sub/real.h5", link), 0);
    cr_assert_eq(xb_h5_check_writable(ctx, link, "-o"), XB_OK, "%s", xb_ctx_error(ctx));
    cr_assert_eq(write_value(ctx, link, 2.0f), XB_OK, "%s", xb_ctx_error(ctx));
    struct stat sb;
    cr_assert(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode), "the link was replaced");
    cr_assert_eq(read_value(real), 2.0f, "the file the link names holds the new result");
    cr_assert_eq(count_files(), 2);
    DIR *d = opendir(sub);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.' || strlen(e->d_name) > 2;
    closedir(d);
    cr_assert_eq(n, 1, "no temporary left beside the target");
    xb_free(real), xb_free(link), xb_free(sub);
    xb_ctx_free(ctx);
}
