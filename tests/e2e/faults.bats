#!/usr/bin/env bats
# Faults: what happens to the tracer when the world misbehaves.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

@test "fault: the traced process exits mid-run; the tracer reports and exits 0" {
	"$WL" -s 20 -u 50000 & p=$!
	run --separate-stderr "$SRE" syslat -p "$p" -s nanosleep -f json 3 1
	[ "$status" -eq 0 ]
	# The process slept 20 x 50 ms (1 s) and exited; all its sleeps were seen.
	[ "$(row_field nanosleep count)" -ge 15 ]
	[ "$(row_field nanosleep count)" -le 20 ]
}

@test "fault: ring buffer overflow is counted and shown, and nothing else is lost" {
	# 3 million events into a reader that stalls for 2 s: the pipe fills,
	# the tracer blocks writing, the 1 MiB ring buffer overflows.
	bash -c "'$SRE' syslat -L 0 -s getppid -- '$WL' -g 3000000 2>'$BATS_TEST_TMPDIR/err' |
		(sleep 2; grep -c ' getppid ') >'$BATS_TEST_TMPDIR/printed'"
	cat "$BATS_TEST_TMPDIR/err" >&3
	traced=$(sed -n 's/.*: \([0-9]*\) calls traced.*/\1/p' "$BATS_TEST_TMPDIR/err")
	dropped=$(sed -n 's/.*, \([0-9]*\) events dropped.*/\1/p' "$BATS_TEST_TMPDIR/err")
	printed=$(cat "$BATS_TEST_TMPDIR/printed")
	echo "traced $traced printed $printed dropped $dropped" >&3
	[ "$traced" -eq 3000000 ]
	[ "$dropped" -gt 0 ]
	[ $((printed + dropped)) -eq 3000000 ]
}

@test "fault: disk full on -o gives a clear error and leaves no file" {
	d=$(mktemp -d)
	mount -t tmpfs -o size=64k tmpfs "$d"
	run --separate-stderr "$SRE" syslat -L 0 -o "$d/out" -- "$WL" -g 200000
	ls -la "$d" >&3
	files=$(ls -A "$d" | wc -l)
	umount "$d"; rmdir "$d"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"No space left on device"* ]]
	[ "$files" -eq 0 ]
}

@test "fault: SIGKILL mid-run leaves nothing attached, for every tool" {
	for tool in syslat offcpu biolat tcpretrans profile; do
		"$SRE" $tool >/dev/null 2>&1 & p=$!
		wait_attached $p
		kill -KILL $p; wait $p || true
	done
	for _ in $(seq 20); do
		[ "$(bpftool prog list | grep -cE 'name (sys_e|offcpu_|procs_|rq_|retransmit_|sock_|profile_)')" -eq 0 ] && break
		sleep 0.1
	done
	[ "$(bpftool prog list | grep -cE 'name (sys_e|offcpu_|procs_|rq_|retransmit_|sock_|profile_)')" -eq 0 ]
}

@test "fault: PID reuse: each process's stacks keep their own symbols" {
	out=$BATS_TEST_TMPDIR/out
	"$SRE" offcpu -f folded 6 >"$out" 2>/dev/null & t=$!
	wait_attached $t
	reused=
	for _ in 1 2 3 4 5; do
		"$BLOCKER" -n sre_reuse_a -k 3 -t 20 & a=$!
		wait $a
		# The next fork gets pid a again (the kernel counts from ns_last_pid + 1).
		echo $((a - 1)) > /proc/sys/kernel/ns_last_pid
		"$WL" -n sre_reuse_b -s 3 -u 20000 & b=$!
		wait $b
		[ "$b" -eq "$a" ] && { reused=$a; break; }
	done
	wait $t
	[ -n "$reused" ] || skip "could not get a pid reused (busy host)"
	echo "pid $reused reused" >&3
	grep -E "^sre_reuse_a;" "$out" >&3
	grep -E "^sre_reuse_b;" "$out" >&3
	# The first process is symbolized with its own binary, the second with its own.
	grep -qE '^sre_reuse_a;.*sretrace_test_block_here;-;' "$out"
	grep -qE '^sre_reuse_b;.*syscall;-;' "$out"
	! grep -E '^sre_reuse_b;.*sretrace_test_block_here' "$out"
	! grep -E '^sre_reuse_a;.*\[unknown\]' "$out"
}
