#!/usr/bin/env bats
# offcpu end to end, against a workload that blocks a known time in a
# function with a distinctive name.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	T=$BATS_TEST_TMPDIR
}

@test "offcpu: K x T ms of sleep attributed to the blocking function and the kernel sleep path" {
	run --separate-stderr "$SRE" offcpu -f folded -- "$BLOCKER" -k 10 -t 50 -o "$T/truth"
	[ "$status" -eq 0 ]
	got=$(folded_sum 'sretrace_test_outer;sretrace_test_block_here;-;.*__x64_sys_nanosleep;hrtimer_nanosleep')
	echo "got $got us, workload measured $(cat "$T/truth") us off CPU" >&3
	# K x T is a lower bound; the workload's own wall - CPU time is exact
	# (it also counts waiting for a CPU after each wake-up on a busy host).
	[ "$(cat "$T/truth")" -ge 500000 ]
	# A block whose end never reached the tracer (this host's kernel skips
	# the tracepoint when its agent's threads hand over the CPU; 2-3 runs
	# in 100) is counted, not silent: its 50 ms are accounted for.
	offcpu_within_pct "$got" "$(cat "$T/truth")" 3 50000
	# Root first: comm, user frames outer to inner, "-", kernel outer to inner.
	grep -E '^blocker;.*main;sretrace_test_outer;sretrace_test_block_here;-;.*entry_SYSCALL_64.*;hrtimer_nanosleep [0-9]+$' <<<"$output"
}

@test "offcpu: text and json agree with the workload" {
	run --separate-stderr "$SRE" offcpu -f json -- "$BLOCKER" -k 5 -t 40 -o "$T/truth"
	[ "$status" -eq 0 ]
	got=$(jq '[.stacks[] | select(.user | index("sretrace_test_block_here")) | .total_ns] | add' <<<"$output")
	offcpu_within_pct "$got" "$(($(cat "$T/truth") * 1000))" 3 40000000
	n=$(jq '[.stacks[] | select(.user | index("sretrace_test_block_here")) | .count] | add' <<<"$output")
	[ "$n" -le 5 ] && [ $((n + $(unended_blocks "$stderr"))) -ge 5 ]
	run --separate-stderr "$SRE" offcpu -- "$BLOCKER" -k 2 -t 30
	[ "$status" -eq 0 ]
	grep -q 'sretrace_test_block_here' <<<"$output"
	grep -q -- '--' <<<"$output"
}

@test "offcpu: a process that exits before the tracer stops is still symbolized" {
	"$SRE" offcpu -c sre_gone -f folded 3 >"$BATS_TEST_TMPDIR/out" 2>/dev/null & t=$!
	wait_attached $t
	"$BLOCKER" -n sre_gone -k 4 -t 25 -o "$T/truth"
	! pgrep -x sre_gone
	wait $t
	output=$(cat "$BATS_TEST_TMPDIR/out")
	got=$(folded_sum 'sretrace_test_block_here')
	# Failed once in a clean CI run (not reproduced in 6 runs alone): say what came out.
	within_pct "$got" "$(cat "$T/truth")" 3 ||
		{ echo "got $got us, workload $(cat "$T/truth") us" >&3; cut -c1-300 <<<"$output" >&3; false; }
}

@test "offcpu -p and -c: only the chosen process appears" {
	"$BLOCKER" -n sre_want -k 100 -t 50 & a=$!
	"$BLOCKER" -n sre_other -k 100 -t 50 & b=$!
	run --separate-stderr "$SRE" offcpu -p "$a" -f json 1
	[ "$status" -eq 0 ]
	[ "$(jq --argjson p "$a" '[.stacks[] | select(.pid != $p)] | length' <<<"$output")" -eq 0 ]
	[ "$(jq --argjson p "$a" '[.stacks[] | select(.pid == $p)] | length' <<<"$output")" -ge 1 ]
	run --separate-stderr "$SRE" offcpu -c sre_other -f json 1
	kill $a $b 2>/dev/null || true
	wait || true
	[ "$(jq '[.stacks[] | select(.comm != "sre_other")] | length' <<<"$output")" -eq 0 ]
	[ "$(jq '[.stacks[] | select(.comm == "sre_other")] | length' <<<"$output")" -ge 1 ]
}

