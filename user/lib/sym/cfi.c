/* Reading .eh_frame: an index of FDEs sorted by start address, built once
 * per file, and a CFA-instruction interpreter run per lookup (a few
 * hundred bytes of instructions at most; unwinding caches nothing here). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/sorted.h"
#include "lib/sym/bytes.h"
#include "lib/sym/cfi.h"

/* Pointer encodings (DW_EH_PE_*). */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_APP 0x70
#define PE_PCREL 0x10
#define PE_INDIRECT 0x80

#define CFI_STATE_STACK 8
/* Bounds against damaged or hostile CFI: real augmentation strings are a
 * few letters ("zR", "zPLR", "zRS"), CIE programs tens of bytes, the
 * largest FDE programs a few KiB. Beyond these a lookup fails instead of
 * stalling the reader. */
#define CFI_MAX_AUG 8
#define CFI_MAX_INSN_BYTES (64 * 1024)
#define CFI_MAX_OPS 8192

struct cfi_fde {
	uint64_t start, end;
	uint32_t off;	/* of the FDE in data */
};

/* Rows already computed, by pc: a process blocks or is sampled at the same
 * few places again and again, and running a function's CFI program up to
 * the pc for every frame of every copy was a fifth of the unwinding time. */
#define CFI_ROW_CACHE 512

struct cfi_cached_row {
	uint64_t pc;	/* 0: empty */
	int err;
	struct cfi_row row;
};

struct cfi_table {
	uint8_t *data;		/* copy of .eh_frame */
	size_t len;
	uint64_t addr;		/* its virtual address */
	struct cfi_fde *fdes;
	size_t nfdes;
	struct cfi_cached_row *cache; /* CFI_ROW_CACHE, direct-mapped; made at the first lookup */
};

static int64_t sext(uint64_t v, unsigned int bits)
{
	uint64_t m = 1ULL << (bits - 1);

	return (int64_t)((v ^ m) - m);
}

/* An encoded pointer. Indirect ones point into data we do not have; only
 * personality routines use them, and those are skipped. */
static uint64_t rd_ptr(struct cursor *c, uint8_t enc)
{
	uint64_t field = c->addr + (uint64_t)(c->p - c->base), v;

	if (enc == PE_OMIT)
		return 0;
	if (enc & PE_INDIRECT) {
		c->bad = true; /* points at memory we do not have */
		return 0;
	}
	switch (enc & PE_FORMAT) {
	case 0x00: case 0x08: v = rd_fixed(c, 8); break; /* absptr, signed absptr */
	case 0x01: v = rd_uleb(c); break;
	case 0x02: v = rd_fixed(c, 2); break;
	case 0x03: v = rd_fixed(c, 4); break;
	case 0x04: v = rd_fixed(c, 8); break;
	case 0x09: v = (uint64_t)rd_sleb(c); break;
	case 0x0a: v = (uint64_t)sext(rd_fixed(c, 2), 16); break;
	case 0x0b: v = (uint64_t)sext(rd_fixed(c, 4), 32); break;
	case 0x0c: v = rd_fixed(c, 8); break;
	default:
		c->bad = true;
		return 0;
	}
	if ((enc & PE_APP) == PE_PCREL)
		v += field;
	else if (enc & PE_APP)
		c->bad = true; /* textrel, datarel, funcrel: not used by .eh_frame on x86-64 */
	return v;
}

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint8_t ra_reg;
	uint8_t fde_enc;
	bool has_aug_data;
	bool signal_frame;
	const uint8_t *insns, *insns_end;
};

/* An entry's length and body; false at the end or when damaged. */
static bool entry_at(const struct cfi_table *t, size_t off, const uint8_t **body, const uint8_t **end)
{
	struct cursor c = { t->data + off, t->data + t->len, 0, t->data, false };
	uint64_t len = rd_fixed(&c, 4);

	if (c.bad || !len)
		return false;
	if (len == 0xffffffff) {
		len = rd_fixed(&c, 8);
		if (c.bad)
			return false;
	}
	if (len > (uint64_t)(c.end - c.p))
		return false;
	*body = c.p;
	*end = c.p + len;
	return true;
}

