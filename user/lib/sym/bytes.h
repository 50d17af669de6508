/* Readers for the byte encodings of .eh_frame and DWARF: fixed-size
 * little-endian integers and LEB128, over a bounded range. A read past
 * the end sets bad and yields 0, so a damaged section is noticed once
 * at the end of a record, not checked at every field. */
#ifndef SRE_BYTES_H
#define SRE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p, *end;
	uint64_t addr;	/* virtual address of base[0], for pc-relative pointers (.eh_frame) */
	const uint8_t *base;
	bool bad;
};

static inline uint64_t rd_uleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	while (c->p < c->end) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
	c->bad = true;
	return 0;
}

static inline int64_t rd_sleb(struct cursor *c)
{
	int64_t v = 0;
	unsigned int shift = 0;
	uint8_t b = 0;

	while (c->p < c->end) {
		b = *c->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= (int64_t)(~0ULL << shift);
			return v;
		}
	}
	c->bad = true;
	return 0;
}

static inline uint64_t rd_fixed(struct cursor *c, size_t n)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

/* Skips n bytes. */
static inline void rd_skip(struct cursor *c, uint64_t n)
{
	if ((uint64_t)(c->end - c->p) < n) {
		c->bad = true;
		c->p = c->end;
		return;
	}
	c->p += n;
}

#endif
