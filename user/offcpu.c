/* offcpu: where threads wait. Off-CPU time by kernel and user stack, as
 * text, folded stacks for flame graphs, JSON, SVG or pprof.
 * options -> config -> load -> start (ring reader) -> run -> report -> stop. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "bpf/offcpu.h"
#include "offcpu.skel.h"
#include "lib/bpf/load.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "lib/bpf/stackreport.h"
#include "lib/bpf/tool.h"
#include "lib/bpf/stacksink.h"
#include "lib/core/json.h"
#include "lib/core/parse.h"
#include "lib/fmt/flamegraph.h"
#include "lib/stacks/stackopts.h"
#include "tools.h"

enum { OPT_MIN_BLOCK = 1000, OPT_MAX_BLOCK, OPT_STATE, OPT_EXACT, OPT_SAMPLE, OPT_WAKERS };

struct offcpu_run {
	struct offcpu_cfg cfg;
	struct offcpu_bpf *skel;
	struct sre_session *session;
	struct sre_stack_run stacks;
};

static const struct option offcpu_long[] = {
	SRE_STACK_LONG_OPTS,
	{ "min-block", required_argument, NULL, OPT_MIN_BLOCK },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "sample-threshold", required_argument, NULL, OPT_SAMPLE },
	{ "wakers", no_argument, NULL, OPT_WAKERS },
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
	case OPT_WAKERS:
		cfg->wakers = OFFCPU_WAKERS_STACKS;
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

static const struct sre_switch offcpu_switches[] = {
	{ OPT_EXACT, offsetof(struct offcpu_cfg, exact) },
	{ 0 },
};

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
		"                          probability duration/threshold, weighted (default 1000)\n"
		"      --wakers            also by who ended each wait: the waking thread's\n"
		"                          stacks, or the interrupt; folded as sleeper;--;waker\n",
	.examples =
		"  sretrace offcpu 10                        10 s, text, largest first\n"
		"  sretrace offcpu -f folded 10 > off.folded  for flamegraph.pl, inferno, speedscope\n"
		"  sretrace offcpu -p 1234 --state uninterruptible 5   disk and D-state waits\n"
		"  sretrace offcpu -f json -- ./server --once\n"
		"  sretrace offcpu --wakers -f svg 10 > offwake.svg   who wakes whom\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON | SRE_FMT_FOLDED | SRE_FMT_SVG | SRE_FMT_PPROF,
	.short_opts = SRE_STACK_SHORT_OPTS,
	.long_opts = offcpu_long,
	.switches = offcpu_switches,
	.on_option = offcpu_option,
};

void offcpu_defaults(void *c)
{
	struct offcpu_cfg *cfg = c;

	*cfg = (struct offcpu_cfg){
		.min_block_us = 1, .sample_us = 1000,
		.state_mask = OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE | OFFCPU_STATE_OTHER,
	};
	sre_stack_opts_init(&cfg->stack);
}

static int offcpu_check(const struct sre_opts *o, void *c)
{
	struct offcpu_cfg *cfg = c;

	if (sre_stack_opts_check(o, &cfg->stack))
		return -EINVAL;
	if (cfg->max_block_us && cfg->max_block_us < cfg->min_block_us) {
		sre_error(o, "--max-block is below --min-block");
		return -EINVAL;
	}
	return 0;
}

/* Places threads block from (bpf/offcpu.bpf.c, places): busier hosts run
 * more programs; 512 a CPU, within 8192..16384 (~210 bytes each, an LRU
 * map is allocated whole). Processes of one program share places, so a
 * host's count follows its programs, not its CPUs; a place evicted costs
 * one more walk or copy, nothing is lost. Sharing the budget with another
 * stack tool (triage), the least. */
static uint32_t place_entries(const struct sre_stack_opts *s)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t n = ncpu > 0 ? (uint32_t)ncpu * 512 : 8192;

	if (s->copiers > 1)
		return 8192;
	return n < 8192 ? 8192 : n > 16384 ? 16384 : n;
}

/* Opens and configures the programs; python: with the Python frame walk. */
static struct offcpu_bpf *offcpu_open(const struct offcpu_cfg *cfg, const struct sre_opts *o, bool python, int *err)
{
	struct offcpu_bpf *skel = offcpu_bpf__open();
	/* Both reuse maps (user stacks by place, kernel stacks by place). */
	uint32_t places = cfg->exact ? 1 : place_entries(&cfg->stack);

