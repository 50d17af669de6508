/* sretrace: one binary, many tools. `sretrace TOOL ...`, or a symlink named TOOL. */
#include <stdio.h>
#include <string.h>
#include <libgen.h>
#include "lib/flamegraph.h"
#include "lib/tools.h"

static const struct sre_tool tools[] = {
	{ "syslat", "syscall latency: counts, errors, histograms and p50/p95/p99/max per syscall", syslat_main, 0 },
	{ "offcpu", "off-CPU time by kernel and user stack: where threads wait; text, folded, JSON", offcpu_main, 0 },
	{ "biolat", "block I/O latency per disk and op, queue vs device time, sizes, issuers", biolat_main, 0 },
	{ "tcpretrans", "TCP retransmits per event or per flow, with retransmit rate and socket owner", tcpretrans_main, 0 },
	{ "profile", "on-CPU time by kernel and user stack, sampled on every CPU; text, folded, JSON", profile_main, 0 },
	{ "triage", "all tools at once: where the time goes, ranked findings with advice, a report directory", triage_main, 0 },
	{ "serve", "Prometheus exporter: syscall, block I/O, retransmit and off-CPU metrics on /metrics", serve_main, 0 },
	{ "flamegraph", "folded stacks to an interactive SVG flame graph (offline, no privileges)", flamegraph_main, 0 },
	{ "_floor", "benchmark floor: empty programs on the tracepoints the tools use", floor_main, 1 },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sretrace TOOL [options] [args] [-- COMMAND [ARGS...]]\n\n"
		   "eBPF observability for finding where the time goes.\n\ntools:\n");
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!tools[i].hidden)
			fprintf(f, "  %-12s %s\n", tools[i].name, tools[i].summary);
	fprintf(f, "\n`sretrace TOOL --help` shows a tool's options and examples.\n");
}

static const struct sre_tool *find_tool(const char *name)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!strcmp(tools[i].name, name))
			return &tools[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *self = basename(argv[0]);
	const struct sre_tool *t;

	/* Installed symlinks are named sretrace-TOOL; a plain TOOL works too. */
	if (!strncmp(self, "sretrace-", 9))
		self += 9;
	t = find_tool(self);

	/* Invoked through a symlink named after a tool. */
	if (t)
		return t->main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	t = find_tool(argv[1]);
	if (!t) {
		fprintf(stderr, "sretrace: unknown tool '%s' (see sretrace --help)\n", argv[1]);
		return 2;
	}
	return t->main(argc - 1, argv + 1);
}
