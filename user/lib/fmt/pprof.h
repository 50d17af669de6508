/* A pprof profile (github.com/google/pprof, proto/profile.proto) built in
 * memory and written gzip-compressed, the form `go tool pprof` and profile
 * stores read. Strings, functions, locations and mappings are deduplicated;
 * samples are encoded as they are added, so memory grows with distinct
 * stacks, not with events. */
#ifndef SRE_PPROF_H
#define SRE_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PPROF_MAX_VALUES 4

struct pprof;

struct pprof_mapping {
	uint64_t start, limit, file_offset;
	const char *file;
	const char *build_id; /* hex, or NULL */
};

struct pprof_label {
	const char *key;
	const char *str; /* a string label, or NULL for a numeric one */
	int64_t num;
};

/* NULL with errno set. */
struct pprof *pprof_new(void);
void pprof_free(struct pprof *p);

/* Value types in sample order (at most PPROF_MAX_VALUES); the first added
 * is the default unless pprof_set_default_type names another. 0 or -errno. */
int pprof_add_sample_type(struct pprof *p, const char *type, const char *unit);
int pprof_set_default_type(struct pprof *p, const char *type);
int pprof_set_period(struct pprof *p, const char *type, const char *unit, int64_t period);
void pprof_set_time(struct pprof *p, int64_t time_ns, int64_t duration_ns);
int pprof_add_comment(struct pprof *p, const char *text);

/* Ids (>= 1) of deduplicated entries; 0 when out of memory. */
uint64_t pprof_mapping_id(struct pprof *p, const struct pprof_mapping *m);
/* mapping 0: none. function names the frame (shown by pprof). */
uint64_t pprof_location_id(struct pprof *p, uint64_t mapping, uint64_t address, const char *function);

/* One sample: locations leaf first, one value per sample type. 0 or -errno. */
int pprof_add_sample(struct pprof *p, const uint64_t *locations, int nlocations, const int64_t *values,
		     const struct pprof_label *labels, int nlabels);

/* The serialized profile.proto message (uncompressed), in *buf (free it). */
int pprof_encode(struct pprof *p, uint8_t **buf, size_t *len);
/* gzip-compressed, as pprof files are. 0 or -errno (-EIO on write error). */
int pprof_write(struct pprof *p, FILE *f);

#endif
