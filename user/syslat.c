/* syslat: syscall latency per syscall (or per process and syscall), with
 * counts, errors, totals, histograms and p50/p95/p99/max; or, with -L, one
 * line per slow call. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "bpf/syslat.h"
#include "syslat.skel.h"
#include "lib/bpf/load.h"
#include "lib/bpf/tool.h"
#include "lib/core/clock.h"
#include "lib/core/hist.h"
#include "lib/core/json.h"
#include "lib/core/names.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/core/parse.h"
#include "lib/core/latrows.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "tools.h"

enum { OPT_TOP = 1000, OPT_ERRNO, OPT_SLO };

struct syslat_run {
	struct syslat_cfg cfg;
	struct syslat_bpf *skel;
	struct sre_session *session;
	struct ring_buffer *rb;
	struct sre_rows prev;     /* cumulative snapshot at the last report */
	struct syslat_reader reader;
	double last_report_s;
};

static const struct option syslat_long[] = {
	{ "syscall", required_argument, NULL, 's' },
	{ "per-process", no_argument, NULL, 'P' },
	{ "failures", no_argument, NULL, 'x' },
	{ "slow", required_argument, NULL, 'L' },
	{ "top", required_argument, NULL, OPT_TOP },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "slo", required_argument, NULL, OPT_SLO },
	{ 0 },
};

static int add_syscall(const char *name, void *ctx)
{
	struct syslat_cfg *cfg = ctx;
	int nr = sre_syscall_number(name);

	if (nr < 0 || nr >= SYSLAT_NR_MAX) {
		sre_tool_error("syslat", "unknown syscall '%s'", name);
		return -EINVAL;
	}
	cfg->wanted[nr] = 1;
	cfg->filter_syscall = true;
	cfg->nsyscalls++;
	return 0;
}

static int syslat_option(int key, const char *arg, void *ctx)
{
	struct syslat_cfg *cfg = ctx;

	switch (key) {
	case 's':
		return sre_split_list(arg, add_syscall, cfg) ? -EINVAL : 0;
	case 'L':
		return sre_opt_slow("syslat", arg, &cfg->slow_us);
	case OPT_TOP:
		return sre_opt_uint("syslat", "--top", arg, 1, 100000, &cfg->top);
	case OPT_SLO: {
		struct sre_slo *slo = sre_slo_add("syslat", cfg->slos, cfg->nslos, SRE_SLO_SYSCALL, arg);

		if (!slo)
			return -EINVAL;
		slo->key = sre_syscall_number(slo->name);
		if (slo->key < 0 || slo->key >= SYSLAT_NR_MAX) {
			sre_tool_error("syslat", "--slo '%s': unknown syscall '%s'", arg, slo->name);
			return -EINVAL;
		}
		cfg->nslos++;
		return 0;
	}
	case OPT_ERRNO:
		cfg->only_errno = sre_errno_number(arg);
		if (cfg->only_errno <= 0) {
			sre_tool_error("syslat", "unknown errno '%s' (e.g. ENOENT, EAGAIN)", arg);
			return -EINVAL;
		}
		cfg->failures_only = true;
		return 0;
	}
	return -EINVAL;
}

static const struct sre_switch syslat_switches[] = {
	{ 'P', offsetof(struct syslat_cfg, per_process) },
	{ 'x', offsetof(struct syslat_cfg, failures_only) },
	{ 0 },
};

static const struct sre_tool_spec syslat_spec = {
	.name = "syslat",
	.summary = "Syscall latency: count, errors, total time, histogram and p50/p95/p99/max per syscall.",
	.options_help =
		"  -s, --syscall NAME[,NAME]  only these syscalls (histograms are printed for them)\n"
		"  -P, --per-process       one row per process and syscall\n"
		"  -x, --failures          only failed calls (negative return)\n"
		"      --errno NAME        only calls failing with this errno (implies -x)\n"
		"  -L, --slow USEC         print each call slower than USEC as it happens (0: all)\n"
		"      --top N             rows per report, by total time (default 20)\n"
		"      --slo syscall:NAME:pQQ<DURATION  at the end, PASS/FAIL per SLO; exit 1 if any\n"
		"                          fails (repeatable; e.g. syscall:fsync:p99<10ms)\n",
	.examples =
		"  sretrace syslat 5 1                 top syscalls by total time over 5 s\n"
		"  sretrace syslat -s fsync,fdatasync -p 1234 10\n"
		"  sretrace syslat -P -x 1            failing calls per process, every second\n"
		"  sretrace syslat -L 10000 -c nginx   calls slower than 10 ms from nginx\n"
		"  sretrace syslat -f json -- ./bench  trace a command and its children\n"
		"  sretrace syslat --slo syscall:read:p99<1ms -- ./bench   gate a benchmark on latency\n",
	.positional = SRE_POS_INTERVAL_COUNT,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON,
	.short_opts = "s:PxL:",
	.long_opts = syslat_long,
	.switches = syslat_switches,
	.on_option = syslat_option,
};

