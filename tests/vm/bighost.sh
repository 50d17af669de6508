#!/bin/bash
# What a big host costs: boots Debian's 6.12 cloud kernel under qemu with
# 32 and with 64 vCPUs, measures every tool's BPF map memory and peak RSS
# in each under tests/vm/mapmem.sh's load (and on this host, for the
# table), and extrapolates linearly from the two guests to 256 CPUs: every
# size that follows the CPU count up to a cap (the copy ring, offcpu's
# places, syslat's histogram shards) has reached it by 32, so what still
# grows between 32 and 64 is what grows per CPU. Fails (TAP "not ok") when
# a tool would hold more than 32 MiB of maps or 64 MiB RSS at 256 CPUs
# (issue 21; docs/PERFORMANCE.md has the table). The table goes to stderr.
# RSS is extrapolated from its part outside the BPF maps' mappings.
# Usage: bighost.sh [CACHE]    SRE_BIGHOST_CPUS="32 64": the guest sizes;
# SRE_BIGHOST_DETAIL=1: every map of every tool on the console;
# SRE_BIGHOST_ONLY=TOOL: that configuration alone.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-${SRE_VM_CACHE:-/var/cache/sretrace-vm}}
sizes=${SRE_BIGHOST_CPUS:-32 64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
map_limit=$((32 << 20))
rss_limit_kb=$((64 << 10))

for bin in qemu-system-x86_64 busybox dpkg-deb; do
	command -v "$bin" >/dev/null || { echo "bighost: $bin not installed (scripts/setup.sh --test)" >&2; exit 2; }
done
kernel=$("$root/tests/vm/fetch-kernels.sh" "$cache" | awk '$1 == "6.12"') || true
[ -n "$kernel" ] || { echo "bighost: cannot fetch the 6.12 kernel" >&2; exit 2; }
read -r _ vmlinuz mods <<<"$kernel"
. "$root/tests/vm/lib.sh"

initramfs "$mods" "$work/initrd.gz"
for n in $sizes; do
	start=$SECONDS
	# One host thread runs every vCPU in turn: with one per vCPU (the
	# default) the guest died now and then with "Oops: int3" in code the
	# kernel was patching as a program attached (a tracepoint's static
	# key): TCG and cross-modifying code on many vCPUs, never seen with 2.
	SRE_VM_TCG_OPTS=thread=single boot_guest "$vmlinuz" "$work/initrd.gz" "$work/console-$n.log" 1800 "$n" 4G \
		"sre_mode=mem ${SRE_BIGHOST_DETAIL:+sre_detail} ${SRE_BIGHOST_ONLY:+sre_only=$SRE_BIGHOST_ONLY}"
	echo "# guest: $n vCPUs, $((SECONDS - start)) s" >&2
	grep -q '^SRE-DONE' "$work/console-$n.log.txt" || tail -20 "$work/console-$n.log.txt" | sed 's/^/# console: /' >&2
	grep "^SRE-NOTE\\|^SRE-MAP\\|^SRE-ERR\\|^SRE-ROWS" "$work/console-$n.log.txt" | sed "s/^/# $n vCPUs: /" >&2
	grep '^SRE-MEM' "$work/console-$n.log.txt" >"$work/guest-$n"
	sed "s/^/# $n vCPUs: /" "$work/guest-$n" >&2
	grep '^SRE-SCRAPE' "$work/console-$n.log.txt" | sed "s/^/# $n vCPUs: /" >&2
done
SRE_MAPMEM_ONLY=${SRE_BIGHOST_ONLY:-} sh "$root/tests/vm/mapmem.sh" "$root/build/sretrace" "$root/build/workload" >"$work/host.all"
grep '^SRE-SCRAPE' "$work/host.all" | sed 's/^/# host: /' >&2
grep '^SRE-MEM' "$work/host.all" >"$work/host"
read -r small large <<<"$(tr ' ' '\n' <<<"$sizes" | grep . | sort -n | sed -n '1p;$p' | tr '\n' ' ')"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
n=0 failed=0
{
	printf '\n| tool | maps: %s CPUs | %s | %s | per CPU | 256 (extrapolated) | peak RSS: %s | %s | 256 |\n' \
		"$(awk '{ print $5; exit }' "$work/host")" "$small" "$large" "$small" "$large"
	printf '|---|---|---|---|---|---|---|---|---|\n'
} >"$work/table"
while read -r _ name hbytes _ _; do
	read -r sb sr sx < <(awk -v n="$name" '$2 == n { print $3, $4, $6 }' "$work/guest-$small")
	read -r lb lr lx < <(awk -v n="$name" '$2 == n { print $3, $4, $6 }' "$work/guest-$large")
	n=$((n + 1))
	if [ "${sb:-0}" = 0 ] || [ "${lb:-0}" = 0 ] || [ "${sr:-0}" = 0 ] || [ "${lr:-0}" = 0 ]; then
		failed=$((failed + 1))
		echo "not ok $n $name: no measure from a guest ($small: '${sb:-}' '${sr:-}', $large: '${lb:-}' '${lr:-}')"
		continue
	fi
	# Through the two guests; growth below zero is noise (usage-sized maps).
	# RSS grows by the process's own memory: its resident BPF ring pages
	# are bounded by the rings' sizes (capped, and counted as maps).
	read -r slope at256 rss256 < <(awk -v sb="$sb" -v lb="$lb" -v sc="$small" -v lc="$large" -v sr="$sr" -v lr="$lr" \
		-v sx="${sx:-0}" -v lx="${lx:-0}" \
		'BEGIN { s = (lb - sb) / (lc - sc); if (s < 0) s = 0; r = ((lr - lx) - (sr - sx)) / (lc - sc); if (r < 0) r = 0
			 printf "%.0f %.0f %.0f\n", s, lb + s * (256 - lc), lr + r * (256 - lc) }')
	printf '| %s | %s | %s | %s | %s KiB | **%s** | %s | %s | **%s** |\n' "$name" "$(mib "$hbytes")" "$(mib "$sb")" \
		"$(mib "$lb")" "$((slope / 1024))" "$(mib "$at256")" "$(mib $((sr * 1024)))" "$(mib $((lr * 1024)))" \
		"$(mib $((rss256 * 1024)))" >>"$work/table"
	if [ "$at256" -le "$map_limit" ] && [ "$rss256" -le "$rss_limit_kb" ]; then
		echo "ok $n $name: $(mib "$at256") of maps, $(mib $((rss256 * 1024))) RSS at 256 CPUs"
	else
		failed=$((failed + 1))
		echo "not ok $n $name: $(mib "$at256") of maps, $(mib $((rss256 * 1024))) RSS at 256 CPUs (bounds 32 MiB, 64 MiB)"
	fi
done <"$work/host"
cat "$work/table" >&2
echo "# bighost: $((n - failed)) passed, $failed failed" >&2
[ "$failed" -eq 0 ]
