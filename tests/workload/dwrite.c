/* Block I/O ground truth without dd: N aligned 4 KiB O_DIRECT writes to a
 * device or file.   dwrite PATH N */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	void *buf;
	long n;
	int fd;

	if (argc != 3 || (n = atol(argv[2])) <= 0)
		return 2;
	fd = open(argv[1], O_WRONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096))
		return 1;
	memset(buf, 0x5a, 4096);
	for (long i = 0; i < n; i++)
		if (pwrite(fd, buf, 4096, (off_t)(i * 4096)) != 4096)
			return 1;
	return close(fd) ? 1 : 0;
}
