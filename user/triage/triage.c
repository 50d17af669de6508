/* triage: syslat, biolat, tcpretrans, offcpu and profile at once, for a
 * duration or a command; then where the threads' time went, ranked
 * findings with evidence and advice, and a directory with flame graphs,
 * folded stacks, every tool's JSON and a Markdown/HTML report. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "biolat.skel.h"
#include "offcpu.skel.h"
#include "profile.skel.h"
#include "syslat.skel.h"
#include "tcpretrans.skel.h"
#include "bpf/offcpu.h"
#include "bpf/tcpretrans.h"
#include "lib/core/clock.h"
#include "lib/fmt/flamegraph.h"
#include "lib/core/names.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/core/parse.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "lib/bpf/skipped.h"
#include "lib/bpf/stackreport.h"
#include "lib/fmt/stackprint.h"
#include "lib/stacks/stackopts.h"
#include "lib/stacks/stackrows.h"
#include "lib/bpf/stacksink.h"
#include "triage/report.h"
#include "triage/selfcost.h"
#include "triage/waitclass.h"
#include "tools.h"

enum { OPT_MIN_SHARE = 1000, OPT_RETRANS_RATE, OPT_DISK_P99 };

#define TRIAGE_DEFAULT_S 10
/* Syscalls timed per CPU per jiffy before sampling starts (4,000 a second
 * per CPU at HZ=250); see bpf/syslat.bpf.c, timed_per_tick. */
#define TRIAGE_TIMED_PER_TICK 16

struct triage_run {
	struct sre_triage_thresholds th;
	struct sre_session session;
	char dir[PATH_MAX];
	struct syslat_bpf *syslat;
	struct biolat_bpf *biolat;
	struct tcpretrans_bpf *tcp;
	struct offcpu_bpf *offcpu;
	struct profile_probe *profile;
	void *probes[5]; /* what each tool's load gave, in parts() order */
	struct syslat_cfg syslat_cfg;
	struct biolat_cfg biolat_cfg;
	struct tcpretrans_cfg tcp_cfg;
	struct offcpu_cfg offcpu_cfg;
	struct profile_cfg profile_cfg;
	struct sre_symbolizer offcpu_sym, profile_sym;
	struct sre_stack_opts stack; /* --unwind, --stack-bytes for offcpu and profile */
	struct sre_stack_sink offcpu_sink, profile_sink;
	struct sre_stack_report offcpu_report, profile_report; /* what the JSON files and rows read */
	int ncpu;
	struct syslat_reader syslat_reader;
	struct sre_selfcost selfcost; /* BPF run-time statistics, in windows */
	double started;
	struct rusage ru0;
	struct sre_services services; /* read while the run lasts */
	double services_scanned;
};

static const struct option triage_long[] = {
	{ "min-share", required_argument, NULL, OPT_MIN_SHARE },
	{ "retrans-rate", required_argument, NULL, OPT_RETRANS_RATE },
	{ "disk-p99", required_argument, NULL, OPT_DISK_P99 },
	{ "unwind", required_argument, NULL, SRE_OPT_UNWIND },
	{ "stack-bytes", required_argument, NULL, SRE_OPT_STACK_BYTES },
	{ "no-demangle", no_argument, NULL, SRE_OPT_NO_DEMANGLE },
	{ "debug-dir", required_argument, NULL, SRE_OPT_DEBUG_DIR },
	{ "inline", no_argument, NULL, SRE_OPT_INLINE },
	{ 0 },
};