static bool parse_cie(const struct cfi_table *t, size_t off, struct cie *cie)
{
	const uint8_t *body, *end;
	struct cursor c;
	const char *aug;
	uint8_t version;
	uint64_t ra;

	if (!entry_at(t, off, &body, &end))
		return false;
	c = (struct cursor){ body, end, t->addr, t->data, false };
	if (rd_fixed(&c, 4) != 0) /* a CIE's id is 0 in .eh_frame */
		return false;
	memset(cie, 0, sizeof(*cie));
	cie->fde_enc = 0; /* absptr unless 'R' says otherwise */
	version = (uint8_t)rd_fixed(&c, 1);
	aug = (const char *)c.p;
	while (c.p < c.end && *c.p && c.p - (const uint8_t *)aug < CFI_MAX_AUG)
		c.p++;
	if (c.p >= c.end || *c.p)
		return false;
	c.p++;
	if (version != 1 && version != 3)
		return false;
	if (strstr(aug, "eh"))
		rd_fixed(&c, 8);
	cie->code_align = rd_uleb(&c);
	cie->data_align = rd_sleb(&c);
	ra = version == 1 ? rd_fixed(&c, 1) : rd_uleb(&c);
	if (ra >= CFI_NREGS)
		return false;
	cie->ra_reg = (uint8_t)ra;
	if (aug[0] == 'z') {
		uint64_t alen = rd_uleb(&c);
		const uint8_t *after;

		if (alen > (uint64_t)(c.end - c.p))
			return false;
		after = c.p + alen;
		cie->has_aug_data = true;
		for (const char *a = aug + 1; *a; a++) {
			if (*a == 'L') {
				rd_fixed(&c, 1);
			} else if (*a == 'R') {
				cie->fde_enc = (uint8_t)rd_fixed(&c, 1);
			} else if (*a == 'P') {
				uint8_t enc = (uint8_t)rd_fixed(&c, 1);

				rd_ptr(&c, enc & (uint8_t)~PE_INDIRECT);
			} else if (*a == 'S') {
				cie->signal_frame = true;
			} else {
				break; /* unknown letter: the length lets us skip the rest */
			}
		}
		c.p = after;
	} else if (aug[0]) {
		return false;
	}
	if (c.bad || cie->code_align == 0 || end - c.p > CFI_MAX_INSN_BYTES)
		return false;
	cie->insns = c.p;
	cie->insns_end = end;
	return true;
}

/* An FDE's range, CIE and instructions. */
static bool parse_fde(const struct cfi_table *t, size_t off, struct cie *cie, uint64_t *start, uint64_t *endpc,
		      const uint8_t **insns, const uint8_t **insns_end)
{
	const uint8_t *body, *end;
	struct cursor c;
	uint64_t id, cie_off;

	if (!entry_at(t, off, &body, &end))
		return false;
	c = (struct cursor){ body, end, t->addr, t->data, false };
	id = rd_fixed(&c, 4);
	if (!id)
		return false; /* a CIE */
	cie_off = (uint64_t)(body - t->data) - id;
	if (cie_off >= t->len || !parse_cie(t, (size_t)cie_off, cie))
		return false;
	*start = rd_ptr(&c, cie->fde_enc);
	*endpc = *start + rd_ptr(&c, cie->fde_enc & PE_FORMAT);
	if (cie->has_aug_data) {
		uint64_t alen = rd_uleb(&c);

		if (alen > (uint64_t)(c.end - c.p))
			return false;
		c.p += alen;
	}
	if (c.bad || end - c.p > CFI_MAX_INSN_BYTES)
		return false;
	*insns = c.p;
	*insns_end = end;
	return true;
}

static int cmp_fde(const void *a, const void *b)
{
	const struct cfi_fde *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int index_fdes(struct cfi_table *t)
{
	size_t off = 0, cap = 0;

	while (off + 4 <= t->len) {
		const uint8_t *body, *end, *insns, *insns_end;
		struct cie cie;
		uint64_t start, endpc;

		if (!entry_at(t, off, &body, &end))
			break;
		if (parse_fde(t, off, &cie, &start, &endpc, &insns, &insns_end) && endpc > start &&
		    off <= UINT32_MAX) {
			if (t->nfdes == cap) {
				size_t c = cap ? cap * 2 : 256;
				struct cfi_fde *n = realloc(t->fdes, c * sizeof(*n));

				if (!n)
					return -ENOMEM;
				t->fdes = n;
				cap = c;
			}
			t->fdes[t->nfdes++] = (struct cfi_fde){ start, endpc, (uint32_t)off };
		}
		off = (size_t)(end - t->data);
	}
	if (t->nfdes)
		qsort(t->fdes, t->nfdes, sizeof(*t->fdes), cmp_fde);
	return 0;
}

struct cfi_table *cfi_table_from_elf(Elf *e)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e, &shstrndx)) {
		errno = ENOEXEC;
		return NULL;
	}
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".eh_frame"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || !d->d_size)
			break;
		return cfi_table_from_bytes(d->d_buf, d->d_size, sh.sh_addr);
	}
	errno = ENOENT;
	return NULL;
}

