#!/bin/bash
# BPF run time per program invocation, from the kernel's own statistics
# (kernel.bpf_stats_enabled: run_time_ns / run_cnt), while each tool runs
# under the load it is built for. The statistics add ~50 ns per run
# themselves (an empty program reads ~55 ns here).
set -u
cd "$(dirname "$0")/../.."
sre=./build/sretrace
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
prev=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
trap 'sysctl -qw kernel.bpf_stats_enabled=$prev' EXIT

# tool-args | load
runs=(
	"_floor syscalls|taskset -c 0 ./build/workload/syscalls -d 1"
	"syslat|taskset -c 0 ./build/workload/syscalls -d 1"
	"_floor sched|./build/workload/pingpong 100000 0"
	"offcpu|./build/workload/pingpong 100000 0"
	"offcpu --exact|./build/workload/pingpong 100000 0"
	"profile -F 999|./build/workload/burner 1"
)
printf '%-18s %-22s %12s %12s\n' tool program runs ns/run
for r in "${runs[@]}"; do
	args=${r%%|*}
	load=${r#*|}
	# shellcheck disable=SC2086
	$sre $args >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	$load >/dev/null
	# Programs this tracer holds: their ids from its fdinfo.
	for fd in /proc/$pid/fdinfo/*; do
		id=$(awk '/^prog_id:/ { print $2 }' "$fd" 2>/dev/null)
		[ -n "$id" ] || continue
		bpftool prog show id "$id" 2>/dev/null | awk -v t="$args" '
			/name/ { for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") rt = $(i + 1); if ($i == "run_cnt") rc = $(i + 1) } }
			END { if (rc > 1000) printf "%-18s %-22s %12d %12.1f\n", t, n, rc, rt / rc }'
	done | awk '!seen[$(NF - 2)]++'
	kill -INT $pid
	wait $pid 2>/dev/null
done
