#!/usr/bin/env bats
# Real software: PostgreSQL 15 from Debian on a loop device of its own,
# driven by pgbench. Ground truth comes from outside sretrace: the kernel's
# per-thread schedstat (time on CPU) and PostgreSQL's own pg_stat_wal.

load helpers
bats_require_minimum_version 1.5.0
source "$BATS_TEST_DIRNAME/../rigs/postgres.bash"

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	pg_rig_have || return 0
	# Outside bats' private temporary directory: the server runs as postgres.
	PG_DIR=$(mktemp -d /tmp/sretrace-pg.XXXXXX)
	chmod 755 "$PG_DIR"
	export PG_DIR
	pg_rig_start "$PG_DIR"
	# 16 clients updating one row: they queue on its row lock.
	printf 'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1;\n' >"$PG_DIR/onerow.sql"
	chmod 644 "$PG_DIR/onerow.sql"
}

teardown_file() {
	[ -n "${PG_DIR:-}" ] && pg_rig_stop "$PG_DIR" && rm -rf "$PG_DIR"
	true
}

setup() {
	require_root
	pg_rig_have || skip "postgresql-15 not installed"
	[ -n "${PG_SOCK:-}" ] || skip "the PostgreSQL rig did not start"
}

# Nanoseconds on CPU of every thread of the pids in $@ (schedstat field 1),
# then the monotonic clock, on one line.
on_cpu_ns() {
	local sum=0 t
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			sum=$((sum + $(cut -d' ' -f1 "$t" 2>/dev/null || echo 0)))
		done
	done
	echo "$sum $(date +%s%N)"
}

# Until tracer $1 holds $2 BPF links, polled every 5 ms: the window of the
# ground truth starts within a few ms of the tracer's.
wait_links() {
	for _ in $(seq 2000); do
		[ "$(ls -l /proc/"$1"/fd 2>/dev/null | grep -c bpf_link)" -ge "$2" ] && return 0
		sleep 0.005
	done
	return 1
}

client_backends() {
	pg_rig_psql "select string_agg(pid::text, ',') from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()"
}

