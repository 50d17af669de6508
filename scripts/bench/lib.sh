# Shared by the benchmark scripts (sourced, bash).
# The peers (libbpf-tools, bpftrace) attach classic tracepoints, which need
# tracefs; it is mounted for them only and unmounted on exit. Files listed
# in bench_tmp are removed on exit.
bench_tmp=()
bench_mounted_tracefs=""
if ! mountpoint -q /sys/kernel/tracing; then
	mount -t tracefs nodev /sys/kernel/tracing && bench_mounted_tracefs=1
fi
# The newest peers (libbpf-tools, bpftrace) live in a Debian sid chroot
# made by scripts/bench/sid-peers.sh. sid_ready mounts what they need in it
# (/proc, /sys, /dev, tracefs; undone on exit) and succeeds when it is there.
SID_ROOT=${SRE_SID_ROOT:-/var/cache/sretrace-sid}
bench_sid_mounts=()
sid_ready() {
	local m
	[ -x "$SID_ROOT/usr/sbin/offcputime-libbpf" ] || return 1
	for m in proc sys dev; do
		mountpoint -q "$SID_ROOT/$m" && continue
		mount --bind "/$m" "$SID_ROOT/$m" || return 1
		bench_sid_mounts=("$SID_ROOT/$m" "${bench_sid_mounts[@]}")
	done
	if ! mountpoint -q "$SID_ROOT/sys/kernel/tracing"; then
		mount -t tracefs nodev "$SID_ROOT/sys/kernel/tracing" || return 1
		bench_sid_mounts=("$SID_ROOT/sys/kernel/tracing" "${bench_sid_mounts[@]}")
	fi
}
bench_cleanup() {
	local m
	for m in "${bench_sid_mounts[@]}"; do umount "$m"; done
	[ -n "$bench_mounted_tracefs" ] && umount /sys/kernel/tracing
	[ ${#bench_tmp[@]} -eq 0 ] || rm -f "${bench_tmp[@]}"
}
trap bench_cleanup EXIT

# tracer_start CMD...: start a tracer in the background and give it time to
# attach (no CMD: nothing); tracer_stop: Ctrl-C it and wait.
tracer_pid=""
tracer_start() {
	tracer_pid=""
	[ $# -gt 0 ] || return 0
	"$@" >/dev/null 2>&1 &
	tracer_pid=$!
	sleep "${BENCH_ATTACH_WAIT:-1.5}"
}
tracer_stop() {
	[ -n "$tracer_pid" ] || return 0
	kill -INT "$tracer_pid" 2>/dev/null
	wait "$tracer_pid" 2>/dev/null
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# bench_collect REPS NAME...: for each NAME with a command in cmd[NAME]
# (empty: no tracer), the median of REPS runs of `measure CMD...` in res[NAME].
bench_collect() {
	local reps=$1 name vals
	shift
	for name in "$@"; do
		[ -n "${cmd[$name]+x}" ] || continue
		vals=""
		for _ in $(seq "$reps"); do
			# shellcheck disable=SC2086
			vals+="$(measure ${cmd[$name]})"$'\n'
		done
		res[$name]=$(printf '%s' "$vals" | median)
	done
}
