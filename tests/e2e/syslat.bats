#!/usr/bin/env bats
# syslat end to end, against workloads whose syscalls are known exactly.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

@test "syslat: exact call counts and sleep p50 of a known workload" {
	run "$SRE" syslat -f json -s getppid,nanosleep -- "$WL" -g 1234 -s 7 -u 20000
	[ "$status" -eq 0 ]
	[ "$(row_field getppid count)" -eq 1234 ]
	[ "$(row_field nanosleep count)" -eq 7 ]
	[ "$(row_field nanosleep errors)" -eq 0 ]
	p50=$(row_field nanosleep p50_ns)
	# 20 ms sleeps: p50 within 10% (sleeps overshoot by timer slack only).
	[ "$p50" -ge 20000000 ] && [ "$p50" -le 22000000 ]
	max=$(row_field nanosleep max_ns)
	[ "$max" -ge 20000000 ] && [ "$max" -lt 40000000 ]
	total=$(row_field nanosleep total_ns)
	[ "$total" -ge 140000000 ]
}

@test "syslat: histogram buckets add up to the count" {
	run "$SRE" syslat -f json -s getppid -- "$WL" -g 5000
	[ "$status" -eq 0 ]
	sum=$(jq -s '[.[].rows[] | select(.syscall == "getppid") | .hist[].count] | add' <<<"$output")
	[ "$sum" -eq 5000 ]
	# Percentiles are ordered and below the maximum.
	jq -s -e '.[].rows[] | select(.syscall == "getppid") | (.p50_ns <= .p95_ns and .p95_ns <= .p99_ns and .p99_ns <= .max_ns)' <<<"$output"
}

@test "syslat -x and --errno count only failures" {
	run "$SRE" syslat -x -f json -- "$WL" -g 300 -f 9
	[ "$status" -eq 0 ]
	[ "$(row_field close count)" -eq 9 ]
	[ "$(row_field close errors)" -eq 9 ]
	[ "$(row_field getppid count)" -eq 0 ]
	run "$SRE" syslat --errno EBADF -f json -- "$WL" -f 4
	[ "$status" -eq 0 ]
	[ "$(row_field close count)" -eq 4 ]
	# The loader's ENOENT from access() is a failure, but not EBADF.
	[ "$(jq -s '[.[].rows[] | select(.syscall != "close")] | length' <<<"$output")" -eq 0 ]
}

@test "syslat -c: only the named process appears" {
	"$WL" -n sre_wanted -d 3 >/dev/null & a=$!
	"$WL" -n sre_other -d 3 >/dev/null & b=$!
	run "$SRE" syslat -P -c sre_wanted -s getppid -f json 1 1
	kill $a $b 2>/dev/null; wait
	[ "$status" -eq 0 ]
	[ "$(jq -s '[.[].rows[] | select(.comm == "sre_wanted")] | length' <<<"$output")" -eq 1 ]
	[ "$(jq -s '[.[].rows[] | select(.comm != "sre_wanted")] | length' <<<"$output")" -eq 0 ]
	[ "$(row_field getppid count)" -gt 1000 ]
}

@test "syslat -p: only the given pid appears" {
	"$WL" -n sre_wanted -d 3 >/dev/null & a=$!
	"$WL" -n sre_other -d 3 >/dev/null & b=$!
	run "$SRE" syslat -P -p "$a" -f json 1 1
	kill $a $b 2>/dev/null; wait
	[ "$status" -eq 0 ]
	[ "$(jq -s --argjson p "$a" '[.[].rows[] | select(.pid == $p)] | length' <<<"$output")" -ge 1 ]
	[ "$(jq -s --argjson p "$a" '[.[].rows[] | select(.pid != $p)] | length' <<<"$output")" -eq 0 ]
}

@test "syslat -s: only the chosen syscalls appear" {
	run "$SRE" syslat -s getppid -f json -- "$WL" -g 50 -f 5 -s 2 -u 1000
	[ "$status" -eq 0 ]
	[ "$(row_field getppid count)" -eq 50 ]
	[ "$(jq -s '[.[].rows[] | select(.syscall != "getppid")] | length' <<<"$output")" -eq 0 ]
}

