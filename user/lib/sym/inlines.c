/* Inlined calls from DWARF .debug_info (DWARF 2-5): an index of units by
 * address, each unit's inlined-subroutine pieces read when first needed,
 * and their names by abstract origin. Only what inlined frames need is
 * read: tags, pc ranges, origins and names; types, locations and line
 * tables are skipped by form. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"
#include "lib/core/sorted.h"
#include "lib/sym/bytes.h"
#include "lib/sym/inlines.h"

enum {
	TAG_compile_unit = 0x11,
	TAG_partial_unit = 0x3c,
	TAG_subprogram = 0x2e,
	TAG_inlined_subroutine = 0x1d,
};

enum {
	AT_name = 0x03,
	AT_low_pc = 0x11,
	AT_high_pc = 0x12,
	AT_abstract_origin = 0x31,
	AT_specification = 0x47,
	AT_ranges = 0x55,
	AT_linkage_name = 0x6e,
	AT_str_offsets_base = 0x72,
	AT_addr_base = 0x73,
	AT_rnglists_base = 0x74,
	AT_MIPS_linkage_name = 0x2007,
};

enum { UT_compile = 1, UT_partial = 3 };

/* The sections read, by name. */
enum { S_INFO, S_ABBREV, S_STR, S_LINE_STR, S_STR_OFFSETS, S_ADDR, S_RANGES, S_RNGLISTS, S_COUNT };
static const char *const section_names[S_COUNT] = {
	".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str",
	".debug_str_offsets", ".debug_addr", ".debug_ranges", ".debug_rnglists",
};

struct section {
	const uint8_t *p;
	size_t n;
};

struct attr_spec {
	uint32_t at, form;
	int64_t implicit; /* DW_FORM_implicit_const's value, kept in the abbreviation */
};

struct abbrev {
	uint64_t code;
	uint32_t tag;
	bool children;
	uint32_t first, n; /* its attributes in specs */
};

struct abbrevs {
	struct abbrev *a; /* by code */
	size_t n;
	struct attr_spec *specs;
	size_t nspecs;
};

/* One contiguous piece of an inlined call's code. */
struct piece {
	uint64_t lo, hi;
	uint64_t max_hi; /* largest hi of this and every earlier piece: where a backward scan can stop */
	uint64_t origin; /* .debug_info offset of the DIE that names it */
	uint32_t depth;  /* 1: inlined into the function itself, 2: into that, ... */
};

struct unit {
	uint64_t off, end, die_off, abbrev_off;
	uint8_t version, addr_size, offset_size, type;
	uint64_t str_offsets_base, addr_base, rnglists_base, base_pc;
	struct abbrevs *abbrevs;
	struct piece *pieces;
	size_t npieces;
	bool read, bad;
};

/* Part of the address space one unit's code covers. */
struct span {
	uint64_t lo, hi;
	uint32_t unit;
};

struct inline_info {
	int fd;
	Elf *e;
	Elf_Scn *scn[S_COUNT];
	struct section sec[S_COUNT];
	bool loaded, broken;
	struct unit *units;
	size_t nunits;
	struct span *spans;
	size_t nspans, spans_cap;
	struct sre_map names; /* origin offset -> its name, interned */
	struct sre_interner pool;
	size_t bytes, units_read, units_bad;
};

/* An attribute's value, by class. */
enum val_kind { V_NONE, V_CONST, V_ADDR, V_ADDRX, V_STR, V_STRP, V_LINE_STRP, V_STRX, V_REF, V_SEC, V_RNGLISTX };

struct value {
	enum val_kind kind;
	uint64_t u;
	const char *s;
};

/* ---- opening and sections ---- */

struct inline_info *inline_info_open(int fd)
{
	struct inline_info *ii;
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_version(EV_CURRENT) == EV_NONE || !(ii = calloc(1, sizeof(*ii)))) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	ii->fd = fd;
	ii->e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ii->e || elf_kind(ii->e) != ELF_K_ELF || elf_getshdrstrndx(ii->e, &shstrndx)) {
		inline_info_free(ii);
		errno = ENOEXEC;
		return NULL;
	}
	while ((scn = elf_nextscn(ii->e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(name = elf_strptr(ii->e, shstrndx, sh.sh_name)))
			continue;
		for (int i = 0; i < S_COUNT; i++)
			if (!strcmp(name, section_names[i]))
				ii->scn[i] = scn;
	}
	if (!ii->scn[S_INFO] || !ii->scn[S_ABBREV]) {
		inline_info_free(ii);
		errno = ENODATA;
		return NULL;
	}
	sre_map_init(&ii->names, sizeof(uint64_t), sizeof(const char *), NULL, NULL);
	sre_interner_init(&ii->pool);
	return ii;
}

