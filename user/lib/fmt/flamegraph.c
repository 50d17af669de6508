/* Flame graph renderer: folded stacks -> merged frame tree -> SVG with a
 * small script for tooltips, click-to-zoom and regex search.
 *
 * Determinism: children are laid out in name order (as flamegraph.pl
 * does), colours come from a hash of the frame name, so the same stacks
 * give the same picture whatever the input order. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/fmt/flamegraph.h"
#include "lib/core/opts.h"
#include "lib/core/output.h"

#define FG_FRAME_HEIGHT 16
#define FG_FONT_SIZE 12
#define FG_FONT_WIDTH 0.59
#define FG_XPAD 10
#define FG_TOP 60     /* title, subtitle, buttons */
#define FG_BOTTOM 34  /* details line */
#define FG_MAX_DEPTH 8192

struct fg_node {
	uint32_t name;       /* index into names */
	uint32_t parent;
	uint32_t first_child;
	uint32_t next_sibling;
	double value;        /* total, including children */
	double before;       /* --diff: the BEFORE profile's total */
	bool kernel;         /* below the "-" separator or named *_[k] */
};

struct fg_graph {
	struct fg_node *nodes;
	uint32_t nnodes, capnodes;
	char **names;
	uint32_t nnames, capnames;
	/* (parent, name) -> node, open addressing */
	uint32_t *index;
	uint32_t capindex;
	/* name -> name id */
	uint32_t *name_index;
	uint32_t capname_index;
	uint64_t malformed;
	double before_total;
	bool has_before;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static uint64_t hash_pair(uint32_t a, uint32_t b)
{
	uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ULL;

	return h ^ (h >> 29);
}

static int grow_index(uint32_t **index, uint32_t *cap, uint32_t used, uint64_t (*key)(struct fg_graph *, uint32_t),
		      struct fg_graph *g)
{
	uint32_t ncap, *n;

