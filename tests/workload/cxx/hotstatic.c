/* A hot static function (not in .dynsym) for stripped-binary tests: once
 * the binary is stripped no symbol covers it, and its frames should still
 * be one per function, not one per instruction.   hotstatic SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

__attribute__((noinline)) static unsigned long spin_static(unsigned long n)
{
	unsigned long x = 0;

	for (unsigned long i = 0; i < n; i++)
		x += (i * 2654435761UL) ^ (x >> 7);
	return x;
}

int main(int argc, char **argv)
{
	double end = now() + (argc > 1 ? atof(argv[1]) : 2);
	unsigned long s = 0;

	while (now() < end)
		s += spin_static(1000000);
	printf("%lu\n", s & 1);
	return 0;
}
