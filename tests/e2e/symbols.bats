#!/usr/bin/env bats
# Symbol names against binutils: C++ and Rust names demangled exactly as
# c++filt prints them, on binaries built here (g++, rustc).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	T=$BATS_TEST_TMPDIR
}

# Distinct frames of the folded stacks in $output (frames may hold spaces:
# the count is the last field), one per line.
frames() {
	sed -E 's/ [0-9]+$//' <<<"$output" | tr ';' '\n' | sort -u
}

# Profiles "$@" twice, mangled and not; checks that every mangled frame the
# first run saw in the program's own code (matching $MATCH) is printed by the
# second exactly as c++filt demangles it. Prints how many were compared.
same_as_cxxfilt() {
	run --separate-stderr "$SRE" profile --no-demangle -f folded -- "$@"
	[ "$status" -eq 0 ]
	frames | grep -E '^_[ZR]' | grep -E "$MATCH" >"$T/mangled"
	[ -s "$T/mangled" ]
	c++filt <"$T/mangled" >"$T/want"
	# c++filt changed them: they are mangled names.
	! cmp -s "$T/mangled" "$T/want"
	run --separate-stderr "$SRE" profile -f folded -- "$@"
	[ "$status" -eq 0 ]
	frames >"$T/got"
	! grep -qE '^_[ZR]' <(grep -E "$MATCH" "$T/got")
	while read -r want; do
		grep -qxF -- "$want" "$T/got" || { echo "missing: $want" >&3; return 1; }
	done <"$T/want"
	echo "$(wc -l <"$T/want") names, each as c++filt prints it, e.g. $(head -1 "$T/want")" >&3
}

@test "symbols: C++ names are demangled as c++filt prints them (g++ -O2, std::map, templates); --no-demangle keeps them" {
	command -v g++ >/dev/null || skip "g++ not installed"
	g++ -O2 -g -fno-omit-frame-pointer -o "$T/index" "$ROOT/tests/workload/cxx/index.cc"
	MATCH='.'  # every mangled frame: the program's and libstdc++'s
	same_as_cxxfilt "$T/index" 20
	grep -qxF 'app::Index::lookupMany(int, unsigned int&) const' "$T/got"
	grep -qxF 'unsigned int app::twice<app::Index>(app::Index const&)' "$T/got"
}

@test "symbols: Rust names, legacy and v0, are demangled as c++filt prints them" {
	command -v rustc >/dev/null || skip "rustc not installed"
	rustc -O -C force-frame-pointers=yes -o "$T/legacy" "$ROOT/tests/workload/rust/burn.rs"
	MATCH='4work'
	same_as_cxxfilt "$T/legacy" 2
	grep -qE '^burn::work::hot::h[0-9a-f]{16}$' "$T/got"
	# v0 names need rustc 1.59 or later.
	rustc -O -C force-frame-pointers=yes -C symbol-mangling-version=v0 -o "$T/v0" "$ROOT/tests/workload/rust/burn.rs" ||
		skip "rustc without v0 mangling"
	same_as_cxxfilt "$T/v0" 2
	grep -qE '^burn\[[0-9a-f]+\]::work::hot$' "$T/got"
	grep -qE '^burn\[[0-9a-f]+\]::work::middle::<u64>$' "$T/got"
}
