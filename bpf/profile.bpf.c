// SPDX-License-Identifier: GPL-2.0
/* profile: on-CPU stack sampling from a perf event on every CPU,
 * aggregated in the kernel by thread, kernel stack and user stack. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile.h"
#include "filter.bpf.h"
#include "stacks.bpf.h"
#include "procs.bpf.h"
#include "ustack.bpf.h"
#include "python.bpf.h"

const volatile bool user_stacks = true;
const volatile bool kernel_stacks = true;
const volatile bool include_idle = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory as rows are used */
	__uint(max_entries, PROFILE_MAX_ENTRIES);
	__type(key, struct stack_key);
	__type(value, struct stack_value);
} samples SEC(".maps");

SEC("perf_event")
int profile_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct stack_key key = {};
	struct pt_regs regs;
	enum ustack_way way;

	/* pid 0 is the idle task of each CPU. */
	if (!include_idle && (__u32)id == 0)
		return 0;
	if (!current_wanted())
		return 0;
	key.pid = (__u32)id;
	key.tgid = id >> 32;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	if (kernel_stacks)
		key.kstack = current_kernel_stack(ctx);
	if (user_stacks && key.tgid) {
		key.gen = announce_process(key.tgid);
		key.pystack = python_stack(key.tgid, key.pid, key.gen);
		way = user_stack_way(key.tgid, key.gen);
		/* A copy goes to userspace, which unwinds it and counts the
		 * sample itself; a sample whose copy is lost is counted here,
		 * with the walk's frames (if any). */
		key.ustack = way == USTACK_COPY ? 0 : current_user_stack(ctx);
		if (way != USTACK_WALK && read_user_regs(&regs) &&
		    send_user_stack(&proc_events, &regs, key.pid, key.tgid, key.gen,
				    USTACK_COUNT_SAMPLE | (way == USTACK_JOIN ? USTACK_FP_JOIN : 0), 0, key.kstack,
				    key.ustack, key.pystack)) {
			count_event(SRE_CNT_EVENTS);
			return 0;
		}
	}
	count_event(SRE_CNT_EVENTS);
	add_to_stack_row(&samples, &proc_events, &key, 1, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
