#!/bin/sh
# What each tool holds while it runs under a fixed load: the BPF map memory
# the kernel charges it (memlock of every map fd in /proc/PID/fdinfo) and
# its peak RSS (VmHWM). POSIX sh and busybox only: the same script runs on
# the host (scripts/bench/mapmem.sh) and in the 32-vCPU guest
# (tests/vm/guest-init.sh, sre_mode=mem), so the two can be compared.
#   mapmem.sh SRETRACE WORKLOAD_DIR
# prints "SRE-MEM CONFIG MAP_BYTES HWM_KB CPUS" per configuration.
S=$1
W=$2
cpus=$(grep -c '^processor' /proc/cpuinfo)
tmp=${TMPDIR:-/tmp}/sre-mapmem.$$
mkdir -p "$tmp"

# The same load whatever the CPU count (and small enough for a TCG
# guest): syscalls, short sleeps from 16 threads, a CPU burner.
load() {
	"$W/syscalls" -g 30000 >/dev/null &
	l1=$!
	"$W/syscalls" -f 10000 -s 50 -u 1000 >/dev/null &
	l2=$!
	"$W/blocker" -p 16 -k 20 -u 2000 >/dev/null &
	l3=$!
	"$W/burner" 0.5 >/dev/null &
	wait $l1 $l2 $l3 $!
}

map_bytes() { # pid
	for f in /proc/"$1"/fdinfo/*; do
		awk '/^map_id:/ { m = 1 } /^memlock:/ { b = $2 } END { if (m) print b }' "$f" 2>/dev/null
	done | awk '{ s += $1 } END { print s + 0 }'
}

measure() { # name args...
	name=$1
	shift
	"$S" "$@" >/dev/null 2>"$tmp/err" &
	pid=$!
	# Loaded when its maps are there; TCG guests take tens of seconds.
	i=0
	while [ "$i" -lt 900 ] && [ "$(map_bytes $pid)" = 0 ]; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	sleep 2
	load
	sleep 1
	bytes=$(map_bytes $pid)
	# With sre_detail (kernel command line) or SRE_MAPMEM_DETAIL: each map.
	if [ -n "${SRE_MAPMEM_DETAIL:-}" ] || grep -qs sre_detail /proc/cmdline; then
		for f in /proc/$pid/fdinfo/*; do
			awk -v n="$name" '/^map_type:/ { t = $2 } /^value_size:/ { v = $2 } /^max_entries:/ { e = $2 }
				/^memlock:/ { b = $2 } /^map_id:/ { m = 1 } END { if (m) print "SRE-MAP", n, t, v, e, b }' "$f" 2>/dev/null
		done
	fi
	hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	kill -INT $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ "${bytes:-0}" -gt 0 ] || { echo "SRE-NOTE mapmem $name: $(head -c 200 "$tmp/err")"; bytes=0; }
	echo "SRE-MEM $name $bytes ${hwm:-0} $cpus"
}

measure syslat syslat
measure syslat-P syslat -P
measure offcpu offcpu
measure offcpu-wakers offcpu --wakers
measure profile profile
measure biolat biolat
measure tcpretrans tcpretrans
measure serve serve --listen 127.0.0.1:19464
measure triage triage -o "$tmp/triage"
rm -rf "$tmp"