static void abbrevs_free(struct abbrevs *t)
{
	if (!t)
		return;
	free(t->a);
	free(t->specs);
	free(t);
}

void inline_info_free(struct inline_info *ii)
{
	if (!ii)
		return;
	for (size_t i = 0; i < ii->nunits; i++) {
		abbrevs_free(ii->units[i].abbrevs);
		free(ii->units[i].pieces);
	}
	free(ii->units);
	free(ii->spans);
	if (ii->scn[S_INFO]) {
		sre_map_free(&ii->names);
		sre_interner_free(&ii->pool);
	}
	if (ii->e)
		elf_end(ii->e);
	close(ii->fd);
	free(ii);
}

/* Section data, decompressed (libelf keeps the copy) when SHF_COMPRESSED. */
static int load_section(struct inline_info *ii, int i)
{
	Elf_Scn *scn = ii->scn[i];
	Elf_Data *d;
	GElf_Shdr sh;

	if (!scn)
		return 0;
	if (!gelf_getshdr(scn, &sh))
		return -EINVAL;
	if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
		return -EINVAL;
	d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf)
		return -EINVAL;
	ii->sec[i] = (struct section){ d->d_buf, d->d_size };
	ii->bytes += d->d_size;
	return 0;
}

/* A cursor at off in s, empty past its end or when the file lacks s. */
static struct cursor section_at(const struct section *s, uint64_t off)
{
	static const uint8_t none[1];

	if (!s->p)
		return (struct cursor){ none, none, 0, NULL, false };
	return (struct cursor){ s->p + (off < s->n ? off : s->n), s->p + s->n, 0, NULL, false };
}

/* Room for one more of *arr's elements (n used, *cap allocated, each
 * size bytes): doubled when full, first to start with. 0 or -ENOMEM. */