static int triage_option(int key, const char *arg, void *ctx)
{
	struct triage_run *run = ctx;
	struct sre_triage_thresholds *th = &run->th;
	uint64_t v;

	switch (key) {
	case SRE_OPT_UNWIND:
	case SRE_OPT_STACK_BYTES:
	case SRE_OPT_NO_DEMANGLE:
	case SRE_OPT_DEBUG_DIR:
	case SRE_OPT_INLINE:
		return sre_stack_option("triage", &run->stack, key, arg);
	case OPT_MIN_SHARE:
		if (sre_opt_uint("triage", "--min-share", arg, 1, 100, &v))
			return -EINVAL;
		th->min_share = (double)v / 100;
		return 0;
	case OPT_RETRANS_RATE:
		if (sre_opt_uint("triage", "--retrans-rate", arg, 1, 10000, &v))
			return -EINVAL;
		th->retrans_rate = (double)v / 10000; /* in basis points: 100 = 1% */
		return 0;
	case OPT_DISK_P99:
		if (sre_opt_usec("triage", "--disk-p99", arg, 1, &v))
			return -EINVAL;
		th->disk_p99_ns = v * 1000;
		return 0;
	}
	return -EINVAL;
}

static const struct sre_tool_spec triage_spec = {
	.name = "triage",
	.summary = "All tools at once for a while: where the time goes, ranked findings, a report directory.",
	.options_help =
		"      --min-share PCT     a finding needs this share of busy thread time (default 5)\n"
		"      --retrans-rate BP   retransmit rate for a loss finding, in basis points (default 100 = 1%)\n"
		"      --disk-p99 USEC     disk p99 that is a finding whatever its share (default 50000)\n"
		"      --unwind MODE       user stacks by fp, dwarf or auto (default; see offcpu --help)\n"
		"      --stack-bytes N     user stack copied per event with dwarf (default 8192)\n"
		"      --no-demangle       C++ and Rust names as mangled in the symbol table\n"
		"      --debug-dir DIR     also look for separate debug files under DIR\n"
		"      --inline            frames for inlined calls, from debug info where installed\n",
	.examples =
		"  sudo sretrace triage                 10 s on the whole host\n"
		"  sudo sretrace triage 30 -o /tmp/t    30 s, report in /tmp/t\n"
		"  sudo sretrace triage -- ./bench      only a command and its children, until it exits\n"
		"  sudo sretrace triage -c postgres 20  only postgres processes\n",
	.positional = SRE_POS_DURATION,
	.default_duration_s = TRIAGE_DEFAULT_S,
	.formats = SRE_FMT_TEXT,
	.output_is_dir = true,
	.short_opts = "",
	.long_opts = triage_long,
	.on_option = triage_option,
};

/* ---- loading ---- */

/* The tools triage runs, each with its own definition's defaults and load. */
struct triage_part {
	const struct sre_tool *tool;
	void *cfg;
};

static int parts(struct triage_run *run, struct triage_part out[5])
{
	out[0] = (struct triage_part){ &syslat_tool, &run->syslat_cfg };
	out[1] = (struct triage_part){ &biolat_tool, &run->biolat_cfg };
	out[2] = (struct triage_part){ &tcpretrans_tool, &run->tcp_cfg };
	/* offcpu last: from its attach on, its stack copies fill a ring that
	 * nobody reads until the run loop starts (another tool's verifier
	 * time there cost thousands of copies on PostgreSQL). */
	out[3] = (struct triage_part){ &profile_tool, &run->profile_cfg };
	out[4] = (struct triage_part){ &offcpu_tool, &run->offcpu_cfg };
	return 5;
}

