/* serve: a Prometheus exporter. Loads syslat, biolat, tcpretrans and offcpu
 * (or the --tools chosen) once, keeps 64-bit cumulative counters in
 * userspace, and answers GET /metrics in the text exposition format. */
#include <errno.h>
#include <inttypes.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpf/common.h"
#include "biolat.skel.h"
#include "offcpu.skel.h"
#include "syslat.skel.h"
#include "tcpretrans.skel.h"
#include "bpf/offcpu.h"
#include "bpf/stack.h"
#include "bpf/tcpretrans.h"
#include "lib/core/clock.h"
#include "lib/core/gzip.h"
#include "lib/core/hashmap.h"
#include "serve/http.h"
#include "lib/core/names.h"
#include "lib/core/opts.h"
#include "lib/core/parse.h"
#include "serve/prom.h"
#include "lib/bpf/runloop.h"
#include "lib/bpf/session.h"
#include "lib/bpf/skipped.h"
#include "tools.h"

enum { OPT_LISTEN = 1000, OPT_TOOLS, OPT_MAX_SERIES, OPT_BPF_STATS, OPT_REFRESH };
enum { T_SYSLAT, T_BIOLAT, T_TCPRETRANS, T_OFFCPU, NTOOLS };

static const char *const tool_names[NTOOLS] = { "syslat", "biolat", "tcpretrans", "offcpu" };

struct serve_cfg {
	const char *listen;
	bool want[NTOOLS];
	bool tools_given;
	uint64_t max_series;
	uint64_t refresh_s;
	bool bpf_stats;
};

/* One latency series, accumulated from kernel deltas. */
struct lat_acc {
	uint64_t count, errors, total_ns, bytes;
	struct hist hist;
};

struct serve_run {
	struct serve_cfg cfg;
	struct sre_session session;
	struct syslat_bpf *syslat;
	struct biolat_bpf *biolat;
	struct tcpretrans_bpf *tcp;
	struct offcpu_bpf *offcpu;
	void *probes[NTOOLS]; /* what each tool's load gave */
	struct syslat_cfg syslat_cfg;
	struct biolat_cfg biolat_cfg;
	struct tcpretrans_cfg tcp_cfg;
	struct offcpu_cfg offcpu_cfg;
	struct syslat_reader syslat_reader;
	struct sre_rows syslat_prev, bio_prev;
	struct prom_slots syscalls, disks, peers, comms;
	struct lat_acc *syscall_acc, *disk_acc; /* cap + 1 ("other") each */
	uint64_t *peer_segs, *comm_ns;
	struct sre_map comm_seen;               /* offcpu row -> its value at the last read */
	uint64_t drained_misses;                /* drain lookups that failed */
	int stats_fd;
	struct http_server *http;
	uint64_t scrapes;
};

static const struct option serve_long[] = {
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "tools", required_argument, NULL, OPT_TOOLS },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "bpf-stats", no_argument, NULL, OPT_BPF_STATS },
	{ "refresh", required_argument, NULL, OPT_REFRESH },
	{ 0 },
};

static int add_tool(const char *name, void *ctx)
{
	struct serve_cfg *cfg = ctx;

	for (int t = 0; t < NTOOLS; t++) {
		if (!strcmp(name, tool_names[t])) {
			cfg->want[t] = true;
			return 0;
		}
	}
	sre_tool_error("serve", "unknown tool '%s' in --tools (syslat, biolat, tcpretrans, offcpu)", name);
	return -EINVAL;
}

static int serve_option(int key, const char *arg, void *ctx)
{
	struct serve_cfg *cfg = ctx;

	switch (key) {
	case OPT_LISTEN:
		cfg->listen = arg;
		return 0;
	case OPT_TOOLS:
		memset(cfg->want, 0, sizeof(cfg->want));
		cfg->tools_given = true;
		return sre_split_list(arg, add_tool, cfg) ? -EINVAL : 0;
	case OPT_MAX_SERIES:
		return sre_opt_uint("serve", "--max-series", arg, 1, 10000, &cfg->max_series);
	case OPT_REFRESH:
		return sre_opt_uint("serve", "--refresh", arg, 1, 3600, &cfg->refresh_s);
	case OPT_BPF_STATS:
		cfg->bpf_stats = true;
		return 0;
	}
	return -EINVAL;
}

