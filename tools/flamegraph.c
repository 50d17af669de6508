/* Standalone flame graph renderer: the same code as `sretrace flamegraph`,
 * in a binary that needs no privileges and no BPF. */
#include "lib/fmt/flamegraph.h"

int main(int argc, char **argv)
{
	return flamegraph_main(argc, argv);
}
