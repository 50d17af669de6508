// SPDX-License-Identifier: GPL-2.0
/* Empty programs on the tracepoints the tools use: benchmarks measure the
 * cost of merely attaching here, the floor no tool can go below. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit)
{
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_sched_switch)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