@test "syslat -- COMMAND: traces the command and its children only, exits with its status" {
	"$WL" -n sre_other -d 3 >/dev/null & b=$!
	run "$SRE" syslat -P -s getppid -f json -- sh -c "$WL -g 100 & $WL -g 200; wait; exit 7"
	kill $b 2>/dev/null; wait
	[ "$status" -eq 7 ]
	# sh itself may call getppid too: count the workloads' rows.
	[ "$(jq -s '[.[].rows[] | select(.comm == "syscalls") | .count] | add' <<<"$output")" -eq 300 ]
	[ "$(jq -s '[.[].rows[] | select(.comm == "syscalls")] | length' <<<"$output")" -eq 2 ]
	[ "$(jq -s '[.[].rows[] | select(.comm == "sre_other")] | length' <<<"$output")" -eq 0 ]
}

@test "syslat -L: one event line per slow call" {
	run "$SRE" syslat -L 10000 -- "$WL" -g 100 -s 3 -u 20000
	[ "$status" -eq 0 ]
	[ "$(grep -c ' nanosleep ' <<<"$output")" -eq 3 ]
	[ "$(grep -c ' getppid ' <<<"$output")" -eq 0 ]
	run --separate-stderr "$SRE" syslat -L 0 -f json -s getppid -- "$WL" -g 25
	[ "$(jq -s '[.[] | select(.syscall == "getppid")] | length' <<<"$output")" -eq 25 ]
}

@test "syslat: interval and count print exactly count reports" {
	run "$SRE" syslat -f json 0.3 3
	[ "$status" -eq 0 ]
	[ "$(grep -c '"tool":"syslat"' <<<"$output")" -eq 3 ]
}

@test "syslat: works with tracefs and debugfs unmounted" {
	run unshare -m sh -c "
		umount -l /sys/kernel/tracing 2>/dev/null; umount -l /sys/kernel/debug/tracing 2>/dev/null
		umount -l /sys/kernel/debug 2>/dev/null
		if [ -e /sys/kernel/tracing/trace ] || [ -e /sys/kernel/debug/tracing/trace ]; then echo tracefs still there; exit 99; fi
		'$SRE' syslat -f json -s getppid -- '$WL' -g 77"
	[ "$status" -eq 0 ]
	[ "$(row_field getppid count)" -eq 77 ]
}

@test "syslat: nothing stays attached after SIGINT, SIGTERM, SIGKILL or command exit" {
	gone_within 3   # earlier tests' programs
	for sig in INT TERM KILL; do
		"$SRE" syslat >/dev/null 2>&1 & p=$!
		wait_attached $p
		kill -$sig $p
		wait $p || true
		gone_within 1
	done
	"$SRE" syslat -- sleep 0.5 >/dev/null 2>&1 & p=$!
	wait_attached $p
	wait
	gone_within 1
	[ -z "$(bpftool link list 2>/dev/null | grep -E 'prog_id' | while read -r _ _ _ _ id _; do bpftool prog show id "$id" 2>/dev/null; done | grep -E 'name (sys_enter|sys_exit)_')" ]
}

@test "syslat: Ctrl-C twice at once (as timeout(1) and a terminal send it) ends it promptly" {
	"$SRE" syslat -- sleep 30 >/dev/null 2>&1 & p=$!
	wait_attached $p
	kill -INT $p; kill -INT $p
	for _ in $(seq 20); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
	! kill -0 $p 2>/dev/null
	pkill -f 'sleep 30' || true
}

@test "syslat: a second Ctrl-C a while after the first ends it at once, whatever it was doing" {
	# Its report stuck writing to a pipe nobody reads (SA_RESTART keeps
	# the write waiting): the second Ctrl-C, 1.5 s later, is "now".
	T=$BATS_TEST_TMPDIR
	mkfifo "$T/fifo"
	sleep 30 <"$T/fifo" & r=$!
	"$SRE" syslat -L 0 >"$T/fifo" 2>/dev/null & p=$!
	wait_attached $p
	sleep 1
	kill -INT $p
	sleep 1.5
	kill -0 $p
	kill -INT $p
	for _ in $(seq 20); do kill -0 $p 2>/dev/null || break; sleep 0.1; done
	st=0; wait $p || st=$?
	kill $r 2>/dev/null || true
	[ "$st" -eq 130 ]
}

