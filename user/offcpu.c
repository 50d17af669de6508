/* offcpu: where threads wait. Off-CPU time by kernel and user stack, as
 * text, folded stacks for flame graphs, or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "offcpu.skel.h"
#include "../bpf/offcpu.h"
#include "lib/json.h"
#include "lib/flamegraph.h"
#include "lib/opts.h"
#include "lib/parse.h"
#include "lib/runloop.h"
#include "lib/session.h"
#include "lib/stackopts.h"
#include "lib/stackreport.h"
#include "lib/ustacks.h"
#include "lib/tools.h"
#include "probes.h"

enum { OPT_MIN_BLOCK = 1000, OPT_MAX_BLOCK, OPT_STATE, OPT_EXACT, OPT_SAMPLE };

struct offcpu_run {
	struct offcpu_bpf *skel;
	struct offcpu_cfg cfg;
	struct sre_session session;
	struct sre_symbolizer sym;
	struct sre_ustack_sink sink;
};

static const struct option offcpu_long[] = {
	SRE_STACK_LONG_OPTS,
	{ "min-block", required_argument, NULL, OPT_MIN_BLOCK },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "sample-threshold", required_argument, NULL, OPT_SAMPLE },
	{ 0 },
};

static const struct {
	const char *name;
	uint32_t mask;
} state_names[] = {
	{ "all", OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE | OFFCPU_STATE_OTHER },
	{ "interruptible", OFFCPU_STATE_INTERRUPTIBLE },
	{ "uninterruptible", OFFCPU_STATE_UNINTERRUPTIBLE },
	{ "preempted", OFFCPU_STATE_PREEMPTED },
	{ "any", OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE | OFFCPU_STATE_OTHER |
			 OFFCPU_STATE_PREEMPTED },
};

static int add_state(const char *name, void *ctx)
{
	struct offcpu_cfg *cfg = ctx;

	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
		if (!strcmp(name, state_names[i].name)) {
			cfg->state_mask |= state_names[i].mask;
			return 0;
		}
	}
	sre_tool_error("offcpu", "unknown --state '%s' (all, interruptible, uninterruptible, preempted, any)", name);
	return -EINVAL;
}

static int offcpu_option(int key, const char *arg, void *ctx)
{
	struct offcpu_cfg *cfg = ctx;
	int err = sre_stack_option("offcpu", &cfg->stack, key, arg);

	if (err <= 0)
		return err;
	switch (key) {
	case OPT_MIN_BLOCK:
		return sre_opt_usec("offcpu", "--min-block", arg, 0, &cfg->min_block_us);
	case OPT_MAX_BLOCK:
		return sre_opt_usec("offcpu", "--max-block", arg, 1, &cfg->max_block_us);
	case OPT_STATE:
		cfg->state_mask = 0;
		return sre_split_list(arg, add_state, cfg) ? -EINVAL : 0;
	case OPT_EXACT:
		cfg->exact = true;
		return 0;
	case OPT_SAMPLE:
		/* At most 4 s: the BPF side draws against it with a 32-bit random number. */
		if (sre_opt_usec("offcpu", "--sample-threshold", arg, 1, &cfg->sample_us))
			return -EINVAL;
		if (cfg->sample_us > 4000000) {
			sre_tool_error("offcpu", "--sample-threshold at most 4000000 us");
			return -EINVAL;
		}
		return 0;
	}
	return -EINVAL;
}

static const struct sre_tool_spec offcpu_spec = {
	.name = "offcpu",
	.summary = "Off-CPU time by kernel and user stack: where threads wait (disk, locks, network, sleep).",
	.options_help =
		SRE_STACK_HELP
		"      --min-block USEC    ignore blocks shorter than USEC (default 1)\n"
		"      --max-block USEC    ignore blocks longer than USEC\n"
		"      --state LIST        all (default: every blocked state), interruptible,\n"
		"                          uninterruptible, preempted, any (blocked + preempted)\n"
		"      --exact             walk stacks for every block (costly; no sampling)\n"
		"      --sample-threshold USEC  blocks shorter than this are sampled with\n"
		"                          probability duration/threshold, weighted (default 1000)\n",
	.examples =
		"  sretrace offcpu 10                        10 s, text, largest first\n"
		"  sretrace offcpu -f folded 10 > off.folded  for flamegraph.pl, inferno, speedscope\n"
		"  sretrace offcpu -p 1234 --state uninterruptible 5   disk and D-state waits\n"
		"  sretrace offcpu -f json -- ./server --once\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON | SRE_FMT_FOLDED | SRE_FMT_SVG | SRE_FMT_PPROF,
	.short_opts = SRE_STACK_SHORT_OPTS,
	.long_opts = offcpu_long,
	.on_option = offcpu_option,
};

