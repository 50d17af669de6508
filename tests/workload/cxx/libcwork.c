/* Spends its time inside libc: snprintf("%f"), qsort (msort) and strtod,
 * whose internals have inlined calls libc6-dbg describes (tests/e2e/symbols.bats). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	char buf[64], *v[512];
	double sum = 0;
	for (int i = 0; i < 512; i++) v[i] = malloc(32);
	for (long r = 0; r < n; r++) {
		for (int i = 0; i < 512; i++) { snprintf(v[i], 32, "%.6f", (double)(i * 7919 % 512) / 3.0 + r); }
		qsort(v, 512, sizeof(v[0]), cmp);
		for (int i = 0; i < 512; i++) sum += strtod(v[i], NULL);
	}
	snprintf(buf, sizeof buf, "%f", sum); puts(buf);
	return 0;
}
