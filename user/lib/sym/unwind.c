#include <errno.h>
#include <string.h>
#include "lib/sym/unwind.h"
#include "lib/sym/usyms.h"

const char *const sre_unwind_end_names[SRE_UNWIND_NENDS] = {
	[SRE_UNWIND_END_COMPLETE] = "complete",
	[SRE_UNWIND_END_PAST_COPY] = "past the copied stack",
	[SRE_UNWIND_END_NO_MAPPING] = "pc in no code mapping",
	[SRE_UNWIND_END_NO_CFI] = "code without CFI",
	[SRE_UNWIND_END_BAD_CFI] = "unreadable CFI",
	[SRE_UNWIND_END_DEPTH] = "too deep",
	[SRE_UNWIND_END_NO_PROGRESS] = "no progress",
};

const char *const sre_unwind_end_keys[SRE_UNWIND_NENDS] = {
	[SRE_UNWIND_END_COMPLETE] = "complete",
	[SRE_UNWIND_END_PAST_COPY] = "past_copy",
	[SRE_UNWIND_END_NO_MAPPING] = "no_mapping",
	[SRE_UNWIND_END_NO_CFI] = "no_cfi",
	[SRE_UNWIND_END_BAD_CFI] = "bad_cfi",
	[SRE_UNWIND_END_DEPTH] = "depth",
	[SRE_UNWIND_END_NO_PROGRESS] = "no_progress",
};

struct frame {
	uint64_t regs[CFI_NREGS];
	bool known[CFI_NREGS];
};

/* Stack memory reads come from the copy only: the thread has moved on. */
static bool read_copy(void *ctx, uint64_t addr, uint64_t *val)
{
	const struct sre_unwind_input *in = ctx;
	uint64_t sp = in->regs[CFI_REG_RSP];

	if (addr < sp || addr - sp > in->len || in->len - (addr - sp) < sizeof(*val))
		return false;
	memcpy(val, in->stack + (addr - sp), sizeof(*val));
	return true;
}

/* The caller's registers from this frame's CFI row. */
static enum sre_unwind_end step_cfi(const struct sre_unwind_input *in, const struct cfi_row *row,
				    const struct frame *cur, struct frame *next, uint64_t *ra_slot)
{
	uint64_t cfa;

	if (row->cfa_is_expr) {
		if (cfi_eval_expr(row->cfa_expr, row->cfa_expr_len, cur->regs, cur->known, false, 0, read_copy,
				  (void *)in, &cfa))
			return SRE_UNWIND_END_PAST_COPY;
	} else {
		if (!cur->known[row->cfa_reg])
			return SRE_UNWIND_END_BAD_CFI;
		cfa = cur->regs[row->cfa_reg] + (uint64_t)row->cfa_off;
	}
	memset(next, 0, sizeof(*next));
	for (int r = 0; r < CFI_NREGS; r++) {
		const struct cfi_rule *rule = &row->regs[r];
		uint64_t v = 0;
		bool ok = true;

		switch (rule->kind) {
		case CFI_SAME:
			ok = cur->known[r];
			v = cur->regs[r];
			break;
		case CFI_UNDEF:
			ok = false;
			break;
		case CFI_OFFSET:
			ok = read_copy((void *)in, cfa + (uint64_t)rule->off, &v);
			if (!ok && r == CFI_REG_RA)
				return SRE_UNWIND_END_PAST_COPY;
			if (r == CFI_REG_RA)
				*ra_slot = cfa + (uint64_t)rule->off;
			break;
		case CFI_VAL_OFFSET:
			v = cfa + (uint64_t)rule->off;
			break;
		case CFI_REGISTER:
			ok = rule->reg < CFI_NREGS && cur->known[rule->reg];
			v = ok ? cur->regs[rule->reg] : 0;
			break;
		case CFI_EXPR:
		case CFI_VAL_EXPR:
			ok = !cfi_eval_expr(rule->expr, rule->expr_len, cur->regs, cur->known, true, cfa, read_copy,
					    (void *)in, &v);
			if (ok && rule->kind == CFI_EXPR) {
				if (r == CFI_REG_RA)
					*ra_slot = v;
				ok = read_copy((void *)in, v, &v);
			}
			if (!ok && r == CFI_REG_RA)
				return SRE_UNWIND_END_PAST_COPY;
			break;
		}
		next->regs[r] = v;
		next->known[r] = ok;
	}
	next->regs[CFI_REG_RSP] = cfa;
	next->known[CFI_REG_RSP] = true;
	/* No return address: this was the outermost frame. */
	if (!next->known[CFI_REG_RA] || !next->regs[CFI_REG_RA])
		return SRE_UNWIND_END_COMPLETE;
	return SRE_UNWIND_NENDS;
}

