/* Announcing processes to userspace the first time they show up in a
 * stack, so the loader reads their memory maps and symbols while they
 * live (user/lib/usyms.c): a process that exits before the report is
 * still symbolized. Exec and exit make a process new again. */
#ifndef SRETRACE_PROCS_BPF_H
#define SRETRACE_PROCS_BPF_H

#include "stack.h"
#include "filter.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u8);
} seen_procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} proc_events SEC(".maps");

static __always_inline void announce_process(__u32 tgid)
{
	struct sre_proc_event *e;
	__u8 one = 1;

	if (bpf_map_lookup_elem(&seen_procs, &tgid))
		return;
	if (bpf_map_update_elem(&seen_procs, &tgid, &one, BPF_NOEXIST))
		return;
	e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);
	if (!e) {
		count_event(SRE_CNT_DROPS);
		bpf_map_delete_elem(&seen_procs, &tgid);
		return;
	}
	e->tgid = tgid;
	/* Wake the reader now: the process may be short-lived. */
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int forget_current_process(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&seen_procs, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(procs_exec_btf)
{
	return forget_current_process();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(procs_exec_raw)
{
	return forget_current_process();
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(procs_exit_btf)
{
	return forget_exiting_process(&seen_procs);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(procs_exit_raw)
{
	return forget_exiting_process(&seen_procs);
}

#endif
