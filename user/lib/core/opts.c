#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/core/opts.h"
#include "lib/core/parse.h"

/* Longest interval or duration we accept: a year is a typo, not a plan. */
#define SRE_MAX_SECONDS (7 * 24 * 3600.0)

static const struct {
	enum sre_format fmt;
	const char *name;
} format_names[] = {
	{ SRE_FMT_TEXT, "text" }, { SRE_FMT_JSON, "json" }, { SRE_FMT_FOLDED, "folded" },
	{ SRE_FMT_PPROF, "pprof" }, { SRE_FMT_PROM, "prom" }, { SRE_FMT_SVG, "svg" },
};

static const struct option common_long[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "comm", required_argument, NULL, 'c' },
	{ "cgroup", required_argument, NULL, 'C' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "timestamp", no_argument, NULL, 'T' },
	{ "milliseconds", no_argument, NULL, 'm' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
/* No "+": options are taken anywhere before "--" (getopt moves the
 * positionals after them), as BCC's and libbpf-tools' users type them:
 * "sretrace triage 30 -o /tmp/t". */
#define COMMON_SHORT ":p:t:c:C:f:o:Tmvh"
#define N_COMMON_LONG ((int)(sizeof(common_long) / sizeof(common_long[0])))

const struct option *sre_common_options(int *n, const char **shorts)
{
	*n = N_COMMON_LONG;
	*shorts = COMMON_SHORT + 1; /* without getopt's ':' */
	return common_long;
}
#define MAX_TOOL_LONG 32

static void verror(const char *tool, const char *fmt, va_list ap)
{
	fprintf(stderr, "sretrace%s%s: ", tool ? " " : "", tool ? tool : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sre_error(const struct sre_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(o && o->tool ? o->tool->name : NULL, fmt, ap);
	va_end(ap);
}

void sre_tool_error(const char *tool, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(tool, fmt, ap);
	va_end(ap);
}

int sre_opt_usec(const char *tool, const char *opt, const char *arg, uint64_t min, uint64_t *out)
{
	if (sre_parse_u64(arg, min, 24ULL * 3600 * 1000000, out)) {
		sre_tool_error(tool, "invalid %s '%s': want microseconds >= %llu", opt, arg, (unsigned long long)min);
		return -EINVAL;
	}
	return 0;
}

int sre_opt_slow(const char *tool, const char *arg, int64_t *slow_us)
{
	uint64_t v;

	if (sre_opt_usec(tool, "--slow", arg, 0, &v))
		return -EINVAL;
	*slow_us = (int64_t)v;
	return 0;
}

int sre_opt_uint(const char *tool, const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	if (sre_parse_u64(arg, min, max, out)) {
		sre_tool_error(tool, "invalid %s '%s': want %llu..%llu", opt, arg, (unsigned long long)min,
			       (unsigned long long)max);
		return -EINVAL;
	}
	return 0;
}

const char *sre_format_name(enum sre_format f)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (format_names[i].fmt == f)
			return format_names[i].name;
	return "?";
}

void sre_print_help(FILE *f, const struct sre_tool_spec *spec)
{
	bool first = true;

	fprintf(f, "usage: sretrace %s [options] %s [-- COMMAND [ARGS...]]\n\n%s\n\n",
	       spec->name, spec->positional == SRE_POS_INTERVAL_COUNT ? "[interval [count]]" : "[duration]",
	       spec->summary);
	if (spec->options_help)
		fprintf(f, "%s options:\n%s\n", spec->name, spec->options_help);
	fprintf(f, "common options:\n"
	       "  -p, --pid PID[,PID]     only these processes\n"
	       "  -t, --tid TID[,TID]     only these threads\n"
	       "  -c, --comm NAME         only tasks with this command name\n"
	       "  -C, --cgroup PATH       only tasks in this cgroup v2 (and below it)\n"
	       "  -f, --format FMT        output format:");
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (spec->formats & format_names[i].fmt) {
			fprintf(f, "%s%s", first ? " " : "|", format_names[i].name);
			first = false;
		}
	}
	fprintf(f, " (default text)\n");
	/* One -o line: triage's is a directory, listed here and not twice. */
	if (spec->output_is_dir)
		fprintf(f, "  -o, --output DIR        report directory (default $TMPDIR or /tmp/\n"
		       "                          sretrace-%s-HOST-TIME)\n", spec->name);
	else
		fprintf(f, "  -o, --output FILE       write output to FILE (atomically, at exit)\n");
	fprintf(f, "  -T, --timestamp         print a timestamp with each report\n"
	       "  -m, --milliseconds      report times in milliseconds\n"
	       "  -v, --verbose           libbpf debug messages on stderr\n"
	       "  -h, --help              this help\n"
	       "  -- COMMAND [ARGS...]    run COMMAND, trace only it and its children,\n"
	       "                          stop when it exits and exit with its status\n");
	if (spec->positional == SRE_POS_INTERVAL_COUNT)
		fprintf(f, "\n  interval   seconds between reports (default: one report at exit)\n"
		       "  count      number of reports (default: until Ctrl-C)\n");
	else if (spec->default_duration_s > 0)
		fprintf(f, "\n  duration   seconds to trace (default: %.0f, or until -- COMMAND exits; Ctrl-C ends sooner)\n",
			spec->default_duration_s);
	else
		fprintf(f, "\n  duration   seconds to trace (default: until Ctrl-C)\n");
	if (spec->examples)
		fprintf(f, "\nexamples:\n%s", spec->examples);
}

struct id_list {
	uint32_t *ids;
	int *n;
	bool must_exist;
	const struct sre_opts *o;
	const char *what;
};

static int add_id(const char *item, void *ctx)
{
	struct id_list *l = ctx;
	uint64_t v;
	char path[64];

	if (sre_parse_u64(item, 1, 0x3fffffff, &v)) {
		sre_error(l->o, "invalid %s '%s'", l->what, item);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "/proc/%llu", (unsigned long long)v);
	if (l->must_exist && access(path, F_OK)) {
		sre_error(l->o, "no such %s: %llu", l->what, (unsigned long long)v);
		return -EINVAL;
	}
	if (*l->n >= FILTER_MAX_PIDS) {
		sre_error(l->o, "too many %ss (at most %d)", l->what, FILTER_MAX_PIDS);
		return -EINVAL;
	}
	l->ids[(*l->n)++] = (uint32_t)v;
	return 0;
}

static int parse_format(struct sre_opts *o, const char *arg)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(arg, format_names[i].name))
			continue;
		if (!(o->tool->formats & format_names[i].fmt))
			break;
		o->format = format_names[i].fmt;
		return 0;
	}
	sre_error(o, "unknown format '%s' (see --help)", arg);
	return -EINVAL;
}

