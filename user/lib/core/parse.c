#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/parse.h"

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
	char *copy = strdup(s), *item, *comma;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	/* Empty items ("a,,b", "a,") go to fn too, which reports them. */
	for (item = copy; !err; item = comma + 1) {
		comma = strchr(item, ',');
		if (comma)
			*comma = 0;
		err = fn(item, ctx);
		if (!comma)
			break;
	}
	free(copy);
	return err;
}
