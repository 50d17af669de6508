/* User stack copies for DWARF unwinding (--unwind dwarf): the registers
 * and the bytes above the stack pointer, sent through the process-event
 * ring so they arrive after the process's announcement (user/lib/sym/unwind.c
 * unwinds them with the process's maps). */
#ifndef SRETRACE_USTACK_H
#define SRETRACE_USTACK_H

#define USTACK_DEFAULT_BYTES 8192
#define USTACK_MAX_BYTES 16384
#define USTACK_MIN_BYTES 512
/* --unwind auto, programs with frame pointers: the kernel walks them and a
 * small copy unwinds the frames inside libraries without them (the frame
 * that called into libc, which a frame-pointer walk skips). */
#define USTACK_JOIN_BYTES 1024
/* fp_procs value: a process found built with frame pointers. copies: its
 * joins failed too often, its stacks are copied whole (a preemption in
 * its own code is still walked). */
struct sre_fp_proc {
	__u32 gen;
	__u32 copies;
};
#define USTACK_PAGE 4096
#define USTACK_NREGS 17	/* DWARF numbering: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, rip */
/* Ring size while copying stacks: 256 KiB per CPU, at least 4 MiB, at
 * most 8 MiB. A server blocking 30k times a second sends ~4k copies a
 * second (1 KiB each with frame pointers, more without); when every CPU is
 * busy the reader can be kept off one for tens of milliseconds (PostgreSQL
 * with 16 clients on 2 CPUs dropped copies with 1 MiB). More CPUs send
 * more, but one reader drains it: past 8 MiB a larger ring only delays
 * the drops (counted), and a big host would pay for it (64 MiB at 64 CPUs
 * before). While the reader is behind, offcpu reuses unchecked copies. */
#define USTACK_RING_PER_CPU (256 * 1024)
#define USTACK_RING_MIN (4 * 1024 * 1024)
#define USTACK_RING_MAX (8 * 1024 * 1024)

/* What userspace does with the unwound stack. */
#define USTACK_COUNT_SAMPLE 1 /* profile: count one sample under it */
#define USTACK_STORE_AS_ID 2  /* offcpu: store it as stack id `id`, which keys already hold */
#define USTACK_FP_JOIN 4      /* join the unwound frames to the kernel's walk fp_stack */
/* A preemption's one-off join: each lands at a new instruction (JIT code,
 * code without unwind tables), so its result does not judge how the
 * process's blocks are taken (procs.c moves a process whose joins fail to
 * full copies). */
#define USTACK_ONE_OFF 8

/* What userspace learned from unwinding a copy (offcpu): where the first
 * return addresses sat, relative to the stack pointer, and their values.
 * A thread blocking again at the same pc and sp reuses the copy only if
 * those words are still the same — its callers are. */
#define USTACK_CHECK_SLOTS 4

struct sre_copy_check {
	__u32 n;
	__u32 cut; /* the unwound stack is likely cut: copy again, do not reuse */
	__u64 stack_id; /* where userspace stored the unwound stack; 0: not stored */
	__u64 off[USTACK_CHECK_SLOTS];
	__u64 val[USTACK_CHECK_SLOTS];
};

struct sre_ustack_event {
	__u32 tgid, gen, kind, flags; /* kind SRE_PROC_USTACK; same head as struct sre_proc_event */
	__u32 pid;
	__u32 len;	/* bytes of stack copied from regs[7] up */
	__u64 id;	/* USTACK_STORE_AS_ID */
	__u64 kstack;	/* USTACK_COUNT_SAMPLE: the sample's kernel stack id */
	__u64 fp_stack;	/* USTACK_FP_JOIN: the frame-pointer walk's stack id */
	__u64 pystack;	/* USTACK_COUNT_SAMPLE: the sample's Python stack id */
	char comm[16];
	__u64 regs[USTACK_NREGS];
	/* A page more than the most we copy keeps the last read's bounds
	 * provable to the verifier. */
	__u8 data[USTACK_MAX_BYTES + USTACK_PAGE];
};

#endif
