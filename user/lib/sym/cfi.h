/* DWARF call frame information (.eh_frame) of one ELF file, x86-64: where
 * each function keeps its caller's registers, so a stack can be unwound
 * without frame pointers (issue #12, docs/unwinding.md). */
#ifndef SRE_CFI_H
#define SRE_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

/* DWARF register numbers of x86-64 that unwinding uses: 0..15 are the
 * general registers (rax rdx rcx rbx rsi rdi rbp rsp r8..r15), 16 the
 * return address. */
#define CFI_NREGS 17
#define CFI_REG_RBP 6
#define CFI_REG_RSP 7
#define CFI_REG_RA 16

enum cfi_rule_kind {
	CFI_SAME,	/* the caller's value is this frame's */
	CFI_UNDEF,	/* lost; for the return address: outermost frame */
	CFI_OFFSET,	/* saved at CFA + off */
	CFI_VAL_OFFSET,	/* is CFA + off */
	CFI_REGISTER,	/* is in register reg */
	CFI_EXPR,	/* saved at the address expr computes (CFA pushed first) */
	CFI_VAL_EXPR,	/* is what expr computes */
};

struct cfi_rule {
	uint8_t kind;
	uint8_t reg;
	int64_t off;
	const uint8_t *expr;	/* into the table's copy of .eh_frame */
	size_t expr_len;
};

/* How to find one frame's caller at one pc. */
struct cfi_row {
	bool cfa_is_expr;
	uint8_t cfa_reg;
	int64_t cfa_off;
	const uint8_t *cfa_expr;
	size_t cfa_expr_len;
	struct cfi_rule regs[CFI_NREGS];
	bool signal_frame;
};

struct cfi_table;

/* The .eh_frame of an ELF file; NULL when it has none (errno set). */
struct cfi_table *cfi_table_from_elf(Elf *e);
/* The same from the bytes of an .eh_frame loaded at addr (copied). */
struct cfi_table *cfi_table_from_bytes(const void *data, size_t len, uint64_t addr);
void cfi_table_free(struct cfi_table *t);
/* Start address of the i-th FDE in address order (0 past the end). */
uint64_t cfi_table_fde_start(const struct cfi_table *t, size_t i);
size_t cfi_table_fdes(const struct cfi_table *t);
/* Bytes the table holds (its copy of .eh_frame, the FDE index). */
size_t cfi_table_bytes(const struct cfi_table *t);
/* The start of the FDE covering pc (a function's first address, when no
 * symbol names it); false when none does. */
bool cfi_fde_start(const struct cfi_table *t, uint64_t pc, uint64_t *start);
/* Share of functions that make rbp their CFA register (0..1): near 1 in a
 * program built with frame pointers, near 0 without. */
double cfi_table_fp_share(const struct cfi_table *t);

/* The row for ELF virtual address pc: 0, -ENOENT when no FDE covers it,
 * -EINVAL when the CFI is damaged or uses what this reader does not know. */
int cfi_find(const struct cfi_table *t, uint64_t pc, struct cfi_row *row);

/* Reads 8 bytes at addr for a DWARF expression; false when not available. */
typedef bool (*cfi_read_fn)(void *ctx, uint64_t addr, uint64_t *val);

/* Evaluates a DWARF expression with regs (known[r] says which are set),
 * push (when has_push) first on the stack. 0 with *out, or -EINVAL. */
int cfi_eval_expr(const uint8_t *expr, size_t len, const uint64_t *regs, const bool *known, bool has_push,
		  uint64_t push, cfi_read_fn read, void *ctx, uint64_t *out);

#endif
