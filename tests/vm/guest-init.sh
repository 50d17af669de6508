#!/bin/busybox sh
# PID 1 of the matrix guest (busybox only): mount what a host has, run
# every tracer about a second against a workload with known ground truth,
# print one "SRE-RESULT TOOL PASS|FAIL|SKIP detail" line each on the
# serial console, and power off. tracefs is deliberately not mounted.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
ip link set lo up 2>/dev/null
for m in /modules/*.ko; do [ -e "$m" ] && insmod "$m" 2>/dev/null; done

K=$(uname -r)
S=/sretrace
W=/wl
result() { name=$1 verdict=$2; shift 2; echo "SRE-RESULT $name $verdict $*"; }
# Sum of the last field over folded lines matching $1 in file $2.
folded_sum() { grep -E "$1" "$2" | awk '{ s += $NF } END { print s + 0 }'; }
# One-line reason from a tool's stderr.
why() { tr '\n' ' ' <"$1" | cut -c1-160; }

echo; echo "SRE-KERNEL $K"
[ -e /sys/kernel/btf/vmlinux ] || echo "SRE-NOTE no /sys/kernel/btf/vmlinux"

# sre_mode=mem (tests/vm/bighost.sh): each tool's map memory and peak RSS
# under a fixed load, nothing else.
if grep -q 'sre_mode=mem' /proc/cmdline; then
	sh /mapmem.sh $S $W
	echo "SRE-DONE"
	poweroff -f
fi

# syslat: exactly 1234 getppid calls.
if $S syslat -s getppid -f json -- $W/syscalls -g 1234 >/tmp/o 2>/tmp/e; then
	n=$(sed -n 's/.*"syscall":"getppid","count":\([0-9]*\).*/\1/p' /tmp/o | head -1)
	[ "$n" = 1234 ] && result syslat PASS "1234/1234 getppid" || result syslat FAIL "counted '${n}' of 1234 getppid"
else
	result syslat FAIL "exit $?: $(why /tmp/e)"
fi

# profile: 1 s of burn at 99 Hz.
if $S profile -f folded -- $W/burner 1 >/tmp/o 2>/tmp/e; then
	got=$(folded_sum 'sretrace_test_burn_here' /tmp/o)
	# TCG runs the guest slower than real time; samples follow CPU time, so the
	# burner's own second of CPU still gives ~99.
	if [ "$got" -ge 80 ] && [ "$got" -le 120 ]; then
		result profile PASS "$got samples (want ~99)"
	else
		result profile FAIL "$got samples (want ~99)"
		sort -k2 -n -r /tmp/o | head -3 | cut -c1-300 | sed 's/^/SRE-DEBUG /'
		$S profile -f json -- $W/burner 0.3 2>&1 | cut -c1-200 | sed 's/^/SRE-DEBUG /'
	fi
else
	result profile FAIL "exit $?: $(why /tmp/e)"
fi

# offcpu: 5 x 40 ms blocks in sretrace_test_block_here, against the
# workload's own measure. Prints "PASS|FAIL detail".
offcpu_known_sleep() {
	if $S offcpu -f folded -- $W/blocker -k 5 -t 40 -o /tmp/truth >/tmp/o 2>/tmp/e; then
		got=$(folded_sum 'sretrace_test_block_here' /tmp/o)
		want=$(cat /tmp/truth 2>/dev/null || echo 200000)
		if [ "$got" -ge $((want * 90 / 100)) ] && [ "$got" -le $((want * 110 / 100)) ]; then
			echo "PASS ${got}us of ${want}us attributed"
		else
			echo "FAIL ${got}us of ${want}us attributed"
			grep blocker /tmp/o | cut -c1-300 | sed 's/^/SRE-DEBUG /' >&2
			sed 's/^/SRE-DEBUG /' /tmp/e >&2
		fi
	else
		echo "FAIL exit $?: $(why /tmp/e)"
		# Why it did not load: the verifier's last words.
		$S offcpu -v 0.1 2>&1 | grep -v '^libbpf: prog' | tail -25 | cut -c1-200 | sed 's/^/SRE-DEBUG /' >&2
	fi
}
result offcpu $(offcpu_known_sleep 2>/dev/console)

