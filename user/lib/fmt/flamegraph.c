/* Flame graph model: folded stacks -> merged frame tree. Frames are
 * interned once; a (parent, name) hash finds a node's child, so merging
 * a stack costs one lookup per frame however wide the tree is. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/fmt/flamegraph.h"

#define FG_MAX_DEPTH 8192

uint64_t fg_hash(const char *s)
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
	return fg_hash(g->names[id]);
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
	for (slot = (uint32_t)(fg_hash(s) & (g->capname_index - 1)); g->name_index[slot] != UINT32_MAX;
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

bool fg_empty(const struct fg_graph *g)
{
	return g->nnodes == 1;
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

int fg_read_stacks(struct fg_graph *g, FILE *f, bool diff_before, bool reverse)
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
	return fg_read_stacks(g, f, diff_before, false);
}

void fg_normalize(struct fg_graph *g)
{
	if (g->has_before && g->before_total > 0) {
		double k = g->nodes[0].value / g->before_total;

		for (uint32_t i = 0; i < g->nnodes; i++)
			g->nodes[i].before *= k;
	}
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct fg_graph *g = ctx;

	return strcmp(g->names[g->nodes[*(const uint32_t *)a].name], g->names[g->nodes[*(const uint32_t *)b].name]);
}

/* Once, in place, so drawing needs no per-level buffers (stacks can be
 * thousands of frames deep). */
int fg_sort(struct fg_graph *g)
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
