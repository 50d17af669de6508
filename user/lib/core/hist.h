/* Userspace side of the log-linear histograms in bpf/hist.h: bounds,
 * percentiles and rendering. */
#ifndef SRE_HIST_H
#define SRE_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "bpf/hist.h"

struct sre_json;

struct hist {
	uint64_t b[HIST_BUCKETS];
};

/* [lo, hi) of bucket i, in the histogram's unit (ns). */
uint64_t hist_lo(unsigned int i);
uint64_t hist_hi(unsigned int i);
uint64_t hist_count(const struct hist *h);
/* Value below which fraction q (0..1] of samples fall, interpolated
 * linearly inside the bucket and clamped to max when max is known (>0). */
double hist_quantile(const struct hist *h, double q, uint64_t max);
/* Add b into a. */
void hist_add(struct hist *a, const struct hist *b);

/* Text bars per power of two, like libbpf-tools; unit_ns scales labels. */
void hist_print_bars(FILE *f, const struct hist *h, uint64_t unit_ns, const char *unit);
/* JSON array of {lo_ns,hi_ns,count} for non-empty buckets, under key
 * (NULL inside an array). */
void hist_print_json(struct sre_json *j, const char *key, const struct hist *h);
/* A latency row's p50_ns, p95_ns, p99_ns, max_ns and hist members. */
void hist_print_json_latency(struct sre_json *j, const struct hist *h, uint64_t max_ns);

#endif
