/* Task filters shared by every tool: -p, -t, -c, -C and "-- COMMAND".
 * Userspace fills the rodata knobs and maps before load; knobs left false
 * are pruned by the verifier, so unused filters cost nothing. */
#ifndef SRETRACE_FILTER_BPF_H
#define SRETRACE_FILTER_BPF_H

#include "common.h"

const volatile struct sre_filter_cfg filter_cfg = {};

/* Allocated as used: -p's few pids, or every process "-- COMMAND" starts
 * (sized FILTER_FOLLOW_MAX then, by sre_filter_configure). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FILTER_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} wanted_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FILTER_MAX_PIDS);
	__type(key, __u32);
	__type(value, __u8);
} wanted_tids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} wanted_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SRE_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sre_counters SEC(".maps");

static __always_inline void count_add(enum sre_counter which, __u64 n)
{
	__u32 key = which;
	__u64 *v = bpf_map_lookup_elem(&sre_counters, &key);

	if (v)
		*v += n;
}

static __always_inline void count_event(enum sre_counter which)
{
	count_add(which, 1);
}

static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != filter_cfg.comm_name[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* wanted_tgids' value for process tgid (SRE_WANTED...); 0: not there. */
static __always_inline __u8 tgid_wanted(__u32 tgid)
{
	__u8 *w = bpf_map_lookup_elem(&wanted_tgids, &tgid);

	return w ? *w : 0;
}

/* Whether the current task is one the user asked about. */
static __always_inline bool current_wanted(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;

	if (filter_cfg.tgid && tgid_wanted(tgid) != SRE_WANTED)
		return false;
	if (filter_cfg.tid && !bpf_map_lookup_elem(&wanted_tids, &tid))
		return false;
	if (filter_cfg.cgroup && bpf_current_task_under_cgroup(&wanted_cgroup, 0) != 1)
		return false;
	if (filter_cfg.comm) {
		char comm[TASK_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!comm_matches(comm))
			return false;
	}
	return true;
}

/* "-- COMMAND" traces the command and everything it starts: children of a
 * wanted process become wanted. Userspace loads these only in that mode.
 * The command's own process is wanted from its successful exec on: before
 * it, it is sretrace's launcher (waiting for the go, trying each PATH
 * entry), whose calls and waits are not the command's. */
static __always_inline int follow_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = SRE_WANTED;

	/* A child that cannot be followed is lost to the trace: counted. */
	if (tgid_wanted(ptgid) == SRE_WANTED && bpf_map_update_elem(&wanted_tgids, &ctgid, &one, BPF_ANY))
		count_event(SRE_CNT_MISSED);
	return 0;
}

/* "-- COMMAND"'s process while it is still sretrace's launcher. */
static __always_inline bool current_before_exec(void)
{
	return filter_cfg.tgid && tgid_wanted(bpf_get_current_pid_tgid() >> 32) == SRE_WANTED_AFTER_EXEC;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(follow_exec_btf)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *w = bpf_map_lookup_elem(&wanted_tgids, &tgid);

	if (w && *w == SRE_WANTED_AFTER_EXEC)
		*w = SRE_WANTED;
	return 0;
}

/* When the current process exits (its group leader), drop it from a map
 * keyed by tgid, so a reused pid does not inherit its entry. */
static __always_inline int forget_exiting_process(void *tgid_map)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;

	if ((__u32)id == tgid)
		bpf_map_delete_elem(tgid_map, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return follow_fork(parent, child);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(follow_exit_btf)
{
	return forget_exiting_process(&wanted_tgids);
}

#endif
