#!/usr/bin/env bats
# profile end to end, against a workload that burns a known CPU time in a
# function with a distinctive name.

load helpers
bats_require_minimum_version 1.5.0

BURNER=$ROOT/build/workload/burner

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

@test "profile: 2 s of burn at 99 Hz is 198 samples within 10%" {
	run --separate-stderr "$SRE" profile -f folded -- "$BURNER" 2
	[ "$status" -eq 0 ]
	got=$(folded_sum 'main;sretrace_test_burn_here')
	echo "samples $got (want 198)" >&3
	within_pct "$got" 198 10
	grep -qE '^burner;.*main;sretrace_test_burn_here' <<<"$output"
}

@test "profile -F and json: sample count follows the frequency" {
	run --separate-stderr "$SRE" profile -F 499 -f json -- "$BURNER" 1
	[ "$status" -eq 0 ]
	got=$(jq '[.stacks[] | select(.user | index("sretrace_test_burn_here")) | .samples] | add' <<<"$output")
	within_pct "$got" 499 10
	[ "$(jq .frequency_hz <<<"$output")" -eq 499 ]
}

@test "profile -p and -c: only the chosen process; idle excluded unless -I" {
	"$BURNER" 3 & a=$!
	run --separate-stderr "$SRE" profile -p "$a" -f json 1
	wait $a
	[ "$(jq --argjson p "$a" '[.stacks[] | select(.pid != $p)] | length' <<<"$output")" -eq 0 ]
	[ "$(jq '[.stacks[].samples] | add' <<<"$output")" -gt 50 ]
	run --separate-stderr "$SRE" profile -f json 1
	[ "$(jq '[.stacks[] | select(.pid == 0)] | length' <<<"$output")" -eq 0 ]
	# -I: idle samples exist exactly when the CPUs were idle (the kernel's
	# idle jiffies in /proc/stat say whether they were).
	idle0=$(awk '/^cpu / { print $5 }' /proc/stat)
	run --separate-stderr "$SRE" profile -I -f json 1
	idle1=$(awk '/^cpu / { print $5 }' /proc/stat)
	if [ $((idle1 - idle0)) -gt 20 ]; then
		[ "$(jq '[.stacks[] | select(.pid == 0)] | length' <<<"$output")" -gt 0 ]
	fi
}

@test "profile --cpu: samples only from the listed CPU" {
	# Two burners pinned to different CPUs; only CPU 0 is sampled.
	taskset -c 0 "$BURNER" 2 & a=$!
	taskset -c 1 "$BURNER" 2 & b=$!
	run --separate-stderr "$SRE" profile --cpu 0 -f json 1
	wait $a $b
	[ "$(jq --argjson p "$a" '[.stacks[] | select(.pid == $p) | .samples] | add // 0' <<<"$output")" -gt 50 ]
	[ "$(jq --argjson p "$b" '[.stacks[] | select(.pid == $p) | .samples] | add // 0' <<<"$output")" -eq 0 ]
}

@test "profile: a missing hardware event fails clearly" {
	if perf_hw=$(perf stat -e cycles true 2>&1) && ! grep -q 'not supported' <<<"$perf_hw"; then
		skip "this machine has hardware counters"
	fi
	run --separate-stderr "$SRE" profile --event cycles 1
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"not available"* ]]
}

@test "profile -U and -K shapes" {
	run --separate-stderr "$SRE" profile -U -f folded -- "$BURNER" 1
	grep -q sretrace_test_burn_here <<<"$output"
	! grep -q ';-;' <<<"$output"
	run --separate-stderr "$SRE" profile -K -f folded -- "$BURNER" 1
	! grep -q sretrace_test <<<"$output"
}

@test "profile: works without tracefs; nothing left attached" {
	run unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null
		'$SRE' profile -f folded -- '$BURNER' 1 2>/dev/null"
	[ "$status" -eq 0 ]
	grep -q sretrace_test_burn_here <<<"$output"
	"$SRE" profile >/dev/null 2>&1 & p=$!
	wait_attached $p
	kill -INT $p; wait $p || true
	for _ in $(seq 20); do [ "$(progs_named profile_sample)" -eq 0 ] && break; sleep 0.05; done
	[ "$(progs_named profile_sample)" -eq 0 ]
}
