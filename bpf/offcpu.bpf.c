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
 * when no thread of the same address space blocked from there before. A
 * kept block's kernel stack is likewise taken from the last walk for the
 * same user stack, state and innermost kernel frames, and one reuse in
 * kstack_check is walked anyway and compared (counted; a place that gave
 * two stacks is walked every time after). */
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
#include "copycheck.bpf.h"
#include "python.bpf.h"
#include "irqctx.bpf.h"

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
/* Reuse kernel stacks (kstacks_by_place); one reuse in kstack_check is
 * walked and compared. 0: walk every kept block (--exact). */
const volatile __u32 kstack_check = OFFCPU_KSTACK_CHECK;
/* Stacks of preemptions (state preempted). Off (triage): a preempted
 * thread is runnable, and where it was preempted is any instruction it
 * runs, which the on-CPU profile shows; walking its stacks at every
 * preemption cost more than all the blocks a saturated server keeps. */
const volatile bool preempt_stacks = true;
/* One row per comm, threads merged (serve's off-CPU seconds by comm). */
const volatile bool by_comm = false;
/* Who ended each wait (OFFCPU_WAKERS_*): none, the waker, or the waker
 * and its stacks. The sched_waking program is loaded only with wakers. */
const volatile __u32 wakers = OFFCPU_WAKERS_NONE;

/* A copy userspace has not unwound yet is reused for the same pc and sp
 * for this long, but only while the reader is behind (over half the ring
 * unread: loading a large program's symbols), when every block would
 * otherwise send a copy of its own and fill the ring. A reader keeping up
 * gets a copy per block until it has checked one: an unchecked copy can
 * belong to another caller of the same helper (twin callers moved whole
 * 2 ms blocks between them). Each trusted unchecked reuse is counted. */
#define OFFCPU_COPY_PENDING_MS 500

/* A place threads block from: an address space's layout, and the user pc
 * and sp. The layout is the stack top the kernel chose at exec (ASLR) and
 * the executable (device and inode: containers have their own file
 * systems), so processes forked from one parent (PostgreSQL backends,
 * nginx workers) share places, and another exec never does. */
struct block_place {
	__u64 stack_top;
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 pad;
	__u64 ip, sp;
};

/* A user stack walked or copied at a place. ip and sp repeat the key: an
 * entry replaced while it is read is noticed (LRU entries are recycled
 * without waiting for readers). */
struct place_stack {
	__u64 ip, sp, bp, ret;
	__u64 id;
	__u32 copied;  /* id is a copy's (checked through copy_checks), else a walk's */
	__u32 sent_ms; /* when the copy was sent (ms of the monotonic clock) */
};

/* The last stacks seen at a place: one helper called from two callers at
 * the same depth blocks with the same pc and sp, and keeps both. */
#define PLACE_STACKS 2

struct place_stacks {
	struct place_stack at[PLACE_STACKS];
	__u32 next; /* the one replaced next */
	__u32 pad;
};

/* Sized by userspace from the CPUs (a place missing costs a new walk or
 * copy, nothing is lost). Per-thread memory of a few places was too
 * little: a PostgreSQL backend cycles through 8-16 per transaction. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct block_place);
	__type(value, struct place_stacks);
} places SEC(".maps");

/* The registers a blocking thread entered the kernel with, read once per
 * block (struct pt_regs is too large for the switch program's stack
 * beside a place's stacks). Only the switch program uses it; it runs with
 * interrupts off, so nothing on the CPU interleaves. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_regs);
} block_regs SEC(".maps");

/* What decides a sleeping thread's kernel stack, as far as it can be read
 * without walking it: the user call chain it entered the kernel from (its
 * user stack id; for a kernel thread, the thread), how it left the CPU, and a fingerprint of its innermost
 * kernel frames: the words of its saved stack above the stack pointer that
 * point into the kernel image (return addresses, static data), hashed with
 * their offsets. Not the stack's depth: kernels with
 * CONFIG_RANDOMIZE_KSTACK_OFFSET (the default on Debian, Ubuntu, Fedora)
 * move every syscall's frames by up to 1 KiB at random, so one path has
 * many depths and two paths can share one. The same user chain and
 * innermost frames reached two ways would share an entry: the check walks
 * (kstack_check) count that. */
