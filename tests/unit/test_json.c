/* JSON string escaping: always valid JSON and valid UTF-8, whatever bytes
 * a process name or symbol holds. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "lib/core/hist.h"
#include "lib/core/json.h"

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

/* The writer: commas, keys only in objects, one line per document. */
static void writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sre_json j;

	sre_json_init(&j, f);
	sre_json_object(&j, NULL);
	sre_json_string(&j, "tool", "off\"cpu");
	sre_json_uint(&j, "n", 18446744073709551615ULL);
	sre_json_int(&j, "neg", -3);
	sre_json_fixed(&j, "pct", 12.345, 1);
	sre_json_fixed(&j, "nan", 0.0 / 0.0, 2);
	sre_json_array(&j, "empty");
	sre_json_end(&j);
	sre_json_array(&j, "rows");
	sre_json_object(&j, NULL);
	sre_json_bool(&j, "ok", true);
	sre_json_end(&j);
	sre_json_uint(&j, NULL, 7);
	sre_json_null(&j, NULL);
	sre_json_end(&j);
	sre_json_end(&j);
	sre_json_end(&j); /* one too many: nothing written */
	fclose(f);
	CHECK(!strcmp(buf, "{\"tool\":\"off\\\"cpu\",\"n\":18446744073709551615,\"neg\":-3,\"pct\":12.3,"
			   "\"nan\":null,\"empty\":[],\"rows\":[{\"ok\":true},7,null]}\n"),
	      "writer gave %s", buf);
	free(buf);

	/* Nesting past the limit drops the excess but keeps the rest well-formed. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	sre_json_init(&j, f);
	sre_json_array(&j, NULL);
	for (int i = 0; i < SRE_JSON_MAX_DEPTH + 3; i++)
		sre_json_array(&j, NULL);
	for (int i = 0; i < SRE_JSON_MAX_DEPTH + 3; i++)
		sre_json_end(&j);
	sre_json_uint(&j, NULL, 1);
	sre_json_end(&j);
	fclose(f);
	CHECK(buf[0] == '[' && strstr(buf, "],1]\n") && strlen(buf) == 2 * SRE_JSON_MAX_DEPTH + 3, "deep gave %s", buf);
	free(buf);
}

/* The heads the tools share, and a latency row's members: the bytes the
 * tools wrote by hand before the writer, kept as they were. */
static void heads(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sre_json j;
	struct hist h = { 0 };

	sre_json_report(&j, f, "syslat", "23:14:25", 1.0, 503, 1, 2);
	sre_json_array(&j, "rows");
	sre_json_end(&j);
	sre_json_end(&j);
	sre_json_event(&j, f, "23:14:25.344371", 2629, "sys\"calls");
	sre_json_int(&j, "ret", -9);
	sre_json_end(&j);
	h.b[3] = 2;
	sre_json_init(&j, f);
	sre_json_object(&j, NULL);
	hist_print_json_latency(&j, &h, 3);
	sre_json_array(&j, "none");
	sre_json_end(&j);
	hist_print_json(&j, "empty", &(struct hist){ 0 });
	sre_json_end(&j);
	fclose(f);
	CHECK(!strcmp(buf, "{\"tool\":\"syslat\",\"time\":\"23:14:25\",\"interval_s\":1.000,\"events\":503,"
			   "\"drops\":1,\"missed\":2,\"rows\":[]}\n"
			   "{\"time\":\"23:14:25.344371\",\"pid\":2629,\"comm\":\"sys\\\"calls\",\"ret\":-9}\n"
			   "{\"p50_ns\":3,\"p95_ns\":3,\"p99_ns\":3,\"max_ns\":3,"
			   "\"hist\":[{\"lo_ns\":3,\"hi_ns\":4,\"count\":2}],\"none\":[],\"empty\":[]}\n"),
	      "heads gave %s", buf);
	free(buf);
}

int main(void)
{
	writer();
	heads();
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
