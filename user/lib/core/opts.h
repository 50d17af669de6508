/* Command-line options shared by every tool: one letter, one meaning. */
#ifndef SRE_OPTS_H
#define SRE_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "bpf/common.h"

enum sre_format {
	SRE_FMT_TEXT = 1 << 0,
	SRE_FMT_JSON = 1 << 1,
	SRE_FMT_FOLDED = 1 << 2,
	SRE_FMT_PPROF = 1 << 3,
	SRE_FMT_PROM = 1 << 4,
	SRE_FMT_SVG = 1 << 5,
};

enum sre_positional {
	SRE_POS_INTERVAL_COUNT, /* [interval [count]]: histogram tools */
	SRE_POS_DURATION,       /* [duration]: stack tools */
};

/* An option that only turns a bool of the tool's config on. */
struct sre_switch {
	int key;       /* its letter or long-option value; 0 ends a list */
	size_t offset; /* of the bool in the config (offsetof) */
};

/* What a tool adds to the common options. */
struct sre_tool_spec {
	const char *name;
	const char *summary;      /* one line for `sretrace --help` */
	const char *options_help; /* the tool's own options, preformatted */
	const char *examples;
	enum sre_positional positional;
	double default_duration_s; /* SRE_POS_DURATION without a command; 0: until Ctrl-C */
	unsigned int formats;     /* enum sre_format bits the tool can write */
	bool output_is_dir;       /* -o names a directory (triage) */
	const char *short_opts;   /* tool letters, getopt syntax */
	const struct option *long_opts; /* terminated by a zero entry */
	/* Options that set a bool, terminated by a zero entry; NULL: none. */
	const struct sre_switch *switches;
	/* Handles a tool option; prints one line and returns -EINVAL on bad input. */
	int (*on_option)(int key, const char *arg, void *ctx);
};

struct sre_opts {
	const struct sre_tool_spec *tool;
	uint32_t pids[FILTER_MAX_PIDS];
	int npids;
	uint32_t tids[FILTER_MAX_PIDS];
	int ntids;
	char comm[TASK_COMM_LEN];
	const char *cgroup;
	enum sre_format format;
	const char *output;
	bool timestamp;
	bool millis;
	bool verbose;
	double interval_s;   /* 0: one report at the end */
	uint64_t count;      /* 0: unlimited */
	double duration_s;   /* 0: until interrupted */
	char **command;      /* argv after "--", or NULL */
};

/* Returns 0 to run, 1 when help was printed, -EINVAL after printing one line. */
int sre_parse_options(int argc, char **argv, const struct sre_tool_spec *spec,
		      struct sre_opts *o, void *ctx);
/* Prints "sretrace TOOL: <msg>" as one line on stderr. */
void sre_error(const struct sre_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For tool option handlers, before opts exist. */
void sre_tool_error(const char *tool, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A microseconds option value (e.g. -L, --min-block) in [min, 1 day]; prints
 * one line and returns -EINVAL on bad input. */
int sre_opt_usec(const char *tool, const char *opt, const char *arg, uint64_t min, uint64_t *out);
/* -L, --slow USEC: each event at least this slow (>= 0). */
int sre_opt_slow(const char *tool, const char *arg, int64_t *slow_us);
/* A whole-number option value in [min, max]; prints one line and returns
 * -EINVAL on bad input. */
int sre_opt_uint(const char *tool, const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out);
/* --stack-storage-size, the same for every stack tool. */
#define SRE_STACK_STORAGE_MAX (1 << 22)
/* What the user can fix before anything runs: a symlink (never followed),
 * a directory, a missing parent directory. One line and -EINVAL. */
int sre_check_output_path(const char *tool, const char *path);
/* -o for tools that write a directory: absent, or a real directory (not a
 * symlink). One line and -EINVAL. */
int sre_check_output_dir(const char *tool, const char *path);
const char *sre_format_name(enum sre_format f);
/* --help of a tool that uses the shared options (man pages are made from it). */
void sre_print_help(FILE *f, const struct sre_tool_spec *spec);
/* The shared options, for shell completion: n long ones, and the letters. */
const struct option *sre_common_options(int *n, const char **shorts);

#endif
