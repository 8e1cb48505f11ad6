/*
 * xb_version.h — what build of xbar wrote a result file.
 *
 * The version is the release this source tree calls itself. The commit is
 * whatever the build passed as -DXB_GIT_COMMIT="..." when compiling
 * xb_version.c, or "unknown": reading git at run time would make the
 * binary depend on where it is run from.
 */
#ifndef XB_VERSION_H
#define XB_VERSION_H

#define XB_VERSION "0.1.0"

/* XB_VERSION, as a function so that callers need no rebuild. Never NULL. */
const char *xb_version(void);

/* The source commit the binary was built from, or "unknown". Never NULL. */
const char *xb_git_commit(void);

#endif
