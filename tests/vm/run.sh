#!/bin/bash
# The kernel matrix: boots Debian's 5.10, 6.1 and 6.12 cloud kernels under
# qemu (TCG; KVM is unusable here), one guest at a time and always under
# timeout, each with an initramfs of busybox, the static sretrace, static
# workloads and tests/vm/guest-init.sh; reads the results off the serial
# console; prints a table kernel x tool, with the host kernel's own row
# from the same checks run natively. TAP on stdout for CI.
# Usage: run.sh [CACHE]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-${SRE_VM_CACHE:-/var/cache/sretrace-vm}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tools="syslat offcpu profile biolat tcpretrans serve dwarf-profile dwarf-offcpu"
# SRE_VM_REPEAT=N: also run offcpu's known-sleep check N times in a row in
# each guest (an intermittent loss shows as fewer than N passes).
repeat=${SRE_VM_REPEAT:-0}
[ "$repeat" -gt 0 ] && tools="$tools offcpu-repeat"

for bin in qemu-system-x86_64 busybox dpkg-deb; do
	command -v "$bin" >/dev/null || { echo "vm: $bin not installed (scripts/setup.sh --vm)" >&2; exit 2; }
done
kernels=$("$root/tests/vm/fetch-kernels.sh" "$cache") || { echo "vm: cannot fetch kernels" >&2; exit 2; }

# Decompressed copies of the modules a guest needs (loop for biolat).
add_modules() { # modules_dir dest
	local f
	mkdir -p "$2"
	for name in loop; do
		f=$(find "$1" -name "$name.ko*" | head -1)
		case $f in
		*.ko.xz) xz -dc "$f" >"$2/$name.ko" ;;
		*.ko.zst) zstd -qdc "$f" >"$2/$name.ko" ;;
		*.ko) cp "$f" "$2/" ;;
		esac
	done
}

initramfs() { # modules_dir out
	local s=$work/stage
	rm -rf "$s" && mkdir -p "$s"/{bin,proc,sys,dev,tmp,wl,modules} "$s/sys/fs"
	cp "$(command -v busybox)" "$s/bin/busybox"
	cp "$root/tests/vm/guest-init.sh" "$s/init"
	chmod 755 "$s/init"
	cp "$root/build/sretrace" "$s/sretrace"
	cp "$root"/build/vm/wl/* "$s/wl/"
	add_modules "$1" "$s/modules"
	(cd "$s" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$2"
}

# Failures the matrix found that are not fixed yet, as [KERNEL.TOOL]=reason:
# reported as SKIP with the reason (and in docs/KERNELS.md), so a new
# failure anywhere else is red. Empty: everything passes.
declare -A known=()
declare -A res why
n=0 failed=0 skipped=0
while read -r label vmlinuz mods; do
	# SRE_VM_ONLY="6.1 6.12": a subset, when working on one kernel.
	[ -n "${SRE_VM_ONLY:-}" ] && [[ " $SRE_VM_ONLY " != *" $label "* ]] && continue
	initramfs "$mods" "$work/initrd-$label.gz"
	log=$work/console-$label.log
	start=$SECONDS
	# A guest that dies before its init runs is a TCG emulation flake (seen:
	# 6.12 panicking in sched_clock_cpu at 1.1 s): boot it again, at most
	# twice. Once init has run, nothing is retried.
	for attempt in 1 2 3; do
		timeout $((240 + repeat * 10)) qemu-system-x86_64 -accel tcg -cpu max -m 1G -smp 2 -nic none -nographic -no-reboot \
			-kernel "$vmlinuz" -initrd "$work/initrd-$label.gz" \
			-append "console=ttyS0 panic=-1 quiet loglevel=3 sre_repeat=$repeat" </dev/null >"$log" 2>&1
		rc=$?
		tr -d '\r' <"$log" >"$log.txt"
		grep -q '^SRE-KERNEL' "$log.txt" && break
		echo "# $label: guest died before init (attempt $attempt), booting again" >&2
		tail -3 "$log.txt" | sed 's/^/# console: /' >&2
	done
	kver=$(sed -n 's/^SRE-KERNEL //p' "$log.txt" | head -1)
	echo "# $label ($kver): $((SECONDS - start)) s, qemu exit $rc" >&2
	grep -q '^SRE-DONE' "$log.txt" || tail -20 "$log.txt" | sed 's/^/# console: /' >&2
	grep '^SRE-DEBUG\|^SRE-NOTE' "$log.txt" | sed 's/^/# /' >&2
	for t in $tools; do
		line=$(grep -m1 "^SRE-RESULT $t " "$log.txt")
		res[$label.$t]=$(awk '{ print $3 }' <<<"$line")
		why[$label.$t]=$(cut -d' ' -f4- <<<"$line")
		[ -n "${res[$label.$t]}" ] || { res[$label.$t]=FAIL; why[$label.$t]="no result (guest died or timed out)"; }
		n=$((n + 1))
		if [ "${res[$label.$t]}" = PASS ]; then
			echo "ok $n $label $t: ${why[$label.$t]}"
		elif [ -n "${known[$label.$t]:-}" ]; then
			res[$label.$t]=KNOWN
			skipped=$((skipped + 1))
			echo "ok $n $label $t # SKIP known: ${known[$label.$t]} (${why[$label.$t]})"
		else
			failed=$((failed + 1))
			echo "not ok $n $label $t: ${why[$label.$t]}"
		fi
	done
	labels="${labels:-} $label"
done <<<"$kernels"

# The table, for docs and the README.
{
	printf '\n| kernel |'
	for t in $tools; do printf ' %s |' "$t"; done
	printf '\n|---|'
	for t in $tools; do printf -- '---|'; done
	printf '\n'
	for l in $labels; do
		printf '| %s |' "$l"
		for t in $tools; do printf ' %s |' "${res[$l.$t]}"; done
		printf '\n'
	done
} >&2
echo "# vm matrix: $((n - failed - skipped)) passed, $failed failed, $skipped known failures (skipped)" >&2
[ "$failed" -eq 0 ]