static const struct sre_tool_spec serve_spec = {
	.name = "serve",
	.summary = "Prometheus exporter: syscall, block I/O, retransmit and off-CPU metrics on /metrics.",
	.options_help =
		"      --listen ADDR       IP:PORT or [IPv6]:PORT to serve on (default 127.0.0.1:9464)\n"
		"      --tools LIST        syslat,biolat,tcpretrans,offcpu (default: all)\n"
		"      --max-series N      label values per metric before the rest go to \"other\" (default 50)\n"
		"      --refresh SEC       read the kernel maps at least this often (default 5)\n"
		"      --bpf-stats         turn on the kernel's BPF run-time statistics while serving\n"
		"                          and export them (sretrace_bpf_run_seconds_total)\n",
	.examples =
		"  sretrace serve                             all metrics on 127.0.0.1:9464\n"
		"  sretrace serve --listen 10.0.0.5:9464 --tools syslat,biolat\n"
		"  sretrace serve -c postgres                 only postgres' syscalls, I/O, waits\n",
	.positional = SRE_POS_DURATION,
	.formats = SRE_FMT_PROM,
	.short_opts = "",
	.long_opts = serve_long,
	.on_option = serve_option,
};

/* ---- refresh: kernel deltas into 64-bit userspace counters ---- */

static void lat_add(struct lat_acc *a, const struct sre_row *d)
{
	a->count += d->count;
	a->errors += d->errors;
	a->total_ns += d->total_ns;
	a->bytes += d->bytes;
	hist_add(&a->hist, &d->hist);
}

/* Diffs cur against *prev, adds each changed row to its label's slot
 * (label_of names it), and keeps cur as the new *prev. */
static int accumulate(struct sre_rows *cur, struct sre_rows *prev, struct prom_slots *slots, struct lat_acc *acc,
		      void (*label_of)(const struct sre_row *r, char *buf, size_t len))
{
	struct sre_rows delta = { 0 };
	char label[PROM_LABEL_MAX];
	int err = sre_rows_diff(cur, prev, &delta);

	for (size_t i = 0; i < delta.n && !err; i++) {
		label_of(&delta.rows[i], label, sizeof(label));
		lat_add(&acc[prom_slot(slots, label)], &delta.rows[i]);
	}
	sre_rows_free(&delta);
	sre_rows_free(prev);
	*prev = *cur;
	memset(cur, 0, sizeof(*cur));
	return err;
}

static void syscall_label(const struct sre_row *r, char *buf, size_t len)
{
	const char *name = sre_syscall_name((int)r->key2);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", r->key2);
}

/* "disk|op": the slot key holds both labels. */
static void disk_label(const struct sre_row *r, char *buf, size_t len)
{
	char disk[32];

	biolat_disk_name(r->key1, disk, sizeof(disk));
	snprintf(buf, len, "%s|%s", disk, biolat_op_name(r->key2 & 0xff));
}

static int refresh_syslat(struct serve_run *run)
{
	struct sre_rows cur = { 0 };
	int err = syslat_snapshot_syscalls(run->syslat, &run->syslat_cfg, &run->syslat_reader, &cur,
					   run->syslat->bss->current_gen);

	if (!err)
		err = accumulate(&cur, &run->syslat_prev, &run->syscalls, run->syscall_acc, syscall_label);
	sre_rows_free(&cur);
	return err;
}

static int refresh_biolat(struct serve_run *run)
{
	struct sre_rows cur[BIOLAT_NPARTS] = { 0 };
	int err = biolat_snapshot(run->biolat, cur, run->biolat->bss->current_gen);

	if (!err)
		err = accumulate(&cur[BIOLAT_PART_TOTAL], &run->bio_prev, &run->disks, run->disk_acc, disk_label);
	for (int p = 0; p < BIOLAT_NPARTS; p++)
		sre_rows_free(&cur[p]);
	return err;
}

/* Takes every entry out of a hash map, so a long-running exporter never
 * fills it: keys first (deleting while walking would restart the walk),
 * then lookup-and-delete each. An update racing the delete can be lost. */
