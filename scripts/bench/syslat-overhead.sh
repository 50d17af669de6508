#!/bin/bash
# Added cost per syscall on a tight getppid loop, in one run, for:
#   none      no tracing (baseline)
#   floor     empty tp_btf sys_enter+sys_exit programs
#   syslat    sretrace syslat (full histograms, all syscalls)
#   syscount  libbpf-tools syscount -L (if installed)
#   bpftrace  a bpftrace latency histogram (if installed; needs tracefs)
# Prints the median ns/call of each over ROUNDS rounds and the added cost
# relative to the floor. Usage: syslat-overhead.sh [ROUNDS] [SECONDS]
set -u
cd "$(dirname "$0")/../.."
rounds=${1:-5}
secs=${2:-2}
sre=./build/sretrace
wl=./build/workload/syscalls
[ -x "$sre" ] && [ -x "$wl" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

# ns per getppid call while the given tracer runs (empty: no tracer).
measure() {
	local n
	tracer_start "$@"
	n=$(taskset -c 0 "$wl" -d "$secs")
	tracer_stop
	awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f\n", s * 1e9 / n }'
}

. scripts/bench/lib.sh

declare -A cmd res
cmd[none]=""
cmd[floor]="$sre _floor syscalls"
cmd[syslat]="$sre syslat"
if command -v syscount >/dev/null; then cmd[syscount]="syscount -L"; fi
bt_script=$(mktemp --suffix=.bt)
bench_tmp+=("$bt_script")
cat > "$bt_script" <<'BT'
tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @lat[args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }
BT
if command -v bpftrace >/dev/null; then cmd[bpftrace]="bpftrace $bt_script"; fi
order="none floor syslat syscount bpftrace"
bench_collect "$rounds" $order
base=${res[none]}
floor_add=$(awk -v a="${res[floor]}" -v b="$base" 'BEGIN { print a - b }')
printf '%-10s %10s %12s %14s\n' tracer ns/call added_ns vs_floor_added
for name in $order; do
	[ -n "${res[$name]+x}" ] || continue
	awk -v n="$name" -v v="${res[$name]}" -v b="$base" -v f="$floor_add" 'BEGIN {
		add = v - b; printf "%-10s %10.1f %12.1f %14s\n", n, v, add, (n == "none" || f <= 0) ? "-" : sprintf("%.2fx", add / f) }'
done