@test "offcpu --min-block and --max-block select blocks by duration" {
	cmd="$BLOCKER -k 4 -t 20 -o $T/short; $BLOCKER -k 3 -t 60 -o $T/long"
	run --separate-stderr "$SRE" offcpu --min-block 40000 -f folded -- sh -c "$cmd"
	offcpu_within_pct "$(folded_sum sretrace_test_block_here)" "$(cat "$T/long")" 3 60000
	run --separate-stderr "$SRE" offcpu --max-block 40000 -f folded -- sh -c "$cmd"
	offcpu_within_pct "$(folded_sum sretrace_test_block_here)" "$(cat "$T/short")" 3 20000
}

@test "offcpu --state: nanosleep is interruptible, not uninterruptible" {
	run --separate-stderr "$SRE" offcpu --state uninterruptible -f folded -- "$BLOCKER" -k 3 -t 30
	[ "$status" -eq 0 ]
	[ "$(folded_sum sretrace_test_block_here)" -eq 0 ]
	run --separate-stderr "$SRE" offcpu --state interruptible -f folded -- "$BLOCKER" -k 3 -t 30 -o "$T/truth"
	offcpu_within_pct "$(folded_sum sretrace_test_block_here)" "$(cat "$T/truth")" 3 30000
}

@test "offcpu -U and -K shapes; both together is an error" {
	run --separate-stderr "$SRE" offcpu -U -f folded -- "$BLOCKER" -k 2 -t 30
	grep -q sretrace_test_block_here <<<"$output"
	! grep -qE ';-;|nanosleep;|do_syscall_64' <<<"$output"
	run --separate-stderr "$SRE" offcpu -K -f folded -- "$BLOCKER" -k 2 -t 30
	grep -q 'hrtimer_nanosleep' <<<"$output"
	! grep -qE ';-;|sretrace_test' <<<"$output"
	run --separate-stderr "$SRE" offcpu -U -K 1
	[ "$status" -eq 2 ]
}

@test "offcpu: a tiny --stack-storage-size loses stacks and says so" {
	run --separate-stderr "$SRE" offcpu --stack-storage-size 2 --exact -f folded 1
	[ "$status" -eq 0 ]
	[[ "$stderr" =~ ([0-9]+)\ stacks\ lost ]]
	[ "${BASH_REMATCH[1]}" -gt 0 ]
}

@test "offcpu: a storm of short blocks from 256 threads in 16 processes adds up, nothing lost" {
	# 16 processes x 16 threads x 300 sleeps of 100 us, all at once on this
	# host's CPUs. Every state (--state any): the workload's ground truth,
	# wall minus CPU time, also counts being preempted and waiting for a CPU.
	run --separate-stderr "$SRE" offcpu --state any -f json -- sh -c \
		"for i in \$(seq 16); do '$BLOCKER' -n sre_storm -p 16 -k 300 -u 100 -o '$T/truth.'\$i & done; wait"
	[ "$status" -eq 0 ]
	truth=$(cat "$T"/truth.* | awk '{ s += $1 } END { printf "%.0f", s }')
	got=$(jq '[.stacks[] | select(.user | index("sretrace_test_block_here")) | .total_ns] | add // 0' <<<"$output")
	echo "256 threads: truth $((truth / 1000)) ms, offcpu $((got / 1000000)) ms; $(jq -c '{blocks, drops, missed, lost_stacks, copy_drops, spilled_rows}' <<<"$output")" >&3
	[ "$(ls "$T"/truth.* | wc -l)" -eq 16 ]
	[ "$(jq '.drops + .missed + .lost_stacks + .copy_drops' <<<"$output")" -eq 0 ]
	# Sampling's standard error is ~1% at this total (sqrt(1 ms x T)).
	if ! within_pct "$((got / 1000))" "$truth" 5; then
		# Once in CI: 5.6% short, not reproduced in 7 runs; where did it go?
		jq -r '.stacks[] | select((.user | index("sretrace_test_block_here")) | not)
			| select((.user | index("__pthread_clockjoin_ex")) | not)
			| "\(.total_ns / 1000 | floor) us \(.comm) \(.user | join(";")) -- \(.kernel | join(";"))"' <<<"$output" |
			sort -rn | head -12 >&3
		grep -v '^libbpf:' <<<"$stderr" >&3
		return 1
	fi
}

