/* The process lifecycle, in one place: BPF announces a process the first
 * time one of its stacks is kept (bpf/procs.bpf.h), giving it a generation
 * (pid, gen) = one address space; exec and exit end it. Here, on those
 * events, its maps and symbols are read while it lives, remembered after it
 * ends, read again (a bounded number of times) when a stack lands outside
 * them, and --unwind auto learns whether it has frame pointers. */
#ifndef SRE_PROCS_H
#define SRE_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/core/hashmap.h"

struct bpf_object;
struct usyms;
struct pysyms;

/* Times a live process's maps are read again for stacks that land outside them. */
#define SRE_PROCS_MAX_CAPTURES 4

struct sre_procs {
	struct usyms *usyms;  /* the symbolizer's; NULL: user frames not wanted */
	int seen_fd;	      /* bpf/procs.bpf.h's seen_procs: which generation of a pid is current */
	int fp_procs_fd;      /* --unwind auto: processes to walk by frame pointers; -1 otherwise */
	uint64_t gone;	      /* announced, but gone before their maps were read */
	uint64_t recaptures;  /* maps read again */
	uint64_t fp_procs;    /* processes found to have frame pointers */
	uint64_t fp_to_copies; /* ... whose walks failed too often: now copied in full */
	struct sre_map joins;  /* (pid, gen) -> how its small copies joined its walks */
	struct pysyms *py;     /* Python frames wanted (profile): names of code objects */
	int py_procs_fd, py_enabled_fd, stacks_fd; /* bpf/python.bpf.h's maps, the stack map */
	uint64_t py_procs;     /* Python processes whose frames BPF reads */
	uint32_t py_unsupported; /* the last Python version said to be unsupported */
	bool py_said;
};

/* After load; fp_walks: --unwind auto (find the fp_procs map). */
void sre_procs_init(struct sre_procs *p, struct usyms *usyms, const struct bpf_object *obj, bool fp_walks);
void sre_procs_free(struct sre_procs *p);
/* Python processes get their interpreter's frames read by BPF when obj
 * has the maps for it (profile), named through py. */
void sre_procs_enable_python(struct sre_procs *p, struct pysyms *py, const struct bpf_object *obj);
/* A struct sre_proc_event: NEW reads the maps, GONE forgets the process. */
void sre_procs_on_event(struct sre_procs *p, const void *data, size_t len);
/* Reads (pid, gen)'s maps if they were never read and it is still that
 * address space (its announcement was dropped or came late). 0 when its
 * maps are there. */
int sre_procs_ensure(struct sre_procs *p, uint32_t tgid, uint32_t gen);
/* Reads a live (pid, gen)'s maps again (a library mapped after they were
 * read), at most SRE_PROCS_MAX_CAPTURES times. 0 when read again. */
int sre_procs_recapture(struct sre_procs *p, uint32_t tgid, uint32_t gen);

/* How a small copy of (pid, gen) joined its frame-pointer walk. A program
 * built with frame pointers can still have no usable walk where a library
 * uses rbp as a plain register (glibc's futex and semaphore waits): when
 * more than 1 in 20 of its joins fail, its stacks are copied in full and
 * unwound with CFI from then on, at the cost of a larger copy. */
void sre_procs_join_result(struct sre_procs *p, uint32_t tgid, uint32_t gen, bool joined);

#endif