void syslat_defaults(void *c)
{
	*(struct syslat_cfg *)c = (struct syslat_cfg){ .slow_us = -1, .top = 20 };
}

static int syslat_check(const struct sre_opts *o, void *c)
{
	const struct syslat_cfg *cfg = c;

	if (cfg->slow_us >= 0 && cfg->per_process) {
		sre_error(o, "-L (events) and -P (per-process rows) do not combine");
		return -EINVAL;
	}
	if (cfg->slow_us >= 0 && cfg->nslos) {
		sre_error(o, "--slo needs the histograms: it does not combine with -L");
		return -EINVAL;
	}
	for (int i = 0; i < cfg->nslos; i++) {
		if (cfg->filter_syscall && !cfg->wanted[cfg->slos[i].key]) {
			sre_error(o, "--slo '%s' names a syscall that -s leaves out", cfg->slos[i].expr);
			return -EINVAL;
		}
	}
	return 0;
}

int syslat_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *c)
{
	const struct syslat_cfg *cfg = c;
	struct syslat_bpf *skel = syslat_bpf__open();
	int err;

	if (!skel) {
		sre_error(o, "cannot open the syslat programs: %s", strerror(errno));
		return -errno;
	}
	sre_filter_configure(&skel->rodata->filter_cfg, skel->obj, o);
	sre_task_slot_configure(&skel->rodata->task_storage, skel->maps.starts, skel->maps.starts_by_tid);
	skel->rodata->per_process = cfg->per_process;
	skel->rodata->per_comm = cfg->per_comm;
	skel->rodata->failures_only = cfg->failures_only;
	skel->rodata->only_errno = cfg->only_errno;
	skel->rodata->filter_syscall = cfg->filter_syscall;
	memcpy((void *)skel->rodata->syscall_wanted, cfg->wanted, sizeof(cfg->wanted));
	skel->rodata->slow_ns = cfg->slow_us >= 0 ? cfg->slow_us * 1000 : -1;
	skel->rodata->timed_per_tick = cfg->timed_per_tick;
	skel->rodata->hist_shards = syslat_hist_shards();
	/* Rows for the syscalls that occur, per shard; -P has its own rows. */
	bpf_map__set_max_entries(skel->maps.hists, cfg->per_process ? 1 : SYSLAT_NR_MAX * syslat_hist_shards());
	if (cfg->per_process)
		bpf_map__set_max_entries(skel->maps.counts, 1);
	/* Only event mode needs a real ring buffer. */
	if (cfg->slow_us < 0)
		bpf_map__set_max_entries(skel->maps.events, (uint32_t)sysconf(_SC_PAGESIZE));
	if (!cfg->per_process)
		bpf_map__set_max_entries(skel->maps.proc_stats, 1);
	err = sre_load_attach(skel->skeleton, "syslat", o, command_pid);
	if (err) {
		syslat_bpf__destroy(skel);
		return err;
	}
	*probe = skel;
	return 0;
}

void syslat_unload(void *probe)
{
	syslat_bpf__destroy(probe);
}

/* --- aggregate mode: snapshot, diff, print --- */

/* Adds one CPU's cumulative row; its maximum counts only when it belongs
 * to generation gen, the interval being reported. */
static void add_stats(struct sre_row *r, const struct syslat_stats *s, uint32_t gen)
{
	sre_row_add_max(r, &s->max, gen);
	r->count += s->count;
	r->errors += s->errors;
	r->total_ns += s->total_ns;
	for (int b = 0; b < HIST_BUCKETS; b++)
		r->hist.b[b] += s->hist[b];
}

