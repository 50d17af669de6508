#!/usr/bin/env bats
# Every example every --help prints, run as a user would type it (options
# after positionals too), with its placeholders made real: a pid that
# exists, a command that runs, a disk that is there. Each must parse and
# run: exit 0, or 1 where an SLO may fail; never 2 (bad input).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	T=$BATS_TEST_TMPDIR
}

# The example lines of "$1 --help": the command, without its description.
examples() {
	"$SRE" "$1" --help | sed -n '/^examples:/,$p' | sed -nE 's/^ +(sudo )?(sretrace .*)$/\2/p' |
		sed -E 's/   *[^ >].*$//; s/ +$//'
}

# One example made runnable: placeholders replaced.
runnable() {
	local disk
	disk=$(lsblk -ndo NAME,TYPE | awk '$2 == "disk" && $1 !~ /^(zram|loop)/ { print $1; exit }')
	sed -E "s#^sretrace #$SRE #;
		s#(-p|--pid) 1234#\\1 $PID#; s#-- \\./(server|bench|benchmark|client)( --once)?#-- $BLOCKER -k 2 -t 50#;
		s#vda#${disk:-vda}#g; s#10\\.0\\.0\\.5:9464#127.0.0.1:0#; s#> ([a-z.]+)#> $T/\\1#; s#-o /tmp/t#-o $T/t#" <<<"$1"
}

@test "examples: every --help example parses and runs (options anywhere before --)" {
	sleep 600 &
	PID=$!
	n=0
	for tool in syslat offcpu biolat tcpretrans profile triage serve; do
		while read -r ex; do
			cmd=$(runnable "$ex")
			# Long durations end early: the tools report on SIGINT.
			run --separate-stderr timeout --preserve-status -s INT 3 bash -c "$cmd"
			echo "[$status] $ex" >&3
			if [ "$status" -ne 0 ] && ! { [[ "$ex" == *--slo* ]] && [ "$status" -eq 1 ]; }; then
				echo "  ran: $cmd" >&3
				echo "  stderr: $stderr" >&3
				kill $PID
				return 1
			fi
			n=$((n + 1))
		done < <(examples "$tool")
	done
	kill $PID
	rm -rf /tmp/sretrace-triage-*-"$(date +%Y%m%d)"-* 2>/dev/null || true
	[ "$n" -ge 25 ]
}
