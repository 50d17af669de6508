#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/gzip.h"
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

/* Open addressing from a key of three numbers to an id. */
struct idkey {
	uint64_t a, b, c;
};

struct idmap {
	struct idkey *keys;
	uint64_t *ids; /* 0: empty slot */
	size_t cap, n;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

static uint64_t key_hash(const struct idkey *k)
{
	return mix(mix(mix(0, k->a), k->b), k->c);
}

static int idmap_grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	struct idkey *keys = calloc(cap, sizeof(*keys));
	uint64_t *ids = calloc(cap, sizeof(*ids));

	if (!keys || !ids) {
		free(keys);
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->ids[i])
			continue;
		for (j = key_hash(&m->keys[i]) & (cap - 1); ids[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = m->keys[i];
		ids[j] = m->ids[i];
	}
	free(m->keys);
	free(m->ids);
	m->keys = keys;
	m->ids = ids;
	m->cap = cap;
	return 0;
}

/* The slot holding k, or the empty slot where it belongs. */
static size_t idmap_slot(const struct idmap *m, const struct idkey *k)
{
	size_t i = key_hash(k) & (m->cap - 1);

	while (m->ids[i] && memcmp(&m->keys[i], k, sizeof(*k)))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

struct pprof {
	char **strings;
	size_t nstrings, capstrings;
	struct idmap string_ids;   /* (hash, 0, 0) chains; ids are index + 1 */
	struct idmap function_ids; /* (name, 0, 0) */
	struct idmap location_ids; /* (mapping, address, function) */
	struct idmap mapping_ids;  /* (file, start, limit) */
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

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
}

/* Index of s in the string table (added when new); -1 when out of memory.
 * Equal hashes are told apart by probing on with a counter in key.b. */
static int64_t str_index(struct pprof *p, const char *s)
{
	struct idkey k;
	size_t slot;

	if (!s)
		s = "";
	k = (struct idkey){ .a = str_hash(s) };
	if ((p->string_ids.n + 1) * 2 > p->string_ids.cap && idmap_grow(&p->string_ids))
		return -1;
	for (;; k.b++) {
		slot = idmap_slot(&p->string_ids, &k);
		if (!p->string_ids.ids[slot])
			break;
		if (!strcmp(p->strings[p->string_ids.ids[slot] - 1], s))
			return (int64_t)p->string_ids.ids[slot] - 1;
	}
	if (p->nstrings == p->capstrings) {
		size_t cap = p->capstrings ? p->capstrings * 2 : 256;
		char **n = realloc(p->strings, cap * sizeof(*n));

		if (!n)
			return -1;
		p->strings = n;
		p->capstrings = cap;
	}
	p->strings[p->nstrings] = strdup(s);
	if (!p->strings[p->nstrings])
		return -1;
	p->string_ids.keys[slot] = k;
	p->string_ids.ids[slot] = ++p->nstrings;
	p->string_ids.n++;
	return (int64_t)p->nstrings - 1;
}

struct pprof *pprof_new(void)
{
	struct pprof *p = calloc(1, sizeof(*p));

	/* The table starts with "", as the format requires. */
	if (p && str_index(p, "") != 0) {
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
	for (size_t i = 0; i < p->nstrings; i++)
		free(p->strings[i]);
	free(p->strings);
	idmap_free(&p->string_ids);
	idmap_free(&p->function_ids);
	idmap_free(&p->location_ids);
	idmap_free(&p->mapping_ids);
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

/* Looks k up in m; when absent, *fresh is set and the slot reserved for the
 * caller to fill. Returns the slot, or -1 when out of memory. */
static long find_or_reserve(struct idmap *m, const struct idkey *k, bool *fresh)
{
	size_t slot;

	if ((m->n + 1) * 2 > m->cap && idmap_grow(m))
		return -1;
	slot = idmap_slot(m, k);
	*fresh = !m->ids[slot];
	return (long)slot;
}

static uint64_t function_id(struct pprof *p, const char *name)
{
	int64_t s = str_index(p, name);
	struct idkey k = { .a = (uint64_t)s };
	bool fresh;
	long slot;

	if (s < 0 || (slot = find_or_reserve(&p->function_ids, &k, &fresh)) < 0)
		return 0;
	if (!fresh)
		return p->function_ids.ids[slot];
	p->function_ids.keys[slot] = k;
	p->function_ids.ids[slot] = ++p->nfunctions;
	p->function_ids.n++;
	pb_uint(&p->scratch, FUNCTION_ID, p->nfunctions);
	pb_uint(&p->scratch, FUNCTION_NAME, (uint64_t)s);
	pb_uint(&p->scratch, FUNCTION_SYSTEM_NAME, (uint64_t)s);
	pb_message(&p->functions, PROFILE_FUNCTION, &p->scratch);
	return p->functions.oom ? 0 : p->nfunctions;
}

uint64_t pprof_mapping_id(struct pprof *p, const struct pprof_mapping *m)
{
	int64_t file = str_index(p, m->file), build = str_index(p, m->build_id);
	struct idkey k = { .a = (uint64_t)file, .b = m->start, .c = m->limit };
	bool fresh;
	long slot;

	if (file < 0 || build < 0 || (slot = find_or_reserve(&p->mapping_ids, &k, &fresh)) < 0)
		return 0;
	if (!fresh)
		return p->mapping_ids.ids[slot];
	p->mapping_ids.keys[slot] = k;
	p->mapping_ids.ids[slot] = ++p->nmappings;
	p->mapping_ids.n++;
	pb_uint(&p->scratch, MAPPING_ID, p->nmappings);
	pb_uint(&p->scratch, MAPPING_START, m->start);
	pb_uint(&p->scratch, MAPPING_LIMIT, m->limit);
	pb_uint(&p->scratch, MAPPING_OFFSET, m->file_offset);
	pb_uint(&p->scratch, MAPPING_FILENAME, (uint64_t)file);
	pb_uint(&p->scratch, MAPPING_BUILD_ID, (uint64_t)build);
	/* Frames are symbolized already: pprof must not try again. */
	pb_uint(&p->scratch, MAPPING_HAS_FUNCTIONS, 1);
	pb_message(&p->mappings, PROFILE_MAPPING, &p->scratch);
	return p->mappings.oom ? 0 : p->nmappings;
}

uint64_t pprof_location_id(struct pprof *p, uint64_t mapping, uint64_t address, const char *function)
{
	uint64_t fn = function_id(p, function);
	struct idkey k = { .a = mapping, .b = address, .c = fn };
	bool fresh;
	long slot;

	if (!fn || (slot = find_or_reserve(&p->location_ids, &k, &fresh)) < 0)
		return 0;
	if (!fresh)
		return p->location_ids.ids[slot];
	p->location_ids.keys[slot] = k;
	p->location_ids.ids[slot] = ++p->nlocations;
	p->location_ids.n++;
	pb_uint(&p->scratch, LOCATION_ID, p->nlocations);
	pb_uint(&p->scratch, LOCATION_MAPPING_ID, mapping);
	pb_uint(&p->scratch, LOCATION_ADDRESS, address);
	pb_uint(&p->scratch2, LINE_FUNCTION_ID, fn);
	pb_message(&p->scratch, LOCATION_LINE, &p->scratch2);
	pb_message(&p->locations, PROFILE_LOCATION, &p->scratch);
	return p->locations.oom ? 0 : p->nlocations;
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
