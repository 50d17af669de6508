#!/usr/bin/env bats
# tcpretrans end to end: loss made by an nftables rule inside a network
# namespace of the test's own; the namespace's TcpRetransSegs counter is
# the ground truth.

load helpers
bats_require_minimum_version 1.5.0

XFER=$ROOT/build/workload/tcpxfer

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v nft >/dev/null || skip "nft not installed"
	NS=sretrace-test-$$
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" nft add table inet loss
	ip netns exec "$NS" nft add chain inet loss in '{ type filter hook input priority 0; }'
	# Drop ~20% of data packets, never the handshake.
	for port in 5555 6666; do
		ip netns exec "$NS" nft add rule inet loss in tcp dport $port meta length '>' 200 numgen random mod 10 '<' 2 drop
	done
	ip netns exec "$NS" nstat -n >/dev/null
}

teardown() {
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null || true
}

# The namespace's counters, as "RetransSegs LossProbes RetransFail".
kernel_counts() {
	ip netns exec "$NS" nstat -az TcpRetransSegs TcpExtTCPLossProbes TcpExtTCPRetransFail |
		awk '{ v[$1] = $2 } END { print v["TcpRetransSegs"] + 0, v["TcpExtTCPLossProbes"] + 0, v["TcpExtTCPRetransFail"] + 0 }'
}
# Segments of retransmits that went out (err 0) in $1, against the
# kernel's counters before ($2) and after ($3). TcpRetransSegs also counts
# attempts that failed after being counted (TcpExtTCPRetransFail), which
# sent nothing; tail loss probes are counted by the kernel but, before
# 6.10, not traced. Equal when neither happened.
matches_kernel() {
	local b=($2) a=($3)
	local segs=$((a[0] - b[0])) probes=$((a[1] - b[1])) fails=$((a[2] - b[2]))
	echo "kernel $segs (loss probes $probes, failed $fails), ours $1" >&3
	if [ "$segs" -gt 0 ] && [ "$1" -le $((segs - fails)) ] && [ "$1" -ge $((segs - fails - probes)) ]; then
		return 0
	fi
	# What the tracer said it saw and lost, and its events, for the log.
	printf '%s\n' "${stderr:-}" | grep -E 'tcpretrans|skipped' >&3 || true
	jq -c '{time, pid, sport, dport, state, segs, err}' <<<"${output:-}" >&3 || true
	in_ns nstat -az | awk '$2 > 0 && $1 ~ /Tcp/ { printf "%s=%s ", $1, $2 } END { print "" }' >&3 || true
	return 1
}
# Segments of the events that went out, from tcpretrans -f json.
sent_segs() { jq -s '[.[] | select(.err == 0) | .segs] | add // 0' <<<"$1"; }
in_ns() { ip netns exec "$NS" "$@"; }

@test "tcpretrans: IPv4 segments equal the kernel's TcpRetransSegs (less loss probes), owner is the process" {
	before=$(kernel_counts)
	run --separate-stderr in_ns "$SRE" tcpretrans -f json -- "$XFER" 127.0.0.1 5555 4000000
	[ "$status" -eq 0 ]
	matches_kernel "$(sent_segs "$output")" "$before" "$(kernel_counts)"
	jq -s -e 'all(.[]; .comm == "tcpxfer" and .saddr == "127.0.0.1" and .daddr == "127.0.0.1" and .dport == 5555 and .pid > 0)' <<<"$output"
}

@test "tcpretrans: IPv6 segments equal the kernel's TcpRetransSegs (less loss probes)" {
	before=$(kernel_counts)
	run --separate-stderr in_ns "$SRE" tcpretrans -6 -f json -- "$XFER" ::1 5555 4000000
	[ "$status" -eq 0 ]
	matches_kernel "$(sent_segs "$output")" "$before" "$(kernel_counts)"
	jq -s -e 'all(.[]; .saddr == "::1" and .daddr == "::1")' <<<"$output"
}

