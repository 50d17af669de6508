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

/* The frames of stack id (0: none) from the stack map into ips
 * (STACK_MAX_DEPTH of them at most); their number, 0 when not there. */
int sre_read_stack(int stacks_fd, uint64_t id, uint64_t *ips);

/* Every row of src, symbolized, largest first. */
int sre_stack_map_collect(struct sre_stack_rows *rs, struct sre_symbolizer *sym, struct sre_procs *procs,
			  const struct sre_stack_source *src);

#endif
