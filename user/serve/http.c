#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "serve/http.h"

/* ---- request parsing ---- */

static bool is_tchar(char c)
{
	/* c != 0 first: strchr finds the terminating NUL (found by fuzzing). */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* End of the line starting at p (at its '\n'), or NULL before end. */
static const char *line_end(const char *p, const char *end)
{
	return memchr(p, '\n', (size_t)(end - p));
}

enum http_parse http_parse_request(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf, *end = buf + len, *nl, *sp1, *sp2, *target, *q;
	size_t mlen, plen;
	bool blank = false;

	memset(req, 0, sizeof(*req));
	/* A blank line must end the head within the limit. */
	for (const char *l = buf; l < end; l = nl + 1) {
		nl = line_end(l, end);
		if (!nl)
			break;
		if (nl == l || (nl == l + 1 && *l == '\r')) {
			blank = true;
			end = nl + 1;
			break;
		}
	}
	if (!blank)
		return len >= HTTP_MAX_HEAD ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	if ((size_t)(end - buf) > HTTP_MAX_HEAD)
		return HTTP_TOO_LARGE;

	/* Request line: METHOD SP TARGET SP HTTP/1.x */
	nl = line_end(p, end);
	if (nl == p || (nl == p + 1 && *p == '\r'))
		return HTTP_BAD; /* leading empty line: be strict */
	sp1 = memchr(p, ' ', (size_t)(nl - p));
	if (!sp1)
		return HTTP_BAD;
	mlen = (size_t)(sp1 - p);
	if (!mlen || mlen >= sizeof(req->method))
		return HTTP_BAD;
	for (const char *c = p; c < sp1; c++)
		if (!is_tchar(*c))
			return HTTP_BAD;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(nl - target));
	if (!sp2 || sp2 == target || *target != '/')
		return HTTP_BAD;
	if (nl - sp2 - 1 < 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || (sp2[8] != '0' && sp2[8] != '1') ||
	    !(sp2 + 9 == nl || (sp2 + 10 == nl && sp2[9] == '\r')))
		return HTTP_BAD;
	for (const char *c = target; c < sp2; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return HTTP_BAD;
	q = memchr(target, '?', (size_t)(sp2 - target));
	plen = (size_t)((q ? q : sp2) - target);
	if (plen >= sizeof(req->path))
		return HTTP_TOO_LARGE;
	memcpy(req->method, p, mlen);
	memcpy(req->path, target, plen);
	req->head = !strcmp(req->method, "HEAD");

	/* Headers: "name: value"; their shape is checked, and one is used:
	 * Accept-Encoding with gzip (Prometheus sends it). */
	for (p = nl + 1; p < end; p = nl + 1) {
		const char *colon;

		nl = line_end(p, end);
		if (nl == p || (nl == p + 1 && *p == '\r'))
			break;
		colon = memchr(p, ':', (size_t)(nl - p));
		if (!colon || colon == p)
			return HTTP_BAD;
		for (const char *c = p; c < colon; c++)
			if (!is_tchar(*c))
				return HTTP_BAD;
		for (const char *c = colon + 1; c < nl; c++)
			if (*c == 0)
				return HTTP_BAD;
		if (colon - p == 15 && !strncasecmp(p, "Accept-Encoding", 15) &&
		    memmem(colon + 1, (size_t)(nl - colon - 1), "gzip", 4))
			req->accept_gzip = true;
	}
	return HTTP_PARSED;
}

/* ---- connections ---- */

struct http_conn {
	int fd;              /* -1: free slot */
	long long accepted;  /* ms, CLOCK_MONOTONIC */
	long long deadline;
	char in[HTTP_MAX_HEAD];
	size_t inlen;
	char *out;           /* head and body, once answered */
	size_t outlen, outoff;
};

struct http_server {
	int fd;
	int port;
	struct http_drops drops;
	struct http_conn conns[HTTP_MAX_CONNS];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *colon, *port_s;
	char *end;
	unsigned long port;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof(host))
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(close - addr - 1), addr + 1);
		port_s = close + 2;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || (size_t)(colon - addr) >= sizeof(host) || strchr(addr, ':') != colon)
			return -EINVAL;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
		port_s = colon + 1;
	}
	if (!*port_s || *port_s == '-' || *port_s == '+')
		return -EINVAL;
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *end || port > 65535)
		return -EINVAL;
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

