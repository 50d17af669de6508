/* biolat: block I/O latency per disk and operation, queue vs device time,
 * request sizes, the issuing process; or, with -L, one line per request. */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "bpf/biolat.h"
#include "biolat.skel.h"
#include "lib/bpf/tool.h"
#include "lib/bpf/load.h"
#include "lib/core/clock.h"
#include "lib/core/hist.h"
#include "lib/core/json.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"
#include "lib/core/parse.h"
#include "lib/core/latrows.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "tools.h"

struct biolat_run {
	struct biolat_cfg cfg;
	struct biolat_bpf *skel;
	struct sre_session *session;
	struct ring_buffer *rb;
	struct sre_rows prev[BIOLAT_NPARTS];
	double last_report_s;
};

enum { OPT_SLO = 1000 };

static const struct option biolat_long[] = {
	{ "disk", required_argument, NULL, 'd' },
	{ "per-disk", no_argument, NULL, 'D' },
	{ "per-op", no_argument, NULL, 'O' },
	{ "queued", no_argument, NULL, 'Q' },
	{ "size", no_argument, NULL, 'S' },
	{ "per-process", no_argument, NULL, 'P' },
	{ "slow", required_argument, NULL, 'L' },
	{ "slo", required_argument, NULL, OPT_SLO },
	{ 0 },
};

static const char *const op_names[] = { "read", "write", "flush", "discard", "other" };

const char *biolat_op_name(uint32_t op)
{
	op &= ~(BIOLAT_OP_SYNC | BIOLAT_OP_PREFLUSH);
	return op < sizeof(op_names) / sizeof(op_names[0]) ? op_names[op] : "all";
}

