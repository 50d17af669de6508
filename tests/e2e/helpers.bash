# Shared by the bats files: paths and small assertions.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
SRE=$ROOT/build/sretrace
WL=$ROOT/build/workload/syscalls

# Number of loaded BPF programs whose name is one of ours for syslat.
syslat_progs() {
	bpftool prog list 2>/dev/null | grep -cE 'name (sys_enter|sys_exit|follow_fork|follow_exit)_(btf|raw) ' || true
}

# The value of field $2 in the JSON row for syscall $1, from $output.
row_field() {
	jq -s -r --arg s "$1" --arg f "$2" '[.[].rows[] | select(.syscall == $s) | .[$f]] | add // 0' <<<"$output"
}

# Waits until a started tracer has attached (its programs are loaded).
wait_attached() {
	for _ in $(seq 100); do
		[ "$(syslat_progs)" -gt 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# True when none of syslat's programs is loaded within $1 seconds
# (programs are freed after an RCU grace period, not instantly).
gone_within() {
	for _ in $(seq $(($1 * 20))); do
		[ "$(syslat_progs)" -eq 0 ] && return 0
		sleep 0.05
	done
	return 1
}