struct kstack_place {
	__u64 ustack;
	__u64 inner; /* the fingerprint */
	__u32 state;
	__u32 pad;
};

/* The key again: an LRU element can be recycled for another key while a
 * program still reads it (as with places). */
struct kstack_known {
	struct kstack_place at;
	__u64 kstack;
	__u64 mixed; /* a check found another stack here: always walked */
};

/* Sized by userspace as places (an entry missing costs one walk). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct kstack_place);
	__type(value, struct kstack_known);
} kstacks_by_place SEC(".maps");

/* The x86-64 kernel image (text, data, bss; KASLR slides it within this
 * 1 GiB): words in it are return addresses or pointers to static data,
 * the same on every pass through a path; heap, stack and module
 * addresses lie outside. */
#define KIMAGE_LO 0xffffffff80000000ULL
#define KIMAGE_HI 0xffffffffc0000000ULL
#define KSTACK_INNER_WORDS 64
/* kstack_place.ustack of a kernel thread: this bit and its pid (stack and
 * copy ids use bit 63 and a content hash). */
#define KSTACK_KTHREAD (1ULL << 62)

struct block_start {
	__u64 ts;
	__u64 ustack; /* this block's user stack */
	__u64 pystack; /* its Python frames (bpf/python.bpf.h); 0: none */
	__u32 gen;    /* the process's generation when it blocked */
	__u32 layout_gen; /* the generation the layout below was read in */
	__u64 stack_top, exe_ino; /* its address space's layout (struct block_place) */
	__u32 exe_dev;
	__u32 wake_keep; /* with waker stacks: 1 keep, 2 drop, decided at wake-up; 0: not woken */
	__u64 wake_delta; /* blocked this long when woken */
	struct stack_waker waker; /* who woke it (wakers), as the row is keyed */
	/* With wakers: this thread's last block (to tell a thread it wakes
	 * how long it was itself blocked during that one's wait), and for
	 * this block how long its waker was. */
	__u64 last_start, last_end;
	__u32 state, last_state; /* OFFCPU_STATE_* of this block and the last */
	__u32 syscall, last_syscall; /* the syscall it blocked in + 1; 0: none */
	__u64 waker_blocked_ns;
};

SRE_TASK_SLOT_MAPS(blocks, struct block_start);
static const struct block_start zero_block;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory as rows are used */
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
		state = t->__state;
	else
		state = ((struct task_struct___pre514 *)t)->state;
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

/* The reader has over half the ring left to read. */
static __always_inline bool reader_behind(void)
{
	return bpf_ringbuf_query(&proc_events, BPF_RB_AVAIL_DATA) >
	       bpf_ringbuf_query(&proc_events, BPF_RB_RING_SIZE) / 2;
}

/* The syscall a thread with user registers r blocks in, + 1; 0 for none
 * (a page fault, a preemption outside a syscall). */
static __always_inline __u32 regs_syscall(const struct pt_regs *r)
{
	long nr = (long)r->orig_ax;

	return nr >= 0 && nr < 0xffff ? (__u32)nr + 1 : 0;
}

/* Only that instruction: a stack of one frame (no unwinding attempted). */
static __always_inline __u64 current_user_leaf(__u64 ip)
{
	struct stack_trace *st = stack_buffer();

	if (!st || !ip)
		return 0;
	st->ips[0] = ip;
	return store_stack(st, sizeof(st->ips[0]), STACK_KIND_USER);
}

/* The place's stack still holds: a walk's frame pointer and return
 * address are where they were; a copy's unwound return addresses are
 * (bp is often plain data in code without frame pointers). */
static __always_inline bool place_stack_holds(const struct place_stack *p, __u64 bp, __u32 now_ms,
					      __u64 *ret, bool *have_ret, __u64 *stored)
{
	if (p->copied)
		return copy_still_valid(p->id, p->sp, now_ms - p->sent_ms < OFFCPU_COPY_PENDING_MS && reader_behind(),
					stored);
	return p->bp == bp && p->ret == return_address(bp, ret, have_ret);
}

/* Walks (fp) or copies (dwarf) prev's user stack, unless a thread of this
 * address space blocked from the same place before (same registers, and
 * the stack still holds). The registers come from bpf_task_pt_regs
 * (5.15), or for copies from the top of the kernel stack; an fp walk
 * without the helper is never reused. */
