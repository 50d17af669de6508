/* Lookups in arrays sorted by a uint64_t key (symbols, mappings, FDEs by
 * start address): one binary search for all of them. */
#ifndef SRE_SORTED_H
#define SRE_SORTED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* How many of the n elements (each size bytes, key at key_off, sorted by
 * key) have key <= x: the one containing x, if any, is at that count - 1. */
static inline size_t sre_count_le(const void *base, size_t n, size_t size, size_t key_off, uint64_t x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t key;

		memcpy(&key, (const char *)base + mid * size + key_off, sizeof(key));
		if (key <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The same for an array of structs with a uint64_t member. */
#define SRE_COUNT_LE(arr, n, member, x) \
	sre_count_le((arr), (n), sizeof(*(arr)), offsetof(__typeof__(*(arr)), member), (x))

#endif
