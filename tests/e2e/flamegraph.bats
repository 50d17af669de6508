#!/usr/bin/env bats
# The flame graph renderer: exact geometry on a known input, well-formed
# XML whatever the names, robustness, determinism, differential mode.

load helpers
bats_require_minimum_version 1.5.0

FG=$ROOT/build/flamegraph

# The rect of the frame whose tooltip starts with "$1 (".
rect_of() { grep -o "<title>$1 ([^<]*</title><rect [^>]*>" "$2"; }
attr() { sed -n "s/.* $1=\"\\([^\"]*\\)\".*/\\1/p" <<<"$2"; }

@test "flamegraph: frame widths and percentages are exact for a known input" {
	printf 'main;parse;lex 30\nmain;parse;tree 20\nmain;eval 50\nidle 100\n' >"$BATS_TEST_TMPDIR/in"
	"$FG" --width 1020 --countname ms "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out.svg"
	xmllint --noout "$BATS_TEST_TMPDIR/out.svg"
	# 1000 usable pixels for 200 units: 5 px per unit, left edge at 10.
	r=$(rect_of lex "$BATS_TEST_TMPDIR/out.svg")
	[[ "$r" == *"(30 ms, 15.00%)"* ]]
	[ "$(attr width "$r")" = "150.00" ]
	# Siblings in name order: idle before main, eval before parse, lex before tree.
	r=$(rect_of idle "$BATS_TEST_TMPDIR/out.svg")
	[ "$(attr x "$r")" = "10.00" ]
	[ "$(attr width "$r")" = "500.00" ]
	r=$(rect_of eval "$BATS_TEST_TMPDIR/out.svg")
	[[ "$r" == *"(50 ms, 25.00%)"* ]]
	[ "$(attr x "$r")" = "510.00" ]
	[ "$(attr width "$r")" = "250.00" ]
	r=$(rect_of lex "$BATS_TEST_TMPDIR/out.svg")
	[ "$(attr x "$r")" = "760.00" ]
	r=$(rect_of tree "$BATS_TEST_TMPDIR/out.svg")
	[ "$(attr x "$r")" = "910.00" ]
	[ "$(attr width "$r")" = "100.00" ]
	r=$(rect_of all "$BATS_TEST_TMPDIR/out.svg")
	[ "$(attr width "$r")" = "1000.00" ]
	[[ "$r" == *"(200 ms, 100.00%)"* ]]
}

@test "flamegraph: names with markup, quotes, UTF-8, control bytes and bad UTF-8 stay well-formed" {
	printf 'a<b>&c;"q"'"'"'s 5\nünïcødé;日本 3\nctl\001\002x 2\nbad\377\376utf 1\n' | "$FG" >"$BATS_TEST_TMPDIR/out.svg"
	xmllint --noout "$BATS_TEST_TMPDIR/out.svg"
	grep -q 'a&lt;b&gt;&amp;c' "$BATS_TEST_TMPDIR/out.svg"
	grep -q '日本' "$BATS_TEST_TMPDIR/out.svg"
}

@test "flamegraph: malformed lines are counted once, never fatal" {
	run --separate-stderr "$FG" <<<$'ok;frame 3\nno value here\n;;; \nneg;x -5\nnum;x 1e999\n\nok;frame 4'
	[ "$status" -eq 0 ]
	[ "$stderr" = "sretrace flamegraph: ignored 4 malformed lines" ]
	grep -q '<title>frame (7 samples' <<<"$output"
}

@test "flamegraph: 1M lines, 5000-frame stacks and a multi-MB line do not crash" {
	awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "p%d;f%d;g%d %d\n", i % 7, i % 1000, i % 13, 1 + i % 5 }' >"$BATS_TEST_TMPDIR/big"
	for k in 1 2 3; do
		{ printf deep; seq -f ';d%g' 5000 | tr -d '\n'; echo " 10"; } >>"$BATS_TEST_TMPDIR/big"
	done
	# One line of ~8 MB: 300k frames (deeper than the 8192 kept, merged into the last).
	{ printf wide; seq -f ';frame_with_a_long_name_%g' 300000 | tr -d '\n'; echo " 1"; } >>"$BATS_TEST_TMPDIR/big"
	run --separate-stderr "$FG" "$BATS_TEST_TMPDIR/big"
	[ "$status" -eq 0 ]
	xmllint --noout - <<<"$output"
}

@test "flamegraph: output does not depend on input order" {
	printf 'a;b;c 3\na;b;d 2\nx;y 7\na;e 1\na;b;c 4\n' >"$BATS_TEST_TMPDIR/one"
	sort -r "$BATS_TEST_TMPDIR/one" >"$BATS_TEST_TMPDIR/two"
	"$FG" "$BATS_TEST_TMPDIR/one" >"$BATS_TEST_TMPDIR/one.svg"
	"$FG" "$BATS_TEST_TMPDIR/two" >"$BATS_TEST_TMPDIR/two.svg"
	cmp "$BATS_TEST_TMPDIR/one.svg" "$BATS_TEST_TMPDIR/two.svg"
}

@test "flamegraph --diff: red where it grew, blue where it shrank" {
	printf 'main;slow 10\nmain;fast 90\n' >"$BATS_TEST_TMPDIR/before"
	printf 'main;slow 60\nmain;fast 40\n' >"$BATS_TEST_TMPDIR/after"
	"$FG" --diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" >"$BATS_TEST_TMPDIR/d.svg"
	xmllint --noout "$BATS_TEST_TMPDIR/d.svg"
	r=$(rect_of slow "$BATS_TEST_TMPDIR/d.svg")
	[[ "$(attr fill "$r")" == "rgb(255,"* ]]
	[[ "$r" == *"before 10, +500.00%"* ]]
	r=$(rect_of fast "$BATS_TEST_TMPDIR/d.svg")
	[[ "$(attr fill "$r")" == *",255)" ]]
	[ "$(attr width "$(rect_of fast "$BATS_TEST_TMPDIR/d.svg")")" = "472.00" ]
}

