/* libFuzzer: the --slo expression parser. A parsed SLO must be
 * self-consistent: a known kind, a percentile in (0, 100], a positive
 * limit, a non-empty name, and an op only on disks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/slo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *expr = malloc(size + 1);
	struct sre_slo slo;

	if (!expr)
		return 0;
	memcpy(expr, data, size);
	expr[size] = 0;
	if (!sre_slo_parse("fuzz", expr, &slo)) {
		if ((slo.kind != SRE_SLO_SYSCALL && slo.kind != SRE_SLO_DISK) || !(slo.pct > 0 && slo.pct <= 100) ||
		    !slo.limit_ns || !slo.name[0] || (slo.kind == SRE_SLO_SYSCALL && slo.op[0]))
			abort();
	}
	free(expr);
	return 0;
}
