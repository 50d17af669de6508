/* A process and thread storm with known off-CPU time (issue 21):
 *   storm [-P PROCS] [-W WAVES] [-T THREADS] [-u USEC] [-o FILE]
 * First PROCS processes are forked one after another, each exiting at
 * once (a fork storm); then WAVES waves of THREADS threads each start
 * together, nap USEC once inside sretrace_test_storm_nap and exit. Writes
 * the naps' total off-CPU time as the threads measured it (wall minus
 * their own CPU time, in us) to FILE. Defaults: 10000 processes, 50 waves
 * of 2000 threads (100,000 threads), 2000 us naps. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long nap_us = 2000;

static double clock_us(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

__attribute__((noinline)) double sretrace_test_storm_nap(void)
{
	struct timespec ts = { nap_us / 1000000, (nap_us % 1000000) * 1000 };
	double wall = clock_us(CLOCK_MONOTONIC), cpu = clock_us(CLOCK_THREAD_CPUTIME_ID);

	nanosleep(&ts, NULL);
	return (clock_us(CLOCK_MONOTONIC) - wall) - (clock_us(CLOCK_THREAD_CPUTIME_ID) - cpu);
}

static void *thread_main(void *arg)
{
	*(double *)arg = sretrace_test_storm_nap();
	return NULL;
}

int main(int argc, char **argv)
{
	long procs = 10000, waves = 50, threads = 2000;
	const char *out = NULL;
	double total = 0;
	pthread_attr_t attr;
	int c;

	while ((c = getopt(argc, argv, "P:W:T:u:o:")) != -1) {
		switch (c) {
		case 'P': procs = atol(optarg); break;
		case 'W': waves = atol(optarg); break;
		case 'T': threads = atol(optarg); break;
		case 'u': nap_us = atol(optarg); break;
		case 'o': out = optarg; break;
		default: return 2;
		}
	}
	for (long i = 0; i < procs; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(0);
		if (p < 0 || waitpid(p, NULL, 0) < 0)
			return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (long w = 0; w < waves; w++) {
		pthread_t *tid = calloc((size_t)threads, sizeof(*tid));
		double *slept = calloc((size_t)threads, sizeof(*slept));

		if (!tid || !slept)
			return 1;
		for (long i = 0; i < threads; i++)
			if (pthread_create(&tid[i], &attr, thread_main, &slept[i]))
				return 1;
		for (long i = 0; i < threads; i++) {
			pthread_join(tid[i], NULL);
			total += slept[i];
		}
		free(tid);
		free(slept);
	}
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f)
			return 1;
		fprintf(f, "%.0f\n", total);
		fclose(f);
	}
	return 0;
}