static int drain(int fd, size_t key_size, size_t value_size, void *ctx,
		 void (*fn)(void *ctx, const void *key, const void *value), uint64_t *misses)
{
	size_t n = 0, cap = 0;
	char *keys = NULL, *prev = NULL, *value = malloc(value_size), *k;
	int err = 0;

	if (!value)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			char *g = realloc(keys, (cap = cap ? cap * 2 : 256) * key_size);

			if (!g) {
				err = -ENOMEM;
				break;
			}
			keys = g;
		}
		prev = n ? keys + (n - 1) * key_size : NULL;
		if (bpf_map_get_next_key(fd, prev, keys + n * key_size))
			break;
		n++;
	}
	for (size_t i = 0; i < n && !err; i++) {
		k = keys + i * key_size;
		if (bpf_map_lookup_and_delete_elem(fd, k, value)) {
			/* Kernels before 5.14 have no lookup-and-delete for hashes. */
			if (bpf_map_lookup_elem(fd, k, value)) {
				(*misses)++;
				continue;
			}
			bpf_map_delete_elem(fd, k);
		}
		fn(ctx, k, value);
	}
	free(keys);
	free(value);
	return err;
}

static void add_flow(void *ctx, const void *key, const void *value)
{
	struct serve_run *run = ctx;
	const struct tcp_flow *f = key;
	const struct tcpretrans_flow_stats *st = value;
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(f->family, f->daddr, addr, sizeof(addr));
	run->peer_segs[prom_slot(&run->peers, addr)] += st->retrans_segs;
}

/* offcpu's rows (one per comm) are read, never deleted: BPF may be adding
 * to a row at the moment it is deleted, and that add would be lost (a known
 * sleep's 50 ms went missing so). The rows are cumulative; what grew since
 * the last read is added. */
static int refresh_offcpu(struct serve_run *run)
{
	int fd = bpf_map__fd(run->offcpu->maps.offcpu);
	struct stack_key key, cur, *prev = NULL;
	struct stack_value val, *seen;
	char comm[TASK_COMM_LEN + 1];

	while (!bpf_map_get_next_key(fd, prev, &key)) {
		cur = key;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &val))
			continue;
		seen = sre_map_put(&run->comm_seen, &cur, NULL);
		if (!seen) {
			run->drained_misses++;
			continue;
		}
		snprintf(comm, sizeof(comm), "%.*s", TASK_COMM_LEN, cur.comm);
		run->comm_ns[prom_slot(&run->comms, comm)] += val.value - seen->value;
		*seen = val;
	}
	return 0;
}

static int refresh(struct serve_run *run)
{
	int err = 0;

	if (run->syslat)
		err = refresh_syslat(run);
	if (!err && run->biolat)
		err = refresh_biolat(run);
	if (!err && run->tcp)
		err = drain(bpf_map__fd(run->tcp->maps.flows), sizeof(struct tcp_flow),
			    sizeof(struct tcpretrans_flow_stats), run, add_flow, &run->drained_misses);
	if (!err && run->offcpu)
		err = refresh_offcpu(run);
	return err;
}

/* ---- exposition ---- */

static void write_latency(FILE *f, const char *name, const char *help, const struct prom_slots *slots,
			  const struct lat_acc *acc, const char *label)
{
	prom_family(f, name, "histogram", help);
	for (int i = 0; i <= slots->cap; i++) {
		char labels[256];
		FILE *m;

		if (!acc[i].count)
			continue;
		m = fmemopen(labels, sizeof(labels), "w");
		if (!m)
			continue;
		if (!strcmp(label, "disk")) {
			char disk[PROM_LABEL_MAX];
			const char *sep;

			snprintf(disk, sizeof(disk), "%s", prom_slot_name(slots, i));
			sep = strchr(disk, '|');
			fputs("disk=", m);
			if (sep) {
				disk[sep - disk] = 0;
				prom_label_value(m, disk);
				fputs(",op=", m);
				prom_label_value(m, sep + 1);
			} else {
				prom_label_value(m, disk);
				fputs(",op=\"other\"", m);
			}
		} else {
			fprintf(m, "%s=", label);
			prom_label_value(m, prom_slot_name(slots, i));
		}
		fputc(0, m);
		fclose(m);
		prom_histogram(f, name, labels, &acc[i].hist, acc[i].total_ns);
	}
}

