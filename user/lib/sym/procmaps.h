/* Reading /proc/PID/maps and opening the files it lists, through
 * /proc/PID/map_files (deleted files, other mount namespaces). */
#ifndef SRE_PROCMAPS_H
#define SRE_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One line of /proc/PID/maps. */
struct sre_maps_line {
	uint64_t start, end, pgoff, ino;
	unsigned int major, minor;
	char perms[5];
	const char *path;	/* "" for anonymous memory; points into the line */
};

/* Whole file into a NUL-terminated buffer (*out, freed by the caller):
 * /proc files have no size. 0 or -errno. */
int sre_read_text(const char *path, char **out);
/* Parses line (kept: ml->path points into it); 0 or -EINVAL. */
int sre_parse_maps_line(char *line, struct sre_maps_line *ml);
/* The file mapped at ml in pid, open (O_RDONLY), or -1: through
 * map_files, else (unless deleted) /proc/PID/root/PATH with the same inode. */
int sre_open_mapped(uint32_t pid, const struct sre_maps_line *ml, const char *path, size_t path_len, bool deleted);

#endif
