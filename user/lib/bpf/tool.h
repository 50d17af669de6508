/* A tool is one const definition; one runner runs any of them:
 *   options (spec) -> config (defaults, check) -> open/load/attach (load)
 *   -> readers and loop hooks (start) -> run loop -> report -> cleanup.
 * triage and serve reuse the same definitions' defaults and load. */
#ifndef SRE_TOOL_H
#define SRE_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "lib/core/opts.h"

struct sre_session;
struct sre_loop;

struct sre_tool {
	const struct sre_tool_spec *spec; /* name, summary, options, help */
	bool hidden;			  /* benchmark helpers: not in --help */
	/* A tool with a runner of its own (triage, serve, flamegraph). */
	int (*main)(int argc, char **argv);
	/* A tool with options of its own, not the shared ones (flamegraph):
	 * its --help, which the man page is made from. */
	void (*help)(FILE *f);

	/* Everything below is what sre_tool_main runs. */
	size_t run_size;   /* the tool's run state, zeroed */
	size_t cfg_offset; /* where its config sits in the run state */
	/* The defaults, before options are read into the config. */
	void (*defaults)(void *cfg);
	/* Options that do not combine, after parsing: -EINVAL, reported. */
	int (*check)(const struct sre_opts *o, void *cfg);
	/* Open, configure, load and attach; *probe is what unload frees.
	 * Reports its failure once; 0 or -errno. */
	int (*load)(void **probe, const struct sre_opts *o, pid_t command_pid, void *cfg);
	void (*unload)(void *probe);
	/* After load, with the output open: ring-buffer readers and the loop's
	 * report hooks. Reports its failure once; 0 or -errno. */
	int (*start)(void *run, void *probe, struct sre_session *s, struct sre_loop *l);
	/* Frees what start made; called whatever happened before. */
	void (*stop)(void *run);
	/* After a completed run, before stop: nonzero when the exit code is
	 * to be 1 (SLOs). */
	int (*verdict)(void *run);
};

/* Runs t with argv: its exit code (2 bad input, 1 failure, or the command's). */
int sre_tool_main(const struct sre_tool *t, int argc, char **argv);
/* The tool named name (also "sretrace-NAME"), or NULL. */
const struct sre_tool *sre_tool_find(const char *name);
/* Every tool, NULL-terminated, in --help order (user/main.c). */
extern const struct sre_tool *const sre_tools[];

#endif