struct cfi_table *cfi_table_from_bytes(const void *data, size_t len, uint64_t addr)
{
	struct cfi_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->data = malloc(len ? len : 1);
	if (!t->data) {
		free(t);
		return NULL;
	}
	if (len)
		memcpy(t->data, data, len);
	t->len = len;
	t->addr = addr;
	if (index_fdes(t) || !t->nfdes) {
		cfi_table_free(t);
		errno = ENOENT;
		return NULL;
	}
	return t;
}

uint64_t cfi_table_fde_start(const struct cfi_table *t, size_t i)
{
	return t && i < t->nfdes ? t->fdes[i].start : 0;
}

void cfi_table_free(struct cfi_table *t)
{
	if (!t)
		return;
	free(t->data);
	free(t->fdes);
	free(t->cache);
	free(t);
}

size_t cfi_table_fdes(const struct cfi_table *t)
{
	return t ? t->nfdes : 0;
}

size_t cfi_table_bytes(const struct cfi_table *t)
{
	return t ? sizeof(*t) + t->len + t->nfdes * sizeof(*t->fdes) : 0;
}

/* The FDE covering pc, or NULL. */
static const struct cfi_fde *fde_covering(const struct cfi_table *t, uint64_t pc)
{
	size_t lo;

	if (!t || !t->nfdes)
		return NULL;
	lo = SRE_COUNT_LE(t->fdes, t->nfdes, start, pc);
	return lo && pc < t->fdes[lo - 1].end ? &t->fdes[lo - 1] : NULL;
}

bool cfi_fde_start(const struct cfi_table *t, uint64_t pc, uint64_t *start)
{
	const struct cfi_fde *f = fde_covering(t, pc);

	if (f)
		*start = f->start;
	return f != NULL;
}

/* True when an FDE's instructions make rbp the CFA register: the
 * function keeps a frame pointer. */
static bool fde_uses_rbp(const struct cfi_table *t, uint32_t off)
{
	const uint8_t *insns, *insns_end;
	struct cie cie;
	uint64_t start, end;

	if (!parse_fde(t, off, &cie, &start, &end, &insns, &insns_end))
		return false;
	/* A byte scan, not a decode: 0x0d 0x06 is def_cfa_register rbp, and
	 * the rare false match in an operand only nudges a share. */
	for (const uint8_t *p = insns; p + 1 < insns_end; p++)
		if ((p[0] == 0x0d || p[0] == 0x0c) && p[1] == CFI_REG_RBP)
			return true;
	return false;
}

double cfi_table_fp_share(const struct cfi_table *t)
{
	size_t n = 0, fp = 0;

	if (!t || !t->nfdes)
		return 0;
	/* A sample of at most 512 functions is plenty for a share. */
	for (size_t i = 0; i < t->nfdes; i += t->nfdes / 512 + 1, n++)
		fp += fde_uses_rbp(t, t->fdes[i].off);
	return (double)fp / (double)n;
}

/* ---- CFA instructions ---- */

/* A factored offset. Wraps instead of overflowing on damaged CFI (such
 * values only make reads miss the copy). */
/* A register number; 0xff (never valid) for one too large for a byte, so
 * it is rejected instead of wrapping onto a real register. */
static uint8_t rd_reg(struct cursor *c)
{
	uint64_t r = rd_uleb(c);

	return r < 0xff ? (uint8_t)r : 0xff;
}

static int64_t scaled(uint64_t v, int64_t align)
{
	return (int64_t)(v * (uint64_t)align);
}

static void set_rule(struct cfi_row *row, uint64_t reg, uint8_t kind, int64_t off)
{
	if (reg >= CFI_NREGS)
		return; /* vector registers and the like: not needed to unwind */
	row->regs[reg] = (struct cfi_rule){ .kind = kind, .off = off };
}

