#include "xb_alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n, size_t size, const char *file, int line)
{
    fprintf(stderr, "xbar: out of memory allocating %zu x %zu bytes at %s:%d\n",
            n, size, file, line);
    abort();
}

static size_t total(size_t n, size_t size, const char *file, int line)
{
    if (size != 0 && n > SIZE_MAX / size)
        oom(n, size, file, line);
    size_t bytes = n * size;
    return bytes != 0 ? bytes : 1;
}

void *xb_malloc_at(size_t n, size_t size, const char *file, int line)
{
    void *p = malloc(total(n, size, file, line));
    if (!p)
        oom(n, size, file, line);
    return p;
}

void *xb_calloc_at(size_t n, size_t size, const char *file, int line)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n, size, file, line);
    return p;
}

void *xb_aligned_at(size_t n, size_t size, const char *file, int line)
{
    size_t bytes = total(n, size, file, line);
    bytes = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, bytes);
    if (!p)
        oom(n, size, file, line);
    return p;
}

char *xb_strdup_at(const char *s, const char *file, int line)
{
    size_t len = strlen(s) + 1;
    char *p = xb_malloc_at(len, 1, file, line);
    memcpy(p, s, len);
    return p;
}

void xb_free(void *p) { free(p); }
