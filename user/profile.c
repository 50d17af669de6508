/* profile: on-CPU time by kernel and user stack, sampled at -F HZ on every
 * CPU (or --cpu LIST); text, folded stacks for flame graphs, or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "bpf/profile.h"
#include "profile.skel.h"
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

enum { OPT_CPU = 1000, OPT_EVENT };

struct profile_run {
	struct profile_cfg cfg;
	struct profile_probe *probe;
	struct sre_session *session;
	struct sre_stack_run stacks;
};

/* Events by name: software ones work everywhere; hardware ones need a PMU. */
static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} profile_events[] = {
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
};

static const struct option profile_long[] = {
	{ "frequency", required_argument, NULL, 'F' },
	{ "include-idle", no_argument, NULL, 'I' },
	{ "cpu", required_argument, NULL, OPT_CPU },
	{ "event", required_argument, NULL, OPT_EVENT },
	SRE_STACK_LONG_OPTS,
	{ 0 },
};

/* One item of a CPU list: "3" or "0-7". ctx is a bool[PROFILE_MAX_CPUS]. */
static int add_cpus(const char *item, void *ctx)
{
	bool *cpus = ctx;
	uint64_t lo, hi;
	const char *dash = strchr(item, '-');
	char first[32];

	if (dash) {
		snprintf(first, sizeof(first), "%.*s", (int)(dash - item), item);
		if (sre_parse_u64(first, 0, PROFILE_MAX_CPUS - 1, &lo) ||
		    sre_parse_u64(dash + 1, 0, PROFILE_MAX_CPUS - 1, &hi) || hi < lo)
			return -EINVAL;
	} else if (sre_parse_u64(item, 0, PROFILE_MAX_CPUS - 1, &lo)) {
		return -EINVAL;
	} else {
		hi = lo;
	}
	for (uint64_t c = lo; c <= hi; c++)
		cpus[c] = true;
	return 0;
}

/* The kernel's list of online CPUs, same syntax. */
static int online_cpus(bool cpus[PROFILE_MAX_CPUS])
{
	char buf[4096];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int err = -EINVAL;

	if (!f)
		return -errno;
	if (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = 0;
		err = sre_split_list(buf, add_cpus, cpus);
	}
	fclose(f);
	return err;
}

static int profile_option(int key, const char *arg, void *ctx)
{
	struct profile_cfg *cfg = ctx;

	int err = sre_stack_option("profile", &cfg->stack, key, arg);

	if (err <= 0)
		return err;
	switch (key) {
	case 'F':
		return sre_opt_uint("profile", "-F", arg, 1, 10000, &cfg->hz);
	case OPT_CPU:
		if (sre_split_list(arg, add_cpus, cfg->cpus)) {
			sre_tool_error("profile", "invalid --cpu '%s': want a list like 0,2-3", arg);
			return -EINVAL;
		}
		cfg->cpu_list = true;
		return 0;
	case OPT_EVENT:
		for (size_t i = 0; i < sizeof(profile_events) / sizeof(profile_events[0]); i++) {
			if (!strcmp(arg, profile_events[i].name)) {
				cfg->event = profile_events[i].name;
				return 0;
			}
		}
		sre_tool_error("profile", "unknown --event '%s' (cpu-clock, task-clock, cycles, instructions, "
					  "cache-misses, branch-misses)", arg);
		return -EINVAL;
	}
	return -EINVAL;
}

static const struct sre_switch profile_switches[] = {
	{ 'I', offsetof(struct profile_cfg, idle) },
	{ 0 },
};

static const struct sre_tool_spec profile_spec = {
	.name = "profile",
	.summary = "On-CPU time by kernel and user stack: sampled at -F Hz on every CPU.",
	.options_help =
		"  -F, --frequency HZ      samples per second per CPU (default 99)\n"
		"  -I, --include-idle      count the idle task too\n"
		SRE_STACK_HELP
		"      --cpu LIST          only these CPUs (e.g. 0,2-3; default: all online)\n"
		"      --event NAME        cpu-clock (default), task-clock; hardware events (cycles,\n"
		"                          instructions, cache-misses, branch-misses) need a PMU\n",
	.examples =
		"  sretrace profile 10                       10 s, text, hottest first\n"
		"  sretrace profile -f folded 30 > cpu.folded  for flame graphs\n"
		"  sretrace profile -p 1234 -F 999 5\n"
		"  sretrace profile -f json -- ./benchmark\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON | SRE_FMT_FOLDED | SRE_FMT_SVG | SRE_FMT_PPROF,
	.short_opts = "F:I" SRE_STACK_SHORT_OPTS,
	.long_opts = profile_long,
	.switches = profile_switches,
	.on_option = profile_option,
};

