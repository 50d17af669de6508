/* What triage's reports say (triage/view.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/core/hist.h"
#include "lib/core/names.h"
#include "triage/view.h"

/* A new row, its cells empty; NULL when out of memory. */
static char (*add_row(struct sre_table *t))[SRE_TABLE_CELL]
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		void *p = realloc(t->cells, cap * sizeof(*t->cells));

		if (!p)
			return NULL;
		t->cells = p;
		t->cap = cap;
	}
	memset(t->cells[t->nrows], 0, sizeof(*t->cells));
	return t->cells[t->nrows++];
}

__attribute__((format(printf, 2, 3))) static void cell(char *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c, SRE_TABLE_CELL, fmt, ap);
	va_end(ap);
}

static void human(char *c, double ns)
{
	sre_triage_human_ns(c, SRE_TABLE_CELL, ns);
}

static int time_table(const struct sre_triage_data *d, struct sre_table *t)
{
	char (*row)[SRE_TABLE_CELL];
	char idle[32];

	*t = (struct sre_table){ .title = "Where the threads' time went", .ncols = 3,
				 .head = { "", "TIME", "SHARE" }, .width = { -30, 12, 7 } };
	if (!(row = add_row(t)))
		return -ENOMEM;
	cell(row[0], "on CPU");
	human(row[1], (double)d->on_ns);
	cell(row[2], "%.1f%%", sre_triage_pct(d->on_ns, d->busy_ns));
	for (int r = 0; r < SRE_WAIT_NREASONS; r++) {
		if (r == SRE_WAIT_IDLE)
			continue;
		if (!(row = add_row(t)))
			return -ENOMEM;
		cell(row[0], "off CPU: %s", sre_wait_reason_name((enum sre_wait_reason)r));
		human(row[1], (double)d->wait_ns[r]);
		cell(row[2], "%.1f%%", sre_triage_pct(d->wait_ns[r], d->busy_ns));
	}
	sre_triage_human_ns(idle, sizeof(idle), (double)d->wait_ns[SRE_WAIT_IDLE]);
	snprintf(t->note, sizeof(t->note),
		 "(idle waits for work — epoll, condition variables, pipes, idle kernel threads — %s, not counted)", idle);
	return 0;
}

static int syscall_table(const struct sre_triage_data *d, struct sre_table *t)
{
	const struct sre_rows *rs = &d->service_syscalls;
	char idle[32];

	*t = (struct sre_table){ .title = "Top syscalls by total latency", .ncols = 5, .text_head = true,
				 .head = { "SYSCALL", "PROCESS", "CALLS", "TOTAL", "P99" },
				 .width = { -18, -28, 10, 12, 12 }, .empty = "(none traced)" };
	for (size_t i = 0; i < rs->n && i < 10; i++) {
		const struct sre_row *r = &rs->rows[i];
		const char *name = sre_syscall_name((int)r->key2);
		char (*row)[SRE_TABLE_CELL] = add_row(t);

		if (!row)
			return -ENOMEM;
		cell(row[0], "%s", name ? name : "?");
		sre_triage_service_name(d, r->key1, r->comm, row[1], SRE_TABLE_CELL);
		cell(row[2], "%" PRIu64, r->count);
		human(row[3], (double)r->total_ns);
		human(row[4], sre_row_quantile(r, 0.99));
	}
	sre_triage_human_ns(idle, sizeof(idle), (double)d->idle_syscall_ns);
	snprintf(t->note, sizeof(t->note), "(idle waits — epoll, poll, reads of a client's next request — %s, left out)",
		 idle);
	return 0;
}

static int disk_table(const struct sre_triage_data *d, struct sre_table *t)
{
	*t = (struct sre_table){ .title = "Disks", .ncols = 7, .text_head = true,
				 .head = { "DISK", "OP", "REQUESTS", "IOPS", "MB/s", "P95", "P99" },
				 .width = { -10, -11, 10, 10, 10, 12, 12 }, .empty = "(no block I/O traced)" };
	for (size_t i = 0; i < d->ndisks; i++) {
		const struct sre_triage_disk *k = &d->disks[i];
		char (*row)[SRE_TABLE_CELL];

		if (!k->count)
			continue;
		if (!(row = add_row(t)))
			return -ENOMEM;
		biolat_disk_name(k->dev, row[0], SRE_TABLE_CELL);
		/* Synchronous requests apart: a process waits for those. */
		biolat_op_label(k->op, ' ', row[1], SRE_TABLE_CELL);
		cell(row[2], "%" PRIu64, k->count);
		cell(row[3], "%.0f", (double)k->count / d->elapsed_s);
		cell(row[4], "%.2f", (double)k->bytes / d->elapsed_s / 1e6);
		human(row[5], hist_quantile(&k->hist, 0.95, 0));
		human(row[6], hist_quantile(&k->hist, 0.99, 0));
	}
	return 0;
}

