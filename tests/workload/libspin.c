/* Preempted inside a library: THREADS threads spend SECONDS in libc's
 * memset, called from sretrace_test_libc_caller. Pinned to one CPU (taskset),
 * they preempt each other at every tick, nearly always inside memset, a
 * function without frame pointers: a frame-pointer walk from there skips
 * sretrace_test_libc_caller.   libspin THREADS SECONDS */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds;
static volatile unsigned char sink;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noinline)) void sretrace_test_libc_caller(unsigned char *buf, size_t len)
{
	memset(buf, (int)(len & 0xff), len);
	sink = buf[len / 2]; /* not a tail call: keep this frame */
}

static void *spin(void *arg)
{
	size_t len = 1 << 20;
	unsigned char *buf = malloc(len);
	double end = now_s() + seconds;

	(void)arg;
	while (buf && now_s() < end)
		for (int i = 0; i < 64; i++)
			sretrace_test_libc_caller(buf, len);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	int n;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || n > 64)
		return 2;
	seconds = atof(argv[2]);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, spin, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