int syslat_reader_init(struct syslat_reader *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->ncpu = libbpf_num_possible_cpus();
	if (rd->ncpu <= 0)
		return -EINVAL;
	rd->percpu = calloc((size_t)rd->ncpu, sizeof(*rd->percpu));
	return rd->percpu ? 0 : -ENOMEM;
}

void syslat_reader_free(struct syslat_reader *rd)
{
	for (int nr = 0; nr < SYSLAT_NR_MAX; nr++)
		free(rd->rows[nr]);
	free(rd->percpu);
	memset(rd, 0, sizeof(*rd));
}

uint32_t syslat_hist_shards(void)
{
	int ncpu = libbpf_num_possible_cpus();
	uint32_t n = 1;

	while (n < SYSLAT_SHARDS_MAX && (int)n < ncpu)
		n *= 2;
	return n;
}

/* One syscall's cumulative row from the kernel: the CPUs' counters summed,
 * their maxima of generation gen, the histogram shards added up. */
static int read_row(struct syslat_reader *rd, struct syslat_bpf *skel, uint32_t nr, uint32_t gen, struct sre_row *r)
{
	uint32_t shards = skel->rodata->hist_shards;
	struct syslat_hist h;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &nr, rd->percpu))
		return -errno;
	memset(r, 0, sizeof(*r));
	r->key2 = nr;
	for (int c = 0; c < rd->ncpu; c++) {
		const struct syslat_counts *v = &rd->percpu[c];

		r->count += v->count;
		r->errors += v->errors;
		r->total_ns += v->total_ns;
		sre_row_add_max(r, &v->max, gen);
	}
	for (uint32_t sh = 0; sh < shards; sh++) {
		struct syslat_hist_key key = { .nr = nr, .shard = sh };

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.hists), &key, &h))
			continue; /* no call timed on this shard yet */
		for (int b = 0; b < HIST_BUCKETS; b++)
			r->hist.b[b] += h.b[b];
	}
	rd->rows_read++;
	return 0;
}

/* Rows the kernel stamped in the last two touch generations changed since
 * the last read (bpf/syslat.bpf.c); the reader advances the generation. */
static bool changed(const struct syslat_bpf *skel, uint32_t nr, uint32_t before)
{
	uint32_t t = __atomic_load_n(&skel->bss->touched[nr], __ATOMIC_RELAXED);

	return t && t + 1 >= before;
}

int syslat_snapshot_syscalls(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd,
			     struct sre_rows *cur, uint32_t gen)
{
	uint32_t before = __atomic_load_n(&skel->data->touch_gen, __ATOMIC_RELAXED);
	int err;

	/* From here on the kernel stamps before + 1. */
	__atomic_store_n(&skel->data->touch_gen, before + 1, __ATOMIC_SEQ_CST);
	for (uint32_t nr = 0; nr < SYSLAT_NR_MAX; nr++) {
		struct sre_row *r;

		if (cfg->filter_syscall && !cfg->wanted[nr])
			continue;
		if (changed(skel, nr, before)) {
			if (!rd->rows[nr] && !(rd->rows[nr] = calloc(1, sizeof(*rd->rows[nr]))))
				return -ENOMEM;
			if ((err = read_row(rd, skel, nr, gen, rd->rows[nr])))
				return err;
			rd->max_gen[nr] = gen;
		}
		if (!rd->rows[nr] || !rd->rows[nr]->count)
			continue;
		if (!(r = sre_rows_add(cur, 0, nr)))
			return -ENOMEM;
		*r = *rd->rows[nr];
		/* A row not read in this report generation had no call in it. */
		if (rd->max_gen[nr] != gen)
			r->max_ns = 0;
	}
	return 0;
}

uint64_t syslat_calls_so_far(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd)
{
	uint32_t before = __atomic_load_n(&skel->data->touch_gen, __ATOMIC_RELAXED);
	uint64_t n = 0;

	for (uint32_t nr = 0; nr < SYSLAT_NR_MAX; nr++) {
		if (cfg->filter_syscall && !cfg->wanted[nr])
			continue;
		if (changed(skel, nr, before) &&
		    !bpf_map_lookup_elem(bpf_map__fd(skel->maps.counts), &nr, rd->percpu)) {
			for (int c = 0; c < rd->ncpu; c++)
				n += rd->percpu[c].count;
		} else if (rd->rows[nr]) {
			n += rd->rows[nr]->count;
		}
	}
	return n;
}

