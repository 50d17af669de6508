/* Stack rows as a pprof profile: one sample per row, frames leaf first
 * (kernel, then user), pid/tid/comm as labels, user frames in mappings
 * with their files' build IDs, kernel frames in one [kernel.kallsyms]. */
#ifndef SRE_STACKPPROF_H
#define SRE_STACKPPROF_H

#include <stdint.h>
#include <stdio.h>
#include "lib/stacks/stackrows.h"

struct sre_pprof_spec {
	const char *value_type, *value_unit; /* the row value: "offcpu","nanoseconds" */
	const char *extra_type, *extra_unit; /* the second value */
	/* Second value = row value * extra_per_value, or the row's event
	 * count when 0. */
	uint64_t extra_per_value;
	const char *period_type, *period_unit; /* NULL: no period */
	int64_t period;
	int64_t time_ns, duration_ns;
	const char *comment;
};

int sre_stack_rows_print_pprof(FILE *f, const struct sre_stack_rows *rs, struct sre_symbolizer *sym,
			       const struct sre_pprof_spec *spec);

#endif
