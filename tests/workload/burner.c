/* On-CPU ground truth: burns CPU for SECONDS inside a function with a
 * distinctive name.   burner [SECONDS]   (default 2) */
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noinline)) unsigned long sretrace_test_burn_here(double seconds)
{
	volatile unsigned long x = 0;
	double end = now_s() + seconds;

	while (now_s() < end)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i * 2654435761UL;
	return x;
}

int main(int argc, char **argv)
{
	return sretrace_test_burn_here(argc > 1 ? atof(argv[1]) : 2.0) == 1;
}