static int snapshot_procs(struct syslat_bpf *skel, struct sre_rows *cur, uint32_t gen)
{
	int fd = bpf_map__fd(skel->maps.proc_stats);
	struct syslat_proc_key key, next, *prevk = NULL;
	struct syslat_proc_val val;

	while (!bpf_map_get_next_key(fd, prevk, &next)) {
		key = next;
		prevk = &key;
		if (bpf_map_lookup_elem(fd, &key, &val))
			continue; /* deleted meanwhile */
		struct sre_row *r = sre_rows_add(cur, key.pid ? key.pid : val.pid, key.nr);

		if (!r)
			return -ENOMEM;
		memcpy(r->comm, val.comm, sizeof(r->comm));
		add_stats(r, &val.stats, gen);
	}
	return 0;
}

int syslat_snapshot(struct syslat_bpf *skel, const struct syslat_cfg *cfg, struct syslat_reader *rd,
		    struct sre_rows *cur, uint32_t gen)
{
	return cfg->per_process ? snapshot_procs(skel, cur, gen) : syslat_snapshot_syscalls(skel, cfg, rd, cur, gen);
}

static int snapshot(struct syslat_run *run, struct sre_rows *cur, uint32_t gen)
{
	return syslat_snapshot(run->skel, &run->cfg, &run->reader, cur, gen);
}

/* Calls counted so far, for the status line (aggregate mode counts no
 * separate event counter on the hot path). */
static uint64_t events_so_far(void *ctx)
{
	struct syslat_run *run = ctx;
	struct sre_rows cur = { 0 };
	uint64_t n;

	if (!run->cfg.per_process)
		return syslat_calls_so_far(run->skel, &run->cfg, &run->reader);
	snapshot(run, &cur, UINT32_MAX);
	n = sre_rows_total_count(&cur);
	sre_rows_free(&cur);
	return n;
}

static void print_text(struct syslat_run *run, struct sre_rows *d, double secs)
{
	FILE *f = run->session->out.f;
	const struct sre_opts *o = &run->session->opts;
	uint64_t unit = o->millis ? 1000000 : 1000;
	const char *u = o->millis ? "ms" : "us";
	char ts[16];
	size_t shown = d->n < run->cfg.top ? d->n : run->cfg.top;

	if (o->timestamp) {
		sre_timestamp(ts, sizeof(ts));
		fprintf(f, "%s\n", ts);
	}
	if (!d->n) {
		fprintf(f, "no syscalls traced in %.1f s\n", secs);
		return;
	}
	if (run->cfg.per_process)
		fprintf(f, "%-7s %-16s ", "PID", "COMM");
	fprintf(f, "%-20s %10s %8s %12s %10s %10s %10s %10s %10s\n", "SYSCALL", "COUNT", "ERRORS",
		o->millis ? "TOTAL(ms)" : "TOTAL(us)", o->millis ? "AVG(ms)" : "AVG(us)",
		o->millis ? "P50(ms)" : "P50(us)", o->millis ? "P95(ms)" : "P95(us)",
		o->millis ? "P99(ms)" : "P99(us)", o->millis ? "MAX(ms)" : "MAX(us)");
	for (size_t i = 0; i < shown; i++) {
		const struct sre_row *r = &d->rows[i];
		const char *name = sre_syscall_name((int)r->key2);
		double div = (double)unit;

		if (run->cfg.per_process)
			fprintf(f, "%-7u %-16s ", r->key1, r->comm);
		if (name)
			fprintf(f, "%-20s", name);
		else
			fprintf(f, "%-20u", r->key2);
		fprintf(f, " %10llu %8llu %12.3f %10.3f %10.3f %10.3f %10.3f %10.3f\n",
			(unsigned long long)r->count, (unsigned long long)r->errors,
			(double)r->total_ns / div, (double)r->total_ns / (double)r->count / div,
			sre_row_quantile(r, 0.50) / div, sre_row_quantile(r, 0.95) / div,
			sre_row_quantile(r, 0.99) / div, (double)r->max_ns / div);
	}
	if (d->n > shown)
		fprintf(f, "(%zu more rows; --top N to show them)\n", d->n - shown);
	/* Chosen syscalls get their distribution too. */
	if (run->cfg.filter_syscall && !run->cfg.per_process) {
		for (size_t i = 0; i < shown; i++) {
			fprintf(f, "\n%s latency:\n", sre_syscall_name((int)d->rows[i].key2));
			hist_print_bars(f, &d->rows[i].hist, unit, u);
		}
	}
	fputc('\n', f);
}

