/* Reading a stack tool's kernel maps into rows: its (stack_key ->
 * stack_value) counts and the stack map they point into. */
#ifndef SRE_STACKMAP_H
#define SRE_STACKMAP_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/core/hashmap.h"
#include "lib/stacks/stackrows.h"

struct sre_procs;

struct sre_stack_source {
	int counts_fd;		/* stack_key -> stack_value, counted by BPF */
	int stacks_fd;		/* stack id -> struct stack_trace */
	/* Rows counted in userspace (profile samples whose user stack was
	 * unwound there): stack_key -> stack_value; NULL: none. */
	const struct sre_map *user_counts;
	/* Keys whose user stack id is a copy id (offcpu): copy id -> the
	 * id its unwound stack is stored under; NULL: ids are stack ids. */
	const struct sre_map *copy_ids;
	bool merge;		/* rows that read the same become one (copies) */
	bool user_wanted, kernel_wanted;
};

/* Every row of src, symbolized, largest first. */
int sre_stack_map_collect(struct sre_stack_rows *rs, struct sre_symbolizer *sym, struct sre_procs *procs,
			  const struct sre_stack_source *src);

#endif