# sre_repeat=N on the command line: the same check N times in a row.
repeat=$(sed -n 's/.*sre_repeat=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ "${repeat:-0}" -gt 0 ]; then
	pass=0
	for i in $(seq "$repeat"); do
		r=$(offcpu_known_sleep 2>/dev/console)
		case $r in PASS*) pass=$((pass + 1)) ;; *) echo "SRE-DEBUG repeat $i: $r" ;; esac
	done
	[ "$pass" = "$repeat" ] && result offcpu-repeat PASS "$pass of $repeat runs attributed every known sleep" ||
		result offcpu-repeat FAIL "$pass of $repeat runs attributed every known sleep"
fi

# DWARF unwinding (-O2 -fomit-frame-pointer, static): the chain
# main -> sretrace_nofp_a..d must be whole in >= 95% of samples and time.
# dwarf_check NAME UNIT FULL-PATTERN ALL-PATTERN MIN-ALL TOOL-ARGS...
dwarf_check() {
	name=$1 unit=$2 full=$3 every=$4 min=$5
	shift 5
	if $S "$@" >/tmp/o 2>/tmp/e; then
		got=$(folded_sum "$full" /tmp/o)
		all=$(folded_sum "$every" /tmp/o)
		if [ "$all" -ge "$min" ] && [ $((got * 100)) -ge $((all * 95)) ]; then
			result "$name" PASS "full chain in $got of $all $unit"
		else
			result "$name" FAIL "full chain in $got of $all $unit"
			sort -k2 -n -r /tmp/o | head -3 | cut -c1-300 | sed 's/^/SRE-DEBUG /'
			sed 's/^/SRE-DEBUG /' /tmp/e
		fi
	else
		result "$name" FAIL "exit $?: $(why /tmp/e)"
	fi
}
chain='main;sretrace_nofp_a;sretrace_nofp_b;sretrace_nofp_c;sretrace_nofp_d'
dwarf_check dwarf-profile samples "__libc_start_main.*;$chain" '^nofp;' 50 \
	profile --unwind dwarf -f folded -- $W/nofp burn 1
dwarf_check dwarf-offcpu us "__libc_start_main.*;$chain;.*-;.*hrtimer_nanosleep" 'hrtimer_nanosleep' 180000 \
	offcpu --unwind dwarf -f folded -- $W/nofp sleep 5 40

# biolat: 64 O_DIRECT writes to a loop device, against its /sys/block stat.
dev=
if [ -e /dev/loop-control ] || [ -e /sys/module/loop ]; then
	dd if=/dev/zero of=/tmp/img bs=1M count=16 2>/dev/null
	dev=$(losetup -f 2>/dev/null) && losetup "$dev" /tmp/img 2>/dev/null || dev=
fi
if [ -n "$dev" ]; then
	d=$(basename "$dev")
	w0=$(awk '{ print $5 }' /sys/block/$d/stat)
	if $S biolat -D -O -f json -- $W/dwrite "$dev" 64 >/tmp/o 2>/tmp/e; then
		w1=$(awk '{ print $5 }' /sys/block/$d/stat)
		# The row's own count comes before its nested objects ({).
		got=$(grep -o "\"disk\":\"$d\",\"op\":\"write\"[^{]*" /tmp/o | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | head -1)
		[ "$got" = $((w1 - w0)) ] && [ "$got" -ge 64 ] && result biolat PASS "$got writes = /sys/block/$d/stat" ||
			result biolat FAIL "$got writes, /sys/block/$d/stat says $((w1 - w0))"
	else
		result biolat FAIL "exit $?: $(why /tmp/e)"
	fi
else
	# Attach only: no loop device in this guest.
	$S biolat 1 1 >/tmp/o 2>/tmp/e && result biolat PASS "attach-only (no loop device)" ||
		result biolat FAIL "exit $?: $(why /tmp/e)"
fi

# tcpretrans: no nft in the guest, so attach and report cleanly.
$S tcpretrans -A 1 >/tmp/o 2>/tmp/e && result tcpretrans PASS "attach-only (no nft in the guest)" ||
	result tcpretrans FAIL "exit $?: $(why /tmp/e)"

# serve: answers /metrics with the syscall histogram.
$S serve --listen 127.0.0.1:9464 --tools syslat 3 2>/tmp/e &
sleep 1
$W/syscalls -g 10
if wget -q -O /tmp/m http://127.0.0.1:9464/metrics 2>/dev/null && grep -q '^sretrace_syscall_latency_seconds_count{syscall="getppid"}' /tmp/m; then
	result serve PASS "metrics served"
else
	result serve FAIL "$(why /tmp/e)"
fi
wait

echo "SRE-DONE"
poweroff -f
