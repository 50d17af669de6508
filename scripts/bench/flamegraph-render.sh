#!/bin/bash
# Renders a generated 50k-line folded file (deep, branchy stacks with
# realistic name lengths) and reports median wall time over ROUNDS and
# peak RSS. flamegraph.pl is compared when one is on PATH.
# Usage: flamegraph-render.sh [ROUNDS] [LINES]
set -u
cd "$(dirname "$0")/../.."
rounds=${1:-5}
lines=${2:-50000}
fg=./build/flamegraph
[ -x "$fg" ] || { echo "build first: make" >&2; exit 2; }
. scripts/bench/lib.sh
in=$(mktemp)
bench_tmp+=("$in")
# Stacks of 5-40 frames over ~3000 distinct function names.
awk -v n="$lines" 'BEGIN { srand(7); for (i = 0; i < n; i++) { d = 5 + int(rand() * 36); s = "proc" int(rand() * 20);
	for (k = 0; k < d; k++) s = s ";mod" int(rand() * 30) "::function_name_" int(rand() * 100) "()";
	print s, 1 + int(rand() * 1000) } }' >"$in"

run() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" <"$in" >/dev/null
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
rss() { /usr/bin/time -f %M "$@" <"$in" 2>&1 >/dev/null | tail -1; }

printf '%-16s %10s %12s\n' renderer median_s peak_rss_kb
vals=""; for _ in $(seq "$rounds"); do vals+="$(run "$fg")"$'\n'; done
printf '%-16s %10s %12s\n' sretrace "$(printf '%s' "$vals" | median)" "$(rss "$fg")"
if command -v flamegraph.pl >/dev/null; then
	vals=""; for _ in $(seq "$rounds"); do vals+="$(run flamegraph.pl)"$'\n'; done
	printf '%-16s %10s %12s\n' flamegraph.pl "$(printf '%s' "$vals" | median)" "$(rss flamegraph.pl)"
fi
echo "input: $lines lines, $(wc -c <"$in") bytes, $(tr ';' '\n' <"$in" | sed 's/ [0-9]*$//' | sort -u | wc -l) distinct frame names"