/* Runs instructions [p, end) up to (not past) pc. init is the CIE's row
 * for DW_CFA_restore, or NULL while running the CIE's own. */
static int run_insns(const struct cfi_table *t, const struct cie *cie, const uint8_t *p, const uint8_t *end,
		     uint64_t loc, uint64_t pc, struct cfi_row *row, const struct cfi_row *init)
{
	struct cfi_row saved[CFI_STATE_STACK];
	int depth = 0, ops = 0;
	struct cursor c = { p, end, t->addr, t->data, false };

	while (c.p < c.end && !c.bad) {
		if (++ops > CFI_MAX_OPS)
			return -EINVAL;
		uint8_t op = *c.p++, low = op & 0x3f;
		uint64_t reg, adv = 0;

		switch (op & 0xc0) {
		case 0x40: /* advance_loc */
			adv = low;
			goto advance;
		case 0x80: /* offset */
			set_rule(row, low, CFI_OFFSET, scaled(rd_uleb(&c), cie->data_align));
			continue;
		case 0xc0: /* restore */
			if (init && low < CFI_NREGS)
				row->regs[low] = init->regs[low];
			continue;
		}
		switch (op) {
		case 0x00: /* nop */
			break;
		case 0x01: /* set_loc */
			loc = rd_ptr(&c, cie->fde_enc);
			if (loc > pc)
				return 0;
			break;
		case 0x02: adv = rd_fixed(&c, 1); goto advance;
		case 0x03: adv = rd_fixed(&c, 2); goto advance;
		case 0x04: adv = rd_fixed(&c, 4); goto advance;
		case 0x05: /* offset_extended */
			reg = rd_uleb(&c);
			set_rule(row, reg, CFI_OFFSET, scaled(rd_uleb(&c), cie->data_align));
			break;
		case 0x06: /* restore_extended */
			reg = rd_uleb(&c);
			if (init && reg < CFI_NREGS)
				row->regs[reg] = init->regs[reg];
			break;
		case 0x07: /* undefined */
			set_rule(row, rd_uleb(&c), CFI_UNDEF, 0);
			break;
		case 0x08: /* same_value */
			set_rule(row, rd_uleb(&c), CFI_SAME, 0);
			break;
		case 0x09: { /* register */
			uint64_t from;

			reg = rd_uleb(&c);
			from = rd_uleb(&c);
			set_rule(row, reg, CFI_REGISTER, 0);
			if (reg < CFI_NREGS)
				row->regs[reg].reg = (uint8_t)(from < CFI_NREGS ? from : 0xff);
			break;
		}
		case 0x0a: /* remember_state */
			if (depth == CFI_STATE_STACK)
				return -EINVAL;
			saved[depth++] = *row;
			break;
		case 0x0b: /* restore_state: the CFA too, as GCC's epilogues expect */
			if (!depth)
				return -EINVAL;
			*row = saved[--depth];
			break;
		case 0x0c: /* def_cfa */
			row->cfa_is_expr = false;
			row->cfa_reg = rd_reg(&c);
			row->cfa_off = (int64_t)rd_uleb(&c);
			break;
		case 0x12: /* def_cfa_sf */
			row->cfa_is_expr = false;
			row->cfa_reg = rd_reg(&c);
			row->cfa_off = scaled((uint64_t)rd_sleb(&c), cie->data_align);
			break;
		case 0x0d: /* def_cfa_register */
			row->cfa_is_expr = false;
			row->cfa_reg = rd_reg(&c);
			break;
		case 0x0e: /* def_cfa_offset */
			row->cfa_off = (int64_t)rd_uleb(&c);
			break;
		case 0x13: /* def_cfa_offset_sf */
			row->cfa_off = scaled((uint64_t)rd_sleb(&c), cie->data_align);
			break;
		case 0x0f: { /* def_cfa_expression */
			uint64_t n = rd_uleb(&c);

			if (n > (uint64_t)(c.end - c.p))
				return -EINVAL;
			row->cfa_is_expr = true;
			row->cfa_expr = c.p;
			row->cfa_expr_len = (size_t)n;
			c.p += n;
			break;
		}
		case 0x10: /* expression */
		case 0x16: { /* val_expression */
			uint64_t n;

			reg = rd_uleb(&c);
			n = rd_uleb(&c);
			if (n > (uint64_t)(c.end - c.p))
				return -EINVAL;
			if (reg < CFI_NREGS)
				row->regs[reg] = (struct cfi_rule){
					.kind = op == 0x10 ? CFI_EXPR : CFI_VAL_EXPR, .expr = c.p, .expr_len = (size_t)n
				};
			c.p += n;
			break;
		}
		case 0x11: /* offset_extended_sf */
			reg = rd_uleb(&c);
			set_rule(row, reg, CFI_OFFSET, scaled((uint64_t)rd_sleb(&c), cie->data_align));
			break;
		case 0x14: /* val_offset */
			reg = rd_uleb(&c);
			set_rule(row, reg, CFI_VAL_OFFSET, scaled(rd_uleb(&c), cie->data_align));
			break;
		case 0x15: /* val_offset_sf */
			reg = rd_uleb(&c);
			set_rule(row, reg, CFI_VAL_OFFSET, scaled((uint64_t)rd_sleb(&c), cie->data_align));
			break;
		case 0x2e: /* GNU_args_size */
			rd_uleb(&c);
			break;
		case 0x2f: /* GNU_negative_offset_extended */
			reg = rd_uleb(&c);
			set_rule(row, reg, CFI_OFFSET, scaled(-rd_uleb(&c), cie->data_align));
			break;
		default:
			return -EINVAL;
		}
		continue;
advance:
		loc += adv * cie->code_align;
		if (loc > pc)
			return 0;
	}
	return c.bad ? -EINVAL : 0;
}

