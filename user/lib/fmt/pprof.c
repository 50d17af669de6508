#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/gzip.h"
#include "lib/core/hashmap.h"
#include "lib/core/interner.h"
#include "lib/fmt/pprof.h"

/* profile.proto field numbers. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION, PROFILE_FUNCTION,
	PROFILE_STRING_TABLE, PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS, PROFILE_PERIOD_TYPE,
	PROFILE_PERIOD, PROFILE_COMMENT, PROFILE_DEFAULT_SAMPLE_TYPE,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE, SAMPLE_LABEL,
	LABEL_KEY = 1, LABEL_STR, LABEL_NUM,
	MAPPING_ID = 1, MAPPING_START, MAPPING_LIMIT, MAPPING_OFFSET, MAPPING_FILENAME, MAPPING_BUILD_ID,
	MAPPING_HAS_FUNCTIONS,
	LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE,
	LINE_FUNCTION_ID = 1,
	FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME,
};

enum { WIRE_VARINT = 0, WIRE_BYTES = 2 };

/* A growing byte buffer; the first failed allocation sticks. */
struct pbuf {
	uint8_t *d;
	size_t n, cap;
	bool oom;
};

static void pb_put(struct pbuf *b, const void *data, size_t len)
{
	if (b->oom || !len) /* an empty part may have no buffer at all */
		return;
	if (b->n + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *d;

		while (cap < b->n + len)
			cap *= 2;
		d = realloc(b->d, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->n, data, len);
	b->n += len;
}

static void pb_varint(struct pbuf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	pb_put(b, tmp, n);
}

/* Varint fields equal to 0 are proto3 defaults: left out. */
static void pb_uint(struct pbuf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	pb_varint(b, (uint64_t)field << 3 | WIRE_VARINT);
	pb_varint(b, v);
}

static void pb_bytes(struct pbuf *b, unsigned field, const void *data, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | WIRE_BYTES);
	pb_varint(b, len);
	pb_put(b, data, len);
}

/* A nested message from sub, which is emptied for reuse. */
static void pb_message(struct pbuf *b, unsigned field, struct pbuf *sub)
{
	if (sub->oom)
		b->oom = true;
	pb_bytes(b, field, sub->d, sub->n);
	sub->n = 0;
}

static void pb_free(struct pbuf *b)
{
	free(b->d);
	memset(b, 0, sizeof(*b));
}

/* A key of three numbers, mapped to an id (>= 1). */
struct idkey {
	uint64_t a, b, c;
};

struct pprof {
	struct sre_interner pool;   /* the strings' one copy each */
	const char **strings;       /* the string table, in index order */
	size_t nstrings, capstrings;
	struct sre_map string_ids;   /* interned pointer -> index */
	struct sre_map function_ids; /* (name, 0, 0) -> id */
	struct sre_map location_ids; /* (mapping, address, function) -> id */
	struct sre_map mapping_ids;  /* (file, start, limit) -> id */
	uint64_t nfunctions, nlocations, nmappings;
	struct pbuf functions, locations, mappings, samples, scratch, scratch2;
	int64_t types[PPROF_MAX_VALUES][2];
	int ntypes;
	int64_t default_type;
	int64_t period_type[2], period;
	int64_t time_ns, duration_ns;
	int64_t comments[16];
	int ncomments;
};

/* Index of s in the string table (added when new); -1 when out of memory. */
static int64_t str_index(struct pprof *p, const char *s)
{
	const char *c = sre_intern(&p->pool, s ? s : "");
	uint64_t *idx;
	bool added;

	if (!c)
		return -1;
	/* Room first, so an index once added always has its string. */
	if (p->nstrings == p->capstrings) {
		size_t cap = p->capstrings ? p->capstrings * 2 : 256;
		const char **n = realloc(p->strings, cap * sizeof(*n));

		if (!n)
			return -1;
		p->strings = n;
		p->capstrings = cap;
	}
	/* Interned copies are unique, so the pointer is the key. */
	idx = sre_map_put(&p->string_ids, &c, &added);
	if (!idx)
		return -1;
	if (added) {
		*idx = p->nstrings;
		p->strings[p->nstrings++] = c;
	}
	return (int64_t)*idx;
}

