#!/usr/bin/env bats
# The tools only observe: no loaded program may call a helper that writes
# user memory, sends signals or overrides return values.

load helpers
bats_require_minimum_version 1.5.0

@test "security: no tool loads a program that writes user memory, signals or overrides returns" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	for args in "syslat" "syslat -P" "syslat -L 0" "offcpu" "offcpu --exact" "biolat" "biolat -L 0" \
		    "tcpretrans" "tcpretrans -A --port 1" "profile" "triage -o $BATS_TEST_TMPDIR/t"; do
		# Long enough to outlast dumping every program (triage loads ~20).
		# shellcheck disable=SC2086
		"$SRE" $args -- sleep 30 >/dev/null 2>&1 & p=$!
		wait_attached $p
		calls=$(helpers_of $p)
		kill -INT $p; wait $p || true
		echo "$args: $(echo $calls)" >&3
		# The check must be able to see helpers at all.
		grep -q 'bpf_' <<<"$calls"
		! grep -qE "^($FORBIDDEN)\$" <<<"$calls"
	done
}

@test "security: runs without root, with only the capabilities docs/SECURITY.md lists" {
	[ "$(id -u)" = 0 ] || skip "needs root to drop to capabilities"
	caps=+bpf,+perfmon
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps --ambient-caps=$caps \
		"$SRE" syslat -s getppid -f json -- "$WL" -g 42
	[ "$status" -eq 0 ]
	[ "$(row_field getppid count)" -eq 42 ]
	# Symbols: kallsyms addresses need CAP_SYSLOG, map_files CAP_CHECKPOINT_RESTORE.
	caps=+bpf,+perfmon,+syslog,+checkpoint_restore
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=$caps --ambient-caps=$caps \
		"$SRE" offcpu -f folded -- "$BLOCKER" -k 2 -t 20
	[ "$status" -eq 0 ]
	grep -q 'sretrace_test_block_here;-;.*hrtimer_nanosleep' <<<"$output"
	# And without CAP_BPF it says so in one line.
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+perfmon --ambient-caps=+perfmon \
		"$SRE" syslat 1 1
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
}
