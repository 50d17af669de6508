/* Flame graph SVG renderer: the merged frame tree drawn as one SVG with
 * a small script for tooltips, click-to-zoom and regex search.
 *
 * Determinism: children are laid out in name order (as flamegraph.pl
 * does), colours come from a hash of the frame name, so the same stacks
 * give the same picture whatever the input order. */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "lib/fmt/flamegraph.h"

#define FG_FRAME_HEIGHT 16
#define FG_FONT_SIZE 12
#define FG_FONT_WIDTH 0.59
#define FG_XPAD 10
#define FG_TOP 60     /* title, subtitle, buttons */
#define FG_BOTTOM 34  /* details line */

/* XML text: escapes markup, drops bytes XML 1.0 cannot carry, and
 * replaces invalid UTF-8 so the document stays well-formed. */
static void xml_escape(FILE *out, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	while (*p && chars < max_chars) {
		int len = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		bool ok = len > 0;

		for (int i = 1; ok && i < len; i++)
			ok = (p[i] >> 6) == 2;
		chars++;
		if (!ok) {
			fputc('?', out);
			p++;
			continue;
		}
		if (len > 1) {
			fwrite(p, 1, (size_t)len, out);
			p += len;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default: fputc(*p < 0x20 && *p != '\t' ? '?' : *p, out); break;
		}
		p++;
	}
}

/* FNV-1a with its standard offset basis. Colours are output, so this is
 * not sre_hash_bytes (whose basis differs) and must never change. */
static uint64_t colour_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Deterministic per name: the same function gets the same colour in
 * every graph. */
static void frame_colour(const struct fg_node *n, double before, enum fg_palette pal, bool diff, double max_delta,
			 char *buf, size_t len)
{
	uint64_t h = colour_hash(n->name);
	double v1 = (double)(h & 0xff) / 255.0, v2 = (double)((h >> 8) & 0xff) / 255.0;
	double v3 = (double)((h >> 16) & 0xff) / 255.0;

	if (diff) {
		double d = n->value - before;
		int shade = max_delta > 0 ? (int)(210 * (1 - fabs(d) / max_delta)) : 210;

		if (d > 0)
			snprintf(buf, len, "rgb(255,%d,%d)", shade, shade);  /* grew: red */
		else if (d < 0)
			snprintf(buf, len, "rgb(%d,%d,255)", shade, shade);  /* shrank: blue */
		else
			snprintf(buf, len, "rgb(250,250,250)");
		return;
	}
	/* Kernel and user frames take hues that never meet, so the boundary
	 * shows at a glance: hot: user red (blue channel >= 50), kernel orange
	 * (blue <= 20, green >= 140); io: user blue (green <= red + 20),
	 * kernel teal (green >= red + 80). */
	switch (pal) {
	case FG_IO:
		if (n->kernel)
			snprintf(buf, len, "rgb(%d,%d,%d)", 30 + (int)(40 * v1), 150 + (int)(50 * v2), 160 + (int)(50 * v3));
		else
			snprintf(buf, len, "rgb(%d,%d,%d)", 80 + (int)(60 * v1), 80 + (int)(60 * v1), 190 + (int)(55 * v2));
		break;
	case FG_MEM:
		snprintf(buf, len, "rgb(%d,%d,%d)", (int)(50 * v2), 190 + (int)(50 * v1), (int)(210 * v3));
		break;
	default:
		if (n->kernel)
			snprintf(buf, len, "rgb(%d,%d,%d)", 235 + (int)(20 * v1), 140 + (int)(60 * v2), (int)(20 * v3));
		else
			snprintf(buf, len, "rgb(%d,%d,%d)", 200 + (int)(55 * v3), 50 + (int)(80 * v1), 50 + (int)(60 * v2));
		break;
	}
}

/* Off-CPU input when most of the time sits under frames that wait. */
static bool looks_off_cpu(const struct fg_graph *g)
{
	static const char *const waits[] = { "sleep", "wait", "poll", "select", "futex", "schedule", "io_schedule",
					     "pipe_read", "sock_recvmsg", "accept" };
	double waiting = 0;

	for (uint32_t i = 1; i < g->nnodes; i++) {
		const struct fg_node *n = &g->nodes[i];
		bool leaf_wait = false;

		if (n->first_child != UINT32_MAX)
			continue;
		for (uint32_t a = i; a != 0 && !leaf_wait; a = g->nodes[a].parent)
			for (size_t w = 0; w < sizeof(waits) / sizeof(waits[0]) && !leaf_wait; w++)
				leaf_wait = g->nodes[a].kernel && strstr(g->nodes[a].name, waits[w]);
		if (leaf_wait)
			waiting += n->value;
	}
	return g->nodes[0].value > 0 && waiting * 2 > g->nodes[0].value;
}

struct fg_layout {
	struct fg_graph *g;
	const struct fg_options *o;
	FILE *out;
	double scale;        /* pixels per value unit */
	int max_depth;
	int height;
	double max_delta;
	enum fg_palette pal;
	bool diff;
};

