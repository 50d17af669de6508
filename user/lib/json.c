#include "json.h"

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
