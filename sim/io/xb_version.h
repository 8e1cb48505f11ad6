/*
 * xb_version.h — what build of xbar wrote a result file.
 *
 * The version is the release this source tree calls itself. The commit is
 * whatever the build passed as -DXB_GIT_COMMIT="..." when compiling
 * xb_version.c, or "unknown": reading git at run time would make the
 * binary depend on where it is run from. The build flags come the same way
 * (-DXB_BUILD_FLAGS="..."); the rest of a result file's provenance is in
 * xb_provenance.h.
 */
#ifndef XB_VERSION_H
#define XB_VERSION_H

#define XB_VERSION "0.1.0"

/* XB_VERSION, as a function so that callers need no rebuild. Never NULL. */
const char *xb_version(void);

/* The source commit the binary was built from, or "unknown". Never NULL. */
const char *xb_git_commit(void);

/* The compiler flags that can move a number (optimisation, -std, OpenMP,
 * sanitizers, -march, defines), as the Makefile passed them, or "unknown".
 * Never NULL. */
const char *xb_build_flags(void);

#endif
