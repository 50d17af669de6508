/* Handshakes a server never completes: a listener on 127.0.0.1:PORT and
 * COUNT clients that connect to it, then SECONDS of waiting. With the
 * clients' final ACKs dropped (the test's nftables rule) the kernel sends
 * the SYN-ACKs again, at 1 s, 3 s, ... The clients close with a reset
 * (SO_LINGER 0), so nothing of theirs is retransmitted after exit.
 *   halfopen PORT COUNT SECONDS */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct linger reset = { 1, 0 };
	struct timespec wait;
	int one = 1, listener, count;
	double s;

	if (argc != 4)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	count = atoi(argv[2]);
	s = atof(argv[3]);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (void *)&a, sizeof(a)) || listen(listener, 16))
		return 1;
	for (int i = 0; i < count; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		fcntl(c, F_SETFL, O_NONBLOCK);
		/* In progress or done: either way the SYN has gone out. */
		connect(c, (void *)&a, sizeof(a));
	}
	wait.tv_sec = (time_t)s;
	wait.tv_nsec = (long)((s - (double)wait.tv_sec) * 1e9);
	nanosleep(&wait, NULL);
	return 0;
}