void biolat_op_label(uint32_t op, char sep, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", biolat_op_name(op));

	if ((op & BIOLAT_OP_PREFLUSH) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%cpreflush", sep);
	if ((op & BIOLAT_OP_SYNC) && n < len)
		snprintf(buf + n, len - n, "%csync", sep);
}

/* Whole disks only: /sys/block/NAME/dev holds "major:minor". */
int biolat_disk_dev(const char *name, uint32_t *dev)
{
	char path[PATH_MAX];
	unsigned int major, minor;
	FILE *f;
	int n;

	if (strchr(name, '/') || snprintf(path, sizeof(path), "/sys/block/%s/dev", name) >= (int)sizeof(path) ||
	    !(f = fopen(path, "r")))
		return -ENOENT;
	n = fscanf(f, "%u:%u", &major, &minor);
	fclose(f);
	if (n != 2)
		return -ENOENT;
	*dev = major << 20 | minor;
	return 0;
}

static int add_disk(const char *name, void *ctx)
{
	struct biolat_cfg *cfg = ctx;
	uint32_t dev;

	if (biolat_disk_dev(name, &dev)) {
		sre_tool_error("biolat", "unknown disk '%s' (see /sys/block; partitions: use their disk)", name);
		return -EINVAL;
	}
	if (cfg->ndisks >= BIOLAT_DISKS_MAX) {
		sre_tool_error("biolat", "at most %d disks in -d", BIOLAT_DISKS_MAX);
		return -EINVAL;
	}
	cfg->disks[cfg->ndisks++] = dev;
	return 0;
}

/* --slo disk:NAME[:OP]:pQQ<DURATION; a named disk implies -D, an op -O. */
static int add_slo(struct biolat_cfg *cfg, const char *arg)
{
	struct sre_slo *slo = sre_slo_add("biolat", cfg->slos, cfg->nslos, SRE_SLO_DISK, arg);
	uint32_t dev;

	if (!slo)
		return -EINVAL;
	if (strcmp(slo->name, "*")) {
		if (biolat_disk_dev(slo->name, &dev)) {
			sre_tool_error("biolat", "--slo '%s': unknown disk '%s' (see /sys/block)", arg, slo->name);
			return -EINVAL;
		}
		slo->key = (int)dev;
		cfg->per_disk = true;
	} else {
		slo->key = -1;
	}
	if (slo->op[0])
		cfg->per_op = true;
	cfg->nslos++;
	return 0;
}

static int biolat_option(int key, const char *arg, void *ctx)
{
	struct biolat_cfg *cfg = ctx;

	switch (key) {
	case 'd':
		return sre_split_list(arg, add_disk, cfg) ? -EINVAL : 0;
	case 'L':
		return sre_opt_slow("biolat", arg, &cfg->slow_us);
	case OPT_SLO:
		return add_slo(cfg, arg);
	}
	return -EINVAL;
}

static const struct sre_switch biolat_switches[] = {
	{ 'D', offsetof(struct biolat_cfg, per_disk) },
	{ 'O', offsetof(struct biolat_cfg, per_op) },
	{ 'Q', offsetof(struct biolat_cfg, queued) },
	{ 'S', offsetof(struct biolat_cfg, sizes) },
	{ 'P', offsetof(struct biolat_cfg, per_process) },
	{ 0 },
};

static const struct sre_tool_spec biolat_spec = {
	.name = "biolat",
	.summary = "Block I/O latency per disk and operation, queue vs device time, sizes, issuers.",
	.options_help =
		"  -d, --disk NAME[,NAME]  only these disks (names as in /sys/block)\n"
		"  -D, --per-disk          one row per disk\n"
		"  -O, --per-op            one row per operation (read, write, flush, discard, other; sync)\n"
		"  -Q, --queued            show queue time (insert->issue) and device time (issue->complete)\n"
		"  -S, --size              request size histogram\n"
		"  -P, --per-process       one row per issuing process\n"
		"  -L, --slow USEC         print each request slower than USEC as it completes (0: all)\n"
		"      --slo disk:NAME[:OP]:pQQ<DURATION  at the end, PASS/FAIL per SLO; exit 1 if any\n"
		"                          fails (repeatable; NAME * = all disks; implies -D, and -O with OP)\n",
	.examples =
		"  sretrace biolat 5 1                 one histogram over 5 s\n"
		"  sretrace biolat -D -O -Q 1          per disk and op, queue vs device, every second\n"
		"  sretrace biolat -d vda -L 10000     vda requests slower than 10 ms\n"
		"  sretrace biolat -P -f json 10 1     who issues the I/O\n"
		"  sretrace biolat --slo disk:vda:write:p99<10ms 60 1   fail if vda's write p99 >= 10 ms\n",
	.positional = SRE_POS_INTERVAL_COUNT,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON,
	.short_opts = "d:DOQSPL:",
	.long_opts = biolat_long,
	.switches = biolat_switches,
	.on_option = biolat_option,
};

void biolat_defaults(void *c)
{
	*(struct biolat_cfg *)c = (struct biolat_cfg){ .slow_us = -1 };
}

static int biolat_check(const struct sre_opts *o, void *c)
{
	const struct biolat_cfg *cfg = c;

	if (cfg->slow_us >= 0 && (cfg->per_process || cfg->per_disk || cfg->per_op || cfg->sizes || cfg->queued ||
				  cfg->nslos)) {
		sre_error(o, "-L (events) does not combine with -D, -O, -P, -Q, -S or --slo");
		return -EINVAL;
	}
	return 0;
}

int biolat_load(void **probe, const struct sre_opts *o, pid_t command_pid, void *c)
{
	const struct biolat_cfg *cfg = c;
	struct biolat_bpf *skel = biolat_bpf__open();
	int err;

	if (!skel) {
		sre_error(o, "cannot open the biolat programs: %s", strerror(errno));
		return -errno;
	}
	sre_filter_configure(&skel->rodata->filter_cfg, skel->obj, o);
	skel->rodata->per_disk = cfg->per_disk;
	skel->rodata->per_op = cfg->per_op;
	skel->rodata->per_process = cfg->per_process;
	skel->rodata->filter_disk = cfg->ndisks > 0;
	skel->rodata->slow_ns = cfg->slow_us >= 0 ? cfg->slow_us * 1000 : -1;
	skel->rodata->rq_second_arg = sre_tracepoint_nargs("block_rq_insert") == 2;
	skel->rodata->start_ns = (uint64_t)(sre_mono_now_s() * 1e9);
	if (cfg->slow_us < 0)
		bpf_map__set_max_entries(skel->maps.events, (uint32_t)sysconf(_SC_PAGESIZE));
	err = sre_load_attach(skel->skeleton, "biolat", o, command_pid);
	for (int i = 0; i < cfg->ndisks && !err; i++) {
		uint8_t one = 1;

		if (bpf_map__update_elem(skel->maps.wanted_disks, &cfg->disks[i], sizeof(uint32_t), &one, sizeof(one),
					 BPF_ANY)) {
			err = -errno;
			sre_error(o, "cannot set disk filter: %s", strerror(errno));
		}
	}
	if (err) {
		biolat_bpf__destroy(skel);
		return err;
	}
	*probe = skel;
	return 0;
}

void biolat_unload(void *probe)
{
	biolat_bpf__destroy(probe);
}

/* Disk names from /sys/dev/block/MAJ:MIN, the kernel's own names. */
void biolat_disk_name(uint32_t dev, char *buf, size_t len)
{
	char path[64], target[PATH_MAX];
	ssize_t n;
	const char *slash;

	if (!dev) {
		snprintf(buf, len, "all");
		return;
	}
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", dev >> 20, dev & 0xfffff);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(buf, len, "%u:%u", dev >> 20, dev & 0xfffff);
		return;
	}
	target[n] = 0;
	slash = strrchr(target, '/');
	snprintf(buf, len, "%.*s", (int)len - 1, slash ? slash + 1 : target);
}