void profile_defaults(void *c)
{
	struct profile_cfg *cfg = c;

	*cfg = (struct profile_cfg){ .hz = 99, .event = "cpu-clock" };
	sre_stack_opts_init(&cfg->stack);
}

static int profile_check(const struct sre_opts *o, void *c)
{
	struct profile_cfg *cfg = c;

	return sre_stack_opts_check(o, &cfg->stack) ? -EINVAL : 0;
}

int profile_attach_cpus(struct profile_bpf *skel, const struct profile_cfg *cfg, struct profile_cpus *cpus,
			const struct sre_opts *o)
{
	struct perf_event_attr attr = { .size = sizeof(attr), .freq = 1, .sample_freq = cfg->hz };
	bool online[PROFILE_MAX_CPUS] = { 0 };
	int err = 0, attached = 0;

	for (size_t i = 0; i < sizeof(profile_events) / sizeof(profile_events[0]); i++) {
		if (!strcmp(cfg->event, profile_events[i].name)) {
			attr.type = profile_events[i].type;
			attr.config = profile_events[i].config;
		}
	}
	if (online_cpus(online)) {
		sre_error(o, "cannot read the online CPUs");
		return -EINVAL;
	}
	for (int c = 0; c < PROFILE_MAX_CPUS; c++) {
		int fd;

		if (!online[c] || (cfg->cpu_list && !cfg->cpus[c]))
			continue;
		fd = (int)syscall(SYS_perf_event_open, &attr, -1, c, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			if (attr.type == PERF_TYPE_HARDWARE && (errno == ENOENT || errno == EOPNOTSUPP || errno == ENODEV))
				sre_error(o, "hardware event '%s' is not available here (no PMU "
					  "access); use --event cpu-clock", cfg->event);
			else
				sre_error(o, "cannot open perf event on CPU %d: %s", c, strerror(errno));
			break;
		}
		cpus->perf_fds[c] = fd;
		cpus->links[c] = bpf_program__attach_perf_event(skel->progs.profile_sample, fd);
		if (!cpus->links[c]) {
			err = -errno;
			sre_error(o, "cannot attach to CPU %d: %s", c, strerror(errno));
			break;
		}
		attached++;
	}
	if (!err && !attached) {
		sre_error(o, "no online CPU in --cpu list");
		err = -EINVAL;
	}
	return err;
}

void profile_cpus_init(struct profile_cpus *cpus)
{
	for (int c = 0; c < PROFILE_MAX_CPUS; c++) {
		cpus->links[c] = NULL;
		cpus->perf_fds[c] = -1;
	}
}

void profile_detach_cpus(struct profile_cpus *cpus)
{
	for (int c = 0; c < PROFILE_MAX_CPUS; c++) {
		bpf_link__destroy(cpus->links[c]);
		if (cpus->perf_fds[c] >= 0)
			close(cpus->perf_fds[c]);
	}
	profile_cpus_init(cpus);
}

void profile_unload(void *probe)
{
	struct profile_probe *p = probe;

	profile_detach_cpus(&p->cpus);
	profile_bpf__destroy(p->skel);
	free(p);
}

/* Opens and configures the programs; python: with the Python frame walk. */
static int profile_open(struct profile_probe *p, const struct profile_cfg *cfg, const struct sre_opts *o, bool python)
{
	int err;

	p->skel = profile_bpf__open();
	if (!p->skel) {
		err = -errno;
		sre_error(o, "cannot open the profile programs: %s", strerror(errno));
		return err;
	}
	sre_filter_configure(&p->skel->rodata->filter_cfg, p->skel->obj, o);
	p->skel->rodata->user_stacks = sre_stack_user(&cfg->stack);
	p->skel->rodata->kernel_stacks = sre_stack_kernel(&cfg->stack);
	p->skel->rodata->include_idle = cfg->idle;
	p->skel->rodata->python_frames = python;
	err = sre_unwind_configure(&p->skel->rodata->unwind_cfg, p->skel->obj, &cfg->stack, false);
	if (!err)
		err = bpf_map__set_max_entries(p->skel->maps.stacks, (uint32_t)cfg->stack.storage);
	if (!err && cfg->stack.rows)
		err = bpf_map__set_max_entries(p->skel->maps.samples, (uint32_t)cfg->stack.rows);
	if (err)
		sre_error(o, "cannot size the profile maps: %s", strerror(-err));
	return err;
}

