/*
 * xb_clones.h — XB_CLONES: build a function for x86-64-v4 (AVX-512),
 * x86-64-v3 (AVX2) and the baseline, the loader picking one per machine.
 *
 * Only for loops of basic IEEE operations (+ − × ÷ √, comparisons,
 * selects): they give the same bits at every vector width, and ISO C mode
 * (-std=c11) keeps GCC from contracting a·b + c into an FMA, so every clone
 * computes the same numbers. XB_NO_CLONES (or a non-x86-64 build) turns the
 * attribute off.
 */
#ifndef XB_CLONES_H
#define XB_CLONES_H

#if defined(__x86_64__) && !defined(XB_NO_CLONES)
#define XB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define XB_CLONES
#endif

#endif