/* --- aggregate mode --- */

static void copy_hist(struct sre_row *r, const uint32_t *h)
{
	for (int b = 0; b < HIST_BUCKETS; b++)
		r->hist.b[b] = h[b];
}

int biolat_snapshot(struct biolat_bpf *skel, struct sre_rows cur[BIOLAT_NPARTS], uint32_t gen)
{
	int fd = bpf_map__fd(skel->maps.stats);
	struct biolat_key key, next, *prevk = NULL;
	struct biolat_stats *v = malloc(sizeof(*v));

	if (!v)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prevk, &next)) {
		struct sre_row *r[BIOLAT_NPARTS];
		uint32_t k2 = next.pid << 8 | next.op;

		key = next;
		prevk = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue;
		for (int p = 0; p < BIOLAT_NPARTS; p++) {
			r[p] = sre_rows_add(&cur[p], key.dev, k2);
			if (!r[p]) {
				free(v);
				return -ENOMEM;
			}
			r[p]->count = v->count;
			r[p]->bytes = v->bytes;
			r[p]->errors = v->errors;
			memcpy(r[p]->comm, v->comm, sizeof(r[p]->comm));
		}
		r[BIOLAT_PART_TOTAL]->total_ns = v->total_ns;
		r[BIOLAT_PART_QUEUE]->total_ns = v->queue_ns;
		r[BIOLAT_PART_DEVICE]->total_ns = v->device_ns;
		r[BIOLAT_PART_SIZE]->total_ns = v->bytes;
		sre_row_add_max(r[BIOLAT_PART_TOTAL], &v->max_total, gen);
		sre_row_add_max(r[BIOLAT_PART_QUEUE], &v->max_queue, gen);
		sre_row_add_max(r[BIOLAT_PART_DEVICE], &v->max_device, gen);
		copy_hist(r[BIOLAT_PART_TOTAL], v->hist_total);
		copy_hist(r[BIOLAT_PART_QUEUE], v->hist_queue);
		copy_hist(r[BIOLAT_PART_DEVICE], v->hist_device);
		copy_hist(r[BIOLAT_PART_SIZE], v->hist_size);
	}
	free(v);
	return 0;
}

static void json_part(struct sre_json *j, const struct sre_row *r)
{
	sre_json_uint(j, "count", r->count);
	sre_json_uint(j, "bytes", r->bytes);
	sre_json_uint(j, "total_ns", r->total_ns);
	hist_print_json_latency(j, &r->hist, r->max_ns);
}