	if ((uint64_t)used * 2 < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	n = malloc(ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	memset(n, 0xff, ncap * sizeof(*n));
	for (uint32_t i = 0; i < *cap; i++) {
		uint32_t v = (*index)[i], slot;

		if (v == UINT32_MAX)
			continue;
		for (slot = (uint32_t)(key(g, v) & (ncap - 1)); n[slot] != UINT32_MAX; slot = (slot + 1) & (ncap - 1))
			;
		n[slot] = v;
	}
	free(*index);
	*index = n;
	*cap = ncap;
	return 0;
}

static uint64_t name_key(struct fg_graph *g, uint32_t id)
{
	return hash_str(g->names[id]);
}

static uint64_t node_key(struct fg_graph *g, uint32_t id)
{
	return hash_pair(g->nodes[id].parent, g->nodes[id].name);
}

static int64_t intern(struct fg_graph *g, const char *s)
{
	uint32_t slot;

	if (grow_index(&g->name_index, &g->capname_index, g->nnames, name_key, g))
		return -ENOMEM;
	for (slot = (uint32_t)(hash_str(s) & (g->capname_index - 1)); g->name_index[slot] != UINT32_MAX;
	     slot = (slot + 1) & (g->capname_index - 1))
		if (!strcmp(g->names[g->name_index[slot]], s))
			return g->name_index[slot];
	if (g->nnames == g->capnames) {
		uint32_t cap = g->capnames ? g->capnames * 2 : 1024;
		char **n = realloc(g->names, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->names = n;
		g->capnames = cap;
	}
	g->names[g->nnames] = strdup(s);
	if (!g->names[g->nnames])
		return -ENOMEM;
	g->name_index[slot] = g->nnames;
	return g->nnames++;
}

static int64_t child(struct fg_graph *g, uint32_t parent, uint32_t name, bool kernel)
{
	uint32_t slot;
	struct fg_node *n;

	if (grow_index(&g->index, &g->capindex, g->nnodes, node_key, g))
		return -ENOMEM;
	for (slot = (uint32_t)(hash_pair(parent, name) & (g->capindex - 1)); g->index[slot] != UINT32_MAX;
	     slot = (slot + 1) & (g->capindex - 1)) {
		n = &g->nodes[g->index[slot]];
		if (n->parent == parent && n->name == name)
			return g->index[slot];
	}
	if (g->nnodes == g->capnodes) {
		uint32_t cap = g->capnodes * 2;
		struct fg_node *nn = realloc(g->nodes, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		g->nodes = nn;
		g->capnodes = cap;
	}
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->parent = parent;
	n->first_child = UINT32_MAX;
	n->next_sibling = g->nodes[parent].first_child;
	n->kernel = kernel;
	g->nodes[parent].first_child = g->nnodes;
	g->index[slot] = g->nnodes;
	return g->nnodes++;
}

struct fg_graph *fg_new(void)
{
	struct fg_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->capnodes = 1024;
	g->nodes = calloc(g->capnodes, sizeof(*g->nodes));
	if (!g->nodes || intern(g, "all") < 0) {
		fg_free(g);
		return NULL;
	}
	g->nodes[0].first_child = UINT32_MAX;
	g->nodes[0].next_sibling = UINT32_MAX;
	g->nodes[0].parent = UINT32_MAX;
	g->nnodes = 1;
	return g;
}

void fg_free(struct fg_graph *g)
{
	if (!g)
		return;
	for (uint32_t i = 0; i < g->nnames; i++)
		free(g->names[i]);
	free(g->names);
	free(g->nodes);
	free(g->index);
	free(g->name_index);
	free(g);
}

uint64_t fg_malformed(const struct fg_graph *g)
{
	return g->malformed;
}

static bool is_kernel_name(const char *s)
{
	size_t n = strlen(s);

	return n > 4 && !strcmp(s + n - 4, "_[k]");
}

int fg_add(struct fg_graph *g, const char *const *frames, int n, double value, bool diff_before)
{
	uint32_t cur = 0;
	bool kernel = false;

	if (diff_before) {
		g->has_before = true;
		g->before_total += value;
		g->nodes[0].before += value;
	} else {
		g->nodes[0].value += value;
	}
	for (int i = 0; i < n; i++) {
		int64_t name, c;

		if (!strcmp(frames[i], "-"))
			kernel = true; /* frames after the separator are the kernel's */
		name = intern(g, frames[i]);
		if (name < 0)
			return -ENOMEM;
		c = child(g, cur, (uint32_t)name, kernel || is_kernel_name(frames[i]));
		if (c < 0)
			return -ENOMEM;
		cur = (uint32_t)c;
		if (diff_before)
			g->nodes[cur].before += value;
		else
			g->nodes[cur].value += value;
	}
	return 0;
}

/* "a;b;c 123" (or "a;b;c 12 34" from difffolded: before after). */
static int add_line(struct fg_graph *g, char *line, bool diff_before, bool reverse)
{
	static const char *frames[FG_MAX_DEPTH];
	char *sp, *end, *stack = line, *tok, *save = NULL;
	double value, before = -1;
	int n = 0;

	line[strcspn(line, "\r\n")] = 0;
	if (!*line || *line == '#')
		return 0;
	sp = strrchr(line, ' ');
	if (!sp || sp == line)
		return 1;
	value = strtod(sp + 1, &end);
	if (*end || !isfinite(value) || value < 0 || end == sp + 1)
		return 1;
	*sp = 0;
	/* A second number before it: two-column differential input. */
	sp = strrchr(line, ' ');
	if (sp) {
		before = strtod(sp + 1, &end);
		if (!*end && end != sp + 1 && isfinite(before) && before >= 0)
			*sp = 0;
		else
			before = -1;
	}
	for (tok = strtok_r(stack, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (n == FG_MAX_DEPTH)
			break; /* deeper frames are merged into the last kept one */
		frames[n++] = tok;
	}
	if (!n)
		return 1;
	if (reverse) {
		for (int i = 0; i < n / 2; i++) {
			const char *t = frames[i];

			frames[i] = frames[n - 1 - i];
			frames[n - 1 - i] = t;
		}
	}
	if (before >= 0 && fg_add(g, frames, n, before, true))
		return -ENOMEM;
	return fg_add(g, frames, n, value, diff_before) ? -ENOMEM : 0;
}

static int read_input(struct fg_graph *g, FILE *f, bool diff_before, bool reverse)
{
	char *line = NULL;
	size_t cap = 0;
	int err = 0;

	while (getline(&line, &cap, f) >= 0) {
		int r = add_line(g, line, diff_before, reverse);

		if (r < 0) {
			err = r;
			break;
		}
		g->malformed += (uint64_t)r;
	}
	free(line);
	return err;
}

int fg_read(struct fg_graph *g, FILE *f, bool diff_before)
{
	return read_input(g, f, diff_before, false);
}

/* --- output --- */

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

/* Deterministic per name: the same function gets the same colour in
 * every graph. */
static void frame_colour(const struct fg_graph *g, const struct fg_node *n, enum fg_palette pal, bool diff,
			 double max_delta, char *buf, size_t len)
{
	uint64_t h = hash_str(g->names[n->name]);
	double v1 = (double)(h & 0xff) / 255.0, v2 = (double)((h >> 8) & 0xff) / 255.0;
	double v3 = (double)((h >> 16) & 0xff) / 255.0;

	if (diff) {
		double d = n->value - n->before;
		int shade = max_delta > 0 ? (int)(210 * (1 - fabs(d) / max_delta)) : 210;

		if (d > 0)
			snprintf(buf, len, "rgb(255,%d,%d)", shade, shade);  /* grew: red */
		else if (d < 0)
			snprintf(buf, len, "rgb(%d,%d,255)", shade, shade);  /* shrank: blue */
		else
			snprintf(buf, len, "rgb(250,250,250)");
		return;
	}
	if (!strcmp(g->names[n->name], "-")) {
		snprintf(buf, len, "rgb(160,160,160)");
		return;
	}
	switch (pal) {
	case FG_IO:
		if (n->kernel)
			snprintf(buf, len, "rgb(%d,%d,%d)", 60 + (int)(40 * v1), 120 + (int)(60 * v2), 190 + (int)(50 * v3));
		else
			snprintf(buf, len, "rgb(%d,%d,%d)", 80 + (int)(60 * v1), 80 + (int)(60 * v1), 190 + (int)(55 * v2));
		break;
	case FG_MEM:
		snprintf(buf, len, "rgb(%d,%d,%d)", (int)(50 * v2), 190 + (int)(50 * v1), (int)(210 * v3));
		break;
	default:
		if (n->kernel)
			snprintf(buf, len, "rgb(%d,%d,%d)", 230 + (int)(25 * v1), 130 + (int)(70 * v2), 40 + (int)(20 * v3));
		else
			snprintf(buf, len, "rgb(%d,%d,%d)", 205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
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
				leaf_wait = g->nodes[a].kernel && strstr(g->names[g->nodes[a].name], waits[w]);
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

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct fg_graph *g = ctx;

	return strcmp(g->names[g->nodes[*(const uint32_t *)a].name], g->names[g->nodes[*(const uint32_t *)b].name]);
}

/* Depth of the deepest frame wide enough to draw; and the largest change. */
static void measure(struct fg_layout *l, uint32_t id, int depth)
{
	const struct fg_node *n = &l->g->nodes[id];

	if (n->value * l->scale < l->o->minwidth)
		return;
	if (depth > l->max_depth)
		l->max_depth = depth;
	if (fabs(n->value - n->before) > l->max_delta)
		l->max_delta = fabs(n->value - n->before);
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
	char colour[48];
	size_t fit;

	if (w < l->o->minwidth)
		return;
	frame_colour(g, n, l->pal, l->diff, l->max_delta, colour, sizeof(colour));
	fputs("<g class=\"f\"><title>", l->out);
	xml_escape(l->out, g->names[n->name], SIZE_MAX);
	fprintf(l->out, " (%.15g %s, %.2f%%", n->value, l->o->countname, total > 0 ? 100.0 * n->value / total : 0);
	if (l->diff)
		fprintf(l->out, "; before %.15g, %+.2f%%", n->before,
			n->before > 0 ? 100.0 * (n->value - n->before) / n->before : 100.0);
	fprintf(l->out, ")</title><rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\" rx=\"2\" ry=\"2\"/>",
		x, y, w, FG_FRAME_HEIGHT - 1, colour);
	fit = (size_t)((w - 6) / (FG_FONT_SIZE * FG_FONT_WIDTH));
	fprintf(l->out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + FG_FRAME_HEIGHT - 4.5);
	if (fit >= 3) {
		size_t len = strlen(g->names[n->name]);

		if (len <= fit) {
			xml_escape(l->out, g->names[n->name], SIZE_MAX);
		} else {
			xml_escape(l->out, g->names[n->name], fit - 2);
			fputs("..", l->out);
		}
	}
	fputs("</text></g>\n", l->out);

	/* Children were put in name order by sort_children(). */
	for (uint32_t c = n->first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling) {
		draw(l, c, depth + 1, x);
		x += g->nodes[c].value * l->scale;
	}
}

/* Relinks every node's children in name order, once, so drawing needs no
 * per-level buffers (stacks can be thousands of frames deep). */
static int sort_children(struct fg_graph *g)
{
	uint32_t *buf = malloc((size_t)g->nnodes * sizeof(*buf));

	if (!buf)
		return -ENOMEM;
	for (uint32_t i = 0; i < g->nnodes; i++) {
		uint32_t n = 0;

		for (uint32_t c = g->nodes[i].first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling)
			buf[n++] = c;
		if (n < 2)
			continue;
		qsort_r(buf, n, sizeof(*buf), cmp_name, g);
		g->nodes[i].first_child = buf[0];
		for (uint32_t k = 0; k + 1 < n; k++)
			g->nodes[buf[k]].next_sibling = buf[k + 1];
		g->nodes[buf[n - 1]].next_sibling = UINT32_MAX;
	}
	free(buf);
	return 0;
}

/* The interactive part: tooltips in the details line, click to zoom, reset,
 * Ctrl-F / "Search" with a regular expression and "Matched: N%". */
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

	if (o->normalize && g->has_before && g->before_total > 0) {
		double k = total / g->before_total;

		for (uint32_t i = 0; i < g->nnodes; i++)
			g->nodes[i].before *= k;
	}
	if (sort_children(g))
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

/* --- command line --- */

static void usage(FILE *f)
{
	fputs("usage: sretrace flamegraph [options] [FILE...]          (stdin without FILE)\n"
	      "       sretrace flamegraph --diff BEFORE.folded AFTER.folded\n\n"
	      "Folded stacks (\"a;b;c 123\") to one self-contained interactive SVG on stdout.\n\n"
	      "  -o, --output FILE       write the SVG to FILE\n"
	      "      --title TEXT        title (default \"Flame Graph\")\n"
	      "      --subtitle TEXT     second line\n"
	      "      --countname NAME    unit of the values in tooltips (default samples)\n"
	      "      --width PX          image width (default 1200)\n"
	      "      --minwidth PX       leave out frames narrower than this (default 0.1)\n"
	      "      --colors PALETTE    hot (on-CPU), io or blue (off-CPU), mem;\n"
	      "                          default: io when the stacks wait, else hot\n"
	      "      --inverted          icicle graph: roots at the top\n"
	      "      --reverse           reverse every stack before merging\n"
	      "      --diff              two files: colour by change, red grew, blue shrank\n"
	      "      --normalize         with --diff: scale BEFORE to AFTER's total\n"
	      "  -h, --help              this help\n\n"
	      "In the SVG: hover for details, click a frame to zoom, \"Reset Zoom\" to go back,\n"
	      "Ctrl-F or \"Search\" for a regular expression (shows \"Matched: N%\").\n", f);
}

static int fg_error(const char *fmt, const char *arg)
{
	fputs("sretrace flamegraph: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

int flamegraph_main(int argc, char **argv)
{
	enum { O_TITLE = 1000, O_SUB, O_COUNT, O_WIDTH, O_MINW, O_COLORS, O_INV, O_REV, O_DIFF, O_NORM };
	static const struct option longs[] = {
		{ "output", required_argument, NULL, 'o' }, { "title", required_argument, NULL, O_TITLE },
		{ "subtitle", required_argument, NULL, O_SUB }, { "countname", required_argument, NULL, O_COUNT },
		{ "width", required_argument, NULL, O_WIDTH }, { "minwidth", required_argument, NULL, O_MINW },
		{ "colors", required_argument, NULL, O_COLORS }, { "inverted", no_argument, NULL, O_INV },
		{ "reverse", no_argument, NULL, O_REV }, { "diff", no_argument, NULL, O_DIFF },
		{ "normalize", no_argument, NULL, O_NORM }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	struct fg_options o = { .countname = "samples", .width = 1200, .minwidth = 0.1, .palette = FG_AUTO };
	const char *output = NULL;
	bool diff = false;
	struct sre_output out = { 0 };
	struct fg_graph *g;
	char *end;
	int key, err = 0;

	optind = 0; /* 0, not 1: glibc then resets all of getopt's state */
	opterr = 0;
	while ((key = getopt_long(argc, argv, "+o:h", longs, NULL)) != -1) {
		switch (key) {
		case 'o':
			output = optarg;
			if (sre_check_output_path("flamegraph", output))
				return 2;
			break;
		case O_TITLE: o.title = optarg; break;
		case O_SUB: o.subtitle = optarg; break;
		case O_COUNT: o.countname = optarg; break;
		case O_WIDTH:
			o.width = (int)strtol(optarg, &end, 10);
			if (*end || o.width < 100 || o.width > 100000)
				return fg_error("invalid --width '%s': want 100..100000 pixels", optarg);
			break;
		case O_MINW:
			o.minwidth = strtod(optarg, &end);
			if (*end || !isfinite(o.minwidth) || o.minwidth < 0)
				return fg_error("invalid --minwidth '%s': want pixels >= 0", optarg);
			break;
		case O_COLORS:
			if (!strcmp(optarg, "hot"))
				o.palette = FG_HOT;
			else if (!strcmp(optarg, "io") || !strcmp(optarg, "blue"))
				o.palette = FG_IO;
			else if (!strcmp(optarg, "mem"))
				o.palette = FG_MEM;
			else
				return fg_error("unknown --colors '%s' (hot, io, blue, mem)", optarg);
			break;
		case O_INV: o.inverted = true; break;
		case O_REV: o.reverse = true; break;
		case O_DIFF: diff = true; break;
		case O_NORM: o.normalize = true; break;
		case 'h': usage(stdout); return 0;
		default:
			return fg_error("unknown option or missing value: '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (diff && argc - optind != 2)
		return fg_error("%s", "--diff takes exactly two files: BEFORE AFTER");
	if (o.normalize && !diff)
		return fg_error("%s", "--normalize goes with --diff");
	g = fg_new();
	if (!g)
		return 1;
	for (int i = optind; i < argc || (i == optind && argc == optind); i++) {
		FILE *f = NULL;
		struct stat st;
		int c;

		/* A named FIFO nobody writes to would block forever; pipes from
		 * process substitution (/dev/fd/N) are fine. */
		if (i < argc && !stat(argv[i], &st) && S_ISFIFO(st.st_mode) && strncmp(argv[i], "/dev/fd/", 8) &&
		    strncmp(argv[i], "/proc/self/fd/", 14)) {
			fg_free(g);
			return fg_error("'%s' is a FIFO: pipe it to stdin instead", argv[i]);
		}
		f = i < argc ? fopen(argv[i], "r") : stdin;
		if (!f) {
			fg_free(g);
			return fg_error("cannot read '%s'", argv[i]);
		}
		/* A directory opens but cannot be read: say so, as for a missing file. */
		c = fgetc(f);
		if (c == EOF && ferror(f)) {
			if (f != stdin)
				fclose(f);
			fg_free(g);
			return fg_error("cannot read '%s'", i < argc ? argv[i] : "stdin");
		}
		if (c != EOF)
			ungetc(c, f);
		err = read_input(g, f, diff && i == optind, o.reverse);
		if (f != stdin)
			fclose(f);
		if (err)
			break;
	}
	/* Nothing but garbage is bad input; some garbage among stacks is not. */
	if (!err && fg_malformed(g) && g->nnodes == 1) {
		fprintf(stderr, "sretrace flamegraph: no folded stacks in the input (%llu malformed lines)\n",
			(unsigned long long)fg_malformed(g));
		fg_free(g);
		return 2;
	}
	if (!err && fg_malformed(g))
		fprintf(stderr, "sretrace flamegraph: ignored %llu malformed lines\n", (unsigned long long)fg_malformed(g));
	if (!err && (err = sre_output_open(&out, "flamegraph", output))) {
		fg_free(g);
		return 1;
	}
	if (!err)
		err = fg_render(g, &o, out.f);
	if (sre_output_close(&out, "flamegraph", !err) && !err)
		err = -EIO;
	fg_free(g);
	if (err && err != -EPIPE) {
		fprintf(stderr, "sretrace flamegraph: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