/* Depth of the deepest frame wide enough to draw; and the largest change. */
static void measure(struct fg_layout *l, uint32_t id, int depth)
{
	const struct fg_node *n = &l->g->nodes[id];

	if (n->value * l->scale < l->o->minwidth)
		return;
	if (depth > l->max_depth)
		l->max_depth = depth;
	if (fabs(n->value - fg_before(l->g, id)) > l->max_delta)
		l->max_delta = fabs(n->value - fg_before(l->g, id));
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = l->g->nodes[c].next_sibling)
		measure(l, c, depth + 1);
}

static void draw(struct fg_layout *l, uint32_t id, int depth, double x)
{
	const struct fg_node *n = &l->g->nodes[id];
	const struct fg_graph *g = l->g;
	double w = n->value * l->scale, total = g->nodes[0].value;
	int y = l->o->inverted ? FG_TOP + depth * FG_FRAME_HEIGHT
			       : l->height - FG_BOTTOM - (depth + 1) * FG_FRAME_HEIGHT;
	double before = fg_before(g, id);
	char colour[48];
	size_t fit;

	if (w < l->o->minwidth)
		return;
	frame_colour(n, before, l->pal, l->diff, l->max_delta, colour, sizeof(colour));
	fputs("<g class=\"f\"><title>", l->out);
	xml_escape(l->out, n->name, SIZE_MAX);
	fprintf(l->out, " (%.15g %s, %.2f%%", n->value, l->o->countname, total > 0 ? 100.0 * n->value / total : 0);
	if (l->diff)
		fprintf(l->out, "; before %.15g, %+.2f%%", before,
			before > 0 ? 100.0 * (n->value - before) / before : 100.0);
	/* The separators ("-" user|kernel, "--" sleeper|waker) are a gap, not
	 * a frame: no fill, no text; the tooltip still says what they are. */
	if (!strcmp(n->name, "-") || !strcmp(n->name, "--"))
		snprintf(colour, sizeof(colour), "none");
	fprintf(l->out, ")</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\" ry=\"2\"/>",
		x, y, w, FG_FRAME_HEIGHT - 1, colour);
	fit = (size_t)((w - 6) / (FG_FONT_SIZE * FG_FONT_WIDTH));
	fprintf(l->out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FG_FRAME_HEIGHT - 4.5);
	if (fit >= 3 && strcmp(colour, "none")) {
		size_t len = strlen(n->name);

		if (len <= fit) {
			xml_escape(l->out, n->name, SIZE_MAX);
		} else {
			xml_escape(l->out, n->name, fit - 2);
			fputs("..", l->out);
		}
	}
	fputs("</text></g>\n", l->out);

	/* Children were put in name order by fg_sort(). */
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling) {
		draw(l, c, depth + 1, x);
		x += g->nodes[c].value * l->scale;
	}
}
/* The interactive part: tooltips in the details line, click to zoom, reset,
 * Ctrl-F / "Search" with a regular expression and "Matched: N%". A page
 * holding the SVG in a frame (triage's report.html) searches and resets
 * it by postMessage: only highlighting and zoom, nothing else. */
