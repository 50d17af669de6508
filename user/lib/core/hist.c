#include <string.h>
#include "lib/core/hist.h"
#include "lib/core/json.h"

uint64_t hist_lo(unsigned int i)
{
	unsigned int msb, sub;

	if (i < HIST_SUB)
		return i;
	msb = (i - HIST_SUB) / HIST_SUB + HIST_SUB_BITS;
	sub = (i - HIST_SUB) % HIST_SUB;
	return (1ULL << msb) + ((uint64_t)sub << (msb - HIST_SUB_BITS));
}

uint64_t hist_hi(unsigned int i)
{
	if (i + 1 >= HIST_BUCKETS)
		return UINT64_MAX;
	return hist_lo(i + 1);
}

uint64_t hist_count(const struct hist *h)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		n += h->b[i];
	return n;
}

void hist_add(struct hist *a, const struct hist *b)
{
	for (unsigned int i = 0; i < HIST_BUCKETS; i++)
		a->b[i] += b->b[i];
}

double hist_quantile(const struct hist *h, double q, uint64_t max)
{
	uint64_t total = hist_count(h), seen = 0;
	double rank, lo, hi, v;

	if (!total)
		return 0;
	rank = q * (double)total;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		if (!h->b[i] || (double)(seen + h->b[i]) < rank) {
			seen += h->b[i];
			continue;
		}
		lo = (double)hist_lo(i);
		hi = i + 1 < HIST_BUCKETS ? (double)hist_hi(i) : (max ? (double)max : lo);
		v = lo + (hi - lo) * ((rank - (double)seen) / (double)h->b[i]);
		if (max && v > (double)max)
			v = (double)max;
		return v;
	}
	return max ? (double)max : (double)hist_lo(HIST_BUCKETS - 1);
}

/* Collapse to powers of two for display: 8 sub-buckets per line would be
 * unreadable, and the exact percentiles are printed beside it. */
void hist_print_bars(FILE *f, const struct hist *h, uint64_t unit_ns, const char *unit)
{
	uint64_t pow2[65] = { 0 }, peak = 0;
	int first = -1, last = -1;

	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t lo = hist_lo(i) / unit_ns;
		int slot = lo ? 64 - __builtin_clzll(lo) : 0;

		pow2[slot] += h->b[i];
	}
	for (int s = 0; s < 65; s++) {
		if (!pow2[s])
			continue;
		if (first < 0)
			first = s;
		last = s;
		if (pow2[s] > peak)
			peak = pow2[s];
	}
	if (first < 0)
		return;
	fprintf(f, "%24s : %-10s |%-40s|\n", unit, "count", "distribution");
	for (int s = first; s <= last; s++) {
		/* Slot 0 holds everything below one unit. */
		uint64_t lo = s ? 1ULL << (s - 1) : 0, hi = s ? (1ULL << s) - 1 : 1;
		int stars = peak ? (int)(pow2[s] * 40 / peak) : 0;
		char bar[41];

		memset(bar, '*', (size_t)stars);
		bar[stars] = 0;
		fprintf(f, "%10llu -> %-10llu : %-10llu |%-40s|\n",
			(unsigned long long)lo, (unsigned long long)hi,
			(unsigned long long)pow2[s], bar);
	}
}

void hist_print_json(struct sre_json *j, const char *key, const struct hist *h)
{
	sre_json_array(j, key);
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		sre_json_object(j, NULL);
		sre_json_uint(j, "lo_ns", hist_lo(i));
		sre_json_uint(j, "hi_ns", hist_hi(i));
		sre_json_uint(j, "count", h->b[i]);
		sre_json_end(j);
	}
	sre_json_end(j);
}

void hist_print_json_latency(struct sre_json *j, const struct hist *h, uint64_t max_ns)
{
	sre_json_fixed(j, "p50_ns", hist_quantile(h, 0.50, max_ns), 0);
	sre_json_fixed(j, "p95_ns", hist_quantile(h, 0.95, max_ns), 0);
	sre_json_fixed(j, "p99_ns", hist_quantile(h, 0.99, max_ns), 0);
	sre_json_uint(j, "max_ns", max_ns);
	hist_print_json(j, "hist", h);
}
