/* Capturing stacks into a map keyed by a hash of their frames. Unlike
 * BPF_MAP_TYPE_STACK_TRACE this also stores stacks walked with
 * bpf_get_task_stack() (another task's saved kernel stack), and a full map
 * or a failed walk is counted, never silently merged. Ids are 64-bit
 * hashes; two different stacks sharing one is not detected (p ~ n^2/2^65). */
#ifndef SRETRACE_STACKS_BPF_H
#define SRETRACE_STACKS_BPF_H

#include "stack.h"
#include "filter.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory as stacks are stored */
	__uint(max_entries, STACK_STORAGE_DEFAULT);
	__type(key, __u64);
	__type(value, struct stack_trace);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stack_trace);
} stack_scratch SEC(".maps");

static __always_inline struct stack_trace *stack_buffer(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stack_scratch, &zero);
}

/* Hash the len bytes the walk returned and store them; 0 when lost.
 * salt: mixed into the id (a Python stack's frames mean something only
 * in its own process: forked workers share code object addresses).
 * *fresh (may be NULL): stored now, not seen before. */
static __always_inline __u64 store_stack_new(struct stack_trace *st, long len, __u32 kind, __u64 salt, bool *fresh)
{
	__u64 h = STACK_HASH_SEED ^ kind ^ salt;
	__u32 nr;
	int err;

	if (len <= 0) {
		if (len < 0)
			count_event(SRE_CNT_STACK_LOST);
		return 0;
	}
	nr = len / sizeof(__u64);
	st->nr = nr;
	st->kind = kind;
	for (int i = 0; i < STACK_MAX_DEPTH; i++) {
		if (i >= nr)
			break;
		h = stack_hash_mix(h, st->ips[i]);
	}
	if (!h)
		h = 1;
	/* Most stacks were seen before: a lookup takes no bucket lock. */
	if (bpf_map_lookup_elem(&stacks, &h))
		return h;
	/* int: kernels before 6.x hand back the error zero-extended, so a
	 * 64-bit compare with -EEXIST fails there (found by tests/vm on 5.10
	 * and 6.1: every stack but the first counted as lost). */
	err = (int)bpf_map_update_elem(&stacks, &h, st, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: already stored */) {
		count_event(SRE_CNT_STACK_LOST);
		return 0;
	}
	if (fresh)
		*fresh = !err;
	return h;
}

static __always_inline __u64 store_stack(struct stack_trace *st, long len, __u32 kind)
{
	return store_stack_new(st, len, kind, 0, NULL);
}

/* The current task's user stack (frame-pointer walk by the kernel). */
static __always_inline __u64 current_user_stack(void *ctx)
{
	struct stack_trace *st = stack_buffer();

	if (!st)
		return 0;
	return store_stack(st, bpf_get_stack(ctx, st->ips, sizeof(st->ips), BPF_F_USER_STACK),
			   STACK_KIND_USER);
}

/* The current task's kernel stack. */
static __always_inline __u64 current_kernel_stack(void *ctx)
{
	struct stack_trace *st = stack_buffer();

	if (!st)
		return 0;
	return store_stack(st, bpf_get_stack(ctx, st->ips, sizeof(st->ips), 0), STACK_KIND_KERNEL);
}

/* A task that is not running: its saved kernel stack, where it blocked. */
static __always_inline __u64 task_kernel_stack(struct task_struct *t, bool used)
{
	struct stack_trace *st = stack_buffer();
	long len;

	if (!st)
		return 0;
	len = bpf_get_task_stack(t, st->ips, sizeof(st->ips), 0);
	/* A task off the CPU is always somewhere in the kernel: no frames is
	 * a failed walk (the unwinder would not start), counted as lost where
	 * the walk was to be the block's stack (used). */
	if (len == 0 && used)
		count_event(SRE_CNT_STACK_LOST);
	return store_stack(st, len, STACK_KIND_KERNEL);
}

/* A row the full map could not take goes to userspace through ring,
 * which adds it to the same row; only a full ring loses it (counted). */
static __always_inline void spill_row(void *ring, const struct stack_key *key, __u64 value, __u64 blocked)
{
	struct sre_row_event *e = bpf_ringbuf_reserve(ring, sizeof(*e), 0);

	if (!e) {
		count_event(SRE_CNT_MISSED);
		return;
	}
	e->tgid = key->tgid;
	e->gen = key->gen;
	e->kind = SRE_PROC_ROW;
	e->pad = 0;
	e->key = *key;
	e->val.value = value;
	e->val.count = 1;
	e->val.waker_blocked_ns = blocked;
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

/* Adds value (and one event, and blocked: struct stack_value) to key's row
 * of a stack_key -> stack_value hash; when the map is full, the row is
 * spilled through ring instead. */
static __always_inline void add_to_stack_row(void *map, void *ring, const struct stack_key *key, __u64 value,
					     __u64 blocked)
{
	struct stack_value *v, zero = {};

	v = bpf_map_lookup_elem(map, key);
	if (!v) {
		if ((int)bpf_map_update_elem(map, key, &zero, BPF_NOEXIST) == -7 /* E2BIG: full */) {
			spill_row(ring, key, value, blocked);
			return;
		}
		v = bpf_map_lookup_elem(map, key);
		/* Deleted in between (serve drains the map): counted, not silent. */
		if (!v) {
			count_event(SRE_CNT_MISSED);
			return;
		}
	}
	__sync_fetch_and_add(&v->value, value);
	__sync_fetch_and_add(&v->count, 1);
	if (blocked)
		__sync_fetch_and_add(&v->waker_blocked_ns, blocked);
}

#endif
