/* The stack tools' ring-buffer reader: process announcements go to the
 * process lifecycle (lib/bpf/procs.h); user stack copies (--unwind
 * dwarf/auto) are unwound and the result stored in the tool's stack map,
 * so reports read them like any other stack. */
#ifndef SRE_STACKSINK_H
#define SRE_STACKSINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpf/common.h"
#include "bpf/ustack.h"
#include "lib/core/hashmap.h"
#include "lib/bpf/procs.h"
#include "lib/sym/stacktop.h"
#include "lib/sym/unwind.h"

struct bpf_object;
struct sre_json;
struct sre_stack_opts;
struct sre_stack_source;
struct sre_symbolizer;

/* Copy ids remembered at most (offcpu); beyond, stacks are lost and counted. */
#define SRE_STACK_SINK_MAX_IDS (4u << 20)
/* Rows kept in userspace at most (spilled or counted here); beyond, missed and counted. */
#define SRE_STACK_SINK_MAX_ROWS (4u << 20)

struct sre_stack_sink {
	struct sre_symbolizer *sym;
	struct sre_procs procs;
	bool copies;	       /* stacks are copied (dwarf, auto) */
	int stacks_fd;	       /* unwound stacks go here */
	int checks_fd;	       /* offcpu: copy_checks, what BPF checks before reusing a copy; -1 otherwise */
	bool counts_samples;   /* profile: each copy is one sample, counted here */
	struct sre_map rows;	 /* stack_key -> stack_value: unwound samples (profile), spilled rows */
	struct sre_map stored;	 /* stack ids already in the kernel's stack map */
	struct sre_stacktop top; /* start-up frames of programs walked by frame pointers */
	struct sre_map copy_ids; /* offcpu: copy id -> the id its unwound stack is stored under */
	/* What unwinding did, for -v and JSON. */
	uint64_t copies_seen, copy_bytes, frames, unwind_ns;
	uint64_t spilled;		 /* rows a full kernel map sent here */
	uint64_t ends[SRE_UNWIND_NENDS]; /* of full copies */
	uint64_t joins, join_fallbacks;	 /* small copies joined to a frame-pointer walk, or not */
	uint64_t lost[SRE_CNT_MAX];	 /* losses found here (enum sre_counter) */
};

/* After load, before the first event: the tool's maps (bpf/ustack.bpf.h,
 * bpf/stacks.bpf.h, bpf/procs.bpf.h, by name), and whether copies come as
 * samples to count (profile: its "samples" map) or as ids its rows already
 * hold (offcpu). The symbolizer reads CFI when copies come. */
void sre_stack_sink_init(struct sre_stack_sink *s, struct sre_symbolizer *sym, const struct sre_stack_opts *o,
			  const struct bpf_object *obj, bool counts_samples);
void sre_stack_sink_free(struct sre_stack_sink *s);
/* Ring-buffer callback for bpf/procs.bpf.h and bpf/ustack.h events; ctx is the sink. */
int sre_stack_sink_on_event(void *ctx, void *data, size_t len);
/* What a report reads besides the kernel's maps: the samples counted
 * here, the copy-id translation, whether rows are merged. */
void sre_stack_sink_source(const struct sre_stack_sink *s, struct sre_stack_source *src);
/* Adds the losses found in userspace to counters read from the kernel. */
void sre_stack_sink_add_losses(const struct sre_stack_sink *s, uint64_t *cnt);
/* Lines on stderr (-v): how user frames resolved, copies, how unwinds ended. */
void sre_stack_sink_summary(const struct sre_stack_sink *s, const char *tool);
/* The member "unwind":{...} of the report j writes; nothing when no copies were made. */
void sre_stack_sink_json(const struct sre_stack_sink *s, struct sre_json *j);

#endif
