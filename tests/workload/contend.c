/* Lock-contention ground truth: THREADS threads take one pthread mutex in
 * a loop and hold it HOLD_US (sleeping), so all but one wait in futex at
 * any moment.   contend [THREADS [SECONDS [HOLD_US]]]   (default 4 2 2000)
 * The lock is taken in sretrace_test_app_lock() through a helper,
 * sretrace_test_lock_slow(), that calls pthread_mutex_lock: the frame a
 * frame-pointer walk from inside libc (built without frame pointers)
 * skips, and DWARF unwinding (--unwind auto/dwarf) keeps. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t app_mutex = PTHREAD_MUTEX_INITIALIZER;
static double end_s;
static long hold_us = 2000;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noinline)) void sretrace_test_lock_slow(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void sretrace_test_app_lock(void)
{
	struct timespec hold = { 0, hold_us * 1000 };

	sretrace_test_lock_slow(&app_mutex);
	nanosleep(&hold, NULL); /* the critical section */
	pthread_mutex_unlock(&app_mutex);
}

static void *worker(void *arg)
{
	(void)arg;
	while (now_s() < end_s)
		sretrace_test_app_lock();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t[64];

	end_s = now_s() + (argc > 2 ? atof(argv[2]) : 2.0);
	if (argc > 3)
		hold_us = atol(argv[3]);
	if (n < 1 || n > 64)
		return 2;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
