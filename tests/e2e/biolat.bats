#!/usr/bin/env bats
# biolat end to end, against loop devices whose /sys/block/loopN/stat
# counters are the ground truth.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	export IMG_DIR=$(mktemp -d)
	truncate -s 64M "$IMG_DIR/a.img" "$IMG_DIR/b.img"
	export LOOP_A=$(losetup -f --show "$IMG_DIR/a.img" 2>/dev/null)
	export LOOP_B=$(losetup -f --show "$IMG_DIR/b.img" 2>/dev/null)
	[ -n "$LOOP_A" ] && [ -n "$LOOP_B" ] || return 0
	# mq-deadline: requests go through the scheduler, so inserts fire.
	for l in "$LOOP_A" "$LOOP_B"; do
		echo mq-deadline > "/sys/block/$(basename "$l")/queue/scheduler"
	done
	command -v udevadm >/dev/null && udevadm settle 2>/dev/null || sleep 0.5
}

teardown_file() {
	[ -n "${LOOP_A:-}" ] && losetup -d "$LOOP_A"
	[ -n "${LOOP_B:-}" ] && losetup -d "$LOOP_B"
	rm -rf "${IMG_DIR:-/nonexistent}"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -n "$LOOP_A" ] && [ -n "$LOOP_B" ] || skip "no loop devices (losetup failed)"
	A=$(basename "$LOOP_A")
	B=$(basename "$LOOP_B")
}

# Field N (1-based) of /sys/block/$1/stat.
stat_field() { awk -v n="$2" '{ print $n }' "/sys/block/$1/stat"; }

# Starts biolat with "$@" writing to $BATS_TEST_TMPDIR/out, waits until attached.
start_biolat() {
	"$SRE" biolat "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	BIOLAT_PID=$!
	wait_attached $BIOLAT_PID
}

stop_biolat() {
	kill -INT $BIOLAT_PID
	wait $BIOLAT_PID
	output=$(cat "$BATS_TEST_TMPDIR/out")
}

@test "biolat: per-op counts and bytes equal the kernel's disk counters" {
	start_biolat -d "$A" -D -O -Q -f json
	r0=$(stat_field "$A" 1) s0=$(stat_field "$A" 3) w0=$(stat_field "$A" 5) ws0=$(stat_field "$A" 7)
	dd if="$LOOP_A" of=/dev/null bs=4k count=123 iflag=direct status=none
	dd if=/dev/zero of="$LOOP_A" bs=16k count=37 oflag=direct status=none
	dd if="$LOOP_A" of=/dev/null bs=64k count=11 skip=50 iflag=direct status=none
	r1=$(stat_field "$A" 1) s1=$(stat_field "$A" 3) w1=$(stat_field "$A" 5) ws1=$(stat_field "$A" 7)
	stop_biolat
	echo "reads $((r1 - r0)) writes $((w1 - w0))" >&3
	[ "$(jq '[.rows[] | select(.op == "read") | .count] | add' <<<"$output")" -eq $((r1 - r0)) ]
	[ "$(jq '[.rows[] | select(.op == "read") | .bytes] | add' <<<"$output")" -eq $(((s1 - s0) * 512)) ]
	[ "$(jq '[.rows[] | select(.op == "write") | .count] | add' <<<"$output")" -eq $((w1 - w0)) ]
	[ "$(jq '[.rows[] | select(.op == "write") | .bytes] | add' <<<"$output")" -eq $(((ws1 - ws0) * 512)) ]
	[ $((r1 - r0)) -ge 134 ] && [ $((w1 - w0)) -ge 37 ]
	# Queue and device parts describe the same requests.
	jq -e '.rows[] | select(.queue.count == .count and .device.count == .count and .disk == "'"$A"'")' <<<"$output" >/dev/null
	# Every row: percentiles ordered, histogram adds up.
	jq -e '[.rows[] | (.p50_ns <= .p95_ns and .p95_ns <= .p99_ns and .p99_ns <= .max_ns and ([.hist[].count] | add) == .count)] | all' <<<"$output"
}

# Reads, writes, discards, flushes: fields 1, 5, 12, 16 of the stat file.
op_counts() { awk '{ print $1, $5, $12, $16 }' "/sys/block/$1/stat"; }

# Per-op request counts from biolat's JSON in $output, in op_counts' order.
biolat_counts() {
	for op in read write discard flush; do
		jq "[.rows[] | select(.op == \"$op\") | .count] | add // 0" <<<"$output"
	done | tr '\n' ' ' | sed 's/ $//'
}