static __always_inline void user_stack_at_block(void *ctx, struct task_struct *prev, struct block_start *b,
						const struct pt_regs *uregs, __u32 pid, __u32 tgid, __u32 now_ms)
{
	enum ustack_way way;
	struct block_place key = {};
	struct place_stacks *p, kept = {};
	struct place_stack *fresh;
	bool copied = false, have_ret = false;
	__u64 ret = 0, id = 0, stored = 0, held, ip;
	bool one_off = false;

	/* A preemption in user code lands at any instruction: each is a new
	 * place, and copying each whole (6 KB) was 9 in 10 copies on a
	 * saturated PostgreSQL. A program without frame pointers gets only
	 * its innermost frame, counted (its function, not its callers). One
	 * with them is walked, in its own code; preempted in a library (libc,
	 * the vDSO), the walk would skip the caller of the library function,
	 * so it is joined to a small copy as a block is, and not kept for the
	 * place. (Preempted in a syscall: a place like a block.) */
	if (b->state == OFFCPU_STATE_PREEMPTED && uregs && !regs_syscall(uregs)) {
		ip = uregs->ip;
		if (!built_with_fp(tgid, b->gen)) {
			b->ustack = current_user_leaf(ip);
			if (b->ustack)
				count_event(SRE_CNT_PREEMPT_NO_COPY);
			return;
		}
		/* In the executable's own text (built with frame pointers, as
		 * the process is), not in a library. */
		if (ip >= prev->mm->start_code && ip < prev->mm->end_code) {
			b->ustack = current_user_stack(ctx);
			return;
		}
		one_off = true;
	}
	/* Registers from the top of the kernel stack (no bpf_task_pt_regs)
	 * serve a copy, not a place for an fp walk. */
	if (!(unwind_cfg.has_task_pt_regs || unwind_cfg.copies) || !uregs) {
		way = user_stack_way(tgid, b->gen);
		b->ustack = way == USTACK_COPY ? 0 : current_user_stack(ctx);
		return;
	}
	if (reuse_user_stack && !one_off) {
		if (b->layout_gen != b->gen) {
			b->stack_top = prev->mm->start_stack;
			b->exe_ino = prev->mm->exe_file->f_inode->i_ino;
			b->exe_dev = prev->mm->exe_file->f_inode->i_sb->s_dev;
			b->layout_gen = b->gen;
		}
		key.stack_top = b->stack_top;
		key.exe_ino = b->exe_ino;
		key.exe_dev = b->exe_dev;
		key.ip = uregs->ip;
		key.sp = uregs->sp;
		p = bpf_map_lookup_elem(&places, &key);
		for (int i = 0; p && i < PLACE_STACKS; i++) {
			if (p->at[i].sp != key.sp ||
			    !place_stack_holds(&p->at[i], uregs->bp, now_ms, &ret, &have_ret, &stored))
				continue;
			held = p->at[i].id;
			if (p->at[i].ip == key.ip && p->at[i].sp == key.sp) {
				b->ustack = stored ? stored : held;
				return;
			}
		}
		if (p)
			__builtin_memcpy(&kept, p, sizeof(kept));
	}
	/* How this process's stacks are taken: only looked up when one is. A
	 * one-off on a process moved to full copies is walked: a whole copy
	 * (6 KB) at every preemption is what the walk is there to avoid. */
	way = user_stack_way(tgid, b->gen);
	if (one_off && way == USTACK_COPY)
		way = USTACK_WALK;
	/* The walk (fp, or joined to a small copy), kept when a copy fails. */
	b->ustack = way == USTACK_COPY ? 0 : current_user_stack(ctx);
	if (way != USTACK_WALK && (id = next_copy_id()))
		copied = send_user_stack(&proc_events, uregs, pid, tgid, b->gen,
					 USTACK_STORE_AS_ID | (way == USTACK_JOIN ? USTACK_FP_JOIN : 0) |
						 (one_off ? USTACK_ONE_OFF : 0), id, 0, b->ustack, 0);
	if (copied)
		b->ustack = id;
	/* No stack (a copy was to be taken and the ring was full): not kept
	 * for the place, its next block tries again. Kept, it gave every later
	 * block there no user stack, uncounted (21 s of PostgreSQL's waits). */
	if (!reuse_user_stack || one_off || !b->ustack)
		return;
	/* The element is replaced whole, never written in place. */
	fresh = &kept.at[kept.next++ % PLACE_STACKS];
	fresh->ip = key.ip;
	fresh->sp = key.sp;
	fresh->bp = uregs->bp;
	fresh->ret = copied ? 0 : return_address(uregs->bp, &ret, &have_ret);
	fresh->id = b->ustack;
	fresh->copied = copied;
	fresh->sent_ms = now_ms;
	bpf_map_update_elem(&places, &key, &kept, BPF_ANY);
}

