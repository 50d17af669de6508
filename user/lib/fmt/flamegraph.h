/* Flame graphs: folded stacks in, one self-contained interactive SVG out.
 * Used by `sretrace flamegraph`, the standalone tools/flamegraph, and
 * `-f svg` on the stack tools. Needs no privileges. */
#ifndef SRE_FLAMEGRAPH_H
#define SRE_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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

struct fg_graph;

struct fg_graph *fg_new(void);
void fg_free(struct fg_graph *g);
/* Adds folded lines from f. With diff_before, values go to the "before"
 * side of a differential graph. Malformed lines are counted, not fatal. */
int fg_read(struct fg_graph *g, FILE *f, bool diff_before);
/* Adds one stack: frames outermost first. */
int fg_add(struct fg_graph *g, const char *const *frames, int n, double value, bool diff_before);
uint64_t fg_malformed(const struct fg_graph *g);
int fg_render(struct fg_graph *g, const struct fg_options *o, FILE *out);

/* `sretrace flamegraph [options] [FILE...]` */
int flamegraph_main(int argc, char **argv);

#endif
