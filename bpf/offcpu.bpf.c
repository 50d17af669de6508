// SPDX-License-Identifier: GPL-2.0
/* offcpu: time threads spend off CPU, by kernel and user stack.
 *
 * Cost model (see docs/offcpu.md): walking a kernel stack costs ~2 us here,
 * far more than everything else on a context switch. So the kernel stack is
 * not walked when a thread blocks but when it wakes, from its saved state
 * (bpf_get_task_stack), and only for blocks worth it: every block of
 * sample_ns or more, and shorter ones with probability duration/sample_ns,
 * weighted by 1/p so totals stay unbiased. The user stack must be walked
 * while the thread is current, at block time; it is walked again only
 * when the user registers differ from the thread's previous block. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "offcpu.h"
#include "filter.bpf.h"
#include "stacks.bpf.h"
#include "procs.bpf.h"
#include "taskslot.bpf.h"
#include "ustack.bpf.h"

const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;
const volatile __u64 min_block_ns = 1000;
const volatile __u64 max_block_ns = ~0ULL;
const volatile __u32 state_mask = OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE |
				  OFFCPU_STATE_OTHER;
/* 0: exact, every block's stacks. Else the sampling threshold (< 2^32). */
const volatile __u32 sample_ns = 1000000;
/* Reuse the previous user-stack walk when the registers match (off in --exact). */
const volatile bool reuse_user_stack = true;
/* One row per comm, threads merged (serve's off-CPU seconds by comm). */
const volatile bool by_comm = false;

/* A thread's recent user stacks, by the registers and return address it
 * blocked with: blocking again from one of these places reuses that walk
 * or copy. Several, because a thread's loop often blocks in a few places
 * in turn (poll, then read, then write). */
#define OFFCPU_RECENT_USTACKS 4
/* A copy userspace has not unwound yet is reused for the same pc and sp
 * for this long: when the reader falls behind (loading a large program's
 * symbols), every block would otherwise send a copy of its own and fill
 * the ring. Past it an unchecked copy is not trusted (evicted, or never
 * unwound). */
#define OFFCPU_COPY_PENDING_MS 500

struct recent_ustack {
	__u64 ip, sp, bp, ret;
	__u64 id;      /* 0: empty */
	__u32 copied;  /* id is a copy's (checked through copy_checks), else a walk's */
	__u32 sent_ms; /* when the copy was sent (ms of the monotonic clock) */
};

struct block_start {
	__u64 ts;
	__u64 ustack; /* this block's user stack */
	struct recent_ustack recent[OFFCPU_RECENT_USTACKS];
	__u32 gen;	  /* the process's generation when it blocked */
	__u32 recent_gen; /* the generation recent[] belongs to (exec clears it) */
	__u32 next_recent;
	__u32 pad;
};

SRE_TASK_SLOT_MAPS(blocks, struct block_start);
static const struct block_start zero_block;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_MAX_ENTRIES);
	__type(key, struct stack_key);
	__type(value, struct stack_value);
} offcpu SEC(".maps");

/* task_struct->state became __state in 5.14. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline __u32 state_class(struct task_struct *t, bool preempt)
{
	long state;

	if (preempt)
		return OFFCPU_STATE_PREEMPTED;
	if (bpf_core_field_exists(t->__state))
		state = BPF_CORE_READ(t, __state);
	else
		state = BPF_CORE_READ((struct task_struct___pre514 *)t, state);
	if (state == 0)
		return OFFCPU_STATE_PREEMPTED;
	if (state & 1)
		return OFFCPU_STATE_INTERRUPTIBLE;
	if (state & 2)
		return OFFCPU_STATE_UNINTERRUPTIBLE;
	return OFFCPU_STATE_OTHER;
}

/* The return address above frame pointer bp, read once and only when a
 * frame-pointer entry needs it (copies are checked another way). */
static __always_inline __u64 return_address(__u64 bp, __u64 *ret, bool *have)
{
	if (!*have) {
		*ret = 0;
		bpf_probe_read_user(ret, sizeof(*ret), (void *)(bp + 8));
		*have = true;
	}
	return *ret;
}

/* Walks (fp) or copies (dwarf) prev's user stack, unless it blocks from
 * one of the places it recently blocked: same registers and return
 * address. The registers come from bpf_task_pt_regs (5.15), or for copies
 * from the top of the kernel stack; an fp walk without the helper is
 * never reused. */
