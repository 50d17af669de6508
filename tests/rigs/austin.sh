#!/bin/bash
# Prints the path of an austin that reads Python 3.11. Debian 12's 1.0.1
# cannot ("Interpreter state search timed out") and trixie's binary needs
# glibc 2.38, so trixie's source (austin 3.7, ten C files) is fetched with
# a private apt configuration (the host's apt state is untouched) and
# built here. Cached; exit 1 when it cannot be had.
set -u
cache=${SRE_AUSTIN_CACHE:-/var/cache/sretrace-austin}
mirror=${SRE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
bin=$cache/austin
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then echo "$bin"; exit 0; fi
mkdir -p "$cache/lists/partial" "$cache/cache/archives/partial" "$cache/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$cache/sources.list"
opts=(-o "Dir::Etc::SourceList=$cache/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
      -o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/cache" -o APT::Sandbox::User=root -q)
apt-get "${opts[@]}" update >/dev/null 2>&1 || exit 1
# Only the upstream tarball is needed (Debian's packaging part may be missing from a mirror).
(cd "$cache/src" && apt-get "${opts[@]}" source --download-only austin >/dev/null 2>&1)
tarball=$(ls -t "$cache"/src/austin_*.orig.tar.gz 2>/dev/null | head -1)
[ -n "$tarball" ] || exit 1
rm -rf "$cache/build" && mkdir -p "$cache/build" && tar xzf "$tarball" -C "$cache/build" --strip-components=1 || exit 1
src=$cache/build/src
gcc -O2 -pthread -D_GNU_SOURCE -I"$src" -o "$bin" "$src"/argparse.c "$src"/austin.c "$src"/cache.c \
	"$src"/error.c "$src"/logging.c "$src"/platform.c "$src"/py_proc.c "$src"/py_proc_list.c \
	"$src"/py_thread.c "$src"/stats.c -lm >/dev/null 2>&1 || exit 1
"$bin" --version >/dev/null 2>&1 || exit 1
echo "$bin"
