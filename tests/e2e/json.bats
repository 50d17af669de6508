#!/usr/bin/env bats
# -f json everywhere: every line of every tool's JSON output parses on its
# own (JSON Lines), carries the fields docs/json.md lists, and survives a
# hostile comm (quote, backslash, control and non-ASCII bytes).

load helpers
bats_require_minimum_version 1.5.0

BURNER=$ROOT/build/workload/burner
XFER=$ROOT/build/workload/tcpxfer
NASTY=$'q"b\\s\x01\xc3\xa9\xc3'

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
	true
}

# Every non-empty line of $output is a JSON object having each key in "$@".
json_lines_have() {
	local n=0 line
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		for k in "$@"; do
			jq -e --arg k "$k" 'type == "object" and has($k)' <<<"$line" >/dev/null ||
				{ echo "line $n lacks $k or is not JSON: $line" >&3; return 1; }
		done
	done <<<"$output"
	[ "$n" -gt 0 ]
	# Strictly valid UTF-8 (jq alone is lenient about it).
	iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null
}

@test "json: syslat aggregate and -P, with a hostile comm" {
	run --separate-stderr "$SRE" syslat -P -f json -- "$WL" -n "$NASTY" -g 10
	[ "$status" -eq 0 ]
	json_lines_have tool time interval_s events drops missed rows
	jq -e '[.rows[] | has("syscall") and has("pid") and has("comm") and has("p99_ns") and has("hist")] | all' <<<"$output"
	# The name comes back as stored: control bytes escaped, valid UTF-8 (é) kept, a stray byte as \u00c3.
	jq -e '[.rows[].comm | select(. == "q\"b\\s\u0001é\u00c3")] | length > 0' <<<"$output"
}

@test "json: syslat event mode, one object per call" {
	run --separate-stderr "$SRE" syslat -L 0 -s close -f json -- "$WL" -f 7
	[ "$status" -eq 0 ]
	json_lines_have time pid tid comm syscall lat_ns ret
	[ "$(jq -s '[.[] | select(.errno == "EBADF")] | length' <<<"$output")" -eq 7 ]
}

@test "json: biolat aggregate (-D -O -Q -S -P) and event mode" {
	truncate -s 16M "$T/img"
	LOOP=$(losetup -f --show "$T/img") || skip "no loop device"
	run --separate-stderr "$SRE" biolat -D -O -Q -S -P -f json -- dd if=/dev/zero of="$LOOP" bs=4k count=10 oflag=direct
	[ "$status" -eq 0 ]
	json_lines_have tool time interval_s events drops missed rows
	jq -e '[.rows[] | has("disk") and has("op") and has("pid") and has("queue") and has("device") and has("size_hist")] | all' <<<"$output"
	run --separate-stderr "$SRE" biolat -L 0 -f json -- dd if=/dev/zero of="$LOOP" bs=4k count=5 oflag=direct
	[ "$status" -eq 0 ]
	json_lines_have time pid comm disk op sector bytes queue_ns device_ns total_ns error
}

@test "json: tcpretrans events and -A flows" {
	command -v nft >/dev/null || skip "nft not installed"
	NS=sretrace-json-$$
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" nft add table inet loss
	ip netns exec "$NS" nft add chain inet loss in '{ type filter hook input priority 0; }'
	ip netns exec "$NS" nft add rule inet loss in tcp dport 5555 meta length '>' 200 numgen random mod 10 '<' 2 drop
	run --separate-stderr ip netns exec "$NS" "$SRE" tcpretrans -f json -- "$XFER" 127.0.0.1 5555 2000000
	ev=$output
	run --separate-stderr ip netns exec "$NS" "$SRE" tcpretrans -A -f json -- "$XFER" 127.0.0.1 5555 2000000
	ip netns del "$NS"
	[ "$status" -eq 0 ]
	json_lines_have saddr sport daddr dport retrans_segs events failed segs_out total_retrans rate state pid comm
	output=$ev
	json_lines_have time pid comm saddr sport daddr dport state segs err
}

@test "json: offcpu and profile, one object at the end" {
	run --separate-stderr "$SRE" offcpu -f json -- "$BLOCKER" -n "$NASTY" -k 2 -t 20
	[ "$status" -eq 0 ]
	json_lines_have tool total_ns blocks drops missed lost_stacks copy_drops spilled_rows sampled_below_ns stacks
	[ "$(wc -l <<<"$output")" -eq 1 ]
	jq -e '.stacks | all(has("pid") and has("tid") and has("comm") and has("total_ns") and has("kernel") and has("user"))' <<<"$output"
	run --separate-stderr "$SRE" profile -f json -- "$BURNER" 1
	[ "$status" -eq 0 ]
	json_lines_have tool samples samples_taken drops missed lost_stacks copy_drops spilled_rows frequency_hz stacks
}

@test "json: interval reports are one line each" {
	run --separate-stderr "$SRE" syslat -f json 0.3 3
	[ "$status" -eq 0 ]
	[ "$(grep -c . <<<"$output")" -eq 3 ]
	json_lines_have tool rows
	run --separate-stderr "$SRE" biolat -f json 0.3 2
	[ "$(grep -c . <<<"$output")" -eq 2 ]
	json_lines_have tool rows
}
