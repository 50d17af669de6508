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
#include "biolat.skel.h"
#include "offcpu.skel.h"
#include "profile.skel.h"
#include "syslat.skel.h"
#include "tcpretrans.skel.h"
#include "../bpf/offcpu.h"
#include "../bpf/tcpretrans.h"
#include "lib/clock.h"
#include "lib/flamegraph.h"
#include "lib/names.h"
#include "lib/opts.h"
#include "lib/output.h"
#include "lib/parse.h"
#include "lib/runloop.h"
#include "lib/session.h"
#include "lib/stackopts.h"
#include "lib/stackrows.h"
#include "lib/ustacks.h"
#include "lib/tools.h"
#include "triage_report.h"
#include "lib/waitclass.h"
#include "probes.h"

enum { OPT_MIN_SHARE = 1000, OPT_RETRANS_RATE, OPT_DISK_P99 };

#define TRIAGE_HZ 99
#define TRIAGE_DEFAULT_S 10

struct triage_run {
	struct sre_triage_thresholds th;
	struct sre_session session;
	char dir[PATH_MAX];
	struct syslat_bpf *syslat;
	struct biolat_bpf *biolat;
	struct tcpretrans_bpf *tcp;
	struct offcpu_bpf *offcpu;
	struct profile_bpf *profile;
	struct syslat_cfg syslat_cfg;
	struct biolat_cfg biolat_cfg;
	struct tcpretrans_cfg tcp_cfg;
	struct offcpu_cfg offcpu_cfg;
	struct profile_cfg profile_cfg;
	struct profile_cpus cpus;
	struct sre_symbolizer sym;
	struct sre_stack_opts stack; /* --unwind, --stack-bytes for offcpu and profile */
	struct sre_ustack_sink offcpu_sink, profile_sink;
	int ncpu;
	void *percpu_buf;
	int stats_fd;
	double started;
	struct rusage ru0;
};

static const struct option triage_long[] = {
	{ "min-share", required_argument, NULL, OPT_MIN_SHARE },
	{ "retrans-rate", required_argument, NULL, OPT_RETRANS_RATE },
	{ "disk-p99", required_argument, NULL, OPT_DISK_P99 },
	{ "unwind", required_argument, NULL, SRE_OPT_UNWIND },
	{ "stack-bytes", required_argument, NULL, SRE_OPT_STACK_BYTES },
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
		"  -o, --output DIR        report directory (default sretrace-triage-HOST-TIME)\n"
		"      --min-share PCT     a finding needs this share of busy thread time (default 5)\n"
		"      --retrans-rate BP   retransmit rate for a loss finding, in basis points (default 100 = 1%)\n"
		"      --disk-p99 USEC     disk p99 that is a finding whatever its share (default 50000)\n"
		"      --unwind MODE       user stacks by fp, dwarf or auto (default; see offcpu --help)\n"
		"      --stack-bytes N     user stack copied per event with dwarf (default 8192)\n",
	.examples =
		"  sudo sretrace triage                 10 s on the whole host\n"
		"  sudo sretrace triage 30 -o /tmp/t    30 s, report in /tmp/t\n"
		"  sudo sretrace triage -- ./bench      only a command and its children, until it exits\n"
		"  sudo sretrace triage -c postgres 20  only postgres processes\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_TEXT,
	.output_is_dir = true,
	.short_opts = "",
	.long_opts = triage_long,
	.on_option = triage_option,
};

/* ---- loading ---- */