static void write_counter_by(FILE *f, const char *name, const char *help, const char *label,
			     const struct prom_slots *slots, const uint64_t *values, double scale)
{
	prom_family(f, name, "counter", help);
	for (int i = 0; i <= slots->cap; i++) {
		if (!values[i])
			continue;
		fprintf(f, "%s{%s=", name, label);
		prom_label_value(f, prom_slot_name(slots, i));
		if (scale == 1)
			fprintf(f, "} %" PRIu64 "\n", values[i]);
		else
			fprintf(f, "} %.9f\n", (double)values[i] * scale);
	}
}

static int counters_fd(struct serve_run *run, int t)
{
	switch (t) {
	case T_SYSLAT: return run->syslat ? bpf_map__fd(run->syslat->maps.sre_counters) : -1;
	case T_BIOLAT: return run->biolat ? bpf_map__fd(run->biolat->maps.sre_counters) : -1;
	case T_TCPRETRANS: return run->tcp ? bpf_map__fd(run->tcp->maps.sre_counters) : -1;
	default: return run->offcpu ? bpf_map__fd(run->offcpu->maps.sre_counters) : -1;
	}
}

static struct bpf_object *tool_obj(struct serve_run *run, int t)
{
	switch (t) {
	case T_SYSLAT: return run->syslat ? run->syslat->obj : NULL;
	case T_BIOLAT: return run->biolat ? run->biolat->obj : NULL;
	case T_TCPRETRANS: return run->tcp ? run->tcp->obj : NULL;
	default: return run->offcpu ? run->offcpu->obj : NULL;
	}
}

/* Counted by the kernel whether or not --bpf-stats is on. */
static void write_skipped_runs(FILE *f, struct serve_run *run)
{
	prom_family(f, "sretrace_bpf_skipped_runs_total", "counter",
		    "Runs the kernel skipped because the program was already running on that CPU: their events are missing.");
	for (int t = 0; t < NTOOLS; t++) {
		struct bpf_object *obj = tool_obj(run, t);
		struct bpf_program *p;

		if (!obj)
			continue;
		bpf_object__for_each_program(p, obj)
			fprintf(f, "sretrace_bpf_skipped_runs_total{tool=\"%s\",program=\"%s\"} %" PRIu64 "\n",
				tool_names[t], bpf_program__name(p), sre_prog_skipped_runs(p));
	}
}

