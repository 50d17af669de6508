/* Prometheus text exposition (version 0.0.4): metric families, escaped
 * label values, histograms from the log-linear buckets, and label slots
 * that cap how many series a label can create. */
#ifndef SRE_PROM_H
#define SRE_PROM_H

#include <stdint.h>
#include <stdio.h>
#include "lib/core/hist.h"

/* Bucket bounds exported: 2^PROM_LE_MIN_SHIFT .. 2^PROM_LE_MAX_SHIFT ns,
 * powers of two (about 1 us to 17 s). They fall on bucket edges of the
 * log-linear histogram, so the cumulative counts are exact. */
#define PROM_LE_MIN_SHIFT 10
#define PROM_LE_MAX_SHIFT 34

void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* A label value: \\, \" and \n escaped; bytes outside printable ASCII
 * become '_' so the exposition is always valid UTF-8. */
void prom_label_value(FILE *f, const char *v);
/* name_bucket{labels,le=...}, name_sum, name_count. labels is
 * preformatted ("syscall=\"read\"") or "". Values in ns; sum in ns. */
void prom_histogram(FILE *f, const char *name, const char *labels, const struct hist *h, uint64_t sum_ns);

/* Label values in first-come order; once cap are taken, the rest share
 * the slot "other". A value keeps its slot for the life of the process, so
 * counters never move between series and stay monotonic. */
#define PROM_LABEL_MAX 64
struct prom_slots {
	char (*names)[PROM_LABEL_MAX];
	int n, cap;
	uint64_t overflowed; /* values that went to "other" */
};

int prom_slots_init(struct prom_slots *s, int cap);
void prom_slots_free(struct prom_slots *s);
/* Slot of v: 0..cap-1, or cap for "other". */
int prom_slot(struct prom_slots *s, const char *v);
/* The label value of slot i. */
const char *prom_slot_name(const struct prom_slots *s, int i);

#endif