/* A block whose switch-in was never seen, found at the thread's next
 * switch-out: it lasted at most from its start to now (the thread ran in
 * between), which bounds what is missing. */
static __always_inline void count_unended(__u64 start, __u64 now)
{
	count_event(SRE_CNT_UNENDED);
	count_add(SRE_CNT_UNENDED_NS, now - start);
}

/* prev is current: it is about to leave the CPU. */
static __always_inline void on_block(void *ctx, struct task_struct *prev, bool preempt, __u64 now)
{
	struct block_start *b;
	__u32 tgid, state = state_class(prev, preempt);
	struct pt_regs *uregs;
	__u32 zero_key = 0;
	bool take_ustack;

	if (!(state_mask & state)) {
		/* Not a block to keep (a preemption, by default), but a start
		 * still pending means the last switch-in was missed: left, the
		 * next wake would stretch that block over this run. */
		b = task_slot(&blocks, &blocks_by_tid, prev, prev->pid, false, &zero_block);
		if (b && b->ts) {
			count_unended(b->ts, now);
			b->ts = 0;
		}
		return;
	}
	if (!current_wanted())
		return;
	b = task_slot(&blocks, &blocks_by_tid, prev, prev->pid, true, &zero_block);
	if (!b) {
		count_event(SRE_CNT_MISSED);
		return;
	}
	/* Still set: the last block's end, this thread's switch-in, never
	 * reached this program: a kernel that switches away from some task
	 * without the tracepoint (this project's Firecracker/PVM host does,
	 * from its agent's threads; docs/offcpu.md). That block's time is
	 * unknown: counted, not silent. */
	if (b->ts)
		count_unended(b->ts, now);
	b->ts = now;
	b->ustack = 0;
	b->pystack = 0;
	b->waker.flags = 0;
	b->wake_keep = 0;
	b->state = state;
	/* Kernel threads have no user stack: nothing to walk, copy or announce
	 * (on a busy server they are a large share of all blocks). */
	take_ustack = user_stacks && prev->mm && (preempt_stacks || state != OFFCPU_STATE_PREEMPTED);
	/* The registers prev entered the kernel with, read once for the
	 * syscall and the user stack; kernel threads have none. */
	uregs = bpf_map_lookup_elem(&block_regs, &zero_key);
	if (uregs && !((wakers || take_ustack) && prev->mm && read_user_regs(uregs)))
		uregs = NULL;
	b->syscall = wakers && uregs ? regs_syscall(uregs) : 0;
	if (take_ustack) {
		tgid = prev->tgid;
		/* Announced first: the copy must reach userspace after it. */
		b->gen = announce_process(tgid);
		user_stack_at_block(ctx, prev, b, uregs, prev->pid, tgid, (__u32)(now / 1000000));
		b->pystack = python_stack(tgid, prev->pid, b->gen);
	}
}

/* The fingerprint of t's innermost kernel frames (struct kstack_place);
 * 0 when they cannot be read. */
static __always_inline __u64 kstack_inner(struct task_struct *t)
{
	struct stack_trace *st = stack_buffer();
	__u64 h = STACK_HASH_SEED, v;

	if (!st || bpf_probe_read_kernel(st->ips, KSTACK_INNER_WORDS * sizeof(__u64), (void *)t->thread.sp))
		return 0;
	for (int i = 0; i < KSTACK_INNER_WORDS; i++) {
		v = st->ips[i];
		if (v >= KIMAGE_LO && v < KIMAGE_HI)
			h = stack_hash_mix(h, v ^ ((__u64)i << 56));
	}
	return h ? h : 1;
}

/* next's kernel stack where it blocked: walked, or the last walk from the
 * same place (struct kstack_place). User threads whose user stack was
 * lost are always walked, and so are preemptions:
 * which interrupt preempted a thread decides frames the key does not
 * hold (checks under triage on pgbench found 4 such places in 6,000 when
 * the key had the stack's depth instead of the fingerprint). */
