/* Symbolized stack rows, shared by the stack tools (offcpu, profile):
 * build them from stack ids, print them as text, folded or JSON. */
#ifndef SRE_STACKROWS_H
#define SRE_STACKROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "../../bpf/common.h"
#include "../../bpf/stack.h"

struct ksyms;
struct usyms;

struct sre_symbolizer {
	struct ksyms *ksyms; /* loaded at the first report (see sre_symbolizer_init) */
	bool kernel_wanted;
	struct usyms *usyms; /* NULL: user frames are not wanted */
	uint64_t procs_gone; /* announced, but gone before their maps were read */
	bool merge_rows;     /* rows whose frames read the same are one (user stack copies) */
	/* Where a row's user stack id is stored, when not under itself (offcpu's copy ids). */
	uint64_t (*map_ustack)(void *ctx, uint64_t id);
	void *map_ctx;
};

/* Prepares what the wanted frames need. Kernel symbols are read only when
 * the first report is made: /proc/kallsyms takes MBs, and loading it after
 * the BPF objects (and libbpf's copy of the kernel BTF) keeps the peak
 * memory down. */
void sre_symbolizer_init(struct sre_symbolizer *sym, bool kernel, bool user);
void sre_symbolizer_free(struct sre_symbolizer *sym);
/* Ring-buffer callback for struct proc_event (bpf/procs.bpf.h): read the
 * process's maps and symbols now. ctx is the sre_symbolizer. */
int sre_symbolizer_on_proc_event(void *ctx, void *data, size_t len);
/* One line on stderr with how user frames resolved (for -v). */
void sre_symbolizer_summary(const struct sre_symbolizer *sym, const char *tool);

struct sre_stack_row {
	uint32_t pid;
	uint32_t tgid;
	uint32_t gen;    /* the process's address space, for user symbols */
	char comm[TASK_COMM_LEN];
	uint64_t value;  /* the tool's unit: ns off CPU, samples, ... */
	uint64_t count;
	int nk, nu;
	const char **kframes; /* innermost first */
	const char **uframes;
	uint64_t *kips, *uips; /* each frame's address, same order */
	bool user_wanted;     /* user frames were asked for (for the "-" frame) */
	bool kernel_wanted;
};

struct sre_stack_rows {
	struct sre_stack_row *rows;
	size_t n, cap;
	char **strings;       /* interned frame names */
	size_t nstrings, capstrings;
};

/* Adds a row with frames read from the stack map (ids 0: none). */
int sre_stack_rows_add(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, int stacks_fd,
		       const struct sre_stack_row *base, uint64_t kstack, uint64_t ustack);
/* Every (struct stack_key -> struct stack_value) of counts_fd as rows,
 * largest first. */
int sre_stack_rows_collect(struct sre_stack_rows *rs, struct sre_symbolizer *sym, int counts_fd,
			   int stacks_fd, bool user_wanted, bool kernel_wanted);
void sre_stack_rows_sort(struct sre_stack_rows *rs);   /* largest value first */
/* Removes every row of process tgid, keeping the order of the rest. */
void sre_stack_rows_drop_process(struct sre_stack_rows *rs, uint32_t tgid);
void sre_stack_rows_free(struct sre_stack_rows *rs);
uint64_t sre_stack_rows_total(const struct sre_stack_rows *rs);

/* A row's frames root first: comm, user outer..inner, "-" (when both
 * halves are there), kernel outer..inner. Returns how many. */
int sre_stack_row_frames(const struct sre_stack_row *r, const char **frames, int max);
/* comm;user outer..inner;-;kernel outer..inner VALUE, identical stacks merged.
 * value_div converts the row unit into the folded unit. */
int sre_stack_rows_print_folded(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div);
/* offcputime style: kernel frames innermost first, "--", user frames, then
 * "-  comm (pid)" and the value. */
void sre_stack_rows_print_text(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div,
			       const char *unit);
struct fg_options;
/* The flame graph of the rows, values divided by value_div. */
int sre_stack_rows_print_svg(FILE *f, const struct sre_stack_rows *rs, uint64_t value_div, const struct fg_options *o);
/* One line of docs/json.md: {"tool", value_key total, count_key events,
 * drops, missed, lost_stacks, extra members (each ending in ','), stacks}. */
void sre_stack_rows_print_report_json(FILE *f, const char *tool, const char *value_key, const char *count_key,
				      const struct sre_stack_rows *rs, const uint64_t *cnt, const char *extra);
/* "stacks":[{pid,tid,comm,value_key,count,kernel:[..],user:[..]}] */
void sre_stack_rows_print_json(FILE *f, const struct sre_stack_rows *rs, const char *value_key);

#endif