static __always_inline void user_stack_at_block(void *ctx, struct block_start *b, __u32 pid, __u32 tgid,
						__u32 now_ms)
{
	struct pt_regs *regs = unwind_cfg.has_task_pt_regs || unwind_cfg.copies ? current_user_regs() : NULL;
	enum ustack_way way = user_stack_way(tgid, b->gen);
	struct recent_ustack *r;
	bool copied = false, have_ret = false;
	__u64 ip, sp, bp, ret = 0, id = 0;
	struct pt_regs uregs;

	if (!regs || bpf_probe_read_kernel(&uregs, sizeof(uregs), regs)) {
		b->ustack = way == USTACK_COPY ? 0 : current_user_stack(ctx);
		return;
	}
	/* One read of the registers instead of one per field. */
	ip = uregs.ip;
	sp = uregs.sp;
	bp = uregs.bp;
	if (b->recent_gen != b->gen) {
		for (int i = 0; i < OFFCPU_RECENT_USTACKS; i++)
			b->recent[i].id = 0;
		b->recent_gen = b->gen;
	}
	if (reuse_user_stack) {
		for (int i = 0; i < OFFCPU_RECENT_USTACKS; i++) {
			r = &b->recent[i];
			if (!r->id || r->ip != ip || r->sp != sp)
				continue;
			/* A walk: same frame pointer and return address. A copy:
			 * bp is often plain data there, so its unwound return
			 * addresses are checked instead. */
			if (r->copied ? copy_still_valid(r->id, sp, now_ms - r->sent_ms < OFFCPU_COPY_PENDING_MS)
				      : r->bp == bp && r->ret == return_address(bp, &ret, &have_ret)) {
				b->ustack = r->id;
				return;
			}
		}
	}
	/* The walk (fp, or joined to a small copy), kept when a copy fails. */
	b->ustack = way == USTACK_COPY ? 0 : current_user_stack(ctx);
	if (way != USTACK_WALK && (id = next_copy_id()))
		copied = send_user_stack(&proc_events, regs, pid, tgid, b->gen,
					 USTACK_STORE_AS_ID | (way == USTACK_JOIN ? USTACK_FP_JOIN : 0), id, 0, b->ustack);
	if (copied)
		b->ustack = id;
	r = &b->recent[b->next_recent++ & (OFFCPU_RECENT_USTACKS - 1)];
	r->ip = ip;
	r->sp = sp;
	r->bp = bp;
	r->ret = copied ? 0 : return_address(bp, &ret, &have_ret);
	r->id = b->ustack;
	r->copied = copied;
	r->sent_ms = now_ms;
}

/* prev is current: it is about to leave the CPU. */
static __always_inline void on_block(void *ctx, struct task_struct *prev, bool preempt, __u64 now)
{
	struct block_start *b;
	__u32 tgid;

	if (!(state_mask & state_class(prev, preempt)))
		return;
	if (!current_wanted())
		return;
	b = task_slot(&blocks, &blocks_by_tid, prev, BPF_CORE_READ(prev, pid), true, &zero_block);
	if (!b) {
		count_event(SRE_CNT_MISSED);
		return;
	}
	b->ts = now;
	b->ustack = 0;
	/* Kernel threads have no user stack: nothing to walk, copy or announce
	 * (on a busy server they are a large share of all blocks). */
	if (user_stacks && BPF_CORE_READ(prev, mm)) {
		tgid = BPF_CORE_READ(prev, tgid);
		/* Announced first: the copy must reach userspace after it. */
		b->gen = announce_process(tgid);
		user_stack_at_block(ctx, b, BPF_CORE_READ(prev, pid), tgid, (__u32)(now / 1000000));
	}
}

static __always_inline void on_wake(struct task_struct *next, __u64 now)
{
	struct stack_key key = {};
	struct block_start *b;
	__u64 delta, weight;

	b = task_slot(&blocks, &blocks_by_tid, next, BPF_CORE_READ(next, pid), false, &zero_block);
	if (!b || !b->ts)
		return;
	delta = now - b->ts;
	b->ts = 0;
	if (delta < min_block_ns || delta > max_block_ns)
		return;
	weight = delta;
	if (sample_ns && delta < sample_ns) {
		/* Keep with probability delta/sample_ns, then count sample_ns:
		 * the expected contribution is exactly delta. */
		if (bpf_get_prandom_u32() % sample_ns >= delta)
			return;
		weight = sample_ns;
	}
	if (!by_comm) {
		key.pid = BPF_CORE_READ(next, pid);
		key.tgid = BPF_CORE_READ(next, tgid);
	}
	BPF_CORE_READ_STR_INTO(&key.comm, next, comm);
	key.ustack = user_stacks ? resolved_user_stack(b->ustack) : 0;
	key.gen = user_stacks && !by_comm ? b->gen : 0;
	key.kstack = kernel_stacks ? task_kernel_stack(next) : 0;
	count_event(SRE_CNT_EVENTS);

	add_to_stack_row(&offcpu, &proc_events, &key, weight);
}

static __always_inline int on_switch(void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	if (BPF_CORE_READ(prev, pid))
		on_block(ctx, prev, preempt, now);
	on_wake(next, now);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, preempt, prev, next);
}

char LICENSE[] SEC("license") = "GPL";