/* Through code without CFI: trust rbp as a frame pointer. */
static enum sre_unwind_end step_fp(const struct sre_unwind_input *in, const struct frame *cur, struct frame *next,
				   uint64_t *ra_slot)
{
	uint64_t bp = cur->regs[CFI_REG_RBP];

	if (!cur->known[CFI_REG_RBP])
		return SRE_UNWIND_END_NO_CFI;
	memset(next, 0, sizeof(*next));
	if (!read_copy((void *)in, bp, &next->regs[CFI_REG_RBP]) ||
	    !read_copy((void *)in, bp + 8, &next->regs[CFI_REG_RA]))
		return SRE_UNWIND_END_PAST_COPY;
	next->known[CFI_REG_RBP] = next->known[CFI_REG_RA] = true;
	*ra_slot = bp + 8;
	next->regs[CFI_REG_RSP] = bp + 16;
	next->known[CFI_REG_RSP] = true;
	return next->regs[CFI_REG_RA] ? SRE_UNWIND_NENDS : SRE_UNWIND_END_COMPLETE;
}

int sre_unwind(const struct usyms *u, const struct sre_unwind_input *in, uint64_t *ips, int max,
	       enum sre_unwind_end *end)
{
	struct frame cur, next;
	bool exact_pc = true; /* the sampled pc, or a frame a signal interrupted */
	int n = 0;

	for (int r = 0; r < CFI_NREGS; r++) {
		cur.regs[r] = in->regs[r];
		cur.known[r] = true;
	}
	*end = SRE_UNWIND_END_DEPTH;
	if (in->ra_slots && max > 0)
		in->ra_slots[0] = 0;
	while (n < max) {
		uint64_t pc = cur.regs[CFI_REG_RA], vaddr, ra_slot = 0;
		const struct cfi_table *cfi;
		struct cfi_row row;
		enum sre_unwind_end e;
		int err;

		ips[n++] = pc;
		/* A return address may be the first byte after a call that never
		 * returns, i.e. the next function: look up the call itself. */
		err = usyms_find_cfi(u, in->pid, in->gen, exact_pc ? pc : pc - 1, &cfi, &vaddr);
		if (err == -ENOENT || err == -ESRCH) {
			*end = SRE_UNWIND_END_NO_MAPPING;
			break;
		}
		row.signal_frame = false;
		if (!err)
			err = cfi_find(cfi, vaddr, &row);
		if (!err)
			e = step_cfi(in, &row, &cur, &next, &ra_slot);
		else if (err == -EINVAL)
			e = SRE_UNWIND_END_BAD_CFI;
		else if (in->fp_fallback)
			e = step_fp(in, &cur, &next, &ra_slot);
		else
			e = SRE_UNWIND_END_NO_CFI;
		if (e != SRE_UNWIND_NENDS) {
			*end = e;
			break;
		}
		/* The stack grows down, so callers' frames are higher; equal is
		 * legitimate once (vfork keeps its return address in a register). */
		if (!row.signal_frame && (next.regs[CFI_REG_RSP] < cur.regs[CFI_REG_RSP] ||
					  (next.regs[CFI_REG_RSP] == cur.regs[CFI_REG_RSP] &&
					   next.regs[CFI_REG_RA] == cur.regs[CFI_REG_RA]))) {
			*end = SRE_UNWIND_END_NO_PROGRESS;
			break;
		}
		exact_pc = row.signal_frame;
		cur = next;
		if (in->ra_slots && n < max)
			in->ra_slots[n] = ra_slot;
	}
	return n;
}
