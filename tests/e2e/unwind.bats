#!/usr/bin/env bats
# User stacks of binaries without frame pointers (issue #12). Today the
# stack tools walk frame pointers only; these are the controls that the
# DWARF unwinder must turn around: on a -O2 -fomit-frame-pointer workload
# with a known chain main -> a -> b -> c -> d, the chain is lost.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	NOFP=$ROOT/build/workload/nofp
}

@test "unwind control: frame-pointer walking loses the chain of a binary without frame pointers (profile)" {
	run --separate-stderr "$SRE" profile -f folded -- "$NOFP" burn 1
	[ "$status" -eq 0 ]
	total=$(awk '{ s += $NF } END { print s + 0 }' <<<"$output")
	full=$(folded_sum 'main;sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d')
	echo "full chain in $full of $total samples" >&3
	[ "$total" -ge 80 ]
	[ "$full" -eq 0 ]
}

@test "unwind control: ... and for off-CPU time of the same chain ending in libc's nanosleep" {
	run --separate-stderr "$SRE" offcpu -f folded -- "$NOFP" sleep 5 40
	[ "$status" -eq 0 ]
	total=$(folded_sum 'hrtimer_nanosleep')
	full=$(folded_sum 'sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d')
	echo "full chain in $full of $total us" >&3
	[ "$total" -ge 180000 ]
	[ "$full" -eq 0 ]
}
