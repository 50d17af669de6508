#!/usr/bin/env bats
# Symbol names against binutils: C++ and Rust names demangled exactly as
# c++filt prints them, on binaries built here (g++, rustc).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	T=$BATS_TEST_TMPDIR
}

# profile "$@" with its folded stacks in $output: written to a file, apart
# from what the traced command prints on stdout (a number is no stack).
profile_folded() {
	run --separate-stderr "$SRE" profile -f folded -o "$T/prof.folded" "$@"
	[ "$status" -eq 0 ] || return 1
	output=$(cat "$T/prof.folded")
}

# Distinct frames of the folded stacks in $output (frames may hold spaces:
# the count is the last field), one per line.
frames() {
	sed -E 's/ [0-9]+$//' <<<"$output" | tr ';' '\n' | sort -u
}

# Frames of $output that hold at least 5% of its samples (counted once per
# line they appear on), one per line. (At 2%, libstdc++'s string
# construction at start-up was sampled in one run and not the next.)
hot_frames() {
	awk '{ st = $0; sub(/ [0-9]+$/, "", st); t += $NF; n = split(st, f, ";"); delete seen
		for (i = 1; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; w[f[i]] += $NF } }
		END { for (k in w) if (w[k] * 20 >= t) print k }' <<<"$output" | sort -u
}

# Profiles "$@" twice, mangled and not; checks that every mangled frame the
# first run saw in the program's own code (matching $MATCH) is printed by the
# second exactly as c++filt demangles it. Prints how many were compared.
same_as_cxxfilt() {
	profile_folded --no-demangle -- "$@"
	# Frames holding 5% of the samples or more: present in both runs (a
	# function sampled once in the first may not be sampled in the second).
	hot_frames | grep -E '^_[ZR]' | grep -E "$MATCH" >"$T/mangled"
	[ -s "$T/mangled" ]
	c++filt <"$T/mangled" >"$T/want"
	# c++filt changed them: they are mangled names.
	! cmp -s "$T/mangled" "$T/want"
	profile_folded -- "$@"
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
	# 2 s, ~200 samples: a frame at 5% of the first run is ~10 samples, so
	# it is in the second too (at 20, ~30 samples, inlined frames at the
	# threshold came and went).
	same_as_cxxfilt "$T/index" 200
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

@test "symbols: stripped libraries are named from their installed debug files (libc6-dbg), as perf names them" {
	bid=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null | awk '/Build ID/ { print $3 }')
	[ -n "$bid" ] && [ -f "/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug" ] || skip "libc6-dbg not installed"
	command -v g++ >/dev/null || skip "g++ not installed"
	g++ -O2 -o "$T/index" "$ROOT/tests/workload/cxx/index.cc"
	profile_folded -- "$T/index" 25
	# Innermost frames, summed.
	awk '{ st = $0; sub(/ [0-9]+$/, "", st); n = split(st, f, ";"); s[f[n]] += $NF; t += $NF }
		END { for (k in s) printf "%d %s\n", s[k] * 100 / t, k }' <<<"$output" | sort -rn >"$T/ours"
	head -5 "$T/ours" >&3
	# libc's internal functions have names now (.dynsym has only memcmp's IFUNC).
	! grep -qE '^([5-9]|[1-9][0-9]) libc\.so\.6\+0x' "$T/ours"
	# -v says which files took their names from debug files.
	profile_folded -v -- "$T/index" 2
	grep -E 'profile: symbols of [0-9]+ files loaded \([0-9.]+ MB; [1-9][0-9]* named from debug files\)' <<<"$stderr" >&3
	command -v perf >/dev/null || skip "perf not installed"
	perf record -q -e cpu-clock -F 499 -o "$T/perf.data" -- "$T/index" 25 >/dev/null 2>&1
	perf report -i "$T/perf.data" --stdio --no-children --sort dso,sym -q 2>/dev/null |
		sed -nE 's/^ *([0-9]+)\.[0-9]+% +libc\.so\.6 +\[\.\] (.*[^ ]) *$/\1 \2/p' >"$T/perf"
	head -3 "$T/perf" >&3
	# Every libc function perf puts at 5% or more is one of our innermost frames.
	n=0
	while read -r pct name; do
		[ "$pct" -ge 5 ] || continue
		grep -qE "^[0-9]+ ${name//./\\.}\$" "$T/ours" || { echo "perf's $name missing" >&3; return 1; }
		n=$((n + 1))
	done <"$T/perf"
	[ "$n" -ge 1 ]
}

