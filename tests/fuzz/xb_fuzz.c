#include "xb_fuzz.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "xb_alloc.h"

static char scratch[256];

static void remove_scratch(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", scratch);
}

const char *xb_fuzz_dir(void)
{
    if (!scratch[0]) {
        struct stat sb;
        const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(scratch, sizeof scratch, "%s/xbar-fuzz.XXXXXX", base);
        if (!mkdtemp(scratch)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(remove_scratch);
    }
    return scratch;
}

char *xb_fuzz_path(char *buf, const char *name)
{
    snprintf(buf, 4096, "%s/%s", xb_fuzz_dir(), name);
    return buf;
}

void xb_fuzz_write(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const char *p = data;
    while (size) {
        ssize_t w = write(fd, p, size);
        if (w <= 0) {
            perror(path);
            abort();
        }
        p += w;
        size -= (size_t)w;
    }
    close(fd);
}

void xb_fuzz_write_gz(const char *path, const void *data, size_t size)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip header and trailer around the deflate data. */
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)size);
    unsigned char *out = xb_malloc(cap, 1);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    xb_fuzz_write(path, out, z.total_out);
    deflateEnd(&z);
    xb_free(out);
}

void xb_fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a,
                   size_t *na, const uint8_t **b, size_t *nb)
{
    size_t ls = strlen(sep);
    const uint8_t *hit = ls && size >= ls ? memmem(data, size, sep, ls) : NULL;
    *a = data;
    if (!hit) {
        *na = size;
        *b = data + size;
        *nb = 0;
        return;
    }
    *na = (size_t)(hit - data);
    *b = hit + ls;
    *nb = size - *na - ls;
}

char *xb_fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = xb_malloc(size + 1, 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

struct xb_ctx *xb_fuzz_ctx(void)
{
    struct xb_ctx_params p = {.seed = 1, .threads = 1, .log = XB_LOG_QUIET};
    return xb_ctx_create(&p);
}

void xb_fuzz_check(int cond, const char *msg, const char *detail)
{
    if (cond)
        return;
    fprintf(stderr, "fuzz: property broken: %s\n%s\n", msg, detail ? detail : "");
    abort();
}

enum xb_status xb_fuzz_outcome(const struct xb_ctx *ctx, const char *what, enum xb_status st)
{
    static int debug = -1;
    if (debug < 0)
        debug = getenv("XB_FUZZ_DEBUG") != NULL;
    if (debug)
        fprintf(stderr, "%s: %s\n", what, st == XB_OK ? "ok" : xb_ctx_error(ctx));
    return st;
}
