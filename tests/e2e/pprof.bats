#!/usr/bin/env bats
# -f pprof: read back by pprof itself (go tool pprof, Debian golang-go),
# totals checked against the workloads' ground truth and against a folded
# run of the same tool attached at the same time.

load helpers
bats_require_minimum_version 1.5.0

BURNER=$ROOT/build/workload/burner

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	command -v go >/dev/null || skip "go (golang-go) not installed"
	T=$BATS_TEST_TMPDIR
	export HOME=$T PPROF_TMPDIR=$T GOFLAGS=-mod=mod
}

# "Total samples = N" or "N total" from pprof -top, in the sample unit.
pprof_total() {
	go tool pprof -top -sample_index="$2" "$1" 2>/dev/null | sed -nE 's/.* of ([0-9.]+)(ms|s|us|ns)? total.*/\1 \2/p' | head -1
}

@test "profile -f pprof: pprof reads it, samples match the burn and a folded run beside it" {
	"$BURNER" 3 & b=$!
	"$SRE" profile -p "$b" -f folded -o "$T/folded" 2 & f=$!
	run --separate-stderr "$SRE" profile -p "$b" -f pprof -o "$T/p.pb.gz" 2
	wait $f
	wait $b
	[ "$status" -eq 0 ]
	# gzip magic
	[ "$(head -c2 "$T/p.pb.gz" | od -An -tx1 | tr -d ' ')" = 1f8b ]
	top=$(go tool pprof -top "$T/p.pb.gz")
	echo "$top" | head -8 >&3
	grep -q 'Type: samples' <<<"$top"
	grep -qE 'sretrace_test_burn_here' <<<"$top"
	got=$(pprof_total "$T/p.pb.gz" samples | cut -d' ' -f1)
	folded=$(awk '{ s += $NF } END { print s }' "$T/folded")
	echo "pprof $got samples, folded beside it $folded, want ~198" >&3
	within_pct "$got" 198 10
	within_pct "$got" "$folded" 3
	# cpu = samples x period (10^9 / 99 ns), exactly.
	cpu=$(go tool pprof -top -sample_index=cpu -unit=ns "$T/p.pb.gz" | sed -nE 's/.* of ([0-9]+)ns total.*/\1/p')
	echo "cpu $cpu ns" >&3
	[ "$cpu" -eq $((got * (1000000000 / 99))) ]
	# Labels: the burner's pid and comm.
	tags=$(go tool pprof -tags "$T/p.pb.gz")
	grep -q "$b" <<<"$tags"
	grep -q 'burner' <<<"$tags"
	# The executable's mapping carries its GNU build ID.
	want=$(readelf -n "$BURNER" | sed -nE 's/.*Build ID: ([0-9a-f]+).*/\1/p')
	go tool pprof -raw "$T/p.pb.gz" | grep -E ' burner ' | grep -q "$want"
}

@test "offcpu -f pprof: off-CPU nanoseconds equal the workload's own measure and a folded run" {
	# Both tracers run until the workload is done (SIGINT ends them with a
	# report): with a fixed duration, a loaded host that is slow to show
	# the links (wait_linked) ended both one 40 ms block early.
	"$SRE" offcpu --exact -c sre_pp -f folded -o "$T/folded" 2>"$T/f.err" & f=$!
	"$SRE" offcpu --exact -c sre_pp -f pprof -o "$T/o.pb.gz" 2>"$T/p.err" & p=$!
	wait_linked $f sched_switch
	wait_linked $p sched_switch
	"$BLOCKER" -n sre_pp -k 20 -t 40 -o "$T/truth"
	kill -INT $f $p
	wait $f
	wait $p
	top=$(go tool pprof -top -sample_index=offcpu "$T/o.pb.gz")
	echo "$top" | head -8 >&3
	grep -q 'sretrace_test_block_here' <<<"$top"
	read -r v unit <<<"$(pprof_total "$T/o.pb.gz" offcpu)"
	us=$(awk -v v="$v" -v u="$unit" 'BEGIN { m = u == "s" ? 1e6 : u == "ms" ? 1e3 : u == "us" ? 1 : 1e-3; printf "%d", v * m }')
	folded=$(awk '{ s += $NF } END { print s }' "$T/folded")
	echo "pprof $us us, folded $folded us, workload $(cat "$T/truth") us" >&3
	within_pct "$us" "$(cat "$T/truth")" 3 || { cat "$T/f.err" "$T/p.err" "$T/folded" | cut -c1-300 >&3; false; }
	within_pct "$us" "$folded" 1
	# The count value: one per block.
	cnt=$(go tool pprof -top -sample_index=count -focus=sretrace_test_block_here "$T/o.pb.gz" | sed -nE 's/.*accounting for ([0-9]+),.*/\1/p')
	[ "$cnt" -eq 20 ]
}

@test "-f pprof refuses a terminal, writes to a pipe" {
	run --separate-stderr script -qec "$SRE profile -f pprof 1" /dev/null
	[ "$status" -eq 2 ]
	grep -q 'binary' <<<"$output"
	"$SRE" profile -f pprof 1 | head -c2 | od -An -tx1 | grep -q '1f 8b'
}
