#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/hashmap.h"

#define ALIGN8(x) (((x) + 7) & ~(size_t)7)

uint64_t sre_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = 14695981039346656037ULL ^ seed; /* FNV-1a offset basis */

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

void sre_map_init(struct sre_map *m, size_t key_size, size_t val_size, uint64_t (*hash)(const void *key),
		  bool (*equal)(const void *a, const void *b))
{
	memset(m, 0, sizeof(*m));
	m->key_size = key_size;
	m->val_size = val_size;
	m->slot_size = 8 + ALIGN8(key_size) + ALIGN8(val_size);
	m->hash = hash;
	m->equal = equal;
}

void sre_map_free(struct sre_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->n = m->cap = 0;
}

static unsigned char *slot(const struct sre_map *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

static void *slot_key(const struct sre_map *m, unsigned char *s)
{
	(void)m;
	return s + 8;
}

static void *slot_val(const struct sre_map *m, unsigned char *s)
{
	return s + 8 + ALIGN8(m->key_size);
}

static uint64_t hash_of(const struct sre_map *m, const void *key)
{
	return m->hash ? m->hash(key) : sre_hash_u64(sre_hash_bytes(key, m->key_size, 0));
}

static bool same(const struct sre_map *m, const void *a, const void *b)
{
	return m->equal ? m->equal(a, b) : !memcmp(a, b, m->key_size);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find(const struct sre_map *m, const void *key)
{
	size_t i = (size_t)hash_of(m, key) & (m->cap - 1);

	while (slot(m, i)[0] && !same(m, slot_key(m, slot(m, i)), key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int grow(struct sre_map *m)
{
	struct sre_map bigger = *m;

	bigger.cap = m->cap ? m->cap * 2 : 64;
	bigger.n = 0;
	bigger.slots = calloc(bigger.cap, m->slot_size);
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		unsigned char *s = slot(m, i);

		if (s[0])
			memcpy(slot(&bigger, find(&bigger, slot_key(m, s))), s, m->slot_size);
	}
	bigger.n = m->n;
	free(m->slots);
	*m = bigger;
	return 0;
}

void *sre_map_get(const struct sre_map *m, const void *key)
{
	unsigned char *s;

	if (!m->cap)
		return NULL;
	s = slot(m, find(m, key));
	return s[0] ? slot_val(m, s) : NULL;
}

void *sre_map_put(struct sre_map *m, const void *key, bool *added)
{
	unsigned char *s;

	if (added)
		*added = false;
	if (m->cap) {
		s = slot(m, find(m, key));
		if (s[0])
			return slot_val(m, s);
	}
	if (m->max && m->n >= m->max)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return NULL;
	s = slot(m, find(m, key));
	s[0] = 1;
	memcpy(slot_key(m, s), key, m->key_size);
	memset(slot_val(m, s), 0, m->val_size);
	m->n++;
	if (added)
		*added = true;
	return slot_val(m, s);
}

bool sre_map_next(const struct sre_map *m, size_t *i, const void **key, void **val)
{
	for (; *i < m->cap; (*i)++) {
		unsigned char *s = slot(m, *i);

		if (s[0]) {
			(*i)++;
			if (key)
				*key = slot_key(m, s);
			if (val)
				*val = slot_val(m, s);
			return true;
		}
	}
	return false;
}
