#!/usr/bin/env bats
# --slo gates on syslat and biolat: PASS/FAIL lines with the measured
# percentile, exit 0 when all pass, 1 when any fails, 2 when malformed.
# Ground truth: sleeps of a known length; writes to a loop device.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null
	true
}

@test "slo: syslat passes a limit above known 10 ms sleeps and fails one below" {
	run --separate-stderr "$SRE" syslat --slo 'syscall:nanosleep:p50<40ms' --slo 'syscall:nanosleep:p99<1s' \
		-- "$WL" -s 20 -u 10000
	echo "$stderr" >&3
	[ "$status" -eq 0 ]
	[ "$(grep -c 'SLO PASS' <<<"$stderr")" -eq 2 ]
	grep -qE 'p50 = (9\.|1[0-2]\.)[0-9]+ ms .*20 calls' <<<"$stderr"
	run --separate-stderr "$SRE" syslat --slo 'syscall:nanosleep:p99<1s' --slo 'syscall:nanosleep:p50<5ms' \
		-- "$WL" -s 20 -u 10000
	[ "$status" -eq 1 ]
	grep -q 'SLO PASS syscall:nanosleep:p99<1s' <<<"$stderr"
	grep -q 'SLO FAIL syscall:nanosleep:p50<5ms: p50 = ' <<<"$stderr"
	# The report itself is unchanged on stdout.
	grep -q nanosleep <<<"$output"
}

@test "slo: an SLO that saw no calls fails (a gate that saw nothing proved nothing)" {
	run --separate-stderr "$SRE" syslat --slo 'syscall:fsync:p99<10ms' -- "$WL" -g 5
	[ "$status" -eq 1 ]
	grep -q 'SLO FAIL syscall:fsync:p99<10ms: no data (0 calls seen)' <<<"$stderr"
}

@test "slo: biolat on a loop device: write p99 under 1 s passes, under 1 ns fails, reads never done fail" {
	truncate -s 32M "$T/img"
	LOOP=$(losetup -f --show "$T/img") || skip "no loop device"
	d=$(basename "$LOOP")
	r0=$(awk '{ print $1 }' "/sys/block/$d/stat")
	run --separate-stderr "$SRE" biolat --slo "disk:$d:write:p99<1s" -- dd if=/dev/zero of="$LOOP" bs=4k count=50 oflag=direct
	echo "$stderr" >&3
	[ "$status" -eq 0 ]
	grep -qE "SLO PASS disk:$d:write:p99<1s: p99 = .* \\((limit 1.000 s), (5[0-9]|[6-9][0-9]) requests\\)" <<<"$stderr"
	# --slo with a disk implies -D: the report has a row per disk.
	grep -q "$d" <<<"$output"
	run --separate-stderr "$SRE" biolat --slo "disk:$d:write:p99<1ns" --slo "disk:$d:read:p99<1s" \
		-- dd if=/dev/zero of="$LOOP" bs=4k count=20 oflag=direct
	[ "$status" -eq 1 ]
	grep -q "SLO FAIL disk:$d:write:p99<1ns" <<<"$stderr"
	# The kernel agrees no reads were issued to it.
	[ "$(awk '{ print $1 }' "/sys/block/$d/stat")" -eq "$r0" ]
	grep -q "SLO FAIL disk:$d:read:p99<1s: no data (0 requests seen)" <<<"$stderr"
	run --separate-stderr "$SRE" biolat --slo 'disk:*:p99<1s' -- dd if=/dev/zero of="$LOOP" bs=4k count=10 oflag=direct
	[ "$status" -eq 0 ]
}

@test "slo: malformed expressions exit 2 with one line" {
	for e in 'syscall:read:p99<' 'syscall:read:p101<1ms' 'syscall:read:p0<1ms' 'syscall:nope:p99<1ms' \
		 'syscall:read:p99<10xs' 'syscall:read:q99<1ms' 'syscall:read:p99<-1ms' 'syscall:read:write:p99<1ms' \
		 'disk:vda:p99<1ms' 'cpu:x:p99<1ms' 'syscall::p99<1ms' 'syscall:read' ''; do
		run --separate-stderr "$SRE" syslat --slo "$e" 1
		[ "$status" -eq 2 ] || { echo "syslat '$e': $status" >&3; false; }
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	for e in 'disk:nosuchdisk:p99<1ms' 'disk:vda:append:p99<1ms' 'syscall:read:p99<1ms' 'disk:vda:write:p99<0ms'; do
		run --separate-stderr "$SRE" biolat --slo "$e" 1
		[ "$status" -eq 2 ] || { echo "biolat '$e': $status" >&3; false; }
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	run --separate-stderr "$SRE" syslat -s read --slo 'syscall:write:p99<1ms' 1
	[ "$status" -eq 2 ]
	run --separate-stderr "$SRE" syslat -L 1000 --slo 'syscall:write:p99<1ms' 1
	[ "$status" -eq 2 ]
}