static int flow_table(const struct sre_triage_data *d, struct sre_table *t)
{
	*t = (struct sre_table){ .title = "TCP retransmits", .ncols = 5, .text_head = true,
				 .head = { "PEER", "RETRANS", "SEGS_OUT", "RATE%", "PROCESS" },
				 .width = { -30, 8, 10, 7, -1 }, .empty = "(none)" };
	for (size_t i = 0; i < d->nflows && i < 10; i++) {
		const struct sre_triage_flow *fl = &d->flows[i];
		char (*row)[SRE_TABLE_CELL] = add_row(t);

		if (!row)
			return -ENOMEM;
		cell(row[0], strchr(fl->raddr, ':') ? "[%s]:%u" : "%s:%u", fl->raddr, fl->rport);
		cell(row[1], "%" PRIu64, fl->retrans_segs);
		cell(row[2], "%u", fl->segs_out);
		cell(row[3], "%.2f", sre_triage_pct(fl->total_retrans, fl->segs_out));
		cell(row[4], "%s (%u)", fl->pid ? fl->comm : "?", fl->pid);
	}
	return 0;
}

static uint64_t stack_losses(const uint64_t *c)
{
	return c[SRE_CNT_MISSED] + c[SRE_CNT_STACK_LOST] + c[SRE_CNT_COPY_DROPS] + c[SRE_CNT_DROPS] +
	       c[SRE_CNT_UNENDED];
}

/* A full map or ring anywhere makes shares a lower bound: every tool's. */
uint64_t sre_triage_lost(const struct sre_triage_data *d, uint64_t by[SRE_LOST_N])
{
	uint64_t sum = 0;

	by[SRE_LOST_OFFCPU] = stack_losses(d->offcpu_cnt);
	by[SRE_LOST_ONCPU] = stack_losses(d->oncpu_cnt);
	by[SRE_LOST_SYSCALLS] = d->syslat_cnt[SRE_CNT_MISSED] + d->syslat_cnt[SRE_CNT_DROPS];
	by[SRE_LOST_DISK] = d->biolat_cnt[SRE_CNT_MISSED] + d->biolat_cnt[SRE_CNT_DROPS];
	by[SRE_LOST_TCP] = d->tcp_cnt[SRE_CNT_MISSED] + d->tcp_cnt[SRE_CNT_DROPS];
	for (int i = 0; i < SRE_LOST_N; i++)
		sum += by[i];
	return sum;
}

static void sentences(const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
		      struct sre_triage_view *v)
{
	char host[64] = "?", bpf[32], self[32];
	uint64_t by[SRE_LOST_N], lost = sre_triage_lost(d, by);

	gethostname(host, sizeof(host) - 1);
	snprintf(v->headline, sizeof(v->headline), "sretrace triage: %.1f s on %s, %d CPUs, %s", d->elapsed_s, host,
		 d->ncpu, d->scope ? d->scope : "the whole host");
	snprintf(v->no_findings, sizeof(v->no_findings),
		 "Nothing reached the thresholds (%.0f%% of busy thread time and of one thread's wall time, "
		 "%.1f%% retransmits, disk p99 %.0f ms): no single bottleneck stands out.",
		 100 * th->min_share, 100 * th->retrans_rate, (double)th->disk_p99_ns / 1e6);
	sre_triage_human_ns(self, sizeof(self), (double)d->self_cpu_ns);
	if (d->bpf_stats) {
		sre_triage_human_ns(bpf, sizeof(bpf), (double)d->bpf_run_ns);
		snprintf(v->overhead, sizeof(v->overhead),
			 "BPF programs: %" PRIu64 " runs, %s of CPU = %.2f%% of the %.1f CPU-seconds traced "
			 "(scaled from %.1f s of run-time statistics); sretrace itself: %s",
			 d->bpf_runs, bpf, sre_triage_pct(d->bpf_run_ns, (uint64_t)(d->elapsed_s * d->ncpu * 1e9)),
			 d->elapsed_s * d->ncpu, d->bpf_stats_s, self);
	} else {
		snprintf(v->overhead, sizeof(v->overhead), "BPF run-time statistics unavailable; sretrace itself: %s of CPU",
			 self);
	}
	if (lost)
		snprintf(v->lost, sizeof(v->lost),
			 "%" PRIu64 " events or stacks lost to full maps or rings (shares are a lower bound): "
			 "off-CPU %" PRIu64 ", on-CPU %" PRIu64 ", syscalls %" PRIu64 ", disk %" PRIu64 ", TCP %" PRIu64,
			 lost, by[SRE_LOST_OFFCPU], by[SRE_LOST_ONCPU], by[SRE_LOST_SYSCALLS], by[SRE_LOST_DISK],
			 by[SRE_LOST_TCP]);
}

int sre_triage_view(const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
		    struct sre_triage_view *v)
{
	struct sre_table *t = v->tables;
	int err;

	memset(v, 0, sizeof(*v));
	sentences(d, th, v);
	if ((err = time_table(d, &t[SRE_TABLE_TIME])) || (err = syscall_table(d, &t[SRE_TABLE_SYSCALLS])) ||
	    (err = disk_table(d, &t[SRE_TABLE_DISKS])) || (err = flow_table(d, &t[SRE_TABLE_FLOWS]))) {
		sre_triage_view_free(v);
		return err;
	}
	return 0;
}

void sre_triage_view_free(struct sre_triage_view *v)
{
	for (int i = 0; i < SRE_TABLE_N; i++) {
		free(v->tables[i].cells);
		v->tables[i].cells = NULL;
		v->tables[i].nrows = v->tables[i].cap = 0;
	}
}
