/* tcpretrans: structures shared by bpf/tcpretrans.bpf.c and user/tcpretrans.c. */
#ifndef SRETRACE_TCPRETRANS_H
#define SRETRACE_TCPRETRANS_H

#include "common.h"

#define TCPRETRANS_OWNERS_MAX 65536
#define TCPRETRANS_FLOWS_MAX 16384

/* Addresses are 16 bytes; IPv4 uses the first 4. Ports in host order. */
struct tcp_flow {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u16 family;  /* AF_INET or AF_INET6 */
	__u16 pad;
};

struct tcpretrans_event {
	__u64 ts_ns;
	__u64 kstack;   /* --stack: id in the stacks map, 0 none */
	struct tcp_flow flow;
	__u32 pid;      /* socket owner, 0 unknown */
	__u32 segs;
	__s32 err;
	__u32 state;
	char comm[TASK_COMM_LEN];
};

/* -A: per flow, in the kernel. */
struct tcpretrans_flow_stats {
	__u64 retrans_segs;   /* segments that went out again (err 0) */
	__u64 events;         /* retransmits that went out */
	__u64 failed;         /* attempts that did not (err != 0, 6.10+) */
	__u32 segs_out;       /* the socket's own counters, at the last retransmit */
	__u32 total_retrans;
	__u32 pid;
	__u32 state;
	char comm[TASK_COMM_LEN];
};

#endif