static const char fg_script[] =
	"<script type=\"text/ecmascript\"><![CDATA[\n"
	"'use strict';\n"
	"var svg, details, matchedtxt, resetbtn, frames, W, XPAD = 10, inverted;\n"
	"function init(evt) {\n"
	"  svg = document.documentElement; details = document.getElementById('details');\n"
	"  matchedtxt = document.getElementById('matched'); resetbtn = document.getElementById('unzoom');\n"
	"  W = +svg.getAttribute('width'); inverted = svg.getAttribute('data-inverted') === '1';\n"
	"  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
	"  frames.forEach(function (g) {\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"    g.ox = +r.getAttribute('x'); g.ow = +r.getAttribute('width'); g.oy = +r.getAttribute('y');\n"
	"    g.name = g.querySelector('title').textContent.replace(/ \\([^(]*\\)$/, '');\n"
	"    g.label = t.textContent;\n"
	"    g.addEventListener('click', function () { zoom(g); });\n"
	"    g.addEventListener('mouseover', function () { details.textContent = g.querySelector('title').textContent; });\n"
	"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
	"  });\n"
	"  window.addEventListener('keydown', function (e) {\n"
	"    if ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); search(); }\n"
	"  });\n"
	"  window.addEventListener('message', function (e) {\n"
	"    var m = e.data || {};\n"
	"    if (m.sretrace === 'search' && typeof m.term === 'string') search(m.term);\n"
	"    else if (m.sretrace === 'unzoom') unzoom();\n"
	"  });\n"
	"}\n"
	"function place(g, x, w) {\n"
	"  var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"  r.setAttribute('x', x); r.setAttribute('width', w); t.setAttribute('x', x + 3);\n"
	"  var fit = Math.floor((w - 6) / (12 * 0.59));\n"
	"  t.textContent = fit < 3 ? '' : g.name.length <= fit ? g.name : g.name.substring(0, fit - 2) + '..';\n"
	"  g.style.display = w < 0.1 ? 'none' : '';\n"
	"}\n"
	"function zoom(z) {\n"
	"  var x0 = z.ox, w0 = z.ow, s = (W - 2 * XPAD) / w0;\n"
	"  frames.forEach(function (g) {\n"
	"    var deeper = inverted ? g.oy >= z.oy : g.oy <= z.oy;\n"
	"    if (deeper && g.ox >= x0 - 0.0001 && g.ox + g.ow <= x0 + w0 + 0.0001) {\n"
	"      place(g, XPAD + (g.ox - x0) * s, g.ow * s); g.style.opacity = '';\n"
	"    } else if (!deeper && g.ox <= x0 + 0.0001 && g.ox + g.ow >= x0 + w0 - 0.0001) {\n"
	"      place(g, XPAD, W - 2 * XPAD); g.style.opacity = '0.5';\n"
	"    } else { g.style.display = 'none'; }\n"
	"  });\n"
	"  resetbtn.style.opacity = '1';\n"
	"}\n"
	"function unzoom() {\n"
	"  frames.forEach(function (g) { place(g, g.ox, g.ow); g.style.opacity = ''; });\n"
	"  resetbtn.style.opacity = '0';\n"
	"}\n"
	"function search(term) {\n"
	"  if (term === undefined) term = prompt('Search for (regular expression):', '');\n"
	"  if (term === null) return;\n"
	"  var re; try { re = new RegExp(term); } catch (e) { return; }\n"
	"  var spans = [];\n"
	"  frames.forEach(function (g) {\n"
	"    var r = g.querySelector('rect');\n"
	"    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
	"    if (term !== '' && re.test(g.name)) { r.setAttribute('fill', 'rgb(230,0,230)'); spans.push([g.ox, g.ox + g.ow]); }\n"
	"    else r.setAttribute('fill', r.getAttribute('data-fill'));\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0]; });\n"
	"  var covered = 0, end = -1;\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }\n"
	"    else if (s[1] > end) { covered += s[1] - end; end = s[1]; }\n"
	"  });\n"
	"  var pct = 100 * covered / (W - 2 * XPAD);\n"
	"  matchedtxt.textContent = term === '' ? ' ' : 'Matched: ' + (Math.round(pct * 10) / 10) + '%';\n"
	"  matchedtxt.setAttribute('data-percent', pct.toFixed(4));\n"
	"}\n"
	"]]></script>\n";

int fg_render(struct fg_graph *g, const struct fg_options *o, FILE *out)
{
	struct fg_layout l = { .g = g, .o = o, .out = out };
	double total = g->nodes[0].value;

	if (o->normalize)
		fg_normalize(g);
	/* Frames narrower than minwidth are not drawn, nor anything above them. */
	if (fg_sort(g, total > 0 && o->width > 2.0 * FG_XPAD ? 0.999 * o->minwidth * total / (o->width - 2.0 * FG_XPAD) : 0))
		return -ENOMEM;
	l.diff = g->has_before;
	l.pal = o->palette == FG_AUTO ? (looks_off_cpu(g) ? FG_IO : FG_HOT) : o->palette;
	l.scale = total > 0 ? (o->width - 2.0 * FG_XPAD) / total : 0;
	measure(&l, 0, 0);
	l.height = FG_TOP + (l.max_depth + 1) * FG_FRAME_HEIGHT + FG_BOTTOM;

	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<svg version=\"1.1\" width=\"%d\" height=\"%d\" onload=\"init(evt)\" viewBox=\"0 0 %d %d\" "
		     "data-inverted=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		o->width, l.height, o->width, l.height, o->inverted ? 1 : 0);
	fprintf(out, "<style type=\"text/css\">text { font-family: Verdana, sans-serif; font-size: %dpx; fill: #000; }\n"
		     "g.f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; }\n"
		     "#title { font-size: 17px; text-anchor: middle; } #subtitle { text-anchor: middle; fill: #555; }\n"
		     ".button { cursor: pointer; fill: #333; } .button:hover { fill: #00f; }</style>\n",
		FG_FONT_SIZE);
	fputs(fg_script, out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f8f8f8\"/>\n", o->width, l.height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\">", o->width / 2);
	xml_escape(out, o->title ? o->title : (l.diff ? "Differential Flame Graph" : "Flame Graph"), SIZE_MAX);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"42\">", o->width / 2);
		xml_escape(out, o->subtitle, SIZE_MAX);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text id=\"unzoom\" class=\"button\" x=\"%d\" y=\"24\" onclick=\"unzoom()\" "
		     "style=\"opacity:0\">Reset Zoom</text>\n", FG_XPAD);
	fprintf(out, "<text id=\"search\" class=\"button\" x=\"%d\" y=\"24\" onclick=\"search()\">Search</text>\n",
		o->width - FG_XPAD - 60);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", o->width - FG_XPAD - 120,
		l.height - 12);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", FG_XPAD, l.height - 12);
	if (total > 0)
		draw(&l, 0, 0, FG_XPAD);
	fputs("</svg>\n", out);
	return ferror(out) ? -EIO : 0;
}