static int load_all(struct triage_run *run)
{
	const struct sre_opts *o = &run->session.opts;
	struct triage_part part[5];
	int n = parts(run, part), err = 0;

	for (int i = 0; i < n; i++)
		if (part[i].tool->defaults)
			part[i].tool->defaults(part[i].cfg);
	/* What triage wants beyond the tools' defaults. */
	run->syslat_cfg.per_process = true;
	/* By name: services are read per process name anyway, and a process
	 * storm then fills no map (bpf/syslat.bpf.c). */
	run->syslat_cfg.per_comm = true;
	/* Busy CPUs' calls are sampled (weighted, unbiased): timing every
	 * call of a syscall-heavy server cost more than everything else. */
	run->syslat_cfg.timed_per_tick = TRIAGE_TIMED_PER_TICK;
	run->syslat_cfg.top = 50;
	run->biolat_cfg.per_disk = run->biolat_cfg.per_op = run->biolat_cfg.per_process = true;
	run->tcp_cfg.aggregate = true;
	/* Preempted too: time runnable but waiting for a CPU is lost time. */
	run->offcpu_cfg.state_mask |= OFFCPU_STATE_PREEMPTED;
	/* ... as its time, not its stacks: the on-CPU profile shows where
	 * those threads run, and on a saturated server preemptions are many
	 * (25% of the blocks kept on pgbench -S), each two stack walks. */
	run->offcpu_cfg.runnable_no_stacks = true;
	run->offcpu_cfg.stack = run->stack;
	/* Who ends each wait decides what it costs (docs/triage.md). */
	run->offcpu_cfg.wakers = OFFCPU_WAKERS_WHO;
	run->profile_cfg.stack = run->stack;
	for (int i = 0; i < n && !err; i++)
		err = part[i].tool->load(&run->probes[i], o, run->session.cmd.pid, part[i].cfg);
	run->syslat = run->probes[0];
	run->biolat = run->probes[1];
	run->tcp = run->probes[2];
	run->profile = run->probes[3];
	run->offcpu = run->probes[4];
	return err;
}

static void unload_all(struct triage_run *run)
{
	struct triage_part part[5];
	int n = parts(run, part);

	for (int i = 0; i < n; i++)
		if (run->probes[i])
			part[i].tool->unload(run->probes[i]);
}

/* offcpu's and profile's own reports: the rows and JSON lines they make. */
static void stack_reports(struct triage_run *run)
{
	offcpu_stack_report(&run->offcpu_report, &run->offcpu_cfg, run->offcpu, &run->offcpu_sink, false);
	/* Triage reads every stack, whatever -U/-K would say. */
	run->offcpu_report.user_wanted = run->offcpu_report.kernel_wanted = true;
	profile_stack_report(&run->profile_report, &run->profile_cfg, run->profile->skel, &run->profile_sink);
	run->profile_report.user_wanted = run->profile_report.kernel_wanted = true;
}

/* ---- collecting ---- */

static void tick(void *ctx, double now)
{
	struct triage_run *run = ctx;

	sre_selfcost_tick(&run->selfcost, now);
	/* Services are read while their processes live (a backend may be
	 * gone by the report); new processes only, once a second. */
	if (now - run->services_scanned >= 1.0) {
		sre_services_scan(&run->services);
		run->services_scanned = now;
	}
}

/* What every program of ours cost the kernel, from BPF run-time stats
 * taken in windows, scaled to the whole run. */
static void measure_overhead(struct triage_run *run, struct sre_triage_data *d)
{
	struct bpf_object *const objs[] = {
		run->syslat ? run->syslat->obj : NULL, run->biolat ? run->biolat->obj : NULL,
		run->tcp ? run->tcp->obj : NULL, run->offcpu ? run->offcpu->obj : NULL,
		run->profile ? run->profile->skel->obj : NULL,
	};
	double counted = sre_selfcost_seconds(&run->selfcost, sre_mono_now_s()), scale;
	struct rusage ru;

	d->bpf_stats = counted > 0;
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]) && d->bpf_stats; i++) {
		struct bpf_program *p;

		if (!objs[i])
			continue;
		bpf_object__for_each_program(p, objs[i]) {
			uint64_t run_ns, runs;

			if (!sre_prog_run_stats(p, &run_ns, &runs)) {
				d->bpf_run_ns += run_ns;
				d->bpf_runs += runs;
			}
		}
	}
	d->bpf_stats_s = d->bpf_stats ? counted : 0;
	if (d->bpf_stats && d->elapsed_s > counted) {
		scale = d->elapsed_s / counted;
		d->bpf_run_ns = (uint64_t)((double)d->bpf_run_ns * scale);
		d->bpf_runs = (uint64_t)((double)d->bpf_runs * scale);
	}
	getrusage(RUSAGE_SELF, &ru);
	d->self_cpu_ns = (uint64_t)((ru.ru_utime.tv_sec - run->ru0.ru_utime.tv_sec) * 1000000000LL +
				    (ru.ru_utime.tv_usec - run->ru0.ru_utime.tv_usec) * 1000LL +
				    (ru.ru_stime.tv_sec - run->ru0.ru_stime.tv_sec) * 1000000000LL +
				    (ru.ru_stime.tv_usec - run->ru0.ru_stime.tv_usec) * 1000LL);
}