void biolat_print_json(FILE *f, const struct biolat_cfg *cfg, struct sre_rows d[BIOLAT_NPARTS], double secs,
		       const uint64_t *cnt)
{
	char ts[16], disk[64];
	struct sre_json j;

	sre_timestamp(ts, sizeof(ts));
	sre_json_report(&j, f, "biolat", ts, secs, cnt[SRE_CNT_EVENTS], cnt[SRE_CNT_DROPS], cnt[SRE_CNT_MISSED]);
	sre_json_array(&j, "rows");
	for (size_t i = 0; i < d[BIOLAT_PART_TOTAL].n; i++) {
		const struct sre_row *r = &d[BIOLAT_PART_TOTAL].rows[i];
		uint32_t op = r->key2 & 0xff;

		biolat_disk_name(r->key1, disk, sizeof(disk));
		sre_json_object(&j, NULL);
		sre_json_string(&j, "disk", disk);
		sre_json_string(&j, "op", biolat_op_name(op));
		if (cfg->per_op) {
			sre_json_bool(&j, "sync", op & BIOLAT_OP_SYNC);
			/* An empty write asking for a cache flush (counted as a write, as the kernel does). */
			sre_json_bool(&j, "preflush", op & BIOLAT_OP_PREFLUSH);
		}
		if (cfg->per_process) {
			sre_json_uint(&j, "pid", r->key2 >> 8);
			sre_json_string(&j, "comm", r->comm);
		}
		sre_json_uint(&j, "errors", r->errors);
		json_part(&j, r);
		sre_json_object(&j, "queue");
		json_part(&j, &d[BIOLAT_PART_QUEUE].rows[i]);
		sre_json_end(&j);
		sre_json_object(&j, "device");
		json_part(&j, &d[BIOLAT_PART_DEVICE].rows[i]);
		sre_json_end(&j);
		if (cfg->sizes)
			hist_print_json(&j, "size_hist", &d[BIOLAT_PART_SIZE].rows[i].hist);
		sre_json_end(&j);
	}
	sre_json_end(&j);
	sre_json_end(&j);
}

static void text_line(FILE *f, const char *label, const struct sre_row *r, double secs, double div)
{
	fprintf(f, "%-24s %9" PRIu64 " %9.1f %10.2f %10.1f %10.1f %10.1f %10.1f %10.1f\n", label, r->count,
		secs > 0 ? (double)r->count / secs : 0, (double)r->bytes / 1048576.0,
		r->count ? (double)r->total_ns / (double)r->count / div : 0, sre_row_quantile(r, 0.50) / div,
		sre_row_quantile(r, 0.95) / div, sre_row_quantile(r, 0.99) / div, (double)r->max_ns / div);
}

static void print_text(struct biolat_run *run, struct sre_rows d[BIOLAT_NPARTS], double secs)
{
	const struct sre_opts *o = &run->session->opts;
	FILE *f = run->session->out.f;
	uint64_t unit = o->millis ? 1000000 : 1000;
	const char *u = o->millis ? "ms" : "us";
	char ts[16], disk[64], label[96], oplabel[32];

	if (o->timestamp) {
		sre_timestamp(ts, sizeof(ts));
		fprintf(f, "%s\n", ts);
	}
	if (!d[BIOLAT_PART_TOTAL].n) {
		fprintf(f, "no block I/O completed in %.1f s\n\n", secs);
		return;
	}
	fprintf(f, "%-24s %9s %9s %10s %10s %10s %10s %10s %10s\n", "DISK OP [PID COMM]", "COUNT", "IOPS", "MB",
		o->millis ? "AVG(ms)" : "AVG(us)", "P50", "P95", "P99", "MAX");
	for (size_t i = 0; i < d[BIOLAT_PART_TOTAL].n; i++) {
		const struct sre_row *r = &d[BIOLAT_PART_TOTAL].rows[i];
		uint32_t op = r->key2 & 0xff;
		int n;

		biolat_disk_name(r->key1, disk, sizeof(disk));
		/* The flags are set only with -O (per op). */
		biolat_op_label(op, '-', oplabel, sizeof(oplabel));
		n = snprintf(label, sizeof(label), "%s %s", disk, oplabel);
		if (run->cfg.per_process && n > 0 && (size_t)n < sizeof(label))
			snprintf(label + n, sizeof(label) - (size_t)n, " %u %s", r->key2 >> 8, r->comm);
		text_line(f, label, r, secs, (double)unit);
		if (run->cfg.queued) {
			text_line(f, "  queue", &d[BIOLAT_PART_QUEUE].rows[i], secs, (double)unit);
			text_line(f, "  device", &d[BIOLAT_PART_DEVICE].rows[i], secs, (double)unit);
		}
	}
	/* A few rows: show their distributions, as biolatency does. */
	if (d[BIOLAT_PART_TOTAL].n <= 4) {
		for (size_t i = 0; i < d[BIOLAT_PART_TOTAL].n; i++) {
			biolat_disk_name(d[BIOLAT_PART_TOTAL].rows[i].key1, disk, sizeof(disk));
			fprintf(f, "\n%s %s latency:\n", disk, biolat_op_name(d[BIOLAT_PART_TOTAL].rows[i].key2 & 0xff));
			hist_print_bars(f, &d[BIOLAT_PART_TOTAL].rows[i].hist, unit, u);
			if (run->cfg.sizes) {
				fprintf(f, "\n%s %s request size:\n", disk, biolat_op_name(d[BIOLAT_PART_TOTAL].rows[i].key2 & 0xff));
				hist_print_bars(f, &d[BIOLAT_PART_SIZE].rows[i].hist, 1, "bytes");
			}
		}
	}
	fputc('\n', f);
}

