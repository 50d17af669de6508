/* profile: on-CPU time by kernel and user stack, sampled at -F HZ on every
 * CPU (or --cpu LIST); text, folded stacks for flame graphs, or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "profile.skel.h"
#include "../bpf/profile.h"
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

enum { OPT_CPU = 1000, OPT_EVENT };

struct profile_run {
	struct profile_bpf *skel;
	struct profile_cfg cfg;
	struct sre_session session;
	struct sre_symbolizer sym;
	struct sre_ustack_sink sink;
	struct profile_cpus cpus;
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
	case 'I':
		cfg->idle = true;
		return 0;
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
	.on_option = profile_option,
};

int profile_configure(struct profile_bpf *skel, void *ctx)
{
	const struct profile_cfg *cfg = ctx;

	skel->rodata->user_stacks = sre_stack_user(&cfg->stack);
	skel->rodata->kernel_stacks = sre_stack_kernel(&cfg->stack);
	skel->rodata->include_idle = cfg->idle;
	SRE_CONFIGURE_UNWIND(skel, &cfg->stack, false);
	return bpf_map__set_max_entries(skel->maps.stacks, (uint32_t)cfg->stack.storage);
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

int profile_load(struct profile_bpf **skel, const struct sre_opts *o, pid_t command_pid, struct profile_cfg *cfg, struct profile_cpus *cpus)
{
	int err = SRE_LOAD_AND_ATTACH(profile_bpf, *skel, o, command_pid, profile_configure, cfg);

	return err ? err : profile_attach_cpus(*skel, cfg, cpus, o);
}

static int report(void *ctx, bool final)
{
	struct profile_run *run = ctx;
	char extra[64];

	(void)final;
	snprintf(extra, sizeof(extra), "\"frequency_hz\":%" PRIu64 ",", run->cfg.hz);
	return sre_stack_report_print(&run->session, &run->sym, &(struct sre_stack_report){
		.tool = "profile",
		.value_key = "samples",
		.count_key = "samples_taken",
		.folded_div = 1,
		.text_div = 1,
		.text_unit = "samples",
		.json_extra = extra,
		.svg_title = "CPU Flame Graph",
		.svg_palette = FG_HOT,
		.pprof = {
			.value_type = "samples", .value_unit = "count",
			.extra_type = "cpu", .extra_unit = "nanoseconds",
			.extra_per_value = 1000000000 / run->cfg.hz,
			.period_type = "cpu", .period_unit = "nanoseconds",
			.period = (int64_t)(1000000000 / run->cfg.hz),
			.comment = "sretrace profile",
		},
		.lost_what = "samples",
		.user_wanted = sre_stack_user(&run->cfg.stack),
		.kernel_wanted = sre_stack_kernel(&run->cfg.stack),
		.counts_fd = bpf_map__fd(run->skel->maps.samples),
		.stacks_fd = bpf_map__fd(run->skel->maps.stacks),
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.sink = &run->sink,
	});
}

int profile_main(int argc, char **argv)
{
	struct profile_run run = {
		.cfg = { .hz = 99, .event = "cpu-clock" },
	};
	struct sre_session *ss = &run.session;
	struct ring_buffer *rb = NULL;
	int err;

	profile_cpus_init(&run.cpus);
	sre_stack_opts_init(&run.cfg.stack);
	err = sre_parse_options(argc, argv, &profile_spec, &ss->opts, &run.cfg);
	if (err)
		return err > 0 ? 0 : 2;
	if (sre_stack_opts_check(&ss->opts, &run.cfg.stack))
		return 2;
	err = sre_session_start(ss);
	if (err)
		goto cleanup;
	sre_symbolizer_init(&run.sym, sre_stack_kernel(&run.cfg.stack), sre_stack_user(&run.cfg.stack));
	sre_ustack_sink_init(&run.sink, &run.sym);
	err = SRE_SESSION_LOAD(profile_bpf, run.skel, ss, profile_configure, &run.cfg);
	if (!err)
		err = profile_attach_cpus(run.skel, &run.cfg, &run.cpus, &ss->opts);
	if (err)
		goto cleanup;
	sre_ustack_sink_setup(&run.sink, &run.cfg.stack, run.skel->obj, true);
	rb = sre_session_ring_buffer(ss, bpf_map__fd(run.skel->maps.proc_events), sre_ustack_sink_on_event, &run.sink, &err);
	if (!rb)
		goto cleanup;
	if (!ss->opts.command && isatty(STDERR_FILENO))
		fprintf(stderr, "Sampling on-CPU stacks at %" PRIu64 " Hz... Ctrl-C to end.\n", run.cfg.hz);
	err = sre_session_run(ss, &(struct sre_loop){
		.rb = rb,
		.counters_fd = bpf_map__fd(run.skel->maps.sre_counters),
		.report = report,
		.ctx = &run,
	});

cleanup:
	ring_buffer__free(rb);
	profile_detach_cpus(&run.cpus);
	profile_bpf__destroy(run.skel);
	sre_symbolizer_free(&run.sym);
	sre_ustack_sink_free(&run.sink);
	return sre_session_end(ss, err);
}
