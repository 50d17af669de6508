#!/bin/bash
# Soak (not a test): offcpu, syslat and serve run for DURATION seconds
# under a context-switch storm (pipe ping-pong) and a syscall storm, both
# starting new processes all the time; syslat reports every 10 s and serve
# is scraped every 10 s. RSS of each tracer and the occupancy of offcpu's
# maps are sampled every 10 s. Pass: RSS growth <= 1 MB after the first
# sample.
# Usage: soak.sh [DURATION]   (default 600)
set -u
cd "$(dirname "$0")/.."
dur=${1:-600}
sre=./build/sretrace
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -x "$sre" ] || { echo "build first: make" >&2; exit 2; }

# The storm runs in a cgroup of its own and the tracers watch only it, so
# whatever else runs on the host (builds, editors) does not blur the
# numbers: each new binary a whole-host offcpu sees adds its symbol table.
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
cg=$cg2/sretrace-soak-$$
[ -n "$cg2" ] && mkdir "$cg" || { echo "soak: needs a cgroup v2 mount" >&2; exit 2; }
trap 'rmdir "$cg" 2>/dev/null' EXIT
"$sre" offcpu -C "$cg" -f folded "$dur" >/dev/null 2>&1 & off=$!
"$sre" syslat -C "$cg" -f json 10 >/dev/null 2>&1 & sys=$!
port=$((30000 + RANDOM % 20000))
"$sre" serve -C "$cg" --listen 127.0.0.1:$port "$dur" >/dev/null 2>&1 & srv=$!
sleep 2
( echo $BASHPID >"$cg/cgroup.procs"; end=$((SECONDS + dur))
  while [ $SECONDS -lt $end ]; do ./build/workload/pingpong 200000 1 >/dev/null; done ) & storm1=$!
( echo $BASHPID >"$cg/cgroup.procs"; end=$((SECONDS + dur))
  while [ $SECONDS -lt $end ]; do ./build/workload/syscalls -d 5 >/dev/null; done ) & storm2=$!

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
entries() {   # entries of the map named $2 held by pid $1
	for fd in /proc/"$1"/fdinfo/*; do awk '/^map_id:/ { print $2 }' "$fd" 2>/dev/null; done | sort -u |
	while read -r id; do
		bpftool map show id "$id" 2>/dev/null | grep -q "name $2 " && bpftool map dump id "$id" -j 2>/dev/null | jq length
	done
}
printf '%6s %12s %12s %12s %14s %14s %10s\n' t_s offcpu_kb syslat_kb serve_kb offcpu_rows stacks series
first_off="" first_sys="" first_srv="" last_off=0 last_sys=0 last_srv=0
for t in $(seq 0 10 $((dur - 10))); do
	series=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -vc '^#')
	o=$(rss $off) s=$(rss $sys) v=$(rss $srv)
	[ -n "$o" ] && [ -n "$s" ] && [ -n "$v" ] || break
	printf '%6d %12s %12s %12s %14s %14s %10s\n' "$t" "$o" "$s" "$v" "$(entries $off offcpu)" "$(entries $off stacks)" "$series"
	[ -n "$first_off" ] || { first_off=$o; first_sys=$s; first_srv=$v; }
	last_off=$o last_sys=$s last_srv=$v
	sleep 10
done
kill $storm1 $storm2 2>/dev/null
kill -INT $off $sys $srv 2>/dev/null
wait $off $sys $srv $storm1 $storm2 2>/dev/null
sleep 0.5
echo "RSS growth after the first sample: offcpu $((last_off - first_off)) KB, syslat $((last_sys - first_sys)) KB," \
	"serve $((last_srv - first_srv)) KB (limit 1024)"
[ $((last_off - first_off)) -le 1024 ] && [ $((last_sys - first_sys)) -le 1024 ] && [ $((last_srv - first_srv)) -le 1024 ]
