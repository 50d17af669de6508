# Shared by the bats files: paths and small assertions.

# Tracing needs root; without it a test is skipped, not failed.
require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
# SRE_BIN: run the suite against another build (make asan-test).
SRE=${SRE_BIN:-$ROOT/build/sretrace}
WL=$ROOT/build/workload/syscalls

# Number of loaded BPF programs whose name is one of ours for syslat.
syslat_progs() {
	bpftool prog list 2>/dev/null | grep -cE 'name (sys_enter|sys_exit|follow_fork|follow_exit)_(btf|raw) ' || true
}

# The value of field $2 in the JSON row for syscall $1, from $output.
row_field() {
	jq -s -r --arg s "$1" --arg f "$2" '[.[].rows[] | select(.syscall == $s) | .[$f]] | add // 0' <<<"$output"
}

# Waits until the tracer with pid $1 holds BPF links (it has attached), so
# a signal cannot race its start-up.
wait_attached() {
	local n=0 prev=-1
	# Until the tool holds links and their number has stopped growing:
	# programs attach one after another, and the first link is not the last.
	for _ in $(seq 200); do
		n=$(ls -l /proc/"$1"/fd 2>/dev/null | grep -c 'bpf_link' || true)
		[ "$n" -gt 0 ] && [ "$n" -eq "$prev" ] && return 0
		prev=$n
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

BLOCKER=$ROOT/build/workload/blocker

# Loaded BPF programs with the given name prefix.
progs_named() {
	bpftool prog list 2>/dev/null | grep -cE "name $1" || true
}

# Sum of folded values (last field) over lines of $output matching $1.
folded_sum() {
	grep -E -- "$1" <<<"$output" | awk '{ s += $NF } END { print s + 0 }'
}

# Blocks offcpu reported lost because their end never reached it (its
# stderr line "N blocks lost: their end ..."); 0 when none.
unended_blocks() {
	sed -nE 's/^offcpu: ([0-9]+) blocks lost: their end.*/\1/p' <<<"$1" | head -1 | grep . || echo 0
}

# The most time those blocks can have lasted, in us (the same line's "at
# most X ms in all"); 0 when none.
unended_max_us() {
	sed -nE 's/^offcpu: [0-9]+ blocks lost: their end.*at most ([0-9.]+) ms in all.*/\1/p' <<<"$1" |
		awk '{ printf "%d\n", $1 * 1000 + 0.5; found = 1 } END { if (!found) print 0 }'
}

# A side of nofp twins: offcpu's $1 us against the workload's $2 us, 3%
# either way; below, also short by at most $3 us that offcpu counted as
# lost or left without a full stack.
twins_side_ok() {
	awk -v g="$1" -v w="$2" -v x="$3" 'BEGIN { exit !(g <= w * 1.03 && g + x >= w * 0.97) }'
}

# within_pct for an offcpu total of blocks $4 long (same unit as $1): a
# block offcpu counted as unended (its end never reached it; this host's
# kernel loses 2-3 in 100 runs of ten) may be one of them, or another.
offcpu_within_pct() {
	local u
	u=$(unended_blocks "$stderr")
	[ "$u" -le 1 ] || return 1
	within_pct "$1" "$2" "$3" || within_pct "$(($1 + u * $4))" "$2" "$3"
}

# |got - want| <= pct% of want
within_pct() {
	awk -v g="$1" -v w="$2" -v p="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'
}

# Helpers no program of ours may call (docs/SECURITY.md).
FORBIDDEN='bpf_probe_write_user|bpf_send_signal|bpf_send_signal_thread|bpf_override_return|bpf_sys_bpf|bpf_sys_close'

# Helpers called by the programs the tracer with pid $1 holds.
helpers_of() {
	for fd in /proc/"$1"/fdinfo/*; do
		awk '/^prog_id:/ { print $2 }' "$fd" 2>/dev/null
	done | sort -u | while read -r id; do
		bpftool prog dump xlated id "$id" 2>/dev/null | grep -o 'call [a-z_0-9]*' | awk '{ print $2 }'
	done | sort -u
}

# Waits until tracer $1 holds a link to tracepoint $2 (e.g. sched_switch):
# wait_attached's "link count stopped growing" can return between two
# slow attaches (sanitizer builds on a busy host).
wait_linked() {
	local fd id
	for _ in $(seq 200); do
		for fd in /proc/"$1"/fdinfo/*; do
			id=$(awk '/^link_id:/ { print $2 }' "$fd" 2>/dev/null)
			[ -n "$id" ] && bpftool link show id "$id" 2>/dev/null | grep -q "'$2'" && return 0
		done
		sleep 0.05
	done
	return 1
}