static int report(void *ctx, bool final)
{
	struct biolat_run *run = ctx;
	struct sre_rows cur[BIOLAT_NPARTS] = { 0 }, delta[BIOLAT_NPARTS] = { 0 };
	uint32_t gen = run->skel->bss->current_gen;
	uint64_t cnt[SRE_CNT_MAX];
	double now = sre_mono_now_s();
	int err;

	(void)final;
	run->skel->bss->current_gen = gen + 1;
	err = biolat_snapshot(run->skel, cur, gen);
	for (int p = 0; p < BIOLAT_NPARTS && !err; p++) {
		err = sre_rows_diff(&cur[p], &run->prev[p], &delta[p]);
		/* Parts stay aligned row by row: same keys, same order. */
		if (!err && p != BIOLAT_PART_SIZE)
			sre_rows_finish(&delta[p]);
	}
	if (!err) {
		sre_read_counters(bpf_map__fd(run->skel->maps.sre_counters), cnt);
		if (run->session->opts.format == SRE_FMT_JSON)
			biolat_print_json(run->session->out.f, &run->cfg, delta, now - run->last_report_s, cnt);
		else
			print_text(run, delta, now - run->last_report_s);
		if (cnt[SRE_CNT_MISSED] || cnt[SRE_CNT_DROPS])
			fprintf(stderr, "biolat: %" PRIu64 " requests missed (in-flight or row map full), %" PRIu64
					" events dropped\n", cnt[SRE_CNT_MISSED], cnt[SRE_CNT_DROPS]);
	}
	run->last_report_s = now;
	for (int p = 0; p < BIOLAT_NPARTS; p++) {
		sre_rows_free(&delta[p]);
		sre_rows_free(&run->prev[p]);
		run->prev[p] = cur[p];
	}
	return err ? err : sre_output_flush(&run->session->out);
}

/* --- event mode (-L) --- */

static int on_event(void *ctx, void *data, size_t len)
{
	struct biolat_run *run = ctx;
	const struct biolat_event *e = data;
	FILE *f = run->session->out.f;
	double div = run->session->opts.millis ? 1e6 : 1e3;
	char ts[32];

	if (len < sizeof(*e))
		return 0;
	sre_event_time(e->ts_ns, ts, sizeof(ts));
	if (run->session->opts.format == SRE_FMT_JSON) {
		struct sre_json j;

		sre_json_event(&j, f, ts, e->pid, e->comm);
		sre_json_string(&j, "disk", e->disk);
		sre_json_string(&j, "op", biolat_op_name(e->op));
		sre_json_bool(&j, "sync", e->op & BIOLAT_OP_SYNC);
		sre_json_uint(&j, "sector", e->sector);
		sre_json_uint(&j, "bytes", e->bytes);
		sre_json_uint(&j, "queue_ns", e->queue_ns);
		sre_json_uint(&j, "device_ns", e->device_ns);
		sre_json_uint(&j, "total_ns", e->total_ns);
		sre_json_int(&j, "error", e->error);
		sre_json_end(&j);
	} else {
		fprintf(f, "%s %-16s %-7u %-8s %-8s %12" PRIu64 " %8u %10.1f %10.1f\n", ts, e->comm, e->pid, e->disk, biolat_op_name(e->op),
			(uint64_t)e->sector, e->bytes, (double)e->queue_ns / div, (double)e->device_ns / div);
	}
	return sre_output_error(f);
}

