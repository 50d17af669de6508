/* JSON string escaping: always valid JSON and valid UTF-8, whatever bytes
 * a process name or symbol holds. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/json.h"

static void expect(const char *in, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	sre_json_str(f, in);
	fclose(f);
	CHECK(!strcmp(buf, want), "'%s' gave %s, want %s", in, buf, want);
	free(buf);
}

int main(void)
{
	expect("plain", "\"plain\"");
	expect("q\"b\\s", "\"q\\\"b\\\\s\"");
	expect("\x01\n\x7f", "\"\\u0001\\u000a\\u007f\"");
	expect("caf\xc3\xa9", "\"caf\xc3\xa9\"");             /* 2-byte UTF-8 kept */
	expect("\xe2\x82\xac", "\"\xe2\x82\xac\"");           /* euro sign, 3 bytes */
	expect("\xf0\x9f\x94\xa5", "\"\xf0\x9f\x94\xa5\"");   /* 4 bytes */
	expect("\xc3", "\"\\u00c3\"");                        /* truncated sequence */
	expect("\xc3(", "\"\\u00c3(\"");                      /* bad continuation */
	expect("\xc0\xaf", "\"\\u00c0\\u00af\"");             /* overlong */
	expect("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	expect("\xf8\x88\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\""); /* no 5-byte forms */
	expect("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* beyond U+10FFFF */
	if (failures)
		fprintf(stderr, "test_json: %d failures\n", failures);
	else
		printf("test_json: ok\n");
	return failures ? 1 : 0;
}
