/* `sretrace _floor syscalls|sched [seconds]`: a benchmark helper that
 * attaches empty programs so scripts/bench can measure the floor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"
#include "lib/bpf/load.h"
#include "lib/core/parse.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/tool.h"
#include "tools.h"

static int no_report(void *ctx, bool final)
{
	(void)ctx, (void)final;
	return 0;
}

static const struct sre_tool_spec floor_spec = {
	.name = "_floor",
	.summary = "Benchmark floor: empty programs on the tracepoints the tools use.",
	.positional = SRE_POS_DURATION,
};

static int floor_main(int argc, char **argv)
{
	struct sre_opts o = { .tool = &floor_spec };
	struct floor_bpf *skel;
	bool sched;
	int err = 1;

	if (argc < 2 || argc > 3 || (strcmp(argv[1], "syscalls") && strcmp(argv[1], "sched")) ||
	    (argc == 3 && sre_parse_seconds(argv[2], 86400, &o.duration_s))) {
		fprintf(stderr, "usage: sretrace _floor syscalls|sched [seconds]\n");
		return 2;
	}
	if (sre_check_environment(&o))
		return 1;
	sched = !strcmp(argv[1], "sched");
	sre_libbpf_logging(false);
	sre_signals_init();
	skel = floor_bpf__open();
	if (!skel)
		return 1;
	bpf_program__set_autoload(skel->progs.floor_sys_enter, !sched);
	bpf_program__set_autoload(skel->progs.floor_sys_exit, !sched);
	bpf_program__set_autoload(skel->progs.floor_sched_switch, sched);
	if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr, "sretrace _floor: cannot load or attach\n");
		goto cleanup;
	}
	fprintf(stderr, "attached\n");
	err = sre_run(&(struct sre_loop){ .opts = &o, .counters_fd = -1, .report = no_report });
cleanup:
	floor_bpf__destroy(skel);
	return err ? 1 : 0;
}

const struct sre_tool floor_tool = { .spec = &floor_spec, .hidden = true, .main = floor_main };
