#!/bin/bash
# biolat event mode (-L 0, every request) under a generated load: requests
# per second the disk completed, how many events reached userspace, how many
# were dropped. The load: NJOBS dd readers of 512-byte O_DIRECT requests on
# a loop device backed by a file in /dev/shm, for SECONDS.
# Usage: biolat-events.sh [SECONDS] [NJOBS]
set -u
cd "$(dirname "$0")/../.."
secs=${1:-5}
jobs=${2:-2}
sre=./build/sretrace
[ -x "$sre" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

img=$(mktemp /dev/shm/sretrace-bench.XXXXXX)
truncate -s 256M "$img"
loop=$(losetup -f --show "$img")
name=$(basename "$loop")
echo none > "/sys/block/$name/queue/scheduler"
cleanup() { losetup -d "$loop"; rm -f "$img" "${err:-}"; }
trap cleanup EXIT

load() {
	local pids=() j
	for j in $(seq "$jobs"); do
		timeout "$secs" dd if="$loop" of=/dev/null bs=512 iflag=direct status=none &
		pids+=($!)
	done
	wait "${pids[@]}" 2>/dev/null
}
reads() { awk '{ print $1 }' "/sys/block/$name/stat"; }

r0=$(reads); load; r1=$(reads)
base=$(( (r1 - r0) / secs ))

err=$(mktemp)
"$sre" biolat -d "$name" -L 0 -f json >/dev/null 2>"$err" &
tracer=$!
sleep 1.5
r0=$(reads); load; r1=$(reads)
kill -INT $tracer; wait $tracer
traced=$(( (r1 - r0) / secs ))
summary=$(cat "$err")
completed=$(sed -n 's/.*: \([0-9]*\) requests completed.*/\1/p' <<<"$summary")
dropped=$(sed -n 's/.*, \([0-9]*\) events dropped.*/\1/p' <<<"$summary")
printf 'requests/s untraced       %10d\n' "$base"
printf 'requests/s with biolat -L %10d\n' "$traced"
printf 'events seen by biolat     %10d (%d/s)\n' "${completed:-0}" $(( ${completed:-0} / secs ))
printf 'events dropped            %10d\n' "${dropped:-0}"
