/* Standalone flame graph renderer: the same code as `sretrace flamegraph`,
 * in a binary that needs no privileges and no BPF. */
#include "tools.h"

int main(int argc, char **argv)
{
	return flamegraph_main(argc, argv);
}
