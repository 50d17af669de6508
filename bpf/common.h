/* Definitions both sides of every tool share. */
#ifndef SRETRACE_COMMON_H
#define SRETRACE_COMMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define TASK_COMM_LEN 16
#define FILTER_MAX_PIDS 1024
/* Processes "-- COMMAND" can follow at once: a fork storm of its children.
 * (A hash's buckets cost 16 bytes an entry even unused: sized only when
 * following.) */
#define FILTER_FOLLOW_MAX 16384

/* Slots of the per-CPU health counters every tool exports. */
enum sre_counter {
	SRE_CNT_EVENTS,   /* events the tool aggregated */
	SRE_CNT_DROPS,    /* ring buffer records lost (buffer full) */
	SRE_CNT_MISSED,   /* events lost to a full map or failed storage */
	SRE_CNT_STACK_LOST, /* stacks not stored: stack map full or walk failed */
	SRE_CNT_COPY_DROPS, /* user stack copies lost (ring buffer full): --unwind dwarf */
	SRE_CNT_UNCHECKED, /* offcpu: copies reused before userspace checked them (reader behind) */
	SRE_CNT_PREEMPT_NO_COPY, /* offcpu: preemptions of programs without frame pointers: innermost user frame only */
	SRE_CNT_PY_TRUNCATED, /* Python stacks cut at STACK_MAX_DEPTH frames, or unreadable part-way */
	SRE_CNT_KSTACK_REUSED, /* offcpu: kernel stacks taken from an earlier walk at the same place */
	SRE_CNT_KSTACK_CHECKED, /* offcpu: reuses walked anyway and compared */
	SRE_CNT_KSTACK_DIFFERED, /* offcpu: of those, walks that found another stack */
	SRE_CNT_UNENDED, /* offcpu: blocks whose end (the thread's switch-in) was never seen */
	SRE_CNT_UNENDED_NS, /* offcpu: their most possible time, start to the next switch-out, in ns */
	SRE_CNT_UNOWNED, /* tcpretrans: left out by an owner filter, the socket's owner never seen */
	SRE_CNT_MAX,
};

/* The task filters (-p, -t, -c, -C, "-- COMMAND"): read-only data of
 * every skeleton (bpf/filter.bpf.h), set before load by
 * sre_filter_configure (user/lib/bpf/load.c). Knobs left 0 are pruned by
 * the verifier. */
/* Values in wanted_tgids. */
#define SRE_WANTED 1
#define SRE_WANTED_AFTER_EXEC 2 /* "-- COMMAND"'s process, until its exec succeeds */

struct sre_filter_cfg {
	__u8 tgid, tid, comm, cgroup;
	char comm_name[TASK_COMM_LEN];
};

/* How user stacks are taken (bpf/ustack.bpf.h), set by sre_unwind_configure. */
struct sre_unwind_cfg {
	__u8 copies;	       /* copy stacks for DWARF unwinding (dwarf, auto) */
	__u8 fp_auto;	       /* auto: walk processes with frame pointers */
	__u8 has_task_pt_regs; /* bpf_task_pt_regs (5.15) */
	__u8 pad;
	__u32 bytes;	       /* copied per stack */
};

#endif
