/* libFuzzer: the pprof encoder and its gzip path. The input is a script of
 * operations (mappings, locations, samples with labels, strings taken from
 * the input); the written file must inflate and parse back with the same
 * number of samples, locations and mappings. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/pbdecode.h"
#include "lib/fmt/pprof.h"

struct script {
	const uint8_t *p, *end;
};

static uint64_t take(struct script *s, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes && s->p < s->end; i++)
		v = v << 8 | *s->p++;
	return v;
}

/* A NUL-terminated string of up to 31 input bytes (may hold any byte). */
static void take_str(struct script *s, char *buf)
{
	size_t n = take(s, 1) % 32;

	if (n > (size_t)(s->end - s->p))
		n = (size_t)(s->end - s->p);
	memcpy(buf, s->p, n);
	buf[n] = 0;
	s->p += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = { data, data + size };
	struct pprof *p = pprof_new();
	uint64_t locs[256], maps[64];
	int nlocs = 0, nmaps = 0, nsamples = 0;
	uint8_t *gz = NULL, *raw = NULL;
	size_t gzlen = 0, rawlen = 0;
	FILE *f;

	if (!p)
		return 0;
	pprof_add_sample_type(p, "offcpu", "nanoseconds");
	pprof_add_sample_type(p, "count", "count");
	while (s.p < s.end) {
		char a[32], b[32];

		switch (take(&s, 1) % 4) {
		case 0:
			take_str(&s, a);
			take_str(&s, b);
			if (nmaps < 64) {
				uint64_t start = take(&s, 8);

				maps[nmaps] = pprof_mapping_id(p, &(struct pprof_mapping){
					.start = start, .limit = start + take(&s, 4), .file = a, .build_id = b });
				if (!maps[nmaps++])
					abort();
			}
			break;
		case 1:
			take_str(&s, a);
			if (nlocs < 256) {
				uint64_t m = nmaps ? maps[take(&s, 1) % (uint64_t)nmaps] : 0;

				locs[nlocs] = pprof_location_id(p, m, take(&s, 8), a);
				if (!locs[nlocs++])
					abort();
			}
			break;
		case 2: {
			uint64_t chosen[16];
			int n = (int)(take(&s, 1) % 17);
			int64_t values[2] = { (int64_t)take(&s, 8), (int64_t)take(&s, 2) };
			struct pprof_label labels[2] = { { .key = "pid", .num = (int64_t)take(&s, 4) },
							 { .key = "comm", .str = a } };

			take_str(&s, a);
			for (int i = 0; i < n; i++)
				chosen[i] = nlocs ? locs[take(&s, 1) % (uint64_t)nlocs] : 1;
			if (!nlocs)
				n = 0;
			if (pprof_add_sample(p, chosen, n, values, labels, 2))
				abort();
			nsamples++;
			break;
		}
		default:
			take_str(&s, a);
			pprof_add_comment(p, a);
			break;
		}
	}
	f = open_memstream((char **)&gz, &gzlen);
	if (!f || pprof_write(p, f))
		abort();
	fclose(f);
	if (pb_gunzip(gz, gzlen, &raw, &rawlen))
		abort();
	{
		const uint8_t *q = raw, *end = raw + rawlen;
		struct pbfield fl;
		int r, samples = 0, strings = 0;

		while ((r = pb_next(&q, end, &fl)) == 1) {
			samples += fl.num == 2;
			if (fl.num == 6 && strings++ == 0 && fl.len)
				abort(); /* the table must start with "" */
		}
		if (r < 0 || samples != nsamples)
			abort();
	}
	free(raw);
	free(gz);
	pprof_free(p);
	return 0;
}
