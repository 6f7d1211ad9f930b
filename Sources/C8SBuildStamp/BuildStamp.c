// The only file that sees C8S_VERSION and C8S_REVISION (cSettings in Package.swift): changing them recompiles this
// file and relinks, nothing else.
#include "C8SBuildStamp.h"

#ifndef C8S_VERSION
#define C8S_VERSION "dev"
#endif
#ifndef C8S_REVISION
#define C8S_REVISION "unknown"
#endif

const char *c8s_build_version(void) { return C8S_VERSION; }

const char *c8s_build_revision(void) { return C8S_REVISION; }
