/* The one string interner: each distinct string stored once, in chunks
 * that never move, so the pointers it hands out stay valid (and compare
 * equal for equal strings) until sre_interner_free. */
#ifndef SRE_INTERNER_H
#define SRE_INTERNER_H

#include <stddef.h>
#include "lib/core/hashmap.h"

struct sre_interner {
	struct sre_map index; /* string -> its stored copy */
	struct sre_intern_chunk *chunks;
};

void sre_interner_init(struct sre_interner *in);
void sre_interner_free(struct sre_interner *in);
/* The stored copy of the len bytes at s (need not be NUL-terminated);
 * NULL when memory runs out. */
const char *sre_intern_n(struct sre_interner *in, const char *s, size_t len);
const char *sre_intern(struct sre_interner *in, const char *s);
/* Distinct strings stored. */
size_t sre_interner_count(const struct sre_interner *in);

#endif
