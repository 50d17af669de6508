/* offcpu: structures shared by bpf/offcpu.bpf.c and user/offcpu.c. */
#ifndef SRETRACE_OFFCPU_H
#define SRETRACE_OFFCPU_H

#include "common.h"
#include "stack.h"

#define OFFCPU_MAX_ENTRIES 32768

/* One kernel stack reuse in this many is walked anyway and compared. */
#define OFFCPU_KSTACK_CHECK 16

/* --state classes (OFFCPU_STATE_*) are in stack.h: rows name them. */

/* --wakers: who ended each wait. */
#define OFFCPU_WAKERS_NONE 0
#define OFFCPU_WAKERS_WHO 1    /* the waking thread or interrupt (triage) */
#define OFFCPU_WAKERS_STACKS 2 /* and its kernel and user stacks (offcpu --wakers) */

#endif
