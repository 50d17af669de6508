#!/usr/bin/env bats
# The one binary: dispatch, help, symlinks, static linking.

load helpers

@test "sretrace --help lists every tool" {
	run "$SRE" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *syslat* ]]
	[[ "$output" != *_floor* ]]
}

@test "sretrace TOOL --help shows options and examples" {
	run "$SRE" syslat --help
	[ "$status" -eq 0 ]
	[[ "$output" == *--syscall* ]]
	[[ "$output" == *examples:* ]]
}

@test "a symlink named after a tool runs that tool" {
	d=$(mktemp -d)
	ln -s "$SRE" "$d/syslat"
	ln -s "$SRE" "$d/sretrace-syslat"
	run "$d/syslat" --help
	[ "$status" -eq 0 ] && [[ "$output" == *"sretrace syslat"* ]]
	run "$d/sretrace-syslat" --help
	[ "$status" -eq 0 ] && [[ "$output" == *"sretrace syslat"* ]]
	rm -rf "$d"
}

@test "the binary is static and small" {
	run ldd "$SRE"
	[[ "$output" == *"not a dynamic executable"* ]]
	strip -o "$BATS_TEST_TMPDIR/s" "$SRE"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/s")" -le 2097152 ]
}

@test "make install puts the binary and a symlink per tool under DESTDIR" {
	d=$(mktemp -d)
	make -s -C "$ROOT" install DESTDIR="$d" PREFIX=/usr >/dev/null
	[ -x "$d/usr/bin/sretrace" ]
	[ "$(readlink "$d/usr/bin/sretrace-syslat")" = sretrace ]
	rm -rf "$d"
}
