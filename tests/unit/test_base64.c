/* Base64 against RFC 4648's test vectors, whole and in pieces. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/core/base64.h"

static void expect(const char *in, const char *want, size_t piece)
{
	char *buf = NULL;
	size_t len = 0, n = strlen(in);
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < n || (!n && !i); i += piece) {
		sre_base64_write(f, in + i, n - i < piece ? n - i : piece);
		if (!n)
			break;
	}
	fclose(f);
	CHECK(!strcmp(buf, want), "'%s' in pieces of %zu gave %s, want %s", in, piece, buf, want);
	free(buf);
}

int main(void)
{
	static const char *const rfc[][2] = { { "", "" },	      { "f", "Zg==" },	       { "fo", "Zm8=" },
					      { "foo", "Zm9v" },      { "foob", "Zm9vYg==" },  { "fooba", "Zm9vYmE=" },
					      { "foobar", "Zm9vYmFy" } };

	for (size_t i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		expect(rfc[i][0], rfc[i][1], 64);
		expect(rfc[i][0], rfc[i][1], 3);
	}
	if (failures)
		return 1;
	printf("base64: ok\n");
	return 0;
}
