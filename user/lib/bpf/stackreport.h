/* The end-of-run report every stack tool prints: collect the kernel's
 * (stack_key -> stack_value) map, symbolize, write it in the chosen format,
 * and show what was lost. */
#ifndef SRE_STACKREPORT_H
#define SRE_STACKREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/bpf/session.h"
#include "lib/bpf/stacksink.h"
#include "lib/fmt/stackpprof.h"
#include "lib/stacks/stackrows.h"

struct sre_json;

struct sre_stack_report {
	const char *tool;
	const char *value_key;  /* JSON name of a row's value: "total_ns", "samples" */
	const char *count_key;  /* JSON name of the event count: "blocks", "samples" */
	uint64_t folded_div;    /* folded value = value / folded_div (rounded) */
	uint64_t text_div;      /* text value = value / text_div, in text_unit */
	const char *text_unit;
	/* Writes the tool's own top-level JSON members; NULL: none. */
	void (*json_extra)(struct sre_json *j, const void *ctx);
	const void *json_ctx;
	const char *lost_what;  /* what a full aggregation map loses: "blocks", "samples" */
	const char *svg_title;  /* -f svg */
	int svg_palette;        /* enum fg_palette */
	struct sre_pprof_spec pprof; /* -f pprof: types and period (times are filled in) */
	bool user_wanted;
	bool kernel_wanted;
	int counts_fd;          /* stack_key -> stack_value */
	int stacks_fd;
	int counters_fd;        /* sre_counters */
	struct sre_stack_sink *sink; /* the process lifecycle and what unwinding did */
};

/* What a stack tool keeps while it runs: symbols, its sink (process
 * lifecycle, stack copies) and the ring reader feeding it. */
struct sre_stack_run {
	struct sre_symbolizer sym;
	struct sre_stack_sink sink;
	struct ring_buffer *rb;
};

struct bpf_object;
struct sre_stack_opts;
/* After load: symbolizer, sink and the reader of obj's proc_events ring.
 * Reports its failure once; 0 or -errno. */
int sre_stack_run_start(struct sre_stack_run *r, struct sre_session *s, const struct bpf_object *obj,
			const struct sre_stack_opts *o, bool counts_samples);
void sre_stack_run_stop(struct sre_stack_run *r);


/* Rows of the tool's maps (and of the sink), symbolized, largest first. */
int sre_stack_report_collect(struct sre_stack_rows *rows, struct sre_symbolizer *sym, const struct sre_stack_report *r);
/* One JSON line (docs/json.md): {"tool", value_key total, count_key events,
 * drops, missed, lost_stacks, copy_drops, unwind, the tool's members, stacks}. */
void sre_stack_report_json(FILE *f, const struct sre_stack_report *r, const struct sre_stack_rows *rows,
			   const uint64_t *cnt);
/* Collects and writes the report in the session's format; losses on stderr. */
int sre_stack_report_print(struct sre_session *s, struct sre_symbolizer *sym, const struct sre_stack_report *r);

#endif
