/* Strict parsers for numbers users type: no garbage, no overflow, no sign surprises. */
#ifndef SRE_PARSE_H
#define SRE_PARSE_H

#include <stdint.h>

/* Each returns 0 on success, -EINVAL on anything but a clean value in range. */
int sre_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Positive seconds, decimals allowed ("0.5"), at most max_s. */
int sre_parse_seconds(const char *s, double max_s, double *out);
/* Calls fn for each comma-separated item; stops at the first error. */
int sre_split_list(const char *s, int (*fn)(const char *item, void *ctx), void *ctx);

#endif
