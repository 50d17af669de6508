#!/usr/bin/env bats
# Manual pages and bash completion, made from the definitions that print
# --help: installed by `make install`, rendered by man(1) without a
# warning, and holding every option and example --help shows; the
# completion offers what --help lists, nothing it does not.

load helpers
bats_require_minimum_version 1.5.0

TOOLS="syslat offcpu biolat tcpretrans profile triage serve flamegraph"

setup_file() {
	export INST=$BATS_FILE_TMPDIR/inst
	make -C "$ROOT" -s install DESTDIR="$INST" PREFIX=/usr >/dev/null
}

# The options --help of tool $1 lists: "-x" and "--long" words at the
# start of an entry.
help_options() {
	"$SRE" "$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//; s/,/ /g' | tr ' ' '\n' | grep -E '^--?[a-zA-Z0-9]' | sort -u
}

# What the completion offers for the words "$@" (the last one being typed).
complete_words() {
	local COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
	# shellcheck disable=SC1091
	source "$INST/usr/share/bash-completion/completions/sretrace"
	_sretrace
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

@test "make install: sretrace(8), a page per tool, the completion, a sretrace-TOOL link per tool" {
	[ -x "$INST/usr/bin/sretrace" ]
	[ -s "$INST/usr/share/man/man8/sretrace.8" ]
	for t in $TOOLS; do
		[ -s "$INST/usr/share/man/man8/sretrace-$t.8" ] || { echo "no page for $t" >&3; false; }
		[ "$(readlink "$INST/usr/bin/sretrace-$t")" = sretrace ]
		[ -e "$INST/usr/share/bash-completion/completions/sretrace-$t" ]
	done
	# The overview names every tool --help names.
	page=$(MANWIDTH=200 man -l "$INST/usr/share/man/man8/sretrace.8" 2>/dev/null)
	for t in $("$SRE" --help | sed -nE 's/^  ([a-z]+) .*/\1/p'); do
		grep -qE "^ +$t( |$)" <<<"$page" || { echo "sretrace(8) lacks $t" >&3; false; }
	done
}

@test "man pages: render without warnings; every option and example of --help is in its tool's page" {
	for t in $TOOLS; do
		f=$INST/usr/share/man/man8/sretrace-$t.8
		warn=$(man --warnings=all -l "$f" 2>&1 >/dev/null)
		[ -z "$warn" ] || { echo "$t: $warn" >&3; false; }
		page=$(MANWIDTH=250 man -l "$f" 2>/dev/null)
		grep -q "^SYNOPSIS" <<<"$page"
		n=0
		for o in $(help_options "$t"); do
			grep -qE -- "(^|[ ,])$o([ ,=]|$)" <<<"$page" || { echo "$t: $o missing from its page" >&3; false; }
			n=$((n + 1))
		done
		while read -r ex; do
			[ -z "$ex" ] || grep -qF -- "$ex" <<<"$page" || { echo "$t: example '$ex' missing" >&3; false; }
		done < <("$SRE" "$t" --help | sed -n '/^examples:/,$p' | sed -nE 's/^ +(sretrace .*)$/\1/p' | sed -E 's/  .*//')
		echo "$t: $n options" >&3
		[ "$n" -ge 3 ]
	done
	run "$SRE" --man nosuchtool
	[ "$status" -eq 2 ]
}

@test "bash completion: tools, each tool's own options, -f's formats from --help, the command after --" {
	[ "$(complete_words sretrace off)" = offcpu ]
	complete_words sretrace t | grep -qx triage
	complete_words sretrace t | grep -qx tcpretrans
	for t in $TOOLS; do
		offered=$(complete_words sretrace "$t" -)
		for o in $(help_options "$t"); do
			grep -qx -- "$o" <<<"$offered" || { echo "$t: $o not offered" >&3; false; }
		done
		# Nothing offered that --help does not list (bar "--").
		extra=$(comm -13 <(help_options "$t") <(grep -v '^--$' <<<"$offered"))
		[ -z "$extra" ] || { echo "$t offers $extra" >&3; false; }
	done
	# -f: exactly the formats the tool's --help lists.
	for t in syslat offcpu biolat serve; do
		want=$("$SRE" "$t" --help | sed -nE 's/.*-f, --format FMT +output format: ([a-z|]+).*/\1/p' | tr '|' '\n' | sort)
		[ "$(complete_words sretrace "$t" -f '')" = "$want" ] || { echo "$t formats differ" >&3; false; }
	done
	# An installed sretrace-TOOL link completes as TOOL.
	complete_words sretrace-offcpu --wak | grep -qx -- --wakers
	# After "--": commands, then their files.
	complete_words sretrace offcpu -- basenam | grep -qx basename
	# An option's value is not completed as an option.
	[ -z "$(complete_words sretrace offcpu --stack-bytes '')" ]
}