@test "symbols: a function no symbol covers is one frame, at its start from .eh_frame (stripped binary)" {
	gcc -O2 -fno-omit-frame-pointer -o "$T/full" "$ROOT/tests/workload/cxx/hotstatic.c"
	strip --strip-all -o "$T/hotstatic" "$T/full"
	# Ground truth: the function's address in the unstripped copy, and the
	# segment holding it (file offset = vaddr - p_vaddr + p_offset).
	addr=$((0x$(nm "$T/full" | awk '/ spin_static/ { print $1 }')))
	while read -r o v fsz; do
		if [ $((v)) -le "$addr" ] && [ "$addr" -lt $((v + fsz)) ]; then off=$((o)) vaddr=$((v)); fi
	done < <(readelf -lW "$T/full" | awk '$1 == "LOAD" { print $2, $3, $5 }')
	want=$(printf 'hotstatic+0x%x' $((addr - vaddr + off)))
	profile_folded -- "$T/hotstatic" 2
	read -r hot all < <(awk -v w="$want" '{ st = $0; sub(/ [0-9]+$/, "", st); n = split(st, f, ";"); t += $NF; if (f[n] == w) s += $NF }
		END { print s + 0, t + 0 }' <<<"$output")
	echo "$want innermost in $hot of $all samples" >&3
	[ $((hot * 100)) -ge $((all * 90)) ]
}

# profile -f pprof of "$@" read back as text by pprof itself (its
# locations carry each frame's address).
profile_raw() {
	run --separate-stderr "$SRE" profile -f pprof -o "$T/prof.pb.gz" "$@"
	[ "$status" -eq 0 ] || return 1
	go tool pprof -raw "$T/prof.pb.gz" >"$T/raw.txt" 2>/dev/null
}

@test "symbols: inlined calls are frames of their own, at each address as addr2line -i reads the same DWARF (g++, rustc, clang++, libc6-dbg)" {
	command -v go >/dev/null || skip "go (pprof) not installed"
	command -v g++ >/dev/null || skip "g++ not installed"
	check="python3 $ROOT/tests/rigs/inline_check.py"
	g++ -O2 -g -o "$T/index" "$ROOT/tests/workload/cxx/index.cc"
	profile_raw --inline -- "$T/index" 200
	$check "$T/index" "$T/raw.txt" >&3
	# The flame graph's path into std::map: lookupMany, then the inlined find.
	profile_folded --inline -- "$T/index" 50
	grep -qF 'app::Index::lookupMany(int, unsigned int&) const;std::map<' <<<"$output"
	grep -qF ' (inlined);' <<<"$output"
	# Off by default (it costs the debug info's size in memory).
	profile_folded -- "$T/index" 50
	! grep -qF ' (inlined)' <<<"$output"
	if command -v rustc >/dev/null; then
		rustc -O -g -o "$T/burn" "$ROOT/tests/workload/rust/burn.rs"
		profile_raw --inline -- "$T/burn" 2
		$check "$T/burn" "$T/raw.txt" >&3
	fi
	# clang's DWARF 5 (strx, addrx, rnglistx forms), read by LLVM's own
	# tool, names compared mangled (LLVM's demangler spaces some
	# differently from c++filt; binutils 2.40 misses a level in it).
	if command -v clang++ >/dev/null && command -v llvm-addr2line-14 >/dev/null; then
		clang++ -O2 -g -gdwarf-5 -o "$T/cindex" "$ROOT/tests/workload/cxx/index.cc"
		profile_raw --inline --no-demangle -- "$T/cindex" 200
		DEMANGLE=0 ADDR2LINE=llvm-addr2line-14 $check "$T/cindex" "$T/raw.txt" >&3
	fi
	bid=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null | awk '/Build ID/ { print $3 }')
	dbg=/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug
	[ -n "$bid" ] && [ -f "$dbg" ] || skip "libc6-dbg not installed"
	gcc -O2 -o "$T/libcwork" "$ROOT/tests/workload/cxx/libcwork.c"
	profile_raw --inline -- "$T/libcwork" 4000
	OUTER=0 $check /lib/x86_64-linux-gnu/libc.so.6 "$T/raw.txt" "$dbg" >&3
	# ~0.5 s of CPU: 100 rounds (30 ms) gave a sample or two, none inlined under load.
	profile_folded --inline -v -- "$T/libcwork" 1500
	grep -E 'profile: inlined frames: [1-9][0-9]* named from the debug info of [1-9][0-9]* files' <<<"$stderr" >&3
}

@test "triage: a memcmp-heavy C++ program: the hottest function is the one perf puts first (libc's memcmp, named by libc6-dbg)" {
	command -v g++ >/dev/null || skip "g++ not installed"
	command -v perf >/dev/null || skip "perf not installed"
	bid=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 2>/dev/null | awk '/Build ID/ { print $3 }')
	[ -n "$bid" ] && [ -f "/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug" ] || skip "libc6-dbg not installed"
	g++ -O2 -g -o "$T/index" "$ROOT/tests/workload/cxx/index.cc"
	# 1 KiB keys: memcmp ~66% of samples, not a near tie with lookupMany
	# (~40/37 with short keys, which made the test a coin toss).
	perf record -q -e cpu-clock -F 499 -o "$T/perf.data" -- "$T/index" 60 1024 >/dev/null 2>&1
	perf report -i "$T/perf.data" --stdio --no-children --sort sym -q 2>/dev/null | head -3 >"$T/perf"
	cat "$T/perf" >&3
	want=$(head -1 "$T/perf" | sed -E 's/^ *[0-9.]+% +\[\.\] +//; s/ +$//')
	[ -n "$want" ]
	run --separate-stderr "$SRE" triage -o "$T/report" -- "$T/index" 60 1024
	[ "$status" -eq 0 ]
	line=$(grep -m1 -E '^  1\. \[cpu\]' <<<"$output")
	echo "$line" >&3
	grep -qF "hottest function $want()" <<<"$line"
}
