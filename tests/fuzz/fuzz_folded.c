/* libFuzzer: the folded-stack parser and the SVG writer behind it. */
#include <stdio.h>
#include <stdint.h>
#include "lib/fmt/flamegraph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_graph *g = fg_new();
	FILE *in = fmemopen((void *)data, size, "r"), *out = fopen("/dev/null", "w");

	if (g && in && out && !fg_read(g, in, false))
		fg_render(g, &(struct fg_options){ .countname = "x", .width = 1200, .minwidth = 0.1, .palette = FG_AUTO }, out);
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	fg_free(g);
	return 0;
}