	if (!skel) {
		*err = -errno;
		sre_error(o, "cannot open the offcpu programs: %s", strerror(errno));
		return NULL;
	}
	sre_filter_configure(&skel->rodata->filter_cfg, skel->obj, o);
	sre_task_slot_configure(&skel->rodata->task_storage, skel->maps.blocks, skel->maps.blocks_by_tid);
	skel->rodata->user_stacks = sre_stack_user(&cfg->stack);
	skel->rodata->kernel_stacks = sre_stack_kernel(&cfg->stack);
	skel->rodata->min_block_ns = cfg->min_block_us * 1000;
	skel->rodata->max_block_ns = cfg->max_block_us ? cfg->max_block_us * 1000 : ~0ULL;
	skel->rodata->state_mask = cfg->state_mask;
	skel->rodata->sample_ns = cfg->exact ? 0 : (uint32_t)(cfg->sample_us * 1000);
	skel->rodata->reuse_user_stack = !cfg->exact;
	skel->rodata->kstack_check = cfg->exact ? 0 : OFFCPU_KSTACK_CHECK;
	skel->rodata->by_comm = cfg->by_comm;
	skel->rodata->preempt_stacks = !cfg->runnable_no_stacks;
	skel->rodata->wakers = cfg->wakers;
	skel->rodata->python_frames = python;
	bpf_program__set_autoload(skel->progs.offcpu_waking, cfg->wakers != OFFCPU_WAKERS_NONE);
	*err = sre_unwind_configure(&skel->rodata->unwind_cfg, skel->obj, &cfg->stack, true);
	if (!*err)
		*err = bpf_map__set_max_entries(skel->maps.stacks, (uint32_t)cfg->stack.storage);
	if (!*err && cfg->stack.rows)
		*err = bpf_map__set_max_entries(skel->maps.offcpu, (uint32_t)cfg->stack.rows);
	if (!*err)
		*err = bpf_map__set_max_entries(skel->maps.places, places);
	if (!*err)
		*err = bpf_map__set_max_entries(skel->maps.kstacks_by_place, places);
	if (*err) {
		sre_error(o, "cannot size the offcpu maps: %s", strerror(-*err));
		offcpu_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int offcpu_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *c)
{
	const struct offcpu_cfg *cfg = c;
	bool python = sre_stack_user(&cfg->stack) && !cfg->by_comm && sre_python_walk_possible();
	struct offcpu_bpf *skel;
	int err;

	/* With the Python walk first; where the verifier refuses it, without. */
	for (;;) {
		if (!(skel = offcpu_open(cfg, o, python, &err)))
			return err;
		if ((err = sre_load_only(skel->skeleton)) && python) {
			offcpu_bpf__destroy(skel);
			python = false;
			sre_python_refused("offcpu", err);
			continue;
		}
		break;
	}
	if (err)
		sre_error(o, "cannot load the offcpu programs: %s (-v shows why)", strerror(-err));
	else
		err = sre_attach_loaded(skel->skeleton, "offcpu", o, command_pid);
	if (err) {
		offcpu_bpf__destroy(skel);
		return err;
	}
	*probe = skel;
	return 0;
}

void offcpu_unload(void *probe)
{
	offcpu_bpf__destroy(probe);
}

static void json_extra(struct sre_json *j, const void *ctx)
{
	const struct offcpu_cfg *cfg = ctx;

	sre_json_uint(j, "sampled_below_ns", cfg->exact ? 0 : cfg->sample_us * 1000);
}

void offcpu_stack_report(struct sre_stack_report *r, const struct offcpu_cfg *cfg, struct offcpu_bpf *skel,
			 struct sre_stack_sink *sink, bool millis)
{
	*r = (struct sre_stack_report){
		.tool = "offcpu",
		.value_key = "total_ns",
		.count_key = "blocks",
		.folded_div = 1000,
		.text_div = millis ? 1000000 : 1000,
		.text_unit = millis ? "ms" : "us",
		.json_extra = json_extra,
		.json_ctx = cfg,
		.svg_title = "Off-CPU Time Flame Graph",
		.svg_palette = FG_IO,
		.pprof = {
			.value_type = "offcpu", .value_unit = "nanoseconds",
			.extra_type = "count", .extra_unit = "count",
			.comment = "sretrace offcpu",
		},
		.lost_what = "blocks",
		.user_wanted = sre_stack_user(&cfg->stack),
		.kernel_wanted = sre_stack_kernel(&cfg->stack),
		.counts_fd = bpf_map__fd(skel->maps.offcpu),
		.stacks_fd = bpf_map__fd(skel->maps.stacks),
		.counters_fd = bpf_map__fd(skel->maps.sre_counters),
		.sink = sink,
	};
}

static int report(void *ctx, bool final)
{
	struct offcpu_run *run = ctx;
	struct sre_stack_report r;

	(void)final;
	offcpu_stack_report(&r, &run->cfg, run->skel, &run->stacks.sink, run->session->opts.millis);
	return sre_stack_report_print(run->session, &run->stacks.sym, &r);
}

static void end_window(void *ctx)
{
	struct offcpu_run *run = ctx;

	/* Nothing is counted while the last copies are unwound and the
	 * report is made. */
	bpf_object__detach_skeleton(run->skel->skeleton);
}

static int offcpu_start(void *r, void *probe, struct sre_session *s, struct sre_loop *l)
{
	struct offcpu_run *run = r;
	int err;

	run->skel = probe;
	run->session = s;
	err = sre_stack_run_start(&run->stacks, s, run->skel->obj, &run->cfg.stack, false);
	if (err)
		return err;
	if (!s->opts.command && isatty(STDERR_FILENO))
		fprintf(stderr, "Tracing off-CPU time... Ctrl-C to end.\n");
	*l = (struct sre_loop){
		.rb = run->stacks.rb,
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.report = report,
		.end_window = end_window,
		.ctx = run,
	};
	return 0;
}

static void offcpu_stop(void *r)
{
	struct offcpu_run *run = r;

	sre_stack_run_stop(&run->stacks);
}

const struct sre_tool offcpu_tool = {
	.spec = &offcpu_spec,
	.run_size = sizeof(struct offcpu_run),
	.cfg_offset = offsetof(struct offcpu_run, cfg),
	.defaults = offcpu_defaults,
	.check = offcpu_check,
	.load = offcpu_load,
	.unload = offcpu_unload,
	.start = offcpu_start,
	.stop = offcpu_stop,
};
