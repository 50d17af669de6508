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

/* Default mode, split by how rows are shared: the hot counters per CPU
 * (no atomics), the histogram in a few shards updated atomically (its
 * size times every CPU of a large host was too much: 1.3 KB x 512
 * syscalls x 256 CPUs = 169 MB). Rows exist for the syscalls that occur. */
struct syslat_counts {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	struct hist_max max;
};

struct syslat_hist_key {
	__u32 nr;
	__u32 shard; /* CPU number & (shards - 1) */
};

struct syslat_hist {
	__u32 b[HIST_BUCKETS];
};

/* Histogram shards: enough that CPUs rarely share one, few enough that a
 * row stays small on a large host. A power of two. */
#define SYSLAT_SHARDS_MAX 16

/* -P rows. */
struct syslat_proc_key {
	__u32 pid;                /* 0 with per_comm */
	__u32 nr;
	char comm[TASK_COMM_LEN]; /* with per_comm; else zero */
};

struct syslat_proc_val {
	char comm[TASK_COMM_LEN];
	__u32 pid;                /* the first process counted in the row */
	__u32 pad;
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
