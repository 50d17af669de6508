#!/bin/bash
# What a tracer costs a real server: pgbench tps of PostgreSQL 15 (on its
# own loop device, tests/rigs/postgres.bash) while the tracer runs and while
# it does not, plus the tracer's own CPU time and peak RSS.
#
# Throughput on this VM drifts by ±20% over tens of seconds, more than the
# costs to measure, so runs with and without a tracer are not compared
# across minutes. Instead one pgbench run per tracer reports tps every
# second (-P 1) while the tracer is started and stopped in turn: PAIRS
# windows of ON seconds with it and OFF seconds without. Each second is
# classed by the window it falls in (the tracer's first 3 s, its start-up,
# and the seconds around a stop are left out); cost = 1 - mean(on) / mean(off),
# the two means taken over interleaved windows, so slow drift cancels.
#
# Loads:
#   select   8 clients, pgbench -S (one-row reads: a client/backend round
#            trip per query, the most context switches per second)
#   rowlock  16 clients updating one row (row-lock waits)
#   commit   8 clients, pgbench's TPC-B-like script, fsync on (WAL syncs)
# Every run starts from the same state: the table vacuumed, a checkpoint
# just taken, no autovacuum or timed checkpoint to land inside a run.
# Usage: pg-overhead.sh [PAIRS] [ON_SECONDS] [LOAD...]
# SRE_BENCH_ONLY="control offcpu ...": only these rows.
# SRE_BENCH_VERSUS=DIR: the "off" windows run the same row with DIR's
# sretrace instead of nothing (another build): cost is then this build's
# against that one's, drift cancelling as it does against no tracer.
set -u
cd "$(dirname "$0")/../.."
pairs=${1:-4}
on=${2:-10}
shift 2 2>/dev/null
loads=${*:-select rowlock commit}
off=$on
sre=$PWD/build/sretrace
versus_sre=${SRE_BENCH_VERSUS:+$SRE_BENCH_VERSUS/sretrace}
[ -x "$sre" ] || { echo "build first: make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ "$on" -ge 6 ] || { echo "ON_SECONDS must be at least 6" >&2; exit 2; }

. scripts/bench/lib.sh
. tests/rigs/postgres.bash
pg_rig_have || { echo "postgresql-15 not installed (scripts/setup.sh --test)" >&2; exit 2; }
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
# The method's own noise: a process that does nothing, started and stopped
# like the tracers.
cmd[control]="sleep 3600"
# What any sched_switch program costs: an empty one (the floor offcpu
# cannot go below).
cmd[floor-sched]="$sre _floor sched 3600"
# ... and empty sys_enter/sys_exit programs: what triage's syscall table
# costs before its programs do anything (every syscall takes the slow path).
cmd[floor-sys]="$sre _floor syscalls 3600"
cmd[offcpu]="$sre offcpu -f folded"
cmd[offcpu-fp]="$sre offcpu --unwind fp -f folded"
# Who ended each wait, with the waker's stacks (triage records the waker only).
cmd[offcpu-wakers]="$sre offcpu --wakers -f folded"
cmd[profile]="$sre profile -f folded"
# triage's other parts on their own, to see where its cost comes from.
cmd[syslat]="$sre syslat -P"
cmd[biolat]="$sre biolat"
cmd[triage]="$sre triage -o $PG_DIR/triage"
# libbpf-tools 0.26 has no folded output (-f); the default report is printed at exit.
command -v offcputime >/dev/null && cmd[offcputime]="offcputime --stack-storage-size 65536"
if sid_ready; then
	cmd[offcputime-0.37]="chroot $SID_ROOT /usr/sbin/offcputime-libbpf --stack-storage-size 65536"
	# bpftrace ships no offcputime: the usual one. Stacks are taken as a
	# thread leaves the CPU and summed by them when it comes back.
	cat >"$PG_DIR/offcpu.bt" <<'BT'
tracepoint:sched:sched_switch {
	@start[args.prev_pid] = nsecs;
	@kst[args.prev_pid] = kstack;
	@ust[args.prev_pid] = ustack;
	$t = @start[args.next_pid];
	if ($t) {
		@off[@kst[args.next_pid], @ust[args.next_pid], args.next_comm] = sum(nsecs - $t);
		delete(@start[args.next_pid]);
	}
}
BT
	cp "$PG_DIR/offcpu.bt" "$SID_ROOT/tmp/sretrace-offcpu.bt"
	bench_tmp+=("$SID_ROOT/tmp/sretrace-offcpu.bt")
	cmd[bpftrace-0.27]="chroot $SID_ROOT bpftrace -q /tmp/sretrace-offcpu.bt"
fi
command -v perf >/dev/null && cmd[perf-record]="perf record -q -a -g -F 99 -o $PG_DIR/perf.data"
order=${SRE_BENCH_ONLY:-control offcpu offcpu-fp profile triage offcputime offcputime-0.37 bpftrace-0.27 perf-record}

bench_args() {
	case $1 in
	select) echo "-S -c 8 -j 2" ;;
	rowlock) echo "-c 16 -j 2 -f $PG_DIR/onerow.sql" ;;
	commit) echo "-c 8 -j 2" ;;
	esac
}

