/*
 * xb_alloc.h — checked allocation. Running out of memory is not a condition
 * xbar recovers from: these abort with the requested size and call site, so
 * callers never test for NULL. Sizes are checked for overflow.
 */
#ifndef XB_ALLOC_H
#define XB_ALLOC_H

#include <stddef.h>

void *xb_malloc_at(size_t n, size_t size, const char *file, int line);
void *xb_calloc_at(size_t n, size_t size, const char *file, int line);
/* 64-byte aligned, for arrays the GEMM and the vector kernels stream over.
 * Free with xb_free like the others. */
void *xb_aligned_at(size_t n, size_t size, const char *file, int line);
char *xb_strdup_at(const char *s, const char *file, int line);
void xb_free(void *p);

#define xb_malloc(n, size) xb_malloc_at((n), (size), __FILE__, __LINE__)
#define xb_calloc(n, size) xb_calloc_at((n), (size), __FILE__, __LINE__)
#define xb_aligned(n, size) xb_aligned_at((n), (size), __FILE__, __LINE__)
#define xb_strdup(s) xb_strdup_at((s), __FILE__, __LINE__)

#endif
