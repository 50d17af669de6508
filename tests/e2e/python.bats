#!/usr/bin/env bats
# Python frames read in BPF: CPython 3.11 (Debian 12's python3.11), checked
# against austin (an independent sampler reading the same interpreter from
# outside) and against the interpreter's own view of its code objects.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	T=$BATS_TEST_TMPDIR
	PY=/usr/bin/python3.11
	[ -x "$PY" ] || skip "python3.11 not installed"
	BURN=$ROOT/tests/workload/python/burn.py
}

# The definition lines of burn.py's functions, as Python reports them.
def_lines() {
	"$PY" -c "import sys; sys.path.insert(0, '$(dirname "$BURN")'); import burn
print(burn.a.__code__.co_firstlineno, burn.b.__code__.co_firstlineno, burn.hot.__code__.co_firstlineno)"
}

@test "python: a 3.11 burner's chain <module> -> a -> b -> hot, with Python's own def lines, in >= 95% of samples; austin sees the same chain" {
	read -r la lb lhot < <(def_lines)
	chain="burn.<module> (burn.py:1);burn.a (burn.py:$la);burn.b (burn.py:$lb);burn.hot (burn.py:$lhot)"
	# Fetched and built on first use (tens of seconds on a fresh host):
	# before the burner starts, whose 6 s it would otherwise outlast.
	austin=$("$ROOT/tests/rigs/austin.sh" || true)
	"$PY" "$BURN" 6 &
	pid=$!
	sleep 1
	[ -z "$austin" ] || "$austin" -i 10ms -x 3 -p "$pid" >"$T/austin" 2>/dev/null &
	run --separate-stderr "$SRE" profile -v -p "$pid" -f folded -o "$T/folded" 3
	[ "$status" -eq 0 ]
	wait
	echo "$stderr" | grep -E 'Python frames' >&3
	# Our samples: the chain, contiguous, with the native frames that ran
	# it (Py_RunMain) outside it and no interpreter C frame left in it.
	read -r with all < <(awk -v c="$chain" '{ n = $NF; t += n; if (index($0, c)) w += n } END { print w + 0, t + 0 }' "$T/folded")
	echo "sretrace: the chain in $with of $all samples: $chain" >&3
	[ "$all" -ge 100 ]
	[ $((with * 100)) -ge $((all * 95)) ]
	grep -F "$chain" "$T/folded" | grep -q 'Py_RunMain;'
	! grep -F "$chain" "$T/folded" | grep -q '_PyEval_EvalFrameDefault'
	[ -n "$austin" ] || skip "austin could not be built (trixie's source)"
	# austin's: FILE:FUNCTION:LINE frames, the current line, not the def line.
	read -r awith aall < <(grep -v '^#' "$T/austin" | awk '/^P/ { n = $NF; t += n; if ($0 ~ /burn\.py:<module>:[0-9]+;[^;]*burn\.py:a:[0-9]+;[^;]*burn\.py:b:[0-9]+;[^;]*burn\.py:hot:[0-9]+/) w += n } END { print w + 0, t + 0 }')
	echo "austin: the chain in $awith of $aall samples" >&3
	[ "$aall" -ge 50 ]
	[ $((awith * 100)) -ge $((aall * 95)) ]
}

@test "python: threads blocked on a threading.Lock: offcpu shows the waiting Python function, for the time the workload measured" {
	work=$ROOT/tests/workload/python/lockwait.py
	line=$("$PY" -c "import sys; sys.path.insert(0, '$(dirname "$work")'); import lockwait; print(lockwait.waiter.__code__.co_firstlineno)")
	run --separate-stderr "$SRE" offcpu -f folded -o "$T/folded" -- "$PY" "$work" 3 4
	[ "$status" -eq 0 ]
	measured_us=$(awk '{ printf "%.0f", $1 * 1000000 }' <<<"$output")
	# Folded offcpu values are microseconds.
	got_us=$(grep -F "lockwait.waiter (lockwait.py:$line);" "$T/folded" | grep -F 'PyThread_acquire_lock_timed' |
		awk '{ s += $NF } END { printf "%.0f", s }')
	echo "waiters in lock.acquire(): ${measured_us} us by the workload, ${got_us} us under lockwait.waiter in offcpu" >&3
	[ "$measured_us" -gt 1000000 ]
	within_pct "$got_us" "$measured_us" 10
}

@test "python: triage names the hottest Python function of a burner" {
	read -r la lb lhot < <(def_lines)
	run --separate-stderr "$SRE" triage -o "$T/r" -- "$PY" "$BURN" 3
	[ "$status" -eq 0 ]
	line=$(grep -m1 -E '^  1\. ' <<<"$output")
	echo "$line" >&3
	grep -qF "[cpu] python3.11 (pid " <<<"$line"
	grep -qF "hottest Python function burn.hot (burn.py:$lhot)" <<<"$line"
}

@test "python: threads taking turns on the GIL: triage's first finding is the GIL, for the time the threads were off CPU" {
	work=$ROOT/tests/workload/python/gil.py
	run --separate-stderr "$SRE" triage -o "$T/r" -- "$PY" "$work" 3 4
	[ "$status" -eq 0 ]
	# The workload's own measure: wall minus thread CPU time, summed.
	measured_ns=$(grep -E '^[0-9]+\.[0-9]+$' <<<"$output" | awk '{ printf "%.0f", $1 * 1e9 }')
	line=$(grep -m1 -E '^  1\. ' <<<"$output")
	echo "$line" >&3
	grep -qE '^  1\. \[gil\] [0-9]+% of busy thread time \(.*\) waiting for Python.s GIL, most in python3.11' <<<"$line"
	grep -A1 -m1 -E '^  1\. ' <<<"$output" | grep -qF 'largest wait: in gil.spin (gil.py:'
	got_ns=$(jq '.time_ns["Python GIL"]' "$T/r/findings.json")
	echo "GIL waits ${got_ns} ns in triage; the threads were off CPU ${measured_ns} ns by their own clocks" >&3
	[ "$measured_ns" -gt 3000000000 ]
	within_pct "$got_ns" "$measured_ns" 15
}