static int read_flows(struct triage_run *run, struct sre_triage_data *d)
{
	int fd = bpf_map__fd(run->tcp->maps.flows);
	struct tcp_flow key, cur, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		struct tcpretrans_flow_stats st;
		struct sre_triage_flow *fl;

		cur = key;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &st))
			continue;
		if (d->nflows == d->capflows) {
			size_t cap = d->capflows ? d->capflows * 2 : 64;
			struct sre_triage_flow *g = realloc(d->flows, cap * sizeof(*g));

			if (!g)
				return -ENOMEM;
			d->flows = g;
			d->capflows = cap;
		}
		fl = &d->flows[d->nflows++];
		memset(fl, 0, sizeof(*fl));
		inet_ntop(cur.family, cur.daddr, fl->raddr, sizeof(fl->raddr));
		fl->rport = cur.dport;
		fl->retrans_segs = st.retrans_segs;
		fl->segs_out = st.segs_out;
		fl->total_retrans = st.total_retrans;
		fl->pid = st.pid;
		memcpy(fl->comm, st.comm, sizeof(st.comm));
	}
	return 0;
}

/* The tracer's own reading and symbolizing is overhead, reported as such,
 * not a finding about the host. */
static void drop_self(struct sre_triage_data *d)
{
	uint32_t self = (uint32_t)getpid();
	size_t out = 0;

	for (size_t i = 0; i < d->syscalls.n; i++)
		if (d->syscalls.rows[i].key1 != self)
			d->syscalls.rows[out++] = d->syscalls.rows[i];
	d->syscalls.n = out;
	sre_stack_rows_drop_process(&d->offcpu, self);
	sre_stack_rows_drop_process(&d->oncpu, self);
}

static int collect(struct triage_run *run, struct sre_triage_data *d)
{
	int err;

	d->elapsed_s = sre_mono_now_s() - run->started;
	d->ncpu = run->ncpu;
	d->period_ns = 1000000000 / run->profile_cfg.hz;
	err = syslat_snapshot(run->syslat, &run->syslat_cfg, &run->syslat_reader, &d->syscalls, 0);
	if (!err)
		err = biolat_snapshot(run->biolat, d->disk, 0);
	if (!err)
		err = read_flows(run, d);
	if (!err)
		err = sre_stack_report_collect(&d->offcpu, &run->offcpu_sym, &run->offcpu_report);
	if (!err)
		err = sre_stack_report_collect(&d->oncpu, &run->profile_sym, &run->profile_report);
	if (!err)
		drop_self(d);
	sre_read_counters(bpf_map__fd(run->offcpu->maps.sre_counters), d->offcpu_cnt);
	sre_read_counters(bpf_map__fd(run->profile->skel->maps.sre_counters), d->oncpu_cnt);
	sre_read_counters(bpf_map__fd(run->syslat->maps.sre_counters), d->syslat_cnt);
	sre_read_counters(bpf_map__fd(run->biolat->maps.sre_counters), d->biolat_cnt);
	sre_read_counters(bpf_map__fd(run->tcp->maps.sre_counters), d->tcp_cnt);
	sre_stack_sink_add_losses(&run->offcpu_sink, d->offcpu_cnt);
	sre_stack_sink_add_losses(&run->profile_sink, d->oncpu_cnt);
	measure_overhead(run, d);
	return err;
}

/* ---- the output directory ---- */

typedef int (*file_writer)(FILE *f, struct triage_run *run, struct sre_triage_data *d);

