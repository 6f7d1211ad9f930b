#ifndef C8S_BUILD_STAMP_H
#define C8S_BUILD_STAMP_H

/// The version the executable was built as (`C8S_VERSION` at build time, see Package.swift), e.g. "0.1.0" or "dev".
const char *c8s_build_version(void);

/// The git revision the executable was built from (`C8S_REVISION` at build time), or "unknown".
const char *c8s_build_revision(void);

#endif
