#!/usr/bin/env bats
# What SREs deploy: make deb (installed with dpkg, checked by lintian) and
# make tarball; and setup.sh installing only what building needs unless
# told to install the test stack.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export PKG=$BATS_FILE_TMPDIR/pkg
	make -C "$ROOT" -s deb tarball >/dev/null
	mkdir -p "$PKG"
	cp "$ROOT"/build/pkg/* "$PKG/"
}

teardown() {
	# Installed by the dpkg test: never left behind.
	if dpkg-query -W -f='${Status}' sretrace 2>/dev/null | grep -q installed; then
		dpkg -P sretrace >/dev/null 2>&1 || true
	fi
}

@test "make deb: dpkg installs it (binary, links, man pages, completion, the serve unit), lintian finds no error, dpkg -P removes it all" {
	require_root
	deb=$(ls "$PKG"/sretrace_*_amd64.deb)
	dpkg-deb -I "$deb" | grep -q '^ Package: sretrace'
	if command -v lintian >/dev/null; then
		run lintian --fail-on error "$deb"
		echo "$output" | head -20 >&3
		[ "$status" -eq 0 ]
	else
		echo "lintian not installed (scripts/setup.sh --test): not checked" >&3
	fi
	! dpkg-query -W sretrace >/dev/null 2>&1 || skip "an sretrace package is installed on this host already"
	dpkg -i "$deb" >/dev/null
	[ "$(/usr/bin/sretrace --version)" = "$("$SRE" --version)" ]
	[ "$(readlink /usr/bin/sretrace-offcpu)" = sretrace ]
	/usr/bin/sretrace-offcpu --help | grep -q '^usage: sretrace offcpu'
	[ "$(man -w sretrace-triage)" = /usr/share/man/man8/sretrace-triage.8.gz ]
	man -w sretrace >/dev/null
	[ -s /usr/share/bash-completion/completions/sretrace ]
	grep -q '^ExecStart=/usr/bin/sretrace serve' /lib/systemd/system/sretrace-serve.service
	command -v systemd-analyze >/dev/null && systemd-analyze verify /lib/systemd/system/sretrace-serve.service
	[ -s /usr/share/doc/sretrace/copyright ]
	dpkg -P sretrace >/dev/null
	[ ! -e /usr/bin/sretrace ] && [ ! -e /usr/share/man/man8/sretrace.8.gz ]
}

@test "make tarball: the same tree for /usr/local, runnable where it is unpacked" {
	tgz=$(ls "$PKG"/sretrace-*-linux-x86_64.tar.gz)
	tar -C "$BATS_TEST_TMPDIR" -xzf "$tgz"
	d=$(ls -d "$BATS_TEST_TMPDIR"/sretrace-*-linux-x86_64)
	[ -x "$d/bin/sretrace" ] && [ "$(readlink "$d/bin/sretrace-profile")" = sretrace ]
	"$d/bin/sretrace" --version | grep -qE '^sretrace [0-9]+\.[0-9]+\.[0-9]+$'
	[ -s "$d/share/man/man8/sretrace-offcpu.8.gz" ] && [ -s "$d/share/bash-completion/completions/sretrace" ]
	grep -q '^ExecStart=/usr/local/bin/sretrace serve' "$d/lib/systemd/system/sretrace-serve.service"
	[ -s "$d/LICENSE" ] && [ -s "$d/README.md" ]
	# Static: nothing to install where it runs.
	! ldd "$d/bin/sretrace" >/dev/null 2>&1 || ldd "$d/bin/sretrace" | grep -q 'not a dynamic executable'
}

@test "setup.sh: building needs a compiler, clang and libbpf only; the test stack comes with --test" {
	build=$("$ROOT/scripts/setup.sh" --list)
	for heavy in chromium golang-go prometheus qemu-system-x86 postgresql openjdk-17-jdk-headless nodejs; do
		! grep -qx "$heavy" <<<"$build" || { echo "$heavy in the build set" >&3; false; }
		"$ROOT/scripts/setup.sh" --list --test | grep -qx "$heavy"
	done
	for need in clang libbpf-dev bpftool libelf-dev zlib1g-dev libiberty-dev make gcc llvm; do
		grep -qx "$need" <<<"$build"
	done
	[ "$(wc -l <<<"$build")" -le 12 ]
	run "$ROOT/scripts/setup.sh" --nope
	[ "$status" -eq 2 ]
}
