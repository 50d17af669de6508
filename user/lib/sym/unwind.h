/* Unwinding a copied user stack with .eh_frame CFI (DWARF unwinding): the
 * registers and the bytes above the stack pointer, taken by BPF when the
 * thread was sampled or blocked (bpf/ustack.bpf.h), turned back into the
 * chain of return addresses. */
#ifndef SRE_UNWIND_H
#define SRE_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include "lib/sym/cfi.h"

struct usyms;

/* Why an unwind stopped. */
enum sre_unwind_end {
	SRE_UNWIND_END_COMPLETE,	/* reached the outermost frame (_start, thread start) */
	SRE_UNWIND_END_PAST_COPY,	/* needed stack beyond the copied bytes */
	SRE_UNWIND_END_NO_MAPPING,	/* a pc outside every code mapping (garbage, JIT) */
	SRE_UNWIND_END_NO_CFI,	/* code without .eh_frame, and no frame pointer to follow */
	SRE_UNWIND_END_BAD_CFI,	/* CFI this reader cannot follow */
	SRE_UNWIND_END_DEPTH,	/* more frames than room */
	SRE_UNWIND_END_NO_PROGRESS,	/* the stack pointer went backwards */
	SRE_UNWIND_NENDS,
};

extern const char *const sre_unwind_end_names[SRE_UNWIND_NENDS]; /* for people */
extern const char *const sre_unwind_end_keys[SRE_UNWIND_NENDS];  /* for JSON */

struct sre_unwind_input {
	uint32_t pid, gen;		/* the address space, as usyms knows it */
	uint64_t regs[CFI_NREGS];	/* DWARF numbering; [CFI_REG_RA] is the pc */
	const uint8_t *stack;		/* copy of [regs[CFI_REG_RSP], + len) */
	size_t len;
	bool fp_fallback;		/* follow rbp through code that has no CFI */
	/* Optional output, one per frame: where frame i's return address
	 * (ips[i], i >= 1) was read on the stack; 0 when it came from a
	 * register. Lets BPF check that a stack is still the same. */
	uint64_t *ra_slots;
};

/* Fills ips (innermost first) with up to max frames; returns how many. */
int sre_unwind(const struct usyms *u, const struct sre_unwind_input *in, uint64_t *ips, int max,
	       enum sre_unwind_end *end);

#endif
