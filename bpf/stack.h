/* Stack traces stored by content hash, shared by every stack tool. */
#ifndef SRETRACE_STACK_H
#define SRETRACE_STACK_H

#define STACK_MAX_DEPTH 64
#define STACK_KIND_USER 1
#define STACK_KIND_KERNEL 2
#define STACK_STORAGE_DEFAULT 16384

/* Stack ids are a 64-bit FNV-1a-style hash of (kind, frames), the same in
 * BPF (bpf/stacks.bpf.h) and userspace (user/lib/bpf/ustacks.c), so a stack
 * the kernel walked and the same stack unwound in userspace share an id. */
#define STACK_HASH_SEED 0xcbf29ce484222325ULL

static inline __u64 stack_hash_mix(__u64 h, __u64 ip)
{
	return (h ^ ip) * 0x100000001b3ULL;
}

/* Innermost frame first, as the kernel walks them. */
struct stack_trace {
	__u32 nr;
	__u32 kind;
	__u64 ips[STACK_MAX_DEPTH];
};

/* Blocked states (offcpu --state, as a mask; a waker's block). */
#define OFFCPU_STATE_PREEMPTED (1 << 0)       /* still runnable: involuntary switch */
#define OFFCPU_STATE_INTERRUPTIBLE (1 << 1)   /* S */
#define OFFCPU_STATE_UNINTERRUPTIBLE (1 << 2) /* D */
#define OFFCPU_STATE_OTHER (1 << 3)           /* stopped, traced, ... */

/* Who ended a wait (offcpu with wakers): the context the wake-up ran in. */
#define SRE_WAKER_SEEN (1 << 0)    /* a wake-up was seen; 0: none (preempted, or lost) */
#define SRE_WAKER_IRQ (1 << 1)     /* in a hard or soft interrupt (device completion, network
				    * receive, timer): the task is only who it interrupted */
#define SRE_WAKER_KTHREAD (1 << 2) /* a kernel thread (jbd2, kworker, ksoftirqd) */
#define SRE_WAKER_IDLE (1 << 3)    /* the idle task: an interrupt on an idle CPU */
#define SRE_WAKER_EXITING (1 << 4) /* a thread on its way out: a join or a child's exit ends */

/* Who ended a wait, as offcpu records it at wake-up and keys its rows. */
struct stack_waker {
	__u32 pid, tgid;
	__u32 flags;   /* SRE_WAKER_*; 0 without wakers */
	__u32 gen;     /* its address space, for its user stack */
	__u64 kstack, ustack;
	char comm[16];
	__u32 blocked; /* its own last block, when it overlapped this wait:
			* SRE_WAKER_BLOCKED(state, syscall + 1); 0: it did not */
	__u32 pad;
};

/* Stack tools aggregate by thread and stack pair; offcpu with wakers also
 * by the thread (or interrupt) that woke it and that one's stacks. */
struct stack_key {
	__u32 pid;    /* thread */
	__u32 tgid;   /* process */
	__u64 kstack; /* 0: none or lost */
	__u64 ustack;
	__u64 pystack; /* the interpreter's frames (bpf/python.h); 0: none */
	char comm[16];
	__u32 gen;    /* the process's address space (bpf/procs.bpf.h); 0: unknown */
	__u32 syscall; /* with wakers: the syscall the thread blocked in + 1; 0: none;
			* | SRE_SYSCALL_RUNNABLE: preempted, no stacks taken */
	struct stack_waker waker;
};

/* In stack_key.syscall: a preemption whose stacks were not taken (triage:
 * time runnable but waiting for a CPU, wherever the thread ran). */
#define SRE_SYSCALL_RUNNABLE 0x80000000u

/* The waker's block: its OFFCPU_STATE_* and the syscall it was in + 1. */
#define SRE_WAKER_BLOCKED(state, syscall1) ((state) | ((syscall1) << 16))
#define SRE_WAKER_BLOCKED_STATE(b) ((b) & 0xffff)
#define SRE_WAKER_BLOCKED_SYSCALL(b) ((int)((b) >> 16) - 1) /* -1: none */

struct stack_value {
	__u64 value;  /* the tool's unit: ns off CPU, samples */
	__u64 count;
	/* offcpu with wakers: the part of value during which the waker was
	 * itself blocked (its last block before the wake-up): one step of
	 * the wait-for chain, A waits for B who waits for the disk. */
	__u64 waker_blocked_ns;
};

enum sre_proc_kind {
	SRE_PROC_NEW = 1,  /* read its mappings now, while it lives */
	SRE_PROC_GONE = 2, /* that address space ended (exit or exec) */
	SRE_PROC_USTACK = 3, /* a user stack copy to unwind (bpf/ustack.h) */
	SRE_PROC_ROW = 4,    /* a row the full aggregation map could not take */
	SRE_PROC_PYSTACK = 5, /* a new Python stack: read its code objects (bpf/python.h) */
};

/* Sent once per address space of a process, and when it ends. gen tells a
 * process apart from an earlier one with the same pid (pid reuse) and
 * from itself before exec. */
struct sre_proc_event {
	__u32 tgid;
	__u32 gen;
	__u32 kind;
	__u32 pad;
	__u64 stack_id; /* SRE_PROC_PYSTACK: the new Python stack's id; else 0 */
};

/* A row spilled to userspace when the aggregation map is full: added to
 * the same row there, so a full map loses nothing (user/lib/bpf/stacksink.c). */
struct sre_row_event {
	__u32 tgid, gen, kind, pad; /* kind SRE_PROC_ROW; same head as struct sre_proc_event */
	struct stack_key key;
	struct stack_value val;
};

#endif