now() { date +%s.%N; }
# Until a process holds BPF links and their number has not grown for 1 s
# (triage loads its tools one after another, each verified for longer
# than a poll; at most 30 s); one that holds none after 5 s (the control,
# perf) is taken as started.
wait_links() {
	local n prev=-1 i same=0
	for i in $(seq 300); do
		n=$(ls -l /proc/"$1"/fd 2>/dev/null | grep -c bpf_link)
		if [ "$n" -eq "$prev" ]; then same=$((same + 1)); else same=0; fi
		[ "$n" -gt 0 ] && [ "$same" -ge 10 ] && return 0
		[ "$n" -eq 0 ] && [ "$i" -ge 50 ] && return 0
		prev=$n
		sleep 0.1
	done
}
# utime + stime of a process and its threads, in clock ticks.
task_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# One pgbench run with the tracer on and off in turn; prints
# "cost_pct on_tps off_tps cpu_pct rss_mb".
measure() {
	local load=$1 cmdline=$2 start a b p u s m c0 c1 tracer cpu=0 rss=0 total
	pg_rig_psql "vacuum full pgbench_accounts" >/dev/null
	pg_rig_psql "checkpoint" >/dev/null
	# Room for each start-up (wait_links); pgbench is stopped after the
	# last window.
	total=$((2 + pairs * (on + off + 40) + 2))
	[ -n "$versus" ] && total=$((total + pairs * 40))
	: >"$PG_DIR/windows"
	start=$(now)
	# shellcheck disable=SC2046
	pg_rig_bench $(bench_args "$load") -T "$total" -P 1 >/dev/null 2>"$PG_DIR/progress" &
	local bench=$!
	sleep 2
	for p in $(seq "$pairs"); do
		if [ -n "$versus" ]; then
			# The other build in the "off" windows, started and measured
			# as the tracer is (its start-up left out the same way).
			# shellcheck disable=SC2086
			$versus >/dev/null 2>&1 &
			local vp=$!
			sleep 1
			wait_links "$vp"
			sleep 2
			a=$(now)
			sleep "$((off - 3))"
			b=$(now)
			kill -INT "$vp" 2>/dev/null
			wait "$vp"
			sleep 0.5
		else
			a=$(now)
			sleep "$off"
			b=$(now)
		fi
		echo "off $a $b" >>"$PG_DIR/windows"
		# shellcheck disable=SC2086
		/usr/bin/time -f "%U %S %M" -o "$PG_DIR/time" $cmdline >/dev/null 2>&1 &
		local tp=$!
		# Start-up (BTF, kallsyms, loading and attaching) is left out: it is
		# paid once, and on a saturated host it takes seconds (triage: 1.2 s
		# of CPU, over 3 s of wall time, so a fixed 3 s let it into the
		# measured window: 8% of a CPU charged to the tracer, and its tps).
		# The window starts 2 s after its BPF links stop growing.
		sleep 1
		tracer=$(pgrep -P "$tp" | head -1)
		[ -n "$tracer" ] && wait_links "$tracer"
		sleep 2
		if [ -z "$tracer" ]; then
			echo "pg-overhead: '$cmdline' did not start or exited early:" >&2
			tail -3 "$PG_DIR/time" >&2
			kill "$bench" 2>/dev/null
			wait
			echo "- - - - - -"
			return
		fi
		c0=$(task_cpu_ticks "$tracer")
		a=$(now)
		sleep "$((on - 3))"
		b=$(now)
		c1=$(task_cpu_ticks "$tracer")
		echo "on $a $b" >>"$PG_DIR/windows"
		# The tracer's CPU in the window itself, not its start-up or report.
		cpu=$(awk -v c="$cpu" -v d="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { print c + d / hz }')
		# GNU time ignores SIGINT while it waits: the tracer gets it. (The
		# control's sleep ignores it as a background job: TERM.)
		kill -INT "$tracer" 2>/dev/null
		[ "$cmdline" = "${cmd[control]}" ] && kill -TERM "$tracer" 2>/dev/null
		wait "$tp"
		read -r u s m < <(tail -1 "$PG_DIR/time")
		[ "$((m / 1024))" -gt "$rss" ] && rss=$((m / 1024))
		sleep 0.5
	done
	kill -INT "$bench" 2>/dev/null
	wait "$bench"
	# "progress: 5.0 s, 27000.1 tps, ...": the second ending 5.0 s after start.
	# The cost's standard error comes from the pairs: each on window
	# against the off windows either side of it (drift cancels within a
	# pair; the spread between pairs is the method's noise).
	awk -v start="$start" -v cpu="$cpu" -v rss="$rss" -v ontime="$((pairs * (on - 3)))" '
		FNR == NR { kind[NR] = $1; from[NR] = $2 - start; to[NR] = $3 - start; n = NR; next }
		/^progress:/ {
			e = $2 + 0; tps = $4 + 0
			for (i = 1; i <= n; i++)
				if (e - 1 >= from[i] && e <= to[i] + 0.05) {
					sum[kind[i]] += tps; cnt[kind[i]]++; wsum[i] += tps; wcnt[i]++
				}
		}
		END {
			if (!cnt["on"] || !cnt["off"]) { print "- - - - - -"; exit }
			onm = sum["on"] / cnt["on"]; offm = sum["off"] / cnt["off"]
			k = 0
			for (i = 2; i <= n; i += 2) {
				if (!wcnt[i] || !wcnt[i - 1]) continue
				base = wsum[i - 1] / wcnt[i - 1]
				if (i + 1 <= n && wcnt[i + 1]) base = (base + wsum[i + 1] / wcnt[i + 1]) / 2
				c[++k] = 100 * (1 - (wsum[i] / wcnt[i]) / base)
			}
			m = 0; for (j = 1; j <= k; j++) m += c[j]; m = k ? m / k : 0
			v = 0; for (j = 1; j <= k; j++) v += (c[j] - m) ^ 2
			se = k > 1 ? sqrt(v / (k - 1) / k) : 0
			printf "%.1f %.1f %.0f %.0f %.1f %d\n", 100 * (1 - onm / offm), se, onm, offm, 100 * cpu / ontime, rss
		}' "$PG_DIR/windows" "$PG_DIR/progress"
}

for load in $loads; do
	echo "load $load: pgbench tps with each tracer on and off in turn ($pairs x ${on} s each, one run per tracer)"
	echo "  ± : standard error of the cost over the pairs (each on window against the off windows beside it)"
	echo "  tracer CPU: its user + system time inside the measured windows, % of one CPU; RSS: peak"
	for name in $order; do
		[ -n "${cmd[$name]+x}" ] || continue
		versus=""
		[ -n "$versus_sre" ] && versus=${cmd[$name]//$sre/$versus_sre}
		read -r cost se ontps offtps cpu rss < <(measure "$load" "${cmd[$name]}")
		printf "  %-12s cost %6s%% ± %4s   tps on %7s  off %7s   cpu %5s%%   rss %4s MB\n" "$name" "$cost" \
			"$se" "$ontps" "$offtps" "$cpu" "$rss"
	done
done
