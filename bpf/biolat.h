/* biolat: structures shared by bpf/biolat.bpf.c and user/biolat.c. */
#ifndef SRETRACE_BIOLAT_H
#define SRETRACE_BIOLAT_H

#include "common.h"
#include "hist.h"

#define BIOLAT_INFLIGHT_MAX 16384
#define BIOLAT_ROWS_MAX 4096
#define BIOLAT_DISKS_MAX 64

enum biolat_op {
	BIOLAT_OP_READ,
	BIOLAT_OP_WRITE,
	BIOLAT_OP_FLUSH,
	BIOLAT_OP_DISCARD,
	BIOLAT_OP_OTHER,
	BIOLAT_OP_ALL = 0x7f, /* rows not split by operation */
};
#define BIOLAT_OP_SYNC 0x80 /* flag on op: a synchronous request */
/* Flag on a write: an empty one that only asks for a cache flush (what
 * fsync sends). The kernel counts it among writes in /sys/block/X/stat,
 * whether it reaches the driver as a flush request or completes inside
 * the flush machinery; only the machinery's own flush requests count
 * as flushes there. */
#define BIOLAT_OP_PREFLUSH 0x40

/* A row: (disk, op, process), each part 0 / BIOLAT_OP_ALL unless asked for. */
struct biolat_key {
	__u32 dev;  /* major << 20 | minor; 0: all disks */
	__u32 op;
	__u32 pid;  /* with -P */
	__u32 pad;
};

/* Cumulative, updated atomically (completions run on any CPU). */
struct biolat_stats {
	__u64 count;
	__u64 bytes;
	__u64 errors;
	__u64 total_ns;
	__u64 queue_ns;
	__u64 device_ns;
	struct hist_max max_total;
	struct hist_max max_queue;
	struct hist_max max_device;
	char comm[TASK_COMM_LEN];
	__u32 hist_total[HIST_BUCKETS];
	__u32 hist_queue[HIST_BUCKETS];
	__u32 hist_device[HIST_BUCKETS];
	__u32 hist_size[HIST_BUCKETS]; /* request sizes in bytes */
};

struct biolat_event {
	__u64 ts_ns;      /* completion, CLOCK_MONOTONIC */
	__u64 sector;
	__u64 queue_ns;   /* insert -> issue (0 when the request bypassed the queue) */
	__u64 device_ns;  /* issue -> complete */
	__u64 total_ns;   /* insert (or issue) -> complete */
	__u32 bytes;
	__u32 dev;
	__u32 op;
	__u32 pid;
	__s32 error;
	char comm[TASK_COMM_LEN];
	char disk[32];
};

#endif
