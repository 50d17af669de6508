/* report.html: triage's report as one page that opens from disk with no
 * network. Findings first, then a bar of where the threads' time went,
 * the flame graphs inline (each in a frame of its own, as a data: URL,
 * so its script and ids stay apart; the page's search box and reset
 * reach it by postMessage), the tables, the overhead, and links to the
 * other files of the report directory. Text comes from triage/view.c,
 * the same the terminal shows. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/base64.h"
#include "triage/report.h"
#include "triage/view.h"

static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A word usable in a class name: "cpu wait" -> "cpu-wait". */
static void class_word(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ? *s : '-', f);
}

static const char page_style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#1d1d1f;"
	"background:#fafafa}\n"
	"main{max-width:1260px;margin:0 auto;padding:1.2em 1.5em 3em}\n"
	"header{background:#20232a;color:#fff;padding:1em 1.5em}header h1{margin:0;font-size:1.35em}\n"
	"header p{margin:.3em 0 0;color:#c8ccd4}\n"
	"h2{font-size:1.15em;margin:1.8em 0 .6em;border-bottom:1px solid #ddd;padding-bottom:.2em}\n"
	"ol.findings{padding-left:1.6em}ol.findings li{margin:.2em 0 1em;overflow-wrap:anywhere}\n"
	".kind{display:inline-block;font-size:.8em;font-weight:600;padding:.05em .5em;border-radius:.7em;color:#fff;"
	"background:#777;margin-right:.4em}\n"
	".k-cpu{background:#d9480f}.k-cpu-wait{background:#e8a317}.k-disk{background:#1c6dd0}.k-lock{background:#8e44ad}"
	".k-loss,.k-network{background:#0f8a7e}.k-other{background:#6c757d}\n"
	".ftitle{font-weight:600}.evidence{margin:.25em 0 0;color:#333}.advice{margin:.15em 0 0;color:#0b5e2a}\n"
	".share{color:#555;font-size:.9em;margin-left:.4em}\n"
	"table{border-collapse:collapse;margin:.3em 0;font-size:.93em;background:#fff}\n"
	"th,td{padding:.25em .8em;border-bottom:1px solid #e4e4e4;text-align:left;white-space:nowrap}\n"
	"th{background:#f0f0f0;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	".note{color:#555;font-size:.92em}\n"
	".bar{display:flex;height:28px;border-radius:4px;overflow:hidden;border:1px solid #ccc;margin:.4em 0}\n"
	".bar span{display:block;height:100%}\n"
	".legend{display:flex;flex-wrap:wrap;gap:.3em 1.4em;font-size:.92em;margin:.3em 0 .6em}\n"
	".legend i{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.35em;"
	"vertical-align:-.1em}\n"
	".fgtools{display:flex;gap:.5em;align-items:center;margin:.3em 0}\n"
	".fgtools input{flex:0 1 26em;padding:.25em .4em}\n"
	"iframe.fg{width:100%;border:1px solid #ddd;background:#fff}\n"
	"footer{margin-top:2em;font-size:.9em;color:#555}footer a{margin-right:1em}\n";

/* The page's half of the flame graphs' messages (the SVG's half is in
 * lib/fmt/flamesvg.c): search a regular expression, reset the zoom. */
static const char page_script[] =
	"<script>\n"
	"'use strict';\n"
	"document.querySelectorAll('.fgtools').forEach(function (bar) {\n"
	"  var frame = document.getElementById(bar.dataset.frame), input = bar.querySelector('input');\n"
	"  function send(m) { frame.contentWindow.postMessage(m, '*'); }\n"
	"  bar.querySelector('form').addEventListener('submit', function (e) {\n"
	"    e.preventDefault(); send({ sretrace: 'search', term: input.value });\n"
	"  });\n"
	"  bar.querySelector('.reset').addEventListener('click', function () {\n"
	"    input.value = ''; send({ sretrace: 'search', term: '' }); send({ sretrace: 'unzoom' });\n"
	"  });\n"
	"});\n"
	"</script>\n";

/* Colours of the time bar, by wait reason: on CPU first. */
static const char *const time_colour[] = { "#d9480f", "#e8a317", "#1c6dd0", "#8e44ad", "#0f8a7e", "#4dabf7",
					   "#94d82d", "#868e96", "#f783ac", "#495057" };
#define NCOLOURS (sizeof(time_colour) / sizeof(time_colour[0]))

static void segment(FILE *f, const char *label, uint64_t ns, uint64_t whole, int i, bool legend)
{
	char t[32];
	double pct = whole ? 100.0 * (double)ns / (double)whole : 0;

	if (!ns)
		return;
	sre_triage_human_ns(t, sizeof(t), (double)ns);
	if (legend) {
		fprintf(f, "<span><i style=\"background:%s\"></i>", time_colour[i % NCOLOURS]);
		esc(f, label);
		fprintf(f, " %s (%.1f%%)</span>\n", t, pct);
		return;
	}
	fprintf(f, "<span style=\"width:%.3f%%;background:%s\" title=\"", pct, time_colour[i % NCOLOURS]);
	esc(f, label);
	fprintf(f, ": %s, %.1f%%\"></span>", t, pct);
}

/* Where the threads' time went, as one bar of busy time and a legend. */
static void time_chart(FILE *f, const struct sre_triage_data *d)
{
	for (int pass = 0; pass < 2; pass++) {
		fputs(pass ? "<div class=\"legend\">\n" : "<div class=\"bar\" role=\"img\" aria-label=\"busy time\">", f);
		segment(f, "on CPU", d->on_ns, d->busy_ns, 0, pass);
		for (int r = 0, i = 1; r < SRE_WAIT_NREASONS; r++) {
			char label[64];

			if (r == SRE_WAIT_IDLE)
				continue;
			snprintf(label, sizeof(label), "off CPU: %s", sre_wait_reason_name((enum sre_wait_reason)r));
			segment(f, label, d->wait_ns[r], d->busy_ns, i++, pass);
		}
		fputs("</div>\n", f);
	}
}

/* A table under its heading; the time table with its chart (chart_of). */
static void table(FILE *f, const struct sre_table *t, const char *id, const struct sre_triage_data *chart_of)
{
	fprintf(f, "<section id=\"%s\"><h2>", id);
	esc(f, t->title);
	fputs("</h2>\n", f);
	if (chart_of)
		time_chart(f, chart_of);
	if (t->nrows) {
		fputs("<table>\n<thead><tr>", f);
		for (int c = 0; c < t->ncols; c++) {
			fprintf(f, "<th%s>", t->width[c] > 0 ? " class=\"num\"" : "");
			esc(f, t->head[c]);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n<tbody>\n", f);
		for (size_t r = 0; r < t->nrows; r++) {
			fputs("<tr>", f);
			for (int c = 0; c < t->ncols; c++) {
				fprintf(f, "<td%s>", t->width[c] > 0 ? " class=\"num\"" : "");
				esc(f, t->cells[r][c]);
				fputs("</td>", f);
			}
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	} else if (t->empty) {
		fputs("<p class=\"note\">", f);
		esc(f, t->empty);
		fputs("</p>\n", f);
	}
	if (t->note[0]) {
		fputs("<p class=\"note\">", f);
		esc(f, t->note);
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
}

static void findings(FILE *f, const struct sre_triage_data *d, const struct sre_triage_view *v)
{
	fputs("<section id=\"findings\"><h2>Findings, largest first</h2>\n", f);
	if (!d->nfindings) {
		fputs("<p>", f);
		esc(f, v->no_findings);
		fputs("</p>\n</section>\n", f);
		return;
	}
	fputs("<ol class=\"findings\">\n", f);
	for (int i = 0; i < d->nfindings; i++) {
		const struct sre_triage_finding *x = &d->findings[i];

		fputs("<li class=\"finding\"><span class=\"kind k-", f);
		class_word(f, x->kind);
		fputs("\">", f);
		esc(f, x->kind);
		fputs("</span><span class=\"ftitle\">", f);
		esc(f, x->title);
		fprintf(f, "</span><span class=\"share\">%.1f%% of busy time</span>\n<p class=\"evidence\">",
			sre_triage_pct(x->weight_ns, d->busy_ns));
		esc(f, x->evidence);
		fputs("</p>\n<p class=\"advice\">→ ", f);
		esc(f, x->advice);
		fputs("</p></li>\n", f);
	}
	fputs("</ol>\n</section>\n", f);
}

/* The SVG's height attribute, to size its frame; 0 if not found. */
static int svg_height(const char *head)
{
	const char *svg = strstr(head, "<svg"), *h = svg ? strstr(svg, " height=\"") : NULL;

	return h ? atoi(h + 9) : 0;
}

/* A flame graph from dir inline: a frame on a data: URL of the SVG, with
 * a search box and a reset button. Missing or unreadable: said so. */
static void flame_graph(FILE *f, const char *dir, const char *name, const char *id, const char *title)
{
	static unsigned char chunk[3 * 16384]; /* whole 3-byte groups until the last read */
	char path[4096], head[4096];
	size_t n;
	FILE *in;

	fprintf(f, "<section><h2>%s</h2>\n", title);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	in = fopen(path, "rb");
	n = in ? fread(head, 1, sizeof(head) - 1, in) : 0;
	if (!n) {
		fprintf(f, "<p class=\"note\">(%s could not be read)</p>\n</section>\n", name);
		if (in)
			fclose(in);
		return;
	}
	head[n] = 0;
	rewind(in);
	fprintf(f, "<div class=\"fgtools\" data-frame=\"%s\"><form><input type=\"search\" "
		   "placeholder=\"Search functions (regular expression)\" aria-label=\"search %s\">"
		   "<button type=\"submit\">Search</button></form><button type=\"button\" class=\"reset\">Reset</button>"
		   "<span class=\"note\">Click a frame to zoom; <a href=\"%s\">open alone</a></span></div>\n",
		id, title, name);
	fprintf(f, "<iframe class=\"fg\" id=\"%s\" title=\"%s\" style=\"height:%dpx\" "
		   "src=\"data:image/svg+xml;base64,", id, title, (svg_height(head) ?: 600) + 4);
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
		sre_base64_write(f, chunk, n);
	fclose(in);
	fputs("\"></iframe>\n</section>\n", f);
}

int sre_triage_print_html(FILE *f, const struct sre_triage_data *d, const struct sre_triage_thresholds *th,
			  const char *dir)
{
	static const char *const files[] = { "report.md", "findings.json", "oncpu.svg", "offcpu.svg", "oncpu.folded",
					     "offcpu.folded", "profile.json", "offcpu.json", "syslat.json",
					     "biolat.json", "tcpretrans.json" };
	static const char *const ids[SRE_TABLE_N] = { "time", "syscalls", "disks", "retransmits" };
	struct sre_triage_view v;

	if (sre_triage_view(d, th, &v))
		return -ENOMEM;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>", f);
	esc(f, v.headline);
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<header><h1>sretrace triage</h1><p>", page_style);
	esc(f, v.headline + strlen("sretrace triage: "));
	fputs("</p></header>\n<main>\n", f);
	findings(f, d, &v);
	table(f, &v.tables[SRE_TABLE_TIME], ids[SRE_TABLE_TIME], d);
	flame_graph(f, dir, "oncpu.svg", "fg-oncpu", "On-CPU flame graph");
	flame_graph(f, dir, "offcpu.svg", "fg-offcpu", "Off-CPU flame graph");
	for (int i = SRE_TABLE_TIME + 1; i < SRE_TABLE_N; i++)
		table(f, &v.tables[i], ids[i], NULL);
	fputs("<section id=\"overhead\"><h2>Overhead</h2>\n<p>", f);
	esc(f, v.overhead);
	fputs("</p>\n", f);
	if (v.lost[0]) {
		fputs("<p><strong>", f);
		esc(f, v.lost);
		fputs("</strong></p>\n", f);
	}
	fputs("</section>\n<footer>Files of this report:", f);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		fprintf(f, " <a href=\"%s\">%s</a>", files[i], files[i]);
	fprintf(f, "</footer>\n</main>\n%s</body></html>\n", page_script);
	sre_triage_view_free(&v);
	return ferror(f) ? -EIO : 0;
}
