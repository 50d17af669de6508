#!/bin/bash
# Time from exec to attached, and peak RSS, of each tool against its
# libbpf-tools counterpart and bpftrace, medians over ROUNDS.
# (tests/workload/startup.c: polls /proc/PID/fd for the first BPF link or
# perf event fd, then stops the tracer with SIGINT and reads its rusage.)
# Usage: startup-rss.sh [ROUNDS]
set -u
cd "$(dirname "$0")/../.."
rounds=${1:-5}
sre=./build/sretrace
st=./build/workload/startup
[ -x "$sre" ] && [ -x "$st" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
. scripts/bench/lib.sh
bt=$(mktemp --suffix=.bt)
bench_tmp+=("$bt")
echo 'tracepoint:raw_syscalls:sys_exit { @[args->id] = count(); }' >"$bt"

# name | command
tracers=(
	"sretrace syslat|$sre syslat"
	"syscount -L|syscount -L"
	"bpftrace syscalls|bpftrace $bt"
	"sretrace offcpu|$sre offcpu"
	"offcputime|offcputime"
	"sretrace biolat|$sre biolat"
	"biolatency|biolatency"
	"sretrace profile|$sre profile"
	"sretrace tcpretrans|$sre tcpretrans"
)
printf '%-20s %12s %12s\n' tracer attach_ms peak_rss_kb
for t in "${tracers[@]}"; do
	name=${t%%|*}
	cmd=${t#*|}
	command -v "${cmd%% *}" >/dev/null || continue
	ms="" kb=""
	for _ in $(seq "$rounds"); do
		# shellcheck disable=SC2086
		read -r a b < <("$st" 30 $cmd)
		ms+="$a"$'\n'
		kb+="$b"$'\n'
	done
	printf '%-20s %12s %12s\n' "$name" "$(printf '%s' "$ms" | median)" "$(printf '%s' "$kb" | median)"
done
