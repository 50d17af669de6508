/* sretrace: one binary, many tools. `sretrace TOOL ...`, or a symlink named
 * TOOL (or sretrace-TOOL). The summaries come from the tools' definitions. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include "docgen.h"
#include "lib/bpf/tool.h"
#include "tools.h"

#ifndef SRE_VERSION
#define SRE_VERSION "unknown"
#endif

const struct sre_tool *const sre_tools[] = {
	&syslat_tool, &offcpu_tool, &biolat_tool, &tcpretrans_tool, &profile_tool,
	&triage_tool, &serve_tool, &flamegraph_tool, &floor_tool, NULL,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: sretrace TOOL [options] [args] [-- COMMAND [ARGS...]]\n\n"
		   "eBPF observability for finding where the time goes.\n\ntools:\n");
	for (const struct sre_tool *const *t = sre_tools; *t; t++)
		if (!(*t)->hidden)
			fprintf(f, "  %-12s %s\n", (*t)->spec->name, (*t)->spec->summary);
	fprintf(f, "\n`sretrace TOOL --help` shows a tool's options and examples; `sretrace --man [TOOL]`\n"
		   "writes its manual page, `sretrace --completion bash` a bash completion script,\n"
		   "`sretrace --version` the version.\n");
}

int main(int argc, char **argv)
{
	const char *self = basename(argv[0]);
	const struct sre_tool *t;

	/* Installed symlinks are named sretrace-TOOL; a plain TOOL works too. */
	if (!strncmp(self, "sretrace-", 9))
		self += 9;
	t = sre_tool_find(self);
	if (t)
		return sre_tool_main(t, argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("sretrace %s\n", SRE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--man")) {
		if (argc > 3 || sre_print_man(stdout, argc == 3 ? argv[2] : NULL)) {
			fprintf(stderr, "sretrace: --man takes one tool name (see sretrace --help)\n");
			return 2;
		}
		return 0;
	}
	if (!strcmp(argv[1], "--completion")) {
		if (argc != 3 || sre_print_completion(stdout, argv[2])) {
			fprintf(stderr, "sretrace: --completion takes a shell: bash\n");
			return 2;
		}
		return 0;
	}
	t = sre_tool_find(argv[1]);
	if (!t) {
		fprintf(stderr, "sretrace: unknown tool '%s' (see sretrace --help)\n", argv[1]);
		return 2;
	}
	return sre_tool_main(t, argc - 1, argv + 1);
}