/* x86-64 defaults: callee-saved registers keep their values, the others
 * are lost across a call. */
static void default_row(struct cfi_row *row)
{
	static const bool callee_saved[CFI_NREGS] = {
		[3] = true, [6] = true, [12] = true, [13] = true, [14] = true, [15] = true,
	};

	memset(row, 0, sizeof(*row));
	for (int r = 0; r < CFI_NREGS; r++)
		row->regs[r].kind = callee_saved[r] ? CFI_SAME : CFI_UNDEF;
	row->regs[CFI_REG_RSP].kind = CFI_SAME; /* replaced by the CFA */
	row->regs[CFI_REG_RA].kind = CFI_SAME;	/* every CIE says where it is */
}

static int find_row(const struct cfi_table *t, uint64_t pc, struct cfi_row *row);

int cfi_find(const struct cfi_table *t, uint64_t pc, struct cfi_row *row)
{
	/* The cache is not part of what the table means: const for callers. */
	struct cfi_table *mt = (struct cfi_table *)t;
	struct cfi_cached_row *c;

	if (!t || !t->nfdes || !pc)
		return find_row(t, pc, row);
	if (!mt->cache)
		mt->cache = calloc(CFI_ROW_CACHE, sizeof(*mt->cache));
	if (!mt->cache)
		return find_row(t, pc, row);
	c = &mt->cache[((pc * 0x9e3779b97f4a7c15ULL) >> 32) & (CFI_ROW_CACHE - 1)];
	if (c->pc != pc) {
		c->err = find_row(t, pc, &c->row);
		c->pc = pc;
	}
	*row = c->row;
	return c->err;
}

static int find_row(const struct cfi_table *t, uint64_t pc, struct cfi_row *row)
{
	const uint8_t *insns, *insns_end;
	struct cfi_row init;
	struct cie cie;
	uint64_t start, end;
	const struct cfi_fde *f = fde_covering(t, pc);
	int err;

	if (!f)
		return -ENOENT;
	if (!parse_fde(t, f->off, &cie, &start, &end, &insns, &insns_end))
		return -EINVAL;
	if (cie.ra_reg != CFI_REG_RA)
		return -EINVAL;
	default_row(&init);
	err = run_insns(t, &cie, cie.insns, cie.insns_end, start, UINT64_MAX, &init, NULL);
	if (err)
		return err;
	*row = init;
	err = run_insns(t, &cie, insns, insns_end, start, pc, row, &init);
	if (err)
		return err;
	row->signal_frame = cie.signal_frame;
	return row->cfa_is_expr || row->cfa_reg < CFI_NREGS ? 0 : -EINVAL;
}

/* ---- DWARF expressions (the forms CFI uses: PLT stubs, realigned stacks) ---- */

#define EXPR_STACK 16

