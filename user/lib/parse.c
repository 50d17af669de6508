#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

int sre_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int sre_parse_seconds(const char *s, double max_s, double *out)
{
	double v;
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > max_s)
		return -EINVAL;
	*out = v;
	return 0;
}

int sre_split_list(const char *s, int (*fn)(const char *item, void *ctx), void *ctx)
{
	char *copy = strdup(s), *save = NULL, *item;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	if (!*copy || copy[strlen(copy) - 1] == ',')
		err = -EINVAL;
	for (item = strtok_r(copy, ",", &save); item && !err; item = strtok_r(NULL, ",", &save))
		err = fn(item, ctx);
	free(copy);
	return err;
}
