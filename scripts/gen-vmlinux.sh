#!/bin/sh
# Regenerate vmlinux/vmlinux.h from a BTF kernel. Run by hand on a machine whose
# kernel has BTF; the build only ever reads the committed header.
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
out=$(dirname "$0")/../vmlinux/vmlinux.h
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read BTF at $btf" >&2; exit 2; }
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out from $btf ($(uname -r))"