struct http_server *http_listen(const char *tool, const char *addr, int *err)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	struct http_server *s;
	int one = 1;

	*err = parse_addr(addr, &ss, &sl);
	if (*err) {
		fprintf(stderr, "sretrace %s: invalid listen address '%s' (want IP:PORT or [IPv6]:PORT)\n", tool, addr);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (struct sockaddr *)&ss, sl) || listen(s->fd, SOMAXCONN)) {
		*err = -errno;
		fprintf(stderr, "sretrace %s: cannot listen on %s: %s\n", tool, addr, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	sl = sizeof(ss);
	getsockname(s->fd, (struct sockaddr *)&ss, &sl);
	s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						 : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

int http_port(const struct http_server *s)
{
	return s->port;
}

static void conn_close(struct http_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->inlen = c->outlen = c->outoff = 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

/* Builds the whole response in c->out; the connection closes after it. */
static void conn_answer(struct http_conn *c, struct http_reply *r, bool head)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f) {
		conn_close(c);
		return;
	}
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n", r->status,
		reason(r->status), r->content_type ? r->content_type : "text/plain; charset=utf-8", r->len);
	if (r->content_encoding)
		fprintf(f, "Content-Encoding: %s\r\n", r->content_encoding);
	if (r->status == 405)
		fputs("Allow: GET, HEAD\r\n", f);
	fputs("\r\n", f);
	if (!head && r->len)
		fwrite(r->body, 1, r->len, f);
	if (fclose(f)) {
		free(out);
		conn_close(c);
		return;
	}
	c->out = out;
	c->outlen = len;
	c->outoff = 0;
}

static void error_reply(struct http_reply *r, int status)
{
	char *msg = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);

	r->status = status;
	r->content_type = NULL;
	if (f) {
		fprintf(f, "%d %s\n", status, reason(status));
		fclose(f);
	}
	r->body = msg;
	r->len = msg ? len : 0;
}

static void conn_read(struct http_conn *c, http_handler handler, void *ctx)
{
	struct http_request req;
	struct http_reply reply = { 0 };
	enum http_parse res;
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->inlen += (size_t)n;
	res = http_parse_request(c->in, c->inlen, &req);
	if (res == HTTP_INCOMPLETE && c->inlen < sizeof(c->in))
		return;
	if (res == HTTP_INCOMPLETE || res == HTTP_TOO_LARGE)
		error_reply(&reply, 431);
	else if (res == HTTP_BAD)
		error_reply(&reply, 400);
	else if (strcmp(req.method, "GET") && strcmp(req.method, "HEAD"))
		error_reply(&reply, 405);
	else
		handler(ctx, &req, &reply);
	conn_answer(c, &reply, res == HTTP_PARSED && req.head);
	free(reply.body);
	/* Nothing more is read: one request per connection. */
	shutdown(c->fd, SHUT_RD);
}

static void conn_write(struct http_conn *c)
{
	ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		conn_close(c);
}

/* A free slot, else the one holding the oldest unfinished request (it is
 * dropped, counted); -1 when every slot is answering. */
static int free_slot(struct http_server *s)
{
	int oldest = -1;

	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		const struct http_conn *c = &s->conns[i];

		if (c->fd < 0)
			return i;
		if (!c->out && (oldest < 0 || c->accepted < s->conns[oldest].accepted))
			oldest = i;
	}
	if (oldest >= 0) {
		conn_close(&s->conns[oldest]);
		s->drops.evicted++;
	}
	return oldest;
}

/* Accepts what is pending, at most a round's worth, and reads each new
 * connection at once: a client that sent its request with the connect
 * (a scraper) is answered before anything can evict it. */
static void accept_all(struct http_server *s, http_handler handler, void *ctx)
{
	for (int n = 0; n < 4 * HTTP_MAX_CONNS; n++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		struct http_conn *c;

		if (fd < 0)
			return;
		i = free_slot(s);
		if (i < 0) {
			close(fd);
			s->drops.refused++;
			continue;
		}
		c = &s->conns[i];
		c->fd = fd;
		c->accepted = now_ms();
		c->deadline = c->accepted + HTTP_TIMEOUT_MS;
		conn_read(c, handler, ctx);
		if (c->fd >= 0 && c->out)
			conn_write(c);
	}
}

int http_serve_once(struct http_server *s, int timeout_ms, http_handler handler, void *ctx)
{
	struct pollfd pfd[HTTP_MAX_CONNS + 1];
	int idx[HTTP_MAX_CONNS + 1], n = 0, r;
	long long now = now_ms();

	pfd[n] = (struct pollfd){ .fd = s->fd, .events = POLLIN };
	idx[n++] = -1;
	for (int i = 0; i < HTTP_MAX_CONNS; i++) {
		struct http_conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline) {
			conn_close(c); /* slow or silent client */
			s->drops.timed_out++;
			continue;
		}
		if (c->deadline - now < timeout_ms)
			timeout_ms = (int)(c->deadline - now);
		pfd[n] = (struct pollfd){ .fd = c->fd, .events = c->out ? POLLOUT : POLLIN };
		idx[n++] = i;
	}
	r = poll(pfd, (nfds_t)n, timeout_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	for (int k = 1; k < n; k++) {
		struct http_conn *c = &s->conns[idx[k]];

		if (!pfd[k].revents)
			continue;
		if (c->out)
			conn_write(c);
		else
			conn_read(c, handler, ctx);
		/* Often writable at once: do not wait a round for it. */
		if (c->fd >= 0 && c->out)
			conn_write(c);
	}
	if (pfd[0].revents & POLLIN)
		accept_all(s, handler, ctx);
	return 0;
}

void http_drops(const struct http_server *s, struct http_drops *d)
{
	*d = s->drops;
}

void http_close(struct http_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		conn_close(&s->conns[i]);
	close(s->fd);
	free(s);
}
