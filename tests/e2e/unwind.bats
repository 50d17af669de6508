#!/usr/bin/env bats
# User stacks of binaries without frame pointers (issue #12). Ground
# truth: tests/workload/nofp, built -O2 -fomit-frame-pointer, runs a known
# chain main -> sretrace_nofp_a -> b -> c -> d that ends in libc's
# nanosleep or a CPU burn. --unwind fp (the control) loses the chain;
# dwarf and auto (the default) must show all of it, from _start through
# libc (and the kernel) in >= 95% of samples and of off-CPU time.

load helpers
bats_require_minimum_version 1.5.0

CHAIN='_start;__libc_start_main;[^;]*;main;sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d'

setup() {
	require_root
	NOFP=$ROOT/build/workload/nofp
}

# Sum of folded values of lines matching $1, against all of them: "got total".
share_of() {
	local got total
	got=$(folded_sum "$1")
	total=$(awk '{ s += $NF } END { print s + 0 }' <<<"$output")
	echo "$got $total"
}

@test "unwind control: frame-pointer walking loses the chain of a binary without frame pointers (profile)" {
	run --separate-stderr "$SRE" profile --unwind fp -f folded -- "$NOFP" burn 1
	[ "$status" -eq 0 ]
	read -r full total < <(share_of 'main;sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d')
	echo "fp: full chain in $full of $total samples" >&3
	[ "$total" -ge 80 ]
	[ "$full" -eq 0 ]
}

@test "unwind control: ... and for off-CPU time of the same chain ending in libc's nanosleep" {
	run --separate-stderr "$SRE" offcpu --unwind fp -f folded -- "$NOFP" sleep 5 40
	[ "$status" -eq 0 ]
	total=$(folded_sum 'hrtimer_nanosleep')
	full=$(folded_sum 'sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d')
	echo "fp: full chain in $full of $total us" >&3
	# Seen once in a full-suite run: one 40 ms block short. Say what came out.
	[ "$total" -ge 180000 ] || { echo "$output" | cut -c1-300 >&3; echo "$stderr" >&3; false; }
	[ "$full" -eq 0 ]
}

@test "profile --unwind dwarf: the full chain in >= 95% of the samples of a -fomit-frame-pointer burn" {
	run --separate-stderr "$SRE" profile --unwind dwarf -v -f folded -- "$NOFP" burn 2
	[ "$status" -eq 0 ]
	read -r full total < <(share_of "^nofp;$CHAIN(;|\$| )")
	echo "dwarf: full chain in $full of $total samples" >&3
	echo "$stderr" | grep 'dwarf unwinding' >&3
	[ "$total" -ge 160 ]
	[ $((full * 100)) -ge $((total * 95)) ]
}

@test "offcpu --unwind dwarf: the full chain, through libc into the kernel, for >= 95% of the off-CPU time" {
	run --separate-stderr "$SRE" offcpu --unwind dwarf -f folded -- "$NOFP" sleep 10 20
	[ "$status" -eq 0 ]
	total=$(folded_sum 'hrtimer_nanosleep')
	full=$(folded_sum "^nofp;$CHAIN;[^-]*clock_nanosleep;-;.*hrtimer_nanosleep")
	echo "dwarf: full chain in $full of $total us" >&3
	[ "$total" -ge 180000 ]
	[ $((full * 100)) -ge $((total * 95)) ]
}

@test "auto (the default) copies stacks of a program without frame pointers: the full chain" {
	run --separate-stderr "$SRE" profile -v -f folded -- "$NOFP" burn 1
	[ "$status" -eq 0 ]
	read -r full total < <(share_of "^nofp;$CHAIN(;|\$| )")
	echo "auto: full chain in $full of $total samples" >&3
	[ "$total" -ge 80 ]
	[ $((full * 100)) -ge $((total * 95)) ]
	grep -q ' 0 processes with frame pointers' <<<"$stderr"
}

