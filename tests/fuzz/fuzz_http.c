/* libFuzzer: the exporter's HTTP request parser, on raw bytes as a client
 * could send them. Checks what the server relies on: a parsed request has
 * a NUL-terminated method and a path starting with '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "serve/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	/* A copy without slack: reads past the end are caught by ASan. */
	char *buf = malloc(size ? size : 1);
	enum http_parse r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = http_parse_request(buf, size, &req);
	if (r == HTTP_PARSED) {
		if (req.path[0] != '/' || strnlen(req.method, sizeof(req.method)) == sizeof(req.method) ||
		    strnlen(req.path, sizeof(req.path)) == sizeof(req.path) || !req.method[0])
			abort();
	}
	free(buf);
	return 0;
}
