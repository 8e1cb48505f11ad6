#include "xb_version.h"

#ifndef XB_GIT_COMMIT
#define XB_GIT_COMMIT "unknown"
#endif
#ifndef XB_BUILD_FLAGS
#define XB_BUILD_FLAGS "unknown"
#endif

const char *xb_version(void) { return XB_VERSION; }

const char *xb_git_commit(void) { return XB_GIT_COMMIT[0] ? XB_GIT_COMMIT : "unknown"; }

const char *xb_build_flags(void) { return XB_BUILD_FLAGS[0] ? XB_BUILD_FLAGS : "unknown"; }
