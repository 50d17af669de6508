/* Aggregated latency rows keyed by two numbers (pid and syscall, disk and
 * op, ...), and the snapshot arithmetic that turns cumulative kernel
 * counters into per-interval rows. */
#ifndef SRE_LATROWS_H
#define SRE_LATROWS_H

#include <stddef.h>
#include <stdint.h>
#include "bpf/common.h"
#include "lib/core/hist.h"

struct sre_row {
	uint32_t key1;
	uint32_t key2;
	char comm[TASK_COMM_LEN];
	uint64_t count;
	uint64_t errors;
	uint64_t bytes;
	uint64_t total_ns;
	uint64_t max_ns;
	struct hist hist;
};

struct sre_rows {
	struct sre_row *rows;
	size_t n;
	size_t cap;
};

/* Takes m into r's maximum when it belongs to generation gen. */
void sre_row_add_max(struct sre_row *r, const struct hist_max *m, uint32_t gen);
/* Appends a zeroed row; keys must be unique within a snapshot. */
struct sre_row *sre_rows_add(struct sre_rows *rs, uint32_t key1, uint32_t key2);
/* Binary search; rows must be in key order (as sre_rows_diff leaves them). */
struct sre_row *sre_rows_find(struct sre_rows *rs, uint32_t key1, uint32_t key2);
/* delta = cur - prev for rows that changed; sorts cur by key. */
int sre_rows_diff(struct sre_rows *cur, struct sre_rows *prev, struct sre_rows *delta);
/* Makes max_ns consistent with the histogram when the kernel's maximum
 * landed in another interval. */
void sre_rows_finish(struct sre_rows *rs);
void sre_rows_sort_by_total(struct sre_rows *rs);
uint64_t sre_rows_total_count(const struct sre_rows *rs);
double sre_row_quantile(const struct sre_row *r, double q);
void sre_rows_free(struct sre_rows *rs);

#endif