@test "flamegraph: off-CPU input gets the io palette, --colors and --inverted apply" {
	printf 'app;read;-;ksys_read;pipe_read;schedule 90\napp;main 10\n' >"$BATS_TEST_TMPDIR/off"
	"$FG" "$BATS_TEST_TMPDIR/off" >"$BATS_TEST_TMPDIR/o.svg"
	f=$(attr fill "$(rect_of main "$BATS_TEST_TMPDIR/o.svg")")
	# io palette: blue dominates
	b=$(sed 's/rgb(\([0-9]*\),\([0-9]*\),\([0-9]*\))/\3/' <<<"$f"); r=$(sed 's/rgb(\([0-9]*\),.*/\1/' <<<"$f")
	[ "$b" -gt "$r" ]
	"$FG" --colors hot "$BATS_TEST_TMPDIR/off" >"$BATS_TEST_TMPDIR/h.svg"
	f=$(attr fill "$(rect_of main "$BATS_TEST_TMPDIR/h.svg")")
	[ "$(sed 's/rgb(\([0-9]*\),.*/\1/' <<<"$f")" -ge 200 ]
	"$FG" --inverted "$BATS_TEST_TMPDIR/off" >"$BATS_TEST_TMPDIR/i.svg"
	[ "$(attr y "$(rect_of all "$BATS_TEST_TMPDIR/i.svg")")" = "60" ]
}

@test "flamegraph: bad input is one line and exit 2" {
	for args in "--width 5" "--colors rainbow" "--bogus" "/nonexistent/file" "/" "--diff only-one" "--normalize"; do
		run --separate-stderr "$FG" $args </dev/null
		[ "$status" -eq 2 ] || { echo "exit $status for $args"; false; }
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	done
}

@test "flamegraph: offcpu and profile pipelines, and -f svg" {
	[ "$(id -u)" = 0 ] || skip "needs root"
	run --separate-stderr bash -c "'$SRE' offcpu -f folded -- '$BLOCKER' -k 2 -t 20 | '$SRE' flamegraph --title off"
	xmllint --noout - <<<"$output"
	grep -q '<title>sretrace_test_block_here' <<<"$output"
	run --separate-stderr "$SRE" profile -f svg -- "$ROOT/build/workload/burner" 1
	xmllint --noout - <<<"$output"
	grep -q '<title>sretrace_test_burn_here' <<<"$output"
}

@test "flamegraph in a real browser: click zooms to full width, search reports the match share" {
	command -v node >/dev/null || skip "node not installed"
	[ -x /usr/bin/chromium ] || skip "chromium not installed"
	[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] || skip "playwright-core not installed (scripts/setup.sh --test)"
	printf 'main;parse;lex 30\nmain;parse;tree 20\nmain;eval 50\nidle 100\n' | "$FG" >"$BATS_TEST_TMPDIR/b.svg"
	# lex + tree = 50 of 200 units: 25% of the width.
	run timeout 120 node "$ROOT/tests/browser/flamegraph.mjs" "$BATS_TEST_TMPDIR/b.svg" "$BATS_TEST_TMPDIR/b.png" lex '^(lex|tree)$' 25
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$BATS_TEST_TMPDIR/b.png" ]
}

@test "flamegraph: kernel and user frames never share a hue; the separators are gaps, not frames" {
	# 300 user and 300 kernel names, each under its own root.
	for i in $(seq 300); do echo "app;u_$i;-;k_$i 1"; done >"$BATS_TEST_TMPDIR/mix"
	for pal in hot io; do
		"$FG" --colors "$pal" "$BATS_TEST_TMPDIR/mix" >"$BATS_TEST_TMPDIR/m.svg"
		# name r g b, one line per frame
		sed -nE 's/.*<title>([^ ]+) \(.*fill="rgb\(([0-9]+),([0-9]+),([0-9]+)\)".*/\1 \2 \3 \4/p' "$BATS_TEST_TMPDIR/m.svg" >"$BATS_TEST_TMPDIR/c"
		[ "$(grep -c '^u_' "$BATS_TEST_TMPDIR/c")" -eq 300 ] && [ "$(grep -c '^k_' "$BATS_TEST_TMPDIR/c")" -eq 300 ]
		if [ "$pal" = hot ]; then
			# user: red, blue >= 50; kernel: orange, blue <= 20 and green >= 140
			run awk '/^u_/ && $4 < 50 { print "user", $0 } /^k_/ && ($4 > 20 || $3 < 140) { print "kernel", $0 }' "$BATS_TEST_TMPDIR/c"
		else
			# user: blue, green <= red + 20; kernel: teal, green >= red + 80
			run awk '/^u_/ && $3 > $2 + 20 { print "user", $0 } /^k_/ && $3 < $2 + 80 { print "kernel", $0 }' "$BATS_TEST_TMPDIR/c"
		fi
		[ -z "$output" ] || { echo "$pal: $output" | head -3 >&3; false; }
		# "-" is drawn without fill or text.
		grep -qE '<title>- \([^<]*</title><rect [^>]*fill="none"' "$BATS_TEST_TMPDIR/m.svg"
		! grep -qE '<title>- \([^<]*</title><rect [^>]*/><text [^>]*>-</text>' "$BATS_TEST_TMPDIR/m.svg"
	done
}
