/* Announcing processes to userspace the first time they show up in a
 * stack, so the loader reads their memory maps and symbols while they
 * live (user/lib/sym/usyms.c, user/lib/bpf/procs.c): a process that exits before the report is
 * still symbolized. Each announcement starts a generation, stored in the
 * stack key, so stacks of a reused pid, or of a process before its exec,
 * are symbolized with their own address space. Exec and exit end it. */
#ifndef SRETRACE_PROCS_BPF_H
#define SRETRACE_PROCS_BPF_H

#include "stack.h"
#include "filter.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u32); /* generation */
} seen_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} proc_events SEC(".maps");

static __always_inline void send_proc_event(__u32 tgid, __u32 gen, __u32 kind, __u64 stack_id)
{
	struct sre_proc_event *e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);

	if (!e) {
		count_event(SRE_CNT_DROPS);
		return;
	}
	e->tgid = tgid;
	e->gen = gen;
	e->kind = kind;
	e->pad = 0;
	e->stack_id = stack_id;
	/* Wake the reader now: the process may be short-lived. */
	bpf_ringbuf_submit(e, 0);
}

/* The process's generation, announcing it when it is new. A generation is
 * the low 32 bits of the clock at the announcement: no two address spaces
 * of one pid get the same one in practice, and it needs no shared counter
 * (an atomic fetch-and-add needs BPF v3 instructions). Never 0. */
static __always_inline __u32 announce_process(__u32 tgid)
{
	__u32 *seen = bpf_map_lookup_elem(&seen_procs, &tgid), gen;

	if (seen)
		return *seen;
	gen = (__u32)bpf_ktime_get_ns() | 1;
	if (bpf_map_update_elem(&seen_procs, &tgid, &gen, BPF_NOEXIST)) {
		/* Another CPU announced it first. */
		seen = bpf_map_lookup_elem(&seen_procs, &tgid);
		return seen ? *seen : 0;
	}
	send_proc_event(tgid, gen, SRE_PROC_NEW, 0);
	return gen;
}

/* The address space of tgid ended: userspace may let its symbols go. */
static __always_inline void end_process(__u32 tgid)
{
	__u32 *seen = bpf_map_lookup_elem(&seen_procs, &tgid);

	if (!seen)
		return;
	send_proc_event(tgid, *seen, SRE_PROC_GONE, 0);
	bpf_map_delete_elem(&seen_procs, &tgid);
}

static __always_inline int forget_current_process(void)
{
	end_process(bpf_get_current_pid_tgid() >> 32);
	return 0;
}

static __always_inline int forget_exited_process(void)
{
	__u64 id = bpf_get_current_pid_tgid();

	/* The group leader's exit ends the process. */
	if ((__u32)id == id >> 32)
		end_process(id >> 32);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(procs_exec_btf)
{
	return forget_current_process();
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(procs_exit_btf)
{
	return forget_exited_process();
}

#endif
