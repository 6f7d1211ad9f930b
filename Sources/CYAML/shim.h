#ifndef C8S_CYAML_SHIM_H
#define C8S_CYAML_SHIM_H
#include <yaml.h>
#endif