@test "tcpretrans: SYN-ACKs sent again (handshakes never completed) count as the kernel counts them" {
	# The clients' pure ACKs to 7777 are dropped: each handshake stays
	# half-done and the server sends its SYN-ACK again at 1 s and 3 s.
	in_ns nft add rule inet loss in tcp dport 7777 'tcp flags & (syn | ack) == ack' drop
	before=$(kernel_counts)
	run --separate-stderr in_ns "$SRE" tcpretrans -f json -- "$ROOT/build/workload/halfopen" 7777 3 3.5
	[ "$status" -eq 0 ]
	matches_kernel "$(sent_segs "$output")" "$before" "$(kernel_counts)"
	synacks=$(jq -s '[.[] | select(.state == "SYN_RECV" and .sport == 7777 and .comm == "halfopen")] | length' <<<"$output")
	[ "$synacks" -ge 3 ]
	[ "$synacks" -eq "$(jq -s 'length' <<<"$output")" ]
}

@test "tcpretrans -A: per-flow totals equal the events' totals and the kernel's" {
	# ip netns exec execs the tracer itself, so $! is the tracer's pid.
	ip netns exec "$NS" "$SRE" tcpretrans -A -f json >"$BATS_TEST_TMPDIR/flows" 2>/dev/null & agg=$!
	wait_attached $agg
	before=$(kernel_counts)
	run --separate-stderr in_ns "$SRE" tcpretrans -f json -- "$XFER" 127.0.0.1 5555 4000000
	after=$(kernel_counts)
	kill -INT $agg; wait $agg
	events=$(sent_segs "$output")
	flows=$(jq -s '[.[].retrans_segs] | add' "$BATS_TEST_TMPDIR/flows")
	matches_kernel "$events" "$before" "$after"
	[ "$flows" -eq "$events" ]
	[ "$(jq -s '[.[].failed] | add' "$BATS_TEST_TMPDIR/flows")" -eq "$(jq -s '[.[] | select(.err != 0)] | length' <<<"$output")" ]
	jq -s -e 'all(.[]; .segs_out > 0 and .rate > 0 and .rate < 1)' "$BATS_TEST_TMPDIR/flows"
}

@test "tcpretrans: --port, --raddr, -4 and -p exclude other flows" {
	in_ns "$XFER" 127.0.0.1 6666 20000000 & other=$!
	run --separate-stderr in_ns "$SRE" tcpretrans --port 5555 -f json -- "$XFER" 127.0.0.1 5555 3000000
	wait $other
	[ "$(jq -s 'length' <<<"$output")" -gt 0 ]
	[ "$(jq -s '[.[] | select(.dport != 5555 and .sport != 5555)] | length' <<<"$output")" -eq 0 ]
	run --separate-stderr in_ns "$SRE" tcpretrans -4 --raddr ::1 1
	[ "$status" -eq 2 ]
	in_ns "$XFER" ::1 6666 20000000 & other=$!
	run --separate-stderr in_ns "$SRE" tcpretrans -4 -f json -- "$XFER" 127.0.0.1 5555 3000000
	wait $other
	[ "$(jq -s '[.[] | select(.saddr != "127.0.0.1")] | length' <<<"$output")" -eq 0 ]
	[ "$(jq -s 'length' <<<"$output")" -gt 0 ]
}

@test "tcpretrans --stack: kernel stacks of retransmits" {
	run --separate-stderr in_ns "$SRE" tcpretrans --stack -f json -- "$XFER" 127.0.0.1 5555 3000000
	[ "$status" -eq 0 ]
	jq -s -e 'length > 0 and all(.[]; (.stack | length) > 0 and (.stack | index("tcp_retransmit_skb") != null or any(.[]; test("retransmit"))))' <<<"$output"
}

@test "tcpretrans: works without tracefs; nothing left attached" {
	run unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null
		ip netns exec '$NS' '$SRE' tcpretrans -f json -- '$XFER' 127.0.0.1 5555 2000000 2>/dev/null"
	[ "$status" -eq 0 ]
	"$SRE" tcpretrans >/dev/null 2>&1 & p=$!
	wait_attached $p
	kill -TERM $p; wait $p || true
	for _ in $(seq 20); do [ "$(progs_named '(retransmit|sock_state)_')" -eq 0 ] && break; sleep 0.05; done
	[ "$(progs_named '(retransmit|sock_state)_')" -eq 0 ]
}
