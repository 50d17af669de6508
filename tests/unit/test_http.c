/* The exporter's request parser, case by case. */
#include <string.h>
#include "check.h"
#include "serve/http.h"

static const struct {
	const char *in;
	enum http_parse want;
	const char *path;
} cases[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", HTTP_PARSED, "/metrics" },
	{ "GET /metrics?name[]=a HTTP/1.0\n\n", HTTP_PARSED, "/metrics" },
	{ "HEAD / HTTP/1.1\r\n\r\n", HTTP_PARSED, "/" },
	{ "DELETE /metrics HTTP/1.1\r\n\r\n", HTTP_PARSED, "/metrics" }, /* parsed; the server says 405 */
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", HTTP_INCOMPLETE, NULL },
	{ "GET /metr", HTTP_INCOMPLETE, NULL },
	{ "", HTTP_INCOMPLETE, NULL },
	{ "\r\n\r\n", HTTP_BAD, NULL },
	{ "GET metrics HTTP/1.1\r\n\r\n", HTTP_BAD, NULL },        /* not origin-form */
	{ "GET /metrics HTTP/2.0\r\n\r\n", HTTP_BAD, NULL },
	{ "GET /metrics\r\n\r\n", HTTP_BAD, NULL },                 /* HTTP/0.9 */
	{ "GET  /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, NULL },
	{ "G(T /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, NULL },
	{ "GET /a b HTTP/1.1\r\n\r\n", HTTP_BAD, NULL },
	{ "GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n", HTTP_BAD, NULL },
	{ "GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n", HTTP_BAD, NULL },
	{ "GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n", HTTP_BAD, NULL },
	{ "VERYLONGMETHODNAME /metrics HTTP/1.1\r\n\r\n", HTTP_BAD, NULL },
};

int main(void)
{
	struct http_request req;
	static char big[HTTP_MAX_HEAD + 100];
	static char longpath[HTTP_MAX_PATH + 100];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum http_parse r = http_parse_request(cases[i].in, strlen(cases[i].in), &req);

		CHECK(r == cases[i].want, "case %zu (%s): got %d, want %d", i, cases[i].in, r, cases[i].want);
		if (r == HTTP_PARSED && cases[i].path)
			CHECK(!strcmp(req.path, cases[i].path), "case %zu path %s", i, req.path);
	}
	CHECK(http_parse_request("HEAD / HTTP/1.1\r\n\r\n", 19, &req) == HTTP_PARSED && req.head, "HEAD flag");
	{
		static const char gz[] = "GET /metrics HTTP/1.1\r\naccept-encoding: deflate, gzip\r\n\r\n";
		static const char plain[] = "GET /metrics HTTP/1.1\r\nAccept: gzip\r\n\r\n";

		CHECK(http_parse_request(gz, strlen(gz), &req) == HTTP_PARSED && req.accept_gzip, "Accept-Encoding gzip");
		CHECK(http_parse_request(plain, strlen(plain), &req) == HTTP_PARSED && !req.accept_gzip,
		      "gzip in another header");
	}
	/* A NUL in the method is not a token character. */
	CHECK(http_parse_request("G\0T / HTTP/1.1\r\n\r\n", 19, &req) == HTTP_BAD, "NUL in method");
	/* No end of head within the limit: too large, not "read more". */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK(http_parse_request(big, HTTP_MAX_HEAD, &req) == HTTP_TOO_LARGE, "endless head");
	memcpy(big + sizeof(big) - 4, "\r\n\r\n", 4);
	CHECK(http_parse_request(big, sizeof(big), &req) == HTTP_TOO_LARGE, "head over the limit");
	memset(longpath, 'p', sizeof(longpath));
	memcpy(longpath, "GET /", 5);
	memcpy(longpath + sizeof(longpath) - 13, " HTTP/1.1\n\n", 11);
	CHECK(http_parse_request(longpath, sizeof(longpath) - 2, &req) == HTTP_TOO_LARGE, "path over the limit");
	if (failures)
		fprintf(stderr, "test_http: %d failures\n", failures);
	else
		printf("test_http: ok\n");
	return failures ? 1 : 0;
}
