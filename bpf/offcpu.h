/* offcpu: structures shared by bpf/offcpu.bpf.c and user/offcpu.c. */
#ifndef SRETRACE_OFFCPU_H
#define SRETRACE_OFFCPU_H

#include "common.h"
#include "stack.h"

#define OFFCPU_MAX_ENTRIES 32768

/* --state classes, as a mask. */
#define OFFCPU_STATE_PREEMPTED (1 << 0)       /* still runnable: involuntary switch */
#define OFFCPU_STATE_INTERRUPTIBLE (1 << 1)   /* S */
#define OFFCPU_STATE_UNINTERRUPTIBLE (1 << 2) /* D */
#define OFFCPU_STATE_OTHER (1 << 3)           /* stopped, traced, ... */

struct offcpu_key {
	__u32 pid;   /* thread */
	__u32 tgid;  /* process */
	__u64 kstack; /* 0: none or lost */
	__u64 ustack;
	char comm[TASK_COMM_LEN];
};

struct offcpu_val {
	__u64 total_ns; /* exact, or an unbiased estimate for sampled short blocks */
	__u64 count;    /* blocks recorded (sampled ones count once) */
};

/* Sent once per process so userspace reads its mappings while it lives. */
struct offcpu_proc_event {
	__u32 tgid;
};

#endif
