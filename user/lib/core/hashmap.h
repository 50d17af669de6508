/* The one hash map: open addressing over fixed-size keys and values,
 * linear probing, power-of-two capacity, grown at half full. Keys are
 * compared byte for byte (pad keys with zeroes) unless the map is made
 * with hash/equal functions of its own (the interner's string keys).
 * Values are zeroed when added; a pointer to one stays valid until the
 * next sre_map_put. No removal: the tools only ever add. */
#ifndef SRE_HASHMAP_H
#define SRE_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sre_map {
	size_t key_size, val_size, slot_size;
	size_t n, cap;
	size_t max;	      /* entries at most; 0: no limit */
	unsigned char *slots; /* each: used byte, key, value (aligned to 8) */
	uint64_t (*hash)(const void *key);
	bool (*equal)(const void *a, const void *b);
};

/* An empty map; hash and equal may both be NULL (bytes). */
void sre_map_init(struct sre_map *m, size_t key_size, size_t val_size, uint64_t (*hash)(const void *key),
		  bool (*equal)(const void *a, const void *b));
void sre_map_free(struct sre_map *m);
/* The value stored under key, or NULL. */
void *sre_map_get(const struct sre_map *m, const void *key);
/* The value under key, added (zeroed, *added set) when absent. NULL when
 * memory runs out or the map holds max entries already. */
void *sre_map_put(struct sre_map *m, const void *key, bool *added);
/* Walks every entry: i starts at 0; returns false at the end. */
bool sre_map_next(const struct sre_map *m, size_t *i, const void **key, void **val);

/* FNV-1a of len bytes, and the 64-bit mixer used for integer keys. */
uint64_t sre_hash_bytes(const void *p, size_t len, uint64_t seed);
static inline uint64_t sre_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

#endif