static __always_inline __u64 wake_kernel_stack(struct task_struct *next, __u64 ustack, __u32 state)
{
	struct kstack_place key = {};
	struct kstack_known *k, fresh = {};
	__u64 id;

	/* A kernel thread has no user chain: the thread itself stands for it
	 * (walks there cost ~5 us each, 3,600 a second from jbd2, kworkers
	 * and the loop device's threads under PostgreSQL's commits). */
	if (!ustack && (next->flags & 0x00200000 /* PF_KTHREAD */))
		ustack = KSTACK_KTHREAD | next->pid;
	if (!kstack_check || !ustack || state == OFFCPU_STATE_PREEMPTED)
		return task_kernel_stack(next, true);
	key.ustack = ustack;
	key.state = state;
	if (!(key.inner = kstack_inner(next)))
		return task_kernel_stack(next, true);
	k = bpf_map_lookup_elem(&kstacks_by_place, &key);
	if (k && (k->at.ustack != key.ustack || k->at.inner != key.inner || k->at.state != key.state))
		k = NULL; /* recycled for another key under us: walk */
	fresh.at = key;
	if (k && !k->mixed) {
		id = k->kstack;
		if (bpf_get_prandom_u32() % kstack_check) {
			count_event(SRE_CNT_KSTACK_REUSED);
			return id;
		}
		/* The check: this block gets the fresh walk whatever it finds. */
		count_event(SRE_CNT_KSTACK_CHECKED);
		fresh.kstack = task_kernel_stack(next, false);
		if (!fresh.kstack || fresh.kstack == id)
			return id;
		count_event(SRE_CNT_KSTACK_DIFFERED);
		fresh.mixed = 1;
		bpf_map_update_elem(&kstacks_by_place, &key, &fresh, BPF_ANY);
		return fresh.kstack;
	}
	fresh.kstack = task_kernel_stack(next, true);
	if (!k && fresh.kstack)
		bpf_map_update_elem(&kstacks_by_place, &key, &fresh, BPF_ANY);
	return fresh.kstack;
}

static __always_inline void on_wake(struct task_struct *next, __u64 now)
{
	struct stack_key key = {};
	struct block_start *b;
	__u64 delta, weight, blocked = 0;

	b = task_slot(&blocks, &blocks_by_tid, next, next->pid, false, &zero_block);
	if (!b || !b->ts)
		return;
	delta = now - b->ts;
	if (wakers) {
		b->last_start = b->ts;
		b->last_end = now;
		b->last_state = b->state;
		b->last_syscall = b->syscall;
	}
	b->ts = 0;
	if (delta < min_block_ns || delta > max_block_ns)
		return;
	weight = delta;
	if (b->wake_keep) {
		/* Drawn at wake-up, where the waker's stacks were taken or not,
		 * with probability wake_delta/sample_ns: weighted by its inverse. */
		if (b->wake_keep != 1)
			return;
		if (b->wake_delta < sample_ns)
			weight = b->wake_delta ? delta * sample_ns / b->wake_delta : sample_ns;
	} else if (sample_ns && delta < sample_ns) {
		/* Keep with probability delta/sample_ns, then count sample_ns:
		 * the expected contribution is exactly delta. */
		if (bpf_get_prandom_u32() % sample_ns >= delta)
			return;
		weight = sample_ns;
	}
	if (!by_comm) {
		key.pid = next->pid;
		key.tgid = next->tgid;
	}
	BPF_CORE_READ_STR_INTO(&key.comm, next, comm);
	if (wakers)
		key.syscall = b->syscall;
	if (!preempt_stacks && b->state == OFFCPU_STATE_PREEMPTED) {
		key.syscall |= SRE_SYSCALL_RUNNABLE;
	} else {
		key.ustack = user_stacks ? resolved_user_stack(b->ustack) : 0;
		key.pystack = user_stacks && !by_comm ? b->pystack : 0;
		key.gen = user_stacks && !by_comm ? b->gen : 0;
		key.kstack = kernel_stacks ? wake_kernel_stack(next, key.ustack, b->state) : 0;
	}
	if (b->waker.flags) {
		key.waker = b->waker;
		if (b->waker.blocked) {
			/* Scaled as the block's own time is. */
			blocked = b->waker_blocked_ns < delta ? b->waker_blocked_ns : delta;
			blocked = weight == delta ? blocked : blocked * weight / delta;
		}
	}
	count_event(SRE_CNT_EVENTS);

	add_to_stack_row(&offcpu, &proc_events, &key, weight, blocked);
}

