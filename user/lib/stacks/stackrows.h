/* Symbolized stack rows, the model every stack output is made from
 * (offcpu, profile, triage): a thread, its kernel and user frames, a value
 * and a count. Pure: rows are built from addresses already read, so this
 * layer never touches a BPF map (lib/bpf/stackmap.h reads them). */
#ifndef SRE_STACKROWS_H
#define SRE_STACKROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "bpf/common.h"
#include "bpf/stack.h"
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"
#include "lib/sym/symbolizer.h"

/* A kernel "address" no function has: the one frame of a preemption whose
 * stacks were not taken (SRE_SYSCALL_RUNNABLE), named SRE_RUNNABLE_NAME. */
#define SRE_FRAME_RUNNABLE 1
#define SRE_RUNNABLE_NAME "[runnable: waiting for a CPU]"

/* Who ended a wait (offcpu --wakers, triage): a thread, or an interrupt
 * that arrived while comm ran (flags SRE_WAKER_IRQ). */
struct sre_stack_waker {
	uint32_t pid, tgid, gen;
	uint32_t flags; /* SRE_WAKER_*; 0: no waker recorded */
	uint32_t blocked;    /* the waker's own overlapping block (SRE_WAKER_BLOCKED); 0: none */
	uint64_t blocked_ns;    /* of the row's value, the time the waker was itself blocked */
	char comm[TASK_COMM_LEN];
	int nk, nu;
	const char **kframes; /* innermost first */
	const char **uframes;
};

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
	int syscall;          /* the syscall it blocked in (offcpu with wakers); -1: none or unknown */
	/* To sre_stack_rows_add only: the interpreter's frames (bpf/python.h),
	 * innermost first, which replace the C frames that ran them. */
	const uint64_t *pyips;
	int npy;
	int upy; /* 1 + index in uframes of the innermost Python frame; 0: none */
	struct sre_stack_waker waker;
};

struct sre_stack_rows {
	struct sre_stack_row *rows;
	size_t n, cap;
	struct sre_interner names; /* frame names */
	bool names_ready;
	/* The rows' frame arrays, one per distinct list of frames: rows with
	 * the same frames share it (a storm of threads of one program is one
	 * array, not 100,000). Owned here, freed with the set. */
	struct sre_map frames;
};

/* Adds a row like base with these frames (innermost first), named by sym;
 * the tracer's own BPF frames are left out. */
int sre_stack_rows_add(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const struct sre_stack_row *base,
		       const uint64_t *kips, int nk, const uint64_t *uips, int nu);
/* Names the waker's frames of the row added last. */
int sre_stack_rows_add_waker(struct sre_stack_rows *rs, const struct sre_symbolizer *sym, const uint64_t *kips, int nk,
			     const uint64_t *uips, int nu);
/* Rows of one thread whose frames read the same become one (user stack
 * copies give each copy an id of its own). */
void sre_stack_rows_merge(struct sre_stack_rows *rs);
void sre_stack_rows_sort(struct sre_stack_rows *rs);   /* largest value first */
/* Removes every row of process tgid, keeping the order of the rest. */
void sre_stack_rows_drop_process(struct sre_stack_rows *rs, uint32_t tgid);
void sre_stack_rows_free(struct sre_stack_rows *rs);
uint64_t sre_stack_rows_total(const struct sre_stack_rows *rs);

/* A row's frames root first: comm, user outer..inner, "-" (when both
 * halves are there), kernel outer..inner; with a waker then "--", its
 * kernel frames inner..outer, user inner..outer and its comm (BCC's
 * offwaketime order: the waker's stack stands upside down on the
 * sleeper's). Returns how many. */
int sre_stack_row_frames(const struct sre_stack_row *r, const char **frames, int max);
/* The waker's name as frames and text show it: its comm, or "[interrupt]". */
const char *sre_stack_waker_name(const struct sre_stack_waker *w);

#endif