@test "offcpu --rows 1: rows past the full kernel map reach userspace through the ring, nothing lost" {
	# Two callers nap in turn (2 x 100 naps of 2 ms): at least two rows,
	# and the kernel map holds one. --state any: the workload's wall time
	# also holds the times it was preempted around a nap (a CI run: both
	# sides 4% short of it with blocked states only).
	run --separate-stderr "$SRE" offcpu --rows 1 --state any -f json -- "$ROOT/build/workload/nofp" twins 200 2
	[ "$status" -eq 0 ]
	left=$(jq '[.stacks[] | select(.user | index("sretrace_nofp_left")) | .total_ns] | add // 0' <<<"$output")
	right=$(jq '[.stacks[] | select(.user | index("sretrace_nofp_right")) | .total_ns] | add // 0' <<<"$output")
	echo "left $((left / 1000)) us, right $((right / 1000)) us; $(jq -c '{spilled_rows, missed, drops}' <<<"$output")" >&3
	[ "$(jq '.spilled_rows' <<<"$output")" -ge 1 ]
	[ "$(jq '.missed + .drops + .lost_stacks' <<<"$output")" -eq 0 ]
	# Each side against its own measure of its naps (wall less thread CPU
	# time around nanosleep); short by at most the counted lost blocks.
	read -r l_us r_us < <(sed -n 's/^twins //p' <<<"$stderr")
	lost=$(( $(jq '.unended_blocks_max_us' <<<"$output") ))
	echo "workload: left $l_us us, right $r_us us; at most $lost us in lost blocks" >&3
	twins_side_ok "$((left / 1000))" "$l_us" "$lost"
	twins_side_ok "$((right / 1000))" "$r_us" "$lost"
	run --separate-stderr "$SRE" offcpu --rows 0 1
	[ "$status" -eq 2 ]
}

@test "offcpu: works without tracefs, nothing left attached after exit" {
	run unshare -m sh -c "umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug 2>/dev/null;
		'$SRE' offcpu -f folded -- '$BLOCKER' -k 2 -t 30 2>/dev/null"
	[ "$status" -eq 0 ]
	grep -q sretrace_test_block_here <<<"$output"
	for sig in INT KILL; do
		"$SRE" offcpu >/dev/null 2>&1 & p=$!
		wait_attached $p
		kill -$sig $p; wait $p || true
		# Freed after an RCU grace period: up to 3 s on a loaded host.
		for _ in $(seq 60); do [ "$(progs_named offcpu_)" -eq 0 ] && break; sleep 0.05; done
		[ "$(progs_named offcpu_)" -eq 0 ]
	done
}

@test "offcpu: sampled short blocks still add up to the time the workload measured" {
	# 1000 sleeps of 500 us: every block is below the 1 ms sampling threshold.
	# Ground truth is the workload's wall time minus its CPU time; the BPF
	# program's own run at each wake-up (a few us) is charged to the woken
	# thread's CPU time, a bias of ~2% at this block length.
	run --separate-stderr "$SRE" offcpu -f folded -- "$BLOCKER" -k 1000 -u 500 -o "$BATS_TEST_TMPDIR/truth"
	[ "$status" -eq 0 ]
	truth=$(cat "$BATS_TEST_TMPDIR/truth")
	got=$(folded_sum 'sretrace_test_block_here')
	echo "truth $truth us, estimate $got us" >&3
	# Standard error <= sqrt(1 ms * T) (docs/offcpu.md): ~4.3% here; allow ~3.5 sigma.
	within_pct "$got" "$truth" 15
	# --exact walks every block: within 3%.
	run --separate-stderr "$SRE" offcpu --exact -f folded -- "$BLOCKER" -k 300 -u 900 -o "$BATS_TEST_TMPDIR/truth"
	echo "exact: truth $(cat "$BATS_TEST_TMPDIR/truth") us, got $(folded_sum 'sretrace_test_block_here') us" >&3
	within_pct "$(folded_sum 'sretrace_test_block_here')" "$(cat "$BATS_TEST_TMPDIR/truth")" 3
}

