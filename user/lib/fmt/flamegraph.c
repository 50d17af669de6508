/* Flame graph model: folded stacks -> merged frame tree. Frames are
 * interned once. Most nodes have a few children, found by walking their
 * list; a node that grows wide has its children put in a (parent, name)
 * map, so merging a stack costs at most a short walk or one lookup per
 * frame however wide the tree is. Putting every node in the map instead
 * took over twice the time and 3.5 times the memory on the render
 * benchmark: a map slot is 32 bytes here, and big maps miss the cache. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/fmt/flamegraph.h"

#define FG_MAX_DEPTH 8192
#define FG_SCAN_MAX 16 /* children walked before a node is indexed */

/* Interned names are unique, so the pointer stands for the name. The
 * padding is zeroed: the map compares keys byte for byte. */
struct fg_edge {
	const char *name;
	uint32_t parent;
	uint32_t pad;
};

/* From now on parent's children are looked up in the map. */
static int index_children(struct fg_graph *g, uint32_t parent)
{
	for (uint32_t c = g->nodes[parent].first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling) {
		struct fg_edge key = { .name = g->nodes[c].name, .parent = parent };
		uint32_t *id = sre_map_put(&g->children, &key, NULL);

		if (!id)
			return -ENOMEM; /* not marked: the next call walks and tries again */
		*id = c;
	}
	g->nodes[parent].indexed = true;
	return 0;
}

static int64_t child(struct fg_graph *g, uint32_t parent, const char *name, bool kernel)
{
	struct fg_edge key = { .name = name, .parent = parent };
	uint32_t *id = NULL, walked = 0;
	struct fg_node *n;
	bool added;

	if (!g->nodes[parent].indexed) {
		for (uint32_t c = g->nodes[parent].first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling, walked++)
			if (g->nodes[c].name == name)
				return c;
		if (walked >= FG_SCAN_MAX && index_children(g, parent))
			return -ENOMEM;
	}
	/* Room first, so every id the map holds names a node. */
	if (g->nnodes == g->capnodes) {
		uint32_t cap = g->capnodes * 2;
		struct fg_node *nn = realloc(g->nodes, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		g->nodes = nn;
		if (g->before) {
			double *nb = realloc(g->before, cap * sizeof(*nb));

			if (!nb)
				return -ENOMEM; /* nodes grew, capnodes did not: retried next time */
			memset(nb + g->capnodes, 0, (cap - g->capnodes) * sizeof(*nb));
			g->before = nb;
		}
		g->capnodes = cap;
	}
	if (g->nodes[parent].indexed) {
		id = sre_map_put(&g->children, &key, &added);
		if (!id)
			return -ENOMEM;
		if (!added)
			return *id;
	}
	n = &g->nodes[g->nnodes];
	memset(n, 0, sizeof(*n));
	if (g->before)
		g->before[g->nnodes] = 0;
	n->name = name;
	n->parent = parent;
	n->first_child = UINT32_MAX;
	n->next_sibling = g->nodes[parent].first_child;
	n->kernel = kernel;
	g->nodes[parent].first_child = g->nnodes;
	if (id)
		*id = g->nnodes;
	return g->nnodes++;
}

struct fg_graph *fg_new(void)
{
	struct fg_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	sre_interner_init(&g->names);
	sre_map_init(&g->children, sizeof(struct fg_edge), sizeof(uint32_t), NULL, NULL);
	g->capnodes = 1024;
	g->nodes = calloc(g->capnodes, sizeof(*g->nodes));
	if (g->nodes)
		g->nodes[0].name = sre_intern(&g->names, "all");
	if (!g->nodes || !g->nodes[0].name) {
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
	sre_interner_free(&g->names);
	sre_map_free(&g->children);
	free(g->nodes);
	free(g->before);
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

int fg_reserve(struct fg_graph *g, uint32_t nodes)
{
	struct fg_node *nn;

	if (nodes <= g->capnodes || g->before)
		return 0;
	nn = realloc(g->nodes, (size_t)nodes * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	g->nodes = nn;
	g->capnodes = nodes;
	return 0;
}

int fg_add(struct fg_graph *g, const char *const *frames, int n, double value, bool diff_before)
{
	uint32_t cur = 0;
	bool kernel = false, waker = false;

	if (diff_before) {
		/* The BEFORE side's totals, kept only for differential graphs. */
		if (!g->before && !(g->before = calloc(g->capnodes, sizeof(*g->before))))
			return -ENOMEM;
		g->has_before = true;
		g->before_total += value;
		g->before[0] += value;
	} else {
		g->nodes[0].value += value;
	}
	for (int i = 0; i < n; i++) {
		const char *name;
		int64_t c;

		/* Frames after "-" are the kernel's; after "--" (offcpu --wakers)
		 * come the waker's kernel frames, then "-", then its user ones. */
		if (frames[i][0] == '-' && !strcmp(frames[i], "--")) {
			waker = kernel = true;
		} else if (frames[i][0] == '-' && !frames[i][1]) {
			kernel = !waker;
		}
		name = sre_intern(&g->names, frames[i]);
		if (!name)
			return -ENOMEM;
		c = child(g, cur, name, kernel || is_kernel_name(frames[i]));
		if (c < 0)
			return -ENOMEM;
		cur = (uint32_t)c;
		if (diff_before)
			g->before[cur] += value;
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
			g->before[i] *= k;
	}
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
	const struct fg_graph *g = ctx;

	return strcmp(g->nodes[*(const uint32_t *)a].name, g->nodes[*(const uint32_t *)b].name);
}

/* Once, in place, so drawing needs no per-level buffers (stacks can be
 * thousands of frames deep). Only what can be drawn: sorting every node
 * was a fifth of the time on a large input where few are wide enough. */
int fg_sort(struct fg_graph *g, double min_value)
{
	uint32_t *buf = malloc((size_t)g->nnodes * sizeof(*buf));
	uint32_t *todo = malloc((size_t)g->nnodes * sizeof(*todo));
	uint32_t ntodo = 0;

	if (!buf || !todo) {
		free(buf);
		free(todo);
		return -ENOMEM;
	}
	todo[ntodo++] = 0;
	while (ntodo) {
		uint32_t i = todo[--ntodo], n = 0;

		for (uint32_t c = g->nodes[i].first_child; c != UINT32_MAX; c = g->nodes[c].next_sibling) {
			buf[n++] = c;
			if (g->nodes[c].value >= min_value && g->nodes[c].first_child != UINT32_MAX)
				todo[ntodo++] = c;
		}
		if (n < 2)
			continue;
		qsort_r(buf, n, sizeof(*buf), cmp_name, g);
		g->nodes[i].first_child = buf[0];
		for (uint32_t k = 0; k + 1 < n; k++)
			g->nodes[buf[k]].next_sibling = buf[k + 1];
		g->nodes[buf[n - 1]].next_sibling = UINT32_MAX;
	}
	free(buf);
	free(todo);
	return 0;
}
