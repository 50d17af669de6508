/* profile: shared definitions for bpf/profile.bpf.c and user/profile.c. */
#ifndef SRETRACE_PROFILE_H
#define SRETRACE_PROFILE_H

#include "common.h"
#include "stack.h"

#define PROFILE_MAX_ENTRIES 32768

#endif
