#!/bin/bash
# What a big host costs: boots Debian's 6.12 cloud kernel under qemu with
# 32 vCPUs, measures every tool's BPF map memory and peak RSS there under
# tests/vm/mapmem.sh's load, measures the same on this host, and
# extrapolates linearly per CPU to 256 CPUs. Fails (TAP "not ok") when a
# tool would hold more than 32 MiB of maps or 64 MiB RSS at 256 CPUs
# (issue 21; docs/PERFORMANCE.md has the table). The table goes to stderr.
# Usage: bighost.sh [CACHE]      SRE_BIGHOST_CPUS=N: another guest size.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${1:-${SRE_VM_CACHE:-/var/cache/sretrace-vm}}
gcpus=${SRE_BIGHOST_CPUS:-32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
map_limit=$((32 << 20))
rss_limit_kb=$((64 << 10))

for bin in qemu-system-x86_64 busybox dpkg-deb; do
	command -v "$bin" >/dev/null || { echo "bighost: $bin not installed (scripts/setup.sh --vm)" >&2; exit 2; }
done
kernel=$("$root/tests/vm/fetch-kernels.sh" "$cache" | awk '$1 == "6.12"') || true
[ -n "$kernel" ] || { echo "bighost: cannot fetch the 6.12 kernel" >&2; exit 2; }
read -r _ vmlinuz mods <<<"$kernel"
. "$root/tests/vm/lib.sh"

initramfs "$mods" "$work/initrd.gz"
start=$SECONDS
boot_guest "$vmlinuz" "$work/initrd.gz" "$work/console.log" 1800 "$gcpus" 4G "sre_mode=mem ${SRE_BIGHOST_DETAIL:+sre_detail}"
grep '^SRE-MAP' "$work/console.log.txt" | sed 's/^/# /' >&2
echo "# guest: $gcpus vCPUs, $((SECONDS - start)) s" >&2
grep '^SRE-NOTE' "$work/console.log.txt" | sed 's/^/# /' >&2
grep '^SRE-MEM' "$work/console.log.txt" >"$work/guest"
sh "$root/tests/vm/mapmem.sh" "$root/build/sretrace" "$root/build/workload" | tee /dev/stderr | grep '^SRE-MEM' >"$work/host"

n=0 failed=0
printf '\n| tool | maps, %s CPUs | maps, %s CPUs | per CPU | maps at 256 CPUs | RSS at 256 CPUs |\n|---|---|---|---|---|---|\n' \
	"$(awk '{ print $5; exit }' "$work/host")" "$gcpus" >"$work/table"
while read -r _ name hbytes hrss hcpus; do
	read -r gbytes grss < <(awk -v n="$name" '$2 == n { print $3, $4 }' "$work/guest")
	n=$((n + 1))
	if [ -z "${gbytes:-}" ] || [ "$gbytes" = 0 ]; then
		failed=$((failed + 1))
		echo "not ok $n $name: no measure from the $gcpus-vCPU guest"
		continue
	fi
	# Linear in CPUs through the two measures; growth below zero is noise.
	read -r slope at256 rss256 < <(awk -v hb="$hbytes" -v gb="$gbytes" -v hc="$hcpus" -v gc="$gcpus" \
		-v hr="$hrss" -v gr="$grss" 'BEGIN {
			s = (gb - hb) / (gc - hc); if (s < 0) s = 0
			r = (gr - hr) / (gc - hc); if (r < 0) r = 0
			printf "%.0f %.0f %.0f\n", s, gb + s * (256 - gc), gr + r * (256 - gc) }')
	mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
	printf '| %s | %s | %s | %s KiB | %s | %s |\n' "$name" "$(mib "$hbytes")" "$(mib "$gbytes")" \
		"$((slope / 1024))" "$(mib "$at256")" "$(mib $((rss256 * 1024)))" >>"$work/table"
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
