/* The pprof encoder, read back with an independent protobuf reader:
 * string table rules, deduplication, references, values, labels, gzip. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "pbdecode.h"
#include "lib/fmt/pprof.h"

#define MAXN 64

struct decoded {
	const char *strings[MAXN];
	size_t string_len[MAXN];
	int nstrings;
	int nsample_types;
	uint64_t type_str[4], unit_str[4];
	int nsamples;
	uint64_t sample_locs[MAXN][8];
	int sample_nlocs[MAXN];
	uint64_t sample_values[MAXN][4];
	int sample_nlabels[MAXN];
	uint64_t label_key[MAXN][4], label_str[MAXN][4], label_num[MAXN][4];
	uint64_t loc_ids[MAXN], loc_mapping[MAXN], loc_addr[MAXN], loc_fn[MAXN];
	int nlocs;
	uint64_t fn_ids[MAXN], fn_name[MAXN];
	int nfns;
	uint64_t map_ids[MAXN], map_start[MAXN], map_limit[MAXN], map_file[MAXN], map_build[MAXN];
	int nmaps;
	uint64_t default_type, period, duration, time_ns;
	int malformed;
};

static void decode_packed(const struct pbfield *f, uint64_t *out, int max, int *n)
{
	const uint8_t *p = f->data, *end = f->data + f->len;
	uint64_t v;

	if (f->wire == 0) {
		if (*n < max)
			out[(*n)++] = f->v;
		return;
	}
	while (p < end && !pb_read_varint(&p, end, &v))
		if (*n < max)
			out[(*n)++] = v;
}

static void decode_sub(const struct pbfield *f, uint64_t *vals, int nvals)
{
	const uint8_t *p = f->data, *end = f->data + f->len;
	struct pbfield g;

	memset(vals, 0, sizeof(*vals) * (size_t)nvals);
	while (pb_next(&p, end, &g) == 1)
		if (g.num >= 1 && (int)g.num <= nvals && g.wire == 0)
			vals[g.num - 1] = g.v;
}

static void decode(const uint8_t *buf, size_t len, struct decoded *d)
{
	const uint8_t *p = buf, *end = buf + len;
	struct pbfield f;
	int r;

	memset(d, 0, sizeof(*d));
	while ((r = pb_next(&p, end, &f)) == 1) {
		uint64_t v[10];

		switch (f.num) {
		case 1: decode_sub(&f, v, 2); d->type_str[d->nsample_types] = v[0];
			d->unit_str[d->nsample_types++] = v[1]; break;
		case 2: {
			const uint8_t *q = f.data, *qend = f.data + f.len;
			struct pbfield g;
			int s = d->nsamples++, nv = 0;

			while (pb_next(&q, qend, &g) == 1) {
				if (g.num == 1)
					decode_packed(&g, d->sample_locs[s], 8, &d->sample_nlocs[s]);
				else if (g.num == 2)
					decode_packed(&g, d->sample_values[s], 4, &nv);
				else if (g.num == 3) {
					int l = d->sample_nlabels[s]++;

					decode_sub(&g, v, 3);
					d->label_key[s][l] = v[0];
					d->label_str[s][l] = v[1];
					d->label_num[s][l] = v[2];
				}
			}
			break;
		}
		case 3: decode_sub(&f, v, 10); d->map_ids[d->nmaps] = v[0]; d->map_start[d->nmaps] = v[1];
			d->map_limit[d->nmaps] = v[2]; d->map_file[d->nmaps] = v[4];
			d->map_build[d->nmaps++] = v[5]; break;
		case 4: {
			const uint8_t *q = f.data, *qend = f.data + f.len;
			struct pbfield g;
			int l = d->nlocs++;

			while (pb_next(&q, qend, &g) == 1) {
				if (g.num == 1) d->loc_ids[l] = g.v;
				if (g.num == 2) d->loc_mapping[l] = g.v;
				if (g.num == 3) d->loc_addr[l] = g.v;
				if (g.num == 4) { decode_sub(&g, v, 2); d->loc_fn[l] = v[0]; }
			}
			break;
		}
		case 5: decode_sub(&f, v, 5); d->fn_ids[d->nfns] = v[0]; d->fn_name[d->nfns++] = v[1]; break;
		case 6: d->strings[d->nstrings] = (const char *)f.data; d->string_len[d->nstrings++] = f.len; break;
		case 9: d->time_ns = f.v; break;
		case 10: d->duration = f.v; break;
		case 12: d->period = f.v; break;
		case 14: d->default_type = f.v; break;
		}
	}
	d->malformed = r < 0;
}

static int str_is(const struct decoded *d, uint64_t i, const char *s)
{
	return i < (uint64_t)d->nstrings && d->string_len[i] == strlen(s) && !memcmp(d->strings[i], s, d->string_len[i]);
}

static int find(const uint64_t *ids, int n, uint64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

int main(void)
{
	struct pprof *p = pprof_new();
	struct decoded d;
	uint8_t *raw, *gz, *unz;
	size_t rawlen, gzlen, unzlen;
	uint64_t m1, m2, l1, l2, l3, l1again, l4;
	const int64_t v1[2] = { 1000, 1 }, v2[2] = { 300, 7 }, v3[2] = { (int64_t)1 << 40, 2 };
	const struct pprof_label labels[] = { { .key = "pid", .num = 4242 }, { .key = "comm", .str = "db;worker" } };
	FILE *f;

	CHECK(p, "pprof_new");
	CHECK(!pprof_add_sample_type(p, "offcpu", "nanoseconds"), "type");
	CHECK(!pprof_add_sample_type(p, "count", "count"), "type 2");
	CHECK(!pprof_set_period(p, "cpu", "nanoseconds", 10101010), "period");
	pprof_set_time(p, 1700000000000000000LL, 2000000000);
	m1 = pprof_mapping_id(p, &(struct pprof_mapping){ .start = 0x400000, .limit = 0x401000, .file = "app",
							  .build_id = "d48cbe72" });
	m2 = pprof_mapping_id(p, &(struct pprof_mapping){ .start = 0xffff800000000000ULL, .limit = UINT64_MAX,
							  .file = "[kernel.kallsyms]" });
	CHECK(m1 == 1 && m2 == 2, "mapping ids %" PRIu64 " %" PRIu64, m1, m2);
	CHECK(pprof_mapping_id(p, &(struct pprof_mapping){ .start = 0x400000, .limit = 0x401000, .file = "app" }) == m1,
	      "same mapping, same id");
	l1 = pprof_location_id(p, m1, 0x400123, "main");
	l2 = pprof_location_id(p, m1, 0x400456, "do_work");
	l3 = pprof_location_id(p, m2, 0xffffffff81000000ULL, "schedule");
	l1again = pprof_location_id(p, m1, 0x400123, "main");
	l4 = pprof_location_id(p, 0, 0x400123, "main"); /* no mapping: a different location */
	CHECK(l1 && l2 && l3 && l4 && l1 == l1again && l4 != l1, "location dedup %" PRIu64 "/%" PRIu64, l1, l1again);
	CHECK(!pprof_add_sample(p, (uint64_t[]){ l3, l2, l1 }, 3, v1, labels, 2), "sample 1");
	CHECK(!pprof_add_sample(p, (uint64_t[]){ l2, l1 }, 2, v2, labels, 1), "sample 2");
	CHECK(!pprof_add_sample(p, (uint64_t[]){ l4 }, 1, v3, NULL, 0), "sample 3");

	CHECK(!pprof_encode(p, &raw, &rawlen), "encode");
	decode(raw, rawlen, &d);
	CHECK(!d.malformed, "well-formed");
	CHECK(d.nstrings > 0 && d.string_len[0] == 0, "string table starts with \"\"");
	for (int i = 0; i < d.nstrings; i++)
		for (int j = i + 1; j < d.nstrings; j++)
			CHECK(d.string_len[i] != d.string_len[j] || memcmp(d.strings[i], d.strings[j], d.string_len[i]),
			      "string %d repeated at %d", i, j);
	CHECK(d.nsample_types == 2 && str_is(&d, d.type_str[0], "offcpu") && str_is(&d, d.unit_str[0], "nanoseconds") &&
		      str_is(&d, d.type_str[1], "count"), "sample types");
	CHECK(str_is(&d, d.default_type, "offcpu"), "default type is the first");
	CHECK(d.period == 10101010 && d.duration == 2000000000 && d.time_ns == 1700000000000000000ULL, "period/time");
	CHECK(d.nsamples == 3, "3 samples, got %d", d.nsamples);
	CHECK(d.sample_values[0][0] == 1000 && d.sample_values[1][0] == 300 && d.sample_values[2][0] == (uint64_t)1 << 40 &&
		      d.sample_values[1][1] == 7, "values");
	CHECK(d.sample_nlocs[0] == 3 && d.sample_locs[0][0] == l3 && d.sample_locs[0][2] == l1, "leaf first");
	CHECK(d.nlocs == 4 && d.nfns == 3 && d.nmaps == 2, "counts: %d locations, %d functions, %d mappings",
	      d.nlocs, d.nfns, d.nmaps);
	/* Every reference resolves. */
	for (int s = 0; s < d.nsamples; s++)
		for (int i = 0; i < d.sample_nlocs[s]; i++)
			CHECK(find(d.loc_ids, d.nlocs, d.sample_locs[s][i]) >= 0, "sample %d location", s);
	for (int l = 0; l < d.nlocs; l++) {
		CHECK(find(d.fn_ids, d.nfns, d.loc_fn[l]) >= 0, "location %d function", l);
		CHECK(!d.loc_mapping[l] || find(d.map_ids, d.nmaps, d.loc_mapping[l]) >= 0, "location %d mapping", l);
	}
	{
		int li = find(d.loc_ids, d.nlocs, l3), fi = find(d.fn_ids, d.nfns, d.loc_fn[li]);

		CHECK(d.loc_addr[li] == 0xffffffff81000000ULL && str_is(&d, d.fn_name[fi], "schedule"), "kernel frame");
	}
	CHECK(str_is(&d, d.map_build[0], "d48cbe72") && str_is(&d, d.map_file[0], "app") && d.map_start[0] == 0x400000,
	      "mapping fields");
	CHECK(d.map_limit[1] == UINT64_MAX, "64-bit varint");
	CHECK(d.sample_nlabels[0] == 2 && str_is(&d, d.label_key[0][0], "pid") && d.label_num[0][0] == 4242 &&
		      str_is(&d, d.label_str[0][1], "db;worker"), "labels");
	CHECK(d.sample_nlabels[2] == 0, "no labels");

	/* The gzip file inflates to exactly the encoded message. */
	f = open_memstream((char **)&gz, &gzlen);
	CHECK(f && !pprof_write(p, f), "write");
	fclose(f);
	CHECK(gzlen > 18 && gz[0] == 0x1f && gz[1] == 0x8b, "gzip magic");
	CHECK(!pb_gunzip(gz, gzlen, &unz, &unzlen) && unzlen == rawlen && !memcmp(unz, raw, rawlen), "gunzip round trip");
	free(unz);
	free(gz);
	free(raw);
	pprof_free(p);

	/* An empty profile is still valid. */
	p = pprof_new();
	CHECK(p && !pprof_add_sample_type(p, "samples", "count") && !pprof_encode(p, &raw, &rawlen), "empty");
	decode(raw, rawlen, &d);
	CHECK(!d.malformed && d.nsamples == 0 && d.nsample_types == 1, "empty decodes");
	free(raw);
	pprof_free(p);

	/* Many strings: the table grows and still deduplicates. */
	p = pprof_new();
	for (int i = 0; i < 20000 && p; i++) {
		char name[32];

		snprintf(name, sizeof(name), "fn%d", i % 5000);
		CHECK(pprof_location_id(p, 0, (uint64_t)(i % 5000), name) == (uint64_t)(i % 5000) + 1, "dedup at %d", i);
	}
	pprof_free(p);

	if (failures)
		fprintf(stderr, "test_pprof: %d failures\n", failures);
	else
		printf("test_pprof: ok\n");
	return failures ? 1 : 0;
}
