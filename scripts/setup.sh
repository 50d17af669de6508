#!/bin/sh
# Install what sretrace needs on Debian 12 (run as root). Idempotent and
# silent when everything is already there.
#   setup.sh          what building needs (a compiler, clang, libbpf): the
#                     binary then runs anywhere, needing nothing
#   setup.sh --test   also what the test suite drives (real servers,
#                     Chromium, qemu, peers of the tests) ~1 GB
#   setup.sh --bench  also the peers the benchmarks compare against
#   setup.sh --list [--test|--bench]   print the packages, install nothing
set -eu
build="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev linux-libc-dev bpftool libiberty-dev"
test="bats jq util-linux iproute2 procps nftables libxml2-utils chromium golang-go prometheus qemu-system-x86 busybox-static xz-utils zstd curl python3 binutils postgresql e2fsprogs openjdk-17-jdk-headless nodejs linux-perf g++ strace git lintian man-db"
list=
[ "${1:-}" = "--list" ] && { list=1; shift; }
case "${1:-}" in
"") pkgs=$build ;;
--test) pkgs="$build $test" ;;
--bench) pkgs="$build $test libbpf-tools bpftrace" ;;
*) echo "setup.sh: unknown mode '$1' (--test, --bench, --list)" >&2; exit 2 ;;
esac
if [ -n "$list" ]; then
	echo "$pkgs" | tr ' ' '\n'
	exit 0
fi
# The browser test drives Chromium with playwright-core from the npm registry.
browser_deps() {
	command -v npm >/dev/null || return 0
	[ -d "$(dirname "$0")/../tests/browser/node_modules/playwright-core" ] && return 0
	(cd "$(dirname "$0")/../tests/browser" && npm install --no-audit --no-fund --silent >/dev/null 2>&1) ||
		echo "setup.sh: npm install of playwright-core failed; the browser test will be skipped" >&2
}
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	[ "${1:-}" = "" ] || browser_deps
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "setup.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
[ "${1:-}" = "" ] || browser_deps
