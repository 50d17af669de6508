/* One user stack, two kernel paths: the same read() from the same call
 * site waits on a pipe (pipe_read) and on a UNIX socket
 * (unix_stream_read_generic) in turn, so only the kernel stack tells the
 * two waits apart. A helper thread ends each wait after its own delay.
 *   twopaths [-k ROUNDS] [-a PIPE_US] [-b SOCKET_US] [-o FILE]
 * Writes "pipe_us socket_us" to FILE: the time the reads took, measured
 * by the program around each read (the ground truth). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int pipe_fds[2], sock_fds[2];
static long rounds = 200, pipe_us = 1000, socket_us = 3000;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The one call site of both waits. */
__attribute__((noinline)) double sretrace_test_wait_on(int fd)
{
	double t0 = now_us();
	char c;

	if (read(fd, &c, 1) != 1)
		exit(1);
	return now_us() - t0;
}

static void *ender(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		usleep(pipe_us);
		if (write(pipe_fds[1], "p", 1) != 1)
			exit(1);
		usleep(socket_us);
		if (write(sock_fds[1], "s", 1) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	double in_pipe = 0, in_socket = 0;
	pthread_t t;
	int opt;

	while ((opt = getopt(argc, argv, "k:a:b:o:")) != -1) {
		switch (opt) {
		case 'k': rounds = atol(optarg); break;
		case 'a': pipe_us = atol(optarg); break;
		case 'b': socket_us = atol(optarg); break;
		case 'o': out = optarg; break;
		default:
			fprintf(stderr, "usage: twopaths [-k ROUNDS] [-a PIPE_US] [-b SOCKET_US] [-o FILE]\n");
			return 2;
		}
	}
	if (pipe(pipe_fds) || socketpair(AF_UNIX, SOCK_STREAM, 0, sock_fds))
		return 1;
	if (pthread_create(&t, NULL, ender, NULL))
		return 1;
	/* One call site for both (checked: tests/e2e/offcpu.bats counts the
	 * calls in the binary), so one user stack. */
	int fds[2] = { pipe_fds[0], sock_fds[0] };
	double took[2] = { 0, 0 };

	for (long i = 0; i < 2 * rounds; i++)
		took[i & 1] += sretrace_test_wait_on(fds[i & 1]);
	in_pipe = took[0];
	in_socket = took[1];
	pthread_join(t, NULL);
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f)
			return 1;
		fprintf(f, "%.0f %.0f\n", in_pipe, in_socket);
		fclose(f);
	}
	return 0;
}
