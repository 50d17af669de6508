#!/bin/bash
# Added time per round trip of a pipe ping-pong between two threads pinned
# to one CPU (two context switches per round trip), in one run, for:
#   none        no tracing
#   floor       empty tp_btf sched_switch program
#   offcpu      sretrace offcpu, user+kernel stacks (default: sampled < 1 ms)
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

mounted_tracefs=""
if ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs nodev /sys/kernel/tracing && mounted_tracefs=1
fi
trap '[ -n "$mounted_tracefs" ] && umount /sys/kernel/tracing' EXIT

measure() {
	local pid="" v
	if [ $# -gt 0 ]; then
		"$@" >/dev/null 2>&1 &
		pid=$!
		sleep 2
	fi
	v=$("$pp" "$trips" 0)
	if [ -n "$pid" ]; then
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	echo "$v"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A cmd res
cmd[none]=""
cmd[floor]="$sre _floor sched"
cmd[offcpu]="$sre offcpu -f folded"
cmd[offcpu-exact]="$sre offcpu --exact -f folded"
command -v offcputime >/dev/null && cmd[offcputime]="offcputime"
order="none floor offcpu offcpu-exact offcputime"
for name in $order; do
	[ -n "${cmd[$name]+x}" ] || continue
	vals=""
	for _ in $(seq "$reps"); do
		# shellcheck disable=SC2086
		vals+="$(measure ${cmd[$name]})"$'\n'
	done
	res[$name]=$(printf '%s' "$vals" | median)
done
base=${res[none]}
peer=""
[ -n "${res[offcputime]+x}" ] && peer=$(awk -v a="${res[offcputime]}" -v b="$base" 'BEGIN { print a - b }')
printf '%-13s %12s %12s %16s\n' tracer ns/trip added_ns vs_offcputime
for name in $order; do
	[ -n "${res[$name]+x}" ] || continue
	awk -v n="$name" -v v="${res[$name]}" -v b="$base" -v p="$peer" 'BEGIN {
		add = v - b; printf "%-13s %12.1f %12.1f %16s\n", n, v, add, (n == "none" || p == "" || p <= 0) ? "-" : sprintf("%.3fx", add / p) }'
done
