#!/bin/bash
# What a tracer costs a real server: pgbench tps of PostgreSQL 15 (on its
# own loop device, tests/rigs/postgres.bash) with and without each tracer,
# the configurations alternating round by round (A/B/A/B), plus the
# tracer's own CPU time and peak RSS. Two loads:
#   rowlock  16 clients updating one row (row-lock waits, ~40k switches/s)
#   commit   8 clients, pgbench's TPC-B-like script, fsync on (WAL syncs)
#   select   8 clients, pgbench -S (one-row reads: a client/backend round
#            trip per query, the most context switches per second)
# Every run starts from the same state: the table vacuumed, a checkpoint
# just taken, no autovacuum or timed checkpoint to land inside one run.
# Usage: pg-overhead.sh [ROUNDS] [SECONDS_PER_RUN] [LOAD...]
set -u
cd "$(dirname "$0")/../.."
rounds=${1:-3}
secs=${2:-10}
shift 2 2>/dev/null
loads=${*:-select rowlock commit}
sre=$PWD/build/sretrace
[ -x "$sre" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }

. scripts/bench/lib.sh
. tests/rigs/postgres.bash
pg_rig_have || { echo "postgresql-15 not installed (scripts/setup.sh)" >&2; exit 2; }
PG_DIR=$(mktemp -d /tmp/sretrace-pg-bench.XXXXXX)
chmod 755 "$PG_DIR"
trap 'pg_rig_stop "$PG_DIR"; rm -rf "$PG_DIR"; bench_cleanup' EXIT
pg_rig_start "$PG_DIR" || exit 1
pg_rig_psql "alter system set autovacuum = off" >/dev/null
pg_rig_psql "alter system set checkpoint_timeout = '1h'" >/dev/null
pg_rig_psql "select pg_reload_conf()" >/dev/null
printf 'UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 1;\n' >"$PG_DIR/onerow.sql"
chmod 644 "$PG_DIR/onerow.sql"

declare -A cmd
cmd[none]=""
cmd[offcpu]="$sre offcpu -f folded"
cmd[offcpu-fp]="$sre offcpu --unwind fp -f folded"
cmd[profile]="$sre profile -f folded"
cmd[triage]="$sre triage -o $PG_DIR/triage"
command -v offcputime >/dev/null && cmd[offcputime]="offcputime -f"
command -v perf >/dev/null && cmd[perf-record]="perf record -q -a -g -F 99 -o $PG_DIR/perf.data"
order="none offcpu offcpu-fp profile triage offcputime perf-record"

run_load() {
	case $1 in
	rowlock) pg_rig_bench -c 16 -j 2 -T "$secs" -f "$PG_DIR/onerow.sql" ;;
	commit) pg_rig_bench -c 8 -j 2 -T "$secs" ;;
	select) pg_rig_bench -S -c 8 -j 2 -T "$secs" ;;
	esac 2>/dev/null | sed -nE 's/^tps = ([0-9.]+).*/\1/p'
}

for load in $loads; do
	declare -A tps=() cpu=() rss=()
	for _ in $(seq "$rounds"); do
		for name in $order; do
			[ -n "${cmd[$name]+x}" ] || continue
			# The same table for every run: the one-row load leaves dead tuples.
			pg_rig_psql "vacuum full pgbench_accounts" >/dev/null
			pg_rig_psql "checkpoint" >/dev/null
			tracer_pid=""
			if [ -n "${cmd[$name]}" ]; then
				# shellcheck disable=SC2086
				/usr/bin/time -f "%U %S %M" -o "$PG_DIR/time" ${cmd[$name]} >/dev/null 2>&1 &
				tracer_pid=$!
				sleep 2
			fi
			tps[$name]+="$(run_load "$load") "
			# GNU time ignores SIGINT while it waits: the tracer gets it.
			if [ -n "$tracer_pid" ]; then
				pkill -INT -P "$tracer_pid"
				wait "$tracer_pid"
			fi
			if [ -n "${cmd[$name]}" ]; then
				read -r u s m < <(tail -1 "$PG_DIR/time")
				cpu[$name]+="$(awk -v u="$u" -v s="$s" -v t="$secs" 'BEGIN { printf "%.1f", 100 * (u + s) / (t + 2) }') "
				rss[$name]+="$((m / 1024)) "
			fi
		done
	done
	echo "load $load: pgbench tps, median of $rounds alternating runs of ${secs} s; tracer CPU % of one CPU, peak RSS"
	base=$(echo "${tps[none]}" | tr ' ' '\n' | grep . | median)
	for name in $order; do
		[ -n "${tps[$name]+x}" ] || continue
		t=$(echo "${tps[$name]}" | tr ' ' '\n' | grep . | median)
		c=$(echo "${cpu[$name]:-}" | tr ' ' '\n' | grep . | median)
		r=$(echo "${rss[$name]:-}" | tr ' ' '\n' | grep . | median)
		printf "  %-12s tps %8.1f  cost %5.1f%%  cpu %5s%%  rss %4s MB   (runs: %s)\n" "$name" "$t" \
			"$(awk -v b="$base" -v t="$t" 'BEGIN { print 100 * (b - t) / b }')" "${c:--}" "${r:--}" "${tps[$name]}"
	done
	unset tps cpu rss
done
