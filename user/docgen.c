/* Manual pages and shell completion, made from the tools' definitions so
 * they cannot drift from --help: `sretrace --man [TOOL]` writes
 * sretrace(8) or sretrace-TOOL(8) in man(7) markup, converted from the
 * text --help prints; `sretrace --completion bash` writes a completion
 * script from the option tables the parser itself uses. `make install`
 * installs both. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "docgen.h"
#include "lib/bpf/tool.h"

/* Text for man(7): backslashes doubled, hyphens as \-, and a line
 * starting with a dot or quote made literal. */
static void roff(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		if (i == 0 && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", f);
		if (s[i] == '\\')
			fputs("\\e", f);
		else if (s[i] == '-')
			fputs("\\-", f);
		else
			fputc(s[i], f);
	}
}

static void roff_line(FILE *f, const char *s)
{
	roff(f, s, strlen(s));
	fputc('\n', f);
}

/* Where a help line's first column ends: the first run of two spaces
 * after its text; 0 when there is none. */
static size_t column_end(const char *s)
{
	const char *p = strstr(s, "  ");

	return p ? (size_t)(p - s) : 0;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static void upper(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++)
		dst[i] = (char)toupper((unsigned char)s[i]);
	dst[i] = 0;
}

/* The help text of tool t, as --help prints it; NULL when out of memory. */
static char *help_text(const struct sre_tool *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	if (t->help)
		t->help(m);
	else
		sre_print_help(m, t->spec);
	if (fclose(m)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* --help's layout, line by line: "usage:" lines (the synopsis), plain
 * paragraphs, "NAME:" headings, entries ("  -x, --long ARG  what", and
 * examples "  command  comment") and their indented continuations. */
static void help_to_man(FILE *f, char *help)
{
	bool in_usage = false, in_entry = false, in_examples = false, para = false;
	char *save = NULL;

	for (char *line = strtok_r(help, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *text = skip_spaces(line);
		size_t indent = (size_t)(text - line), len = strlen(line), col;

		if (!strncmp(line, "usage: ", 7) || (in_usage && indent > 0 && indent < 10)) {
			fputs(in_usage ? ".br\n" : ".SH SYNOPSIS\n.nf\n", f);
			in_usage = true;
			roff_line(f, !strncmp(line, "usage: ", 7) ? line + 7 : text);
			continue;
		}
		if (in_usage) {
			fputs(".fi\n.SH DESCRIPTION\n", f);
			in_usage = false;
		}
		if (indent == 0 && len > 1 && line[len - 1] == ':') {
			/* "offcpu options:", "common options:", "examples:" */
			char head[128];

			upper(head, sizeof(head), line);
			head[strlen(head) - 1] = 0;
			fputs(".SH ", f);
			roff_line(f, head);
			in_examples = !strcmp(line, "examples:");
			in_entry = para = false;
			continue;
		}
		if (indent >= 10 && in_entry) {
			roff_line(f, text); /* a continuation of the entry above */
			continue;
		}
		if (indent >= 2 && (col = column_end(text)) > 0) {
			/* An entry: the option (or command) in bold, then what it does. */
			fputs(".TP\n.B ", f);
			roff(f, text, col);
			fputc('\n', f);
			roff_line(f, skip_spaces(text + col));
			in_entry = true;
			para = false;
			continue;
		}
		if (indent >= 2 && in_examples) {
			fputs(".TP\n.B ", f);
			roff_line(f, text);
			fputs(".PP\n", f);
			continue;
		}
		/* A sentence of its own. */
		if (!para || in_entry)
			fputs(".PP\n", f);
		roff_line(f, text);
		para = true;
		in_entry = false;
	}
	if (in_usage)
		fputs(".fi\n", f);
}

static void see_also(FILE *f, const struct sre_tool *self)
{
	bool first = true;

	fputs(".SH SEE ALSO\n", f);
	if (self)
		fputs(".BR sretrace (8)", f), first = false;
	for (const struct sre_tool *const *t = sre_tools; *t; t++) {
		if ((*t)->hidden || *t == self)
			continue;
		fprintf(f, "%s.BR sretrace\\-%s (8)", first ? "" : ",\n", (*t)->spec->name);
		first = false;
	}
	fputs(",\n.BR bpftool (8),\n.BR perf (1)\n", f);
}

static const char exit_status[] =
	".SH EXIT STATUS\n"
	"0 on success; 1 when tracing failed (or, with SLOs, one was missed); 2 on bad input, "
	"said in one line on stderr. With \\fB\\-\\-\\fR \\fICOMMAND\\fR, the command's own exit status.\n";

static int tool_page(FILE *f, const struct sre_tool *t)
{
	char name[64], *help = help_text(t);

	if (!help)
		return -ENOMEM;
	upper(name, sizeof(name), t->spec->name);
	fprintf(f, ".TH SRETRACE\\-%s 8 \"\" \"sretrace\" \"System Administration\"\n.SH NAME\nsretrace\\-%s \\- ",
		name, t->spec->name);
	roff_line(f, t->spec->summary);
	help_to_man(f, help);
	fputs(exit_status, f);
	see_also(f, t);
	free(help);
	return 0;
}

static void overview_page(FILE *f)
{
	fputs(".TH SRETRACE 8 \"\" \"sretrace\" \"System Administration\"\n"
	      ".SH NAME\nsretrace \\- eBPF tools for finding where the time goes\n"
	      ".SH SYNOPSIS\n.B sretrace\n\\fITOOL\\fR [\\fIoptions\\fR] [\\fIargs\\fR] "
	      "[\\fB\\-\\-\\fR \\fICOMMAND\\fR [\\fIARGS\\fR...]]\n.br\n"
	      ".B sretrace\\-\\fITOOL\\fR ...\n.br\n.B sretrace \\-\\-man\n[\\fITOOL\\fR]\n.br\n"
	      ".B sretrace \\-\\-completion bash\n"
	      ".SH DESCRIPTION\nOne static binary of eBPF tools (libbpf CO\\-RE) for a live host: the kernel "
	      "aggregates, the tool prints text, JSON, folded stacks, SVG flame graphs or pprof. Options go "
	      "anywhere before \\fB\\-\\-\\fR; one letter means one thing in every tool. Each tool has a page of "
	      "its own.\n.SH TOOLS\n", f);
	for (const struct sre_tool *const *t = sre_tools; *t; t++) {
		if ((*t)->hidden)
			continue;
		fprintf(f, ".TP\n.B %s\n", (*t)->spec->name);
		roff_line(f, (*t)->spec->summary);
	}
	fputs(".SH OPTIONS\n.TP\n.BI \\-\\-man \" [TOOL]\"\nthis page, or TOOL's, in man(7) markup\n"
	      ".TP\n.B \\-\\-completion bash\na bash completion script for sretrace and sretrace\\-TOOL\n"
	      ".TP\n.B \\-\\-version\nthe version\n", f);
	fputs(exit_status, f);
	see_also(f, NULL);
}

int sre_print_man(FILE *f, const char *tool)
{
	const struct sre_tool *t;

	if (!tool) {
		overview_page(f);
		return 0;
	}
	t = sre_tool_find(tool);
	if (!t || t->hidden)
		return -ENOENT;
	return tool_page(f, t);
}

/* ---- bash completion ---- */

/* Long options as "--name", then letters as "-x", space-separated; with
 * values_only, only the options that take a value, joined by '|'. */
static void option_words(FILE *f, const struct option *longs, int nlong, const char *shorts, bool values_only)
{
	const char *sep = values_only ? "|" : " ";
	bool first = true;

	for (int i = 0; longs && (nlong < 0 ? longs[i].name != NULL : i < nlong); i++) {
		if (values_only && longs[i].has_arg != required_argument)
			continue;
		fprintf(f, "%s--%s", first ? "" : sep, longs[i].name);
		first = false;
	}
	for (const char *s = shorts; s && *s; s++) {
		bool value = s[1] == ':';

		if (*s != ':' && (value || !values_only)) {
			fprintf(f, "%s-%c", first ? "" : sep, *s);
			first = false;
		}
	}
}

static void formats_of(FILE *f, unsigned int formats)
{
	bool first = true;

	for (unsigned int bit = 1; bit <= formats; bit <<= 1) {
		if (formats & bit) {
			fprintf(f, "%s%s", first ? "" : " ", sre_format_name((enum sre_format)bit));
			first = false;
		}
	}
}

int sre_print_completion(FILE *f, const char *shell)
{
	const char *common_short;
	int ncommon;
	const struct option *common = sre_common_options(&ncommon, &common_short);

	if (strcmp(shell, "bash"))
		return -EINVAL;
	fputs("# bash completion for sretrace (made by `sretrace --completion bash`)\n"
	      "_sretrace_tool_words() {\n"
	      "\t# $1: the tool. Sets opts (every option), takes (options with a value, as a case\n"
	      "\t# pattern) and formats (what -f accepts).\n"
	      "\tcase $1 in\n", f);
	for (const struct sre_tool *const *t = sre_tools; *t; t++) {
		const struct sre_tool_spec *s = (*t)->spec;
		bool own = (*t)->help != NULL; /* options of its own only */

		if ((*t)->hidden)
			continue;
		fprintf(f, "\t%s)\n\t\topts='", s->name);
		if (!own) {
			option_words(f, common, ncommon, common_short, false);
			fputc(' ', f);
		}
		option_words(f, s->long_opts, -1, s->short_opts, false);
		fputs("'\n\t\ttakes='", f);
		if (!own) {
			option_words(f, common, ncommon, common_short, true);
			fputc('|', f);
		}
		option_words(f, s->long_opts, -1, s->short_opts, true);
		fputs("'\n\t\tformats='", f);
		formats_of(f, s->formats);
		fputs("' ;;\n", f);
	}
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n", f);
	fputs("_sretrace() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} tool first i\n"
	      "\tlocal opts takes formats\n"
	      "\tCOMPREPLY=()\n"
	      "\t# sretrace-TOOL, or the first word after sretrace\n"
	      "\ttool=${COMP_WORDS[0]##*/}\n"
	      "\tif [[ $tool == sretrace-* ]]; then\n"
	      "\t\ttool=${tool#sretrace-}; first=1\n"
	      "\telse\n"
	      "\t\tif ((COMP_CWORD == 1)); then\n"
	      "\t\t\tCOMPREPLY=($(compgen -W '", f);
	for (const struct sre_tool *const *t = sre_tools; *t; t++)
		if (!(*t)->hidden)
			fprintf(f, "%s ", (*t)->spec->name);
	fputs("--help --man --completion --version' -- \"$cur\"))\n"
	      "\t\t\treturn\n"
	      "\t\tfi\n"
	      "\t\ttool=${COMP_WORDS[1]}; first=2\n"
	      "\tfi\n"
	      "\t# After \"--\": the command and its own arguments.\n"
	      "\tfor ((i = first; i < COMP_CWORD; i++)); do\n"
	      "\t\tif [[ ${COMP_WORDS[i]} == -- ]]; then\n"
	      "\t\t\tif ((i + 1 == COMP_CWORD)); then COMPREPLY=($(compgen -c -- \"$cur\"));\n"
	      "\t\t\telse COMPREPLY=($(compgen -f -- \"$cur\")); fi\n"
	      "\t\t\treturn\n"
	      "\t\tfi\n"
	      "\tdone\n"
	      "\t_sretrace_tool_words \"$tool\" || return\n"
	      "\tcase $prev in\n"
	      "\t-f|--format) COMPREPLY=($(compgen -W \"$formats\" -- \"$cur\")); return ;;\n"
	      "\t-o|--output|--debug-dir) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
	      "\t-p|--pid) COMPREPLY=($(compgen -W \"$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')\" "
	      "-- \"$cur\")); return ;;\n"
	      "\t-c|--comm) COMPREPLY=($(compgen -W \"$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)\" -- \"$cur\"));"
	      " return ;;\n"
	      "\t-C|--cgroup) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
	      "\tesac\n"
	      "\t# Any other option that takes a value: nothing to offer.\n"
	      "\t[[ -n $takes ]] && eval \"case \\$prev in $takes) return ;; esac\"\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts --\" -- \"$cur\"))\n"
	      "\telif [[ $tool == flamegraph ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _sretrace sretrace", f);
	for (const struct sre_tool *const *t = sre_tools; *t; t++)
		if (!(*t)->hidden)
			fprintf(f, " sretrace-%s", (*t)->spec->name);
	fputs("\n", f);
	return 0;
}
