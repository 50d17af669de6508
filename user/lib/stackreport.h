/* The end-of-run report every stack tool prints: collect the kernel's
 * (stack_key -> stack_value) map, symbolize, write it in the chosen format,
 * and show what was lost. */
#ifndef SRE_STACKREPORT_H
#define SRE_STACKREPORT_H

#include <stdbool.h>
#include <stdint.h>
#include "session.h"
#include "stackpprof.h"
#include "stackrows.h"
#include "ustacks.h"

struct sre_stack_report {
	const char *tool;
	const char *value_key;  /* JSON name of a row's value: "total_ns", "samples" */
	const char *count_key;  /* JSON name of the event count: "blocks", "samples" */
	uint64_t folded_div;    /* folded value = value / folded_div (rounded) */
	uint64_t text_div;      /* text value = value / text_div, in text_unit */
	const char *text_unit;
	const char *json_extra; /* extra top-level JSON members, each followed by ',' */
	const char *lost_what;  /* what a full aggregation map loses: "blocks", "samples" */
	const char *svg_title;  /* -f svg */
	int svg_palette;        /* enum fg_palette */
	struct sre_pprof_spec pprof; /* -f pprof: types and period (times are filled in) */
	bool user_wanted;
	bool kernel_wanted;
	int counts_fd;          /* stack_key -> stack_value */
	int stacks_fd;
	int counters_fd;        /* sre_counters */
	const struct sre_ustack_sink *sink; /* what unwinding stack copies did, or NULL */
};

int sre_stack_report_print(struct sre_session *s, struct sre_symbolizer *sym, const struct sre_stack_report *r);

#endif