static int grow(void *arr, size_t n, size_t *cap, size_t first, size_t size)
{
	void **p = arr, *q;
	size_t c = *cap ? 2 * *cap : first;

	if (n < *cap)
		return 0;
	if (!(q = realloc(*p, c * size)))
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- abbreviations ---- */

static struct abbrevs *abbrevs_read(const struct inline_info *ii, uint64_t off)
{
	const struct section *s = &ii->sec[S_ABBREV];
	struct cursor c = section_at(s, off);
	struct abbrevs *t = calloc(1, sizeof(*t));
	size_t cap = 0, scap = 0;

	if (!t)
		return NULL;
	for (;;) {
		uint64_t code = rd_uleb(&c);
		struct abbrev *a;

		if (!code || c.bad)
			break;
		if (grow(&t->a, t->n, &cap, 64, sizeof(*t->a)))
			goto fail;
		a = &t->a[t->n++];
		a->code = code;
		a->tag = (uint32_t)rd_uleb(&c);
		a->children = rd_fixed(&c, 1) != 0;
		a->first = (uint32_t)t->nspecs;
		for (;;) {
			uint32_t at = (uint32_t)rd_uleb(&c), form = (uint32_t)rd_uleb(&c);
			int64_t implicit = form == 0x21 ? rd_sleb(&c) : 0;

			if ((!at && !form) || c.bad)
				break;
			if (grow(&t->specs, t->nspecs, &scap, 256, sizeof(*t->specs)))
				goto fail;
			t->specs[t->nspecs++] = (struct attr_spec){ at, form, implicit };
		}
		a->n = (uint32_t)(t->nspecs - a->first);
	}
	return t;
fail:
	abbrevs_free(t);
	return NULL;
}

static const struct abbrev *abbrev_find(const struct abbrevs *t, uint64_t code)
{
	/* Producers number codes 1, 2, 3, ... in order. */
	if (code - 1 < t->n && t->a[code - 1].code == code)
		return &t->a[code - 1];
	for (size_t i = 0; i < t->n; i++)
		if (t->a[i].code == code)
			return &t->a[i];
	return NULL;
}

static struct abbrevs *unit_abbrevs(const struct inline_info *ii, struct unit *u)
{
	if (!u->abbrevs)
		u->abbrevs = abbrevs_read(ii, u->abbrev_off);
	return u->abbrevs;
}

/* ---- attribute values ---- */

/* Reads one value of form; false for a form this reader does not know
 * (the rest of the DIE cannot be found then). */
static bool read_form(struct cursor *c, const struct unit *u, uint32_t form, int64_t implicit, struct value *v)
{
	uint64_t n;

	v->kind = V_CONST;
	v->s = NULL;
	switch (form) {
	case 0x01: v->kind = V_ADDR; v->u = rd_fixed(c, u->addr_size); break;	/* addr */
	case 0x0b: v->u = rd_fixed(c, 1); break;				/* data1 */
	case 0x05: v->u = rd_fixed(c, 2); break;				/* data2 */
	case 0x06: v->u = rd_fixed(c, 4); break;				/* data4 */
	case 0x07: v->u = rd_fixed(c, 8); break;				/* data8 */
	case 0x1e: rd_skip(c, 16); v->kind = V_NONE; break;			/* data16 */
	case 0x0d: v->u = (uint64_t)rd_sleb(c); break;				/* sdata */
	case 0x0f: v->u = rd_uleb(c); break;					/* udata */
	case 0x21: v->u = (uint64_t)implicit; break;				/* implicit_const */
	case 0x0c: v->u = rd_fixed(c, 1); break;				/* flag */
	case 0x19: v->u = 1; break;						/* flag_present */
	case 0x0a: n = rd_fixed(c, 1); goto block;				/* block1 */
	case 0x03: n = rd_fixed(c, 2); goto block;				/* block2 */
	case 0x04: n = rd_fixed(c, 4); goto block;				/* block4 */
	case 0x09: case 0x18: n = rd_uleb(c); goto block;			/* block, exprloc */
	case 0x08:								/* string */
		v->kind = V_STR;
		v->s = (const char *)c->p;
		while (c->p < c->end && *c->p)
			c->p++;
		if (c->p == c->end)
			c->bad = true;
		else
			c->p++;
		break;
	case 0x0e: v->kind = V_STRP; v->u = rd_fixed(c, u->offset_size); break;	/* strp */
	case 0x1f: v->kind = V_LINE_STRP; v->u = rd_fixed(c, u->offset_size); break; /* line_strp */
	case 0x1a: case 0x1f02: v->kind = V_STRX; v->u = rd_uleb(c); break;	/* strx, GNU_str_index */
	case 0x25: v->kind = V_STRX; v->u = rd_fixed(c, 1); break;		/* strx1 */
	case 0x26: v->kind = V_STRX; v->u = rd_fixed(c, 2); break;		/* strx2 */
	case 0x27: v->kind = V_STRX; v->u = rd_fixed(c, 3); break;		/* strx3 */
	case 0x28: v->kind = V_STRX; v->u = rd_fixed(c, 4); break;		/* strx4 */
	case 0x1b: case 0x1f01: v->kind = V_ADDRX; v->u = rd_uleb(c); break;	/* addrx, GNU_addr_index */
	case 0x29: v->kind = V_ADDRX; v->u = rd_fixed(c, 1); break;		/* addrx1 */
	case 0x2a: v->kind = V_ADDRX; v->u = rd_fixed(c, 2); break;		/* addrx2 */
	case 0x2b: v->kind = V_ADDRX; v->u = rd_fixed(c, 3); break;		/* addrx3 */
	case 0x2c: v->kind = V_ADDRX; v->u = rd_fixed(c, 4); break;		/* addrx4 */
	case 0x11: v->kind = V_REF; v->u = u->off + rd_fixed(c, 1); break;	/* ref1 */
	case 0x12: v->kind = V_REF; v->u = u->off + rd_fixed(c, 2); break;	/* ref2 */
	case 0x13: v->kind = V_REF; v->u = u->off + rd_fixed(c, 4); break;	/* ref4 */
	case 0x14: v->kind = V_REF; v->u = u->off + rd_fixed(c, 8); break;	/* ref8 */
	case 0x15: v->kind = V_REF; v->u = u->off + rd_uleb(c); break;		/* ref_udata */
	case 0x10:								/* ref_addr */
		v->kind = V_REF;
		v->u = rd_fixed(c, u->version <= 2 ? u->addr_size : u->offset_size);
		break;
	case 0x17: v->kind = V_SEC; v->u = rd_fixed(c, u->offset_size); break;	/* sec_offset */
	case 0x23: v->kind = V_RNGLISTX; v->u = rd_uleb(c); break;		/* rnglistx */
	case 0x22: v->u = rd_uleb(c); v->kind = V_NONE; break;			/* loclistx */
	case 0x20: case 0x24: rd_skip(c, 8); v->kind = V_NONE; break;		/* ref_sig8, ref_sup8 */
	case 0x1c: rd_skip(c, 4); v->kind = V_NONE; break;			/* ref_sup4 */
	case 0x1d: case 0x1f20: case 0x1f21:					/* strp_sup, GNU_ref_alt, GNU_strp_alt */
		rd_skip(c, u->offset_size);	/* in a supplementary file we do not read */
		v->kind = V_NONE;
		break;
	case 0x16:								/* indirect */
		return read_form(c, u, (uint32_t)rd_uleb(c), 0, v);
	default:
		return false;
	}
	return !c->bad;
block:
	rd_skip(c, n);
	v->kind = V_NONE;
	return !c->bad;
}

static bool value_is_const(const struct value *v)
{
	return v->kind == V_CONST;
}

/* A string value's text, or NULL. */
static const char *value_str(const struct inline_info *ii, const struct unit *u, const struct value *v)
{
	const struct section *s;
	uint64_t off = v->u;

	switch (v->kind) {
	case V_STR:
		return v->s;
	case V_STRP:
		s = &ii->sec[S_STR];
		break;
	case V_LINE_STRP:
		s = &ii->sec[S_LINE_STR];
		break;
	case V_STRX: {
		const struct section *so = &ii->sec[S_STR_OFFSETS];
		uint64_t at = u->str_offsets_base + off * u->offset_size;
		struct cursor c = section_at(so, at);

		off = rd_fixed(&c, u->offset_size);
		if (c.bad)
			return NULL;
		s = &ii->sec[S_STR];
		break;
	}
	default:
		return NULL;
	}
	/* The string must end inside its section. */
	if (off >= s->n || !memchr(s->p + off, 0, s->n - off))
		return NULL;
	return (const char *)s->p + off;
}

/* An address value; false when it is not one or cannot be read. */
static bool value_addr(const struct inline_info *ii, const struct unit *u, const struct value *v, uint64_t *out)
{
	const struct section *s = &ii->sec[S_ADDR];
	uint64_t at;
	struct cursor c;

	if (v->kind == V_ADDR) {
		*out = v->u;
		return true;
	}
	if (v->kind != V_ADDRX)
		return false;
	at = u->addr_base + v->u * u->addr_size;
	c = section_at(s, at);
	*out = rd_fixed(&c, u->addr_size);
	return !c.bad;
}

/* ---- address ranges ---- */

struct pcs {
	uint64_t (*r)[2];
	size_t n, cap;
};

static int pcs_add(struct pcs *p, uint64_t lo, uint64_t hi)
{
	if (hi <= lo)
		return 0;
	if (grow(&p->r, p->n, &p->cap, 8, sizeof(*p->r)))
		return -ENOMEM;
	p->r[p->n][0] = lo;
	p->r[p->n++][1] = hi;
	return 0;
}

/* DWARF 2-4 .debug_ranges: pairs relative to the unit's base address. */
static int read_ranges_v4(const struct inline_info *ii, const struct unit *u, uint64_t off, struct pcs *out)
{
	const struct section *s = &ii->sec[S_RANGES];
	struct cursor c = section_at(s, off);
	uint64_t base = u->base_pc, all = u->addr_size == 8 ? ~0ULL : 0xffffffffULL;
	int err = 0;

	while (!err) {
		uint64_t b = rd_fixed(&c, u->addr_size), e = rd_fixed(&c, u->addr_size);

		if (c.bad)
			return -EINVAL;
		if (!b && !e)
			break;
		if (b == all)
			base = e;
		else
			err = pcs_add(out, base + b, base + e);
	}
	return err;
}

/* DWARF 5 .debug_rnglists entries (DW_RLE_*). */
static int read_rnglist(const struct inline_info *ii, const struct unit *u, uint64_t off, struct pcs *out)
{
	const struct section *s = &ii->sec[S_RNGLISTS];
	struct cursor c = section_at(s, off);
	uint64_t base = u->base_pc, a, b;
	struct value v = { V_ADDRX, 0, NULL };
	int err = 0;

	while (!err) {
		uint8_t kind = (uint8_t)rd_fixed(&c, 1);

		if (c.bad)
			return -EINVAL;
		switch (kind) {
		case 0: /* end_of_list */
			return 0;
		case 1: /* base_addressx */
			v.u = rd_uleb(&c);
			if (!value_addr(ii, u, &v, &base))
				return -EINVAL;
			break;
		case 2: /* startx_endx */
		case 3: /* startx_length */
			v.u = rd_uleb(&c);
			if (!value_addr(ii, u, &v, &a))
				return -EINVAL;
			b = rd_uleb(&c);
			if (kind == 2) {
				v.u = b;
				if (!value_addr(ii, u, &v, &b))
					return -EINVAL;
			} else {
				b += a;
			}
			err = pcs_add(out, a, b);
			break;
		case 4: /* offset_pair */
			a = rd_uleb(&c);
			b = rd_uleb(&c);
			err = pcs_add(out, base + a, base + b);
			break;
		case 5: /* base_address */
			base = rd_fixed(&c, u->addr_size);
			break;
		case 6: /* start_end */
			a = rd_fixed(&c, u->addr_size);
			b = rd_fixed(&c, u->addr_size);
			err = pcs_add(out, a, b);
			break;
		case 7: /* start_length */
			a = rd_fixed(&c, u->addr_size);
			err = pcs_add(out, a, a + rd_uleb(&c));
			break;
		default:
			return -EINVAL;
		}
	}
	return err;
}

/* The attributes that say which code a DIE covers. */
struct die_code {
	struct value low, high, ranges;
};

static const struct die_code no_code = { { V_NONE, 0, NULL }, { V_NONE, 0, NULL }, { V_NONE, 0, NULL } };

/* Keeps v when attribute at is one of them. */
static bool take_code_attr(struct die_code *d, uint32_t at, const struct value *v)
{
	if (at == AT_low_pc)
		d->low = *v;
	else if (at == AT_high_pc)
		d->high = *v;
	else if (at == AT_ranges)
		d->ranges = *v;
	else
		return false;
	return true;
}

/* A DIE's code: its DW_AT_ranges, else low_pc with high_pc. */
static int die_pcs(const struct inline_info *ii, const struct unit *u, const struct die_code *d, struct pcs *out)
{
	const struct value *low = &d->low, *high = &d->high, *ranges = &d->ranges;
	uint64_t lo, hi, off;

	if (ranges->kind == V_SEC || ranges->kind == V_RNGLISTX || (ranges->kind == V_CONST && u->version < 5)) {
		if (u->version < 5)
			return read_ranges_v4(ii, u, ranges->u, out);
		off = ranges->u;
		if (ranges->kind == V_RNGLISTX) {
			const struct section *s = &ii->sec[S_RNGLISTS];
			uint64_t at = u->rnglists_base + ranges->u * u->offset_size;
			struct cursor c = section_at(s, at);

			off = u->rnglists_base + rd_fixed(&c, u->offset_size);
			if (c.bad)
				return -EINVAL;
		}
		return read_rnglist(ii, u, off, out);
	}
	if (!value_addr(ii, u, low, &lo))
		return 0;
	if (value_is_const(high))
		hi = lo + high->u;
	else if (!value_addr(ii, u, high, &hi))
		return 0;
	return pcs_add(out, lo, hi);
}

/* ---- the unit index ---- */

/* Reads the unit header at off; false when the section ends or is damaged. */
static bool read_unit_header(const struct section *info, uint64_t off, struct unit *u)
{
	struct cursor c = { info->p + off, info->p + info->n, 0, NULL, false };
	uint64_t len = rd_fixed(&c, 4);

	memset(u, 0, sizeof(*u));
	u->off = off;
	u->offset_size = 4;
	if (len == 0xffffffffULL) {
		len = rd_fixed(&c, 8);
		u->offset_size = 8;
	}
	if (c.bad || len > (uint64_t)(c.end - c.p))
		return false;
	u->end = (uint64_t)(c.p - info->p) + len;
	c.end = info->p + u->end;
	u->version = (uint8_t)rd_fixed(&c, 2);
	if (u->version >= 5) {
		u->type = (uint8_t)rd_fixed(&c, 1);
		u->addr_size = (uint8_t)rd_fixed(&c, 1);
		u->abbrev_off = rd_fixed(&c, u->offset_size);
		if (u->type == 4 || u->type == 5) /* skeleton, split_compile: dwo_id */
			rd_skip(&c, 8);
		else if (u->type == 2 || u->type == 6) /* type units: signature, type offset */
			rd_skip(&c, 8 + u->offset_size);
	} else {
		u->type = UT_compile;
		u->abbrev_off = rd_fixed(&c, u->offset_size);
		u->addr_size = (uint8_t)rd_fixed(&c, 1);
	}
	u->die_off = (uint64_t)(c.p - info->p);
	/* Bases default to just past the tables' headers (DWARF 5, 7.3). */
	u->str_offsets_base = u->addr_base = u->offset_size == 8 ? 16 : 8;
	u->rnglists_base = u->offset_size == 8 ? 20 : 12;
	u->bad = c.bad || u->version < 2 || u->version > 5 || (u->addr_size != 4 && u->addr_size != 8);
	return true;
}

static int add_span(struct inline_info *ii, uint64_t lo, uint64_t hi, uint32_t unit)
{
	if (grow(&ii->spans, ii->nspans, &ii->spans_cap, 256, sizeof(*ii->spans)))
		return -ENOMEM;
	ii->spans[ii->nspans++] = (struct span){ lo, hi, unit };
	return 0;
}

/* The unit DIE: its bases (which may come after the attributes that need
 * them, so read first) and the code it covers, as spans. */
static int index_unit(struct inline_info *ii, uint32_t idx)
{
	struct unit *u = &ii->units[idx];
	const struct section *info = &ii->sec[S_INFO];
	struct cursor c = { info->p + u->die_off, info->p + u->end, 0, NULL, false };
	struct value v;
	struct die_code covers = no_code;
	const struct abbrevs *t = unit_abbrevs(ii, u);
	const struct abbrev *a = t ? abbrev_find(t, rd_uleb(&c)) : NULL;
	struct pcs pcs = { 0 };
	int err = 0;

	if (!a || (a->tag != TAG_compile_unit && a->tag != TAG_partial_unit))
		return -EINVAL;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct attr_spec *s = &t->specs[a->first + i];

		if (!read_form(&c, u, s->form, s->implicit, &v))
			return -EINVAL;
		if (take_code_attr(&covers, s->at, &v))
			continue;
		if (s->at == AT_str_offsets_base)
			u->str_offsets_base = v.u;
		else if (s->at == AT_addr_base)
			u->addr_base = v.u;
		else if (s->at == AT_rnglists_base)
			u->rnglists_base = v.u;
	}
	if (!value_addr(ii, u, &covers.low, &u->base_pc))
		u->base_pc = 0;
	err = die_pcs(ii, u, &covers, &pcs);
	for (size_t i = 0; !err && i < pcs.n; i++)
		err = add_span(ii, pcs.r[i][0], pcs.r[i][1], idx);
	free(pcs.r);
	return err;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int build_index(struct inline_info *ii)
{
	const struct section *info;
	size_t cap = 0;
	int err;

	for (int i = 0; i < S_COUNT; i++)
		if ((err = load_section(ii, i)))
			return err;
	info = &ii->sec[S_INFO];
	for (uint64_t off = 0; off < info->n;) {
		struct unit u;

		if (!read_unit_header(info, off, &u))
			break;
		off = u.end;
		if (u.type != UT_compile && u.type != UT_partial)
			continue;
		if (grow(&ii->units, ii->nunits, &cap, 64, sizeof(*ii->units)))
			return -ENOMEM;
		ii->units[ii->nunits++] = u;
	}
	for (size_t i = 0; i < ii->nunits; i++) {
		struct unit *u = &ii->units[i];

		if (!u->bad && index_unit(ii, (uint32_t)i) == -ENOMEM)
			return -ENOMEM;
		/* Abbreviations are read again if the unit is: most never are. */
		abbrevs_free(u->abbrevs);
		u->abbrevs = NULL;
	}
	if (ii->nspans)
		qsort(ii->spans, ii->nspans, sizeof(*ii->spans), cmp_span);
	ii->bytes += ii->nunits * sizeof(*ii->units) + ii->nspans * sizeof(*ii->spans);
	return 0;
}

/* ---- a unit's inlined calls ---- */

static int cmp_piece(const void *a, const void *b)
{
	const struct piece *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/* Nesting deeper than this is not followed (the unit is skipped). */
#define MAX_DIE_DEPTH 512

static int read_unit(struct inline_info *ii, struct unit *u)
{
	const struct section *info = &ii->sec[S_INFO];
	struct cursor c = { info->p + u->die_off, info->p + u->end, 0, NULL, false };
	const struct abbrevs *t = unit_abbrevs(ii, u);
	uint32_t level[MAX_DIE_DEPTH];
	struct pcs pcs = { 0 };
	size_t cap = 0;
	int depth = 0, err = 0;

	u->read = true;
	if (!t)
		return -ENOMEM;
	while (!err && c.p < c.end) {
		uint64_t code = rd_uleb(&c);
		const struct abbrev *a;
		struct value v, origin = no_code.low;
		struct die_code covers = no_code;
		uint32_t parent, mine;
		bool inl;

		if (!code) {
			if (depth > 0)
				depth--;
			continue;
		}
		if (!(a = abbrev_find(t, code))) {
			err = -EINVAL;
			break;
		}
		inl = a->tag == TAG_inlined_subroutine;
		for (uint32_t i = 0; i < a->n; i++) {
			const struct attr_spec *s = &t->specs[a->first + i];

			if (!read_form(&c, u, s->form, s->implicit, &v)) {
				err = -EINVAL;
				break;
			}
			if (!inl || take_code_attr(&covers, s->at, &v))
				continue;
			if (s->at == AT_abstract_origin)
				origin = v;
		}
		if (err)
			break;
		parent = depth > 0 ? level[depth - 1] : 0;
		/* A function's own code starts the count again. */
		mine = inl ? parent + 1 : a->tag == TAG_subprogram ? 0 : parent;
		if (inl && origin.kind == V_REF) {
			pcs.n = 0;
			err = die_pcs(ii, u, &covers, &pcs);
			for (size_t i = 0; !err && i < pcs.n; i++) {
				if ((err = grow(&u->pieces, u->npieces, &cap, 64, sizeof(*u->pieces))))
					break;
				u->pieces[u->npieces++] =
					(struct piece){ pcs.r[i][0], pcs.r[i][1], 0, origin.u, mine };
			}
		}
		if (a->children) {
			if (depth == MAX_DIE_DEPTH)
				err = -E2BIG;
			else
				level[depth++] = mine;
		}
	}
	free(pcs.r);
	if (err)
		return err;
	if (u->npieces)
		qsort(u->pieces, u->npieces, sizeof(*u->pieces), cmp_piece);
	for (size_t i = 0; i < u->npieces; i++)
		u->pieces[i].max_hi = i && u->pieces[i - 1].max_hi > u->pieces[i].hi ? u->pieces[i - 1].max_hi
										      : u->pieces[i].hi;
	ii->bytes += u->npieces * sizeof(*u->pieces);
	return 0;
}

/* ---- names ---- */

static struct unit *unit_at(struct inline_info *ii, uint64_t off)
{
	size_t n = SRE_COUNT_LE(ii->units, ii->nunits, off, off);

	return n && off < ii->units[n - 1].end ? &ii->units[n - 1] : NULL;
}

/* The name of the DIE at off: its linkage name where it or a DIE it
 * refers to (specification, abstract origin) has one, as binutils
 * prefers them, else the first plain name. */
static const char *die_name(struct inline_info *ii, uint64_t off, int hops, bool *linkage)
{
	struct unit *u = unit_at(ii, off);
	const struct section *info = &ii->sec[S_INFO];
	const char *name = NULL, *via;
	struct value v, ref = { V_NONE, 0, NULL };
	const struct abbrevs *t;
	const struct abbrev *a;
	struct cursor c;
	bool via_linkage = false;

	*linkage = false;
	if (!u || u->bad || !(t = unit_abbrevs(ii, u)))
		return NULL;
	c = (struct cursor){ info->p + off, info->p + u->end, 0, NULL, false };
	if (!(a = abbrev_find(t, rd_uleb(&c))))
		return NULL;
	for (uint32_t i = 0; i < a->n; i++) {
		const struct attr_spec *s = &t->specs[a->first + i];

		if (!read_form(&c, u, s->form, s->implicit, &v))
			return name;
		if (s->at == AT_linkage_name || s->at == AT_MIPS_linkage_name) {
			const char *l = value_str(ii, u, &v);

			if (l) {
				*linkage = true;
				return l;
			}
		} else if (s->at == AT_name && !name) {
			name = value_str(ii, u, &v);
		} else if ((s->at == AT_specification || s->at == AT_abstract_origin) && v.kind == V_REF) {
			ref = v;
		}
	}
	if (ref.kind != V_REF || hops >= 4)
		return name;
	via = die_name(ii, ref.u, hops + 1, &via_linkage);
	if (via && (via_linkage || !name)) {
		*linkage = via_linkage;
		return via;
	}
	return name;
}

static const char *origin_name(struct inline_info *ii, uint64_t off)
{
	const char **slot = sre_map_get(&ii->names, &off), *name;
	bool linkage, added;

	if (slot)
		return *slot;
	name = die_name(ii, off, 0, &linkage);
	name = sre_intern(&ii->pool, name ? name : "");
	if (!name || !(slot = sre_map_put(&ii->names, &off, &added)))
		return "";
	*slot = name;
	return name;
}

/* ---- lookups ---- */

int inline_info_at(struct inline_info *ii, uint64_t vaddr, const char **names, int max)
{
	struct piece *hit[64];
	size_t n, nhit = 0;
	struct unit *u;

	if (ii->broken || max <= 0)
		return 0;
	if (!ii->loaded) {
		ii->loaded = true;
		if (build_index(ii)) {
			ii->broken = true;
			return 0;
		}
	}
	n = SRE_COUNT_LE(ii->spans, ii->nspans, lo, vaddr);
	if (!n || vaddr >= ii->spans[n - 1].hi)
		return 0;
	u = &ii->units[ii->spans[n - 1].unit];
	if (!u->read) {
		if (read_unit(ii, u)) {
			/* Damaged, or a form not known here: no inlined frames from it. */
			ii->units_bad++;
			free(u->pieces);
			u->pieces = NULL;
			u->npieces = 0;
		} else {
			ii->units_read++;
		}
	}
	/* Pieces starting at or before vaddr, back to where none reaches it. */
	for (size_t i = SRE_COUNT_LE(u->pieces, u->npieces, lo, vaddr); i-- > 0 && u->pieces[i].max_hi > vaddr;)
		if (u->pieces[i].hi > vaddr && nhit < sizeof(hit) / sizeof(hit[0]))
			hit[nhit++] = &u->pieces[i];
	/* Innermost (deepest) first. */
	for (size_t i = 1; i < nhit; i++)
		for (size_t j = i; j > 0 && hit[j]->depth > hit[j - 1]->depth; j--) {
			struct piece *tmp = hit[j];

			hit[j] = hit[j - 1];
			hit[j - 1] = tmp;
		}
	for (size_t i = 0; i < nhit && (int)i < max; i++)
		names[i] = origin_name(ii, hit[i]->origin);
	return nhit < (size_t)max ? (int)nhit : max;
}

size_t inline_info_bytes(const struct inline_info *ii)
{
	return ii ? ii->bytes : 0;
}

void inline_info_units(const struct inline_info *ii, size_t *read, size_t *total, size_t *bad)
{
	*read = ii ? ii->units_read : 0;
	*total = ii ? ii->nunits : 0;
	*bad = ii ? ii->units_bad : 0;
}
