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
	command -v "$bin" >/dev/null || { echo "vm: $bin not installed (scripts/setup.sh --test)" >&2; exit 2; }
done
kernels=$("$root/tests/vm/fetch-kernels.sh" "$cache") || { echo "vm: cannot fetch kernels" >&2; exit 2; }

. "$root/tests/vm/lib.sh"

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
	boot_guest "$vmlinuz" "$work/initrd-$label.gz" "$log" $((240 + repeat * 10)) 2 1G "sre_repeat=$repeat"
	rc=$?
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