@test "biolat: O_DSYNC writes count as the kernel counts them (empty preflush writes, flushes), host-wide and -- COMMAND" {
	# Each O_DSYNC write is a data write, then an empty write asking for
	# a cache flush, which the block layer sends as a flush request: the
	# kernel counts two writes and one flush. The flush is issued from a
	# kernel worker, the empty write never reaches the driver.
	start_biolat -d "$A" -D -O -f json
	k0=$(op_counts "$A")
	dd if=/dev/zero of="$LOOP_A" bs=4k count=100 oflag=dsync status=none
	k1=$(op_counts "$A")
	stop_biolat
	read -r r0 w0 d0 f0 <<<"$k0"
	read -r r1 w1 d1 f1 <<<"$k1"
	want="$((r1 - r0)) $((w1 - w0)) $((d1 - d0)) $((f1 - f0))"
	echo "host: kernel $want, biolat $(biolat_counts)" >&3
	[ "$(biolat_counts)" = "$want" ]
	[ $((w1 - w0)) -ge 200 ] && [ $((f1 - f0)) -ge 100 ]
	# The empty writes are marked: the data writes are the others.
	[ "$(jq '[.rows[] | select(.op == "write" and (.preflush | not)) | .count] | add' <<<"$output")" -eq 100 ]
	# Traced as a command: its flushes are its own, though a worker sends them.
	k0=$(op_counts "$A")
	run --separate-stderr "$SRE" biolat -d "$A" -D -O -P -f json -- dd if=/dev/zero of="$LOOP_A" bs=4k count=100 oflag=dsync status=none
	k1=$(op_counts "$A")
	[ "$status" -eq 0 ]
	read -r r0 w0 d0 f0 <<<"$k0"
	read -r r1 w1 d1 f1 <<<"$k1"
	want="$((r1 - r0)) $((w1 - w0)) $((d1 - d0)) $((f1 - f0))"
	echo "-- dd: kernel $want, biolat $(biolat_counts)" >&3
	[ "$(biolat_counts)" = "$want" ]
	[ "$(jq -r '[.rows[].comm] | unique | join(",")' <<<"$output")" = dd ]
}

@test "biolat -d: other disks are excluded" {
	start_biolat -d "$A" -D -f json
	a0=$(stat_field "$A" 1)
	dd if="$LOOP_A" of=/dev/null bs=4k count=20 iflag=direct status=none
	dd if="$LOOP_B" of=/dev/null bs=4k count=30 iflag=direct status=none
	a1=$(stat_field "$A" 1)
	stop_biolat
	[ "$(jq '[.rows[] | select(.disk != "'"$A"'")] | length' <<<"$output")" -eq 0 ]
	[ "$(jq '[.rows[] | .count] | add' <<<"$output")" -eq $((a1 - a0)) ]
}

@test "biolat -L 0: one event per request, queue + device = total" {
	start_biolat -d "$B" -L 0 -f json
	b0=$(stat_field "$B" 1)
	dd if="$LOOP_B" of=/dev/null bs=4k count=40 iflag=direct status=none
	b1=$(stat_field "$B" 1)
	stop_biolat
	[ "$(jq -s '[.[] | select(.op == "read")] | length' <<<"$output")" -eq $((b1 - b0)) ]
	jq -s -e 'all(.[]; .queue_ns + .device_ns == .total_ns and .disk == "'"$B"'" and .bytes == 4096)' <<<"$output"
	grep -q 'events dropped' "$BATS_TEST_TMPDIR/err"
}

@test "biolat -P: the issuing process is named" {
	start_biolat -d "$A" -P -f json
	dd if="$LOOP_A" of=/dev/null bs=4k count=10 iflag=direct status=none
	stop_biolat
	[ "$(jq '[.rows[] | select(.comm == "dd") | .count] | add' <<<"$output")" -ge 10 ]
}

@test "biolat: interval reports and text output" {
	run "$SRE" biolat -d "$A" -S 0.3 2
	[ "$status" -eq 0 ]
	[ "$(grep -c 'no block I/O completed\|DISK OP' <<<"$output")" -eq 2 ]
}

@test "biolat: works without tracefs; nothing left attached" {
	run unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null
		'$SRE' biolat -d '$A' -f json -- dd if='$LOOP_A' of=/dev/null bs=4k count=7 iflag=direct status=none"
	[ "$status" -eq 0 ]
	[ "$(jq '[.rows[] | .count] | add' <<<"$output")" -eq 7 ]
	"$SRE" biolat >/dev/null 2>&1 & p=$!
	wait_attached $p
	kill -KILL $p; wait $p || true
	for _ in $(seq 20); do [ "$(progs_named rq_)" -eq 0 ] && break; sleep 0.05; done
	[ "$(progs_named rq_)" -eq 0 ]
}