int profile_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *c)
{
	const struct profile_cfg *cfg = c;
	struct profile_probe *p = calloc(1, sizeof(*p));
	bool python = sre_stack_user(&cfg->stack) && sre_python_walk_possible();
	int err;

	if (!p)
		return -ENOMEM;
	profile_cpus_init(&p->cpus);
	/* With the Python walk first; where the verifier refuses it, without. */
	for (;;) {
		err = profile_open(p, cfg, o, python);
		if (!err && (err = sre_load_only(p->skel->skeleton)) && python) {
			profile_bpf__destroy(p->skel);
			p->skel = NULL;
			python = false;
			sre_python_refused("profile", err);
			continue;
		}
		if (err && p->skel)
			sre_error(o, "cannot load the profile programs: %s (-v shows why)", strerror(-err));
		break;
	}
	if (!err)
		err = sre_attach_loaded(p->skel->skeleton, "profile", o, command_pid);
	if (!err)
		err = profile_attach_cpus(p->skel, cfg, &p->cpus, o);
	if (err) {
		profile_unload(p);
		return err;
	}
	*probe = p;
	return 0;
}

static void json_extra(struct sre_json *j, const void *ctx)
{
	const struct profile_cfg *cfg = ctx;

	sre_json_uint(j, "frequency_hz", cfg->hz);
}

void profile_stack_report(struct sre_stack_report *r, const struct profile_cfg *cfg, struct profile_bpf *skel,
			  struct sre_stack_sink *sink)
{
	*r = (struct sre_stack_report){
		.tool = "profile",
		.value_key = "samples",
		.count_key = "samples_taken",
		.folded_div = 1,
		.text_div = 1,
		.text_unit = "samples",
		.json_extra = json_extra,
		.json_ctx = cfg,
		.svg_title = "CPU Flame Graph",
		.svg_palette = FG_HOT,
		.pprof = {
			.value_type = "samples", .value_unit = "count",
			.extra_type = "cpu", .extra_unit = "nanoseconds",
			.extra_per_value = 1000000000 / cfg->hz,
			.period_type = "cpu", .period_unit = "nanoseconds",
			.period = (int64_t)(1000000000 / cfg->hz),
			.comment = "sretrace profile",
		},
		.lost_what = "samples",
		.user_wanted = sre_stack_user(&cfg->stack),
		.kernel_wanted = sre_stack_kernel(&cfg->stack),
		.counts_fd = bpf_map__fd(skel->maps.samples),
		.stacks_fd = bpf_map__fd(skel->maps.stacks),
		.counters_fd = bpf_map__fd(skel->maps.sre_counters),
		.sink = sink,
	};
}

static int report(void *ctx, bool final)
{
	struct profile_run *run = ctx;
	struct sre_stack_report r;

	(void)final;
	profile_stack_report(&r, &run->cfg, run->probe->skel, &run->stacks.sink);
	return sre_stack_report_print(run->session, &run->stacks.sym, &r);
}

static void end_window(void *ctx)
{
	struct profile_run *run = ctx;

	profile_detach_cpus(&run->probe->cpus);
	bpf_object__detach_skeleton(run->probe->skel->skeleton);
}

static int profile_start(void *r, void *probe, struct sre_session *s, struct sre_loop *l)
{
	struct profile_run *run = r;
	struct profile_bpf *skel;
	int err;

	run->probe = probe;
	run->session = s;
	skel = run->probe->skel;
	err = sre_stack_run_start(&run->stacks, s, skel->obj, &run->cfg.stack, true);
	if (err)
		return err;
	if (!s->opts.command && isatty(STDERR_FILENO))
		fprintf(stderr, "Sampling on-CPU stacks at %" PRIu64 " Hz... Ctrl-C to end.\n", run->cfg.hz);
	*l = (struct sre_loop){
		.rb = run->stacks.rb,
		.counters_fd = bpf_map__fd(skel->maps.sre_counters),
		.report = report,
		.end_window = end_window,
		.ctx = run,
	};
	return 0;
}

static void profile_stop(void *r)
{
	struct profile_run *run = r;

	sre_stack_run_stop(&run->stacks);
}

const struct sre_tool profile_tool = {
	.spec = &profile_spec,
	.run_size = sizeof(struct profile_run),
	.cfg_offset = offsetof(struct profile_run, cfg),
	.defaults = profile_defaults,
	.check = profile_check,
	.load = profile_load,
	.unload = profile_unload,
	.start = profile_start,
	.stop = profile_stop,
};