struct pprof *pprof_new(void)
{
	struct pprof *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	sre_interner_init(&p->pool);
	sre_map_init(&p->string_ids, sizeof(const char *), sizeof(uint64_t), NULL, NULL);
	sre_map_init(&p->function_ids, sizeof(struct idkey), sizeof(uint64_t), NULL, NULL);
	sre_map_init(&p->location_ids, sizeof(struct idkey), sizeof(uint64_t), NULL, NULL);
	sre_map_init(&p->mapping_ids, sizeof(struct idkey), sizeof(uint64_t), NULL, NULL);
	/* The table starts with "", as the format requires. */
	if (str_index(p, "") != 0) {
		pprof_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void pprof_free(struct pprof *p)
{
	if (!p)
		return;
	free(p->strings);
	sre_interner_free(&p->pool);
	sre_map_free(&p->string_ids);
	sre_map_free(&p->function_ids);
	sre_map_free(&p->location_ids);
	sre_map_free(&p->mapping_ids);
	pb_free(&p->functions);
	pb_free(&p->locations);
	pb_free(&p->mappings);
	pb_free(&p->samples);
	pb_free(&p->scratch);
	pb_free(&p->scratch2);
	free(p);
}

int pprof_add_sample_type(struct pprof *p, const char *type, const char *unit)
{
	int64_t t = str_index(p, type), u = str_index(p, unit);

	if (t < 0 || u < 0)
		return -ENOMEM;
	if (p->ntypes == PPROF_MAX_VALUES)
		return -E2BIG;
	p->types[p->ntypes][0] = t;
	p->types[p->ntypes][1] = u;
	if (!p->ntypes)
		p->default_type = t;
	p->ntypes++;
	return 0;
}

int pprof_set_default_type(struct pprof *p, const char *type)
{
	int64_t t = str_index(p, type);

	if (t < 0)
		return -ENOMEM;
	p->default_type = t;
	return 0;
}

int pprof_set_period(struct pprof *p, const char *type, const char *unit, int64_t period)
{
	int64_t t = str_index(p, type), u = str_index(p, unit);

	if (t < 0 || u < 0)
		return -ENOMEM;
	p->period_type[0] = t;
	p->period_type[1] = u;
	p->period = period;
	return 0;
}

void pprof_set_time(struct pprof *p, int64_t time_ns, int64_t duration_ns)
{
	p->time_ns = time_ns;
	p->duration_ns = duration_ns;
}

int pprof_add_comment(struct pprof *p, const char *text)
{
	int64_t s = str_index(p, text);

	if (s < 0)
		return -ENOMEM;
	if (p->ncomments == (int)(sizeof(p->comments) / sizeof(p->comments[0])))
		return -E2BIG;
	p->comments[p->ncomments++] = s;
	return 0;
}

/* The id of k in m; when absent, a new one (*n + 1) is given, and *fresh
 * set for the caller to encode the entry. 0 when out of memory. */
static uint64_t id_of(struct sre_map *m, const struct idkey *k, uint64_t *n, bool *fresh)
{
	uint64_t *id = sre_map_put(m, k, fresh);

	if (!id)
		return 0;
	if (*fresh)
		*id = ++*n;
	return *id;
}

static uint64_t function_id(struct pprof *p, const char *name)
{
	int64_t s = str_index(p, name);
	struct idkey k = { .a = (uint64_t)s };
	uint64_t id;
	bool fresh;

	if (s < 0)
		return 0;
	id = id_of(&p->function_ids, &k, &p->nfunctions, &fresh);
	if (!id || !fresh)
		return id;
	pb_uint(&p->scratch, FUNCTION_ID, id);
	pb_uint(&p->scratch, FUNCTION_NAME, (uint64_t)s);
	pb_uint(&p->scratch, FUNCTION_SYSTEM_NAME, (uint64_t)s);
	pb_message(&p->functions, PROFILE_FUNCTION, &p->scratch);
	return p->functions.oom ? 0 : id;
}

uint64_t pprof_mapping_id(struct pprof *p, const struct pprof_mapping *m)
{
	int64_t file = str_index(p, m->file), build = str_index(p, m->build_id);
	struct idkey k = { .a = (uint64_t)file, .b = m->start, .c = m->limit };
	uint64_t id;
	bool fresh;

	if (file < 0 || build < 0)
		return 0;
	id = id_of(&p->mapping_ids, &k, &p->nmappings, &fresh);
	if (!id || !fresh)
		return id;
	pb_uint(&p->scratch, MAPPING_ID, id);
	pb_uint(&p->scratch, MAPPING_START, m->start);
	pb_uint(&p->scratch, MAPPING_LIMIT, m->limit);
	pb_uint(&p->scratch, MAPPING_OFFSET, m->file_offset);
	pb_uint(&p->scratch, MAPPING_FILENAME, (uint64_t)file);
	pb_uint(&p->scratch, MAPPING_BUILD_ID, (uint64_t)build);
	/* Frames are symbolized already: pprof must not try again. */
	pb_uint(&p->scratch, MAPPING_HAS_FUNCTIONS, 1);
	pb_message(&p->mappings, PROFILE_MAPPING, &p->scratch);
	return p->mappings.oom ? 0 : id;
}

uint64_t pprof_location_id(struct pprof *p, uint64_t mapping, uint64_t address, const char *function)
{
	uint64_t fn = function_id(p, function);
	struct idkey k = { .a = mapping, .b = address, .c = fn };
	uint64_t id;
	bool fresh;

	if (!fn)
		return 0;
	id = id_of(&p->location_ids, &k, &p->nlocations, &fresh);
	if (!id || !fresh)
		return id;
	pb_uint(&p->scratch, LOCATION_ID, id);
	pb_uint(&p->scratch, LOCATION_MAPPING_ID, mapping);
	pb_uint(&p->scratch, LOCATION_ADDRESS, address);
	pb_uint(&p->scratch2, LINE_FUNCTION_ID, fn);
	pb_message(&p->scratch, LOCATION_LINE, &p->scratch2);
	pb_message(&p->locations, PROFILE_LOCATION, &p->scratch);
	return p->locations.oom ? 0 : id;
}

int pprof_add_sample(struct pprof *p, const uint64_t *locations, int nlocations, const int64_t *values,
		     const struct pprof_label *labels, int nlabels)
{
	struct pbuf *s = &p->scratch, *packed = &p->scratch2;

	for (int i = 0; i < nlocations; i++)
		pb_varint(packed, locations[i]);
	if (nlocations)
		pb_message(s, SAMPLE_LOCATION_ID, packed);
	for (int i = 0; i < p->ntypes; i++)
		pb_varint(packed, (uint64_t)values[i]);
	pb_message(s, SAMPLE_VALUE, packed);
	for (int i = 0; i < nlabels; i++) {
		int64_t key = str_index(p, labels[i].key);
		int64_t str = labels[i].str ? str_index(p, labels[i].str) : 0;

		if (key < 0 || str < 0) {
			s->n = 0;
			return -ENOMEM;
		}
		pb_uint(packed, LABEL_KEY, (uint64_t)key);
		if (labels[i].str)
			pb_uint(packed, LABEL_STR, (uint64_t)str);
		else
			pb_uint(packed, LABEL_NUM, (uint64_t)labels[i].num);
		pb_message(s, SAMPLE_LABEL, packed);
	}
	pb_message(&p->samples, PROFILE_SAMPLE, s);
	return p->samples.oom ? -ENOMEM : 0;
}

static void value_type(struct pbuf *out, struct pbuf *sub, unsigned field, const int64_t t[2])
{
	pb_uint(sub, VALUE_TYPE_TYPE, (uint64_t)t[0]);
	pb_uint(sub, VALUE_TYPE_UNIT, (uint64_t)t[1]);
	pb_message(out, field, sub);
}

int pprof_encode(struct pprof *p, uint8_t **buf, size_t *len)
{
	struct pbuf out = { 0 }, sub = { 0 };

	for (int i = 0; i < p->ntypes; i++)
		value_type(&out, &sub, PROFILE_SAMPLE_TYPE, p->types[i]);
	pb_put(&out, p->samples.d, p->samples.n);
	pb_put(&out, p->mappings.d, p->mappings.n);
	pb_put(&out, p->locations.d, p->locations.n);
	pb_put(&out, p->functions.d, p->functions.n);
	for (size_t i = 0; i < p->nstrings; i++)
		pb_bytes(&out, PROFILE_STRING_TABLE, p->strings[i], strlen(p->strings[i]));
	pb_uint(&out, PROFILE_TIME_NANOS, (uint64_t)p->time_ns);
	pb_uint(&out, PROFILE_DURATION_NANOS, (uint64_t)p->duration_ns);
	if (p->period_type[0])
		value_type(&out, &sub, PROFILE_PERIOD_TYPE, p->period_type);
	pb_uint(&out, PROFILE_PERIOD, (uint64_t)p->period);
	for (int i = 0; i < p->ncomments; i++)
		pb_uint(&out, PROFILE_COMMENT, (uint64_t)p->comments[i]);
	pb_uint(&out, PROFILE_DEFAULT_SAMPLE_TYPE, (uint64_t)p->default_type);
	pb_free(&sub);
	if (out.oom || p->samples.oom || p->mappings.oom || p->locations.oom || p->functions.oom) {
		pb_free(&out);
		return -ENOMEM;
	}
	*buf = out.d;
	*len = out.n;
	return 0;
}

int pprof_write(struct pprof *p, FILE *f)
{
	uint8_t *raw;
	size_t len;
	int err = pprof_encode(p, &raw, &len);

	if (err)
		return err;
	err = sre_gzip_write(f, raw, len);
	free(raw);
	return err;
}