static void write_health(FILE *f, struct serve_run *run)
{
	static const struct {
		const char *name, *help;
		int cnt;
	} health[] = {
		{ "sretrace_events_total", "Events the BPF programs counted (syslat: calls are in the histogram).",
		  SRE_CNT_EVENTS },
		{ "sretrace_dropped_events_total", "Events dropped because a ring buffer was full.", SRE_CNT_DROPS },
		{ "sretrace_missed_events_total", "Events not counted because a map was full.", SRE_CNT_MISSED },
	};
	uint64_t cnt[NTOOLS][SRE_CNT_MAX];
	struct http_drops drops;
	long rss_pages = 0;
	FILE *statm;

	for (int t = 0; t < NTOOLS; t++)
		if (counters_fd(run, t) >= 0)
			sre_read_counters(counters_fd(run, t), cnt[t]);
	for (size_t h = 0; h < sizeof(health) / sizeof(health[0]); h++) {
		prom_family(f, health[h].name, "counter", health[h].help);
		for (int t = 0; t < NTOOLS; t++)
			if (counters_fd(run, t) >= 0)
				fprintf(f, "%s{tool=\"%s\"} %" PRIu64 "\n", health[h].name, tool_names[t],
					cnt[t][health[h].cnt]);
	}
	/* Lost off-CPU time, not a lost event: the thread's switch-in never
	 * reached the tracer (a kernel that switches away from some tasks
	 * without the tracepoint), so its block's length is unknown
	 * (docs/offcpu.md). */
	if (counters_fd(run, T_OFFCPU) >= 0) {
		prom_family(f, "sretrace_offcpu_unended_blocks_total", "counter",
			    "Blocks whose end the tracer never saw; their time is not in sretrace_offcpu_seconds_total.");
		fprintf(f, "sretrace_offcpu_unended_blocks_total %" PRIu64 "\n", cnt[T_OFFCPU][SRE_CNT_UNENDED]);
	}
	prom_family(f, "sretrace_series_overflow_total", "counter",
		    "Label values folded into \"other\" because --max-series was reached.");
	fprintf(f, "sretrace_series_overflow_total{metric=\"syscall\"} %" PRIu64 "\n", run->syscalls.overflowed);
	fprintf(f, "sretrace_series_overflow_total{metric=\"disk\"} %" PRIu64 "\n", run->disks.overflowed);
	fprintf(f, "sretrace_series_overflow_total{metric=\"peer\"} %" PRIu64 "\n", run->peers.overflowed);
	fprintf(f, "sretrace_series_overflow_total{metric=\"comm\"} %" PRIu64 "\n", run->comms.overflowed);
	prom_family(f, "sretrace_scrapes_total", "counter", "GET /metrics requests answered.");
	fprintf(f, "sretrace_scrapes_total %" PRIu64 "\n", run->scrapes);
	http_drops(run->http, &drops);
	prom_family(f, "sretrace_http_dropped_connections_total", "counter",
		    "Connections closed unanswered: evicted (oldest unfinished request, when every slot was taken), "
		    "timeout, refused (every slot answering).");
	fprintf(f, "sretrace_http_dropped_connections_total{reason=\"evicted\"} %llu\n", drops.evicted);
	fprintf(f, "sretrace_http_dropped_connections_total{reason=\"timeout\"} %llu\n", drops.timed_out);
	fprintf(f, "sretrace_http_dropped_connections_total{reason=\"refused\"} %llu\n", drops.refused);
	statm = fopen("/proc/self/statm", "r");
	if (statm) {
		if (fscanf(statm, "%*d %ld", &rss_pages) != 1)
			rss_pages = 0;
		fclose(statm);
	}
	prom_family(f, "process_resident_memory_bytes", "gauge", "Resident memory of the exporter.");
	fprintf(f, "process_resident_memory_bytes %ld\n", rss_pages * sysconf(_SC_PAGESIZE));
	write_skipped_runs(f, run);
	if (run->stats_fd < 0)
		return;
	prom_family(f, "sretrace_bpf_run_seconds_total", "counter", "Time the kernel spent in each BPF program.");
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			prom_family(f, "sretrace_bpf_runs_total", "counter", "Runs of each BPF program.");
		for (int t = 0; t < NTOOLS; t++) {
			struct bpf_object *obj = tool_obj(run, t);
			struct bpf_program *p;

			if (!obj)
				continue;
			bpf_object__for_each_program(p, obj) {
				uint64_t run_ns, runs;

				if (sre_prog_run_stats(p, &run_ns, &runs))
					continue;
				if (pass)
					fprintf(f, "sretrace_bpf_runs_total{tool=\"%s\",program=\"%s\"} %" PRIu64 "\n",
						tool_names[t], bpf_program__name(p), runs);
				else
					fprintf(f, "sretrace_bpf_run_seconds_total{tool=\"%s\",program=\"%s\"} %.9f\n",
						tool_names[t], bpf_program__name(p), (double)run_ns / 1e9);
			}
		}
	}
}

static void write_metrics(FILE *f, struct serve_run *run)
{
	if (run->syslat) {
		write_latency(f, "sretrace_syscall_latency_seconds", "Syscall latency, entry to exit, by syscall.",
			      &run->syscalls, run->syscall_acc, "syscall");
		prom_family(f, "sretrace_syscall_errors_total", "counter", "Syscalls that returned an error.");
		for (int i = 0; i <= run->syscalls.cap; i++) {
			if (!run->syscall_acc[i].count)
				continue;
			fputs("sretrace_syscall_errors_total{syscall=", f);
			prom_label_value(f, prom_slot_name(&run->syscalls, i));
			fprintf(f, "} %" PRIu64 "\n", run->syscall_acc[i].errors);
		}
	}
	if (run->biolat) {
		write_latency(f, "sretrace_block_io_latency_seconds",
			      "Block I/O latency, insert (or issue) to completion, by disk and op.", &run->disks,
			      run->disk_acc, "disk");
	}
	if (run->tcp)
		write_counter_by(f, "sretrace_tcp_retransmitted_segments_total",
				 "TCP segments retransmitted, by remote address.", "raddr", &run->peers, run->peer_segs, 1);
	if (run->offcpu)
		write_counter_by(f, "sretrace_offcpu_seconds_total", "Time threads spent blocked off CPU, by comm.",
				 "comm", &run->comms, run->comm_ns, 1e-9);
	write_health(f, run);
}

