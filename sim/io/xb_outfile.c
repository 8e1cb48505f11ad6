#include "xb_outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xb_alloc.h"

/* Room a temporary name needs beyond STEM: "." STEM "." PID "-" N ".tmp"
 * with PID and N of up to 10 digits each, rounded up. */
#define TMP_OVERHEAD 32
/* The counter N tried before giving up: a thousand live temporaries of one
 * target and one process is a bug, not a busy directory. */
#define TMP_TRIES 1000

char *xb_outfile_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xb_strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *d = xb_malloc(len + 1, 1);
    memcpy(d, path, len);
    d[len] = '\0';
    return d;
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The longest file name dir takes (NAME_MAX unless it says otherwise). */
static size_t name_max(const char *dir)
{
    long n = pathconf(dir, _PC_NAME_MAX);
    return n > 0 ? (size_t)n : NAME_MAX;
}

/* STEM of the temporaries of a file called base in a directory taking
 * names of up to max bytes (header comment). */
static char *stem_of(const char *base, size_t max)
{
    size_t len = strlen(base);
    if (len + TMP_OVERHEAD <= max)
        return xb_strdup(base);
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)base; *c; c++)
        h = (h ^ *c) * 16777619u;
    size_t keep = max > TMP_OVERHEAD + 9 ? max - TMP_OVERHEAD - 9 : 0;
    /* Cut at a character boundary so UTF-8 names stay valid. */
    while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80)
        keep--;
    char *s = xb_malloc(keep + 10, 1);
    memcpy(s, base, keep);
    snprintf(s + keep, 10, "~%08x", (unsigned)h);
    return s;
}

/* The PID of a temporary named name if it is one of stem's, else 0.
 * Parsed from the end, so STEM may hold dots and digits itself. */
static long temp_pid(const char *name, const char *stem)
{
    size_t len = strlen(name), sl = strlen(stem);
    if (len < 6 || name[0] != '.' || strcmp(name + len - 4, ".tmp"))
        return 0;
    const char *end = name + len - 4, *p = end;
    while (p > name && p[-1] >= '0' && p[-1] <= '9')
        p--;
    if (p == end || p == name)
        return 0;
    const char *pid_end = end, *pid = p;
    if (p[-1] == '-') { /* ".STEM.PID-N.tmp"; else the older ".STEM.PID.tmp" */
        pid_end = p - 1;
        for (pid = pid_end; pid > name && pid[-1] >= '0' && pid[-1] <= '9'; pid--)
            ;
        if (pid == pid_end)
            return 0;
    }
    if (pid - 1 != name + 1 + sl || pid[-1] != '.' || strncmp(name + 1, stem, sl))
        return 0;
    if (pid_end - pid > 10)
        return 0;
    char digits[12];
    memcpy(digits, pid, (size_t)(pid_end - pid));
    digits[pid_end - pid] = '\0';
    return strtol(digits, NULL, 10);
}

static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = xb_malloc(len, 1);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

size_t xb_outfile_clean(const char *target)
{
    char *dir = xb_outfile_dir(target);
    char *stem = stem_of(base_of(target), name_max(dir));
    size_t removed = 0;
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        long pid = temp_pid(de->d_name, stem);
        if (pid <= 0 || pid == (long)getpid() || (pid_t)pid != pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* running (EPERM: someone else's, running) */
        char *p = join(dir, de->d_name);
        removed += unlink(p) == 0;
        xb_free(p);
    }
    if (d)
        closedir(d);
    xb_free(stem);
    xb_free(dir);
    return removed;
}

enum xb_status xb_outfile_temp(struct xb_ctx *ctx, const char *target, char **tmp)
{
    *tmp = NULL;
    xb_outfile_clean(target);
    char *dir = xb_outfile_dir(target);
    char *stem = stem_of(base_of(target), name_max(dir));
    size_t len = strlen(dir) + strlen(stem) + TMP_OVERHEAD + 2;
    char *p = xb_malloc(len, 1);
    int fd = -1, err = 0;
    for (int n = 0; n < TMP_TRIES && fd < 0; n++) {
        snprintf(p, len, "%s/.%s.%ld-%d.tmp", dir, stem, (long)getpid(), n);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        err = errno;
        if (fd < 0 && err != EEXIST)
            break;
    }
    xb_free(stem);
    xb_free(dir);
    if (fd < 0) {
        enum xb_status st = xb_error(ctx, XB_EIO, "%s: cannot create a temporary file %s "
                                     "beside it: %s", target, p, strerror(err));
        xb_free(p);
        return st;
    }
    close(fd);
    *tmp = p;
    return XB_OK;
}

enum xb_status xb_outfile_target(struct xb_ctx *ctx, const char *path, const char *origin,
                                 char **target)
{
    struct stat sb;
    *target = NULL;
    if (!*base_of(path))
        return xb_error(ctx, XB_EINVAL, "%s: %s: expected a file name, not a directory",
                        origin, path);
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT) {
            *target = xb_strdup(path);
            return XB_OK;
        }
        return xb_error(ctx, XB_EIO, "%s: cannot write %s: %s", origin, path, strerror(errno));
    }
    if (S_ISREG(sb.st_mode)) {
        *target = xb_strdup(path);
        return XB_OK;
    }
    if (S_ISLNK(sb.st_mode)) {
        if (stat(path, &sb) != 0)
            return xb_error(ctx, XB_EINVAL, "%s: %s is a symbolic link to nothing (%s); "
                            "expected a regular file or a new name", origin, path,
                            strerror(errno));
        if (!S_ISREG(sb.st_mode))
            return xb_error(ctx, XB_EINVAL, "%s: %s is a symbolic link to %s; expected a "
                            "regular file or a new name", origin, path, kind_of(sb.st_mode));
        char *real = realpath(path, NULL);
        if (!real)
            return xb_error(ctx, XB_EIO, "%s: cannot resolve the symbolic link %s: %s", origin,
                            path, strerror(errno));
        *target = xb_strdup(real);
        free(real);
        return XB_OK;
    }
    if (S_ISDIR(sb.st_mode))
        return xb_error(ctx, XB_EINVAL, "%s: %s is a directory; expected a file name", origin,
                        path);
    return xb_error(ctx, XB_EINVAL, "%s: %s is %s; expected a regular file or a new name "
                    "(xbar never replaces one)", origin, path, kind_of(sb.st_mode));
}

enum xb_status xb_outfile_check(struct xb_ctx *ctx, const char *path, const char *origin)
{
    char *target;
    enum xb_status st = xb_outfile_target(ctx, path, origin, &target);
    if (st)
        return st;
    char *dir = xb_outfile_dir(target);
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        st = xb_error(ctx, XB_EIO, "%s: cannot write to directory %s: %s", origin, dir,
                      strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        st = xb_error(ctx, XB_EIO, "%s: %s is not a directory", origin, dir);
    } else {
        char *tmp;
        st = xb_outfile_temp(ctx, target, &tmp);
        if (st == XB_OK) {
            unlink(tmp);
            xb_free(tmp);
        } else {
            /* Say it the way the user wrote it. */
            char *why = xb_strdup(xb_ctx_error(ctx));
            const char *cause = strrchr(why, ':');
            st = xb_error(ctx, XB_EIO, "%s: cannot write to directory %s%s", origin, dir,
                          cause ? cause : "");
            xb_free(why);
        }
    }
    xb_free(dir);
    xb_free(target);
    return st;
}