void syslat_print_json(FILE *f, const struct syslat_cfg *cfg, struct sre_rows *d, double secs, const uint64_t *cnt)
{
	char ts[16];
	size_t shown = d->n < cfg->top ? d->n : cfg->top;
	struct sre_json j;

	sre_timestamp(ts, sizeof(ts));
	sre_json_report(&j, f, "syslat", ts, secs, cnt[SRE_CNT_EVENTS], cnt[SRE_CNT_DROPS], cnt[SRE_CNT_MISSED]);
	sre_json_array(&j, "rows");
	for (size_t i = 0; i < shown; i++) {
		const struct sre_row *r = &d->rows[i];
		const char *name = sre_syscall_name((int)r->key2);
		char num[16];

		snprintf(num, sizeof(num), "%u", r->key2);
		sre_json_object(&j, NULL);
		sre_json_string(&j, "syscall", name ? name : num);
		if (cfg->per_process) {
			sre_json_uint(&j, "pid", r->key1);
			sre_json_string(&j, "comm", r->comm);
		}
		sre_json_uint(&j, "count", r->count);
		sre_json_uint(&j, "errors", r->errors);
		sre_json_uint(&j, "total_ns", r->total_ns);
		hist_print_json_latency(&j, &r->hist, r->max_ns);
		sre_json_end(&j);
	}
	sre_json_end(&j);
	sre_json_end(&j);
}

static int report(void *ctx, bool final)
{
	struct syslat_run *run = ctx;
	struct sre_rows cur = { 0 }, delta = { 0 };
	uint64_t cnt[SRE_CNT_MAX];
	uint32_t gen = run->skel->bss->current_gen;
	double now = sre_mono_now_s();
	int err;

	(void)final;
	/* Advance first: rows written from now on restart their maximum,
	 * while the maxima of the interval just ended stay readable. */
	run->skel->bss->current_gen = gen + 1;
	err = snapshot(run, &cur, gen);
	if (!err)
		err = sre_rows_diff(&cur, &run->prev, &delta);
	if (err) {
		sre_rows_free(&cur);
		sre_rows_free(&delta);
		return err;
	}
	sre_rows_finish(&delta);
	sre_rows_sort_by_total(&delta);
	sre_read_counters(bpf_map__fd(run->skel->maps.sre_counters), cnt);
	cnt[SRE_CNT_EVENTS] = sre_rows_total_count(&cur);

	if (run->session->opts.format == SRE_FMT_JSON)
		syslat_print_json(run->session->out.f, &run->cfg, &delta, now - run->last_report_s, cnt);
	else
		print_text(run, &delta, now - run->last_report_s);
	if (cnt[SRE_CNT_MISSED] || cnt[SRE_CNT_DROPS])
		fprintf(stderr, "syslat: %llu calls missed (map full or no task storage), %llu events dropped\n",
			(unsigned long long)cnt[SRE_CNT_MISSED], (unsigned long long)cnt[SRE_CNT_DROPS]);
	run->last_report_s = now;
	sre_rows_free(&run->prev);
	run->prev = cur;
	sre_rows_free(&delta);
	return sre_output_flush(&run->session->out);
}

/* --- event mode (-L) --- */

