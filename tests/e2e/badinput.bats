#!/usr/bin/env bats
# Bad input: one line on stderr, exit 2, nothing else.

load helpers
bats_require_minimum_version 1.5.0

bad() {
	run --separate-stderr "$SRE" "$@"
	[ "$status" -eq 2 ] || { echo "exit $status for: $*"; return 1; }
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ] || { echo "stderr not one line for: $*: $stderr"; return 1; }
	[ -z "$output" ] || { echo "stdout not empty for: $*"; return 1; }
}

@test "bad input: unknown tool" { bad nosuchtool; }
@test "bad input: unknown syscall name" { bad syslat -s nosuchcall; }
@test "bad input: one bad name in a list" { bad syslat -s read,nosuchcall; }
@test "bad input: pid that does not exist" { bad syslat -p 999999; }
@test "bad input: pid garbage" { bad syslat -p 12abc; }
@test "bad input: tid that does not exist" { bad syslat -t 999998; }
@test "bad input: interval 0" { bad syslat 0; }
@test "bad input: interval negative" { bad syslat -5; }
@test "bad input: interval garbage" { bad syslat abc; }
@test "bad input: interval overflowing" { bad syslat 99999999999999999999999; }
@test "bad input: count 0" { bad syslat 1 0; }
@test "bad input: count garbage" { bad syslat 1 x; }
@test "bad input: unknown format" { bad syslat -f xml; }
@test "bad input: format another tool has" { bad syslat -f folded; }
@test "bad input: unknown long option" { bad syslat --bogus; }
@test "bad input: unknown short option" { bad syslat -Z; }
@test "bad input: too many positionals" { bad syslat 1 2 3; }
@test "bad input: -- with no command" { bad syslat --; }
@test "bad input: option missing its value" { bad syslat -s; }
@test "bad input: unknown errno" { bad syslat --errno ENOTANERRNO; }
@test "bad input: comm too long" { bad syslat -c abcdefghijklmnopq; }
@test "bad input: cgroup that is not a directory" { bad syslat -C /etc/passwd; }
@test "bad input: --top 0" { bad syslat --top 0; }
@test "bad input: --slow negative" { bad syslat -L -1; }
@test "bad input: -L with -P" { bad syslat -L 10 -P; }
@test "bad input: output path is a directory" { bad syslat -o /tmp -- true; }
@test "bad input: offcpu -U -K" { bad offcpu -U -K; }
@test "bad input: offcpu unknown state" { bad offcpu --state sleepy; }
@test "bad input: offcpu max below min" { bad offcpu --min-block 100 --max-block 10; }
@test "bad input: offcpu stack storage 0" { bad offcpu --stack-storage-size 0; }
@test "bad input: offcpu two durations" { bad offcpu 1 2; }
@test "bad input: offcpu format prom" { bad offcpu -f prom; }
@test "bad input: biolat unknown disk" { bad biolat -d nosuchdisk; }
@test "bad input: biolat partition-style path" { bad biolat -d ../vda; }
@test "bad input: biolat -L with -D" { bad biolat -L 0 -D; }
@test "bad input: biolat interval garbage" { bad biolat 1x; }
@test "bad input: tcpretrans bad address" { bad tcpretrans --raddr 10.0.0.999; }
@test "bad input: tcpretrans port 0" { bad tcpretrans --port 0; }
@test "bad input: tcpretrans -4 -6" { bad tcpretrans -4 -6; }
@test "bad input: tcpretrans -A --stack" { bad tcpretrans -A --stack; }
@test "bad input: profile -F 0" { bad profile -F 0; }
@test "bad input: profile bad cpu list" { bad profile --cpu 3-1; }
@test "bad input: profile unknown event" { bad profile --event bogus; }
@test "bad input: profile -U -K" { bad profile -U -K; }
@test "bad input: output in a directory that does not exist" { bad syslat -o /nonexistent/dir/out -- true; }
@test "bad input: output through a symlink" {
	ln -sf /etc/hostname "$BATS_TEST_TMPDIR/link"
	bad offcpu -f folded -o "$BATS_TEST_TMPDIR/link" 1
	[ "$(readlink "$BATS_TEST_TMPDIR/link")" = /etc/hostname ]
}
@test "bad input: flamegraph input missing" { bad flamegraph /nonexistent.folded; }
@test "bad input: flamegraph input is a directory" { bad flamegraph /tmp; }
@test "bad input: flamegraph input is a FIFO" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	bad flamegraph "$BATS_TEST_TMPDIR/fifo"
}
@test "bad input: flamegraph input is binary garbage" {
	head -c 4096 "$SRE" >"$BATS_TEST_TMPDIR/garbage"
	bad flamegraph "$BATS_TEST_TMPDIR/garbage"
}
@test "bad input: flamegraph output through a symlink" {
	ln -sf /etc/hostname "$BATS_TEST_TMPDIR/svglink"
	echo 'a;b 1' >"$BATS_TEST_TMPDIR/in"
	bad flamegraph -o "$BATS_TEST_TMPDIR/svglink" "$BATS_TEST_TMPDIR/in"
}
@test "bad input: cgroup that does not exist" { bad syslat -C /sys/fs/cgroup/no/such/group; }
@test "bad input: tid garbage" { bad offcpu -t 1,x; }
@test "bad input: biolat disk list with an empty item" { bad biolat -d loop0,; }
@test "bad input: offcpu negative fractional duration" { bad offcpu -0.5; }
