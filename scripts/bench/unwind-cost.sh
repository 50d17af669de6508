#!/bin/bash
# What DWARF unwinding (--unwind dwarf) costs against frame pointers, and
# against perf's own DWARF mode, in one run (issue #12, docs/unwinding.md):
#  1. BPF run time per event (kernel.bpf_stats_enabled): profile -F 999 on
#     the -fomit-frame-pointer burn, offcpu on the ping-pong (with the
#     unchanged-stack reuse, and --exact where every block copies).
#  2. Added time of a fixed CPU-bound job (python3) sampled at 999 Hz on
#     every CPU: none, profile fp, profile dwarf, perf record --call-graph
#     dwarf (perf copies 8 KiB per sample too).
#  3. Per stack in userspace: bytes through the ring, unwind time, frames;
#     perf's bytes per sample and its report time per sample; peak RSS.
# Usage: unwind-cost.sh [REPS]
set -u
cd "$(dirname "$0")/../.."
reps=${1:-3}
sre=./build/sretrace
nofp=./build/workload/nofp
pp=./build/workload/pingpong
[ -x "$sre" ] && [ -x "$nofp" ] && [ -x "$pp" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
tmp=$(mktemp -d)
prev=$(sysctl -n kernel.bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled=$prev; rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# ns per run of the tracer's programs named $2, while $3 runs.
bpf_ns() { # "tool args" prog-name-regex load
	local pid
	# shellcheck disable=SC2086
	$sre $1 >/dev/null 2>&1 &
	pid=$!
	sleep 1.5
	$3 >/dev/null 2>&1
	for fd in /proc/$pid/fdinfo/*; do
		id=$(awk '/^prog_id:/ { print $2 }' "$fd" 2>/dev/null)
		[ -n "$id" ] && bpftool prog show id "$id" 2>/dev/null
	done | awk -v re="$2" '
		/name/ { n = ""; for (i = 1; i <= NF; i++) { if ($i == "name") n = $(i + 1); if ($i == "run_time_ns") rt = $(i + 1); if ($i == "run_cnt") rc = $(i + 1) }
			 if (n ~ re && rc > 0) { t += rt; c += rc } }
		END { if (c) printf "%.0f\n", t / c; else print "nan" }'
	kill -INT $pid
	wait $pid 2>/dev/null
}

echo "== 1. BPF ns per event (median of $reps)"
sysctl -qw kernel.bpf_stats_enabled=1
printf '%-44s %10s\n' case ns/event
for c in "profile -F 999 --unwind fp|profile_sample|$nofp burn 2" \
	 "profile -F 999 --unwind dwarf|profile_sample|$nofp burn 2" \
	 "profile -F 999 --unwind fp (fp-built burner)|profile_sample|./build/workload/burner 2" \
	 "profile -F 999 --unwind auto (fp-built burner)|profile_sample|./build/workload/burner 2" \
	 "offcpu --unwind fp|offcpu_switch|$pp 100000 0" \
	 "offcpu --unwind dwarf|offcpu_switch|$pp 100000 0" \
	 "offcpu --exact --unwind fp|offcpu_switch|$pp 100000 0" \
	 "offcpu --exact --unwind dwarf|offcpu_switch|$pp 100000 0"; do
	IFS='|' read -r args re load <<<"$c"
	v=$(for _ in $(seq "$reps"); do bpf_ns "${args%% (*}" "$re" "$load"; done | median)
	printf '%-44s %10s\n' "$args" "$v"
done
sysctl -qw kernel.bpf_stats_enabled="$prev"

echo
echo "== 2. added wall time of a fixed CPU-bound job (Debian python3, no frame pointers, ~2.3 s) sampled at 999 Hz on every CPU (median of $reps)"
job() { /usr/bin/time -f %e -o "$tmp/t" /usr/bin/python3 -c 'sum(i * i for i in range(80000000))'; cat "$tmp/t"; }
under() { # tracer command or empty
	local pid=""
	if [ -n "$1" ]; then
		# shellcheck disable=SC2086
		$1 >/dev/null 2>&1 &
		pid=$!
		sleep 2
	fi
	job
	if [ -n "$pid" ]; then kill -INT $pid; wait $pid 2>/dev/null; fi
}
declare -A t
t[none]=$(for _ in $(seq "$reps"); do under ""; done | median)
t[fp]=$(for _ in $(seq "$reps"); do under "$sre profile -F 999 --unwind fp -f folded -o $tmp/fp.folded"; done | median)
t[dwarf]=$(for _ in $(seq "$reps"); do under "$sre profile -F 999 --unwind dwarf -f folded -o $tmp/dw.folded"; done | median)
command -v perf >/dev/null &&
	t[perf]=$(for _ in $(seq "$reps"); do under "perf record -q -F 999 -a --call-graph dwarf -o $tmp/perf.data"; done | median)
printf '%-8s %8s %10s\n' mode seconds added
for m in none fp dwarf perf; do
	[ -n "${t[$m]+x}" ] || continue
	awk -v m="$m" -v s="${t[$m]}" -v b="${t[none]}" 'BEGIN { printf "%-8s %8.3f %9.1f%%\n", m, s, 100 * (s - b) / b }'
done
[ -n "${t[perf]+x}" ] && awk -v d="${t[dwarf]}" -v p="${t[perf]}" -v b="${t[none]}" \
	'BEGIN { if (p > b) printf "sretrace dwarf added / perf dwarf added: %.2fx\n", (d - b) / (p - b) }'

echo
echo "== 3. per stack: ring bytes, unwind time, frames; RSS"
for w in "$nofp burn 2" "/usr/bin/python3 -c 'import time
t = time.time() + 2
while time.time() < t: sum(i * i for i in range(1000))'"; do
	eval "/usr/bin/time -f %M -o $tmp/rss $sre profile -F 999 --unwind dwarf -f json -- $w" >"$tmp/j" 2>/dev/null
	jq -r --arg w "${w%% *}" --arg rss "$(cat "$tmp/rss")" '.unwind as $u |
		"\($w): \($u.copies) copies, \(($u.copy_bytes / $u.copies + 192) | floor) bytes/event, " +
		"\(($u.unwind_ns / $u.copies / 1000 * 10 | floor) / 10) us/unwind, \(($u.frames / $u.copies * 10 | floor) / 10) frames, " +
		"\($u.ended.complete) complete; peak RSS \($rss) KB"' "$tmp/j"
	eval "/usr/bin/time -f %M -o $tmp/rss $sre profile -F 999 --unwind fp -f json -- $w" >/dev/null 2>&1
	echo "   same with --unwind fp: peak RSS $(cat "$tmp/rss") KB"
done
if command -v perf >/dev/null; then
	perf record -q -F 999 --call-graph dwarf -o "$tmp/p.data" -- "$nofp" burn 2 >/dev/null 2>&1
	samples=$(perf script -i "$tmp/p.data" -F comm 2>/dev/null | wc -l)
	bytes=$(stat -c %s "$tmp/p.data")
	start=$(date +%s.%N)
	perf report -i "$tmp/p.data" --stdio -g none >/dev/null 2>&1
	end=$(date +%s.%N)
	awk -v b="$bytes" -v s="$samples" -v t0="$start" -v t1="$end" 'BEGIN {
		if (s) printf "perf --call-graph dwarf: %d samples, %d bytes/sample in perf.data, report %.1f us/sample (unwind + symbols)\n",
			s, b / s, (t1 - t0) * 1e6 / s }'
fi
