#!/bin/bash
# Added time per round trip of a pipe ping-pong between two threads pinned
# to one CPU (two context switches per round trip), in one run, for:
#   none        no tracing
#   floor       empty tp_btf sched_switch program
#   offcpu      sretrace offcpu, user+kernel stacks (default: sampled < 1 ms,
#               --unwind auto: this fp-built workload is walked + 1 KiB copies)
#   offcpu-fp   the same with --unwind fp (frame-pointer walks only)
#   offcpu-dwarf  the same with --unwind dwarf (8 KiB copies)
#   offcpu-exact  sretrace offcpu --exact (every block's stacks walked)
#   offcputime  libbpf-tools offcputime (user+kernel stacks), if installed
# Usage: offcpu-overhead.sh [ROUNDS_OF_MEASUREMENT] [ROUND_TRIPS]
set -u
cd "$(dirname "$0")/../.."
reps=${1:-5}
trips=${2:-200000}
sre=./build/sretrace
pp=./build/workload/pingpong
[ -x "$sre" ] && [ -x "$pp" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

. scripts/bench/lib.sh
BENCH_ATTACH_WAIT=2

# ns per round trip while the given tracer runs (empty: no tracer).
measure() {
	tracer_start "$@"
	"$pp" "$trips" 0
	tracer_stop
}

declare -A cmd res
cmd[none]=""
cmd[floor]="$sre _floor sched"
cmd[offcpu]="$sre offcpu -f folded"
cmd[offcpu-fp]="$sre offcpu --unwind fp -f folded"
cmd[offcpu-dwarf]="$sre offcpu --unwind dwarf -f folded"
cmd[offcpu-exact]="$sre offcpu --exact -f folded"
command -v offcputime >/dev/null && cmd[offcputime]="offcputime"
order="none floor offcpu offcpu-fp offcpu-dwarf offcpu-exact offcputime"
bench_collect "$reps" $order
base=${res[none]}
peer=""
[ -n "${res[offcputime]+x}" ] && peer=$(awk -v a="${res[offcputime]}" -v b="$base" 'BEGIN { print a - b }')
printf '%-13s %12s %12s %16s\n' tracer ns/trip added_ns vs_offcputime
for name in $order; do
	[ -n "${res[$name]+x}" ] || continue
	awk -v n="$name" -v v="${res[$name]}" -v b="$base" -v p="$peer" 'BEGIN {
		add = v - b; printf "%-13s %12.1f %12.1f %16s\n", n, v, add, (n == "none" || p == "" || p <= 0) ? "-" : sprintf("%.3fx", add / p) }'
done
