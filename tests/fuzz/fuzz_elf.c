/* libFuzzer: the ELF symbol-table loader on arbitrary files. */
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/sym/elfsyms.h"
#include "lib/sym/usyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-elf", 0);
	struct usym_table *t;
	uint64_t off;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0) {
		t = usym_table_load(fd);
		if (t) {
			/* Look up across the file so every table entry is touched. */
			for (uint64_t a = 0; a < size + 4096; a += 97)
				usym_table_lookup(t, a, &off);
			usym_table_free(t);
		}
	}
	close(fd);
	return 0;
}