@test "offcpu: one user stack, two kernel paths (pipe, socket): each wait under its own kernel stack, reused or walked" {
	# Kernel stacks are reused by user stack, state and innermost kernel
	# frames (bpf/offcpu.bpf.c, kstacks_by_place): the same read() call
	# site waits on a pipe and on a socket in turn. The workload times
	# each read itself. One call site, or the test proves nothing:
	if command -v objdump >/dev/null; then
		[ "$(objdump -d "$ROOT/build/workload/twopaths" | grep -c 'call.*<sretrace_test_wait_on>')" -eq 1 ]
	fi
	run --separate-stderr "$SRE" offcpu -f json -o "$T/o.json" -- "$ROOT/build/workload/twopaths" -k 200 -a 1000 -b 3000 -o "$T/truth"
	[ "$status" -eq 0 ]
	read -r pipe_us sock_us <"$T/truth"
	got_pipe=$(jq '[.stacks[] | select((.user | index("sretrace_test_wait_on")) and (.kernel | map(test("pipe_read")) | any)) | .total_ns] | add / 1000 | floor' "$T/o.json")
	got_sock=$(jq '[.stacks[] | select((.user | index("sretrace_test_wait_on")) and (.kernel | map(test("unix_stream")) | any)) | .total_ns] | add / 1000 | floor' "$T/o.json")
	echo "pipe: workload $pipe_us us, offcpu $got_pipe us; socket: workload $sock_us us, offcpu $got_sock us" >&3
	jq -c '{kernel_stacks_reused, kernel_stacks_checked, kernel_stacks_differed}' "$T/o.json" >&3
	within_pct "$got_pipe" "$pipe_us" 5
	within_pct "$got_sock" "$sock_us" 5
	# The reuse was exercised: most of the 400 waits took a kept stack;
	# and no check walk found another stack than the one kept (with the
	# innermost frames left out of the key, one does, and the later waits
	# are walked).
	[ "$(jq .kernel_stacks_reused "$T/o.json")" -gt 200 ]
	[ "$(jq .kernel_stacks_differed "$T/o.json")" -eq 0 ]
	# --exact walks every block: nothing reused.
	run --separate-stderr "$SRE" offcpu --exact -f json -o "$T/e.json" -- "$ROOT/build/workload/twopaths" -k 100 -o "$T/truth"
	[ "$status" -eq 0 ]
	[ "$(jq .kernel_stacks_reused "$T/e.json")" -eq 0 ]
}

