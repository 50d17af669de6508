/* A small HTTP/1.1 server for the exporter: GET and HEAD only, one
 * request per connection, every read bounded in size and time, one
 * thread driven by poll(). Written here rather than taken from
 * libmicrohttpd: Debian's libmicrohttpd.a needs GnuTLS, whose p11-kit
 * dependency ships no static archive, so it cannot go into the static
 * binary (docs/serve.md). The request parser is fuzzed. */
#ifndef SRE_HTTP_H
#define SRE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_HEAD 8192     /* request line + headers */
#define HTTP_MAX_PATH 1024
/* Connections at once. When all are taken, a new one evicts the oldest
 * still sending its request (idle or slow clients, oldest first), so a
 * crowd of half-sent connections cannot lock a scraper out. */
#define HTTP_MAX_CONNS 128
#define HTTP_TIMEOUT_MS 10000  /* a whole exchange, read and write */

enum http_parse {
	HTTP_INCOMPLETE, /* no blank line yet: read more */
	HTTP_PARSED,
	HTTP_BAD,        /* 400 */
	HTTP_TOO_LARGE,  /* 431 */
};

struct http_request {
	char method[16];
	char path[HTTP_MAX_PATH]; /* without the query string */
	bool head;                /* HEAD: headers only */
	bool accept_gzip;         /* Accept-Encoding names gzip */
};

/* Parses buf[0..len) as an HTTP/1.x request head. */
enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *req);

struct http_reply {
	int status;
	const char *content_type;
	const char *content_encoding; /* "gzip" when body is compressed, else NULL */
	char *body;   /* malloc'd, freed by the server */
	size_t len;
};

/* Fills reply for a GET or HEAD of req->path. */
typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_reply *reply);

struct http_server;

/* "HOST:PORT", "[V6]:PORT" or "localhost:PORT"; numeric hosts only, so no
 * name lookup can stall start-up. NULL with *err = -errno after one line
 * on stderr naming tool. */
struct http_server *http_listen(const char *tool, const char *addr, int *err);
/* The bound port (for ":0" in tests). */
int http_port(const struct http_server *s);
/* One round: waits up to timeout_ms for activity, then accepts, reads,
 * answers and drops expired connections. 0 (also when a signal cut the
 * wait short), or -errno on a fatal error. */
int http_serve_once(struct http_server *s, int timeout_ms, http_handler handler, void *ctx);
void http_close(struct http_server *s);

/* Connections dropped so far, by why. */
struct http_drops {
	unsigned long long evicted;  /* oldest unfinished request, for a new connection */
	unsigned long long timed_out; /* past HTTP_TIMEOUT_MS */
	unsigned long long refused;  /* every slot busy answering */
};
void http_drops(const struct http_server *s, struct http_drops *d);

#endif
