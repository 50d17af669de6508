#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/latrows.h"

struct sre_row *sre_rows_add(struct sre_rows *rs, uint32_t key1, uint32_t key2)
{
	struct sre_row *r;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct sre_row *n = realloc(rs->rows, cap * sizeof(*n));

		if (!n)
			return NULL;
		rs->rows = n;
		rs->cap = cap;
	}
	r = &rs->rows[rs->n++];
	memset(r, 0, sizeof(*r));
	r->key1 = key1;
	r->key2 = key2;
	return r;
}

void sre_row_add_max(struct sre_row *r, const struct hist_max *m, uint32_t gen)
{
	if (m->gen == gen && m->ns > r->max_ns)
		r->max_ns = m->ns;
}

static int cmp_key(const void *a, const void *b)
{
	const struct sre_row *x = a, *y = b;

	if (x->key1 != y->key1)
		return x->key1 < y->key1 ? -1 : 1;
	if (x->key2 != y->key2)
		return x->key2 < y->key2 ? -1 : 1;
	return 0;
}

struct sre_row *sre_rows_find(struct sre_rows *rs, uint32_t key1, uint32_t key2)
{
	struct sre_row k = { .key1 = key1, .key2 = key2 };

	if (!rs->n)
		return NULL;
	return bsearch(&k, rs->rows, rs->n, sizeof(k), cmp_key);
}

int sre_rows_diff(struct sre_rows *cur, struct sre_rows *prev, struct sre_rows *delta)
{
	if (cur->n)
		qsort(cur->rows, cur->n, sizeof(*cur->rows), cmp_key);
	for (size_t i = 0; i < cur->n; i++) {
		const struct sre_row *c = &cur->rows[i];
		const struct sre_row *p = sre_rows_find(prev, c->key1, c->key2);
		struct sre_row *d;

		if (p && p->count == c->count)
			continue;
		d = sre_rows_add(delta, c->key1, c->key2);
		if (!d)
			return -ENOMEM;
		*d = *c;
		if (!p)
			continue;
		d->count -= p->count;
		d->errors -= p->errors;
		d->bytes -= p->bytes;
		d->total_ns -= p->total_ns;
		/* Kernel buckets are 32-bit counters: difference modulo 2^32. */
		for (int b = 0; b < HIST_BUCKETS; b++)
			d->hist.b[b] = (uint32_t)(c->hist.b[b] - p->hist.b[b]);
	}
	return 0;
}

void sre_rows_finish(struct sre_rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct sre_row *r = &rs->rows[i];

		for (int b = HIST_BUCKETS - 1; b >= 0; b--) {
			if (!r->hist.b[b])
				continue;
			if (r->max_ns < hist_lo((unsigned int)b))
				r->max_ns = hist_lo((unsigned int)b);
			break;
		}
	}
}

static int cmp_total(const void *a, const void *b)
{
	const struct sre_row *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return cmp_key(a, b);
}

void sre_rows_sort_by_total(struct sre_rows *rs)
{
	if (rs->n)
		qsort(rs->rows, rs->n, sizeof(*rs->rows), cmp_total);
}

uint64_t sre_rows_total_count(const struct sre_rows *rs)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		n += rs->rows[i].count;
	return n;
}

double sre_row_quantile(const struct sre_row *r, double q)
{
	return hist_quantile(&r->hist, q, r->max_ns);
}

void sre_rows_free(struct sre_rows *rs)
{
	free(rs->rows);
	memset(rs, 0, sizeof(*rs));
}
