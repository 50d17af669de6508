# PostgreSQL 15 from Debian's packages on a loop device of its own (ext4),
# for the real-software tests and benchmarks. Source it, then:
#   pg_rig_start DIR     initdb, start on a Unix socket in DIR, pgbench -i
#   pg_rig_psql SQL      run SQL as postgres in the bench database
#   pg_rig_stop DIR      stop the server by pid, unmount, detach the loop device
# Everything lives under DIR; pg_rig_stop leaves nothing behind.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-55432}

pg_rig_have() {
	[ -x "$PG_BIN/postgres" ] && command -v pgbench >/dev/null && command -v mkfs.ext4 >/dev/null &&
		id postgres >/dev/null 2>&1
}

pg_rig_start() {
	local dir=$1 size=${2:-2G}
	mkdir -p "$dir/mnt"
	truncate -s "$size" "$dir/disk.img"
	PG_LOOP=$(losetup --find --show "$dir/disk.img") || return 1
	echo "$PG_LOOP" >"$dir/loop"
	mkfs.ext4 -q -F "$PG_LOOP" || return 1
	mount "$PG_LOOP" "$dir/mnt" || return 1
	mkdir -p "$dir/mnt/data" "$dir/mnt/sock"
	chown -R postgres: "$dir/mnt"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/mnt/data" -A trust >/dev/null || return 1
	PG_SOCK=$dir/mnt/sock
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/mnt/data" -l "$dir/mnt/log" -w -o \
		"-p $PG_PORT -k $PG_SOCK -c listen_addresses='' -c shared_buffers=128MB -c max_connections=64 \
-c track_wal_io_timing=on -c track_io_timing=on -c max_wal_size=256MB" start >/dev/null || return 1
	runuser -u postgres -- createdb -h "$PG_SOCK" -p "$PG_PORT" bench || return 1
	runuser -u postgres -- pgbench -h "$PG_SOCK" -p "$PG_PORT" -i -q -s 1 bench >/dev/null 2>&1 || return 1
	PG_PID=$(head -1 "$dir/mnt/data/postmaster.pid")
	PG_DISK=$(basename "$PG_LOOP")
	export PG_SOCK PG_PID PG_LOOP PG_DISK
}

pg_rig_psql() {
	runuser -u postgres -- psql -h "$PG_SOCK" -p "$PG_PORT" -d bench -XAtq -c "$1"
}

# pgbench as postgres; the arguments after the defaults are pgbench's.
pg_rig_bench() {
	runuser -u postgres -- pgbench -h "$PG_SOCK" -p "$PG_PORT" -n "$@" bench
}

pg_rig_stop() {
	local dir=$1 pid loop
	if [ -f "$dir/mnt/data/postmaster.pid" ]; then
		pid=$(head -1 "$dir/mnt/data/postmaster.pid")
		kill -QUIT "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
		pkill -KILL -u postgres -f "$dir/mnt/data" 2>/dev/null
	fi
	for _ in $(seq 20); do umount "$dir/mnt" 2>/dev/null && break; sleep 0.2; done
	loop=$(cat "$dir/loop" 2>/dev/null)
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$dir/disk.img" "$dir/loop" "$dir/mnt"
}
