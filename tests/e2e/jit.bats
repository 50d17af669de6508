#!/usr/bin/env bats
# JIT-compiled frames named from perf maps (/tmp/perf-PID.map), against
# the map itself and against perf, which reads the same maps with code
# of its own: a JVM (jcmd Compiler.perfmap) and Node (--perf-basic-prof,
# also inside a pid namespace, where the map is named by the inner pid).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -n "${JIT_PID:-}" ] && kill "$JIT_PID" 2>/dev/null
	wait 2>/dev/null || true
	rm -f /tmp/perf-"${JIT_PID:-none}".map /tmp/perf-1.map
}

# Samples whose innermost frame matches $1 (ERE), and all samples, of the
# folded profile in $output.
leaf_share() {
	# Frames may hold spaces (C++, JIT names): the count is the last field.
	awk -v re="$1" '{ st = $0; sub(/ [0-9]+$/, "", st); n = split(st, f, ";"); t += $NF; if (f[n] ~ re) s += $NF }
		END { print s + 0, t + 0 }' <<<"$output"
}

# perf's hottest symbol for pid $1 over $2 s (cpu-clock: no PMU here), or "".
perf_top() {
	command -v perf >/dev/null || return 0
	perf record -q -e cpu-clock -F 99 -p "$1" -o "$T/perf.data" -- sleep "$2" >/dev/null 2>&1 || return 0
	perf report -i "$T/perf.data" --stdio --no-children --sort sym -q 2>/dev/null |
		sed -nE 's/^ *[0-9.]+% +\[\.\] (.*[^ ]) *$/\1/p' | head -1
}

@test "JIT: a JVM's compiled methods are named from its perf map, as perf names them" {
	command -v javac >/dev/null && command -v jcmd >/dev/null || skip "openjdk not installed"
	javac -d "$T" "$ROOT/tests/workload/java/Chain.java"
	java -XX:+PreserveFramePointer -XX:CompileCommand=quiet -XX:CompileCommand=dontinline,Chain::* \
		-cp "$T" Chain 14 >/dev/null &
	JIT_PID=$!
	sleep 3
	jcmd "$JIT_PID" Compiler.perfmap >/dev/null
	grep -q 'Chain.hot' /tmp/perf-"$JIT_PID".map
	top=$(perf_top "$JIT_PID" 3)
	run --separate-stderr "$SRE" profile -p "$JIT_PID" -f folded 3
	[ "$status" -eq 0 ]
	read -r hot all < <(leaf_share 'Chain\.hot\(long\)')
	echo "Chain.hot(long) innermost in $hot of $all samples; perf's hottest: ${top:-no perf}" >&3
	[ "$all" -ge 150 ] && [ $((hot * 100)) -ge $((all * 90)) ]
	# Named as the map names it, where perf does too.
	[ -z "$top" ] || grep -qF "$top" <<<"$output"
	# Code the map does not cover is one frame per region, not one per instruction.
	! grep -qE '\[anon\]\+0x' <<<"$output"
}

@test "JIT: Node's functions are named from its growing perf map, also inside a pid namespace" {
	command -v node >/dev/null || skip "nodejs not installed"
	# node writes isolate-*-v8.log files into its working directory.
	cd "$BATS_TEST_TMPDIR"
	# Interpreted functions get map entries of their own with this flag.
	node --perf-basic-prof --interpreted-frames-native-stack "$ROOT/tests/workload/node/burn.js" 10 >/dev/null &
	JIT_PID=$!
	sleep 2
	top=$(perf_top "$JIT_PID" 2)
	run --separate-stderr "$SRE" profile -p "$JIT_PID" -f folded 2
	[ "$status" -eq 0 ]
	read -r hot all < <(leaf_share '^JS:\*?hot ')
	echo "node: hot innermost in $hot of $all samples; perf's hottest: ${top:-no perf}" >&3
	[ $((hot * 100)) -ge $((all * 90)) ]
	[ -z "$top" ] || grep -qF "$top" <<<"$output"
	# The caller chain is there too: outer -> middle -> hot ("~": interpreted).
	grep -qE 'JS:[~*]?outer [^;]*;JS:[~*]?middle [^;]*;JS:[~*]?hot ' <<<"$output"
	kill "$JIT_PID"; wait "$JIT_PID" 2>/dev/null || true
	rm -f /tmp/perf-"$JIT_PID".map
	# In its own pid namespace node is pid 1 and writes /tmp/perf-1.map.
	unshare --pid --fork node --perf-basic-prof "$ROOT/tests/workload/node/burn.js" 10 >/dev/null &
	JIT_PID=$!
	sleep 2
	inner=$(pgrep -P "$JIT_PID" node || pgrep -f "^node --perf-basic-prof $ROOT/tests/workload/node/burn.js 10")
	grep -qE 'NSpid:\s+[0-9]+\s+1$' /proc/"$inner"/status
	run --separate-stderr "$SRE" profile -p "$inner" -f folded 2
	read -r hot all < <(leaf_share '^JS:\*?hot ')
	echo "node in a pid namespace: hot innermost in $hot of $all samples" >&3
	[ $((hot * 100)) -ge $((all * 90)) ]
}
