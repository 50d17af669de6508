/* offcpu reuses a user stack copy while the stack still holds what it
 * held: userspace, having unwound a copy, leaves in copy_checks the slots
 * of its first return addresses, and each reuse compares them. profile
 * takes a fresh stack per sample and needs none of this. */
#ifndef SRETRACE_COPYCHECK_BPF_H
#define SRETRACE_COPYCHECK_BPF_H

#include "ustack.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384); /* 1 unless offcpu copies (user/lib/bpf/load.c, sre_unwind_configure) */
	__type(key, __u64);
	__type(value, struct sre_copy_check);
} copy_checks SEC(".maps");

/* The words copy_still_valid compares, read in one go: each user memory
 * read costs ~130 ns on a busy server here (checked at ~900,000 blocks in
 * 20 s on PostgreSQL), four separate reads most of a reused stack's cost.
 * Checks spanning more than this read slot by slot. */
#define USTACK_CHECK_SPAN_WORDS 128

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[USTACK_CHECK_SPAN_WORDS]);
} check_scratch SEC(".maps");

/* The stack id a copy's unwound stack was stored under, once userspace
 * has unwound it; else the copy id itself (translated at report time).
 * Rows then meet by content in the kernel map instead of one per copy. */
static __always_inline __u64 resolved_user_stack(__u64 id)
{
	struct sre_copy_check *c;

	if (!(id >> 63))
		return id;
	c = bpf_map_lookup_elem(&copy_checks, &id);
	return c && c->stack_id ? c->stack_id : id;
}

/* Copy id still describes the stack at sp: its first return addresses
 * (as userspace unwound them) are where they were. Not unwound yet: as
 * pending says (recent enough to trust). *stored: the id userspace
 * stored the unwound stack under, 0 while there is none. */
static __always_inline bool copy_still_valid(__u64 id, __u64 sp, bool pending, __u64 *stored)
{
	struct sre_copy_check *c = bpf_map_lookup_elem(&copy_checks, &id);
	__u64 v, first, span, w, (*words)[USTACK_CHECK_SPAN_WORDS];
	__u32 zero = 0, n;

	*stored = 0;
	if (!c) {
		if (pending)
			count_event(SRE_CNT_UNCHECKED);
		return pending;
	}
	*stored = c->stack_id;
	if (c->cut)
		return false;
	/* The slots lie at increasing offsets (outer frames): one read of the
	 * words from the first to the last when they are close enough. */
	n = c->n < USTACK_CHECK_SLOTS ? c->n : USTACK_CHECK_SLOTS;
	if (n > 1 && (words = bpf_map_lookup_elem(&check_scratch, &zero))) {
		first = c->off[0];
		span = c->off[n - 1] + sizeof(__u64) - first;
		if (c->off[n - 1] >= first && span <= sizeof(__u64) * USTACK_CHECK_SPAN_WORDS) {
			if (bpf_probe_read_user(words, span, (void *)(sp + first)))
				return false;
			for (int i = 0; i < USTACK_CHECK_SLOTS; i++) {
				if (i >= n)
					break;
				w = (c->off[i] - first) / sizeof(__u64);
				if (w >= USTACK_CHECK_SPAN_WORDS || (*words)[w] != c->val[i])
					return false;
			}
			return true;
		}
	}
	for (int i = 0; i < USTACK_CHECK_SLOTS; i++) {
		if (i >= n)
			break;
		if (bpf_probe_read_user(&v, sizeof(v), (void *)(sp + c->off[i])) || v != c->val[i])
			return false;
	}
	return true;
}

#endif