static void compress_reply(struct http_reply *reply)
{
	char *gz = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&gz, &len);
	int err;

	if (!f)
		return;
	err = sre_gzip_write(f, reply->body, reply->len);
	if (fclose(f) || err) {
		free(gz);
		return; /* sent uncompressed */
	}
	free(reply->body);
	reply->body = gz;
	reply->len = len;
	reply->content_encoding = "gzip";
}

static void on_request(void *ctx, const struct http_request *req, struct http_reply *reply)
{
	struct serve_run *run = ctx;
	FILE *f = open_memstream(&reply->body, &reply->len);

	if (!f) {
		reply->status = 503;
		return;
	}
	if (!strcmp(req->path, "/metrics")) {
		int err = refresh(run);

		if (err) {
			reply->status = 503;
			fprintf(f, "cannot read the kernel maps: %s\n", strerror(-err));
		} else {
			reply->status = 200;
			reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
			write_metrics(f, run);
			run->scrapes++;
		}
	} else if (!strcmp(req->path, "/")) {
		reply->status = 200;
		reply->content_type = "text/html; charset=utf-8";
		fputs("<html><head><title>sretrace</title></head><body><h1>sretrace exporter</h1>"
		      "<p><a href=\"/metrics\">/metrics</a></p></body></html>\n", f);
	} else {
		reply->status = 404;
		fputs("404 Not Found: metrics are at /metrics\n", f);
	}
	if (fclose(f)) {
		reply->status = 503;
		reply->len = 0;
		return;
	}
	/* The exposition is ~100 KB with every tool; it compresses ~10x. */
	if (req->accept_gzip && reply->status == 200 && reply->len > 1024)
		compress_reply(reply);
}

/* ---- setup ---- */

/* The tools serve runs, by their definitions, in T_* order. */
static const struct sre_tool *const serve_tools[NTOOLS] = {
	[T_SYSLAT] = &syslat_tool, [T_BIOLAT] = &biolat_tool, [T_TCPRETRANS] = &tcpretrans_tool, [T_OFFCPU] = &offcpu_tool,
};

static int load_tools(struct serve_run *run)
{
	void *cfgs[NTOOLS] = { &run->syslat_cfg, &run->biolat_cfg, &run->tcp_cfg, &run->offcpu_cfg };
	int err = 0;

	for (int t = 0; t < NTOOLS; t++)
		if (serve_tools[t]->defaults)
			serve_tools[t]->defaults(cfgs[t]);
	/* What serve exports: histograms per syscall, per disk and op, flows,
	 * off-CPU time per comm (no stacks). */
	run->biolat_cfg.per_disk = run->biolat_cfg.per_op = true;
	run->tcp_cfg.aggregate = true;
	run->offcpu_cfg.by_comm = true;
	run->offcpu_cfg.stack = (struct sre_stack_opts){ .user_only = true, .kernel_only = true, .storage = 1 };
	for (int t = 0; t < NTOOLS && !err; t++)
		if (run->cfg.want[t])
			err = serve_tools[t]->load(&run->probes[t], &run->session.opts, 0, cfgs[t]);
	run->syslat = run->probes[T_SYSLAT];
	run->biolat = run->probes[T_BIOLAT];
	run->tcp = run->probes[T_TCPRETRANS];
	run->offcpu = run->probes[T_OFFCPU];
	return err;
}

