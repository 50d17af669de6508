/* Two threads pinned to one CPU pass a byte through two pipes: two context
 * switches per round trip. Prints ns per round trip.
 *   pingpong ROUNDS [CPU] */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds;

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int cpu_arg;

static void *echo(void *arg)
{
	char b;

	(void)arg;
	pin(cpu_arg);
	for (long i = 0; i < rounds; i++) {
		if (read(ping[0], &b, 1) != 1 || write(pong[1], &b, 1) != 1)
			exit(1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec a, z;
	pthread_t t;
	char b = 'x';

	rounds = argc > 1 ? atol(argv[1]) : 100000;
	cpu_arg = argc > 2 ? atoi(argv[2]) : 0;
	if (pipe(ping) || pipe(pong))
		return 1;
	pin(cpu_arg);
	pthread_create(&t, NULL, echo, NULL);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < rounds; i++) {
		if (write(ping[1], &b, 1) != 1 || read(pong[0], &b, 1) != 1)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &z);
	pthread_join(t, NULL);
	printf("%.1f\n", ((double)(z.tv_sec - a.tv_sec) * 1e9 + (double)(z.tv_nsec - a.tv_nsec)) / (double)rounds);
	return 0;
}
