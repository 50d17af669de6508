/* triage's renderers: the findings and tables as plain text or Markdown
 * (one printer for both, the markers chosen once per format), and JSON.
 * report.html is triage/report_html.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/core/hist.h"
#include "lib/core/json.h"
#include "lib/core/names.h"
#include "triage/report.h"
#include "triage/view.h"

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

/* A table as padded columns, two spaces in, one between columns. */
static void print_table(FILE *f, const struct sre_table *t, const struct report_style *s)
{
	heading(f, s, t->title);
	for (size_t r = 0; r < t->nrows + (t->text_head ? 1 : 0); r++) {
		fputs(" ", f);
		for (int c = 0; c < t->ncols; c++) {
			const char *v = t->text_head ? (r ? t->cells[r - 1][c] : t->head[c]) : t->cells[r][c];

			fprintf(f, " %*s", c == t->ncols - 1 && t->width[c] < 0 ? 0 : t->width[c], v);
		}
		fputc('\n', f);
	}
	if (!t->nrows && t->empty)
		fprintf(f, "  %s\n", t->empty);
	if (t->note[0])
		fprintf(f, "  %s\n", t->note);
	end_block(f, s);
}

static void print_findings(FILE *f, const struct sre_triage_data *d, const struct sre_triage_view *v,
			   const struct report_style *s)
{
	fprintf(f, "%sFindings, largest first%s", s->head_open, s->list_open);
	for (int i = 0; i < d->nfindings; i++) {
		const struct sre_triage_finding *x = &d->findings[i];

		fprintf(f, "%s%d. %s[%s] %s%s%s%s%s%s %s\n", s->indent, i + 1, s->strong, x->kind, x->title, s->strong,
			s->next_line, x->evidence, s->next_line, s->arrow, x->advice);
	}
	if (!d->nfindings)
		fprintf(f, "%s%s\n", s->indent, v->no_findings);
}

static int print_summary(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			 const struct report_style *s)
{
	struct sre_triage_view v;

	if (sre_triage_view(d, th, &v))
		return -ENOMEM;
	fprintf(f, "%s%s\n", s->title, v.headline);
	for (int i = 0; i < SRE_TABLE_N; i++)
		print_table(f, &v.tables[i], s);
	print_findings(f, d, &v, s);
	heading(f, s, "Overhead");
	fprintf(f, "  %s\n", v.overhead);
	if (v.lost[0])
		fprintf(f, "  %s\n", v.lost);
	end_block(f, s);
	if (d->dir && s->dir_hint)
		fprintf(f, "\nReport: %s/ (report.md, report.html, oncpu.svg, offcpu.svg, *.folded, *.json)\n", d->dir);
	sre_triage_view_free(&v);
	return 0;
}

int sre_triage_print_text(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	return print_summary(f, d, th, &text_style);
}

int sre_triage_print_markdown(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th)
{
	return print_summary(f, d, th, &markdown_style);
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
	{
		uint64_t by[SRE_LOST_N], total = sre_triage_lost(d, by);
		static const char *const where[SRE_LOST_N] = { "offcpu", "oncpu", "syscalls", "disk", "tcp" };

		sre_json_object(&j, "lost");
		sre_json_uint(&j, "total", total);
		for (int i = 0; i < SRE_LOST_N; i++)
			sre_json_uint(&j, where[i], by[i]);
		sre_json_end(&j);
	}
	sre_json_end(&j); /* the document: ends the line */
}
