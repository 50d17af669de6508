/* triage's renderers: the findings and tables as plain text or Markdown
 * (one printer for both, the markers chosen once per format), HTML
 * around the Markdown, and JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/core/hist.h"
#include "lib/core/json.h"
#include "lib/core/names.h"
#include "triage/report.h"

/* ---- text and Markdown ---- */

/* What differs between the terminal summary and report.md: markers only.
 * The tables are preformatted text in both, a code block in Markdown. */
struct report_style {
	const char *title;       /* before the first line */
	const char *head_open;   /* before a section's name */
	const char *head_close;  /* after it: opens the section's table */
	const char *block_end;   /* closes a table */
	const char *list_open;   /* after the findings' heading: a list, no table */
	const char *indent;      /* before a finding, or a sentence outside a table */
	const char *strong;      /* around a finding's title */
	const char *next_line;   /* a finding's evidence and advice */
	const char *arrow;       /* before the advice */
	bool dir_hint;           /* end with where the report directory is */
};

static const struct report_style text_style = {
	.title = "",
	.head_open = "\n",
	.head_close = "\n",
	.block_end = "",
	.list_open = "\n",
	.indent = "  ",
	.strong = "",
	.next_line = "\n     ",
	.arrow = "->",
	.dir_hint = true,
};

/* Two spaces before a newline: a line break inside a list item. */
static const struct report_style markdown_style = {
	.title = "# ",
	.head_open = "\n## ",
	.head_close = "\n\n```\n",
	.block_end = "```\n",
	.list_open = "\n\n",
	.indent = "",
	.strong = "**",
	.next_line = "  \n   ",
	.arrow = "→",
	.dir_hint = false,
};

static void heading(FILE *f, const struct report_style *s, const char *text)
{
	fprintf(f, "%s%s%s", s->head_open, text, s->head_close);
}

static void end_block(FILE *f, const struct report_style *s)
{
	fputs(s->block_end, f);
}

static void print_time(FILE *f, const struct sre_triage_data *d, const struct report_style *s)
{
	char t[32];

	heading(f, s, "Where the threads' time went");
	sre_triage_human_ns(t, sizeof(t), (double)d->on_ns);
	fprintf(f, "  %-30s %12s %6.1f%%\n", "on CPU", t, sre_triage_pct(d->on_ns, d->busy_ns));
	for (int r = 0; r < SRE_WAIT_NREASONS; r++) {
		char label[64];

		if (r == SRE_WAIT_IDLE)
			continue;
		snprintf(label, sizeof(label), "off CPU: %s", sre_wait_reason_name((enum sre_wait_reason)r));
		sre_triage_human_ns(t, sizeof(t), (double)d->wait_ns[r]);
		fprintf(f, "  %-30s %12s %6.1f%%\n", label, t, sre_triage_pct(d->wait_ns[r], d->busy_ns));
	}
	sre_triage_human_ns(t, sizeof(t), (double)d->wait_ns[SRE_WAIT_IDLE]);
	fprintf(f, "  (idle waits for work — epoll, condition variables, pipes, idle kernel threads — %s, not counted)\n",
		t);
	end_block(f, s);
}

static void print_syscalls(FILE *f, const struct sre_triage_data *d, const struct report_style *s)
{
	const struct sre_rows *rs = &d->service_syscalls;
	char idle[32];

	heading(f, s, "Top syscalls by total latency");
	fprintf(f, "  %-18s %-28s %10s %12s %12s\n", "SYSCALL", "PROCESS", "CALLS", "TOTAL", "P99");
	for (size_t i = 0; i < rs->n && i < 10; i++) {
		const struct sre_row *r = &rs->rows[i];
		const char *name = sre_syscall_name((int)r->key2);
		char proc[48], tot[32], p99[32];

		sre_triage_service_name(d, r->key1, r->comm, proc, sizeof(proc));
		sre_triage_human_ns(tot, sizeof(tot), (double)r->total_ns);
		sre_triage_human_ns(p99, sizeof(p99), sre_row_quantile(r, 0.99));
		fprintf(f, "  %-18s %-28s %10" PRIu64 " %12s %12s\n", name ? name : "?", proc, r->count, tot, p99);
	}
	if (!rs->n)
		fputs("  (none traced)\n", f);
	sre_triage_human_ns(idle, sizeof(idle), (double)d->idle_syscall_ns);
	fprintf(f, "  (idle waits — epoll, poll, reads of a client's next request — %s, left out)\n", idle);
	end_block(f, s);
}

