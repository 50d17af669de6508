/* Copying the current thread's user registers and stack for userspace to
 * unwind with .eh_frame (--unwind dwarf; docs/unwinding.md). Only reads:
 * nothing here writes user memory. */
#ifndef SRETRACE_USTACK_BPF_H
#define SRETRACE_USTACK_BPF_H

#include "ustack.h"
#include "stack.h"
#include "filter.bpf.h"

/* --unwind auto: processes userspace found built with frame pointers
 * (fp_procs, tgid -> generation) are walked by the kernel instead. Without
 * bpf_task_pt_regs (5.15), pt_regs are found at the top of the task's
 * kernel stack, as the helper does. */
const volatile struct sre_unwind_cfg unwind_cfg = { .bytes = USTACK_DEFAULT_BYTES, .has_task_pt_regs = 1 };

/* x86-64 THREAD_SIZE without KASAN (Debian's kernels). */
#define USTACK_KERNEL_STACK_SIZE 16384

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sre_ustack_event);
} ustack_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ustack_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct sre_fp_proc);
} fp_procs SEC(".maps");

enum ustack_way {
	USTACK_WALK, /* frame pointers only (--unwind fp) */
	USTACK_COPY, /* copy --stack-bytes and unwind with CFI */
	USTACK_JOIN, /* walk, plus a small copy for the frames the walk skips */
};

/* How to take this process's user stacks. */
static __always_inline enum ustack_way user_stack_way(__u32 tgid, __u32 gen)
{
	struct sre_fp_proc *fp;

	if (!unwind_cfg.copies)
		return USTACK_WALK;
	if (!unwind_cfg.fp_auto)
		return USTACK_COPY;
	fp = bpf_map_lookup_elem(&fp_procs, &tgid);
	return fp && fp->gen == gen && !fp->copies ? USTACK_JOIN : USTACK_COPY;
}

/* The program was found built with frame pointers (a walk reaches its
 * entry), whether its stacks are joined or copied. */
static __always_inline bool built_with_fp(__u32 tgid, __u32 gen)
{
	struct sre_fp_proc *fp;

	if (!unwind_cfg.copies)
		return true;
	fp = bpf_map_lookup_elem(&fp_procs, &tgid);
	return fp && fp->gen == gen;
}

/* The registers the current thread entered the kernel with. */
static __always_inline struct pt_regs *current_user_regs(void)
{
	struct task_struct *t;
	void *stack;

	if (unwind_cfg.has_task_pt_regs)
		return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	t = (struct task_struct *)bpf_get_current_task();
	stack = BPF_CORE_READ(t, stack);
	if (!stack)
		return NULL;
	return (struct pt_regs *)(stack + USTACK_KERNEL_STACK_SIZE) - 1;
}

/* Copies the registers the current thread entered the kernel with into
 * r; false for a kernel thread or when they cannot be read. */
static __always_inline bool read_user_regs(struct pt_regs *r)
{
	struct pt_regs *regs = current_user_regs();

	if (!regs)
		return false;
	/* The helper's pointer is typed (BTF): plain loads, which the
	 * verifier makes fault-safe, cost a few ns where the read helper
	 * cost ~170 ns per block on a busy server. */
	if (unwind_cfg.has_task_pt_regs)
		*r = *regs;
	else if (bpf_probe_read_kernel(r, sizeof(*r), regs))
		return false;
	return (r->cs & 3) == 3; /* else no user state: a kernel thread */
}

/* A stack id no content hash collides with in practice: top bit, CPU,
 * and a per-CPU sequence number. */
static __always_inline __u64 next_copy_id(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&ustack_seq, &zero);

	if (!seq)
		return 0;
	*seq += 1;
	return (1ULL << 63) | ((__u64)bpf_get_smp_processor_id() << 40) | (*seq & ((1ULL << 40) - 1));
}

/* Sends the current thread's registers (r: read_user_regs()) and up
 * to unwind_cfg.bytes (or USTACK_JOIN_BYTES with USTACK_FP_JOIN) of its
 * stack. Reads go page by page, so a stack shallower than the copy (the
 * main thread's, whose top ends the mapping) still gives everything up
 * to its end. False when the thread has no user state or the ring is
 * full (counted). */
static __always_inline bool send_user_stack(void *ring, const struct pt_regs *r, __u32 pid, __u32 tgid, __u32 gen,
					    __u32 flags, __u64 id, __u64 kstack, __u64 fp_stack, __u64 pystack)
{
	__u32 zero = 0;
	__u64 done = 0, want = flags & USTACK_FP_JOIN ? USTACK_JOIN_BYTES : unwind_cfg.bytes, left, chunk;
	struct sre_ustack_event *e = bpf_map_lookup_elem(&ustack_scratch, &zero);
	/* The most this run copies: a constant from .rodata, which the
	 * verifier reads, so accesses are checked against the scratch's
	 * value size, set from it at load (sre_unwind_configure). */
	__u64 limit = unwind_cfg.bytes > USTACK_JOIN_BYTES ? unwind_cfg.bytes : USTACK_JOIN_BYTES;
	__u64 sp, size;

	if (!e)
		return false;
	e->regs[0] = r->ax;
	e->regs[1] = r->dx;
	e->regs[2] = r->cx;
	e->regs[3] = r->bx;
	e->regs[4] = r->si;
	e->regs[5] = r->di;
	e->regs[6] = r->bp;
	e->regs[7] = r->sp;
	e->regs[8] = r->r8;
	e->regs[9] = r->r9;
	e->regs[10] = r->r10;
	e->regs[11] = r->r11;
	e->regs[12] = r->r12;
	e->regs[13] = r->r13;
	e->regs[14] = r->r14;
	e->regs[15] = r->r15;
	e->regs[16] = r->ip;
	sp = r->sp;
	if (want > limit)
		want = limit;
	for (int i = 0; i < USTACK_MAX_BYTES / USTACK_PAGE + 1; i++) {
		if (done >= want)
			break;
		left = want - done;
		chunk = USTACK_PAGE - ((sp + done) & (USTACK_PAGE - 1));
		if (chunk > left)
			chunk = left;
		/* Bounds the verifier can see: chunk <= a page, done <= the max.
		 * The barrier keeps clang from dropping the chunk check it can
		 * prove redundant, which verifiers before 6.2 cannot (they did
		 * not learn chunk's bound from comparing it with left). */
		asm volatile("" : "+r"(chunk));
		if (chunk > USTACK_PAGE || done > limit || done > USTACK_MAX_BYTES)
			break;
		if (bpf_probe_read_user(&e->data[done], chunk, (void *)(sp + done)))
			break;
		done += chunk;
	}
	e->tgid = tgid;
	e->gen = gen;
	e->kind = SRE_PROC_USTACK;
	e->flags = flags;
	e->pid = pid;
	e->len = done;
	e->id = id;
	e->kstack = kstack;
	e->fp_stack = fp_stack;
	e->pystack = pystack;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	size = __builtin_offsetof(struct sre_ustack_event, data) + done;
	if (size > __builtin_offsetof(struct sre_ustack_event, data) + limit)
		return false;
	/* The default wake-up: the reader is woken when it has caught up, so a
	 * busy reader is not woken per copy, and a process announced after a
	 * copy is still read while it lives (not left waiting behind it). */
	if (bpf_ringbuf_output(ring, e, size, 0)) {
		count_event(SRE_CNT_COPY_DROPS);
		return false;
	}
	return true;
}

#endif