@test "auto on a program built with frame pointers: kernel walk joined to a small copy, chain intact" {
	run --separate-stderr "$SRE" profile -f json -- "$ROOT/build/workload/burner" 1
	[ "$status" -eq 0 ]
	copies=$(jq '.unwind.copies' <<<"$output")
	joined=$(jq '.unwind.joined' <<<"$output")
	bytes=$(jq '.unwind.copy_bytes / .unwind.copies | floor' <<<"$output")
	echo "auto on an fp program: $joined of $copies copies joined to the walk, $bytes bytes each" >&3
	[ "$(jq '.unwind.fp_processes' <<<"$output")" -eq 1 ]
	[ $((joined * 100)) -ge $((copies * 95)) ]
	# Small copies: 1 KiB joins; the first copy (before the program was
	# judged) and the up to 5% not joined (above) are full 8 KiB ones.
	[ "$bytes" -le $((1024 + 8192 * 5 / 100 + 24)) ]
	hot=$(jq '[.stacks[] | select(.user | index("sretrace_test_burn_here") == 0 and index("main") == 1) | .samples] | add // 0' <<<"$output")
	total=$(jq '.samples' <<<"$output")
	[ $((hot * 100)) -ge $((total * 95)) ]
}

@test "auto keeps the frame a frame-pointer walk skips (the caller of libc's pthread_mutex_lock)" {
	run --separate-stderr "$SRE" offcpu -f folded -- "$ROOT/build/workload/contend" 4 1 2000
	[ "$status" -eq 0 ]
	# Lock waits (futex) under app_lock; the holder's sleep is not one.
	total=$(folded_sum '^contend;.*;sretrace_test_app_lock;.*-;.*futex')
	kept=$(folded_sum '^contend;.*;sretrace_test_app_lock;sretrace_test_lock_slow;.*-;.*futex')
	echo "auto: $kept of $total us of lock waits keep lock_slow" >&3
	[ "$total" -gt 0 ]
	[ $((kept * 100)) -ge $((total * 95)) ]
	run --separate-stderr "$SRE" offcpu --unwind fp -f folded -- "$ROOT/build/workload/contend" 4 1 2000
	[ "$(folded_sum 'sretrace_test_lock_slow')" -eq 0 ]
}

@test "Debian's sleep (no frame pointers): off-CPU stack reaches main, past libc's clock_nanosleep" {
	run --separate-stderr "$SRE" offcpu --unwind dwarf -f folded -- /usr/bin/sleep 0.3
	[ "$status" -eq 0 ]
	total=$(folded_sum '^sleep;.*hrtimer_nanosleep')
	full=$(folded_sum '^sleep;[^;]*;__libc_start_main;[^;]*;sleep\+0x[0-9a-f]+;.*;clock_nanosleep;-;')
	echo "sleep: $full of $total us reach __libc_start_main" >&3
	# Once in CI: 0 us. A block whose end never reached the tracer (this
	# host's kernel skips the tracepoint when its agent's threads hand over
	# the CPU; docs/offcpu.md) is counted: then say so and pass.
	if [ "$total" -lt 280000 ]; then
		echo "$output" >&3
		grep -v '^libbpf:' <<<"$stderr" >&3
		if [ "$(unended_blocks "$stderr")" -eq 1 ]; then
			[ "$total" -eq 0 ] || [ $((full * 100)) -ge $((total * 95)) ]
			return
		fi
	fi
	[ "$total" -ge 280000 ]
	[ $((full * 100)) -ge $((total * 95)) ]
}

@test "Debian's dd and python3: >= 95% of CPU samples reach __libc_start_main" {
	run --separate-stderr "$SRE" profile --unwind dwarf -f folded -- dd if=/dev/zero of=/dev/null bs=64k count=400000
	[ "$status" -eq 0 ]
	read -r full total < <(share_of '^dd;[^;]*;__libc_start_main;')
	echo "dd: $full of $total samples" >&3
	[ "$total" -ge 20 ]
	[ $((full * 100)) -ge $((total * 95)) ]
	run --separate-stderr "$SRE" profile --unwind dwarf -f folded -- /usr/bin/python3 -c 'import time
t = time.time() + 1.5
while time.time() < t: sum(i * i for i in range(1000))'
	[ "$status" -eq 0 ]
	# The interpreter loop's C frames stand replaced by the Python frames
	# they ran (docs/python.md): "<module> (<string>:1)" for -c code.
	read -r full total < <(share_of '^python3;[^;]*;__libc_start_main;.*Py_RunMain;.*\(<string>:[0-9]+\)')
	echo "python3: $full of $total samples reach the interpreter loop's Python frames from main" >&3
	[ "$total" -ge 100 ]
	[ $((full * 100)) -ge $((total * 95)) ]
}