static void print_disks(FILE *f, const struct sre_triage_data *d, const struct report_style *s)
{
	int shown = 0;

	heading(f, s, "Disks");
	fprintf(f, "  %-10s %-11s %10s %10s %10s %12s %12s\n", "DISK", "OP", "REQUESTS", "IOPS", "MB/s", "P95", "P99");
	for (size_t i = 0; i < d->ndisks; i++) {
		const struct sre_triage_disk *k = &d->disks[i];
		char disk[32], p95[32], p99[32], op[24];

		if (!k->count)
			continue;
		/* Synchronous requests apart: a process waits for those. */
		biolat_op_label(k->op, ' ', op, sizeof(op));
		biolat_disk_name(k->dev, disk, sizeof(disk));
		sre_triage_human_ns(p95, sizeof(p95), hist_quantile(&k->hist, 0.95, 0));
		sre_triage_human_ns(p99, sizeof(p99), hist_quantile(&k->hist, 0.99, 0));
		fprintf(f, "  %-10s %-11s %10" PRIu64 " %10.0f %10.2f %12s %12s\n", disk, op, k->count,
			(double)k->count / d->elapsed_s, (double)k->bytes / d->elapsed_s / 1e6, p95, p99);
		shown++;
	}
	if (!shown)
		fputs("  (no block I/O traced)\n", f);
	end_block(f, s);
}

static void print_flows(FILE *f, const struct sre_triage_data *d, const struct report_style *s)
{
	heading(f, s, "TCP retransmits");
	fprintf(f, "  %-30s %8s %10s %7s  %s\n", "PEER", "RETRANS", "SEGS_OUT", "RATE%", "PROCESS");
	for (size_t i = 0; i < d->nflows && i < 10; i++) {
		const struct sre_triage_flow *fl = &d->flows[i];
		char peer[64];

		snprintf(peer, sizeof(peer), strchr(fl->raddr, ':') ? "[%s]:%u" : "%s:%u", fl->raddr, fl->rport);
		fprintf(f, "  %-30s %8" PRIu64 " %10u %7.2f  %s (%u)\n", peer, fl->retrans_segs, fl->segs_out,
			sre_triage_pct(fl->total_retrans, fl->segs_out), fl->pid ? fl->comm : "?", fl->pid);
	}
	if (!d->nflows)
		fputs("  (none)\n", f);
	end_block(f, s);
}

static void print_findings(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			   const struct report_style *s)
{
	fprintf(f, "%sFindings, largest first%s", s->head_open, s->list_open);
	for (int i = 0; i < d->nfindings; i++) {
		const struct sre_triage_finding *x = &d->findings[i];

		fprintf(f, "%s%d. %s[%s] %s%s%s%s%s%s %s\n", s->indent, i + 1, s->strong, x->kind, x->title, s->strong,
			s->next_line, x->evidence, s->next_line, s->arrow, x->advice);
	}
	if (!d->nfindings)
		fprintf(f, "%sNothing reached the thresholds (%.0f%% of busy thread time and of one thread's wall time, "
			   "%.1f%% retransmits, disk p99 %.0f ms): no single bottleneck stands out.\n", s->indent,
			100 * th->min_share, 100 * th->retrans_rate, (double)th->disk_p99_ns / 1e6);
}

static void print_summary(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			  const struct report_style *s)
{
	char host[64] = "?", bpf[32], self[32];
	uint64_t lost = d->offcpu_cnt[SRE_CNT_MISSED] + d->offcpu_cnt[SRE_CNT_STACK_LOST] +
			d->offcpu_cnt[SRE_CNT_COPY_DROPS] + d->oncpu_cnt[SRE_CNT_MISSED] +
			d->oncpu_cnt[SRE_CNT_STACK_LOST] + d->oncpu_cnt[SRE_CNT_COPY_DROPS];

	gethostname(host, sizeof(host) - 1);
	fprintf(f, "%ssretrace triage: %.1f s on %s, %d CPUs, %s\n", s->title, d->elapsed_s, host, d->ncpu,
		d->scope ? d->scope : "the whole host");
	print_time(f, d, s);
	print_syscalls(f, d, s);
	print_disks(f, d, s);
	print_flows(f, d, s);
	print_findings(f, d, th, s);
	heading(f, s, "Overhead");
	sre_triage_human_ns(self, sizeof(self), (double)d->self_cpu_ns);
	if (d->bpf_stats) {
		sre_triage_human_ns(bpf, sizeof(bpf), (double)d->bpf_run_ns);
		fprintf(f, "  BPF programs: %" PRIu64 " runs, %s of CPU = %.2f%% of the %.1f CPU-seconds traced "
			   "(scaled from %.1f s of run-time statistics); sretrace itself: %s\n", d->bpf_runs, bpf,
			sre_triage_pct(d->bpf_run_ns, (uint64_t)(d->elapsed_s * d->ncpu * 1e9)), d->elapsed_s * d->ncpu,
			d->bpf_stats_s, self);
	} else {
		fprintf(f, "  BPF run-time statistics unavailable; sretrace itself: %s of CPU\n", self);
	}
	if (lost)
		fprintf(f, "  %" PRIu64 " events or stacks lost to full maps (shares are a lower bound)\n", lost);
	end_block(f, s);
	if (d->dir && s->dir_hint)
		fprintf(f, "\nReport: %s/ (report.md, report.html, oncpu.svg, offcpu.svg, *.folded, *.json)\n", d->dir);
}

