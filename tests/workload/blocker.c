/* Off-CPU ground truth: blocks K times for T ms inside a function with a
 * distinctive name, making the syscall itself from that function so a
 * frame-pointer walk cannot skip it.
 *   blocker [-n NAME] [-k K] [-t MS] [-w MS_BEFORE_START]
 * Also spins a second thread that never blocks, as a decoy. */
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

__attribute__((noinline)) void sretrace_test_block_here(int k, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	for (int i = 0; i < k; i++)
		raw_nanosleep(&ts);
}

__attribute__((noinline)) void sretrace_test_outer(int k, long ms)
{
	sretrace_test_block_here(k, ms);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

int main(int argc, char **argv)
{
	int k = 10, c;
	long ms = 20, wait_ms = 0;

	while ((c = getopt(argc, argv, "n:k:t:w:")) != -1) {
		switch (c) {
		case 'n': prctl(PR_SET_NAME, optarg); break;
		case 'k': k = atoi(optarg); break;
		case 't': ms = atol(optarg); break;
		case 'w': wait_ms = atol(optarg); break;
		default: return 2;
		}
	}
	if (wait_ms)
		usleep((useconds_t)wait_ms * 1000);
	sretrace_test_outer(k, ms);
	return 0;
}
