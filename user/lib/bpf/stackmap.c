#include <string.h>
#include <bpf/bpf.h>
#include "lib/bpf/procs.h"
#include "lib/bpf/stackmap.h"

int sre_read_stack(int stacks_fd, uint64_t id, uint64_t *ips)
{
	struct stack_trace st;

	if (!id || bpf_map_lookup_elem(stacks_fd, &id, &st))
		return 0;
	if (st.nr > STACK_MAX_DEPTH)
		st.nr = STACK_MAX_DEPTH;
	memcpy(ips, st.ips, st.nr * sizeof(*ips));
	return (int)st.nr;
}

static uint64_t user_stack_id(const struct sre_stack_source *src, uint64_t id)
{
	const uint64_t *stored;

	/* Copy ids have the top bit set (bpf/ustack.bpf.h). */
	if (!src->copy_ids || !(id >> 63))
		return id;
	stored = sre_map_get(src->copy_ids, &id);
	return stored ? *stored : id;
}

static int add_row(struct sre_stack_rows *rs, struct sre_symbolizer *sym, struct sre_procs *procs,
		   const struct sre_stack_source *src, const struct stack_key *key, const struct stack_value *val)
{
	struct sre_stack_row base = {
		.pid = key->pid, .tgid = key->tgid, .gen = key->gen,
		.syscall = (int)(key->syscall & ~SRE_SYSCALL_RUNNABLE) - 1,
		.value = val->value, .count = val->count,
		.user_wanted = src->user_wanted, .kernel_wanted = src->kernel_wanted,
	};
	uint64_t kips[STACK_MAX_DEPTH], uips[STACK_MAX_DEPTH], pyips[STACK_MAX_DEPTH];
	int nk, nu, err;

	/* Announced too late, or the announcement was dropped: last try. */
	if (procs && key->ustack)
		sre_procs_ensure(procs, key->tgid, key->gen);
	memcpy(base.comm, key->comm, sizeof(base.comm));
	nk = sre_read_stack(src->stacks_fd, key->kstack, kips);
	if (key->syscall & SRE_SYSCALL_RUNNABLE) {
		kips[0] = SRE_FRAME_RUNNABLE;
		nk = 1;
	}
	nu = sre_read_stack(src->stacks_fd, user_stack_id(src, key->ustack), uips);
	base.npy = sre_read_stack(src->stacks_fd, key->pystack, pyips);
	base.pyips = pyips;
	base.waker = (struct sre_stack_waker){
		.pid = key->waker.pid, .tgid = key->waker.tgid, .gen = key->waker.gen, .flags = key->waker.flags,
		.blocked = key->waker.blocked, .blocked_ns = val->waker_blocked_ns,
	};
	memcpy(base.waker.comm, key->waker.comm, sizeof(base.waker.comm));
	if ((err = sre_stack_rows_add(rs, sym, &base, kips, nk, uips, nu)) || !key->waker.flags)
		return err;
	if (procs && key->waker.ustack)
		sre_procs_ensure(procs, key->waker.tgid, key->waker.gen);
	nk = sre_read_stack(src->stacks_fd, key->waker.kstack, kips);
	nu = sre_read_stack(src->stacks_fd, key->waker.ustack, uips);
	return sre_stack_rows_add_waker(rs, sym, kips, nk, uips, nu);
}

int sre_stack_map_collect(struct sre_stack_rows *rs, struct sre_symbolizer *sym, struct sre_procs *procs,
			  const struct sre_stack_source *src)
{
	struct stack_key key, cur, *prev = NULL;
	struct stack_value val;
	const void *k;
	void *v;
	size_t it = 0;
	int err;

	sre_symbolizer_load_kernel(sym);
	while (!bpf_map_get_next_key(src->counts_fd, prev, &key)) {
		cur = key;
		prev = &cur;
		if (bpf_map_lookup_elem(src->counts_fd, &cur, &val))
			continue;
		if ((err = add_row(rs, sym, procs, src, &cur, &val)))
			return err;
	}
	while (src->user_counts && sre_map_next(src->user_counts, &it, &k, &v))
		if ((err = add_row(rs, sym, procs, src, k, v)))
			return err;
	if (src->merge)
		sre_stack_rows_merge(rs);
	sre_stack_rows_sort(rs);
	return 0;
}
