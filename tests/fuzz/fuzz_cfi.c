/* libFuzzer: .eh_frame parsing and the CFA interpreter, on bytes that a
 * hostile or damaged binary could map into a traced process. Every
 * lookup must return a row or an error, never read out of bounds; a row's
 * CFA register must be one the unwinder knows, and its expressions must
 * lie inside the table's copy. */
#include <stdint.h>
#include <stdlib.h>
#include "lib/sym/cfi.h"

static bool read_nothing(void *ctx, uint64_t addr, uint64_t *val)
{
	(void)ctx;
	*val = addr ^ 0x5555;
	return (addr & 7) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfi_table *t = cfi_table_from_bytes(data, size, 0x1000);
	uint64_t regs[CFI_NREGS], out;
	bool known[CFI_NREGS];
	struct cfi_row row;

	for (int r = 0; r < CFI_NREGS; r++) {
		regs[r] = 0x7000 + 8 * (uint64_t)r;
		known[r] = r != 2;
	}
	/* The bytes as an expression too. */
	cfi_eval_expr(data, size, regs, known, size & 1, 0x9000, read_nothing, NULL, &out);
	if (!t)
		return 0;
	for (size_t i = 0; i < cfi_table_fdes(t) && i < 64; i++) {
		uint64_t pc = cfi_table_fde_start(t, i);

		for (uint64_t d = 0; d < 64; d += 7) {
			if (cfi_find(t, pc + d, &row))
				continue;
			if (!row.cfa_is_expr && row.cfa_reg >= CFI_NREGS)
				abort();
			if (row.cfa_is_expr)
				cfi_eval_expr(row.cfa_expr, row.cfa_expr_len, regs, known, false, 0, read_nothing, NULL, &out);
			for (int r = 0; r < CFI_NREGS; r++)
				if (row.regs[r].kind == CFI_EXPR || row.regs[r].kind == CFI_VAL_EXPR)
					cfi_eval_expr(row.regs[r].expr, row.regs[r].expr_len, regs, known, true, 0x8000,
						      read_nothing, NULL, &out);
		}
	}
	cfi_table_fp_share(t);
	cfi_table_free(t);
	return 0;
}