static int load_all(struct triage_run *run)
{
	const struct sre_opts *o = &run->session.opts;
	pid_t cmd = run->session.cmd.pid;
	int err;

	run->syslat_cfg = (struct syslat_cfg){ .per_process = true, .slow_us = -1, .top = 50 };
	run->biolat_cfg = (struct biolat_cfg){ .per_disk = true, .per_op = true, .per_process = true, .slow_us = -1 };
	run->tcp_cfg = (struct tcpretrans_cfg){ .aggregate = true, .opts = o };
	run->offcpu_cfg = (struct offcpu_cfg){
		.min_block_us = 1, .sample_us = 1000,
		/* Preempted too: time runnable but waiting for a CPU is lost time. */
		.state_mask = OFFCPU_STATE_PREEMPTED | OFFCPU_STATE_INTERRUPTIBLE | OFFCPU_STATE_UNINTERRUPTIBLE |
			      OFFCPU_STATE_OTHER,
	};
	run->offcpu_cfg.stack = run->stack;
	run->profile_cfg = (struct profile_cfg){ .hz = TRIAGE_HZ, .event = "cpu-clock" };
	run->profile_cfg.stack = run->stack;
	err = syslat_load(&run->syslat, o, cmd, &run->syslat_cfg);
	if (!err)
		err = biolat_load(&run->biolat, o, cmd, &run->biolat_cfg);
	if (!err)
		err = tcpretrans_load(&run->tcp, o, cmd, &run->tcp_cfg);
	if (!err)
		err = offcpu_load(&run->offcpu, o, cmd, &run->offcpu_cfg);
	if (!err)
		err = profile_load(&run->profile, o, cmd, &run->profile_cfg, &run->cpus);
	return err;
}

/* ---- collecting ---- */

/* What every program of ours cost the kernel, from BPF run-time stats. */
static void measure_overhead(struct triage_run *run, struct sre_triage_data *d)
{
	struct bpf_object *const objs[] = {
		run->syslat ? run->syslat->obj : NULL, run->biolat ? run->biolat->obj : NULL,
		run->tcp ? run->tcp->obj : NULL, run->offcpu ? run->offcpu->obj : NULL,
		run->profile ? run->profile->obj : NULL,
	};
	struct rusage ru;

	d->bpf_stats = run->stats_fd >= 0;
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
	d->period_ns = 1000000000 / TRIAGE_HZ;
	err = syslat_snapshot(run->syslat, &run->syslat_cfg, run->percpu_buf, run->ncpu, &d->syscalls, 0);
	if (!err)
		err = biolat_snapshot(run->biolat, d->disk, 0);
	if (!err)
		err = read_flows(run, d);
	if (!err)
		err = sre_stack_rows_collect(&d->offcpu, &run->sym, bpf_map__fd(run->offcpu->maps.offcpu),
					     bpf_map__fd(run->offcpu->maps.stacks), true, true);
	if (!err)
		err = sre_stack_rows_collect(&d->oncpu, &run->sym, bpf_map__fd(run->profile->maps.samples),
					     bpf_map__fd(run->profile->maps.stacks), true, true);
	if (!err)
		drop_self(d);
	sre_read_counters(bpf_map__fd(run->offcpu->maps.sre_counters), d->offcpu_cnt);
	sre_read_counters(bpf_map__fd(run->profile->maps.sre_counters), d->oncpu_cnt);
	sre_ustack_sink_add_losses(&run->offcpu_sink, d->offcpu_cnt);
	sre_ustack_sink_add_losses(&run->profile_sink, d->oncpu_cnt);
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
	char extra[64];

	snprintf(extra, sizeof(extra), "\"sampled_below_ns\":%" PRIu64 ",", run->offcpu_cfg.sample_us * 1000);
	sre_stack_rows_print_report_json(f, "offcpu", "total_ns", "blocks", &d->offcpu, d->offcpu_cnt, extra);
	return sre_output_error(f);
}

static int w_profile_json(FILE *f, struct triage_run *run, struct sre_triage_data *d)
{
	char extra[64];

	snprintf(extra, sizeof(extra), "\"frequency_hz\":%" PRIu64 ",", run->profile_cfg.hz);
	sre_stack_rows_print_report_json(f, "profile", "samples", "samples_taken", &d->oncpu, d->oncpu_cnt, extra);
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
	(void)run;
	sre_triage_print_markdown(f, d, &run->th);
	return sre_output_error(f);
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

static int report(void *ctx, bool final)
{
	struct triage_run *run = ctx;
	struct sre_triage_data d = { 0 };
	int err;

	(void)final;
	err = collect(run, &d);
	if (!err) {
		d.command = run->session.opts.command ? run->session.opts.command[0] : NULL;
		d.dir = run->dir;
		sre_triage_analyze(&d, &run->th);
		sre_triage_print_text(stdout, &d, &run->th);
		fflush(stdout);
		if (run->session.opts.verbose) {
			sre_ustack_sink_summary(&run->offcpu_sink, "triage offcpu");
			sre_ustack_sink_summary(&run->profile_sink, "triage profile");
		}
		err = write_dir(run, &d);
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
	time_t now = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host) - 1);
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == ' ')
			*p = '_';
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "sretrace-triage-%s-%s", host, stamp);
}

