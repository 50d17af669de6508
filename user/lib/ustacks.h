/* The stack tools' ring-buffer reader: process announcements go to the
 * symbolizer; user stack copies (--unwind dwarf/auto) are unwound and the
 * result stored in the tool's stack map, so reports read them like any
 * other stack. */
#ifndef SRE_USTACKS_H
#define SRE_USTACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "unwind.h"
#include "../../bpf/common.h"
#include "../../bpf/ustack.h"

struct sre_symbolizer;

/* A stack copy's id (offcpu keys hold it) and the content hash its
 * unwound stack is stored under. */
struct sre_copy_id {
	uint64_t id, hash;
};

/* Copy ids remembered at most (16 bytes each); beyond, stacks are lost and counted. */
#define SRE_USTACK_MAX_IDS (4u << 20)
/* Times a live process's maps are read again for copies that land outside them. */
#define SRE_USTACK_MAX_CAPTURES 4

struct sre_ustack_sink {
	struct sre_symbolizer *sym;
	int stacks_fd;	 /* unwound stacks go here */
	int counts_fd;	 /* profile: the sample rows it counts; -1 otherwise */
	int fp_procs_fd; /* --unwind auto: processes to walk by frame pointers; -1 otherwise */
	int seen_fd;	 /* bpf/procs.bpf.h's seen_procs: which generation of a pid is current */
	int checks_fd;	 /* offcpu: copy_checks, what BPF checks before reusing a copy; -1 otherwise */
	/* What unwinding did, for -v and JSON. */
	uint64_t copies, copy_bytes, frames, unwind_ns, fp_procs, recaptures;
	uint64_t ends[SRE_UNWIND_NENDS]; /* of full copies */
	uint64_t joins, join_fallbacks;	  /* small copies joined to a frame-pointer walk, or not */
	uint64_t lost[SRE_CNT_MAX];	  /* losses found here (enum sre_counter) */
	struct sre_copy_id *ids;	  /* open addressing, power-of-two capacity */
	size_t ids_cap, nids;
};

/* Before load: -1 everywhere, no counts. */
void sre_ustack_sink_init(struct sre_ustack_sink *s, struct sre_symbolizer *sym);
struct sre_stack_opts;
struct bpf_object;
/* After load, before the first event: the tool's maps (bpf/ustack.bpf.h,
 * bpf/stacks.bpf.h, bpf/procs.bpf.h, by name), and whether copies come as
 * samples to count in its "samples" map (profile) or as ids its rows
 * already hold (offcpu). The symbolizer reads CFI when copies come. */
void sre_ustack_sink_setup(struct sre_ustack_sink *s, const struct sre_stack_opts *o, const struct bpf_object *obj,
			   bool counts_samples);

/* Bytes of process-event ring while stacks are copied, for this host's CPUs. */
uint32_t sre_ustack_ring_bytes(void);
/* The rodata and map sizes of bpf/ustack.bpf.h for the --unwind options;
 * reuses: the tool reuses copies (offcpu), so BPF checks them. */
#define SRE_CONFIGURE_UNWIND(skel, o, reuses)                                                  \
	({                                                                                     \
		bool _copies = sre_stack_copies(o);                                            \
		(skel)->rodata->dwarf_unwind = _copies;                                        \
		(skel)->rodata->unwind_auto = (o)->unwind == SRE_UNWIND_AUTO;                  \
		(skel)->rodata->ustack_bytes = (uint32_t)(o)->stack_bytes;                     \
		(skel)->rodata->has_task_pt_regs = sre_kernel_has_helper("task_pt_regs");      \
		bpf_map__set_max_entries((skel)->maps.copy_checks, _copies && (reuses) ? 16384 : 1); \
		_copies ? bpf_map__set_max_entries((skel)->maps.proc_events, sre_ustack_ring_bytes()) : 0; \
	})
void sre_ustack_sink_free(struct sre_ustack_sink *s);
/* Adds the losses found in userspace to counters read from the kernel. */
void sre_ustack_sink_add_losses(const struct sre_ustack_sink *s, uint64_t *cnt);
/* The stack-map id under which a row's user stack id is stored (ctx: the sink). */
uint64_t sre_ustack_sink_stack_id(void *ctx, uint64_t id);
/* Ring-buffer callback for bpf/procs.bpf.h and bpf/ustack.h events; ctx is the sink. */
int sre_ustack_sink_on_event(void *ctx, void *data, size_t len);
/* One line on stderr (-v): copies, how unwinds ended, time per unwind. */
void sre_ustack_sink_summary(const struct sre_ustack_sink *s, const char *tool);
/* JSON members for a report ("unwind":{...},) into buf; "" when no copies were made. */
void sre_ustack_sink_json(const struct sre_ustack_sink *s, char *buf, size_t len);

#endif
