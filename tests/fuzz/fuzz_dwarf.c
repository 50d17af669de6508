/* libFuzzer: the DWARF reader for inlined frames on arbitrary files (debug
 * files come from the host: a damaged one must not crash the tool). */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/sym/inlines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-dwarf", 0);
	struct inline_info *ii;
	const char *names[8];

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	/* Takes fd. Look up across the seeds' code (0x1000-0x2000) and a bit
	 * around it, so units, ranges and names are all read. */
	ii = inline_info_open(fd);
	if (ii) {
		for (uint64_t a = 0; a < 0x3000; a += 3) {
			int n = inline_info_at(ii, a, names, 8);

			for (int i = 0; i < n; i++)
				(void)names[i][0];
		}
		inline_info_free(ii);
	}
	return 0;
}