@test "--stack-bytes too small for the stack: unwinds stop short and JSON says why" {
	run --separate-stderr "$SRE" profile --unwind dwarf --stack-bytes 512 -f json -- /usr/bin/python3 -c 'import time
t = time.time() + 1
while time.time() < t: sum(i * i for i in range(1000))'
	[ "$status" -eq 0 ]
	short=$(jq '.unwind.ended.past_copy' <<<"$output")
	copies=$(jq '.unwind.copies' <<<"$output")
	echo "512 bytes: $short of $copies unwinds ran past the copy" >&3
	[ "$copies" -ge 50 ]
	[ "$short" -ge $((copies / 2)) ]
}

@test "--unwind and --stack-bytes reject bad values with exit 2" {
	for args in "--unwind lbr" "--unwind" "--stack-bytes 100" "--stack-bytes 99999" "--stack-bytes x"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$SRE" profile $args 1
		[ "$status" -eq 2 ]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
	done
	run --separate-stderr "$SRE" triage --unwind nope
	[ "$status" -eq 2 ]
}

@test "copies the ring cannot hold are counted in JSON and reported on stderr, never silently lost" {
	# --exact copies at every one of ~400k context switches: far more than
	# the reader can take, so the ring fills.
	run --separate-stderr "$SRE" offcpu --exact --unwind dwarf -f json -- "$ROOT/build/workload/pingpong" 200000 0
	[ "$status" -eq 0 ]
	drops=$(tail -1 <<<"$output" | jq '.copy_drops')
	copies=$(tail -1 <<<"$output" | jq '.unwind.copies')
	echo "$copies copies unwound, $drops dropped" >&3
	[ "$drops" -gt 0 ]
	grep -q "offcpu: $drops user stack copies dropped (ring buffer full)" <<<"$stderr"
}

@test "offcpu: a thread blocking in turn at a few places reuses its copies (no copy per block)" {
	run --separate-stderr "$SRE" offcpu --unwind dwarf -f json -- "$ROOT/build/workload/pingpong" 100000 0
	[ "$status" -eq 0 ]
	copies=$(tail -1 <<<"$output" | jq '.unwind.copies')
	blocks=$(tail -1 <<<"$output" | jq '.blocks')
	echo "$copies copies for $blocks sampled blocks (200000 context switches)" >&3
	# Until userspace has unwound a new place's first copy, BPF cannot check
	# it and copies again: a few hundred copies, not one per switch.
	[ "$copies" -le 2000 ]
}

@test "dwarf unwinds out of a signal handler, through libc's return trampoline, into the interrupted chain" {
	run --separate-stderr "$SRE" profile --unwind dwarf -f folded -- "$NOFP" signal 1
	[ "$status" -eq 0 ]
	total=$(folded_sum 'sretrace_nofp_handler')
	full=$(folded_sum "^nofp;$CHAIN;[^;]*;sretrace_nofp_handler")
	echo "handler samples with the interrupted chain below: $full of $total" >&3
	[ "$total" -ge 80 ]
	[ $((full * 100)) -ge $((total * 95)) ]
}

@test "auto on a Go program (frame pointers, no .eh_frame): walked by frame pointers, chain intact" {
	command -v go >/dev/null || skip "no Go toolchain (scripts/setup.sh --test installs golang-go)"
	GOCACHE=$BATS_TEST_TMPDIR/gocache GOPATH=$BATS_TEST_TMPDIR/gopath \
		go build -o "$BATS_TEST_TMPDIR/goburn" "$ROOT/tests/workload/go/goburn.go"
	run --separate-stderr "$SRE" profile -f json -- "$BATS_TEST_TMPDIR/goburn" 1
	[ "$status" -eq 0 ]
	[ "$(jq '.unwind.fp_processes' <<<"$output")" -eq 1 ]
	total=$(jq '.samples' <<<"$output")
	# The Go runtime's own CPU is real and not under burn: sysmon preempting
	# the goroutine every 10 ms (tgkill), the signal handler, the scheduler
	# (CI under load: 6 of 100 samples). So the chain is judged on the
	# samples taken in burn itself, and burn must be most of the profile.
	inburn=$(jq '[.stacks[] | select(.user[0] == "main.sretraceGoBurn") | .samples] | add // 0' <<<"$output")
	hot=$(jq '[.stacks[] | select(.user[0:4] == ["main.sretraceGoBurn","main.sretraceGoOuter","main.main","runtime.main"]) | .samples] | add // 0' <<<"$output")
	echo "go: $hot of $inburn samples in burn (of $total) with burn <- outer <- main.main <- runtime.main" >&3
	if [ "$hot" -lt "$inburn" ]; then
		jq -r '.stacks[] | select(.user[0] == "main.sretraceGoBurn" and .user[1:4] != ["main.sretraceGoOuter","main.main","runtime.main"]) | "\(.samples) \(.user | join(" <- "))"' <<<"$output" >&3
	fi
	[ "$total" -ge 80 ]
	[ $((inburn * 100)) -ge $((total * 80)) ]
	[ $((hot * 100)) -ge $((inburn * 99)) ]
}

