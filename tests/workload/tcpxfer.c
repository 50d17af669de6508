/* A TCP transfer with itself: a server thread accepts one connection on
 * ADDR:PORT and reads until EOF; the client sends BYTES, half-closes and
 * waits for the server's close.
 *   tcpxfer ADDR PORT BYTES      (ADDR: 127.0.0.1 or ::1, ...) */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener;

static void *serve(void *arg)
{
	static char buf[65536];
	long *got = arg;
	ssize_t n;
	int c = accept(listener, NULL, NULL);

	if (c < 0)
		exit(1);
	while ((n = read(c, buf, sizeof(buf))) > 0)
		*got += n;
	close(c);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *s4 = (void *)&ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	static char chunk[65536];
	socklen_t len;
	long total, sent = 0, got = 0;
	pthread_t t;
	int one = 1, c, fam;

	if (argc != 4)
		return 2;
	total = atol(argv[3]);
	if (inet_pton(AF_INET, argv[1], &s4->sin_addr) == 1) {
		fam = AF_INET;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) == 1) {
		fam = AF_INET6;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(argv[2]));
		len = sizeof(*s6);
	} else {
		return 2;
	}
	listener = socket(fam, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (void *)&ss, len) || listen(listener, 1))
		return 1;
	pthread_create(&t, NULL, serve, &got);
	c = socket(fam, SOCK_STREAM, 0);
	if (connect(c, (void *)&ss, len))
		return 1;
	memset(chunk, 'x', sizeof(chunk));
	while (sent < total) {
		long want = total - sent < (long)sizeof(chunk) ? total - sent : (long)sizeof(chunk);
		ssize_t n = write(c, chunk, (size_t)want);

		if (n <= 0)
			return 1;
		sent += n;
	}
	/* Half-close, then wait for the server's FIN: it acknowledges every
	 * byte, so no retransmit of ours can follow our exit (an orphaned
	 * socket's late RTO retransmit was counted by the kernel after the
	 * tracer had stopped: CI saw 17 against 20). */
	shutdown(c, SHUT_WR);
	while (read(c, chunk, sizeof(chunk)) > 0)
		;
	close(c);
	pthread_join(t, NULL);
	return got == total ? 0 : 1;
}