int cfi_eval_expr(const uint8_t *expr, size_t len, const uint64_t *regs, const bool *known, bool has_push,
		  uint64_t push, cfi_read_fn read, void *ctx, uint64_t *out)
{
	uint64_t st[EXPR_STACK];
	int n = 0;
	struct cursor c = { expr, expr + len, 0, expr, false };

#define NEED(k) do { if (n < (k)) return -EINVAL; } while (0)
#define PUSH(v) do { uint64_t _v = (v); if (n == EXPR_STACK) return -EINVAL; st[n++] = _v; } while (0)
	if (has_push)
		PUSH(push);
	while (c.p < c.end) {
		uint8_t op = *c.p++;
		uint64_t a, b;

		if (op >= 0x30 && op <= 0x4f) { /* lit0..31 */
			PUSH((uint64_t)(op - 0x30));
			continue;
		}
		if (op >= 0x70 && op <= 0x8f) { /* breg0..31 */
			int64_t off = rd_sleb(&c);

			if (op - 0x70 >= CFI_NREGS || !known[op - 0x70])
				return -EINVAL;
			PUSH(regs[op - 0x70] + (uint64_t)off);
			continue;
		}
		switch (op) {
		case 0x06: /* deref */
			NEED(1);
			if (!read(ctx, st[n - 1], &st[n - 1]))
				return -EINVAL;
			break;
		case 0x08: PUSH(rd_fixed(&c, 1)); break;
		case 0x09: PUSH((uint64_t)sext(rd_fixed(&c, 1), 8)); break;
		case 0x0a: PUSH(rd_fixed(&c, 2)); break;
		case 0x0b: PUSH((uint64_t)sext(rd_fixed(&c, 2), 16)); break;
		case 0x0c: PUSH(rd_fixed(&c, 4)); break;
		case 0x0d: PUSH((uint64_t)sext(rd_fixed(&c, 4), 32)); break;
		case 0x0e: case 0x0f: PUSH(rd_fixed(&c, 8)); break;
		case 0x10: PUSH(rd_uleb(&c)); break;
		case 0x11: PUSH((uint64_t)rd_sleb(&c)); break;
		case 0x12: NEED(1); PUSH(st[n - 1]); break;			/* dup */
		case 0x13: NEED(1); n--; break;					/* drop */
		case 0x14: NEED(2); PUSH(st[n - 2]); break;			/* over */
		case 0x16: NEED(2); a = st[n - 1]; st[n - 1] = st[n - 2]; st[n - 2] = a; break; /* swap */
		case 0x1f: NEED(1); st[n - 1] = -st[n - 1]; break;		/* neg */
		case 0x20: NEED(1); st[n - 1] = ~st[n - 1]; break;		/* not */
		case 0x23: NEED(1); st[n - 1] += rd_uleb(&c); break;		/* plus_uconst */
		case 0x96: break;						/* nop */
		case 0x1a: case 0x1c: case 0x1e: case 0x21: case 0x22: case 0x24: case 0x25: case 0x26: case 0x27:
		case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
			NEED(2);
			b = st[--n];
			a = st[n - 1];
			switch (op) {
			case 0x1a: a &= b; break;
			case 0x1c: a -= b; break;
			case 0x1e: a *= b; break;
			case 0x21: a |= b; break;
			case 0x22: a += b; break;
			case 0x24: a = b < 64 ? a << b : 0; break;
			case 0x25: a = b < 64 ? a >> b : 0; break;
			case 0x26: a = (uint64_t)((int64_t)a >> (b < 64 ? b : 63)); break;
			case 0x27: a ^= b; break;
			/* Comparisons are signed (DWARF 5, 2.5.1.4). */
			case 0x29: a = (int64_t)a == (int64_t)b; break;
			case 0x2a: a = (int64_t)a >= (int64_t)b; break;
			case 0x2b: a = (int64_t)a > (int64_t)b; break;
			case 0x2c: a = (int64_t)a <= (int64_t)b; break;
			case 0x2d: a = (int64_t)a < (int64_t)b; break;
			case 0x2e: a = (int64_t)a != (int64_t)b; break;
			}
			st[n - 1] = a;
			break;
		default:
			return -EINVAL;
		}
		if (c.bad)
			return -EINVAL;
	}
#undef NEED
#undef PUSH
	if (!n)
		return -EINVAL;
	*out = st[n - 1];
	return 0;
}
