#include "xb_version.h"

#ifndef XB_GIT_COMMIT
#define XB_GIT_COMMIT "unknown"
#endif

const char *xb_version(void) { return XB_VERSION; }

const char *xb_git_commit(void) { return XB_GIT_COMMIT[0] ? XB_GIT_COMMIT : "unknown"; }
