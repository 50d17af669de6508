#!/bin/bash
# What SREs deploy: a Debian package (make deb) or a static tarball for
# every other distribution (make tarball), both from the built binary and
# `make install`'s tree: the binary and its sretrace-TOOL links, man
# pages, bash completion, the serve systemd unit, licenses and docs.
#   package.sh deb|tarball VERSION OUTDIR
set -euo pipefail
mode=$1 version=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# stage PREFIX SYSTEMD_DIR: the tree under $work/stage.
stage() {
	local s=$work/stage doc
	make -s -C "$root" install DESTDIR="$s" PREFIX="$1" >/dev/null
	doc=$s$1/share/doc/sretrace
	install -d "$doc" "$s$2"
	gzip -9n "$s$1"/share/man/man8/*.8
	cp "$root"/docs/*.md "$doc/"
	sed -e "s|/usr/local/bin/|$1/bin/|; s|/usr/local/share/doc/|$1/share/doc/|" \
		"$root/scripts/sretrace-serve.service" >"$s$2/sretrace-serve.service"
	chmod 0644 "$s$2/sretrace-serve.service" "$doc"/*
}

case $mode in
deb)
	stage /usr /lib/systemd/system
	s=$work/stage doc=$work/stage/usr/share/doc/sretrace
	# Debian's layout: the license by reference, a native changelog.
	cat >"$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: sretrace
Comment: The static binary also contains libbpf (LGPL-2.1 or BSD-2-Clause),
 libelf from elfutils (GPL-2+ or LGPL-3+), zlib (Zlib), libiberty's demangler
 (LGPL-2.1+) and glibc (LGPL-2.1+), all compatible with GPL-2 for the whole.

Files: *
Copyright: 2026 the sretrace developers
License: GPL-2
 This program is free software; you can redistribute it and/or modify it
 under the terms of the GNU General Public License, version 2, as published
 by the Free Software Foundation.
 .
 On Debian systems the full text of the GNU General Public License version
 2 is in /usr/share/common-licenses/GPL-2.
EOF
	{
		printf 'sretrace (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Release %s; the git history has the changes.\n\n' "$version"
		printf ' -- sretrace developers <sretrace@example.org>  %s\n' "$(date -R -u -d @"${SOURCE_DATE_EPOCH:-$(date +%s)}")"
	} | gzip -9n >"$doc/changelog.gz"
	# A static binary on purpose (nothing to install on the target), so
	# zlib, libelf and libbpf are inside it.
	install -d "$s/usr/share/lintian/overrides"
	printf 'sretrace: statically-linked-binary [usr/bin/sretrace]\nsretrace: embedded-library zlib [usr/bin/sretrace]\n' \
		>"$s/usr/share/lintian/overrides/sretrace"
	chmod 0644 "$doc/copyright" "$doc/changelog.gz" "$s/usr/share/lintian/overrides/sretrace"
	install -d "$s/DEBIAN"
	cat >"$s/DEBIAN/control" <<EOF
Package: sretrace
Version: $version
Architecture: amd64
Maintainer: sretrace developers <sretrace@example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$s" | cut -f1)
Section: admin
Priority: optional
Description: eBPF tools to find where the time goes on a live host
 One static binary of eBPF tools built on libbpf CO-RE: syscall latency
 (syslat), off-CPU time by stack and waker (offcpu), on-CPU profiles
 (profile), block I/O latency (biolat), TCP retransmits (tcpretrans),
 flame graphs, a ranked triage of everything at once, and a Prometheus
 exporter (serve, with a systemd unit). Needs a kernel with BTF (5.8+).
EOF
	(cd "$s" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$s/DEBIAN/md5sums"
	chmod 0644 "$s/DEBIAN/control" "$s/DEBIAN/md5sums"
	dpkg-deb --root-owner-group -Zxz --build "$s" "$out/sretrace_${version}_amd64.deb" >/dev/null
	echo "$out/sretrace_${version}_amd64.deb"
	;;
tarball)
	# Unpacked over /usr/local (or anywhere: nothing in it names a path
	# but the systemd unit).
	stage /usr/local /usr/local/lib/systemd/system
	name=sretrace-$version-linux-x86_64
	mv "$work/stage/usr/local" "$work/$name"
	cp "$root/LICENSE" "$root/README.md" "$work/$name/"
	tar -C "$work" --owner=0 --group=0 --sort=name -czf "$out/$name.tar.gz" "$name"
	echo "$out/$name.tar.gz"
	;;
*)
	echo "package.sh: deb or tarball" >&2
	exit 2
	;;
esac