static int write_file(struct triage_run *run, const char *name, file_writer fn, struct sre_triage_data *d)
{
	char path[PATH_MAX + 64];
	struct sre_output out;
	int err;

	snprintf(path, sizeof(path), "%s/%s", run->dir, name);
	err = sre_output_open(&out, "triage", path);
	if (err)
		return err;
	err = fn(out.f, run, d);
	if (!err)
		err = sre_output_flush(&out);
	if (sre_output_close(&out, "triage", !err) && !err)
		err = -EIO;
	return err;
}

static int w_offcpu_folded(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	(void)run;
	return sre_stack_rows_print_folded(f, &d->offcpu, 1000);
}

static int w_oncpu_folded(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	(void)run;
	return sre_stack_rows_print_folded(f, &d->oncpu, 1);
}

static int w_offcpu_svg(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	(void)run;
	return sre_stack_rows_print_svg(f, &d->offcpu, 1000, &(struct fg_options){
		.title = "Off-CPU Time Flame Graph", .countname = "us", .width = 1200, .minwidth = 0.1, .palette = FG_IO });
}

static int w_oncpu_svg(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	(void)run;
	return sre_stack_rows_print_svg(f, &d->oncpu, 1, &(struct fg_options){
		.title = "CPU Flame Graph", .countname = "samples", .width = 1200, .minwidth = 0.1, .palette = FG_HOT });
}

/* The same lines offcpu -f json and profile -f json write. */
static int w_offcpu_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	sre_stack_report_json(f, &run->offcpu_report, &d->offcpu, d->offcpu_cnt);
	return sre_output_error(f);
}

static int w_profile_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	sre_stack_report_json(f, &run->profile_report, &d->oncpu, d->oncpu_cnt);
	return sre_output_error(f);
}

static int w_syslat_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	uint64_t cnt[SRE_CNT_MAX];
	struct sre_rows copy = { 0 };
	int err = 0;

	sre_read_counters(bpf_map__fd(run->syslat->maps.sre_counters), cnt);
	cnt[SRE_CNT_EVENTS] = sre_rows_total_count(&d->syscalls);
	/* The printer sorts; the report keeps its own order. */
	for (size_t i = 0; i < d->syscalls.n && !err; i++) {
		struct sre_row *r = sre_rows_add(&copy, d->syscalls.rows[i].key1, d->syscalls.rows[i].key2);

		if (!r)
			err = -ENOMEM;
		else
			*r = d->syscalls.rows[i];
	}
	if (!err) {
		sre_rows_sort_by_total(&copy);
		syslat_print_json(f, &run->syslat_cfg, &copy, d->elapsed_s, cnt);
	}
	sre_rows_free(&copy);
	return err ? err : sre_output_error(f);
}

static int w_biolat_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	uint64_t cnt[SRE_CNT_MAX];

	sre_read_counters(bpf_map__fd(run->biolat->maps.sre_counters), cnt);
	biolat_print_json(f, &run->biolat_cfg, d->disk, d->elapsed_s, cnt);
	return sre_output_error(f);
}

static int w_tcpretrans_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	(void)d;
	return tcpretrans_print_flows(f, bpf_map__fd(run->tcp->maps.flows), true) ?: sre_output_error(f);
}

static int w_findings_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	sre_triage_print_json(f, d, &run->th);
	return sre_output_error(f);
}

static int w_report_md(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	return sre_triage_print_markdown(f, d, &run->th) ?: sre_output_error(f);
}

static int w_report_html(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	return sre_triage_print_html(f, d, &run->th, run->dir);
}

static int write_dir(struct triage_run *run, struct sre_triage_data *d)
{
	static const struct {
		const char *name;
		file_writer fn;
	} files[] = {
		{ "offcpu.folded", w_offcpu_folded }, { "oncpu.folded", w_oncpu_folded },
		{ "offcpu.svg", w_offcpu_svg }, { "oncpu.svg", w_oncpu_svg },
		{ "offcpu.json", w_offcpu_json }, { "profile.json", w_profile_json },
		{ "syslat.json", w_syslat_json }, { "biolat.json", w_biolat_json },
		{ "tcpretrans.json", w_tcpretrans_json }, { "findings.json", w_findings_json },
		{ "report.md", w_report_md },
		/* Last: it embeds the SVGs written above. */
		{ "report.html", w_report_html },
	};
	int err = 0;

	if (mkdir(run->dir, 0755) && errno != EEXIST) {
		err = -errno;
		sre_error(&run->session.opts, "cannot create %s: %s", run->dir, strerror(errno));
		return err;
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && !err; i++)
		err = write_file(run, files[i].name, files[i].fn, d);
	if (err && err != -EEXIST)
		sre_error(&run->session.opts, "cannot write the report in %s: %s", run->dir, strerror(-err));
	return err;
}

