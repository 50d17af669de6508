/* Reading /proc/PID/maps and opening the files it lists (usyms, python). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/sym/procmaps.h"

/* Whole file into a NUL-terminated buffer: /proc files have no size. */
int sre_read_text(const char *path, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *n;
	ssize_t r;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	for (;;) {
		if (cap - len < 4096) {
			n = realloc(buf, cap * 2);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			buf = n;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			err = -errno;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

int sre_parse_maps_line(char *line, struct sre_maps_line *ml)
{
	int n = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n",
		   &ml->start, &ml->end, ml->perms, &ml->pgoff, &ml->major, &ml->minor,
		   &ml->ino, &n) != 7 || !n || ml->end <= ml->start)
		return -EINVAL;
	ml->path = line + n;
	return 0;
}

int sre_open_mapped(uint32_t pid, const struct sre_maps_line *ml, const char *path, size_t path_len,
		       bool deleted)
{
	char buf[PATH_MAX + 64];
	struct stat st;
	int fd;

	snprintf(buf, sizeof(buf), "/proc/%u/map_files/%" PRIx64 "-%" PRIx64, pid, ml->start, ml->end);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	/* By path only as a last resort: a deleted file's name is another file now. */
	if (fd >= 0 || deleted || path_len > PATH_MAX)
		return fd;
	snprintf(buf, sizeof(buf), "/proc/%u/root%.*s", pid, (int)path_len, path);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || st.st_ino != ml->ino) {
		close(fd);
		return -1;
	}
	return fd;
}