@test "syslat: a closed pipe ends it quietly" {
	run bash -c "'$SRE' syslat -L 0 2>/tmp/sre_pipe_err | head -1; echo \${PIPESTATUS[0]}"
	[ "${lines[1]}" -eq 0 ]
	[ ! -s /tmp/sre_pipe_err ] || ! grep -qi 'error\|broken' /tmp/sre_pipe_err
}

@test "syslat -o writes the file atomically and refuses symlinks" {
	d=$(mktemp -d)
	run "$SRE" syslat -o "$d/out.json" -f json -- "$WL" -g 10
	[ "$status" -eq 0 ]
	jq -e . "$d/out.json" >/dev/null
	[ "$(ls -A "$d" | wc -l)" -eq 1 ]
	ln -s /etc/passwd "$d/link"
	run "$SRE" syslat -o "$d/link" -- true
	[ "$status" -eq 2 ]
	[ "$(head -c 5 /etc/passwd)" = "root:" ]
	rm -rf "$d"
}

@test "syslat: no status line on a pipe" {
	run bash -c "'$SRE' syslat 0.5 2 2>&1 >/dev/null | od -c | grep -c '\\\\r' || true"
	[ "$output" -eq 0 ]
}

@test "syslat: needs root, says so in one line" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$SRE" syslat 1 1
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *root* ]]
}

@test "syslat -C: only tasks in the cgroup (v2) count" {
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	[ -n "$cg2" ] || skip "no cgroup v2 mount"
	cg=$cg2/sretrace-test-$$
	mkdir "$cg"
	"$SRE" syslat -C "$cg" -s getppid -f json 2 1 >"$BATS_TEST_TMPDIR/out" 2>/dev/null & t=$!
	wait_attached $t
	(echo $BASHPID >"$cg/cgroup.procs" && exec "$WL" -g 321)
	"$WL" -g 999 # a decoy outside the cgroup
	wait $t
	rmdir "$cg"
	output=$(cat "$BATS_TEST_TMPDIR/out")
	[ "$(row_field getppid count)" -eq 321 ]
}

# Calls and errors per syscall from strace -c -f's summary in $1, sorted.
strace_counts() {
	awk 'NR > 2 && $NF != "total" && $1 ~ /^[0-9]/ { if (NF == 6) print $6, $4, $5; else print $5, $4, 0 }' "$1" | sort
}

@test "syslat -- COMMAND counts each syscall as strace -c -f does: from the command's exec on (tar, git status)" {
	command -v strace >/dev/null || skip "strace not installed"
	T=$BATS_TEST_TMPDIR
	mkdir -p "$T/src" && for i in 1 2 3; do head -c 100000 /dev/urandom >"$T/src/f$i"; done
	cd "$T/src"
	# Not the launcher's calls: no failed execve per PATH entry, no waiting for the go.
	"$SRE" syslat --top 1000 -f json -o "$T/ours.json" -- tar cf "$T/a.tar" . 2>/dev/null
	strace -c -f -o "$T/st" tar cf "$T/b.tar" .
	diff <(jq -r '.rows[] | "\(.syscall) \(.count) \(.errors)"' "$T/ours.json" | sort) <(strace_counts "$T/st") >&3
	command -v git >/dev/null || return 0
	git init -q "$T/repo" && cd "$T/repo" && for i in 1 2 3; do echo "$i" >"f$i"; done
	git add . && git -c user.email=t@t -c user.name=t commit -qm x && echo 4 >f4
	# Files older than the index, and the index refreshed first: otherwise
	# git rewrites the index in one run and not the other ("racy git", by
	# the clock), and the two runs differ for git's reasons.
	touch -d '2 hours ago' f1 f2 f3 f4
	git update-index -q --really-refresh && sleep 1.1 && git status --porcelain >/dev/null
	"$SRE" syslat --top 1000 -f json -o "$T/ours.json" -- git status --porcelain >/dev/null 2>&1
	strace -c -f -o "$T/st" git status --porcelain >/dev/null
	diff <(jq -r '.rows[] | "\(.syscall) \(.count) \(.errors)"' "$T/ours.json" | sort) <(strace_counts "$T/st") >&3
	# A command found late in PATH: the failed execve calls are the launcher's.
	"$SRE" syslat --top 1000 -f json -o "$T/ours.json" -- true
	[ "$(jq '[.rows[] | select(.syscall == "execve")] | .[0] | [.count, .errors]' -c "$T/ours.json")" = "[1,0]" ]
}
