/* Flame graphs: folded stacks in, one self-contained interactive SVG out.
 * Used by `sretrace flamegraph`, the standalone tools/flamegraph, and
 * `-f svg` on the stack tools. Needs no privileges.
 *
 * flamegraph.c holds the model (stacks merged into a frame tree),
 * flamesvg.c the SVG renderer, user/flamegraph.c the command line. */
#ifndef SRE_FLAMEGRAPH_H
#define SRE_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"

/* ---- the model (flamegraph.c) ---- */

/* 32 bytes: a large input makes a node per frame of every distinct path
 * (a million for 50,000 deep random stacks), so a node's size is most of
 * the renderer's memory. */
struct fg_node {
	const char *name;    /* interned in the graph's names: one copy per name */
	double value;        /* total, including children */
	uint32_t parent;
	uint32_t first_child;
	uint32_t next_sibling;
	bool kernel;         /* below the "-" separator or named *_[k] */
	bool indexed;        /* its children are in the graph's children map */
};

/* Node 0 is the root, "all"; UINT32_MAX ends a child list. The renderer
 * walks the tree directly; everyone else goes through the functions. */
struct fg_graph {
	struct fg_node *nodes;
	double *before;            /* --diff only: each node's BEFORE total; NULL otherwise */
	uint32_t nnodes, capnodes;
	struct sre_interner names; /* frame names, one copy each */
	struct sre_map children;   /* (parent, interned name) -> node, wide parents only */
	uint64_t malformed;
	double before_total;
	bool has_before;
};

struct fg_graph *fg_new(void);
void fg_free(struct fg_graph *g);
/* Adds folded lines from f. With diff_before, values go to the "before"
 * side of a differential graph. Malformed lines are counted, not fatal. */
int fg_read(struct fg_graph *g, FILE *f, bool diff_before);
/* The same, each stack reversed before it is merged when reverse is set. */
int fg_read_stacks(struct fg_graph *g, FILE *f, bool diff_before, bool reverse);
/* Room for this many nodes now (from the input's size): growing the
 * array by doubling moved tens of MB on a large input. Best effort. */
int fg_reserve(struct fg_graph *g, uint32_t nodes);
/* Adds one stack: frames outermost first. */
int fg_add(struct fg_graph *g, const char *const *frames, int n, double value, bool diff_before);
uint64_t fg_malformed(const struct fg_graph *g);
/* No stack was added (only the root is there). */
bool fg_empty(const struct fg_graph *g);
/* Scales the "before" side to the same total as the "after" side. */
void fg_normalize(struct fg_graph *g);
/* Node i's BEFORE total (0 without --diff). */
static inline double fg_before(const struct fg_graph *g, uint32_t i)
{
	return g->before ? g->before[i] : 0;
}
/* Relinks in name order the children of every node of at least
 * min_value, reached from the root through such nodes: the rest is never
 * drawn (0: every node). */
int fg_sort(struct fg_graph *g, double min_value);

/* ---- the SVG renderer (flamesvg.c) ---- */

enum fg_palette { FG_HOT, FG_IO, FG_MEM, FG_AUTO };

struct fg_options {
	const char *title;
	const char *subtitle;
	const char *countname;  /* unit of the values: "samples", "us" */
	int width;              /* pixels */
	double minwidth;        /* frames narrower than this (pixels) are left out */
	bool inverted;          /* icicle: roots at the top */
	bool reverse;           /* reverse each stack before merging */
	enum fg_palette palette;
	bool normalize;         /* --diff: scale BEFORE to AFTER's total */
};

/* Sorts g's children (and with o->normalize scales its BEFORE side),
 * then writes the SVG. */
int fg_render(struct fg_graph *g, const struct fg_options *o, FILE *out);


#endif
