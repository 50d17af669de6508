#!/bin/bash
# Fetches Debian's cloud kernels for the matrix (6.1 and 6.12 from bookworm,
# 5.10 from bullseye) with apt-get download through a private apt
# configuration in the cache directory. Its sources are this machine's own
# apt sources with the suite renamed, so no mirror is written down here.
# Prints one line per kernel: LABEL VMLINUZ MODULES_DIR
# Usage: fetch-kernels.sh [CACHE]   (default /var/cache/sretrace-vm)
set -euo pipefail
cache=${1:-${SRE_VM_CACHE:-/var/cache/sretrace-vm}}
mkdir -p "$cache"/{lists/partial,cache/archives/partial,debs,kernels}

# "URI SUITE" pairs of the host: deb822 .sources files and one-line lists.
host_sources() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '/^URIs:/ { n = split($0, u, " ") } /^Suites:/ { for (i = 2; i <= NF; i++) for (j = 2; j <= n; j++) print u[j], $i }
		     /^$/ { n = 0 }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) while ($i !~ /\]$/) i++; if ($2 ~ /^\[/) i++; print $i, $(i + 1) }' "$f"
	done
}

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
	host_sources | sort -u | while read -r uri suite; do
		# Only main suites and their security/updates twins of this release.
		case $suite in "$codename" | "$codename"-security | "$codename"-updates) ;; *) continue ;; esac
		for s in "$suite" "${suite/$codename/bullseye}"; do
			echo "deb [signed-by=$keyring] $uri $s main"
		done
	done
} | sort -u >"$cache/sources.list"
[ -s "$cache/sources.list" ] || { echo "fetch-kernels: no usable apt sources on this host" >&2; exit 1; }

apt_opts=(-o "Dir::Etc::SourceList=$cache/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
	  -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/cache" -o APT::Sandbox::User=root -q)
# A day-old index is fresh enough; it keeps repeated runs offline.
if [ -z "$(find "$cache/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	apt-get "${apt_opts[@]}" update >/dev/null
fi

# The image package a metapackage version depends on: $1 metapackage, $2 version prefix.
image_of() {
	apt-cache "${apt_opts[@]}" show "$1" 2>/dev/null |
		awk -v p="$2" '/^Version:/ { v = $2 } /^Depends:/ && index(v, p) == 1 { print $2; exit }' | tr -d ,
}

fetch() { # label package
	local label=$1 pkg=$2 dir=$cache/kernels/$1 deb
	if [ ! -e "$dir/.done-$pkg" ]; then
		(cd "$cache/debs" && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null)
		deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -1)
		rm -rf "$dir" && mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		touch "$dir/.done-$pkg"
	fi
	echo "$label $(ls "$dir"/boot/vmlinuz-* | head -1) $(ls -d "$dir"/lib/modules/* | head -1)"
}

for spec in "5.10 linux-image-cloud-amd64 5.10." "6.1 linux-image-cloud-amd64 6.1." "6.12 linux-image-6.12-cloud-amd64 6.12."; do
	set -- $spec
	pkg=$(image_of "$2" "$3")
	[ -n "$pkg" ] || { echo "fetch-kernels: no $1 kernel package found" >&2; exit 1; }
	fetch "$1" "$pkg"
done