static int on_event(void *ctx, void *data, size_t len)
{
	struct syslat_run *run = ctx;
	const struct syslat_event *e = data;
	const char *name = sre_syscall_name((int)e->nr);
	const char *err = e->ret < 0 ? sre_errno_name((int)-e->ret) : NULL;
	FILE *f = run->session->out.f;
	char ts[32];

	if (len < sizeof(*e))
		return 0;
	sre_event_time(e->ts_ns, ts, sizeof(ts));
	if (run->session->opts.format == SRE_FMT_JSON) {
		struct sre_json j;

		sre_json_init(&j, f);
		sre_json_object(&j, NULL);
		sre_json_string(&j, "time", ts);
		sre_json_uint(&j, "pid", e->pid);
		sre_json_uint(&j, "tid", e->tid);
		sre_json_string(&j, "comm", e->comm);
		sre_json_string(&j, "syscall", name ? name : "?");
		sre_json_uint(&j, "lat_ns", e->lat_ns);
		sre_json_int(&j, "ret", e->ret);
		if (err)
			sre_json_string(&j, "errno", err);
		sre_json_end(&j);
	} else {
		fprintf(f, "%s %-7u %-16s %-16s %12.3f %lld%s%s%s\n", ts, e->pid, e->comm, name ? name : "?",
			(double)e->lat_ns / (run->session->opts.millis ? 1e6 : 1e3), (long long)e->ret,
			err ? " (" : "", err ? err : "", err ? ")" : "");
	}
	return sre_output_error(f);
}

static int report_events_end(void *ctx, bool final)
{
	struct syslat_run *run = ctx;
	uint64_t cnt[SRE_CNT_MAX];

	(void)final;
	sre_read_counters(bpf_map__fd(run->skel->maps.sre_counters), cnt);
	fprintf(stderr, "syslat: %llu calls traced, %llu events dropped (ring buffer full)\n",
		(unsigned long long)cnt[SRE_CNT_EVENTS], (unsigned long long)cnt[SRE_CNT_DROPS]);
	return sre_output_flush(&run->session->out);
}

static void print_event_header(struct syslat_run *run)
{
	if (run->session->opts.format == SRE_FMT_TEXT)
		fprintf(run->session->out.f, "%-15s %-7s %-16s %-16s %12s %s\n", "TIME", "PID", "COMM", "SYSCALL",
			run->session->opts.millis ? "LAT(ms)" : "LAT(us)", "RET");
}

/* The whole run's histogram per SLO syscall, from the last cumulative
 * snapshot (every process's rows with -P). Returns how many failed. */
static int check_slos(struct syslat_run *run)
{
	for (int i = 0; i < run->cfg.nslos; i++) {
		struct sre_slo *slo = &run->cfg.slos[i];

		memset(&slo->hist, 0, sizeof(slo->hist));
		for (size_t r = 0; r < run->prev.n; r++)
			if (run->prev.rows[r].key2 == (uint32_t)slo->key)
				hist_add(&slo->hist, &run->prev.rows[r].hist);
	}
	return sre_slo_report(stderr, "syslat", run->cfg.slos, run->cfg.nslos, "calls");
}

static int syslat_start(void *r, void *probe, struct sre_session *s, struct sre_loop *l)
{
	struct syslat_run *run = r;
	int err;

	run->skel = probe;
	run->session = s;
	err = syslat_reader_init(&run->reader);
	if (err)
		return err;
	run->last_report_s = sre_mono_now_s();
	*l = (struct sre_loop){
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.report = report,
		.events = events_so_far,
		.ctx = run,
	};
	if (run->cfg.slow_us >= 0) {
		run->rb = sre_session_ring_buffer(s, bpf_map__fd(run->skel->maps.events), on_event, run, &err);
		if (!run->rb)
			return err;
		l->rb = run->rb;
		l->report = report_events_end;
		l->events = NULL;
		print_event_header(run);
	} else if (!s->opts.command && isatty(STDERR_FILENO) && s->opts.interval_s == 0) {
		fprintf(stderr, "Tracing syscalls... Ctrl-C to end.\n");
	}
	return 0;
}

static void syslat_stop(void *r)
{
	struct syslat_run *run = r;

	ring_buffer__free(run->rb);
	sre_rows_free(&run->prev);
	syslat_reader_free(&run->reader);
}

static int syslat_verdict(void *r)
{
	struct syslat_run *run = r;

	return run->cfg.nslos ? check_slos(run) : 0;
}

const struct sre_tool syslat_tool = {
	.spec = &syslat_spec,
	.run_size = sizeof(struct syslat_run),
	.cfg_offset = offsetof(struct syslat_run, cfg),
	.defaults = syslat_defaults,
	.check = syslat_check,
	.load = syslat_load,
	.unload = syslat_unload,
	.start = syslat_start,
	.stop = syslat_stop,
	.verdict = syslat_verdict,
};