/* What the filters in force leave traced, for the report's first line. */
static void describe_scope(const struct sre_opts *o, char *buf, size_t len)
{
	size_t at = 0;

	if (o->command) {
		snprintf(buf, len, "%s and its children", o->command[0]);
		return;
	}
	if (o->npids || o->ntids) {
		at += (size_t)snprintf(buf, len, "%s", o->npids ? (o->npids > 1 ? "pids" : "pid") :
				       (o->ntids > 1 ? "threads" : "thread"));
		for (int i = 0; i < (o->npids ? o->npids : o->ntids) && at < len; i++)
			at += (size_t)snprintf(buf + at, len - at, "%s%u", i ? "," : " ",
					       o->npids ? o->pids[i] : o->tids[i]);
	}
	if (o->comm[0] && at < len)
		at += (size_t)snprintf(buf + at, len - at, "%sprocesses named %s", at ? ", " : "", o->comm);
	if (o->cgroup && at < len)
		at += (size_t)snprintf(buf + at, len - at, "%scgroup %s", at ? ", " : "", o->cgroup);
	if (!at)
		snprintf(buf, len, "the whole host");
}

static int report(void *ctx, bool final)
{
	struct triage_run *run = ctx;
	struct sre_triage_data d = { 0 };
	char scope[256];
	int err;

	(void)final;
	err = collect(run, &d);
	if (!err) {
		d.command = run->session.opts.command ? run->session.opts.command[0] : NULL;
		d.dir = run->dir;
		d.services = &run->services;
		describe_scope(&run->session.opts, scope, sizeof(scope));
		d.scope = scope;
		sre_triage_analyze(&d, &run->th);
		err = sre_triage_print_text(stdout, &d, &run->th);
		fflush(stdout);
		if (run->session.opts.verbose) {
			sre_stack_sink_summary(&run->offcpu_sink, "triage offcpu");
			sre_stack_sink_summary(&run->profile_sink, "triage profile");
		}
		err = err ?: write_dir(run, &d);
	}
	sre_triage_data_free(&d);
	return err;
}

/* Found before the run, not after it: the directory, or where it would be
 * made, is writable. errno says why not. */
static bool dir_writable(const char *dir)
{
	char parent[PATH_MAX];
	const char *slash;

	if (!access(dir, F_OK))
		return !access(dir, W_OK);
	slash = strrchr(dir, '/');
	if (!slash)
		return !access(".", W_OK);
	snprintf(parent, sizeof(parent), "%.*s", slash == dir ? 1 : (int)(slash - dir), dir);
	return !access(parent, W_OK);
}

static void default_dir(char *buf, size_t len)
{
	char host[64] = "host", stamp[32];
	const char *tmp;
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	/* In the temporary directory, not the current one: a run started in
	 * a source tree or /etc leaves nothing there. */
	tmp = getenv("TMPDIR");
	snprintf(buf, len, "%s/sretrace-triage-%s-%s", tmp && *tmp == '/' ? tmp : "/tmp", host, stamp);
}