static __always_inline int on_switch(void *ctx, bool preempt, struct task_struct *prev,
				     struct task_struct *next)
{
	__u64 now = bpf_ktime_get_ns();

	if (prev->pid)
		on_block(ctx, prev, preempt, now);
	on_wake(next, now);
	return 0;
}

/* The context a wake-up runs in: in an interrupt, current only happened
 * to be on the CPU. */
static __always_inline __u32 waker_context(struct task_struct *cur)
{
	__u32 f = SRE_WAKER_SEEN;

	if (in_interrupt_stack(cur))
		f |= SRE_WAKER_IRQ;
	if (!cur->pid)
		f |= SRE_WAKER_IDLE;
	else if (cur->flags & 0x00200000 /* PF_KTHREAD */)
		f |= SRE_WAKER_KTHREAD;
	if (cur->flags & 0x00000004 /* PF_EXITING */)
		f |= SRE_WAKER_EXITING;
	return f;
}

/* Runs in the waker's context: records who ends the wait of p, a thread
 * this tool saw block. With stacks, the sampling draw is made here, so a
 * kept block always has its waker's stacks (drawn on the duration so far). */
SEC("tp_btf/sched_waking")
int BPF_PROG(offcpu_waking, struct task_struct *p)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct block_start *b, *wb;
	__u64 delta, start;

	b = task_slot(&blocks, &blocks_by_tid, p, p->pid, false, &zero_block);
	if (!b || !b->ts)
		return 0;
	b->waker.flags = waker_context(cur);
	b->waker.gen = 0;
	b->waker.kstack = b->waker.ustack = 0;
	if ((b->waker.flags & (SRE_WAKER_IRQ | SRE_WAKER_IDLE)) && wakers != OFFCPU_WAKERS_STACKS) {
		/* In an interrupt, current only happened to be on the CPU:
		 * triage keeps no name for it, so the waits interrupts end
		 * share rows whatever ran (one per interrupted task made rows
		 * grow with the CPUs). offcpu --wakers names it, as BCC's
		 * offwaketime does. */
		b->waker.pid = b->waker.tgid = 0;
		__builtin_memset(b->waker.comm, 0, sizeof(b->waker.comm));
	} else {
		b->waker.pid = cur->pid;
		b->waker.tgid = cur->tgid;
		bpf_get_current_comm(b->waker.comm, sizeof(b->waker.comm));
	}
	/* The waker's own last block, as far as it overlapped this wait:
	 * the lock holder that blocked on the disk before releasing. */
	b->waker.blocked = 0;
	if (!(b->waker.flags & (SRE_WAKER_IRQ | SRE_WAKER_IDLE)) &&
	    (wb = task_slot(&blocks, &blocks_by_tid, cur, cur->pid, false, &zero_block)) && wb->last_end > b->ts) {
		start = wb->last_start > b->ts ? wb->last_start : b->ts;
		b->waker_blocked_ns = wb->last_end - start;
		b->waker.blocked = SRE_WAKER_BLOCKED(wb->last_state, wb->last_syscall);
	}
	if (wakers != OFFCPU_WAKERS_STACKS)
		return 0;
	delta = bpf_ktime_get_ns() - b->ts;
	b->wake_delta = delta;
	b->wake_keep = !sample_ns || delta >= sample_ns || bpf_get_prandom_u32() % sample_ns < delta ? 1 : 2;
	if (b->wake_keep != 1)
		return 0;
	if (kernel_stacks)
		b->waker.kstack = current_kernel_stack(ctx);
	/* A user stack only for a wake-up from the task's own context. */
	if (user_stacks && cur->mm && !(b->waker.flags & SRE_WAKER_IRQ)) {
		b->waker.gen = announce_process(cur->tgid);
		b->waker.ustack = current_user_stack(ctx);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(offcpu_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(ctx, preempt, prev, next);
}

char LICENSE[] SEC("license") = "GPL";
