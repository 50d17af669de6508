// SPDX-License-Identifier: GPL-2.0
/* tcpretrans: TCP retransmits per event or per flow, with the owner of the
 * socket. Retransmits mostly run from timers and softirqs, where the
 * current task is whoever was interrupted: the owner is recorded instead
 * when a process connects, sends or receives on the socket. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tcpretrans.h"
#include "filter.bpf.h"
#include "events.bpf.h"
#include "stacks.bpf.h"

#define AF_INET 2
#define AF_INET6 10
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_CLOSE 7
#define TCP_LISTEN 10
#define IPPROTO_TCP 6

const volatile bool aggregate = false;
const volatile bool with_stack = false;
const volatile __u16 only_family = 0;
const volatile bool filter_laddr = false;
const volatile bool filter_raddr = false;
const volatile __u8 laddr[16] = {};
const volatile __u8 raddr[16] = {};
const volatile __u16 only_port = 0;
/* The tracepoint gained an err argument in 6.10; userspace reads its arity from BTF. */
const volatile bool has_err_arg = true;
/* -p, -c, -C, "-- COMMAND": only sockets whose owner passed the filters. */
const volatile bool filter_owner = false;

struct owner {
	__u32 pid;
	bool wanted;
	char comm[TASK_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* memory as sockets come */
	__uint(max_entries, TCPRETRANS_OWNERS_MAX);
	__type(key, __u64);
	__type(value, struct owner);
} owners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, TCPRETRANS_FLOWS_MAX);
	__type(key, struct tcp_flow);
	__type(value, struct tcpretrans_flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Process context only: the current task is the socket's user. */
static __always_inline void record_owner(const struct sock *sk, bool replace)
{
	__u64 key = (__u64)sk;
	struct owner o = {};

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	if (!replace && bpf_map_lookup_elem(&owners, &key))
		return;
	o.pid = bpf_get_current_pid_tgid() >> 32;
	o.wanted = current_wanted();
	bpf_get_current_comm(o.comm, sizeof(o.comm));
	if (bpf_map_update_elem(&owners, &key, &o, BPF_ANY))
		count_event(SRE_CNT_MISSED);
}

static __always_inline int on_state(const struct sock *sk, int newstate)
{
	__u64 key = (__u64)sk;

	if (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) {
		/* connect() and listen() run in the caller; a listener's
		 * owner is its SYN-ACK retransmits' owner. */
		record_owner(sk, true);
	} else if (newstate == TCP_CLOSE) {
		bpf_map_delete_elem(&owners, &key);
	}
	return 0;
}

/* A socket's or a connection request's addresses: both begin with them. */
static __always_inline void read_flow(const struct sock_common *c, struct tcp_flow *f)
{
	f->family = BPF_CORE_READ(c, skc_family);
	f->sport = BPF_CORE_READ(c, skc_num);
	f->dport = __builtin_bswap16(BPF_CORE_READ(c, skc_dport));
	if (f->family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)f->saddr, c, skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)f->daddr, c, skc_daddr);
	} else {
		BPF_CORE_READ_INTO(&f->saddr, c, skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&f->daddr, c, skc_v6_daddr.in6_u.u6_addr8);
	}
}

static __always_inline bool addr_equal(const __u8 *a, const volatile __u8 *b, int len)
{
	for (int i = 0; i < 16; i++) {
		if (i >= len)
			break;
		if (a[i] != b[i])
			return false;
	}
	return true;
}

static __always_inline bool flow_wanted(const struct tcp_flow *f)
{
	int len = f->family == AF_INET ? 4 : 16;

	if (only_family && f->family != only_family)
		return false;
	if (only_port && f->sport != only_port && f->dport != only_port)
		return false;
	if (filter_laddr && !addr_equal(f->saddr, laddr, len))
		return false;
	if (filter_raddr && !addr_equal(f->daddr, raddr, len))
		return false;
	return true;
}

/* Segments this retransmit counts for, as the kernel's RetransSegs does:
 * tcp_skb_pcount(), kept in the skb's control block. */
