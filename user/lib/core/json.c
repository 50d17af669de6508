#include <inttypes.h>
#include <math.h>
#include "lib/core/json.h"

/* Length of the valid UTF-8 sequence at p (2..4), or 0. */
static int utf8_len(const unsigned char *p)
{
	int n;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong 3- and 4-byte forms, surrogates, and beyond U+10FFFF. */
	if ((n == 3 && ((*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] >= 0xa0))) ||
	    (n == 4 && ((*p == 0xf0 && p[1] < 0x90) || (*p == 0xf4 && p[1] >= 0x90))))
		return 0;
	return n;
}

void sre_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int n;

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else if (*p < 0x80) {
			fputc(*p, f);
		} else if ((n = utf8_len(p))) {
			/* Valid UTF-8 (names in any language) passes through. */
			fwrite(p, 1, (size_t)n, f);
			p += n - 1;
		} else {
			/* A stray byte: its value as a code point keeps the output valid. */
			fprintf(f, "\\u%04x", *p);
		}
	}
	fputc('"', f);
}

void sre_json_init(struct sre_json *j, FILE *f)
{
	*j = (struct sre_json){ .f = f };
}

/* The comma and key before a value; false when nested too deep to write. */
static bool member(struct sre_json *j, const char *key)
{
	if (j->overflow)
		return false;
	if (j->depth > 0) {
		if (j->has_member[j->depth - 1])
			fputc(',', j->f);
		j->has_member[j->depth - 1] = true;
		/* A key only inside an object; an array's items have none. */
		if (!j->in_array[j->depth - 1]) {
			sre_json_str(j->f, key ? key : "");
			fputc(':', j->f);
		}
	}
	return true;
}

static void open_container(struct sre_json *j, const char *key, bool array)
{
	if (j->depth >= SRE_JSON_MAX_DEPTH || !member(j, key)) {
		j->overflow = true;
		j->depth++;
		return;
	}
	fputc(array ? '[' : '{', j->f);
	j->has_member[j->depth] = false;
	j->in_array[j->depth] = array;
	j->depth++;
}

void sre_json_object(struct sre_json *j, const char *key)
{
	open_container(j, key, false);
}

void sre_json_array(struct sre_json *j, const char *key)
{
	open_container(j, key, true);
}

void sre_json_end(struct sre_json *j)
{
	if (j->depth == 0)
		return;
	j->depth--;
	if (j->depth >= SRE_JSON_MAX_DEPTH)
		return;
	j->overflow = false;
	fputc(j->in_array[j->depth] ? ']' : '}', j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void sre_json_string(struct sre_json *j, const char *key, const char *s)
{
	if (member(j, key))
		sre_json_str(j->f, s ? s : "");
}

void sre_json_uint(struct sre_json *j, const char *key, uint64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRIu64, v);
}

void sre_json_int(struct sre_json *j, const char *key, int64_t v)
{
	if (member(j, key))
		fprintf(j->f, "%" PRId64, v);
}

void sre_json_fixed(struct sre_json *j, const char *key, double v, int decimals)
{
	if (!member(j, key))
		return;
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void sre_json_bool(struct sre_json *j, const char *key, bool v)
{
	if (member(j, key))
		fputs(v ? "true" : "false", j->f);
}

void sre_json_null(struct sre_json *j, const char *key)
{
	if (member(j, key))
		fputs("null", j->f);
}

void sre_json_report(struct sre_json *j, FILE *f, const char *tool, const char *time, double interval_s,
		     uint64_t events, uint64_t drops, uint64_t missed)
{
	sre_json_init(j, f);
	sre_json_object(j, NULL);
	sre_json_string(j, "tool", tool);
	sre_json_string(j, "time", time);
	sre_json_fixed(j, "interval_s", interval_s, 3);
	sre_json_uint(j, "events", events);
	sre_json_uint(j, "drops", drops);
	sre_json_uint(j, "missed", missed);
}

void sre_json_event(struct sre_json *j, FILE *f, const char *time, uint32_t pid, const char *comm)
{
	sre_json_init(j, f);
	sre_json_object(j, NULL);
	sre_json_string(j, "time", time);
	sre_json_uint(j, "pid", pid);
	sre_json_string(j, "comm", comm);
}