void sre_triage_print_text(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	print_summary(f, d, th, &text_style);
}

void sre_triage_print_markdown(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	print_summary(f, d, th, &markdown_style);
}

/* ---- HTML ---- */

static void html_escape(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(s[i], f);
		}
	}
}

/* A flame graph from dir, in an iframe: its script and ids stay its own. */
static void embed_svg(FILE *f, const char *dir, const char *name, const char *title)
{
	char path[4096], *buf = NULL;
	size_t len = 0, n;
	char chunk[65536];
	FILE *in, *m;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "r");
	m = open_memstream(&buf, &len);
	if (!in || !m) {
		if (in)
			fclose(in);
		if (m)
			fclose(m);
		free(buf);
		return;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(in);
	fclose(m);
	fprintf(f, "<h2>%s</h2>\n<iframe title=\"%s\" style=\"width:100%%;height:640px;border:0\" srcdoc=\"", title, title);
	html_escape(f, buf, len);
	fputs("\"></iframe>\n", f);
	free(buf);
}

int sre_triage_print_html(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			  const char *dir)
{
	char *md = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&md, &len);

	if (!m)
		return -ENOMEM;
	sre_triage_print_markdown(m, d, th);
	fclose(m);
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sretrace triage</title>\n"
	      "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;overflow-x:auto}"
	      "</style></head><body>\n<pre>", f);
	html_escape(f, md, len);
	fputs("</pre>\n", f);
	embed_svg(f, dir, "oncpu.svg", "On-CPU flame graph");
	embed_svg(f, dir, "offcpu.svg", "Off-CPU flame graph");
	fputs("</body></html>\n", f);
	free(md);
	return 0;
}

/* ---- JSON ---- */

void sre_triage_print_json(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	struct sre_json j;

	sre_json_init(&j, f);
	sre_json_object(&j, NULL);
	sre_json_string(&j, "tool", "triage");
	sre_json_fixed(&j, "elapsed_s", d->elapsed_s, 3);
	sre_json_int(&j, "cpus", d->ncpu);
	sre_json_string(&j, "scope", d->command ? d->command : "host");
	sre_json_string(&j, "traced", d->scope ? d->scope : "the whole host");
	sre_json_object(&j, "thresholds");
	sre_json_fixed(&j, "min_share", th->min_share, 4);
	sre_json_fixed(&j, "retrans_rate", th->retrans_rate, 4);
	sre_json_uint(&j, "disk_p99_ns", th->disk_p99_ns);
	sre_json_end(&j);
	sre_json_uint(&j, "busy_ns", d->busy_ns);
	sre_json_object(&j, "time_ns");
	sre_json_uint(&j, "on_cpu", d->on_ns);
	for (int r = 0; r < SRE_WAIT_NREASONS; r++)
		sre_json_uint(&j, sre_wait_reason_name((enum sre_wait_reason)r), d->wait_ns[r]);
	sre_json_end(&j);
	sre_json_array(&j, "findings");
	for (int i = 0; i < d->nfindings; i++) {
		const struct sre_triage_finding *x = &d->findings[i];

		sre_json_object(&j, NULL);
		sre_json_int(&j, "rank", i + 1);
		sre_json_string(&j, "kind", x->kind);
		sre_json_uint(&j, "weight_ns", x->weight_ns);
		sre_json_string(&j, "title", x->title);
		sre_json_string(&j, "evidence", x->evidence);
		sre_json_string(&j, "advice", x->advice);
		sre_json_end(&j);
	}
	sre_json_end(&j);
	sre_json_object(&j, "overhead");
	sre_json_bool(&j, "bpf_stats", d->bpf_stats);
	sre_json_fixed(&j, "bpf_stats_s", d->bpf_stats_s, 3);
	sre_json_uint(&j, "bpf_run_ns", d->bpf_run_ns);
	sre_json_uint(&j, "bpf_runs", d->bpf_runs);
	sre_json_uint(&j, "self_cpu_ns", d->self_cpu_ns);
	sre_json_end(&j);
	sre_json_end(&j); /* the document: ends the line */
}