static int alloc_state(struct serve_run *run)
{
	int cap = (int)run->cfg.max_series;

	sre_map_init(&run->comm_seen, sizeof(struct stack_key), sizeof(struct stack_value), NULL, NULL);
	if (syslat_reader_init(&run->syslat_reader))
		return -ENOMEM;
	run->syscall_acc = calloc((size_t)cap + 1, sizeof(*run->syscall_acc));
	run->disk_acc = calloc((size_t)cap + 1, sizeof(*run->disk_acc));
	run->peer_segs = calloc((size_t)cap + 1, sizeof(*run->peer_segs));
	run->comm_ns = calloc((size_t)cap + 1, sizeof(*run->comm_ns));
	if (!run->syscall_acc || !run->disk_acc || !run->peer_segs || !run->comm_ns ||
	    prom_slots_init(&run->syscalls, cap) || prom_slots_init(&run->disks, cap) ||
	    prom_slots_init(&run->peers, cap) || prom_slots_init(&run->comms, cap))
		return -ENOMEM;
	return 0;
}

static void free_state(struct serve_run *run)
{
	sre_map_free(&run->comm_seen);
	syslat_reader_free(&run->syslat_reader);
	free(run->syscall_acc);
	free(run->disk_acc);
	free(run->peer_segs);
	free(run->comm_ns);
	prom_slots_free(&run->syscalls);
	prom_slots_free(&run->disks);
	prom_slots_free(&run->peers);
	prom_slots_free(&run->comms);
	sre_rows_free(&run->syslat_prev);
	sre_rows_free(&run->bio_prev);
}

static int serve_loop(struct serve_run *run)
{
	double start = sre_mono_now_s(), last = start;
	const struct sre_opts *o = &run->session.opts;
	int err = 0;

	while (!err && !sre_stop_requested()) {
		double now = sre_mono_now_s();

		if (o->duration_s > 0 && now - start >= o->duration_s)
			break;
		/* Between scrapes too: 32-bit kernel buckets must not wrap
		 * unseen, and drained maps must not fill. */
		if (now - last >= (double)run->cfg.refresh_s) {
			err = refresh(run);
			last = now;
		}
		if (!err)
			err = http_serve_once(run->http, 500, on_request, run);
	}
	if (err)
		sre_error(o, "%s", strerror(-err));
	return err;
}

static int serve_main(int argc, char **argv)
{
	struct serve_run run = {
		.cfg = { .listen = "127.0.0.1:9464", .want = { true, true, true, true }, .max_series = 50,
			 .refresh_s = 5 },
		.stats_fd = -1,
	};
	struct sre_session *ss = &run.session;
	int err;

	err = sre_parse_options(argc, argv, &serve_spec, &ss->opts, &run.cfg);
	if (err)
		return err > 0 ? 0 : 2;
	if (ss->opts.command) {
		sre_error(&ss->opts, "serve runs until stopped; it does not take a command");
		return 2;
	}
	if (ss->opts.output || ss->opts.interval_s) {
		sre_error(&ss->opts, "serve answers on HTTP: -o does not apply");
		return 2;
	}
	err = alloc_state(&run);
	if (err)
		goto cleanup;
	/* The socket first: a bad address is bad input (exit 2), and a taken
	 * port is cheaper to report before anything is loaded. */
	run.http = http_listen("serve", run.cfg.listen, &err);
	if (!run.http) {
		free_state(&run);
		return err == -EINVAL ? 2 : 1;
	}
	err = sre_session_start(ss);
	if (!err)
		err = load_tools(&run);
	if (err)
		goto cleanup;
	if (run.cfg.bpf_stats) {
		run.stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (run.stats_fd < 0)
			fprintf(stderr, "sretrace serve: cannot turn on BPF statistics: %s\n", strerror(-run.stats_fd));
	}
	fprintf(stderr, "sretrace serve: metrics on http://%s/metrics (", run.cfg.listen);
	for (int t = 0, first = 1; t < NTOOLS; t++)
		if (run.cfg.want[t]) {
			fprintf(stderr, "%s%s", first ? "" : ",", tool_names[t]);
			first = 0;
		}
	fprintf(stderr, ")\n");
	err = serve_loop(&run);

cleanup:
	if (run.stats_fd >= 0)
		close(run.stats_fd);
	http_close(run.http);
	for (int t = 0; t < NTOOLS; t++)
		if (run.probes[t])
			serve_tools[t]->unload(run.probes[t]);
	free_state(&run);
	return err ? 1 : 0;
}

const struct sre_tool serve_tool = { .spec = &serve_spec, .main = serve_main };