static __always_inline __u32 skb_segs(const struct sk_buff *skb)
{
	struct tcp_skb_cb *cb = (void *)((char *)skb + bpf_core_field_offset(struct sk_buff, cb));
	__u32 segs = BPF_CORE_READ(cb, tcp_gso_segs);

	return segs ? segs : 1;
}

/* sk: the socket (its listener, for a SYN-ACK); flow: the connection;
 * skb: the segment, NULL for a SYN-ACK (one segment, no socket yet). */
static __always_inline int on_retransmit(void *ctx, const struct sock *sk, const struct tcp_flow *fl,
					 const struct sk_buff *skb, int err)
{
	__u64 key = (__u64)sk;
	struct tcp_flow flow = *fl;
	struct owner *o;
	__u32 segs, state;

	if (!flow_wanted(&flow))
		return 0;
	o = bpf_map_lookup_elem(&owners, &key);
	if (filter_owner && (!o || !o->wanted)) {
		/* A socket nobody was seen using since we started (it last
		 * sent before, or its owner's record could not be stored):
		 * it may belong to a wanted process, so it is counted. */
		if (!o)
			count_event(SRE_CNT_UNOWNED);
		return 0;
	}
	segs = skb ? skb_segs(skb) : 1;
	state = skb ? BPF_CORE_READ(sk, __sk_common.skc_state) : TCP_SYN_RECV;
	count_event(SRE_CNT_EVENTS);

	if (aggregate) {
		struct tcpretrans_flow_stats *st, zero = {};
		const struct tcp_sock *tp = (const struct tcp_sock *)sk;

		st = bpf_map_lookup_elem(&flows, &flow);
		if (!st) {
			bpf_map_update_elem(&flows, &flow, &zero, BPF_NOEXIST);
			st = bpf_map_lookup_elem(&flows, &flow);
			if (!st) {
				count_event(SRE_CNT_MISSED);
				return 0;
			}
		}
		/* Since 6.10 the tracepoint also fires for attempts that
		 * failed (host queue busy, no memory, no route): nothing was
		 * sent, and the kernel's TcpRetransSegs leaves most out. */
		if (err) {
			__sync_fetch_and_add(&st->failed, 1);
		} else {
			__sync_fetch_and_add(&st->retrans_segs, segs);
			__sync_fetch_and_add(&st->events, 1);
		}
		if (skb) { /* a listener's counters are not the connection's */
			st->segs_out = BPF_CORE_READ(tp, segs_out);
			st->total_retrans = BPF_CORE_READ(tp, total_retrans);
		}
		st->state = state;
		if (o) {
			st->pid = o->pid;
			__builtin_memcpy(st->comm, o->comm, sizeof(st->comm));
		}
		return 0;
	}

	struct tcpretrans_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_event(SRE_CNT_DROPS);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->flow = flow;
	e->segs = segs;
	e->err = err;
	e->state = state;
	e->kstack = with_stack ? current_kernel_stack(ctx) : 0;
	if (o) {
		e->pid = o->pid;
		__builtin_memcpy(e->comm, o->comm, sizeof(e->comm));
	} else {
		e->pid = 0;
		e->comm[0] = 0;
	}
	submit_event(&events, e);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit_btf, const struct sock *sk, const struct sk_buff *skb)
{
	struct tcp_flow flow = {};

	read_flow(&sk->__sk_common, &flow);
	return on_retransmit(ctx, sk, &flow, skb, has_err_arg ? (int)ctx[2] : 0);
}

/* The kernel counts a SYN-ACK sent again in TcpRetransSegs too: the
 * client's handshake ACK lost, or dropped because the accept queue was
 * full (a server not calling accept() fast enough). */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack_btf, const struct sock *listener, const struct request_sock *req)
{
	struct tcp_flow flow = {};

	read_flow(&req->__req_common, &flow);
	return on_retransmit(ctx, listener, &flow, NULL, 0);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sock_state_btf, const struct sock *sk, int oldstate, int newstate)
{
	return on_state(sk, newstate);
}

/* Sends and receives run in the socket user's context (accepted sockets
 * get their owner here). Absent before 6.3; userspace skips them there. */
SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send_btf, struct sock *sk)
{
	record_owner(sk, false);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv_btf, struct sock *sk)
{
	record_owner(sk, false);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