int offcpu_configure(struct offcpu_bpf *skel, void *ctx)
{
	const struct offcpu_cfg *cfg = ctx;

	skel->rodata->user_stacks = sre_stack_user(&cfg->stack);
	skel->rodata->kernel_stacks = sre_stack_kernel(&cfg->stack);
	skel->rodata->min_block_ns = cfg->min_block_us * 1000;
	skel->rodata->max_block_ns = cfg->max_block_us ? cfg->max_block_us * 1000 : ~0ULL;
	skel->rodata->state_mask = cfg->state_mask;
	skel->rodata->sample_ns = cfg->exact ? 0 : (uint32_t)(cfg->sample_us * 1000);
	skel->rodata->reuse_user_stack = !cfg->exact;
	skel->rodata->by_comm = cfg->by_comm;
	/* has_task_pt_regs (5.15): without it every fp walk is done again. */
	SRE_CONFIGURE_UNWIND(skel, &cfg->stack, true);
	SRE_CONFIGURE_TASK_SLOT(skel, blocks);
	return bpf_map__set_max_entries(skel->maps.stacks, (uint32_t)cfg->stack.storage);
}

static int report(void *ctx, bool final)
{
	struct offcpu_run *run = ctx;
	char extra[64];

	(void)final;
	snprintf(extra, sizeof(extra), "\"sampled_below_ns\":%" PRIu64 ",",
		 run->cfg.exact ? 0 : run->cfg.sample_us * 1000);
	return sre_stack_report_print(&run->session, &run->sym, &(struct sre_stack_report){
		.tool = "offcpu",
		.value_key = "total_ns",
		.count_key = "blocks",
		.folded_div = 1000,
		.text_div = run->session.opts.millis ? 1000000 : 1000,
		.text_unit = run->session.opts.millis ? "ms" : "us",
		.json_extra = extra,
		.svg_title = "Off-CPU Time Flame Graph",
		.svg_palette = FG_IO,
		.pprof = {
			.value_type = "offcpu", .value_unit = "nanoseconds",
			.extra_type = "count", .extra_unit = "count",
			.comment = "sretrace offcpu",
		},
		.lost_what = "blocks",
		.user_wanted = sre_stack_user(&run->cfg.stack),
		.kernel_wanted = sre_stack_kernel(&run->cfg.stack),
		.counts_fd = bpf_map__fd(run->skel->maps.offcpu),
		.stacks_fd = bpf_map__fd(run->skel->maps.stacks),
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.sink = &run->sink,
	});
}

int offcpu_load(struct offcpu_bpf **skel, const struct sre_opts *o, pid_t command_pid, struct offcpu_cfg *cfg)
{
	return SRE_LOAD_AND_ATTACH(offcpu_bpf, *skel, o, command_pid, offcpu_configure, cfg);
}

int offcpu_main(int argc, char **argv)
{
	struct offcpu_run run = {
		.cfg = { .min_block_us = 1, .sample_us = 1000,
			 .state_mask = OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE | OFFCPU_STATE_OTHER },
	};
	struct sre_session *ss = &run.session;
	struct ring_buffer *rb = NULL;
	int err;

	sre_stack_opts_init(&run.cfg.stack);
	err = sre_parse_options(argc, argv, &offcpu_spec, &ss->opts, &run.cfg);
	if (err)
		return err > 0 ? 0 : 2;
	if (sre_stack_opts_check(&ss->opts, &run.cfg.stack))
		return 2;
	if (run.cfg.max_block_us && run.cfg.max_block_us < run.cfg.min_block_us) {
		sre_error(&ss->opts, "--max-block is below --min-block");
		return 2;
	}
	err = sre_session_start(ss);
	if (err)
		goto cleanup;
	sre_symbolizer_init(&run.sym, sre_stack_kernel(&run.cfg.stack), sre_stack_user(&run.cfg.stack));
	sre_ustack_sink_init(&run.sink, &run.sym);
	err = SRE_SESSION_LOAD(offcpu_bpf, run.skel, ss, offcpu_configure, &run.cfg);
	if (err)
		goto cleanup;
	sre_ustack_sink_setup(&run.sink, &run.cfg.stack, run.skel->obj, false);
	rb = sre_session_ring_buffer(ss, bpf_map__fd(run.skel->maps.proc_events), sre_ustack_sink_on_event, &run.sink, &err);
	if (!rb)
		goto cleanup;
	if (!ss->opts.command && isatty(STDERR_FILENO))
		fprintf(stderr, "Tracing off-CPU time... Ctrl-C to end.\n");
	err = sre_session_run(ss, &(struct sre_loop){
		.rb = rb,
		.counters_fd = bpf_map__fd(run.skel->maps.sre_counters),
		.report = report,
		.ctx = &run,
	});

cleanup:
	ring_buffer__free(rb);
	offcpu_bpf__destroy(run.skel);
	sre_symbolizer_free(&run.sym);
	sre_ustack_sink_free(&run.sink);
	return sre_session_end(ss, err);
}
