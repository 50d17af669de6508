/* Ground truth for user-stack unwinding (issue #12): built -O2
 * -fomit-frame-pointer, like Debian's binaries, with a known chain
 *   main -> sretrace_nofp_a -> _b -> _c -> _d -> libc (nanosleep) or a CPU burn.
 *   nofp burn SECONDS | nofp sleep COUNT MS | nofp signal SECONDS | nofp twins COUNT MS
 * twins: sretrace_nofp_left and sretrace_nofp_right take turns calling one
 * sleeping helper with identical frames (same pc, same stack depth): half
 * the time belongs to each. Each side's own measure of its naps (wall
 * less CPU time around nanosleep, in us) goes to stderr: "twins LEFT_US
 * RIGHT_US".
 * signal: _d spins until SIGALRM, whose handler sretrace_nofp_handler
 * burns SECONDS on the signal stack frame: unwinding must cross libc's
 * signal return trampoline back into _d.
 * Each function does work after its call, so none becomes a tail call
 * (which would drop its frame whatever the unwinder). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static int mode_sleep, mode_signal;
static volatile sig_atomic_t handled;
static double arg_s;
static long arg_count, arg_ms;

static double clock_s(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

__attribute__((noinline)) void sretrace_nofp_handler(int sig)
{
	double end = now_s() + arg_s;
	unsigned long x = (unsigned long)sig;

	while (now_s() < end)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i * 2654435761UL;
	sink = x;
	handled = 1;
}

__attribute__((noinline)) unsigned long sretrace_nofp_d(unsigned long x)
{
	if (mode_signal) {
		signal(SIGALRM, sretrace_nofp_handler);
		alarm(1);
		while (!handled)
			x = x * 31 + 7;
	} else if (mode_sleep) {
		struct timespec ts = { arg_ms / 1000, (arg_ms % 1000) * 1000000 };

		for (long i = 0; i < arg_count; i++)
			nanosleep(&ts, NULL);
	} else {
		double end = now_s() + arg_s;

		while (now_s() < end)
			for (int i = 0; i < 100000; i++)
				x += (unsigned long)i * 2654435761UL;
	}
	return x;
}

__attribute__((noinline)) unsigned long sretrace_nofp_c(unsigned long x)
{
	return sretrace_nofp_d(x * 3) + 1;
}

__attribute__((noinline)) unsigned long sretrace_nofp_b(unsigned long x)
{
	return sretrace_nofp_c(x + 5) * 7;
}

__attribute__((noinline)) unsigned long sretrace_nofp_a(unsigned long x)
{
	return sretrace_nofp_b(x ^ 9) + 11;
}

/* The nap's time off the CPU: wall time less the thread's CPU time, which
 * holds the interrupts the kernel ran while the thread was current (CI
 * under loopback traffic: naps 0.9 ms longer than their off-CPU time). */
__attribute__((noinline)) double sretrace_nofp_nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	double wall = now_s(), cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);

	nanosleep(&ts, NULL);
	sink++;
	return (now_s() - wall) - (clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu);
}

__attribute__((noinline)) double sretrace_nofp_left(long ms)
{
	double t = sretrace_nofp_nap(ms);

	sink += 1;
	return t;
}

__attribute__((noinline)) double sretrace_nofp_right(long ms)
{
	double t = sretrace_nofp_nap(ms);

	sink += 2;
	return t;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "twins")) {
		double left = 0, right = 0;

		for (long i = 0; i < atol(argv[2]); i++) {
			if (i & 1)
				right += sretrace_nofp_right(atol(argv[3]));
			else
				left += sretrace_nofp_left(atol(argv[3]));
		}
		fprintf(stderr, "twins %.0f %.0f\n", left * 1e6, right * 1e6);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "burn")) {
		arg_s = atof(argv[2]);
	} else if (argc == 3 && !strcmp(argv[1], "signal")) {
		mode_signal = 1;
		arg_s = atof(argv[2]);
	} else if (argc == 4 && !strcmp(argv[1], "sleep")) {
		mode_sleep = 1;
		arg_count = atol(argv[2]);
		arg_ms = atol(argv[3]);
	} else {
		return 2;
	}
	sink = sretrace_nofp_a((unsigned long)argc);
	return 0;
}
