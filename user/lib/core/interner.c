#include <stdlib.h>
#include <string.h>
#include "lib/core/interner.h"

#define CHUNK_BYTES 65536

struct sre_intern_chunk {
	struct sre_intern_chunk *next;
	size_t used, cap;
	char data[];
};

/* Index keys are pointers to NUL-terminated strings. */
static uint64_t key_hash(const void *key)
{
	const char *s = *(const char *const *)key;

	return sre_hash_bytes(s, strlen(s), 0);
}

static bool key_equal(const void *a, const void *b)
{
	return !strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sre_interner_init(struct sre_interner *in)
{
	sre_map_init(&in->index, sizeof(const char *), sizeof(const char *), key_hash, key_equal);
	in->chunks = NULL;
}

void sre_interner_free(struct sre_interner *in)
{
	while (in->chunks) {
		struct sre_intern_chunk *next = in->chunks->next;

		free(in->chunks);
		in->chunks = next;
	}
	sre_map_free(&in->index);
}

size_t sre_interner_count(const struct sre_interner *in)
{
	return in->index.n;
}

static char *store(struct sre_interner *in, const char *s, size_t len)
{
	struct sre_intern_chunk *c = in->chunks;
	char *dst;

	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = in->chunks;
		in->chunks = c;
	}
	dst = c->data + c->used;
	memcpy(dst, s, len);
	dst[len] = 0;
	c->used += len + 1;
	return dst;
}

const char *sre_intern_n(struct sre_interner *in, const char *s, size_t len)
{
	/* Stored first so the lookup has a NUL-terminated key; taken back
	 * (it is the chunk's last string) when the string was there already. */
	char *copy = store(in, s, len);
	const char **stored;
	bool added;

	if (!copy)
		return NULL;
	stored = sre_map_put(&in->index, &copy, &added);
	if (!added)
		in->chunks->used -= len + 1;
	if (!stored)
		return NULL;
	if (added)
		*stored = copy;
	return *stored;
}

const char *sre_intern(struct sre_interner *in, const char *s)
{
	return sre_intern_n(in, s, strlen(s));
}
