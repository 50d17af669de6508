#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "serve/prom.h"

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_label_value(FILE *f, const char *v)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p >= 0x20 && *p < 0x7f ? *p : '_', f);
	}
	fputc('"', f);
}

void prom_histogram(FILE *f, const char *name, const char *labels, const struct hist *h, uint64_t sum_ns)
{
	const char *sep = labels[0] ? "," : "";
	uint64_t cum = 0, total = hist_count(h);
	unsigned int b = 0;

	for (int shift = PROM_LE_MIN_SHIFT; shift <= PROM_LE_MAX_SHIFT; shift++) {
		uint64_t le = 1ULL << shift;

		/* Every bucket ending at or below le; edges coincide at powers of two. */
		for (; b < HIST_BUCKETS && hist_hi(b) <= le; b++)
			cum += h->b[b];
		fprintf(f, "%s_bucket{%s%sle=\"%.9g\"} %" PRIu64 "\n", name, labels, sep, (double)le / 1e9, cum);
	}
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep, total);
	if (labels[0]) {
		fprintf(f, "%s_sum{%s} %.9f\n", name, labels, (double)sum_ns / 1e9);
		fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, labels, total);
	} else {
		fprintf(f, "%s_sum %.9f\n%s_count %" PRIu64 "\n", name, (double)sum_ns / 1e9, name, total);
	}
}

int prom_slots_init(struct prom_slots *s, int cap)
{
	memset(s, 0, sizeof(*s));
	s->names = calloc((size_t)cap, sizeof(*s->names));
	if (!s->names)
		return -ENOMEM;
	s->cap = cap;
	return 0;
}

void prom_slots_free(struct prom_slots *s)
{
	free(s->names);
	memset(s, 0, sizeof(*s));
}

int prom_slot(struct prom_slots *s, const char *v)
{
	/* Linear: caps are small (tens) and this runs once per row per refresh. */
	for (int i = 0; i < s->n; i++)
		if (!strncmp(s->names[i], v, PROM_LABEL_MAX - 1))
			return i;
	if (s->n == s->cap || !strcmp(v, "other")) {
		s->overflowed++;
		return s->cap;
	}
	snprintf(s->names[s->n], PROM_LABEL_MAX, "%s", v);
	return s->n++;
}

const char *prom_slot_name(const struct prom_slots *s, int i)
{
	return i < s->n ? s->names[i] : "other";
}