# --wakers: who ended each wait. The ground truth is the workloads' own
# structure: who can wake whom is fixed by the program.
@test "offcpu --wakers: a mutex wait is ended by another thread of the process, in futex wake" {
	run --separate-stderr "$SRE" offcpu --wakers -f json -- "$ROOT/build/workload/contend" 4 2 2000
	[ "$status" -eq 0 ]
	# Every futex wait under the lock helper that a wake-up ended.
	lock='.stacks[] | select((.user | index("sretrace_test_lock_slow")) and (.kernel | map(test("futex")) | any) and .waker)'
	all=$(jq "[$lock | .total_ns] | add // 0" <<<"$output")
	other=$(jq "[$lock | select(.waker.pid == .pid and .waker.tid != .tid and (.waker.interrupt | not)
		and (.waker.kernel | map(test(\"futex_wake\")) | any)) | .total_ns] | add // 0" <<<"$output")
	echo "futex waits ${all} ns, ended by another thread's futex_wake ${other} ns" >&3
	[ "$all" -gt 1000000000 ]
	[ $((other * 100)) -ge $((all * 95)) ]
	# The waker's user stack (a frame-pointer walk from libc) reaches the
	# workload's thread function.
	jq -e "[$lock | .waker.user | index(\"worker\")] | any" <<<"$output"
}

@test "offcpu --wakers: pipe reads are ended by the other side's write; sleeps by a timer interrupt" {
	# Into a file: pingpong prints its round-trip time on stdout.
	run --separate-stderr "$SRE" offcpu --wakers -f json -o "$BATS_TEST_TMPDIR/w.json" -- "$ROOT/build/workload/pingpong" 20000
	[ "$status" -eq 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/w.json")
	pipe='.stacks[] | select((.kernel | map(test("pipe_read")) | any) and .waker)'
	all=$(jq "[$pipe | .total_ns] | add // 0" <<<"$output")
	other=$(jq "[$pipe | select(.waker.pid == .pid and .waker.tid != .tid and
		(.waker.kernel | map(test(\"pipe_write\")) | any)) | .total_ns] | add // 0" <<<"$output")
	echo "pipe waits ${all} ns, ended by the other thread's write ${other} ns" >&3
	[ "$all" -gt 0 ]
	[ $((other * 100)) -ge $((all * 95)) ]
	run --separate-stderr "$SRE" offcpu --wakers -f json -- "$BLOCKER" -k 10 -t 20
	[ "$status" -eq 0 ]
	sleep='.stacks[] | select(.user | index("sretrace_test_block_here"))'
	all=$(jq "[$sleep | .total_ns] | add // 0" <<<"$output")
	timer=$(jq "[$sleep | select(.waker.interrupt and (.waker.kernel | map(test(\"hrtimer_wakeup\")) | any)) | .total_ns] | add // 0" <<<"$output")
	echo "sleeps ${all} ns, ended by a timer interrupt ${timer} ns" >&3
	[ "$(unended_blocks "$stderr")" -le 1 ]
	[ $((all + $(unended_blocks "$stderr") * 20000000)) -ge 200000000 ]
	[ $((timer * 100)) -ge $((all * 95)) ]
	# Folded: sleeper root first, "--", the waker upside down, its name last.
	run --separate-stderr "$SRE" offcpu --wakers -f folded -- "$BLOCKER" -k 3 -t 20
	grep -qE '^blocker;.*sretrace_test_block_here;-;.*hrtimer_nanosleep;--;try_to_wake_up;hrtimer_wakeup;.* [0-9]+$' <<<"$output"
}

@test "offcpu and triage through a storm of 10,000 processes and 100,000 threads: nothing lost, the naps' time is the workload's" {
	storm=$ROOT/build/workload/storm
	# offcpu: every nap found, against the threads' own measure; peak RSS
	# of the tracer (its children's rusage: the storm's own is far less).
	kb=$(python3 -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as out, open(sys.argv[2], "w") as err:
    subprocess.run(sys.argv[3:], stdout=out, stderr=err)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$T/o.json" "$T/o.err" "$SRE" offcpu -f json -- "$storm" -o "$T/truth")
	truth=$(cat "$T/truth")
	got=$(jq '[.stacks[] | select(.user | index("sretrace_test_storm_nap")) | .total_ns] | add // 0' "$T/o.json")
	echo "offcpu: naps $((got / 1000000)) ms, workload $((truth / 1000)) ms; peak RSS $((kb / 1024)) MiB; $(jq -c '{blocks, drops, missed, lost_stacks, copy_drops, spilled_rows}' "$T/o.json")" >&3
	[ "$(jq '.drops + .missed + .lost_stacks + .copy_drops' "$T/o.json")" -eq 0 ]
	within_pct "$((got / 1000))" "$truth" 2
	[ "$kb" -le $((64 * 1024)) ]
	# triage: nothing lost anywhere (its syscall rows are per name, so the
	# 10,000 processes fill no map), and its off-CPU naps add up too.
	run --separate-stderr "$SRE" triage -o "$T/r" -- "$storm" -o "$T/truth2"
	[ "$status" -eq 0 ]
	echo "triage: lost $(jq -c .lost "$T/r/findings.json")" >&3
	# (A profile copy may be dropped while the reader is busy: counted, and
	# not what a storm of processes and threads is about.)
	# Blocks whose switch-in this host's kernel did not trace (its agent's
	# threads; docs/offcpu.md) are counted in triage's losses: rare, and
	# the only loss allowed.
	unended=$(jq '.unended_blocks // 0' "$T/r/offcpu.json")
	echo "triage: $unended unended of $(jq .blocks "$T/r/offcpu.json") blocks" >&3
	[ $(($(jq '.lost | .offcpu + .syscalls + .disk + .tcp' "$T/r/findings.json") - unended)) -eq 0 ]
	[ $((unended * 1000)) -le "$(jq .blocks "$T/r/offcpu.json")" ]
	got=$(jq '[.stacks[] | select(.user | index("sretrace_test_storm_nap")) | .total_ns] | add // 0' "$T/r/offcpu.json")
	within_pct "$((got / 1000))" "$(cat "$T/truth2")" 2
}
