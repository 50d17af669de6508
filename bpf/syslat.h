/* syslat: structures shared by bpf/syslat.bpf.c and user/syslat.c. */
#ifndef SRETRACE_SYSLAT_H
#define SRETRACE_SYSLAT_H

#include "common.h"
#include "hist.h"

/* Syscall numbers at or above this are not tracked (x86_64 tops out near 470). */
#define SYSLAT_NR_MAX 512
#define SYSLAT_PROC_MAX 8192

/* Cumulative since load: userspace diffs snapshots per interval, so the
 * kernel never has to be cleared under concurrent updates. Buckets are
 * 32-bit; unsigned differences stay right across wrap-around. */
struct syslat_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	struct hist_max max;
	__u32 hist[HIST_BUCKETS];
};

/* -P rows. */
struct syslat_proc_key {
	__u32 pid;
	__u32 nr;
};

struct syslat_proc_val {
	char comm[TASK_COMM_LEN];
	struct syslat_stats stats;
};

struct syslat_event {
	__u64 ts_ns;     /* CLOCK_MONOTONIC at exit */
	__u64 lat_ns;
	__s64 ret;
	__u32 pid;
	__u32 tid;
	__u32 nr;
	char comm[TASK_COMM_LEN];
};

#endif
