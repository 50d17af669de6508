#!/bin/sh
# The newest peers for the benchmarks: libbpf-tools and bpftrace from Debian
# sid, in a minimal chroot (~20-50 s, ~300 MB). The benchmarks find it at
# $SRE_SID_ROOT (default /var/cache/sretrace-sid) and mount /proc, /sys,
# /dev and tracefs inside it only while they run (scripts/bench/lib.sh).
set -eu
root=${SRE_SID_ROOT:-/var/cache/sretrace-sid}
mirror=${SRE_SID_MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "sid-peers: needs root" >&2; exit 2; }
if [ -x "$root/usr/sbin/offcputime-libbpf" ]; then
	chroot "$root" dpkg-query -W libbpf-tools bpftrace
	exit 0
fi
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
debootstrap --variant=minbase --include=libbpf-tools,bpftrace sid "$root" "$mirror" >/dev/null
chroot "$root" dpkg-query -W libbpf-tools bpftrace
