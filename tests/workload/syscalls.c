/* A workload with exactly known syscalls, the ground truth for syslat tests.
 *   syscalls [-n NAME] [-g N] [-f N] [-s M] [-u USEC] [-d SECONDS]
 *   -n  set the comm to NAME
 *   -g  N getppid() calls            -f  N close(-1) calls (each fails EBADF)
 *   -s  M nanosleep() calls of -u USEC each (default 10000)
 *   -d  instead of -g N: call getppid() in a loop for SECONDS, then print the count
 * Every call is made with syscall(2), so libc cannot add or merge any. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long getppids = 0, fails = 0, sleeps = 0, usec = 10000;
	double seconds = 0;
	int c;

	while ((c = getopt(argc, argv, "n:g:f:s:u:d:")) != -1) {
		switch (c) {
		case 'n': prctl(PR_SET_NAME, optarg); break;
		case 'g': getppids = atol(optarg); break;
		case 'f': fails = atol(optarg); break;
		case 's': sleeps = atol(optarg); break;
		case 'u': usec = atol(optarg); break;
		case 'd': seconds = atof(optarg); break;
		default: return 2;
		}
	}
	for (long i = 0; i < getppids; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < fails; i++)
		syscall(SYS_close, -1);
	for (long i = 0; i < sleeps; i++) {
		struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };

		syscall(SYS_nanosleep, &ts, NULL);
	}
	if (seconds > 0) {
		struct timespec start, now;
		long n = 0;

		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			for (int i = 0; i < 1000; i++)
				syscall(SYS_getppid);
			n += 1000;
			clock_gettime(CLOCK_MONOTONIC, &now);
		} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
		printf("%ld\n", n);
	}
	return 0;
}