@test "postgres row-lock load: offcpu loses nothing; the backends' off-CPU time is within the kernel's bounds" {
	pg_rig_bench -c 16 -j 2 -T 14 -f "$PG_DIR/onerow.sql" >"$BATS_TEST_TMPDIR/bench" 2>&1 &
	bench=$!
	sleep 2
	pids=$(client_backends)
	n=$(tr ',' '\n' <<<"$pids" | grep -c .)
	[ "$n" -eq 16 ]
	# Every state: off CPU is then wall time minus time on CPU, exactly.
	# The outer window spans the tracer's whole life, the inner one starts
	# after it is attached and ends before it is stopped; its counting
	# window lies between the two.
	read -r cpu_a t_a < <(on_cpu_ns ${pids//,/ })
	"$SRE" offcpu -p "$pids" --state any ${OFFCPU_EXTRA:-} -f json >"$BATS_TEST_TMPDIR/off.json" 2>"$BATS_TEST_TMPDIR/off.err" &
	tracer=$!
	# sched_switch, exec and exit: the window starts as the last is linked.
	wait_links $tracer 3
	read -r cpu0 t0 < <(on_cpu_ns ${pids//,/ })
	sleep 8
	read -r cpu1 t1 < <(on_cpu_ns ${pids//,/ })
	kill -INT $tracer
	wait $tracer
	read -r cpu_b t_b < <(on_cpu_ns ${pids//,/ })
	wait $bench
	inner=$(( n * (t1 - t0) - (cpu1 - cpu0) ))
	outer=$(( n * (t_b - t_a) - (cpu_b - cpu_a) ))
	out=$(cat "$BATS_TEST_TMPDIR/off.json")
	got=$(jq '.total_ns' <<<"$out")
	echo "off-CPU of $n backends: kernel $((inner / 1000000)) ms (inner) .. $((outer / 1000000)) ms (outer), offcpu $((got / 1000000)) ms; $(grep tps "$BATS_TEST_TMPDIR/bench")" >&3
	jq -c '{blocks, drops, missed, lost_stacks, copy_drops, spilled_rows, copies: .unwind.copies}' <<<"$out" >&3
	cat "$BATS_TEST_TMPDIR/off.err" >&3
	# Nothing lost.
	[ "$(jq '.drops + .missed + .lost_stacks + .copy_drops' <<<"$out")" -eq 0 ]
	# Backends block from a few places, shared by the forked backends: a
	# stack is copied for a few blocks in a hundred, not for every block.
	[ $(( $(jq '.unwind.copies' <<<"$out") * 20 )) -le "$(jq '.blocks' <<<"$out")" ]
	# Short blocks are sampled (unbiased; 3% covers it at this count).
	[ "$got" -ge $(( inner * 97 / 100 )) ]
	[ "$got" -le "$outer" ]
	# The backends' wait is named: row locks wait in ProcSleep.
	grep -q 'ProcSleep' <<<"$(jq -r '.stacks[].user[]' <<<"$out")"
	# Full stacks, one root: postgres is built with frame pointers, glibc is
	# not; the backends' user stacks reach _start (measured 99.8-99.9%: a
	# failed join is copied again until the backend moves to full copies).
	full=$(jq '[.stacks[] | select((.user | length) > 0 and .user[-1] == "_start") | .total_ns] | add // 0' <<<"$out")
	echo "user stacks reaching _start: $((full * 1000 / got)) per mille of the time" >&3
	[ $((full * 100 / got)) -ge 99 ]
}

@test "postgres commit load: time offcpu sees in fdatasync matches pg_stat_wal's WAL sync time" {
	pg_rig_psql "select pg_stat_reset_shared('wal')" >/dev/null
	# Every state: time runnable inside the call is part of its time too.
	"$SRE" offcpu -c postgres --state any -f json >"$BATS_TEST_TMPDIR/off.json" 2>"$BATS_TEST_TMPDIR/off.err" &
	tracer=$!
	wait_attached $tracer
	pg_rig_bench -c 8 -j 2 -T 8 >"$BATS_TEST_TMPDIR/bench" 2>&1
	read -r syncs sync_ms < <(pg_rig_psql "select wal_sync, wal_sync_time from pg_stat_wal" | tr '|' ' ')
	kill -INT $tracer
	wait $tracer
	out=$(cat "$BATS_TEST_TMPDIR/off.json")
	# Blocked inside fdatasync, by the kernel frames.
	got=$(jq '[.stacks[] | select(.kernel | index("__x64_sys_fdatasync") or index("__x64_sys_fsync")) | .total_ns] | add // 0' <<<"$out")
	echo "WAL syncs $syncs taking ${sync_ms%.*} ms (pg_stat_wal); offcpu in fdatasync $((got / 1000000)) ms; $(grep tps "$BATS_TEST_TMPDIR/bench")" >&3
	jq -c '{blocks, drops, missed, lost_stacks, copy_drops, spilled_rows, copies: .unwind.copies}' <<<"$out" >&3
	[ "$(jq '.drops + .missed + .lost_stacks + .copy_drops' <<<"$out")" -eq 0 ]
	[ "${syncs:-0}" -gt 100 ]
	# pg_stat_wal times the whole call, on CPU too (ext4 submitting the
	# writes: ~9% here); offcpu only the wait.
	truth_ns=$(awk -v ms="$sync_ms" 'BEGIN { printf "%.0f", ms * 1e6 }')
	within_pct "$got" "$truth_ns" 15
}

# What the backends wait for by PostgreSQL's own account: wait events of
# the client backends in pg_stat_activity, sampled about every 0.1 s for
# $1 s (psql takes time too: the clock ends it); "type:event count"
# lines, most first.
sample_wait_events() {
	local end=$(($(date +%s%N) + $1 * 1000000000)) raw=$BATS_TEST_TMPDIR/events.raw
	: >"$raw"
	# Into a file, not a pipe: a reader blocked on it would be a workload of its own.
	while [ "$(date +%s%N)" -lt "$end" ]; do
		pg_rig_psql "select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()" >>"$raw"
		sleep 0.1
	done
	sort "$raw" | uniq -c | sort -rn | awk '{ print $2, $1 }'
}

# Sum of the samples whose type:event matches $2 in the sample file $1.
samples() {
	awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }' "$1"
}

# triage for $1 s while the load runs, the wait events sampled meanwhile;
# pg_stat_wal's sync count and time (ms) and the clock (ns) at the start
# and end of the sampling, inside triage's window, in $BATS_TEST_TMPDIR/wal.
triage_under_load() {
	"$SRE" triage -o "$BATS_TEST_TMPDIR/r" "$1" >"$BATS_TEST_TMPDIR/triage.out" 2>"$BATS_TEST_TMPDIR/triage.err" &
	tracer=$!
	wait_links $tracer 8
	{ pg_rig_psql "select wal_sync, wal_sync_time from pg_stat_wal" | tr '|' ' '; date +%s%N; } >"$BATS_TEST_TMPDIR/wal"
	# What else ran meanwhile (a failed ranking can be a busy host).
	top -b -n 2 -d 3 -w 160 2>/dev/null | awk '/^top -/ { n++ } n == 2' | sed -n '1p;3p;7,12p' \
		>"$BATS_TEST_TMPDIR/top" &
	local top=$!
	sample_wait_events $(($1 - 2)) >"$BATS_TEST_TMPDIR/events"
	{ pg_rig_psql "select wal_sync, wal_sync_time from pg_stat_wal" | tr '|' ' '; date +%s%N; } >>"$BATS_TEST_TMPDIR/wal"
	wait $tracer
	wait $top
	cat "$BATS_TEST_TMPDIR/events" | head -6 >&3
	cat "$BATS_TEST_TMPDIR/top" >&3
	sed -n '/^Where the threads/,/^$/p' "$BATS_TEST_TMPDIR/triage.out" >&3
	sed -n '/^Findings/,/^Overhead/p' "$BATS_TEST_TMPDIR/triage.out" | grep -E '^  [0-9]+\. ' >&3
}

first_finding() {
	sed -n '/^Findings/,$p' "$BATS_TEST_TMPDIR/triage.out" | grep -m1 -E '^  1\. '
}

@test "postgres row-lock load: triage's first finding is the lock contention, under a PostgreSQL lock function" {
	pg_rig_bench -c 16 -j 2 -T 14 -f "$PG_DIR/onerow.sql" >"$BATS_TEST_TMPDIR/bench" 2>&1 &
	bench=$!
	sleep 1
	triage_under_load 8
	wait $bench
	ev=$BATS_TEST_TMPDIR/events
	# The premise, by PostgreSQL: heavyweight lock waits are the largest
	# share of the backends' time (Client:ClientRead is waiting for pgbench).
	lock=$(samples "$ev" '^Lock:')
	[ "$lock" -gt "$(samples "$ev" '^(IO|LWLock|CPU):')" ]
	# triage: lock contention among the postgres processes, named by the
	# function that takes the lock (XactLockTableWait, LockAcquire...).
	first_finding | grep -qE '\[lock\] [0-9]+% of postgres.s thread time \([0-9]+ processes, pid [0-9]+\) waiting for another thread or process of it under [A-Za-z_]*Lock[A-Za-z_]*\(\): lock contention'
	# The whole host, said so; and the header names a filter when one is in force.
	head -1 "$BATS_TEST_TMPDIR/triage.out" | grep -q 'the whole host'
}

@test "postgres commit load: triage's first finding is the WAL flush the backends wait on (fdatasync), at pg_stat_wal's rate" {
	# -N: no updates of the shared branch and teller rows, so commits
	# queue on the WAL flush, not on row locks.
	pg_rig_bench -N -c 8 -j 2 -T 14 >"$BATS_TEST_TMPDIR/bench" 2>&1 &
	bench=$!
	sleep 1
	triage_under_load 8
	wait $bench
	read -r s0 ms0 t0 s1 ms1 t1 <<<"$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/wal")"
	ev=$BATS_TEST_TMPDIR/events
	# The premise, by PostgreSQL: waiting for the WAL flush (WALSync, and
	# WALWrite: behind the backend that flushes) is the largest share.
	flush=$(samples "$ev" '^(IO:WALSync|LWLock:WALWrite)')
	[ "$flush" -gt "$(samples "$ev" '^(Lock|CPU):')" ]
	first_finding | grep -qE '\[disk\] [0-9]+% of postgres.s thread time \([0-9]+ processes, pid [0-9]+\) waiting on disk I/O in fdatasync\(\)'
	# The time in fdatasync, per second, against pg_stat_wal's over a
	# window inside triage's (a steady load: the rates agree; sampling sees
	# ~10% less, pg_stat_wal times the call on CPU too).
	in_it=$(first_finding_evidence | sed -nE 's/^ *([0-9.]+) (s|ms) in it .*/\1 \2/p')
	got=$(awk -v v="${in_it% *}" -v u="${in_it#* }" 'BEGIN { printf "%.0f", (u == "s" ? v * 1e9 : v * 1e6) / 8 }')
	truth=$(awk -v a="$ms0" -v b="$ms1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.0f", (b - a) * 1e6 / ((t1 - t0) / 1e9) }')
	echo "in fdatasync: triage $((got / 1000000)) ms/s, pg_stat_wal $((truth / 1000000)) ms/s ($((s1 - s0)) syncs)" >&3
	within_pct "$got" "$truth" 25
}

first_finding_evidence() {
	sed -n '/^Findings/,$p' "$BATS_TEST_TMPDIR/triage.out" | grep -A1 -m1 -E '^  1\. ' | tail -1
}
