/* flamegraph: folded stacks to one interactive SVG, offline. It has a
 * command line of its own (lib/fmt/flamegraph.h), shared with the
 * standalone build/flamegraph. */
#include "lib/bpf/tool.h"
#include "lib/fmt/flamegraph.h"
#include "tools.h"

static const struct sre_tool_spec flamegraph_spec = {
	.name = "flamegraph",
	.summary = "Folded stacks to an interactive SVG flame graph (offline, no privileges).",
};

const struct sre_tool flamegraph_tool = { .spec = &flamegraph_spec, .main = flamegraph_main };
