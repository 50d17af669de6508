#!/bin/sh
# What each tool holds while it runs under a fixed load: the BPF map memory
# the kernel charges it (memlock of every map fd in /proc/PID/fdinfo) and
# its peak RSS (VmHWM, through its report). POSIX sh and busybox only: the same script runs on
# the host (scripts/bench/mapmem.sh) and in the 32-vCPU guest
# (tests/vm/guest-init.sh, sre_mode=mem), so the two can be compared.
#   mapmem.sh SRETRACE WORKLOAD_DIR
# prints "SRE-MEM CONFIG MAP_BYTES HWM_KB CPUS BPF_RSS_KB" per configuration.
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

# Resident kB of the process's BPF map mappings (rings, .bss): bounded by
# the maps' own sizes, counted in their memory already.
bpf_rss() { # pid
	awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($0 ~ /bpf/) } /^Rss:/ { if (m) s += $2 } END { print s + 0 }' \
		/proc/"$1"/smaps 2>/dev/null
}

# One cat and one awk for every fd: the processes this script starts are
# traced too (triage keeps rows per process), so it starts as few as it
# can. cat, because an fd the tool closes between the glob and the read
# stopped busybox awk there: a partial sum (13.8 of 24 MiB) or nothing,
# which read as "gone early". Each fdinfo file starts with "pos:".
map_bytes() { # pid
	cat /proc/"$1"/fdinfo/* 2>/dev/null |
		awk '/^pos:/ { if (m) s += b; m = 0; b = 0 } /^map_id:/ { m = 1 } /^memlock:/ { b = $2 }
		     END { if (m) s += b; print s + 0 }'
}

# Only one configuration: SRE_MAPMEM_ONLY, or sre_only= on the kernel command line.
only=${SRE_MAPMEM_ONLY:-$(sed -n 's/.*sre_only=\([a-zA-Z-]*\).*/\1/p' /proc/cmdline)}

measure() { # name args...
	name=$1
	shift
	[ -z "$only" ] || [ "$only" = "$name" ] || return 0
	"$S" "$@" >/dev/null 2>"$tmp/err" &
	pid=$!
	# Loaded when its maps are there; TCG guests take minutes (triage
	# loads five tools; 64 vCPUs on one host thread; 5 minutes of waiting
	# were not always enough there).
	i=0
	while [ "$i" -lt 1200 ] && [ "$(map_bytes $pid)" = 0 ]; do
		kill -0 $pid 2>/dev/null || break
		sleep 0.5
		i=$((i + 1))
	done
	sleep 2
	load
	sleep 1
	bytes=$(map_bytes $pid)
	# serve: what a scrape costs (it reads every tool's maps), 20 in a row.
	if [ "$name" = serve ]; then
		t0=$(cut -d' ' -f1 /proc/uptime)
		for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			wget -q -O /dev/null http://127.0.0.1:19464/metrics 2>/dev/null ||
				curl -sf -o /dev/null http://127.0.0.1:19464/metrics
		done
		t1=$(cut -d' ' -f1 /proc/uptime)
		echo "SRE-SCRAPE $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 / 20 }') ms $cpus"
	fi
	# With sre_detail (kernel command line) or SRE_MAPMEM_DETAIL: each map.
	if [ -n "${SRE_MAPMEM_DETAIL:-}" ] || grep -qs sre_detail /proc/cmdline; then
		for f in /proc/$pid/fdinfo/*; do
			awk -v n="$name" '/^map_type:/ { t = $2 } /^value_size:/ { v = $2 } /^max_entries:/ { e = $2 }
				/^memlock:/ { b = $2 } /^map_id:/ { m = 1 } END { if (m) print "SRE-MAP", n, t, v, e, b }' "$f" 2>/dev/null
		done
	fi
	alive=$(kill -0 $pid 2>/dev/null && echo yes)
	brss=$(bpf_rss $pid)
	# The peak of the whole run, the report at the end included (triage
	# writes its directory then): VmHWM never falls, so its last reading
	# before the process is gone; read once before the signal too, for a
	# tool that is gone before the first reading after it. The resident
	# ring pages only grow too (a touched page stays mapped), and the
	# draining at exit touches more: read them as late as VmHWM, or the
	# peak less an early reading counts ring pages as the tool's own
	# memory, and bighost.sh multiplies that noise by 6 (one CI run put
	# triage at 120 MiB RSS at 256 CPUs; the rerun, 35 MiB).
	hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
	kill -INT $pid 2>/dev/null
	while h=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null) && [ -n "$h" ]; do
		hwm=$h
		b=$(bpf_rss $pid)
		[ "${b:-0}" -gt "${brss:-0}" ] && brss=$b
		sleep 0.02
	done
	wait $pid 2>/dev/null
	rc=$?
	if [ -n "${SRE_MAPMEM_DETAIL:-}" ] || grep -qs sre_detail /proc/cmdline; then
		echo "SRE-ERR $name exit $rc"
		grep -v '^	' "$tmp/err" | tail -6 | sed "s/^/SRE-ERR $name /"
		for j in "$tmp"/triage/offcpu.json "$tmp"/triage/profile.json; do
			[ -e "$j" ] && echo "SRE-ROWS $name $(basename "$j") $(grep -o '"total_ns"\|"samples":' "$j" | wc -l) rows, $(wc -c <"$j") bytes"
		done
	fi
	[ "${bytes:-0}" -gt 0 ] && [ -n "$alive" ] && [ -n "$hwm" ] ||
		{ echo "SRE-NOTE mapmem $name: gone early (exit $rc): $(grep -v '^	' "$tmp/err" | head -c 300)"; hwm=0; }
	echo "SRE-MEM $name $bytes ${hwm:-0} $cpus ${brss:-0}"
}

measure syslat syslat
measure syslat-P syslat -P
measure offcpu offcpu
measure offcpu-wakers offcpu --wakers
measure profile profile
measure biolat biolat
measure tcpretrans tcpretrans
measure serve serve --listen 127.0.0.1:19464
measure triage triage -o "$tmp/triage" 3600
rm -rf "$tmp"