static int triage_main(int argc, char **argv)
{
	struct triage_run run = {
		.th = SRE_TRIAGE_DEFAULTS,
	};
	struct sre_session *ss = &run.session;
	struct ring_buffer *rb = NULL;
	int err;

	sre_stack_opts_init(&run.stack);
	run.stack.copiers = 2; /* offcpu and profile share the copy-ring budget */
	err = sre_parse_options(argc, argv, &triage_spec, &ss->opts, &run);
	if (err)
		return err > 0 ? 0 : 2;
	if (ss->opts.interval_s) {
		sre_error(&ss->opts, "triage takes a duration, not an interval");
		return 2;
	}
	if (!ss->opts.command && !ss->opts.duration_s)
		ss->opts.duration_s = triage_spec.default_duration_s;
	if (ss->opts.output)
		snprintf(run.dir, sizeof(run.dir), "%s", ss->opts.output);
	else
		default_dir(run.dir, sizeof(run.dir));
	/* The report goes into the directory; stdout gets the summary. */
	ss->opts.output = NULL;
	if (!dir_writable(run.dir)) {
		sre_error(&ss->opts, "cannot write the report directory %s: %s", run.dir, strerror(errno));
		return 2;
	}
	run.ncpu = libbpf_num_possible_cpus();
	if (syslat_reader_init(&run.syslat_reader))
		return 1;
	err = sre_session_start(ss);
	if (err)
		goto cleanup;
	/* Before the tools attach: what runs now is read while nothing waits. */
	sre_services_init(&run.services);
	sre_services_scan(&run.services);
	err = load_all(&run);
	if (!err)
		err = sre_output_open(&ss->out, "triage", NULL);
	if (err)
		goto cleanup;
	/* Each stack tool has its own symbolizer and sink: its own stack ids,
	 * copy ids and process generations. */
	sre_symbolizer_init(&run.offcpu_sym, true, true);
	sre_symbolizer_init(&run.profile_sym, true, true);
	if (run.stack.mangled) {
		sre_symbolizer_keep_mangled(&run.offcpu_sym);
		sre_symbolizer_keep_mangled(&run.profile_sym);
	}
	sre_stack_sink_init(&run.offcpu_sink, &run.offcpu_sym, &run.stack, run.offcpu->obj, false);
	sre_stack_sink_init(&run.profile_sink, &run.profile_sym, &run.stack, run.profile->skel->obj, true);
	stack_reports(&run);
	rb = sre_session_ring_buffer(ss, bpf_map__fd(run.offcpu->maps.proc_events), sre_stack_sink_on_event,
				     &run.offcpu_sink, &err);
	if (!rb)
		goto cleanup;
	err = ring_buffer__add(rb, bpf_map__fd(run.profile->skel->maps.proc_events), sre_stack_sink_on_event,
			       &run.profile_sink);
	if (err) {
		sre_error(&ss->opts, "cannot open ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	if (isatty(STDERR_FILENO)) {
		if (ss->opts.command)
			fprintf(stderr, "Triaging %s and its children until it exits...\n", ss->opts.command[0]);
		else
			fprintf(stderr, "Triaging this host for %.0f s... Ctrl-C to end sooner.\n", ss->opts.duration_s);
	}
	run.started = sre_mono_now_s();
	run.services_scanned = run.started;
	getrusage(RUSAGE_SELF, &run.ru0);
	/* Measures our own cost; the kernel turns the statistics off when
	 * the last fd closes. */
	sre_selfcost_start(&run.selfcost, run.started);
	err = sre_session_run(ss, &(struct sre_loop){
		.rb = rb,
		.counters_fd = bpf_map__fd(run.offcpu->maps.sre_counters),
		.report = report,
		.tick = tick,
		.ctx = &run,
	});
	if (!err)
		sre_skipped_report("triage");

cleanup:
	sre_services_free(&run.services);
	sre_selfcost_stop(&run.selfcost);
	ring_buffer__free(rb);
	sre_skipped_forget();
	unload_all(&run);
	sre_stack_sink_free(&run.offcpu_sink);
	sre_stack_sink_free(&run.profile_sink);
	sre_symbolizer_free(&run.offcpu_sym);
	sre_symbolizer_free(&run.profile_sym);
	syslat_reader_free(&run.syslat_reader);
	return sre_session_end(ss, err);
}

const struct sre_tool triage_tool = { .spec = &triage_spec, .main = triage_main };
