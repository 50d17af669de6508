/* Base64 encoding (lib/core/base64.h). */
#include "lib/core/base64.h"

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sre_base64_write(FILE *out, const void *p, size_t n)
{
	const unsigned char *b = p;
	char quad[4];
	size_t i;

	for (i = 0; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)b[i] << 16 | (unsigned)b[i + 1] << 8 | b[i + 2];

		quad[0] = digits[v >> 18];
		quad[1] = digits[(v >> 12) & 63];
		quad[2] = digits[(v >> 6) & 63];
		quad[3] = digits[v & 63];
		fwrite(quad, 1, 4, out);
	}
	if (i < n) {
		unsigned v = (unsigned)b[i] << 16 | (i + 1 < n ? (unsigned)b[i + 1] << 8 : 0);

		quad[0] = digits[v >> 18];
		quad[1] = digits[(v >> 12) & 63];
		quad[2] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
		quad[3] = '=';
		fwrite(quad, 1, 4, out);
	}
}