@test "offcpu reuses a copy only while its callers are the same: twin callers at one depth keep their own time" {
	# left and right take turns calling one sleeping helper: same pc, same
	# stack pointer, different caller. Each owns half of the time.
	# --state any: the workload's wall time around each nap also holds the
	# times it was preempted in the syscall (CI runs: 3.4% short without).
	run --separate-stderr "$SRE" offcpu -v --state any -f folded -- "$NOFP" twins 200 2
	[ "$status" -eq 0 ]
	left=$(folded_sum ';main;sretrace_nofp_left;sretrace_nofp_nap;')
	right=$(folded_sum ';main;sretrace_nofp_right;sretrace_nofp_nap;')
	copies=$(grep -oE '[0-9]+ stack copies' <<<"$stderr" | cut -d' ' -f1)
	read -r l_us r_us < <(sed -n 's/^twins //p' <<<"$stderr")
	# Preempted in user code (not in the syscall), a program without frame
	# pointers gets only its innermost user frame, by design and counted:
	# that time is in rows of one user frame (or none), and may be missing
	# from either side (CI under load: one 4.4 ms preemption on return from
	# a page fault).
	stackless=$(grep -vE -- '^[^;]+;.+;.+;-;' <<<"$output" | awk '{ s += $NF } END { print s + 0 }')
	# A block whose end never reached the tracer (this host's kernel:
	# docs/offcpu.md) is counted with the most time it can have lasted:
	# each side may be short by that too (CI: 1 lost, one side 4% short).
	lost=$(unended_max_us "$stderr")
	echo "left $left us, right $right us (workload: $l_us, $r_us), $stackless us without user frames, $lost us at most in lost blocks, $copies copies for 200 blocks" >&3
	# Time without a full user stack must be explained by a counter line:
	# the preemptions above, or copies dropped (ring full).
	if [ "$stackless" -gt 0 ]; then grep -qE 'have only their innermost user frame|user stack copies dropped' <<<"$stderr"; fi
	# Each side against its own measure of its naps: a copy reused across
	# callers moves whole 2 ms blocks to the wrong side.
	for side in "$left $l_us" "$right $r_us"; do
		read -r got want <<<"$side"
		twins_side_ok "$got" "$want" $((stackless + lost))
	done
	[ "$copies" -le 20 ]
}

@test "offcpu --state preempted: a frame-pointer program preempted inside libc keeps the caller of the libc function" {
	# Two threads on one CPU preempt each other at every tick, nearly
	# always inside memset (libc, no frame pointers), called from
	# sretrace_test_libc_caller. A frame-pointer walk from memset skips
	# that caller; the join with a small copy keeps it.
	run --separate-stderr "$SRE" offcpu --state preempted -f folded -- taskset -c 0 "$ROOT/build/workload/libspin" 2 1.5
	[ "$status" -eq 0 ]
	total=$(folded_sum '^libspin;')
	in_memset=$(folded_sum '^libspin;[^-]*memset[^;]*;-;')
	with_caller=$(folded_sum '^libspin;.*;sretrace_test_libc_caller;[^;]*memset[^;]*;-;')
	echo "preempted ${total} us, ${in_memset} us in memset, ${with_caller} us of it under its caller" >&3
	# Most of the preempted time is in memset, or the test proves nothing.
	[ $((in_memset * 2)) -ge "$total" ]
	[ $((with_caller * 100)) -ge $((in_memset * 95)) ]
}