/* Catch what the user can fix before anything is attached: a symlink (never
 * followed), a directory, a missing parent directory. */
int sre_check_output_dir(const char *tool, const char *path)
{
	struct stat st;

	if (!*path) {
		sre_tool_error(tool, "empty output directory");
		return -EINVAL;
	}
	if (!lstat(path, &st) && !S_ISDIR(st.st_mode)) {
		sre_tool_error(tool, "refusing to write into %s: %s", path,
			       S_ISLNK(st.st_mode) ? "it is a symlink" : "not a directory");
		return -EINVAL;
	}
	return 0;
}

int sre_check_output_path(const char *tool, const char *path)
{
	char *copy;
	struct stat st;
	int err = 0;

	if (!*path) {
		sre_tool_error(tool, "empty output path");
		return -EINVAL;
	}
	if (!lstat(path, &st) && !S_ISREG(st.st_mode)) {
		sre_tool_error(tool, "refusing to write %s: %s", path,
			       S_ISLNK(st.st_mode) ? "it is a symlink" : "not a regular file");
		return -EINVAL;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (stat(dirname(copy), &st) || !S_ISDIR(st.st_mode)) {
		sre_tool_error(tool, "cannot write %s: no such directory", path);
		err = -EINVAL;
	}
	free(copy);
	return err;
}

static int parse_common(struct sre_opts *o, int key, const char *arg)
{
	struct id_list l = { .o = o, .must_exist = true };
	struct stat st;

	switch (key) {
	case 'p':
		l.ids = o->pids, l.n = &o->npids, l.what = "pid";
		return sre_split_list(arg, add_id, &l) ? -EINVAL : 0;
	case 't':
		l.ids = o->tids, l.n = &o->ntids, l.what = "tid";
		return sre_split_list(arg, add_id, &l) ? -EINVAL : 0;
	case 'c':
		if (!*arg || strlen(arg) >= TASK_COMM_LEN) {
			sre_error(o, "invalid comm '%s' (1 to %d characters)", arg, TASK_COMM_LEN - 1);
			return -EINVAL;
		}
		strcpy(o->comm, arg);
		return 0;
	case 'C':
		if (stat(arg, &st) || !S_ISDIR(st.st_mode)) {
			sre_error(o, "cgroup '%s' is not a cgroup v2 directory", arg);
			return -EINVAL;
		}
		o->cgroup = arg;
		return 0;
	case 'f':
		return parse_format(o, arg);
	case 'o':
		o->output = arg;
		if (o->tool->output_is_dir)
			return sre_check_output_dir(o->tool->name, arg);
		return sre_check_output_path(o->tool->name, arg);
	case 'T':
		o->timestamp = true;
		return 0;
	case 'm':
		o->millis = true;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	}
	return 1;
}

static int parse_positionals(struct sre_opts *o, int n, char **args)
{
	const char *what = o->tool->positional == SRE_POS_INTERVAL_COUNT ? "interval" : "duration";
	int max = o->tool->positional == SRE_POS_INTERVAL_COUNT ? 2 : 1;
	double secs;

	if (n > max) {
		sre_error(o, "too many arguments starting at '%s' (see --help)", args[max]);
		return -EINVAL;
	}
	if (n >= 1) {
		if (sre_parse_seconds(args[0], SRE_MAX_SECONDS, &secs)) {
			sre_error(o, "invalid %s '%s': want seconds > 0 and <= %.0f", what, args[0],
				  SRE_MAX_SECONDS);
			return -EINVAL;
		}
		if (o->tool->positional == SRE_POS_INTERVAL_COUNT)
			o->interval_s = secs;
		else
			o->duration_s = secs;
	}
	if (n == 2 && sre_parse_u64(args[1], 1, 1000000000, &o->count)) {
		sre_error(o, "invalid count '%s': want a whole number > 0", args[1]);
		return -EINVAL;
	}
	return 0;
}

/* 0 when key is one of the tool's switches (now on), 1 when it is not. */
static int set_switch(const struct sre_tool_spec *spec, int key, void *cfg)
{
	for (const struct sre_switch *w = spec->switches; w && w->key; w++) {
		if (w->key == key) {
			*(bool *)((char *)cfg + w->offset) = true;
			return 0;
		}
	}
	return 1;
}

int sre_parse_options(int argc, char **argv, const struct sre_tool_spec *spec,
		      struct sre_opts *o, void *ctx)
{
	struct option longs[N_COMMON_LONG + MAX_TOOL_LONG + 1];
	char shorts[128];
	int n = N_COMMON_LONG, key, dashdash = -1, nargs;

	memset(o, 0, sizeof(*o));
	o->tool = spec;
	o->format = SRE_FMT_TEXT;
	memcpy(longs, common_long, sizeof(common_long));
	for (const struct option *t = spec->long_opts; t && t->name && n < N_COMMON_LONG + MAX_TOOL_LONG; t++)
		longs[n++] = *t;
	memset(&longs[n], 0, sizeof(longs[n]));
	snprintf(shorts, sizeof(shorts), "%s%s", COMMON_SHORT, spec->short_opts ? spec->short_opts : "");

	/* "--" ends our options: what follows is the command, untouched. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			dashdash = i;
			break;
		}
	}
	nargs = dashdash >= 0 ? dashdash : argc;

	optind = 0; /* 0, not 1: glibc then resets all of getopt's state */
	opterr = 0;
	while ((key = getopt_long(nargs, argv, shorts, longs, NULL)) != -1) {
		int err;

		if (key == 'h') {
			sre_print_help(stdout, spec);
			return 1;
		}
		if (key == '?') {
			/* Mid-cluster ("-0.5" fails at '0'), optind has not moved on yet. */
			const char *bad = optind < nargs && argv[optind][0] == '-' && argv[optind][1] &&
						  argv[optind][1] != '-' ? argv[optind] : argv[optind - 1];

			/* "-5" is a negative interval or duration, not an option. */
			if (bad && bad[0] == '-' && (isdigit((unsigned char)bad[1]) || bad[1] == '.')) {
				sre_error(o, "invalid %s '%s': want seconds > 0",
					  spec->positional == SRE_POS_INTERVAL_COUNT ? "interval" : "duration", bad);
				return -EINVAL;
			}
			if (optopt)
				sre_error(o, "unknown option '-%c' (see --help)", optopt);
			else
				sre_error(o, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
		if (key == ':') {
			sre_error(o, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		}
		err = parse_common(o, key, optarg);
		if (err == 1)
			err = set_switch(spec, key, ctx);
		if (err == 1)
			err = spec->on_option ? spec->on_option(key, optarg, ctx) : -EINVAL;
		if (err)
			return -EINVAL;
	}
	if (parse_positionals(o, nargs - optind, argv + optind))
		return -EINVAL;
	if (dashdash >= 0) {
		if (dashdash + 1 >= argc) {
			sre_error(o, "'--' must be followed by a command");
			return -EINVAL;
		}
		o->command = argv + dashdash + 1;
	}
	/* Compressed bytes on a terminal help nobody and can upset it. */
	if (o->format == SRE_FMT_PPROF && !o->output && isatty(STDOUT_FILENO)) {
		sre_error(o, "-f pprof writes a binary file: use -o FILE or a pipe");
		return -EINVAL;
	}
	return 0;
}