static int report_events_end(void *ctx, bool final)
{
	struct biolat_run *run = ctx;
	uint64_t cnt[SRE_CNT_MAX];

	(void)final;
	sre_read_counters(bpf_map__fd(run->skel->maps.sre_counters), cnt);
	fprintf(stderr, "biolat: %" PRIu64 " requests completed, %" PRIu64 " events dropped (ring buffer full), %"
			PRIu64 " missed (in-flight map full)\n",
		cnt[SRE_CNT_EVENTS], cnt[SRE_CNT_DROPS], cnt[SRE_CNT_MISSED]);
	return sre_output_flush(&run->session->out);
}

/* The whole run's total-latency histogram per SLO, from the last
 * cumulative snapshot. Returns how many failed. */
static int check_slos(struct biolat_run *run)
{
	const struct sre_rows *rows = &run->prev[BIOLAT_PART_TOTAL];

	for (int i = 0; i < run->cfg.nslos; i++) {
		struct sre_slo *slo = &run->cfg.slos[i];

		memset(&slo->hist, 0, sizeof(slo->hist));
		for (size_t r = 0; r < rows->n; r++) {
			const struct sre_row *row = &rows->rows[r];

			if (slo->key >= 0 && row->key1 != (uint32_t)slo->key)
				continue;
			if (slo->op[0] && strcmp(slo->op, biolat_op_name(row->key2 & 0xff)))
				continue;
			hist_add(&slo->hist, &row->hist);
		}
	}
	return sre_slo_report(stderr, "biolat", run->cfg.slos, run->cfg.nslos, "requests");
}

static int biolat_start(void *r, void *probe, struct sre_session *s, struct sre_loop *l)
{
	struct biolat_run *run = r;
	const struct sre_opts *o = &s->opts;
	int err;

	run->skel = probe;
	run->session = s;
	run->last_report_s = sre_mono_now_s();
	*l = (struct sre_loop){
		.counters_fd = bpf_map__fd(run->skel->maps.sre_counters),
		.report = report,
		.ctx = run,
	};
	if (run->cfg.slow_us >= 0) {
		run->rb = sre_session_ring_buffer(s, bpf_map__fd(run->skel->maps.events), on_event, run, &err);
		if (!run->rb)
			return err;
		l->rb = run->rb;
		l->report = report_events_end;
		if (o->format == SRE_FMT_TEXT)
			fprintf(s->out.f, "%-15s %-16s %-7s %-8s %-8s %12s %8s %10s %10s\n", "TIME", "COMM", "PID",
				"DISK", "OP", "SECTOR", "BYTES", o->millis ? "QUE(ms)" : "QUE(us)",
				o->millis ? "DEV(ms)" : "DEV(us)");
	} else if (!o->command && isatty(STDERR_FILENO) && o->interval_s == 0) {
		fprintf(stderr, "Tracing block I/O... Ctrl-C to end.\n");
	}
	return 0;
}

static void biolat_stop(void *r)
{
	struct biolat_run *run = r;

	ring_buffer__free(run->rb);
	for (int p = 0; p < BIOLAT_NPARTS; p++)
		sre_rows_free(&run->prev[p]);
}

static int biolat_verdict(void *r)
{
	struct biolat_run *run = r;

	return run->cfg.nslos ? check_slos(run) : 0;
}

const struct sre_tool biolat_tool = {
	.spec = &biolat_spec,
	.run_size = sizeof(struct biolat_run),
	.cfg_offset = offsetof(struct biolat_run, cfg),
	.defaults = biolat_defaults,
	.check = biolat_check,
	.load = biolat_load,
	.unload = biolat_unload,
	.start = biolat_start,
	.stop = biolat_stop,
	.verdict = biolat_verdict,
};
