/* A minimal protobuf reader for tests: walks a message field by field, so
 * the pprof encoder is checked against the wire format, not against
 * itself. Also decompresses gzip. */
#ifndef SRE_TEST_PBDECODE_H
#define SRE_TEST_PBDECODE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct pbfield {
	unsigned num;
	unsigned wire;
	uint64_t v;          /* varint */
	const uint8_t *data; /* length-delimited */
	size_t len;
};

static int pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -1;
}

/* 1: a field in *f; 0: end of message; -1: malformed. */
static int pb_next(const uint8_t **p, const uint8_t *end, struct pbfield *f)
{
	uint64_t key;

	if (*p == end)
		return 0;
	if (pb_read_varint(p, end, &key))
		return -1;
	memset(f, 0, sizeof(*f));
	f->num = (unsigned)(key >> 3);
	f->wire = key & 7;
	if (f->wire == 0)
		return pb_read_varint(p, end, &f->v) ? -1 : 1;
	if (f->wire == 2) {
		if (pb_read_varint(p, end, &f->v) || f->v > (uint64_t)(end - *p))
			return -1;
		f->data = *p;
		f->len = f->v;
		*p += f->len;
		return 1;
	}
	return -1;
}

/* gzip (or zlib) data inflated into *out (free it); 0 or -1. */
static int pb_gunzip(const uint8_t *in, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream z = { 0 };
	size_t cap = 4096;
	int r;

	*out = malloc(cap);
	*outlen = 0;
	if (!*out || inflateInit2(&z, 15 + 32) != Z_OK)
		return -1;
	z.next_in = (uint8_t *)in;
	z.avail_in = (uInt)len;
	do {
		if (*outlen == cap) {
			uint8_t *n = realloc(*out, cap * 2);

			if (!n)
				break;
			*out = n;
			cap *= 2;
		}
		z.next_out = *out + *outlen;
		z.avail_out = (uInt)(cap - *outlen);
		r = inflate(&z, Z_NO_FLUSH);
		*outlen = cap - z.avail_out;
	} while (r == Z_OK);
	inflateEnd(&z);
	return r == Z_STREAM_END ? 0 : -1;
}

#endif
