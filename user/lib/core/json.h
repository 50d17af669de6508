/* The one JSON writer: objects and arrays opened and closed through it,
 * commas and escaping done by it, so what it writes is well-formed by
 * construction. Members take a key inside an object and NULL inside an
 * array. A document is one top-level object or array; closing it ends the
 * line (docs/json.md: one object per report per line). */
#ifndef SRE_JSON_H
#define SRE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SRE_JSON_MAX_DEPTH 16

struct sre_json {
	FILE *f;
	int depth;
	bool has_member[SRE_JSON_MAX_DEPTH]; /* a comma goes before the next one */
	bool in_array[SRE_JSON_MAX_DEPTH];
	bool overflow; /* nesting past SRE_JSON_MAX_DEPTH: the excess is dropped */
};

void sre_json_init(struct sre_json *j, FILE *f);
void sre_json_object(struct sre_json *j, const char *key);
void sre_json_array(struct sre_json *j, const char *key);
/* Closes the innermost object or array; the outermost ends the line. */
void sre_json_end(struct sre_json *j);
void sre_json_string(struct sre_json *j, const char *key, const char *s);
void sre_json_uint(struct sre_json *j, const char *key, uint64_t v);
void sre_json_int(struct sre_json *j, const char *key, int64_t v);
/* v with this many decimals ("%.*f"); NaN and infinities as null. */
void sre_json_fixed(struct sre_json *j, const char *key, double v, int decimals);
void sre_json_bool(struct sre_json *j, const char *key, bool v);
void sre_json_null(struct sre_json *j, const char *key);

/* The heads the tools' documents share (docs/json.md). Each starts a
 * document on f and leaves its object open for the caller to end. */
/* An interval report: tool, time, interval_s and the run's counters. */
void sre_json_report(struct sre_json *j, FILE *f, const char *tool, const char *time, double interval_s,
		     uint64_t events, uint64_t drops, uint64_t missed);
/* One event: time, pid and comm. */
void sre_json_event(struct sre_json *j, FILE *f, const char *time, uint32_t pid, const char *comm);

/* Writes s as a quoted JSON string; bytes that are not printable ASCII
 * (comm names can hold anything) are escaped as \u00XX, valid UTF-8 kept. */
void sre_json_str(FILE *f, const char *s);

#endif
