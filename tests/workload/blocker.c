/* Off-CPU ground truth: blocks K times for T ms inside a function with a
 * distinctive name, making the syscall itself from that function so a
 * frame-pointer walk cannot skip it.
 *   blocker [-n NAME] [-k K] [-t MS | -u USEC] [-p THREADS] [-w MS_BEFORE_START] [-o FILE]
 * Writes the time it spent off CPU in the sleep loop, measured by itself
 * as wall time minus its own CPU time (in us), to FILE (with -o):
 * the ground truth for short sleeps whose length the timer rounds. With
 * -p, THREADS threads each run the loop at once and FILE gets their sum. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long raw_nanosleep(const struct timespec *ts)
{
	long ret;

	/* The syscall instruction right here: this function is the innermost
	 * user frame, whatever libc does with its frame pointer. */
	__asm__ volatile("syscall" : "=a"(ret) : "0"((long)SYS_nanosleep), "D"(ts), "S"(0L)
			 : "rcx", "r11", "memory");
	return ret;
}

static double clock_us(clockid_t id)
{
	struct timespec t;

	clock_gettime(id, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static __thread double measured_us;

__attribute__((noinline)) void sretrace_test_block_here(int k, long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
	double wall = clock_us(CLOCK_MONOTONIC), cpu = clock_us(CLOCK_THREAD_CPUTIME_ID);

	for (int i = 0; i < k; i++)
		raw_nanosleep(&ts);
	/* The kernel charges CPU time at every switch: what is left is off CPU. */
	measured_us = (clock_us(CLOCK_MONOTONIC) - wall) - (clock_us(CLOCK_THREAD_CPUTIME_ID) - cpu);
}

__attribute__((noinline)) void sretrace_test_outer(int k, long us)
{
	sretrace_test_block_here(k, us);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static int k = 10;
static long us = 20000;

static void *sleeper(void *arg)
{
	sretrace_test_outer(k, us);
	*(double *)arg = measured_us;
	return NULL;
}

int main(int argc, char **argv)
{
	int c, threads = 1;
	long wait_ms = 0;
	double total = 0;
	const char *out = NULL;

	while ((c = getopt(argc, argv, "n:k:t:u:w:o:p:")) != -1) {
		switch (c) {
		case 'n': prctl(PR_SET_NAME, optarg); break;
		case 'k': k = atoi(optarg); break;
		case 't': us = atol(optarg) * 1000; break;
		case 'u': us = atol(optarg); break;
		case 'o': out = optarg; break;
		case 'w': wait_ms = atol(optarg); break;
		case 'p': threads = atoi(optarg); break;
		default: return 2;
		}
	}
	if (wait_ms)
		usleep((useconds_t)wait_ms * 1000);
	if (threads <= 1) {
		sretrace_test_outer(k, us);
		total = measured_us;
	} else {
		pthread_t tid[threads];
		double each[threads];

		for (int i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, sleeper, &each[i]))
				return 1;
		for (int i = 0; i < threads; i++) {
			pthread_join(tid[i], NULL);
			total += each[i];
		}
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