@test "python: a version the reader does not know (3.10) gets native frames and one line saying so" {
	n=0
	for py in /root/.pyenv/versions/3.10*/bin/python3.10 /root/.pyenv/versions/3.9*/bin/python3.9 /usr/bin/python3.10; do
		[ -x "$py" ] || continue
		run --separate-stderr "$SRE" profile -f folded -o "$T/folded" -- "$py" "$BURN" 1
		[ "$status" -eq 0 ]
		echo "$py: $stderr" >&3
		[ "$(grep -c 'its Python frames are not read (3.11-3.13 are); native frames only' <<<"$stderr")" -eq 1 ]
		# Native frames as before: the interpreter's C frames, no Python ones.
		grep -q 'Py_RunMain' "$T/folded"
		! grep -qF '(burn.py:' "$T/folded"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || skip "no Python 3.10 or 3.9 here (pyenv)"
}

@test "python: 3.12 and 3.13 (pyenv builds): the same chain, their own layouts" {
	read -r la lb lhot < <(def_lines)
	chain="burn.<module> (burn.py:1);burn.a (burn.py:$la);burn.b (burn.py:$lb);burn.hot (burn.py:$lhot)"
	n=0
	for py in /root/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.13*/bin/python3.13; do
		[ -x "$py" ] || continue
		run --separate-stderr "$SRE" profile -f folded -o "$T/folded" -- "$py" "$BURN" 2
		[ "$status" -eq 0 ]
		read -r with all < <(awk -v c="$chain" '{ n = $NF; t += n; if (index($0, c)) w += n } END { print w + 0, t + 0 }' "$T/folded")
		echo "$py: the chain in $with of $all samples" >&3
		[ $((with * 100)) -ge $((all * 90)) ]
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || skip "no Python 3.12 or 3.13 here (pyenv)"
}

@test "python: a stack deeper than the 64 frames kept is counted as cut, and shown" {
	run --separate-stderr "$SRE" profile -f json -o "$T/p.json" -- "$PY" "$ROOT/tests/workload/python/deep.py" 2
	[ "$status" -eq 0 ]
	cut=$(jq '.python_truncated' "$T/p.json")
	samples=$(jq '.samples' "$T/p.json")
	echo "$cut of $samples samples cut; stderr: $(grep -F 'Python stacks cut' <<<"$stderr")" >&3
	[ "$cut" -ge $((samples * 8 / 10)) ]
	grep -qF 'Python stacks cut at 64 frames' <<<"$stderr"
	# What is kept is the innermost: the recursion's bottom.
	jq -e '[.stacks[].user | map(select(startswith("deep.down (deep.py:"))) | length] | max == 64' "$T/p.json"
}

@test "python: a 3.11 built from source with a shared libpython (pyenv) is read the same way" {
	py=$(ls /root/.pyenv/versions/3.11*/bin/python3.11 2>/dev/null | head -1)
	[ -n "$py" ] || skip "no pyenv Python 3.11 here"
	ldd "$py" | grep -q libpython3.11 || skip "$py is not linked to a shared libpython"
	read -r la lb lhot < <(def_lines)
	chain="burn.<module> (burn.py:1);burn.a (burn.py:$la);burn.b (burn.py:$lb);burn.hot (burn.py:$lhot)"
	run --separate-stderr "$SRE" profile -f folded -o "$T/folded" -- "$py" "$BURN" 2
	[ "$status" -eq 0 ]
	read -r with all < <(awk -v c="$chain" '{ n = $NF; t += n; if (index($0, c)) w += n } END { print w + 0, t + 0 }' "$T/folded")
	echo "$py: the chain in $with of $all samples" >&3
	[ $((with * 100)) -ge $((all * 90)) ]
}

@test "python: a process in its own pid namespace (a container's numbering) is read too" {
	read -r la lb lhot < <(def_lines)
	chain="burn.<module> (burn.py:1);burn.a (burn.py:$la);burn.b (burn.py:$lb);burn.hot (burn.py:$lhot)"
	unshare --pid --fork --mount-proc "$PY" "$BURN" 5 &
	outer=$!
	sleep 1
	inner=$(pgrep -P "$outer" -f burn.py | head -1)
	[ -n "$inner" ]
	# Python numbers its threads in the namespace: native_thread_id is 1.
	grep -qE 'NSpid:\s+[0-9]+\s+1$' /proc/"$inner"/status
	run --separate-stderr "$SRE" profile -p "$inner" -f folded -o "$T/folded" 2
	kill "$outer" 2>/dev/null || true
	wait "$outer" 2>/dev/null || true
	[ "$status" -eq 0 ]
	read -r with all < <(awk -v c="$chain" '{ n = $NF; t += n; if (index($0, c)) w += n } END { print w + 0, t + 0 }' "$T/folded")
	echo "in a pid namespace: the chain in $with of $all samples" >&3
	[ "$all" -ge 100 ]
	[ $((with * 100)) -ge $((all * 90)) ]
}