int triage_main(int argc, char **argv)
{
	struct triage_run run = {
		.th = SRE_TRIAGE_DEFAULTS,
		.stats_fd = -1,
	};
	struct sre_session *ss = &run.session;
	struct ring_buffer *rb = NULL;
	int err;

	profile_cpus_init(&run.cpus);
	sre_stack_opts_init(&run.stack);
	err = sre_parse_options(argc, argv, &triage_spec, &ss->opts, &run);
	if (err)
		return err > 0 ? 0 : 2;
	if (ss->opts.interval_s) {
		sre_error(&ss->opts, "triage takes a duration, not an interval");
		return 2;
	}
	if (!ss->opts.command && !ss->opts.duration_s)
		ss->opts.duration_s = TRIAGE_DEFAULT_S;
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
	run.percpu_buf = calloc((size_t)(run.ncpu > 0 ? run.ncpu : 1), sizeof(struct syslat_stats));
	if (!run.percpu_buf)
		return 1;
	err = sre_session_start(ss);
	if (err)
		goto cleanup;
	sre_symbolizer_init(&run.sym, true, true);
	sre_ustack_sink_init(&run.offcpu_sink, &run.sym);
	sre_ustack_sink_init(&run.profile_sink, &run.sym);
	err = load_all(&run);
	if (!err)
		err = sre_output_open(&ss->out, "triage", NULL);
	if (err)
		goto cleanup;
	sre_ustack_sink_setup(&run.offcpu_sink, &run.stack, run.offcpu->obj, false);
	sre_ustack_sink_setup(&run.profile_sink, &run.stack, run.profile->obj, true);
	rb = sre_session_ring_buffer(ss, bpf_map__fd(run.offcpu->maps.proc_events), sre_ustack_sink_on_event,
				     &run.offcpu_sink, &err);
	if (!rb)
		goto cleanup;
	err = ring_buffer__add(rb, bpf_map__fd(run.profile->maps.proc_events), sre_ustack_sink_on_event,
			       &run.profile_sink);
	if (err) {
		sre_error(&ss->opts, "cannot open ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	/* Measures our own cost; the kernel turns it off when the fd closes. */
	run.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (isatty(STDERR_FILENO)) {
		if (ss->opts.command)
			fprintf(stderr, "Triaging %s and its children until it exits...\n", ss->opts.command[0]);
		else
			fprintf(stderr, "Triaging this host for %.0f s... Ctrl-C to end sooner.\n", ss->opts.duration_s);
	}
	run.started = sre_mono_now_s();
	getrusage(RUSAGE_SELF, &run.ru0);
	err = sre_session_run(ss, &(struct sre_loop){
		.rb = rb,
		.counters_fd = bpf_map__fd(run.offcpu->maps.sre_counters),
		.report = report,
		.ctx = &run,
	});

cleanup:
	if (run.stats_fd >= 0)
		close(run.stats_fd);
	ring_buffer__free(rb);
	profile_detach_cpus(&run.cpus);
	syslat_bpf__destroy(run.syslat);
	biolat_bpf__destroy(run.biolat);
	tcpretrans_bpf__destroy(run.tcp);
	offcpu_bpf__destroy(run.offcpu);
	profile_bpf__destroy(run.profile);
	sre_symbolizer_free(&run.sym);
	sre_ustack_sink_free(&run.offcpu_sink);
	sre_ustack_sink_free(&run.profile_sink);
	free(run.percpu_buf);
	return sre_session_end(ss, err);
}
