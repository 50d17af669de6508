/* libFuzzer: the option parser every tool shares, with a tool's own
 * options on top. Input: NUL-separated arguments. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/core/opts.h"
#include "lib/core/parse.h"

static int on_option(int key, const char *arg, void *ctx)
{
	uint64_t v;

	(void)ctx;
	if (key == 'L')
		return sre_opt_usec("fuzz", "--slow", arg, 0, &v);
	if (key == 'x')
		return 0;
	return -EINVAL;
}

static const struct option longs[] = {
	{ "slow", required_argument, NULL, 'L' }, { "failures", no_argument, NULL, 'x' }, { 0 },
};

static const struct sre_tool_spec spec = {
	.name = "fuzz", .summary = "fuzz", .positional = SRE_POS_INTERVAL_COUNT,
	.formats = SRE_FMT_TEXT | SRE_FMT_JSON, .short_opts = "L:x", .long_opts = longs, .on_option = on_option,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sre_opts o;
	char *buf = malloc(size + 1), *argv[64];
	int argc = 0;
	size_t i = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[argc++] = "fuzz";
	while (i <= size && argc < 63) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	/* Errors and help print on stderr/stdout: `make fuzz` runs with
	 * -close_fd_mask=3 so they do not drown the fuzzer's own output. */
	sre_parse_options(argc, argv, &spec, &o, NULL);
	free(buf);
	return 0;
}
